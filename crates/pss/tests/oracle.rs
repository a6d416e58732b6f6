//! Oracle test: Stockade's PodSecurity verdicts and messages must equal a real kube-apiserver's.
//!
//! Every pod of `tests/cases/` and of the PSS rule fixtures (workloads become the Pod their
//! template describes) is submitted with `dryRun=All` into namespaces labelled
//! `enforce=<level>`, `enforce-version=<version>` for every level and the versions where checks
//! change. The server's answer is the oracle: 201 means allowed, 403 "violates PodSecurity …"
//! means rejected with that message. Stockade must give the same verdict and, when it rejects,
//! the same message. Answers from API validation (422: the pod itself is invalid) are not
//! about PodSecurity and are counted apart.
//!
//! Needs the control plane of `scripts/control-plane.sh` (`STOCKADE_TEST_APISERVER`, …): skips
//! with a note without it, fails without it when `STOCKADE_REQUIRE_CLUSTER=1`.

use serde_json::{Map, Value as Json, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use stockade_inventory::{Inventory, Object, ObjectOrigin, PodSpecView};
use stockade_pss::{Level, LevelVersion, Pod, Version, evaluate};
use stockade_sources::{Input, Key, Limits, Node, Pos, Value, load_inputs};

struct Server {
    agent: ureq::Agent,
    base: String,
    token: String,
}

impl Server {
    fn from_env() -> Option<Server> {
        let base = match std::env::var("STOCKADE_TEST_APISERVER") {
            Ok(b) if !b.is_empty() => b,
            _ => {
                assert!(
                    std::env::var("STOCKADE_REQUIRE_CLUSTER").as_deref() != Ok("1"),
                    "STOCKADE_REQUIRE_CLUSTER=1 but STOCKADE_TEST_APISERVER is unset: start scripts/control-plane.sh"
                );
                eprintln!(
                    "note: STOCKADE_TEST_APISERVER is unset; skipping the PodSecurity oracle test (run scripts/test.sh)"
                );
                return None;
            }
        };
        assert!(
            base.starts_with("https://127.0.0.1:"),
            "oracle tests only talk to a loopback API server, not {base}"
        );
        let ca = std::fs::read(std::env::var("STOCKADE_TEST_CA").expect("STOCKADE_TEST_CA"))
            .expect("CA readable");
        let cert = ureq::tls::Certificate::from_pem(&ca).expect("CA is PEM");
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![cert])))
            .build();
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .tls_config(tls)
                .http_status_as_error(false)
                .build(),
        );
        Some(Server {
            agent,
            base,
            token: std::env::var("STOCKADE_TEST_ADMIN_TOKEN").expect("STOCKADE_TEST_ADMIN_TOKEN"),
        })
    }

    fn call(&self, method: &str, path: &str, body: Option<&Json>) -> (u16, Json) {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            ("DELETE", _) => self
                .agent
                .delete(&url)
                .header("Authorization", &auth)
                .call(),
            (_, Some(b)) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .content_type("application/json")
                .send(b.to_string()),
            (_, None) => panic!("POST without a body"),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Json::Null))
    }
}

