//! Regression tests for the separable parts of issue #14: a self-contained repository, the
//! quick start, closed pipes, `--enable`/`--disable` precedence, duplicate objects, the
//! reference graph's pod templates and selectors, and audit events without a stage.

mod common;

use common::{stockade, text};
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "target" || name == ".git" || name == "corpus" || name == "artifacts" {
            continue;
        }
        if p.is_dir() {
            walk(&p, out);
        } else if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("rs" | "sh" | "toml")
        ) || p.file_name().is_some_and(|n| n == "run")
        {
            out.push(p);
        }
    }
}

/// A: the code, scripts and build files read nothing beside the repository (no sibling data
/// directory, no absolute path into a development machine). Optional outside data is named by an
/// environment variable or a flag instead.
#[test]
fn a_nothing_reads_outside_the_repository() {
    let root = repo_root();
    let mut files = Vec::new();
    for d in ["crates", "xtask", "scripts", "fuzz"] {
        walk(&root.join(d), &mut files);
    }
    assert!(files.len() > 50, "walked {} files", files.len());
    let needles = [concat!("..", "/shared"), concat!("/wo", "rk/")];
    let mut hits = Vec::new();
    for f in &files {
        let Ok(s) = std::fs::read_to_string(f) else {
            continue;
        };
        for (i, line) in s.lines().enumerate() {
            if needles.iter().any(|n| line.contains(n)) {
                hits.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "reads outside the repository:\n{}",
        hits.join("\n")
    );
}

/// A: the SARIF schema the report test validates against is in the repository.
#[test]
fn a_the_sarif_schema_is_carried_in_the_repository() {
    let p = repo_root().join("crates/report/schemas/sarif-schema-2.1.0.json");
    let s = std::fs::read_to_string(&p).expect("schema in the repository");
    let v: serde_json::Value = serde_json::from_str(&s).expect("schema is JSON");
    assert!(v["id"].as_str().unwrap().contains("sarif-schema-2.1.0"));
    assert!(repo_root().join("crates/report/schemas/README.md").exists());
}

/// Writes `files` into a fresh temporary directory (kept alive by the returned guard).
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, body) in files {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    d
}

/// The rule ids of a JSON report's findings.
fn rule_ids(out: &std::process::Output) -> Vec<String> {
    let v = common::json_out(out);
    v["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array: {}", text(out)))
        .iter()
        .map(|f| f["ruleId"].as_str().unwrap_or_default().to_string())
        .collect()
}

const HOST_PATH_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: team
spec:
  containers:
  - name: c
    image: registry.example.com/c:1.0
  volumes:
  - name: h
    hostPath:
      path: /var/log
";

/// 1: a named `--disable` wins over `--enable all` (and a family), in either order, and the
/// same in `.stockade.yaml`.
#[test]
fn one_named_disable_beats_enable_all_in_any_order() {
    let d = dir_with(&[("pod.yaml", HOST_PATH_POD)]);
    let f = d.path().join("pod.yaml");
    let run = |args: &[&str]| {
        let out = stockade()
            .arg("scan")
            .arg(&f)
            .args(["--no-config", "-o", "json"])
            .args(args)
            .output()
            .unwrap();
        rule_ids(&out)
    };
    assert!(run(&[]).iter().any(|r| r == "WL011"), "WL011 fires at all");
    for args in [
        &["--enable", "all", "--disable", "WL011"][..],
        &["--disable", "WL011", "--enable", "all"],
        &["--enable", "workload", "--disable", "host-path-volume"],
    ] {
        let ids = run(args);
        assert!(!ids.iter().any(|r| r == "WL011"), "{args:?}: {ids:?}");
        assert!(!ids.is_empty(), "{args:?}: other rules still run");
    }
    // The narrower entry wins the other way round too.
    for args in [
        &["--disable", "all", "--enable", "WL011"][..],
        &["--enable", "WL011", "--disable", "all"],
    ] {
        let ids = run(args);
        assert_eq!(ids, ["WL011"], "{args:?}");
    }
    // The settings file: same precedence.
    let d2 = dir_with(&[
        ("pod.yaml", HOST_PATH_POD),
        (
            ".stockade.yaml",
            "rules:\n  disable: [WL011]\n  enable: [all]\n",
        ),
    ]);
    let out = stockade()
        .arg("scan")
        .arg(d2.path())
        .args(["-o", "json"])
        .output()
        .unwrap();
    let ids = rule_ids(&out);
    assert!(
        !ids.iter().any(|r| r == "WL011") && !ids.is_empty(),
        "{ids:?}"
    );
}

/// The findings of a JSON report as (rule id, file of the location, message).
fn findings(out: &std::process::Output) -> Vec<(String, String, String)> {
    let v = common::json_out(out);
    v["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array: {}", text(out)))
        .iter()
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap_or_default().to_string(),
                f["location"]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// 2: two objects of one kind, namespace and name (two overlays) are each judged, and a
