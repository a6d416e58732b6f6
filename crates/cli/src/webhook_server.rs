//! The validating admission webhook server: `POST /validate` answers AdmissionReviews with the
//! decisions of [`stockade_admission::Judge`], `/healthz`, `/readyz` (ready once the watch cache
//! has listed every context kind), `/metrics` (Prometheus). One JSON log line per decision, with
//! the request's uid, on standard error.
//!
//! Decisions run on the blocking pool under a deadline; a decision that misses it is answered
//! in the policy's failure direction. Bodies over the API server's own limit get 413, bodies
//! that are not AdmissionReviews 400, each with a message; nothing from the body is logged but
//! the request's identity.

use crate::serve::ReloadingCert;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use stockade_admission::{Context, Judge, MAX_BODY, Verdict};
use tokio::net::TcpListener;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    verdict: String,
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FindingLabels {
    rule: String,
    mode: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectLabels {
    reason: String,
}

struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    findings: Family<FindingLabels, Counter>,
    rejected: Family<RejectLabels, Counter>,
    latency: Histogram,
    cache_age: Gauge,
    cache_objects: Gauge,
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("stockade_webhook");
        let requests = Family::<RequestLabels, Counter>::default();
        let findings = Family::<FindingLabels, Counter>::default();
        let rejected = Family::<RejectLabels, Counter>::default();
        // 0.25 ms to about 4 s.
        let latency = Histogram::new([
            0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ]);
        let cache_age = Gauge::default();
        let cache_objects = Gauge::default();
        registry.register(
            "requests",
            "AdmissionReviews answered, by verdict (allowed, warned, denied, skipped, undecided) and kind",
            requests.clone(),
        );
        registry.register(
            "findings",
            "Findings at admission, by rule and mode (enforce, warn, audit)",
            findings.clone(),
        );
        registry.register(
            "rejected_bodies",
            "Requests answered 4xx without a decision, by reason",
            rejected.clone(),
        );
        registry.register(
            "decision_seconds",
            "Time from receiving a review to answering it",
            latency.clone(),
        );
        registry.register(
            "cache_age_seconds",
            "Seconds since the context cache was last rebuilt (0 without a cluster)",
            cache_age.clone(),
        );
        registry.register(
            "cache_objects",
            "Objects in the context cache",
            cache_objects.clone(),
        );
        Metrics {
            registry,
            requests,
            findings,
            rejected,
            latency,
            cache_age,
            cache_objects,
        }
    }
}

/// The context the decisions read, swapped whole when the cache changes.
pub struct SharedContext {
    current: RwLock<Arc<Context>>,
    ready: AtomicBool,
    built: RwLock<Instant>,
}

impl SharedContext {
    /// An empty context; `ready` says whether /readyz answers 200 already.
    pub fn new(ready: bool) -> Arc<SharedContext> {
        Arc::new(SharedContext {
            current: RwLock::new(Arc::new(Context::empty())),
            ready: AtomicBool::new(ready),
            built: RwLock::new(Instant::now()),
        })
    }

    /// Replaces the context; `synced` marks the server ready.
    pub fn set(&self, cx: Context, synced: bool) {
        if let Ok(mut c) = self.current.write() {
            *c = Arc::new(cx);
        }
        if let Ok(mut b) = self.built.write() {
            *b = Instant::now();
        }
        if synced {
            self.ready.store(true, Ordering::Release);
        }
    }

    fn get(&self) -> Arc<Context> {
        self.current
            .read()
            .map(|c| Arc::clone(&c))
            .unwrap_or_else(|_| Arc::new(Context::empty()))
    }
}

struct Shared {
    judge: Judge,
    context: Arc<SharedContext>,
    own_namespace: Option<String>,
    metrics: Metrics,
    has_cluster: bool,
}

/// How to serve.
pub struct ServeConfig {
    /// Address.
    pub listen: SocketAddr,
    /// Certificate and key files; plain HTTP (loopback only) when absent.
    pub tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// The decisions.
    pub judge: Judge,
    /// The context they read.
    pub context: Arc<SharedContext>,
    /// The webhook's own namespace.
    pub own_namespace: Option<String>,
    /// Whether a watch cache feeds the context.
    pub has_cluster: bool,
}

/// A bound server.
pub struct Server {
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
}

/// Writes one JSON log line to standard error.
pub fn log(v: serde_json::Value) {
    use std::io::Write;
    let mut line = serde_json::to_vec(&v).unwrap_or_default();
    line.push(b'\n');
    let _ = std::io::stderr().lock().write_all(&line);
}

fn timestamp() -> String {
    stockade_model::time::now_rfc3339()
}

