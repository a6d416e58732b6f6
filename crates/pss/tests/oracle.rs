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
//! The server's answers are recorded as golden files under `tests/golden/` (see its README):
//! `<level>/<version>/{pass,fail,invalid}.txt`, one line per case, and `cases.txt`, the cases
//! they answer with a digest of each pod. Without a control plane, `golden_answers_hold` checks
//! Stockade against those files, so a plain `cargo test` re-checks the exactness claim. With
//! one, `verdicts_and_messages_equal_the_api_servers` asks the server, compares Stockade with
//! it, and fails when the server's answers differ from the golden files;
//! `STOCKADE_UPDATE_GOLDEN=1` rewrites them from the server instead.
//!
//! The live test needs the control plane of `scripts/control-plane.sh`
//! (`STOCKADE_TEST_APISERVER`, …): it skips with a note without it, and fails without it when
//! `STOCKADE_REQUIRE_CLUSTER=1`.

use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
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
    /// FNV-1a of the pod as JSON without its name: names the pod a golden answer was for.
    digest: u64,
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
    node(Value::Map(
        vec![
            (key("apiVersion"), node(Value::Str("v1".into()))),
            (key("kind"), node(Value::Str("Pod".into()))),
            (key("metadata"), node(Value::Map(meta.into()))),
            (key("spec"), view.spec.clone()),
        ]
        .into(),
    ))
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
            let digest = fnv1a(to_json(&as_pod(&view, "oracle")).to_string().as_bytes());
            out.push(Case {
                label: format!("{shown} {} {}", o.kind(), o.name()),
                pod: as_pod(&view, &format!("oracle-{n}")),
                digest,
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    for c in &out {
        assert!(
            seen.insert(c.label.clone()),
            "two cases are labelled {}",
            c.label
        );
    }
    out
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
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

/// The policies asked: `privileged:latest`, then baseline and restricted at every version.
fn policies() -> Vec<(Level, &'static str)> {
    let mut policies = vec![(Level::Privileged, "latest")];
    for v in VERSIONS {
        policies.push((Level::Baseline, v));
        policies.push((Level::Restricted, v));
    }
    policies
}

/// The policy Stockade evaluates for a namespace labelled `level`/`v` on a server of minor
/// version `server_minor`: `latest` and versions past the server's are its own version's.
fn resolved(level: Level, v: &str, server_minor: u32) -> LevelVersion {
    let version = match Version::parse(v).expect("valid version") {
        Version::Latest => Version::V1(server_minor),
        Version::V1(m) => Version::V1(m.min(server_minor)),
    };
    LevelVersion::new(level, version)
}

/// One answer to "may this pod run under this policy?".
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Pass,
    /// Rejected: the message after `violates PodSecurity "<level>:<version>": `.
    Fail(String),
    /// The server refused the pod in API validation (422), before PodSecurity.
    Invalid,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Pass => f.write_str("allowed"),
            Answer::Fail(m) => write!(f, "rejected: {m}"),
            Answer::Invalid => f.write_str("invalid (422)"),
        }
    }
}

/// Stockade's answer (never `Invalid`: Stockade does not validate pods).
fn stockade_answer(pod: &Pod<'_>, lv: LevelVersion) -> Answer {
    let ours = evaluate(pod, lv);
    if ours.allowed() {
        Answer::Pass
    } else {
        Answer::Fail(ours.forbidden_detail())
    }
}

/// The Pod object of a case, as the evaluator takes it.
fn object_of(case: &Case) -> Object {
    Object::new(
        case.pod.clone(),
        ObjectOrigin::Cluster {
            cluster: "oracle".into(),
        },
    )
}

/// The server's answers, recorded under `tests/golden/`.
struct Golden {
    /// `v1.36.3`: the kube-apiserver that gave them.
    server: String,
    server_minor: u32,
    /// Case label → digest of its pod.
    cases: BTreeMap<String, u64>,
    /// `level:version` label → case label → answer.
    answers: BTreeMap<String, BTreeMap<String, Answer>>,
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Golden lines are `<case label>` or `<case label>\t<message>`; a tab, newline or backslash
/// inside a field is written `\t`, `\n`, `\\`.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
}

