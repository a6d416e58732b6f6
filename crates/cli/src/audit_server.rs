//! The audit webhook backend: kube-apiserver (`--audit-webhook-config-file`) POSTs `EventList`
//! batches; each event is analysed as it arrives and alerts go to a sink the caller provides.
//! `/metrics` exposes Prometheus counters, `/healthz` answers `ok`.
//!
//! TLS uses rustls with the ring provider (the one kube-rs uses; two providers in one process
//! panic at run time). Plain HTTP is only served on loopback addresses. Shutdown is graceful:
//! the listener closes, connections finish their current request, then `run` returns.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use stockade_audit::analyzer::{Analyzer, AnalyzerOptions};
use stockade_audit::config::AuditSettings;
use stockade_audit::event;
use stockade_model::{Finding, Location};
use tokio::net::TcpListener;

/// Where alerts go: called once per alert, from the request that carried the event.
pub type AlertSink = Box<dyn FnMut(&Finding) + Send>;

/// How to serve.
pub struct ServeConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// PEM certificate chain and private key; plain HTTP (loopback only) when absent.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Largest request body accepted.
    pub max_body: usize,
    /// Rule settings.
    pub settings: AuditSettings,
    /// Analyzer options.
    pub options: AnalyzerOptions,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The TLS files could not be read or do not form a valid certificate and key.
    #[error("TLS: {0}")]
    Tls(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// Plain HTTP was asked for on a non-loopback address.
    #[error(
        "refusing to serve audit events over plain HTTP on {0}, which is not a loopback address: pass --tls-cert and --tls-key"
    )]
    PlainHttp(SocketAddr),
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertLabels {
    rule: String,
    severity: String,
}

struct Metrics {
    registry: Registry,
    batches: Counter,
    bad_batches: Counter,
    events: Counter,
    bad_events: Counter,
    alerts: Family<AlertLabels, Counter>,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("stockade_audit");
        let batches = Counter::default();
        let bad_batches = Counter::default();
        let events = Counter::default();
        let bad_events = Counter::default();
        let alerts = Family::<AlertLabels, Counter>::default();
        registry.register("batches", "EventList posts received", batches.clone());
        registry.register(
            "rejected_batches",
            "Posts that were not an audit.k8s.io/v1 EventList",
            bad_batches.clone(),
        );
        registry.register("events", "Audit events received", events.clone());
        registry.register(
            "rejected_events",
            "Items of a batch that were not audit.k8s.io/v1 Events",
            bad_events.clone(),
        );
        registry.register(
            "alerts",
            "Alerts raised, by rule and severity",
            alerts.clone(),
        );
        Metrics {
            registry,
            batches,
            bad_batches,
            events,
            bad_events,
            alerts,
        }
    }
}

struct Shared {
    analyzer: Mutex<(Analyzer, AlertSink)>,
    metrics: Metrics,
    batch: AtomicU64,
}

/// A bound server, ready to run.
pub struct Server {
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
}

impl Server {
    /// Loads TLS material and binds the address.
    pub async fn bind(cfg: ServeConfig, sink: AlertSink) -> Result<Server, ServeError> {
        let tls = match &cfg.tls {
            Some((c, k)) => {
                let cert = crate::serve::ReloadingCert::load(c, k).map_err(ServeError::Tls)?;
                // A renewed certificate on disk is served to new connections.
                cert.watch(|r| {
                    if let Err(e) = r {
                        eprintln!("warning: TLS certificate not reloaded: {e}; still serving the previous one");
                    }
                });
                Some(cert.acceptor().map_err(ServeError::Tls)?)
            }
            None if cfg.listen.ip().is_loopback() => None,
            None => return Err(ServeError::PlainHttp(cfg.listen)),
        };
        let listener = TcpListener::bind(cfg.listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: cfg.listen,
                source,
            })?;
        let shared = Arc::new(Shared {
            analyzer: Mutex::new((Analyzer::new(&cfg.settings, cfg.options), sink)),
            metrics: Metrics::new(),
            batch: AtomicU64::new(0),
        });
        let router = Router::new()
            .route("/metrics", get(metrics))
            .route("/healthz", get(|| async { "ok" }))
            .fallback(ingest)
            .layer(DefaultBodyLimit::max(cfg.max_body))
            .with_state(shared);
        Ok(Server {
            listener,
            tls,
            router,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then lets open connections finish (up to 10 s).
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        crate::serve::run(self.listener, self.tls, self.router, shutdown).await
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &shared.metrics.registry).is_err() {
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

async fn ingest(State(shared): State<Arc<Shared>>, method: Method, body: Bytes) -> Response {
    if method != Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            "POST audit.k8s.io/v1 EventList bodies here\n",
        )
            .into_response();
    }
    let m = &shared.metrics;
    m.batches.inc();
    let batch = shared.batch.fetch_add(1, Ordering::Relaxed) + 1;
    let Ok(text) = std::str::from_utf8(&body) else {
        m.bad_batches.inc();
        return (StatusCode::BAD_REQUEST, "body is not UTF-8\n").into_response();
    };
    let items = match event::parse_list(text) {
        Ok(items) => items,
        Err(e) => {
            m.bad_batches.inc();
            return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response();
        }
    };
    let Ok(mut guard) = shared.analyzer.lock() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "analyzer unavailable\n").into_response();
    };
    let (analyzer, sink) = &mut *guard;
    let name = format!("webhook batch {batch}");
    for (i, item) in items.iter().enumerate() {
        m.events.inc();
        let ev = match item {
            Ok(ev) => ev,
            Err(_) => {
                m.bad_events.inc();
                continue;
            }
        };
        let loc = Location {
            path: name.clone(),
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            column: 1,
            template: None,
            document: 0,
        };
        analyzer.analyze_event(ev, loc, &mut |f| {
            m.alerts
                .get_or_create(&AlertLabels {
                    rule: f.rule_id.to_string(),
                    severity: f.severity.to_string(),
                })
                .inc();
            sink(&f);
        });
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "{}",
    )
        .into_response()
}

/// Binds and serves on a runtime of its own until SIGINT or SIGTERM; `on_listening` is called
/// with the bound address once the server accepts connections.
pub fn run_until_signal(
    cfg: ServeConfig,
    sink: AlertSink,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| ServeError::Bind {
            addr: cfg.listen,
            source,
        })?;
    rt.block_on(async move {
        let addr = cfg.listen;
        let server = Server::bind(cfg, sink).await?;
        on_listening(server.local_addr().unwrap_or(addr));
        server
            .run(crate::serve::signal())
            .await
            .map_err(|source| ServeError::Bind { addr, source })
    })
}