impl Server {
    /// Loads the certificate and binds.
    pub async fn bind(cfg: ServeConfig) -> anyhow::Result<Server> {
        let tls = match &cfg.tls {
            Some((c, k)) => {
                let cert = ReloadingCert::load(c, k).map_err(|e| anyhow::anyhow!("TLS: {e}"))?;
                cert.watch(|r| match r {
                    Ok(()) => log(serde_json::json!({"ts": timestamp(), "level": "info", "msg": "TLS certificate reloaded"})),
                    Err(e) => log(serde_json::json!({"ts": timestamp(), "level": "warning", "msg": "TLS certificate not reloaded; still serving the previous one", "error": e})),
                });
                Some(cert.acceptor().map_err(|e| anyhow::anyhow!("TLS: {e}"))?)
            }
            None if cfg.listen.ip().is_loopback() => None,
            None => anyhow::bail!(
                "refusing to serve admission reviews over plain HTTP on {}, which is not a loopback address: pass --tls-cert and --tls-key",
                cfg.listen
            ),
        };
        let listener = TcpListener::bind(cfg.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.listen))?;
        let shared = Arc::new(Shared {
            judge: cfg.judge,
            context: cfg.context,
            own_namespace: cfg.own_namespace,
            metrics: Metrics::new(),
            has_cluster: cfg.has_cluster,
        });
        let router = Router::new()
            .route("/validate", post(validate))
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics))
            // One byte over the limit is enough to know: axum answers 413.
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(shared);
        Ok(Server {
            listener,
            tls,
            router,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown`.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        crate::serve::run(self.listener, self.tls, self.router, shutdown).await
    }
}

async fn readyz(State(s): State<Arc<Shared>>) -> Response {
    if s.context.ready.load(Ordering::Acquire) {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the watch cache has not listed every context kind yet\n",
        )
            .into_response()
    }
}

async fn metrics(State(s): State<Arc<Shared>>) -> Response {
    if s.has_cluster
        && let Ok(b) = s.context.built.read()
    {
        s.metrics
            .cache_age
            .set(i64::try_from(b.elapsed().as_secs()).unwrap_or(i64::MAX));
    }
    s.metrics
        .cache_objects
        .set(i64::try_from(s.context.get().len()).unwrap_or(i64::MAX));
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &s.metrics.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

fn reject(s: &Shared, status: StatusCode, reason: &str, msg: String) -> Response {
    s.metrics
        .rejected
        .get_or_create(&RejectLabels {
            reason: reason.into(),
        })
        .inc();
    log(
        serde_json::json!({"ts": timestamp(), "level": "warning", "msg": "request refused", "status": status.as_u16(), "reason": reason, "error": msg}),
    );
    (status, format!("{msg}\n")).into_response()
}

fn json(body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

async fn validate(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let start = Instant::now();
    let req = match stockade_admission::decode(&body) {
        Ok(r) => r,
        Err(e @ stockade_admission::DecodeError::TooLarge(_)) => {
            return reject(
                &s,
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                e.to_string(),
            );
        }
        Err(e) => return reject(&s, StatusCode::BAD_REQUEST, "malformed", e.to_string()),
    };
    drop(body);
    let deadline = Duration::from_millis(s.judge.policy().deadline_ms);
    let s2 = Arc::clone(&s);
    let uid = req.uid.clone();
    let decided = tokio::time::timeout(
        deadline,
        tokio::task::spawn_blocking(move || {
            let cx = s2.context.get();
            let today = stockade_engine::today();
            let v = s2
                .judge
                .judge(&req, &cx, s2.own_namespace.as_deref(), &today);
            (req, v)
        }),
    )
    .await;
    let elapsed = start.elapsed();
    s.metrics.latency.observe(elapsed.as_secs_f64());
    match decided {
        Ok(Ok((req, v))) => {
            record(&s, &req, &v, elapsed);
            json(stockade_admission::encode(&v.response))
        }
        Ok(Err(_)) | Err(_) => {
            let why = if decided.is_err() {
                format!("no decision within {} ms", deadline.as_millis())
            } else {
                "the decision failed".to_string()
            };
            s.metrics
                .requests
                .get_or_create(&RequestLabels {
                    verdict: "undecided".into(),
                    kind: String::new(),
                })
                .inc();
            let r = s.judge.undecided(&uid, &why);
            log(
                serde_json::json!({"ts": timestamp(), "level": "error", "msg": "undecided", "uid": uid, "error": why, "allowed": r.allowed}),
            );
            json(stockade_admission::encode(&r))
        }
    }
}

fn record(s: &Shared, req: &stockade_admission::Request, v: &Verdict, elapsed: Duration) {
    let verdict = if v.skipped.is_some() {
        "skipped"
    } else {
        v.outcome()
    };
    s.metrics
        .requests
        .get_or_create(&RequestLabels {
            verdict: verdict.into(),
            kind: req.kind.kind.clone(),
        })
        .inc();
    for (mode, f) in &v.findings {
        s.metrics
            .findings
            .get_or_create(&FindingLabels {
                rule: f.rule_id.to_string(),
                mode: mode.as_str().into(),
            })
            .inc();
    }
    // Skipped requests (exempt namespaces, kinds no rule reads) are counted, not logged.
    if v.skipped.is_some() {
        return;
    }
    let by_mode = |m: stockade_admission::Mode| -> Vec<String> {
        v.findings
            .iter()
            .filter(|(x, _)| *x == m)
            .map(|(_, f)| format!("{} {}", f.rule_id, f.field_path))
            .collect()
    };
    log(serde_json::json!({
        "ts": timestamp(),
        "level": "info",
        "msg": "decision",
        "uid": req.uid,
        "verdict": verdict,
        "operation": req.operation.as_str(),
        "kind": req.kind.kind,
        "namespace": req.namespace,
        "name": req.name,
        "user": req.user.username,
        "dryRun": req.dry_run,
        "enforce": by_mode(stockade_admission::Mode::Enforce),
        "warn": by_mode(stockade_admission::Mode::Warn),
        "audit": by_mode(stockade_admission::Mode::Audit),
        "suppressed": v.suppressed.iter().map(|f| format!("{} {}", f.rule_id, f.field_path)).collect::<Vec<_>>(),
        "podSecurity": v.pod_security.as_ref().map(|p| serde_json::json!({"enforce": p.enforce_policy, "rejected": p.rejected, "warned": p.warned, "audited": p.audited, "exempt": p.exempt})),
        "notAssessed": v.not_assessed,
        "ms": (elapsed.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
    }));
}
