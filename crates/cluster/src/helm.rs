//! Helm release records: what Helm 3 last deployed, read from its storage Secrets (type
//! `helm.sh/release.v1`, label `owner=helm`; one per revision). Opt-in, since reading them
//! needs `list` on Secrets: each record's `data.release` is decoded in memory (base64 of the
//! gzipped release JSON) and only the rendered `manifest` of the newest deployed revision of
//! each release is kept — never the chart's values, which often hold credentials.

use crate::{ClusterError, ClusterOptions, explain, load_config};
use kube::Client;
use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

/// Largest decompressed release record accepted (a gzip bomb stops here).
const MAX_RELEASE_BYTES: u64 = 64 << 20;

/// The newest deployed revision of one Helm release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelmRelease {
    /// The release's namespace.
    pub namespace: String,
    /// The release name.
    pub name: String,
    /// Its revision.
    pub revision: u64,
    /// `deployed`, `failed`, `superseded`, …
    pub status: String,
    /// `chart-version`.
    pub chart: String,
    /// The rendered manifest (multi-document YAML).
    pub manifest: String,
}

/// What was read: the releases, and the records that could not be decoded (by name).
#[derive(Debug, Default)]
pub struct HelmReleases {
    /// One per release.
    pub releases: Vec<HelmRelease>,
    /// `namespace/secret: why`, for each record skipped.
    pub problems: Vec<String>,
}

/// Lists every Helm release record the credentials can read.
pub fn helm_releases(opts: &ClusterOptions) -> Result<HelmReleases, ClusterError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ClusterError::Connect(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let (mut cfg, _) = load_config(opts).await?;
        cfg.connect_timeout = Some(Duration::from_secs(10));
        cfg.read_timeout = Some(Duration::from_secs(60));
        let server = cfg.cluster_url.to_string();
        let client = Client::try_from(cfg).map_err(|e| explain(&server, &e))?;
        list(&client, opts.namespace.as_deref(), &server).await
    })
}

