//! `stockade netpol diff` against the real control plane: the manifests as applied, compared
//! with `--cluster` before and after a policy change applied through the API server.

mod common;

use common::{Cleanup, cluster, stockade, unique};
use serde_json::{Value, json};

#[test]
fn a_policy_change_applied_to_the_cluster_shows_in_the_diff() {
    let Some(c) = cluster() else { return };
    let ns = unique("npd");
    let mut cleanup = Cleanup {
        c: &c,
        paths: vec![],
    };
    let deploy = |name: &str, port: u16| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": "registry.example.com/x:1", "ports": [{"containerPort": port}]}]}}}})
    };
    let policy = |port: u16| {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "api-in", "namespace": ns},
            "spec": {"podSelector": {"matchLabels": {"app": "api"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": port}]}]}})
    };
    let objects = [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        deploy("web", 80),
        deploy("api", 8080),
        policy(8080),
    ];
    c.create("/api/v1/namespaces", &objects[0]);
    cleanup.paths.push(format!("/api/v1/namespaces/{ns}"));
    c.create(
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        &objects[1],
    );
    c.create(
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        &objects[2],
    );
    c.create(
        &format!("/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies"),
        &objects[3],
    );
    let d = tempfile::tempdir().unwrap();
    let applied = d.path().join("applied.yaml");
    let text: Vec<String> = objects.iter().map(|o| o.to_string()).collect();
    std::fs::write(&applied, text.join("\n---\n")).unwrap();

    let kubeconfig = c.kubeconfig.to_str().unwrap().to_string();
    let diff = || {
        let out = stockade()
            .args(["netpol", "diff", "-o", "json", "--old"])
            .arg(&applied)
            .args(["--cluster", "--kubeconfig", &kubeconfig])
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        // Only this namespace's pairs: the cluster holds other tests' workloads too (ND003).
        let mine: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["ruleId"] != "ND003")
            .map(|f| {
                format!(
                    "{} {}",
                    f["ruleId"].as_str().unwrap(),
                    f["message"]
                        .as_str()
                        .unwrap()
                        .split("; before:")
                        .next()
                        .unwrap()
                )
            })
            .collect();
        (out.status.code().unwrap_or(-1), mine)
    };
    let (code, mine) = diff();
    assert_eq!(code, 0, "as applied, nothing changes: {mine:?}");
    assert!(mine.is_empty(), "{mine:?}");

    // The change: api now admits web on 9090 instead of 8080.
    let (code, body) = c.req(
        "PUT",
        &format!("/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies/api-in"),
        Some(&policy(9090)),
    );
    assert_eq!(code, 200, "{body}");
    let (code, mine) = diff();
    assert_eq!(code, 1, "connectivity lost: {mine:?}");
    let web = format!("{ns}/Deployment/web → {ns}/Deployment/api");
    assert_eq!(
        mine,
        [
            format!("ND001 {web}: loses TCP 8080"),
            format!("ND002 {web}: gains TCP 9090")
        ],
        "{mine:?}"
    );
    drop(cleanup);
}
