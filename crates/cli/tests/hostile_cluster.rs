//! Hostile inputs around live scans and their settings: identities that can read only part of
//! a cluster, namespace-limited inventories, what Stockade's requests look like in the audit
//! log, settings paths that are not files, and `rbac can` resource arguments. The live tests
//! use the shared control plane (`. /tmp/cp-shared/env`); without it they print a note and
//! pass, unless STOCKADE_REQUIRE_CLUSTER=1.

mod common;

use common::{Cleanup, Cluster, cluster, stockade, text, unique};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const MANIFEST: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: app}\nspec:\n  containers: [{name: c, image: nginx}]\n";

fn scan_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), MANIFEST).unwrap();
    dir
}

#[test]
fn a_settings_path_that_is_a_directory_is_an_error_not_ignored() {
    let dir = scan_dir();
    std::fs::create_dir(dir.path().join(".stockade.yaml")).unwrap();
    let out = stockade().arg("scan").arg(dir.path()).output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains(".stockade.yaml is a directory, not a settings file"),
        "{t}"
    );
    assert!(t.contains("--no-config"), "{t}");
    // --no-config is the way out it names.
    let out = stockade()
        .args(["scan", "--no-config", "--fail-on", "critical"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // --config DIR, for scan and unused.
    for cmd in ["scan", "unused"] {
        let out = stockade()
            .arg(cmd)
            .arg("--config")
            .arg(dir.path())
            .arg(dir.path().join("pod.yaml"))
            .output()
            .unwrap();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {t}");
        assert!(
            t.contains("is a directory, not a settings file"),
            "{cmd}: {t}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_settings_file_that_cannot_be_read_is_an_error_not_ignored() {
    // A dangling link.
    let dir = scan_dir();
    std::os::unix::fs::symlink(
        dir.path().join("moved.yaml"),
        dir.path().join(".stockade.yaml"),
    )
    .unwrap();
    let out = stockade().arg("scan").arg(dir.path()).output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("cannot read settings file"), "{t}");
    assert!(
        t.contains("symbolic link to a file that does not exist"),
        "{t}"
    );

    // A FIFO: refused at once instead of blocking on the read.
    let dir = scan_dir();
    let fifo = dir.path().join(".stockade.yaml");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(ok.success());
    let started = std::time::Instant::now();
    let out = stockade()
        .arg("scan")
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("not a regular file"), "{t}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));

    // Without read permission (meaningless as root, who reads anything).
    let dir = scan_dir();
    let cfg = dir.path().join(".stockade.yaml");
    std::fs::write(&cfg, "fail-on: info\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&cfg).is_err() {
        let out = stockade().arg("scan").arg(dir.path()).output().unwrap();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{t}");
        assert!(t.contains("cannot read settings file"), "{t}");
    }
}

/// The API server's own answer: a SubjectAccessReview as admin.
fn sar(c: &Cluster, user: &str, groups: &[&str], attrs: Value) -> bool {
    let mut groups: Vec<&str> = groups.to_vec();
    groups.push("system:authenticated");
    let (code, r) = c.req(
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        Some(
            &json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": user, "groups": groups, "resourceAttributes": attrs}}),
        ),
    );
    assert_eq!(code, 201, "{r}");
    r["status"]["allowed"] == true
}

/// Waits until the authorizer has seen a new grant (RBAC is eventually consistent).
fn wait_sar(c: &Cluster, user: &str, groups: &[&str], attrs: Value) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !sar(c, user, groups, attrs.clone()) {
        assert!(Instant::now() < deadline, "{user} never got {attrs}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

const RBAC_API: &str = "/apis/rbac.authorization.k8s.io/v1";

#[test]
fn rbac_can_reads_the_group_before_or_after_the_subresource_as_the_api_server_answers() {
    let Some(c) = cluster() else { return };
    let ns = unique("hc-scale");
    c.create(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    );
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![format!("/api/v1/namespaces/{ns}")],
    };
    c.create(
        &format!("{RBAC_API}/namespaces/{ns}/roles"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "scaler", "namespace": ns},
            "rules": [{"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["update", "patch"]}]}),
    );
    c.create(
        &format!("{RBAC_API}/namespaces/{ns}/rolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "scaler", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "scaler"},
            "subjects": [{"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"}]}),
    );
    let scale = json!({"verb": "update", "group": "apps", "resource": "deployments", "subresource": "scale", "namespace": ns});
    wait_sar(&c, "bob", &["ops"], scale.clone());
    let can = |args: &[&str]| {
        let out = stockade()
            .args(["rbac", "can", "user:bob", "--group", "ops"])
            .args(args)
            .args(["-n", &ns, "--cluster", "--kubeconfig"])
            .arg(&c.kubeconfig)
            .output()
            .unwrap();
        (out.status.code(), text(&out))
    };
    // Every spelling of "update the scale subresource of deployments in group apps" is the
    // request the API server allows.
    for form in [
        &["update", "deployments/scale.apps"][..],
        &["update", "deployments.apps/scale"],
        &["update", "deployments/scale"],
        &["update", "deploy/scale.apps"],
        &["update", "deployments", "--subresource", "scale"],
        &["update", "deployments.apps", "--subresource", "scale"],
    ] {
        let (code, t) = can(form);
        assert_eq!(
            code,
            Some(0),
            "{form:?} must be allowed, as the SubjectAccessReview says: {t}"
        );
    }
    // And what the API server denies, Stockade denies.
    let denied = [
        (
            json!({"verb": "update", "group": "apps", "resource": "deployments", "namespace": ns}),
            &["update", "deployments.apps"][..],
        ),
        (
            json!({"verb": "get", "group": "apps", "resource": "deployments", "subresource": "scale", "namespace": ns}),
            &["get", "deployments/scale.apps"],
        ),
        (
            json!({"verb": "update", "group": "extensions", "resource": "deployments", "subresource": "scale", "namespace": ns}),
            &["update", "deployments/scale.extensions"],
        ),
    ];
    for (attrs, form) in denied {
        assert!(!sar(&c, "bob", &["ops"], attrs.clone()), "{attrs}");
        let (code, t) = can(form);
        assert_eq!(code, Some(1), "{form:?} must be denied: {t}");
    }
    // Two different groups, or a subresource that disagrees with --subresource: a usage error.
    let (code, t) = can(&["update", "deployments.apps/scale.extensions"]);
    assert_eq!(code, Some(2), "{t}");
    assert!(t.contains("two API groups"), "{t}");
    let (code, t) = can(&["update", "deployments/scale", "--subresource", "status"]);
    assert_eq!(code, Some(2), "{t}");
    // kubectl's TYPE/NAME is not Stockade's syntax: a note says how to name an object.
    let (_, t) = can(&["get", "deployments/web"]);
    assert!(t.contains("--name"), "{t}");
}

/// Audit events (as JSON) whose requestURI contains `needle`, waiting up to 15 s for at least
/// `min` of them: the API server writes its log asynchronously.
fn audit_events(needle: &str, min: usize) -> Vec<Value> {
    let path = std::env::var("STOCKADE_TEST_AUDIT_LOG").expect("STOCKADE_TEST_AUDIT_LOG");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let found: Vec<Value> = text
            .lines()
            .filter(|l| l.contains(needle))
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| e["requestURI"].as_str().is_some_and(|u| u.contains(needle)))
            .collect();
        if found.len() >= min || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn every_request_carries_stockades_user_agent_in_the_real_audit_log() {
    let Some(c) = cluster() else { return };
    if std::env::var("STOCKADE_TEST_AUDIT_LOG").is_err() {
        eprintln!("note: no audit log (STOCKADE_TEST_AUDIT_LOG unset); skipping");
        return;
    }
    let ns = unique("hc-ua");
    c.create(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    );
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![format!("/api/v1/namespaces/{ns}")],
    };
    let version = env!("CARGO_PKG_VERSION");
    let run = |args: &[&str]| {
        let out = stockade()
            .args(args)
            .arg("--kubeconfig")
            .arg(&c.kubeconfig)
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    };
    // A scan limited to a new namespace: every request under it is this scan's, Secrets
    // (metadata only) included.
    run(&[
        "scan",
        "--cluster",
        "-n",
        &ns,
        "--no-config",
        "--fail-on",
        "critical",
    ]);
    let prefix = format!("/namespaces/{ns}/");
    let events: Vec<Value> = audit_events(&prefix, 20)
        .into_iter()
        .filter(|e| e["user"]["username"] == "admin" && e["verb"] == "list")
        .collect();
    // Every namespaced resource type the scan reads.
    assert!(
        events.len() >= 20,
        "{} list events under {prefix}",
        events.len()
    );
    assert!(
        events
            .iter()
            .any(|e| e["objectRef"]["resource"] == "secrets" && e["verb"] == "list")
    );
    for e in &events {
        assert_eq!(
            e["userAgent"],
            json!(format!("stockade/{version} (scan)")),
            "{e}"
        );
    }
    // Another command names itself. rbac reads every RoleBinding, as other tests' scans do, so
    // look for a new event with its User-Agent.
    let needle = "/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=";
    let before = audit_events(needle, 0).len();
    run(&["rbac", "who-can", "get", "secrets", "-n", &ns, "--cluster"]);
    let want = json!(format!("stockade/{version} (rbac)"));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let events = audit_events(needle, before + 1);
        if events[before.min(events.len())..]
            .iter()
            .any(|e| e["userAgent"] == want)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no rbac request with User-Agent {want}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn the_scanning_identity_is_exempted_from_bulk_secret_listing_by_identity_not_user_agent() {
    let Some(c) = cluster() else { return };
    if std::env::var("STOCKADE_TEST_AUDIT_LOG").is_err() {
        eprintln!("note: no audit log (STOCKADE_TEST_AUDIT_LOG unset); skipping");
        return;
    }
    // A cluster-wide scan lists every Secret's metadata: the event AU006 alerts on.
    let needle = "/api/v1/secrets?limit=";
    let ua = json!(format!("stockade/{} (scan)", env!("CARGO_PKG_VERSION")));
    let before = audit_events(needle, 0).len();
    let out = stockade()
        .args([
            "scan",
            "--cluster",
            "--no-config",
            "--fail-on",
            "critical",
            "--kubeconfig",
        ])
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    let deadline = Instant::now() + Duration::from_secs(15);
    let ours: Vec<Value> = loop {
        let events = audit_events(needle, before + 1);
        let ours: Vec<Value> = events[before.min(events.len())..]
            .iter()
            .filter(|e| e["userAgent"] == ua && e["user"]["username"] == "admin")
            .cloned()
            .collect();
        if !ours.is_empty() {
            break ours;
        }
        assert!(
            Instant::now() < deadline,
            "no Secret listing with User-Agent {ua}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let lines: Vec<String> = ours.iter().map(Value::to_string).collect();
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let analyze = |config: Option<&str>| {
        let mut cmd = stockade();
        cmd.args(["audit-log", "analyze", "-o", "json", "-q"])
            .arg(&log);
        match config {
            Some(text) => {
                let p = dir.path().join(format!("{}.yaml", unique("cfg")));
                std::fs::write(&p, text).unwrap();
                cmd.arg("--config").arg(p);
            }
            None => {
                cmd.arg("--no-config");
            }
        }
        let out = cmd.output().unwrap();
        let r: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["ruleId"] == "AU006")
            .count()
    };
    assert!(
        analyze(None) >= 1,
        "the scanner's own listing alerts without an exemption"
    );
    // The documented exemption: the scanning identity.
    assert_eq!(
        analyze(Some(
            "rules:\n  options:\n    bulk-secret-listing:\n      allowed-users: [admin]\n"
        )),
        0
    );
    // Another identity sending the same User-Agent is still reported.
    let forged: Vec<String> = ours
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e["user"]["username"] = json!("mallory");
            e.to_string()
        })
        .collect();
    std::fs::write(&log, forged.join("\n") + "\n").unwrap();
    assert!(
        analyze(Some(
            "rules:\n  options:\n    bulk-secret-listing:\n      allowed-users: [admin]\n"
        )) >= 1
    );
}