/// binding naming that identity grants the rules of each.
#[test]
fn two_objects_of_one_identity_are_each_judged() {
    let role = |verbs: &str, resources: &str| {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: role1\n  namespace: team\nrules:\n- apiGroups: [\"\"]\n  resources: [{resources}]\n  verbs: [{verbs}]\n"
        )
    };
    let a = role("get", "pods");
    let b = role("\"*\"", "secrets");
    let binding = "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bind1
  namespace: team
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: role1
subjects:
- kind: ServiceAccount
  name: app
  namespace: team
";
    let d = dir_with(&[
        ("base/binding.yaml", binding),
        ("overlays/a/role.yaml", &a),
        ("overlays/b/role.yaml", &b),
    ]);
    let out = stockade()
        .arg("scan")
        .arg(d.path())
        .args(["--no-config", "-o", "json"])
        .output()
        .unwrap();
    let f = findings(&out);
    // The second Role role1 is judged itself ...
    assert!(
        f.iter()
            .any(|(r, p, _)| r == "RB002" && p.ends_with("overlays/b/role.yaml")),
        "RB002 on the second role1: {f:#?}"
    );
    // ... and the binding naming role1 grants what it grants.
    assert!(
        f.iter()
            .any(|(r, p, _)| r == "RB004" && p.ends_with("base/binding.yaml")),
        "RB004 on the binding: {f:#?}"
    );
    // The same with the files the other way round: the order of the inputs does not matter.
    let d2 = dir_with(&[
        ("base/binding.yaml", binding),
        ("overlays/a/role.yaml", &b),
        ("overlays/b/role.yaml", &a),
    ]);
    let out = stockade()
        .arg("scan")
        .arg(d2.path())
        .args(["--no-config", "-o", "json"])
        .output()
        .unwrap();
    let f = findings(&out);
    assert!(
        f.iter()
            .any(|(r, p, _)| r == "RB002" && p.ends_with("overlays/a/role.yaml")),
        "{f:#?}"
    );
    assert!(f.iter().any(|(r, _, _)| r == "RB004"), "{f:#?}");
}

/// A workload of `kind` named `name` whose pods are labelled `app: NAME`, in namespace `shop`.
fn workload(kind: &str, name: &str) -> String {
    let api = match kind {
        "Job" | "CronJob" => "batch/v1",
        _ => "apps/v1",
    };
    let template = format!(
        "metadata:\n  labels: {{app: {name}}}\nspec:\n  containers: [{{name: c, image: registry.example.com/c:1.0}}]\n"
    );
    let indent = |s: &str, n: usize| -> String {
        s.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(n)))
            .collect()
    };
    let spec = if kind == "CronJob" {
        format!(
            "  schedule: \"0 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n{}",
            indent(&template, 8)
        )
    } else {
        format!(
            "  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n{}",
            indent(&template, 4)
        )
    };
    format!(
        "apiVersion: {api}\nkind: {kind}\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n{spec}---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc-{name}, namespace: shop}}\nspec:\n  selector: {{app: {name}}}\n  ports: [{{port: 80}}]\n---\n"
    )
}

/// 3: pod templates count as pods for every "selects nothing" rule: a Service (HY007) or a
/// NetworkPolicy (NP004, NP005) matching the template labels of any workload kind is not
/// reported, also when the manifest holds only the template's labels (a kustomize patch) or
/// the selector names a label the controller adds to each pod.
#[test]
fn three_pod_templates_count_for_selectors() {
    let mut all = String::new();
    for (kind, name) in [
        ("Deployment", "web"),
        ("StatefulSet", "db"),
        ("DaemonSet", "agent"),
        ("ReplicaSet", "rs"),
        ("Job", "once"),
        ("CronJob", "nightly"),
    ] {
        all.push_str(&workload(kind, name));
    }
    all.push_str(
        "apiVersion: v1
kind: Service
metadata: {name: ghost, namespace: shop}
spec:
  selector: {app: ghost}
---
apiVersion: v1
kind: Service
metadata: {name: db-0, namespace: shop}
spec:
  selector: {statefulset.kubernetes.io/pod-name: db-0}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-0, namespace: shop}
spec:
  podSelector:
    matchLabels: {statefulset.kubernetes.io/pod-name: db-0}
  ingress:
  - from:
    - podSelector:
        matchLabels: {app: web, pod-template-hash: 5d9c}
",
    );
    // A kustomize-style patch: the template's labels without its pod spec.
    let patch = "apiVersion: apps/v1
kind: Deployment
metadata: {name: canary, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: canary}
---
apiVersion: v1
kind: Service
metadata: {name: canary, namespace: shop}
spec:
  selector: {app: canary}
