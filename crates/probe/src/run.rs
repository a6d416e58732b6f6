//! Probing one endpoint: the handshake, then `GET`s chosen by its kind, each response
//! classified into hits of the checks in [`crate::checks`].

use crate::checks::{self, Check};
use crate::target::{Kind, Target};
use crate::tls::{self, Handshake, TlsInfo};
use std::time::Duration;

/// How a refused client without a certificate is noted.
const CERT_REFUSED: &str = "refused without a client certificate";

/// The most of a response body read (to count items or read a version; never printed).
const MAX_BODY: u64 = 1 << 20;

/// One request and what came back.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Response {
    /// `GET` path.
    pub path: String,
    /// HTTP status, when there was a response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What it means (`anonymous requests rejected`, `3 items`, the error).
    pub note: String,
}

/// Everything observed at one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Probed {
    /// As given on the command line.
    pub target: String,
    /// Its kind.
    pub kind: Kind,
    /// `https://host:port` as probed.
    pub url: String,
    /// The TLS handshake, when it speaks TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsInfo>,
    /// The requests made.
    pub responses: Vec<Response>,
    /// Why the endpoint could not be probed at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A check that found something at an endpoint.
#[derive(Clone, Debug)]
pub struct Hit {
    /// The check.
    pub check: &'static Check,
    /// The endpoint's URL.
    pub url: String,
    /// What showed it (`GET /api/v1/pods?limit=1: 200, 1 item`).
    pub evidence: String,
}

struct Prober {
    agent: ureq::Agent,
    base: String,
    probed: Probed,
    hits: Vec<Hit>,
}

fn check(id: &str) -> &'static Check {
    checks::find(id).unwrap_or(&checks::CHECKS[0])
}

impl Prober {
    fn hit(&mut self, id: &str, evidence: String) {
        if let Some(h) = self.hits.iter_mut().find(|h| h.check.id == id) {
            h.evidence.push_str("; ");
            h.evidence.push_str(&evidence);
            return;
        }
        self.hits.push(Hit {
            check: check(id),
            url: self.base.clone(),
            evidence,
        });
    }