/// A JSON value from a loaded node.
fn to_json(n: &Node) -> Json {
    match &n.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => json!(i),
        Value::Float(f) => json!(f),
        Value::Str(s) => Json::String(s.to_string()),
        Value::Seq(v) => Json::Array(v.iter().map(to_json).collect()),
        Value::Map(v) => Json::Object(
            v.iter()
                .map(|(k, v)| (k.name.to_string(), to_json(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

/// One pod to submit: the Pod built from a case (its metadata and spec), as a node tree.
struct Case {
    label: String,
    pod: Node,
}

fn node(value: Value) -> Node {
    Node::new(value, Pos::default())
}

fn key(k: &str) -> Key {
    Key {
        name: k.into(),
        pos: Pos::default(),
    }
}

/// The Pod a workload object describes, with a fresh name and without a namespace.
fn as_pod(view: &PodSpecView<'_>, name: &str) -> Node {
    let mut meta = vec![(key("name"), node(Value::Str(name.into())))];
    if let Some(a) = view.meta.and_then(|m| m.get("annotations")) {
        meta.push((key("annotations"), a.clone()));
    }
    node(Value::Map(vec![
        (key("apiVersion"), node(Value::Str("v1".into()))),
        (key("kind"), node(Value::Str("Pod".into()))),
        (key("metadata"), node(Value::Map(meta))),
        (key("spec"), view.spec.clone()),
    ]))
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

fn cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    yaml_files(&root.join("tests/cases"), &mut files);
    yaml_files(&root.join("../rules/fixtures/pss"), &mut files);
    let mut out = Vec::new();
    for f in files {
        let load = load_inputs(
            &[Input::Path(f.clone())],
            &Limits::default(),
            &mut std::io::empty(),
        );
        let (inv, _) = Inventory::from_manifests(load);
        for o in inv.objects() {
            let Some(view) = PodSpecView::of(o) else {
                continue;
            };
            let shown = f.strip_prefix(root).unwrap_or(&f).display().to_string();
            let n = out.len();
            out.push(Case {
                label: format!("{shown} {} {}", o.kind(), o.name()),
                pod: as_pod(&view, &format!("oracle-{n}")),
            });
        }
    }
    out
}

const VERSIONS: &[&str] = &[
    "latest", "v1.0", "v1.7", "v1.8", "v1.18", "v1.19", "v1.21", "v1.22", "v1.23", "v1.24",
    "v1.25", "v1.26", "v1.27", "v1.28", "v1.29", "v1.30", "v1.31", "v1.32", "v1.33", "v1.34",
    "v1.35", "v1.36", "v1.37",
];

struct Namespaces<'a> {
    server: &'a Server,
    names: Vec<String>,
}

impl Drop for Namespaces<'_> {
    fn drop(&mut self) {
        for n in &self.names {
            let _ = self
                .server
                .call("DELETE", &format!("/api/v1/namespaces/{n}"), None);
        }
    }
}

#[test]
fn verdicts_and_messages_equal_the_api_servers() {
    let Some(server) = Server::from_env() else {
        return;
    };
    let (status, version) = server.call("GET", "/version", None);
    assert_eq!(status, 200, "{version}");
    let server_minor: u32 = version["minor"]
        .as_str()
        .and_then(|m| m.trim_end_matches('+').parse().ok())
        .expect("server minor version");

    // One namespace per (level, version).
    let stamp = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() % 1_000_000)
            .unwrap_or(0)
    );
    let mut policies = vec![(Level::Privileged, "latest")];
    for v in VERSIONS {
        policies.push((Level::Baseline, v));
        policies.push((Level::Restricted, v));
    }
    let mut nss = Namespaces {
        server: &server,
        names: Vec::new(),
    };
    let mut targets = Vec::new();
    for (level, v) in &policies {
        let name = format!("pss-oracle-{stamp}-{}-{}", level, v.replace('.', "-"));
        let body = json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {
                "pod-security.kubernetes.io/enforce": level.as_str(),
                "pod-security.kubernetes.io/enforce-version": v,
            }}
        });
        let (s, r) = server.call("POST", "/api/v1/namespaces", Some(&body));
        assert_eq!(s, 201, "creating namespace {name}: {r}");
        nss.names.push(name.clone());
        // On the server, `latest` and versions past its own are its own version's policy.
        let ours = match Version::parse(v).expect("valid version") {
            Version::Latest => Version::V1(server_minor),
            Version::V1(m) => Version::V1(m.min(server_minor)),
        };
        targets.push((
            name,
            LevelVersion::new(*level, ours),
            format!("{level}:{v}"),
        ));
    }
    // Pods are only admitted once the namespace's default ServiceAccount exists.
    for n in &nss.names {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let (s, _) = server.call(
                "GET",
                &format!("/api/v1/namespaces/{n}/serviceaccounts/default"),
                None,
            );
            if s == 200 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no default ServiceAccount in {n} after 30 s (is kube-controller-manager running?)"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let (mut agree, mut invalid, mut rejected) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    for case in &cases {
        let object = Object::new(
            case.pod.clone(),
            ObjectOrigin::Cluster {
                cluster: "oracle".into(),
            },
        );
        let pod = Pod::of(&object).expect("a pod");
        let body = to_json(&case.pod);
        for (ns, lv, label) in &targets {
            let ours = evaluate(&pod, *lv);
            let (status, resp) = server.call(
                "POST",
                &format!("/api/v1/namespaces/{ns}/pods?dryRun=All"),
                Some(&body),
            );
            let message = resp["message"].as_str().unwrap_or("");
            let theirs = match status {
                201 => None,
                403 if message.contains("violates PodSecurity") => Some(
                    message
                        .split_once(": violates PodSecurity")
                        .map(|(_, m)| format!("violates PodSecurity{m}"))
                        .unwrap_or_default(),
                ),
                422 => {
                    invalid += 1;
                    continue;
                }
                _ => panic!(
                    "{}: {label}: unexpected answer {status}: {resp}",
                    case.label
                ),
            };
            let our_message = (!ours.allowed()).then(|| {
                // The server names the namespace's label value, not our resolved version.
                ours.message()
                    .replacen(&format!("\"{}\"", ours.policy), &format!("\"{label}\""), 1)
            });
            if theirs.is_some() {
                rejected += 1;
            }
            if theirs == our_message {
                agree += 1;
            } else {
                disagreements.push(format!(
                    "{} at {label}:\n  server:   {theirs:?}\n  stockade: {our_message:?}",
                    case.label
                ));
            }
        }
    }
    drop(nss);
    let total = agree + disagreements.len();
    eprintln!(
        "PodSecurity oracle: {agree}/{total} (case, policy) pairs agree ({rejected} rejected by the server) over {} pods x {} policies; {invalid} answers were API validation errors (not compared)",
        cases.len(),
        targets.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreement(s):\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(
        invalid * 10 < total,
        "too many cases are invalid pods ({invalid})"
    );
}
