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
    assert!(t.contains(".stockade.yaml is a directory, not a settings file"), "{t}");
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
        assert!(t.contains("is a directory, not a settings file"), "{cmd}: {t}");
    }
}

#[cfg(unix)]
#[test]
fn a_settings_file_that_cannot_be_read_is_an_error_not_ignored() {
    // A dangling link.
    let dir = scan_dir();
    std::os::unix::fs::symlink(dir.path().join("moved.yaml"), dir.path().join(".stockade.yaml"))
        .unwrap();
    let out = stockade().arg("scan").arg(dir.path()).output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("cannot read settings file"), "{t}");
    assert!(t.contains("symbolic link to a file that does not exist"), "{t}");

    // A FIFO: refused at once instead of blocking on the read.
    let dir = scan_dir();
    let fifo = dir.path().join(".stockade.yaml");
    let ok = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
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
        Some(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": user, "groups": groups, "resourceAttributes": attrs}})),
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
    c.create("/api/v1/namespaces", &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
    let _cleanup = Cleanup { c: &c, paths: vec![format!("/api/v1/namespaces/{ns}")] };
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
        assert_eq!(code, Some(0), "{form:?} must be allowed, as the SubjectAccessReview says: {t}");
    }
    // And what the API server denies, Stockade denies.
    let denied = [
        (json!({"verb": "update", "group": "apps", "resource": "deployments", "namespace": ns}), &["update", "deployments.apps"][..]),
        (json!({"verb": "get", "group": "apps", "resource": "deployments", "subresource": "scale", "namespace": ns}), &["get", "deployments/scale.apps"]),
        (json!({"verb": "update", "group": "extensions", "resource": "deployments", "subresource": "scale", "namespace": ns}), &["update", "deployments/scale.extensions"]),
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