fn unesc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Golden {
    fn read() -> Result<Golden, String> {
        let dir = golden_dir();
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| format!("reading {}: {e}", p.display()))
        };
        let index = read(&dir.join("cases.txt"))?;
        let server = index
            .lines()
            .find_map(|l| l.strip_prefix("# kube-apiserver "))
            .ok_or("cases.txt names no kube-apiserver")?
            .trim()
            .to_string();
        let server_minor = server
            .strip_prefix("v1.")
            .and_then(|r| r.split('.').next())
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| format!("cases.txt: bad server version {server}"))?;
        let mut cases = BTreeMap::new();
        for l in data_lines(&index) {
            let (d, label) = l
                .split_once(' ')
                .ok_or_else(|| format!("cases.txt: bad line {l:?}"))?;
            let d = u64::from_str_radix(d, 16).map_err(|e| format!("cases.txt: {l:?}: {e}"))?;
            cases.insert(unesc(label), d);
        }
        let mut answers = BTreeMap::new();
        for (level, v) in policies() {
            let pdir = dir.join(level.as_str()).join(v);
            let mut m = BTreeMap::new();
            for l in data_lines(&read(&pdir.join("pass.txt"))?) {
                m.insert(unesc(l), Answer::Pass);
            }
            for l in data_lines(&read(&pdir.join("fail.txt"))?) {
                let (label, msg) = l
                    .split_once('\t')
                    .ok_or_else(|| format!("{}/fail.txt: no message in {l:?}", pdir.display()))?;
                m.insert(unesc(label), Answer::Fail(unesc(msg)));
            }
            for l in data_lines(&read(&pdir.join("invalid.txt"))?) {
                m.insert(unesc(l), Answer::Invalid);
            }
            answers.insert(format!("{level}:{v}"), m);
        }
        Ok(Golden {
            server,
            server_minor,
            cases,
            answers,
        })
    }

    fn write(&self) {
        let dir = golden_dir();
        let mut index = format!(
            "# The PodSecurity oracle's cases: FNV-1a digest of the pod (as JSON, without its\n\
             # name), then the case label. Answers recorded from a real server:\n\
             # kube-apiserver {}\n",
            self.server
        );
        for (label, d) in &self.cases {
            index.push_str(&format!("{d:016x} {}\n", esc(label)));
        }
        std::fs::create_dir_all(&dir).expect("create tests/golden");
        std::fs::write(dir.join("cases.txt"), index).expect("write cases.txt");
        for (level, v) in policies() {
            let label = format!("{level}:{v}");
            let pdir = dir.join(level.as_str()).join(v);
            std::fs::create_dir_all(&pdir).expect("create golden policy dir");
            let (mut pass, mut fail, mut invalid) = (String::new(), String::new(), String::new());
            for (case, a) in &self.answers[&label] {
                match a {
                    Answer::Pass => pass.push_str(&format!("{}\n", esc(case))),
                    Answer::Fail(m) => fail.push_str(&format!("{}\t{}\n", esc(case), esc(m))),
                    Answer::Invalid => invalid.push_str(&format!("{}\n", esc(case))),
                }
            }
            for (name, body) in [
                ("pass.txt", pass),
                ("fail.txt", fail),
                ("invalid.txt", invalid),
            ] {
                std::fs::write(pdir.join(name), body).expect("write golden answers");
            }
        }
    }

    /// Where the recorded cases and today's differ (added, removed or changed pods).
    fn stale_cases(&self, cases: &[Case]) -> Vec<String> {
        let now: BTreeMap<&str, u64> = cases.iter().map(|c| (c.label.as_str(), c.digest)).collect();
        let mut out = Vec::new();
        for (label, d) in &now {
            match self.cases.get(*label) {
                None => out.push(format!("new case (no golden answer): {label}")),
                Some(g) if g != d => out.push(format!(
                    "changed pod (golden answer is for another pod): {label}"
                )),
                Some(_) => {}
            }
        }
        for label in self.cases.keys() {
            if !now.contains_key(label.as_str()) {
                out.push(format!("golden answer for a case that is gone: {label}"));
            }
        }
        out
    }
}

const REFRESH: &str = "refresh the golden files against a real server: \
    `. DIR/env` (scripts/control-plane.sh) then \
    STOCKADE_UPDATE_GOLDEN=1 cargo test -p stockade-pss --test oracle";

