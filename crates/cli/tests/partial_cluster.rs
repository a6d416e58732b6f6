//! Partial live scans against the real control plane: identities that may read only a part of
//! the cluster. A scan, an `unused` listing or a de-provisioning plan from such a read must say
//! it is partial, exit 2 unless partial results are accepted (`--allow-partial`,
//! `allow-partial: true`), and never conclude that something is missing, unused or selects
//! nothing from what it did not read. Identities are ServiceAccounts of a namespace of the
//! test's own, with tokens from the TokenRequest API, so no other test's grants interfere.
//! Without the control plane these tests print a note and pass (see tests/common).

mod common;

use common::{Cleanup, Cluster, cluster, json_out, text, unique};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RBAC: &str = "/apis/rbac.authorization.k8s.io/v1";

fn namespace(c: &Cluster, name: &str) {
    c.create(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
    );
}

fn deployment(c: &Cluster, ns: &str, name: &str, app: &str) {
    c.create(
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        &json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": app}},
                "template": {"metadata": {"labels": {"app": app}},
                    "spec": {"automountServiceAccountToken": false,
                        "containers": [{"name": "c", "image": "registry.example.com/app:1.0.0"}]}}}}),
    );
}

/// A ServiceAccount `name` in `ns` and a kubeconfig that authenticates as it.
fn service_account_kubeconfig(c: &Cluster, dir: &Path, ns: &str, name: &str) -> PathBuf {
    c.create(
        &format!("/api/v1/namespaces/{ns}/serviceaccounts"),
        &json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}}),
    );
    let (code, body) = c.req(
        "POST",
        &format!("/api/v1/namespaces/{ns}/serviceaccounts/{name}/token"),
        Some(
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                     "spec": {"expirationSeconds": 3600}}),
        ),
    );
    assert_eq!(code, 201, "TokenRequest: {body}");
    let token = body["status"]["token"].as_str().unwrap();
    let kc = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: t\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: t\n  user:\n    token: {token}\ncontexts:\n- name: t\n  context: {{cluster: t, user: t}}\n",
        c.server,
        c.ca.display()
    );
    let p = dir.join(format!("kc-{name}"));
    std::fs::write(&p, kc).unwrap();
    p
}

/// Waits until the authorizer lets `user` do `verb` on `resource` (in `ns` when given).
fn wait_allowed(c: &Cluster, user: &str, verb: &str, resource: &str, ns: Option<&str>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut attrs = json!({"verb": verb, "resource": resource});
        if let Some(ns) = ns {
            attrs["namespace"] = json!(ns);
        }
        let (_, r) = c.req(
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            Some(
                &json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"user": user, "groups": ["system:serviceaccounts", "system:authenticated"],
                         "resourceAttributes": attrs}}),
            ),
        );
        if r["status"]["allowed"] == true {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{user} never got {verb} {resource}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn run(c: &Cluster, kc: &Path, args: &[&str]) -> std::process::Output {
    c.stockade()
        .args(args)
        .arg("--kubeconfig")
        .arg(kc)
        .output()
        .unwrap()
}

fn rule_ids(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["ruleId"].as_str().unwrap().to_string())
        .collect()
}

fn coverage_of<'a>(r: &'a Value, resource: &str) -> &'a Value {
    r["coverage"]
        .as_array()
        .expect("coverage")
        .iter()
        .find(|e| e["resource"] == resource)
        .unwrap_or_else(|| panic!("no coverage entry {resource}"))
}