    /// `GET path`: (status, bounded body), or the error.
    fn get(&mut self, path: &str) -> Result<(u16, String), String> {
        let url = format!("{}{path}", self.base);
        match self.agent.get(&url).call() {
            Ok(mut r) => {
                let status = r.status().as_u16();
                let body = r
                    .body_mut()
                    .with_config()
                    .limit(MAX_BODY)
                    .read_to_string()
                    .unwrap_or_default();
                Ok((status, body))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn record(&mut self, path: &str, status: Option<u16>, note: impl Into<String>) {
        self.probed.responses.push(Response {
            path: path.to_string(),
            status,
            note: note.into(),
        });
    }

    /// A request whose success would expose something: records it, returns the status.
    fn ask(&mut self, path: &str) -> Option<(u16, String)> {
        match self.get(path) {
            Ok((s, body)) => {
                let note = match s {
                    200 => "answered".to_string(),
                    401 => "anonymous requests rejected (401)".into(),
                    403 => "anonymous request authenticated, then forbidden (403)".into(),
                    404 => "not served (404)".into(),
                    other => format!("status {other}"),
                };
                self.record(path, Some(s), note);
                Some((s, body))
            }
            Err(e) => {
                self.record(path, None, e);
                None
            }
        }
    }

    fn plaintext(&mut self, path: &str, status: u16) {
        if self.base.starts_with("http://") {
            self.hit(
                "PR008",
                format!(
                    "{} answers over plain HTTP (GET {path}: {status})",
                    self.base
                ),
            );
        }
    }

    fn debug_endpoints(&mut self, paths: &[&str]) {
        for p in paths {
            if let Some((s, _)) = self.ask(p) {
                if s == 200 {
                    self.hit("PR004", format!("GET {p}: 200 without credentials"));
                }
                if s == 403 {
                    self.hit("PR001", format!("GET {p}: 403"));
                }
            }
        }
    }
}

fn items(body: &str) -> Option<usize> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("items")?.as_array().map(Vec::len)
}

/// Probes one endpoint with `GET`s only; `now` (seconds since the epoch) dates certificates.
pub fn probe(t: &Target, timeout: Duration, now: i64) -> (Probed, Vec<Hit>) {
    let mut tls_info = None;
    let scheme = match t.scheme {
        Some(s) => {
            if s == "https" {
                match tls::handshake(&t.authority, timeout, now) {
                    Handshake::Tls(i) => tls_info = Some(i),
                    Handshake::NotTls(e) | Handshake::Unreachable(e) => {
                        return unreachable(t, s, e);
                    }
                }
            }
            s
        }
        None if t.kind.tls_by_default() => match tls::handshake(&t.authority, timeout, now) {
            Handshake::Tls(i) => {
                tls_info = Some(i);
                "https"
            }
            Handshake::NotTls(_) => "http",
            Handshake::Unreachable(e) => return unreachable(t, "https", e),
        },
        None => "http",
    };
    // The read-only port is meant to be closed: a refused connection is the good answer.
    let closed_is_fine = t.kind == Kind::KubeletReadOnly;
    let tls_cfg = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .disable_verification(true)
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls_cfg)
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .user_agent(concat!("stockade-probe/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let base = format!("{scheme}://{}", t.authority);
    let mut p = Prober {
        agent,
        base: base.clone(),
        probed: Probed {
            target: t.given.clone(),
            kind: t.kind,
            url: base,
            tls: tls_info.clone(),
            responses: Vec::new(),
            error: None,
        },
        hits: Vec::new(),
    };
    if let Some(i) = &tls_info
        && i.not_after > 0
    {
        if i.days_left < 0 {
            p.hit(
                "PR009",
                format!(
                    "the certificate of {} expired {} day(s) ago",
                    i.subject, -i.days_left
                ),
            );
        } else if i.days_left < 30 {
            p.hit(
                "PR010",
                format!(
                    "the certificate of {} expires in {} day(s)",
                    i.subject, i.days_left
                ),
            );
        }
    }
    match t.kind {
        Kind::Apiserver => apiserver(&mut p),
        Kind::Kubelet => kubelet(&mut p),
        Kind::KubeletReadOnly => read_only(&mut p),
        Kind::Etcd => etcd(&mut p),
        Kind::ControllerManager | Kind::Scheduler => {
            p.debug_endpoints(&["/metrics", "/configz", "/debug/pprof/"]);
        }
    }
    // A refusal for want of a client certificate is an answer (the right one).
    let answered = p
        .probed
        .responses
        .iter()
        .any(|r| r.status.is_some() || r.note.starts_with(CERT_REFUSED));
    if !closed_is_fine && !answered && p.probed.error.is_none() {
        p.probed.error = p.probed.responses.first().map(|r| r.note.clone());
    }
    (p.probed, p.hits)
}

fn unreachable(t: &Target, scheme: &str, e: String) -> (Probed, Vec<Hit>) {
    (
        Probed {
            target: t.given.clone(),
            kind: t.kind,
            url: format!("{scheme}://{}", t.authority),
            tls: None,
            responses: Vec::new(),
            error: Some(e),
        },
        Vec::new(),
    )
}

/// What anonymous requests may read from the API server, and what it shows them.
const SENSITIVE_LISTS: &[&str] = &[
    "/api/v1/secrets?limit=1",
    "/api/v1/pods?limit=1",
    "/api/v1/nodes?limit=1",
    "/api/v1/configmaps?limit=1",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=1",
];

fn apiserver(p: &mut Prober) {
    if let Some((s, body)) = p.ask("/version") {
        p.plaintext("/version", s);
        if s == 200 {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let version = v["gitVersion"].as_str().unwrap_or("(unparsed)").to_string();
            p.hit(
                "PR002",
                format!("GET /version: 200 without credentials, gitVersion {version}"),
            );
        }
    }
    if let Some((s @ (200 | 403), _)) = p.ask("/api") {
        p.hit("PR001", format!("GET /api: {s}, not 401"));
    }
    for path in SENSITIVE_LISTS {
        if let Some((200, body)) = p.ask(path) {
            let n = items(&body).map_or("a".to_string(), |n| n.to_string());
            p.hit(
                "PR003",
                format!("GET {path}: 200 without credentials ({n} item(s) in the first page)"),
            );
        }
    }
    p.debug_endpoints(&["/metrics", "/debug/pprof/", "/logs/"]);
}

fn kubelet(p: &mut Prober) {
    for path in ["/pods", "/runningpods/"] {
        if let Some((s, body)) = p.ask(path) {
            p.plaintext(path, s);
            match s {
                200 => {
                    let n = items(&body).map_or("?".to_string(), |n| n.to_string());
                    p.hit(
                        "PR005",
                        format!("GET {path}: 200 without credentials ({n} pod(s)); /exec, /run and /attach share this authorization"),
                    );
                }
                403 => p.hit("PR001", format!("GET {path}: 403, not 401")),
                _ => {}
            }
        }
    }
    p.debug_endpoints(&["/metrics", "/configz", "/debug/pprof/"]);
}

fn read_only(p: &mut Prober) {
    match p.ask("/pods") {
        Some((200, body)) => {
            let n = items(&body).map_or("?".to_string(), |n| n.to_string());
            p.hit(
                "PR006",
                format!("GET /pods: 200 ({n} pod(s)) on the read-only port"),
            );
        }
        Some(_) => {}
        None => {
            if let Some(r) = p.probed.responses.last_mut() {
                r.note = format!("closed: {}", r.note);
            }
        }
    }
}

fn etcd(p: &mut Prober) {
    match p.get("/version") {
        Ok((s, body)) => {
            p.record("/version", Some(s), "answered without a client certificate");
            if s == 200 {
                p.plaintext("/version", s);
                let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let version = v["etcdserver"].as_str().unwrap_or("(unparsed)").to_string();
                p.hit(
                    "PR007",
                    format!("GET /version: 200 with no client certificate, etcd {version}"),
                );
            }
        }
        Err(e) => {
            let lower = e.to_ascii_lowercase();
            let note = if lower.contains("certificate") || lower.contains("alert") {
                format!("{CERT_REFUSED} ({e})")
            } else {
                e
            };
            p.record("/version", None, note);
        }
    }
}
