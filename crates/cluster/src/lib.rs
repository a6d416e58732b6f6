//! Reads a live cluster through kube-rs: every kind the analyzers need, paginated, several
//! resource types at a time, with progress reports. Secrets are listed as metadata only
//! (`PartialObjectMetadata`), so their values never cross the wire, and the
//! `last-applied-configuration` annotation (which can hold them) is dropped from every object.
//!
//! This crate fetches and converts to [`Node`] trees; it never judges. Forbidden or missing
//! resource types are recorded as [`Coverage`] and do not stop the scan, but make the snapshot
//! partial, as does an API server that goes away mid-scan; the [`ReadScope`] says which kinds
//! were read completely and where, so that rules never conclude absence from what was not read. Problems that make a scan impossible
//! (unreadable kubeconfig, unknown context, unreachable server, rejected credentials, wrong CA)
//! are one [`ClusterError`] naming the cause.

pub mod helm;
mod resources;
pub mod watch;

pub use resources::{RESOURCES, Resource};

use futures::StreamExt;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;
use stockade_model::{Coverage, CoverageStatus, KindRead, ReadScope};
use stockade_sources::{Node, node_from_json};

/// The product token every request to an API server carries as its `User-Agent`, so that
/// audit logs show which requests are Stockade's. Any client can send any User-Agent: use it to
/// recognise Stockade's requests, never to trust them (exempt the scanning identity instead).
pub const USER_AGENT_PRODUCT: &str = concat!("stockade/", env!("CARGO_PKG_VERSION"));

static COMMAND: OnceLock<String> = OnceLock::new();

/// Names the command the process runs (`scan`, `deprovision`), added to the User-Agent as a
/// comment. Set once, before connecting; later calls are ignored.
pub fn set_command(name: &str) {
    let _ = COMMAND.set(name.to_string());
}

/// The User-Agent of this process's requests: `stockade/VERSION (COMMAND)`, or
/// `stockade/VERSION` when no command was named.
pub fn user_agent() -> String {
    match COMMAND.get() {
        Some(c)
            if !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b' ') =>
        {
            format!("{USER_AGENT_PRODUCT} ({c})")
        }
        _ => USER_AGENT_PRODUCT.to_string(),
    }
}

/// Which cluster to read and how much of it.
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    /// A kubeconfig file (default: `$KUBECONFIG`, then `~/.kube/config`, then in-cluster config).
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig (default: its current context).
    pub context: Option<String>,
    /// Only list namespaced objects of this namespace (cluster-scoped kinds are still read).
    pub namespace: Option<String>,
    /// Page size for list requests.
    pub page_size: u32,
}

/// Why a cluster cannot be scanned at all.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The kubeconfig could not be read or does not name a usable context.
    #[error("{0}")]
    Config(String),
    /// The API server could not be reached or refused the connection.
    #[error("{0}")]
    Connect(String),
    /// The API server rejected the credentials.
    #[error("{0}")]
    Auth(String),
}

/// Receives progress while resource types are listed (the CLI draws a bar from it).
pub trait Progress: Sync {
    /// Listing starts; `total` resource types will be listed.
    fn start(&self, total: usize);
    /// One resource type is done.
    fn finished(&self, resource: &str, objects: usize);
}

/// Everything read from a cluster.
#[derive(Debug)]
pub struct Snapshot {
    /// The context (or `in-cluster`) the objects came from.
    pub cluster: String,
    /// The API server's `gitVersion`.
    pub server_version: String,
    /// Objects, with `apiVersion` and `kind` filled in.
    pub objects: Vec<Node>,
    /// Per resource type: read, forbidden, missing or failed.
    pub coverage: Vec<Coverage>,
    /// The kinds listed completely, and where (cluster-wide, or in the one namespace asked for).
    pub scope: ReadScope,
    /// True when some resource type could not be read completely (forbidden, not served, or
    /// failed part-way): the snapshot is not the whole of what was asked for.
    pub partial: bool,
}

