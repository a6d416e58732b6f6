//! `stockade rbac`: the real binary on real manifests — answers, granting paths, exit codes.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn stockade() -> Command {
    let mut c = Command::cargo_bin("stockade").expect("binary built");
    c.env("NO_COLOR", "1");
    c
}

const RBAC: &str = "apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-maker, namespace: kube-system}
rules:
- apiGroups: [\"\"]
  resources: [pods]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci-pods, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-maker}
subjects:
- {kind: ServiceAccount, name: ci, namespace: tools}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-edit, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}
";

fn fixture(dir: &Path) -> PathBuf {
    let p = dir.join("rbac.yaml");
    std::fs::write(&p, RBAC).unwrap();
    p
}

#[test]
fn who_can_names_subjects_bindings_and_roles() {
    let d = tempfile::tempdir().unwrap();
    let f = fixture(d.path());
    stockade()
        .args(["rbac", "who-can", "get", "secrets", "-n", "prod"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("RoleBinding prod/dev-edit"))
        .stdout(predicate::str::contains("ClusterRole edit"))
        .stdout(predicate::str::contains("kube-system/deployer"))
        .stdout(predicate::str::contains("ServiceAccount  tools/ci").not());
}

#[test]
fn who_can_json_without_defaults_lists_only_input_bindings() {
    let d = tempfile::tempdir().unwrap();
    let f = fixture(d.path());
    let out = stockade()
        .args([
            "rbac",
            "who-can",
            "create",
            "pods",
            "-n",
            "kube-system",
            "--no-defaults",
            "-o",
            "json",
        ])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<String> = v["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["subject"]["name"].as_str().unwrap().to_string())
        .collect();
    // Without the built-in roles, `cluster-admin` does not exist: deployer's binding grants
    // nothing, exactly as on an API server without that role.
    assert_eq!(names, vec!["ci"]);
}

#[test]
fn can_exits_0_when_allowed_and_1_when_denied() {
    let d = tempfile::tempdir().unwrap();
    let f = fixture(d.path());
    stockade()
        .args([
            "rbac",
            "can",
            "user:alice",
            "delete",
            "deployments",
            "-n",
            "prod",
            "--group",
            "dev",
        ])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("yes:"))
        .stdout(predicate::str::contains("RoleBinding prod/dev-edit"));
    stockade()
        .args([
            "rbac",
            "can",
            "user:alice",
            "delete",
            "deployments",
            "-n",
            "prod",
        ])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("no:"));
    // A RoleBinding never grants outside its namespace.
    stockade()
        .args([
            "rbac",
            "can",
            "sa:tools/ci",
            "create",
            "pods",
            "-n",
            "default",
        ])
        .arg(&f)
        .assert()
        .code(1);
    stockade()
        .args([
            "rbac",
            "can",
            "sa:tools/ci",
            "create",
            "pods",
            "-n",
            "kube-system",
        ])
        .arg(&f)
        .assert()
        .code(0);
}

#[test]
fn access_lists_cluster_wide_and_namespaced_rules() {
    let d = tempfile::tempdir().unwrap();
    let f = fixture(d.path());
    stockade()
        .args(["rbac", "access", "sa:tools/ci"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("kube-system  pods"))
        .stdout(predicate::str::contains("system:basic-user"));
}

#[test]
fn paths_finds_the_chain_through_kube_system_and_exits_1() {
    let d = tempfile::tempdir().unwrap();
    let f = fixture(d.path());
    let out = stockade()
        .args(["rbac", "paths", "-o", "json"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let chain = &v["chains"][0];
    assert_eq!(chain["from"]["name"], "ci");
    assert_eq!(chain["steps"][0]["to"]["name"], "deployer");
    assert_eq!(chain["steps"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_subjects_are_usage_errors() {
    stockade()
        .args(["rbac", "can", "alice", "get", "pods"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("user:NAME"));
}

#[test]
fn scan_reports_rbac_findings() {
    let d = tempfile::tempdir().unwrap();
    let f = fixture(d.path());
    stockade()
        .args(["scan", "--no-config", "-o", "json"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"ruleId\": \"RB001\""))
        .stdout(predicate::str::contains("\"ruleId\": \"RB019\""));
}

/// Several equally short chains: the one reported is the same in every run (it used to depend
/// on a hash seed, so two runs over the same manifests could name different ServiceAccounts).
#[test]
fn paths_are_the_same_in_every_run_when_chains_tie() {
    let mut y = String::from(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-maker}
rules:
- {apiGroups: [\"\"], resources: [pods], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules:
- {apiGroups: [\"\"], resources: [secrets], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-pods}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-maker}
subjects:
- {kind: User, name: ci}
",
    );
    for ns in [
        "zeta", "alpha", "mu", "kappa", "omega", "delta", "sigma", "beta",
    ] {
        y.push_str(&format!(
            "---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: reader, namespace: {ns}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: reader-{ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}}
subjects:
- {{kind: ServiceAccount, name: reader, namespace: {ns}}}
"
        ));
    }
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("tie.yaml");
    std::fs::write(&f, y).unwrap();
    let run = || {
        let out = stockade()
            .args(["rbac", "paths", "--to", "secrets", "-o", "json"])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run();
    for _ in 0..7 {
        assert_eq!(run(), first, "paths differ between runs");
    }
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    let chain = v["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["from"]["name"] == "ci")
        .unwrap_or_else(|| panic!("no chain from ci: {v}"));
    // Namespaces are tried in order: the first one wins the tie.
    assert_eq!(chain["steps"][0]["to"]["namespace"], "alpha", "{chain}");
}