async fn list(
    client: &Client,
    namespace: Option<&str>,
    server: &str,
) -> Result<HelmReleases, ClusterError> {
    let base = match namespace {
        Some(ns) => format!("/api/v1/namespaces/{ns}/secrets"),
        None => "/api/v1/secrets".to_string(),
    };
    let mut newest: BTreeMap<(String, String), HelmRelease> = BTreeMap::new();
    let mut out = HelmReleases::default();
    let mut cont: Option<String> = None;
    loop {
        let mut url = format!(
            "{base}?labelSelector=owner%3Dhelm&fieldSelector=type%3Dhelm.sh%2Frelease.v1&limit=50"
        );
        if let Some(c) = &cont {
            url.push_str("&continue=");
            url.push_str(&percent(c));
        }
        let req = http::Request::get(&url)
            .body(Vec::new())
            .map_err(|e| ClusterError::Connect(e.to_string()))?;
        let mut body: serde_json::Value = match client.request(req).await {
            Ok(v) => v,
            Err(kube::Error::Api(s)) if s.code == 403 => {
                return Err(ClusterError::Auth(format!(
                    "reading Helm release records needs list on secrets ({}); drop --helm-releases or grant it",
                    s.message
                )));
            }
            Err(e) => return Err(explain(server, &e)),
        };
        if let Some(serde_json::Value::Array(items)) =
            body.get_mut("items").map(serde_json::Value::take)
        {
            for item in items {
                let ns = item["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let secret = item["metadata"]["name"].as_str().unwrap_or("").to_string();
                match decode(&item) {
                    Ok(r) => {
                        let key = (r.namespace.clone(), r.name.clone());
                        let better = newest.get(&key).is_none_or(|old| prefer(&r, old));
                        if better {
                            newest.insert(key, r);
                        }
                    }
                    Err(why) => out.problems.push(format!("{ns}/{secret}: {why}")),
                }
            }
        }
        cont = body["metadata"]["continue"]
            .as_str()
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        if cont.is_none() {
            break;
        }
    }
    out.releases = newest.into_values().collect();
    Ok(out)
}

/// A deployed revision beats any other; then the higher revision.
fn prefer(new: &HelmRelease, old: &HelmRelease) -> bool {
    let deployed = |r: &HelmRelease| r.status == "deployed";
    (deployed(new), new.revision) > (deployed(old), old.revision)
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Decodes one storage Secret (as the API returns it) into its release.
pub fn decode(secret: &serde_json::Value) -> Result<HelmRelease, String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let data = secret["data"]["release"]
        .as_str()
        .ok_or("no data.release")?;
    // The API's base64 of Helm's own base64 text.
    let inner = b64
        .decode(data.trim())
        .map_err(|_| "data.release is not base64")?;
    let raw = b64
        .decode(inner.trim_ascii())
        .map_err(|_| "the release record is not base64")?;
    let mut json = Vec::new();
    if raw.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(&raw[..])
            .take(MAX_RELEASE_BYTES + 1)
            .read_to_end(&mut json)
            .map_err(|e| format!("the release record does not decompress: {e}"))?;
        if json.len() as u64 > MAX_RELEASE_BYTES {
            return Err(format!(
                "the release record decompresses to more than {} MiB",
                MAX_RELEASE_BYTES >> 20
            ));
        }
    } else {
        json = raw;
    }
    #[derive(serde::Deserialize)]
    struct Rel {
        name: String,
        #[serde(default)]
        namespace: String,
        #[serde(default)]
        version: u64,
        #[serde(default)]
        info: Option<Info>,
        #[serde(default)]
        chart: Option<Chart>,
        #[serde(default)]
        manifest: String,
    }
    #[derive(serde::Deserialize)]
    struct Info {
        #[serde(default)]
        status: String,
    }
    #[derive(serde::Deserialize)]
    struct Chart {
        metadata: Option<ChartMeta>,
    }
    #[derive(serde::Deserialize)]
    struct ChartMeta {
        #[serde(default)]
        name: String,
        #[serde(default)]
        version: String,
    }
    let r: Rel = serde_json::from_slice(&json)
        .map_err(|e| format!("the release record is not a Helm release: {e}"))?;
    let chart = r
        .chart
        .and_then(|c| c.metadata)
        .map(|m| format!("{}-{}", m.name, m.version))
        .unwrap_or_default();
    let namespace = if r.namespace.is_empty() {
        secret["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string()
    } else {
        r.namespace
    };
    Ok(HelmRelease {
        namespace,
        name: r.name,
        revision: r.version,
        status: r.info.map(|i| i.status).unwrap_or_default(),
        chart,
        manifest: r.manifest,
    })
}

/// The manifest with every Secret document blanked (line for line, so positions hold): a
/// release's rendered Secrets carry their values, which must not reach a snippet.
pub fn without_secrets(manifest: &str) -> String {
    let mut out = String::with_capacity(manifest.len());
    let mut doc: Vec<&str> = Vec::new();
    let flush = |doc: &mut Vec<&str>, out: &mut String| {
        let secret = doc.iter().any(|l| {
            let l = l.trim_end();
            matches!(l, "kind: Secret" | "kind: \"Secret\"" | "kind: 'Secret'")
                || l.starts_with("kind: Secret ")
                || l.starts_with("kind: Secret#")
        }) || doc
            .iter()
            .any(|l| l.contains("\"kind\":\"Secret\"") || l.contains("\"kind\": \"Secret\""));
        for l in doc.drain(..) {
            if !secret || l.starts_with("# Source:") {
                out.push_str(l);
            }
            out.push('\n');
        }
    };
    for line in manifest.split('\n') {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            flush(&mut doc, &mut out);
            out.push_str(line);
            out.push('\n');
        } else {
            doc.push(line);
        }
    }
    flush(&mut doc, &mut out);
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use std::io::Write;

    fn record(release: &serde_json::Value, gzip: bool) -> serde_json::Value {
        let b64 = base64::engine::general_purpose::STANDARD;
        let json = release.to_string().into_bytes();
        let raw = if gzip {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(&json).unwrap();
            e.finish().unwrap()
        } else {
            json
        };
        let helm = b64.encode(raw);
        serde_json::json!({"metadata": {"namespace": "shop", "name": "sh.helm.release.v1.web.v3"},
            "type": "helm.sh/release.v1", "data": {"release": b64.encode(helm)}})
    }

    #[test]
    fn decodes_gzipped_and_plain_records() {
        let rel = serde_json::json!({"name": "web", "namespace": "shop", "version": 3,
            "info": {"status": "deployed"}, "chart": {"metadata": {"name": "web", "version": "1.2.0"}},
            "config": {"password": "hunter2"}, "manifest": "---\n# Source: web/templates/ing.yaml\napiVersion: extensions/v1beta1\nkind: Ingress\n"});
        for gzip in [true, false] {
            let r = decode(&record(&rel, gzip)).unwrap();
            assert_eq!(
                (r.name.as_str(), r.revision, r.status.as_str()),
                ("web", 3, "deployed")
            );
            assert_eq!(r.chart, "web-1.2.0");
            assert!(r.manifest.contains("extensions/v1beta1"));
            assert!(!format!("{r:?}").contains("hunter2"), "values are not kept");
        }
        let bad = serde_json::json!({"metadata": {}, "data": {"release": "!!"}});
        assert!(decode(&bad).unwrap_err().contains("base64"));
    }

    #[test]
    fn secret_documents_are_blanked_line_for_line() {
        let m = "---\n# Source: c/templates/s.yaml\napiVersion: v1\nkind: Secret\nstringData:\n  password: hunter2\n---\n# Source: c/templates/i.yaml\napiVersion: extensions/v1beta1\nkind: Ingress";
        let out = without_secrets(m);
        assert!(!out.contains("hunter2"), "{out}");
        assert_eq!(out.lines().count(), m.lines().count());
        assert!(out.contains("kind: Ingress") && out.contains("# Source: c/templates/s.yaml"));
    }

    #[test]
    fn a_deployed_revision_beats_a_newer_failed_one() {
        let r = |rev, status: &str| HelmRelease {
            namespace: "n".into(),
            name: "r".into(),
            revision: rev,
            status: status.into(),
            chart: String::new(),
            manifest: String::new(),
        };
        assert!(prefer(&r(3, "deployed"), &r(4, "failed")));
        assert!(prefer(&r(5, "deployed"), &r(4, "superseded")));
        assert!(!prefer(&r(2, "superseded"), &r(3, "deployed")));
    }
}