impl Snapshot {
    /// The resource types that could not be read completely.
    pub fn unread(&self) -> impl Iterator<Item = &Coverage> {
        self.coverage
            .iter()
            .filter(|c| c.status != CoverageStatus::Ok)
    }
}

/// Reads the cluster named by `opts`.
pub fn fetch(
    opts: &ClusterOptions,
    progress: Option<&dyn Progress>,
) -> Result<Snapshot, ClusterError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ClusterError::Connect(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(fetch_async(opts, progress))
}

/// The kubeconfig's client settings, with Stockade's User-Agent on every request.
async fn load_config(opts: &ClusterOptions) -> Result<(Config, String), ClusterError> {
    let (mut cfg, cluster) = load_kubeconfig(opts).await?;
    let ua = http::HeaderValue::from_str(&user_agent())
        .unwrap_or(http::HeaderValue::from_static(USER_AGENT_PRODUCT));
    cfg.headers.retain(|(k, _)| k != http::header::USER_AGENT);
    cfg.headers.push((http::header::USER_AGENT, ua));
    Ok((cfg, cluster))
}

async fn load_kubeconfig(opts: &ClusterOptions) -> Result<(Config, String), ClusterError> {
    let kube_opts = KubeConfigOptions {
        context: opts.context.clone(),
        ..KubeConfigOptions::default()
    };
    let explicit = opts.kubeconfig.clone().or_else(|| {
        std::env::var_os("KUBECONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let default_path = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube/config"));
    let path = explicit.or_else(|| default_path.filter(|p| p.exists()));
    let Some(path) = path else {
        if opts.context.is_some() {
            return Err(ClusterError::Config(
                "--context was given but no kubeconfig was found (pass --kubeconfig or set KUBECONFIG)".into(),
            ));
        }
        let cfg = Config::incluster().map_err(|e| {
            ClusterError::Config(format!(
                "no kubeconfig found (--kubeconfig, KUBECONFIG or ~/.kube/config) and not running in a pod ({e})"
            ))
        })?;
        return Ok((cfg, "in-cluster".into()));
    };
    // KUBECONFIG may list several files; kube-rs merges them when reading from the environment.
    let kc = if path.to_string_lossy().contains(':') && opts.kubeconfig.is_none() {
        Kubeconfig::from_env()
            .map_err(|e| {
                ClusterError::Config(format!("cannot read kubeconfig from KUBECONFIG: {e}"))
            })?
            .ok_or_else(|| ClusterError::Config("KUBECONFIG is empty".into()))?
    } else {
        Kubeconfig::read_from(&path).map_err(|e| {
            ClusterError::Config(format!("cannot read kubeconfig {}: {e}", path.display()))
        })?
    };
    let context = opts
        .context
        .clone()
        .or_else(|| kc.current_context.clone())
        .ok_or_else(|| {
            ClusterError::Config(format!(
                "kubeconfig {} has no current-context; pass --context (available: {})",
                path.display(),
                context_names(&kc)
            ))
        })?;
    if !kc.contexts.iter().any(|c| c.name == context) {
        return Err(ClusterError::Config(format!(
            "context `{context}` is not in kubeconfig {} (available: {})",
            path.display(),
            context_names(&kc)
        )));
    }
    let cfg = Config::from_custom_kubeconfig(kc, &kube_opts)
        .await
        .map_err(|e| {
            ClusterError::Config(format!(
                "kubeconfig {} context `{context}`: {e}",
                path.display()
            ))
        })?;
    Ok((cfg, context))
}

fn context_names(kc: &Kubeconfig) -> String {
    let names: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Turns a connection-level error into a message that names the cause.
fn explain(server: &str, e: &kube::Error) -> ClusterError {
    if let kube::Error::Api(s) = e {
        if s.code == 401 {
            return ClusterError::Auth(format!(
                "the API server at {server} rejected the credentials (401 Unauthorized): the token or client certificate is invalid or expired; refresh the kubeconfig's credentials"
            ));
        }
        return ClusterError::Connect(format!(
            "the API server at {server} answered {}: {}",
            s.code, s.message
        ));
    }
    let mut chain = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        src = s.source();
    }
    let lower = chain.to_lowercase();
    if lower.contains("certificate")
        || lower.contains("unknownissuer")
        || lower.contains("invalid peer")
    {
        ClusterError::Connect(format!(
            "TLS verification of {server} failed: the server's certificate is not trusted by the kubeconfig's certificate authority (check certificate-authority-data) — {chain}"
        ))
    } else if lower.contains("connection refused") {
        ClusterError::Connect(format!(
            "cannot connect to {server}: connection refused; is the API server running and is the kubeconfig's server address right?"
        ))
    } else if lower.contains("timed out") || lower.contains("elapsed") {
        ClusterError::Connect(format!("cannot connect to {server}: timed out"))
    } else {
        ClusterError::Connect(format!("cannot reach the API server at {server}: {chain}"))
    }
}

/// A client for commands that act on the cluster (de-provisioning), built exactly as a scan
/// builds its own: same kubeconfig and context resolution, same timeouts, same error messages.
pub struct Connection {
    /// The client.
    pub client: Client,
    /// The context (or `in-cluster`).
    pub cluster: String,
    /// The API server's URL.
    pub server: String,
}

/// Connects to the cluster named by `opts` and checks that the API server answers.
pub async fn connect(opts: &ClusterOptions) -> Result<Connection, ClusterError> {
    let (mut cfg, cluster) = load_config(opts).await?;
    // A command that acts must see a refusal at once: a 429 from the Eviction API is a
    // PodDisruptionBudget saying no, which the client would otherwise retry for minutes.
    cfg.default_retry = false;
    cfg.connect_timeout = Some(Duration::from_secs(10));
    cfg.read_timeout = Some(Duration::from_secs(60));
    let server = cfg.cluster_url.to_string();
    let client = Client::try_from(cfg).map_err(|e| explain(&server, &e))?;
    tokio::time::timeout(Duration::from_secs(15), client.apiserver_version())
        .await
        .map_err(|_| {
            ClusterError::Connect(format!("cannot connect to {server}: timed out after 15 s"))
        })?
        .map_err(|e| explain(&server, &e))?;
    Ok(Connection {
        client,
        cluster,
        server,
    })
}

async fn fetch_async(
    opts: &ClusterOptions,
    progress: Option<&dyn Progress>,
) -> Result<Snapshot, ClusterError> {
    let (mut cfg, cluster) = load_config(opts).await?;
    cfg.connect_timeout = Some(Duration::from_secs(10));
    cfg.read_timeout = Some(Duration::from_secs(60));
    let server = cfg.cluster_url.to_string();
    let client = Client::try_from(cfg).map_err(|e| explain(&server, &e))?;
    let version = tokio::time::timeout(Duration::from_secs(15), client.apiserver_version())
        .await
        .map_err(|_| {
            ClusterError::Connect(format!("cannot connect to {server}: timed out after 15 s"))
        })?
        .map_err(|e| explain(&server, &e))?;

    if let Some(p) = progress {
        p.start(RESOURCES.len());
    }
    let page = if opts.page_size == 0 {
        500
    } else {
        opts.page_size
    };
    let results: Vec<(usize, Listed)> = futures::stream::iter(RESOURCES.iter().enumerate())
        .map(|(i, r)| {
            let client = client.clone();
            let ns = opts.namespace.clone();
            async move {
                let listed = list_all(&client, r, ns.as_deref(), page).await;
                if let Some(p) = progress {
                    p.finished(&r.path_name(), listed.objects.len());
                }
                (i, listed)
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let mut results = results;
    results.sort_by_key(|(i, _)| *i);
    let mut snapshot = Snapshot {
        cluster,
        server_version: version.git_version,
        objects: Vec::new(),
        coverage: Vec::new(),
        scope: ReadScope::Complete,
        partial: false,
    };
    let mut read = std::collections::BTreeMap::new();
    for (i, listed) in results {
        let r = &RESOURCES[i];
        if listed.status == CoverageStatus::Ok {
            let scope = match &opts.namespace {
                Some(ns) if r.namespaced => KindRead::Namespace(ns.clone()),
                _ => KindRead::ClusterWide,
            };
            read.insert(r.kind.to_string(), scope);
        } else {
            snapshot.partial = true;
        }
        snapshot.coverage.push(Coverage {
            resource: r.path_name(),
            status: listed.status,
            count: listed.objects.len(),
            message: listed.message,
            unassessed_rules: Vec::new(),
            skipped_rules: Vec::new(),
        });
        snapshot.objects.extend(listed.objects);
    }
    snapshot.scope = ReadScope::Listed(read);
    Ok(snapshot)
}

struct Listed {
    objects: Vec<Node>,
    status: CoverageStatus,
    message: Option<String>,
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

async fn list_all(client: &Client, r: &Resource, namespace: Option<&str>, page: u32) -> Listed {
    let mut objects = Vec::new();
    let mut cont: Option<String> = None;
    loop {
        let mut url = r.list_url(namespace);
        url.push_str(&format!("?limit={page}"));
        if let Some(c) = &cont {
            url.push_str("&continue=");
            url.push_str(&stockade_model::escape::url_query_value(c));
        }
        let mut req = http::Request::get(&url);
        if r.metadata_only {
            req = req.header(
                http::header::ACCEPT,
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1",
            );
        }
        let req = match req.body(Vec::new()) {
            Ok(r) => r,
            Err(e) => return failed(objects, CoverageStatus::Error, e.to_string()),
        };
        let body: serde_json::Value = match client.request(req).await {
            Ok(v) => v,
            Err(kube::Error::Api(s)) if s.code == 403 => {
                return failed(
                    objects,
                    CoverageStatus::Forbidden,
                    format!("forbidden: {}", s.message),
                );
            }
            Err(kube::Error::Api(s)) if s.code == 404 => {
                return failed(
                    objects,
                    CoverageStatus::NotFound,
                    "the API server does not serve this resource".into(),
                );
            }
            Err(e) => {
                let msg = if objects.is_empty() {
                    format!("listing failed: {e}")
                } else {
                    format!("listing failed after {} objects: {e}", objects.len())
                };
                return failed(objects, CoverageStatus::Error, msg);
            }
        };
        let serde_json::Value::Object(mut body) = body else {
            return failed(
                objects,
                CoverageStatus::Error,
                "the API server answered with something that is not a list".into(),
            );
        };
        if let Some(serde_json::Value::Array(items)) = body.remove("items") {
            for mut item in items {
                sanitize(&mut item, r);
                objects.push(node_from_json(item));
            }
        }
        cont = body
            .get("metadata")
            .and_then(|m| m.get("continue"))
            .and_then(|c| c.as_str())
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        if cont.is_none() {
            break;
        }
    }
    Listed {
        objects,
        status: CoverageStatus::Ok,
        message: None,
    }
}

fn failed(objects: Vec<Node>, status: CoverageStatus, message: String) -> Listed {
    Listed {
        objects,
        status,
        message: Some(message),
    }
}

/// Fills in `apiVersion`/`kind` (list items omit them), and drops what must never be kept
/// (secret material, the values in `last-applied-configuration`) or is only bulk (the field
/// sets of managed fields).
fn sanitize(item: &mut serde_json::Value, r: &Resource) {
    let Some(obj) = item.as_object_mut() else {
        return;
    };
    obj.insert(
        "apiVersion".into(),
        serde_json::Value::String(r.api_version()),
    );
    obj.insert("kind".into(), serde_json::Value::String(r.kind.to_string()));
    if r.metadata_only {
        // Keep metadata (and the Secret's type is not part of metadata): nothing else.
        obj.retain(|k, _| k == "apiVersion" || k == "kind" || k == "metadata");
    }
    if let Some(meta) = obj.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        // Who wrote the object, through which API version, and when: kept (HY013 reads it);
        // the field sets themselves are bulk (and name a Secret's keys).
        if let Some(serde_json::Value::Array(entries)) = meta.get_mut("managedFields") {
            for e in entries.iter_mut() {
                if let Some(e) = e.as_object_mut() {
                    e.retain(|k, _| {
                        matches!(
                            k.as_str(),
                            "manager" | "operation" | "apiVersion" | "time" | "subresource"
                        )
                    });
                }
            }
        }
        if let Some(ann) = meta.get_mut("annotations").and_then(|a| a.as_object_mut())
            && let Some(applied) = ann.remove(LAST_APPLIED)
            && !r.metadata_only
        {
            // A copy of what was applied, values included: only what it was applied as stays.
            if let Some(serde_json::Value::Object(applied)) = applied
                .as_str()
                .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            {
                let reduced: serde_json::Map<String, serde_json::Value> = applied
                    .into_iter()
                    .filter(|(k, v)| (k == "apiVersion" || k == "kind") && v.is_string())
                    .collect();
                if !reduced.is_empty() {
                    ann.insert(
                        LAST_APPLIED.into(),
                        serde_json::Value::String(serde_json::Value::Object(reduced).to_string()),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_keep_metadata_only_and_last_applied_is_dropped() {
        let secret = RESOURCES.iter().find(|r| r.kind == "Secret").unwrap();
        let mut v = serde_json::json!({
            "metadata": {"name": "s", "annotations": {LAST_APPLIED: "{\"data\":{\"p\":\"aHVudGVyMg==\"}}", "a": "b"}, "managedFields": []},
            "data": {"p": "aHVudGVyMg=="},
            "type": "Opaque"
        });
        sanitize(&mut v, secret);
        let text = v.to_string();
        assert!(!text.contains("aHVudGVyMg"), "{text}");
        assert_eq!(v["kind"], "Secret");
        assert_eq!(v["metadata"]["annotations"]["a"], "b");
        assert!(v["metadata"]["annotations"].get(LAST_APPLIED).is_none());
    }

    #[test]
    fn managed_fields_keep_who_and_how_and_last_applied_keeps_what_it_was_applied_as() {
        let deployment = RESOURCES.iter().find(|r| r.kind == "Deployment").unwrap();
        let mut v = serde_json::json!({
            "metadata": {"name": "d", "annotations": {
                LAST_APPLIED: "{\"apiVersion\":\"extensions/v1beta1\",\"kind\":\"Deployment\",\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"env\":[{\"name\":\"PASSWORD\",\"value\":\"hunter2\"}]}]}}}}"
            }, "managedFields": [{"manager": "kubectl", "operation": "Update", "apiVersion": "extensions/v1beta1",
                "time": "2019-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}}]},
        });
        sanitize(&mut v, deployment);
        let text = v.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("fieldsV1"),
            "{text}"
        );
        assert_eq!(
            v["metadata"]["managedFields"][0]["apiVersion"],
            "extensions/v1beta1"
        );
        assert_eq!(v["metadata"]["managedFields"][0]["manager"], "kubectl");
        let applied: serde_json::Value =
            serde_json::from_str(v["metadata"]["annotations"][LAST_APPLIED].as_str().unwrap())
                .unwrap();
        assert_eq!(
            applied,
            serde_json::json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment"})
        );
    }

    #[test]
    fn the_user_agent_names_stockade_and_its_version() {
        assert_eq!(
            USER_AGENT_PRODUCT,
            format!("stockade/{}", env!("CARGO_PKG_VERSION"))
        );
        set_command("scan");
        assert_eq!(user_agent(), format!("{USER_AGENT_PRODUCT} (scan)"));
    }
}
