//! `stockade secrets --cluster` against the real API server's authorizer: for every Secret of
//! a test namespace and every candidate identity, "can get it" as Stockade computes it (a
//! reader whose subject is the user, one of its groups or its ServiceAccount) equals the
//! API server's SubjectAccessReview answer. Values are never read.

mod common;

use common::{Cleanup, cluster, stockade, unique};
use serde_json::{Value, json};

#[test]
fn readers_match_subject_access_reviews() {
    let Some(c) = cluster() else { return };
    let ns = unique("sec");
    let mut cleanup = Cleanup {
        c: &c,
        paths: vec![],
    };
    c.create("/api/v1/namespaces", &json!({"metadata": {"name": ns}}));
    cleanup.paths.push(format!("/api/v1/namespaces/{ns}"));
    for name in ["db", "public", "other"] {
        c.create(
            &format!("/api/v1/namespaces/{ns}/secrets"),
            &json!({"metadata": {"name": name}, "stringData": {"value": format!("live-hunter2-{name}")}}),
        );
    }
    c.create(
        &format!("/api/v1/namespaces/{ns}/serviceaccounts"),
        &json!({"metadata": {"name": "ci"}}),
    );
    let rbac = format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}");
    c.create(
        &format!("{rbac}/roles"),
        &json!({"metadata": {"name": "read-db"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["db"], "verbs": ["get"]}]}),
    );
    c.create(
        &format!("{rbac}/roles"),
        &json!({"metadata": {"name": "read-public"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["public"], "verbs": ["get"]}]}),
    );
    for (name, role_kind, role, subject) in [
        (
            "dev-reads-db",
            "Role",
            "read-db",
            json!({"kind": "Group", "name": "dev", "apiGroup": "rbac.authorization.k8s.io"}),
        ),
        (
            "all-read-public",
            "Role",
            "read-public",
            json!({"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"}),
        ),
        (
            "ci-edit",
            "ClusterRole",
            "edit",
            json!({"kind": "ServiceAccount", "name": "ci", "namespace": ns}),
        ),
        (
            "bob-admin",
            "ClusterRole",
            "admin",
            json!({"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"}),
        ),
    ] {
        c.create(
            &format!("{rbac}/rolebindings"),
            &json!({"metadata": {"name": name}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role}, "subjects": [subject]}),
        );
    }

    let kubeconfig = c.kubeconfig.to_str().unwrap();
    let out = stockade()
        .args([
            "secrets",
            "--cluster",
            "--kubeconfig",
            kubeconfig,
            "-n",
            &ns,
            "-o",
            "json",
            "--fail-on-broad",
        ])
        .output()
        .unwrap();
    let raw = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!raw.contains("live-hunter2"), "no value");
    assert_eq!(
        out.status.code(),
        Some(1),
        "public is readable by system:authenticated: {raw}"
    );
    let doc: Value = serde_json::from_str(&raw).unwrap();
    let secrets = doc["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 3, "{doc}");
    assert_eq!(secrets[0]["name"], "public", "most exposed first");
    assert_eq!(secrets[0]["broad"], json!(["system:authenticated"]));

    let candidates: Vec<(String, Vec<String>)> = vec![
        (
            "alice".into(),
            vec!["dev".into(), "qa".into(), "system:authenticated".into()],
        ),
        (
            "bob".into(),
            vec!["ops".into(), "system:authenticated".into()],
        ),
        ("carol".into(), vec!["system:authenticated".into()]),
        (
            format!("system:serviceaccount:{ns}:ci"),
            vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{ns}"),
                "system:authenticated".into(),
            ],
        ),
        (
            format!("system:serviceaccount:{ns}:default"),
            vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{ns}"),
                "system:authenticated".into(),
            ],
        ),
        (
            "system:kube-controller-manager".into(),
            vec!["system:authenticated".into()],
        ),
    ];
    let mut checked = 0;
    for s in secrets {
        let name = s["name"].as_str().unwrap();
        let readers: Vec<&str> = s["readers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["verbs"].as_array().unwrap().iter().any(|v| v == "get"))
            .map(|a| a["subject"].as_str().unwrap())
            .collect();
        for (user, groups) in &candidates {
            let predicted = readers.iter().any(|r| {
                if let Some(u) = r.strip_prefix("User ") {
                    u == user
                } else if let Some(g) = r.strip_prefix("Group ") {
                    groups.iter().any(|x| x == g)
                } else if let Some(sa) = r.strip_prefix("ServiceAccount ") {
                    let (n, a) = sa.split_once('/').unwrap();
                    *user == format!("system:serviceaccount:{n}:{a}")
                } else {
                    false
                }
            });
            let (code, review) = c.req(
                "POST",
                "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                Some(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                    "spec": {"user": user, "groups": groups,
                        "resourceAttributes": {"namespace": ns, "verb": "get", "resource": "secrets", "name": name}}})),
            );
            assert_eq!(code, 201, "{review}");
            let allowed = review["status"]["allowed"] == true;
            assert_eq!(
                predicted, allowed,
                "{user} get secret {name}: stockade {predicted}, API server {allowed}\n{s}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 18);
    drop(cleanup);
}