";
    let d = dir_with(&[("all.yaml", &all), ("patch.yaml", patch)]);
    let out = stockade()
        .arg("scan")
        .arg(d.path())
        .args([
            "--no-config",
            "-o",
            "json",
            "--disable",
            "all",
            "--enable",
            "HY007",
            "--enable",
            "NP004",
            "--enable",
            "NP005",
        ])
        .output()
        .unwrap();
    let f = findings(&out);
    let hy007: Vec<&str> = f
        .iter()
        .filter(|(r, _, _)| r == "HY007")
        .map(|(_, _, m)| m.as_str())
        .collect();
    assert_eq!(hy007.len(), 1, "only the ghost Service: {f:#?}");
    assert!(hy007[0].contains("app=ghost"), "{f:#?}");
    assert!(
        !f.iter().any(|(r, _, _)| r == "NP004" || r == "NP005"),
        "{f:#?}"
    );
}

/// The diagnostics of a JSON report as (code, level, line, column, message).
fn diagnostics(out: &std::process::Output) -> Vec<(String, String, u64, u64, String)> {
    let v = common::json_out(out);
    v["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("no diagnostics array: {}", text(out)))
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["level"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
                d["column"].as_u64().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// 4: wrongly typed identity and shape fields (an unquoted YAML 1.1 boolean as the namespace,
/// label and annotation values that are not strings, a quoted `replicas`, a `template` that is
/// not a mapping) are errors at their line and column, naming the field and saying what to do.
#[test]
fn four_wrong_types_in_metadata_and_spec_are_input_errors() {
    let manifest = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: y
  labels:
    tier: 3
    canary: on
  annotations:
    owner: {team: a}
spec:
  replicas: \"2\"
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, version: 1.5}
    spec:
      containers:
      - name: c
        image: registry.example.com/web:1.0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: once
  namespace: yes
spec:
  template: [not, a, mapping]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: 42
  namespace: \"yes\"
";
    let d = dir_with(&[("bad.yaml", manifest)]);
    let f = d.path().join("bad.yaml");
    let out = stockade()
        .arg("scan")
        .arg(&f)
        .args(["--no-config", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let diags = diagnostics(&out);
    let find = |field: &str| {
        diags
            .iter()
            .find(|(code, _, _, _, m)| code == "wrong-type" && m.contains(&format!("`{field}`")))
            .unwrap_or_else(|| panic!("no wrong-type for {field}: {diags:#?}"))
            .clone()
    };
    let (_, level, line, col, m) = find("metadata.namespace");
    assert_eq!((level.as_str(), line, col), ("error", 5, 3), "{m}");
    assert!(m.contains("must be a string"), "{m}");
    assert!(
        m.contains("YAML 1.1") && m.contains("quote the value"),
        "{m}"
    );
    assert!(m.contains("\"y\""), "{m}");
    let (_, _, line, _, m) = find("metadata.labels.tier");
    assert_eq!(line, 7, "{m}");
    assert!(m.contains("quote the value: \"3\""), "{m}");
    let (_, _, line, _, m) = find("metadata.labels.canary");
    assert_eq!(line, 8, "{m}");
    assert!(m.contains("YAML 1.1") && m.contains("\"on\""), "{m}");
    let (_, _, line, _, _) = find("metadata.annotations.owner");
    assert_eq!(line, 10);
    let (_, _, line, _, m) = find("spec.replicas");
    assert_eq!(line, 12);
    assert!(
        m.contains("must be an integer") && m.contains("remove the quotes"),
        "{m}"
    );
    let (_, _, line, _, m) = find("spec.template.metadata.labels.version");
    assert_eq!(line, 17, "{m}");
    let (_, _, line, _, m) = find("spec.template");
    assert_eq!(line, 29, "{m}");
    assert!(m.contains("must be a mapping"), "{m}");
    // The Job's `namespace: yes` (line 27) and the ConfigMap's numeric name (line 34).
    assert!(
        diags
            .iter()
            .any(|(c, _, l, _, m)| c == "wrong-type" && *l == 27 && m.contains("\"yes\"")),
        "{diags:#?}"
    );
    assert!(
        diags
            .iter()
            .any(|(c, _, l, _, m)| c == "wrong-type" && *l == 34 && m.contains("`metadata.name`")),
        "{diags:#?}"
    );
    // A quoted "yes" is a string: no diagnostic on line 35.
    assert!(!diags.iter().any(|(_, _, l, _, _)| *l == 35), "{diags:#?}");
    // The text report names file, line and column.
    let out = stockade()
        .arg("scan")
        .arg(&f)
        .args(["--no-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("bad.yaml:5:3"), "{}", text(&out));
}

/// 5: an audit event without `stage` is analysed as a completed request and counted.
#[test]
fn five_an_audit_event_without_a_stage_is_analysed() {
    let line = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"00000000-0000-4000-8000-000000000001","requestURI":"/api/v1/namespaces/kube-system/pods/etcd-0/exec?command=sh&stdin=true&tty=true","verb":"create","user":{"username":"alice","uid":"uid-alice","groups":["system:authenticated"]},"sourceIPs":["10.0.0.5"],"userAgent":"kubectl/v1.36.0","objectRef":{"resource":"pods","namespace":"kube-system","name":"etcd-0","apiVersion":"v1","subresource":"exec"},"responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"2026-03-01T10:00:00.000000Z","stageTimestamp":"2026-03-01T10:00:00.000009Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}"#;
    let d = dir_with(&[("audit.log", &format!("{line}\n"))]);
    let log = d.path().join("audit.log");
    let out = stockade()
        .args(["audit-log", "analyze", "--no-config"])
        .arg(&log)
        .output()
        .unwrap();
    let t = text(&out);
    assert!(t.contains("1 request(s) analysed"), "{t}");
    let out = stockade()
        .args(["audit-log", "analyze", "--no-config", "-o", "json", "-q"])
        .arg(&log)
        .output()
        .unwrap();
    let v = common::json_out(&out);
    assert_eq!(v["summary"]["objects"], 1, "{v:#}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["ruleId"] == "AU001"),
        "{v:#}"
    );
    // A stage kube-apiserver never writes is reported, not dropped without a word.
    let odd = line.replace(
        r#""level":"Metadata","#,
        r#""level":"Metadata","stage":"Finished","#,
    );
    let d2 = dir_with(&[("audit.log", &format!("{odd}\n"))]);
    let out = stockade()
        .args(["audit-log", "analyze", "--no-config", "-o", "json", "-q"])
        .arg(d2.path().join("audit.log"))
        .output()
        .unwrap();
    let v = common::json_out(&out);
    let diags = v["diagnostics"].as_array().unwrap();
    assert!(
        diags
            .iter()
            .any(|d| d["code"] == "audit-unknown-stage" && d["line"] == 1),
        "{v:#}"
    );
}

/// Runs the binary with standard output a pipe that the reader closes after one line; returns
/// the exit status and standard error.
fn run_into_closed_pipe(args: &[&str]) -> (std::process::ExitStatus, String) {
    use std::io::{BufRead, Read};
    let bin = assert_cmd::cargo::cargo_bin("stockade");
    let mut child = std::process::Command::new(bin)
        .args(args)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{args:?}: no first line");
        // The read end is dropped here, as `head -1` exits.
    }
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap(), err)
}

/// 6: a closed pipe ends the output quietly: no panic, no "Broken pipe" message.
#[test]
fn six_a_closed_pipe_ends_quietly() {
    for (args, code) in [
        (&["rules"][..], 0),
        (&["rules", "-o", "json"], 0),
        (&["explain", "WL001"], 0),
        (&["completions", "bash"], 0),
        (&["scan", "--no-config", "examples/"], 1),
        (&["scan", "--no-config", "-o", "json", "examples/"], 1),
    ] {
        let (status, err) = run_into_closed_pipe(args);
        assert!(
            !err.contains("panicked") && !err.to_lowercase().contains("broken pipe"),
            "{args:?}: {err}"
        );
        assert_eq!(status.code(), Some(code), "{args:?}: {err}");
    }
}

/// 7: the quick start scans `examples/` and shows findings (exit 1, not an input error); the
/// invalid-input demonstrations live in `examples-invalid/` and exit 2 with one error each.
#[test]
fn seven_the_quick_start_shows_findings_and_invalid_input_is_apart() {
    let out = stockade()
        .current_dir(repo_root())
        .args(["scan", "--no-config", "-o", "json", "examples/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v = common::json_out(&out);
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{v:#}");
    assert!(v["findings"].as_array().unwrap().len() > 20);
    let out = stockade()
        .current_dir(repo_root())
        .args(["scan", "--no-config", "-o", "json", "examples-invalid/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let diags = diagnostics(&out);
    let files: Vec<&str> = [
        "wrong-type.yaml",
        "duplicate-key.yaml",
        "unquoted-namespace.yaml",
    ]
    .into_iter()
    .filter(|f| {
        !common::json_out(&out)["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["level"] == "error" && d["path"].as_str().is_some_and(|p| p.ends_with(f)))
    })
    .collect();
    assert!(files.is_empty(), "no error for {files:?}: {diags:#?}");
    assert!(
        diags
            .iter()
            .any(|(c, _, _, _, m)| c == "wrong-type" && m.contains("quote the value: \"yes\"")),
        "{diags:#?}"
    );
    // The README's quick start says so.
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    assert!(!readme.contains("exits with code 2 on purpose"));
    assert!(readme.contains("examples-invalid/"));
}

#[allow(dead_code)]
fn _uses(o: &std::process::Output) -> String {
    let _ = stockade();
    text(o)
}