#[test]
fn an_identity_that_may_only_list_namespaces_gets_a_partial_scan_and_exit_2() {
    let Some(c) = cluster() else { return };
    let home = unique("partial-home");
    let app = unique("partial-app");
    let role = unique("namespaces-only");
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![
            format!("/api/v1/namespaces/{home}"),
            format!("/api/v1/namespaces/{app}"),
            format!("{RBAC}/clusterroles/{role}"),
            format!("{RBAC}/clusterrolebindings/{role}"),
        ],
    };
    namespace(&c, &home);
    namespace(&c, &app);
    deployment(&c, &app, "web", "web");
    let dir = tempfile::tempdir().unwrap();
    let kc = service_account_kubeconfig(&c, dir.path(), &home, "lister");
    c.create(
        &format!("{RBAC}/clusterroles"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": role},
                "rules": [{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]}]}),
    );
    c.create(
        &format!("{RBAC}/clusterrolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": role},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "ServiceAccount", "name": "lister", "namespace": home}]}),
    );
    let user = format!("system:serviceaccount:{home}:lister");
    wait_allowed(&c, &user, "list", "namespaces", None);

    // JSON: partial, exit 2 even though nothing reaches --fail-on.
    let out = run(
        &c,
        &kc,
        &[
            "scan",
            "--cluster",
            "--enable",
            "hygiene",
            "--fail-on",
            "info",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let r = json_out(&out);
    assert_eq!(r["partial"], true);
    assert_eq!(coverage_of(&r, "v1/namespaces")["status"], "ok");
    let deps = coverage_of(&r, "apps/v1/deployments");
    assert_eq!(deps["status"], "forbidden");
    let skipped: Vec<&str> = deps["skippedRules"]
        .as_array()
        .expect("skipped rules listed")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for id in ["HY009", "NP004", "NP005", "HY001"] {
        assert!(
            skipped.contains(&id),
            "{id} not listed as skipped: {skipped:?}"
        );
    }
    // The namespace holding a Deployment it could not read is not called empty.
    assert!(!rule_ids(&r).iter().any(|id| id == "HY009"), "{r}");
    assert!(
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "partial"
                && d["message"]
                    .as_str()
                    .unwrap()
                    .contains("apps/v1/deployments")),
        "{r}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-partial"));

    // Accepted explicitly: the exit code is the findings', the report still partial.
    let out = run(
        &c,
        &kc,
        &[
            "scan",
            "--cluster",
            "--enable",
            "hygiene",
            "--fail-on",
            "info",
            "--allow-partial",
            "-o",
            "json",
        ],
    );
    let r = json_out(&out);
    assert_eq!(r["partial"], true);
    let want = if r["findings"].as_array().unwrap().is_empty() {
        0
    } else {
        1
    };
    assert_eq!(out.status.code(), Some(want), "{}", text(&out));
    assert!(!rule_ids(&r).iter().any(|id| id == "HY009"), "{r}");

    // The same from the config file.
    let cfg = dir.path().join("stockade.yaml");
    std::fs::write(&cfg, "allow-partial: true\nfail-on: info\n").unwrap();
    let out = run(
        &c,
        &kc,
        &[
            "scan",
            "--cluster",
            "--config",
            cfg.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    let r = json_out(&out);
    assert_eq!(r["partial"], true);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out));

    // SARIF: not successful, and a notification names what could not be read.
    let out = run(&c, &kc, &["scan", "--cluster", "-o", "sarif"]);
    assert_eq!(out.status.code(), Some(2));
    let s = json_out(&out);
    let inv = &s["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false, "{inv}");
    assert!(
        inv["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["message"]["text"]
                .as_str()
                .unwrap()
                .contains("v1/pods (forbidden)")),
        "{inv}"
    );

    // Text: which types were not read and which checks were not assessed.
    let out = run(&c, &kc, &["scan", "--cluster"]);
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    assert!(
        t.contains("PARTIAL RESULTS: 28 of 29 resource types were not read"),
        "{t}"
    );
    assert!(t.contains("not assessed (they need it read):"), "{t}");
    assert!(
        t.contains("could not read apps/v1/deployments (forbidden)"),
        "{t}"
    );

    // `unused`: nothing is called unused from what was not read; partial, exit 2.
    let out = run(&c, &kc, &["unused", "--cluster", "-o", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let r = json_out(&out);
    assert_eq!(r["partial"], true);
    assert!(!rule_ids(&r).iter().any(|id| id == "HY009"), "{r}");
    let out = run(&c, &kc, &["unused", "--cluster", "--allow-partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("PARTIAL:"), "{}", text(&out));

    // A de-provisioning plan refuses: it cannot see the grants it would have to revoke.
    let out = run(
        &c,
        &kc,
        &[
            "deprovision",
            "plan",
            "--cluster",
            &format!("sa:{app}/default"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("not read:") && t.contains("rbac.authorization.k8s.io/v1/rolebindings"),
        "{t}"
    );
    assert!(out.stdout.is_empty(), "no plan is printed: {t}");
}

#[test]
fn a_one_namespace_identity_and_a_one_namespace_scan_conclude_nothing_about_other_namespaces() {
    let Some(c) = cluster() else { return };
    let a = unique("partial-a");
    let b = unique("partial-b");
    let role = unique("read-all");
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![
            format!("/api/v1/namespaces/{a}"),
            format!("/api/v1/namespaces/{b}"),
            format!("{RBAC}/clusterroles/{role}"),
        ],
    };
    namespace(&c, &a);
    namespace(&c, &b);
    deployment(&c, &a, "server", "server");
    deployment(&c, &b, "client", "client");
    // `a` admits `client` pods of `b` (they exist) and `nobody` pods of `b` (a typo: none).
    let peer = |app: &str| {
        json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": b}},
               "podSelector": {"matchLabels": {"app": app}}})
    };
    c.create(
        &format!("/apis/networking.k8s.io/v1/namespaces/{a}/networkpolicies"),
        &json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "from-b", "namespace": a},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": [peer("client"), peer("nobody")]}]}}),
    );
    let dir = tempfile::tempdir().unwrap();
    let admin = c.kubeconfig.clone();
    let np005 = |r: &Value| -> Vec<String> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["ruleId"] == "NP005")
            .map(|f| f["fieldPath"].as_str().unwrap().to_string())
            .collect()
    };

    // Full read, cluster-wide: unchanged — complete, exit by findings, the typo reported once.
    let out = run(
        &c,
        &admin,
        &["scan", "--cluster", "--context", "admin", "-o", "json"],
    );
    let r = json_out(&out);
    assert!(r.get("partial").is_none(), "{}", r["coverage"]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    let found = np005(&r);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("from[1]"), "{found:?}");
    let out = run(
        &c,
        &admin,
        &["scan", "--cluster", "--context", "admin", "-o", "sarif"],
    );
    assert_eq!(
        json_out(&out)["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );

    // Full read of namespace `a` only: complete for what was asked (not partial), but pods of
    // `b` were not listed, so neither peer is judged.
    let out = run(
        &c,
        &admin,
        &[
            "scan",
            "--cluster",
            "--context",
            "admin",
            "-n",
            &a,
            "-o",
            "json",
        ],
    );
    let r = json_out(&out);
    assert!(r.get("partial").is_none(), "{}", r["coverage"]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    assert!(np005(&r).is_empty(), "{:?}", np005(&r));

    // An identity that may read everything, but only in `a`.
    let kc = service_account_kubeconfig(&c, dir.path(), &a, "reader");
    c.create(
        &format!("{RBAC}/clusterroles"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": role},
                "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list"]}]}),
    );
    c.create(
        &format!("{RBAC}/namespaces/{a}/rolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "reader", "namespace": a},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": a}]}),
    );
    wait_allowed(
        &c,
        &format!("system:serviceaccount:{a}:reader"),
        "list",
        "networkpolicies",
        Some(&a),
    );
    let out = run(&c, &kc, &["scan", "--cluster", "-n", &a, "-o", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let r = json_out(&out);
    assert_eq!(r["partial"], true);
    assert_eq!(coverage_of(&r, "v1/namespaces")["status"], "forbidden");
    assert_eq!(
        coverage_of(&r, "networking.k8s.io/v1/networkpolicies")["status"],
        "ok"
    );
    assert!(np005(&r).is_empty(), "{:?}", np005(&r));
    // No "missing" or "unbound" RBAC conclusion from bindings and roles it could not list.
    for id in rule_ids(&r) {
        assert!(
            !matches!(id.as_str(), "RB016" | "RB017" | "RB018" | "HY009"),
            "{id} concluded from unread objects: {r}"
        );
    }
    let out = run(
        &c,
        &kc,
        &[
            "scan",
            "--cluster",
            "-n",
            &a,
            "--allow-partial",
            "--fail-on",
            "info",
            "-o",
            "json",
        ],
    );
    let r = json_out(&out);
    assert_eq!(r["partial"], true);
    let want = if r["findings"].as_array().unwrap().is_empty() {
        0
    } else {
        1
    };
    assert_eq!(out.status.code(), Some(want), "{}", text(&out));
    assert!(np005(&r).is_empty(), "{:?}", np005(&r));
}