/// Without a cluster: Stockade's verdicts and messages equal the server's recorded answers.
#[test]
fn golden_answers_hold() {
    let golden = Golden::read().unwrap_or_else(|e| panic!("{e}; {REFRESH}"));
    let cases = cases();
    let stale = golden.stale_cases(&cases);
    assert!(
        stale.is_empty(),
        "the golden files are stale ({REFRESH}):\n{}",
        stale.join("\n")
    );
    let (mut agree, mut invalid) = (0usize, 0usize);
    let mut disagreements = Vec::new();
    for case in &cases {
        let object = object_of(case);
        let pod = Pod::of(&object).expect("a pod");
        for (level, v) in policies() {
            let label = format!("{level}:{v}");
            let theirs = &golden.answers[&label][&case.label];
            if *theirs == Answer::Invalid {
                invalid += 1;
                continue;
            }
            let ours = stockade_answer(&pod, resolved(level, v, golden.server_minor));
            if ours == *theirs {
                agree += 1;
            } else {
                disagreements.push(format!(
                    "{} at {label}:\n  server ({}): {theirs}\n  stockade: {ours}",
                    case.label, golden.server
                ));
            }
        }
    }
    eprintln!(
        "PodSecurity golden answers ({}): {agree}/{} (case, policy) pairs agree; {invalid} were API validation errors (not compared)",
        golden.server,
        agree + disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreement(s) with the recorded server answers:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
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
    let server_version = version["gitVersion"]
        .as_str()
        .map(|v| v.split(['-', '+']).next().unwrap_or(v).to_string())
        .unwrap_or_else(|| format!("v1.{server_minor}"));

    // One namespace per (level, version).
    let stamp = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() % 1_000_000)
            .unwrap_or(0)
    );
    let mut nss = Namespaces {
        server: &server,
        names: Vec::new(),
    };
    let mut targets = Vec::new();
    for (level, v) in policies() {
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
        targets.push((
            name,
            resolved(level, v, server_minor),
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
    let mut answers: BTreeMap<String, BTreeMap<String, Answer>> = BTreeMap::new();
    for case in &cases {
        let object = object_of(case);
        let pod = Pod::of(&object).expect("a pod");
        let body = to_json(&case.pod);
        for (ns, lv, label) in &targets {
            let (status, resp) = server.call(
                "POST",
                &format!("/api/v1/namespaces/{ns}/pods?dryRun=All"),
                Some(&body),
            );
            let message = resp["message"].as_str().unwrap_or("");
            let theirs = match status {
                201 => Answer::Pass,
                403 if message.contains("violates PodSecurity") => {
                    let (_, rest) = message
                        .split_once("violates PodSecurity ")
                        .unwrap_or_default();
                    // The server names the namespace's label value: `"baseline:latest": …`.
                    let prefix = format!("\"{label}\": ");
                    Answer::Fail(rest.strip_prefix(&prefix).unwrap_or(rest).to_string())
                }
                422 => Answer::Invalid,
                _ => panic!(
                    "{}: {label}: unexpected answer {status}: {resp}",
                    case.label
                ),
            };
            answers
                .entry(label.clone())
                .or_default()
                .insert(case.label.clone(), theirs.clone());
            match theirs {
                Answer::Invalid => {
                    invalid += 1;
                    continue;
                }
                Answer::Fail(_) => rejected += 1,
                Answer::Pass => {}
            }
            let ours = stockade_answer(&pod, *lv);
            if theirs == ours {
                agree += 1;
            } else {
                disagreements.push(format!(
                    "{} at {label}:\n  server:   {theirs}\n  stockade: {ours}",
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

    let live = Golden {
        server: server_version,
        server_minor,
        cases: cases.iter().map(|c| (c.label.clone(), c.digest)).collect(),
        answers,
    };
    if std::env::var("STOCKADE_UPDATE_GOLDEN").as_deref() == Ok("1") {
        live.write();
        eprintln!(
            "PodSecurity oracle: golden files rewritten under {}",
            golden_dir().display()
        );
    } else {
        let golden = Golden::read().unwrap_or_else(|e| panic!("{e}; {REFRESH}"));
        let mut differ = golden.stale_cases(&cases);
        for (policy, m) in &live.answers {
            for (case, a) in m {
                let g = golden.answers.get(policy).and_then(|g| g.get(case));
                if g.is_some_and(|g| g != a) {
                    differ.push(format!(
                        "{case} at {policy}:\n  server {}: {a}\n  golden ({}): {}",
                        live.server,
                        golden.server,
                        g.expect("checked")
                    ));
                }
            }
        }
        assert!(
            differ.is_empty(),
            "{} live answer(s) differ from the golden files ({REFRESH}):\n{}",
            differ.len(),
            differ.join("\n")
        );
    }

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
