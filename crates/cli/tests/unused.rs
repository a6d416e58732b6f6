//! `stockade unused`: on manifests, and with `--cluster` against the real control plane that
//! scripts/test.sh starts (etcd + kube-apiserver + kube-controller-manager on loopback). Setup
//! requests go through `curl` as the admin user, as in tests/cluster.rs (the crate has no HTTP
//! client of its own). Without the control plane the cluster test prints a note and passes,
//! unless STOCKADE_REQUIRE_CLUSTER=1 (set by scripts/test.sh), where it fails.

mod common;

use common::{Cleanup, cluster, json_out, stockade, unique};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// (rule id, object kind, object name) of every finding.
fn triples(report: &Value) -> BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap().to_string(),
                f["object"]["kind"].as_str().unwrap().to_string(),
                f["object"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    items
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

const APP: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: idle, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: stale, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      containers:
      - name: web
        image: nginx
        env: [{name: DB, valueFrom: {secretKeyRef: {name: db, key: password}}}]
      volumes: [{name: s, configMap: {name: settings}}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-old}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /data}}
status: {phase: Released}
"#;

#[test]
fn manifests_are_grouped_by_namespace_with_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.yaml");
    std::fs::write(&file, APP).unwrap();
    let out = stockade()
        .args(["unused", "--no-config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let cluster_at = text.find("cluster-scoped (1)").expect(&text);
    let shop_at = text.find("namespace shop (2)").expect(&text);
    assert!(cluster_at < shop_at, "{text}");
    assert!(text.contains("HY003 unused-secret"), "{text}");
    assert!(text.contains("Secret/stale"), "{text}");
    assert!(text.contains("ServiceAccount/idle"), "{text}");
    assert!(
        text.contains("(confidence: medium: manifests outside the inputs could refer to it)"),
        "{text}"
    );
    assert!(text.contains("at ") && text.contains("app.yaml:"), "{text}");
    for used in [
        "Secret/db",
        "ConfigMap/settings",
        "ServiceAccount/web",
        "Service/web",
    ] {
        assert!(!text.contains(used), "{used} is used: {text}");
    }

    let out = stockade()
        .args(["unused", "--no-config", "-o", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let report = json_out(&out);
    assert_eq!(
        triples(&report),
        set(&[
            ("HY001", "ServiceAccount", "idle"),
            ("HY003", "Secret", "stale"),
            ("HY006", "PersistentVolume", "pv-old"),
        ])
    );
    // Medium confidence (manifests) lowers HY003's low to info; HY006 reads the API server's
    // own status, so it keeps its severity.
    let sev = |id: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["ruleId"] == id)
            .unwrap()["severity"]
            .clone()
    };
    assert_eq!(sev("HY003"), "info");
    assert_eq!(sev("HY006"), "medium");
}

#[test]
fn fail_on_disable_and_bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.yaml");
    std::fs::write(&file, APP).unwrap();
    stockade()
        .args(["unused", "--no-config", "--fail-on", "medium"])
        .arg(&file)
        .assert()
        .code(1);
    stockade()
        .args([
            "unused",
            "--no-config",
            "--fail-on",
            "medium",
            "--disable",
            "released-persistent-volume",
        ])
        .arg(&file)
        .assert()
        .code(0);
    let out = stockade()
        .args([
            "unused",
            "--no-config",
            "--disable",
            "hygiene",
            "-o",
            "json",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        json_out(&out)["findings"].as_array().unwrap().is_empty(),
        "{out:?}"
    );
    stockade()
        .args(["unused", "--no-config", "/nonexistent/path.yaml"])
        .assert()
        .code(2);
    stockade()
        .args(["unused", "--no-config", "--disable", "no-such-rule"])
        .arg(&file)
        .assert()
        .code(2);
    // Stdin works as for scan.
    let out = stockade()
        .args(["unused", "--no-config", "-o", "json", "-"])
        .write_stdin(APP)
        .output()
        .unwrap();
    assert_eq!(json_out(&out)["findings"].as_array().unwrap().len(), 3);
}

#[test]
fn live_cluster_lists_exactly_the_leftovers() {
    let Some(c) = cluster() else { return };
    let ns = unique("unused");
    let pv_unbound = format!("{ns}-unbound");
    let pv_released = format!("{ns}-released");
    let node_gone = format!("{ns}-gone");
    let node_ok = format!("{ns}-ok");
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![
            format!("/api/v1/namespaces/{ns}"),
            format!("/api/v1/persistentvolumes/{pv_unbound}"),
            format!("/api/v1/persistentvolumes/{pv_released}"),
            format!("/api/v1/nodes/{node_gone}"),
            format!("/api/v1/nodes/{node_ok}"),
        ],
    };
    let api = format!("/api/v1/namespaces/{ns}");
    c.create(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    );
    let obj = |kind: &str, name: &str, extra: Value| {
        let mut v =
            json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": ns}});
        if let (Some(m), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            for (k, x) in e {
                m.insert(k.clone(), x.clone());
            }
        }
        v
    };
    // What the application uses.
    c.create(
        &format!("{api}/serviceaccounts"),
        &obj("ServiceAccount", "app-sa", json!({})),
    );
    c.create(
        &format!("{api}/secrets"),
        &obj(
            "Secret",
            "app-secret",
            json!({"stringData": {"password": "x"}}),
        ),
    );
    c.create(
        &format!("{api}/configmaps"),
        &obj("ConfigMap", "app-config", json!({"data": {"a": "b"}})),
    );
    c.create(
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app", "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app": "app"}},
                "template": {"metadata": {"labels": {"app": "app"}},
                    "spec": {"serviceAccountName": "app-sa",
                        "containers": [{"name": "app", "image": "nginx",
                            "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "app-secret", "key": "password"}}}]}],
                        "volumes": [{"name": "c", "configMap": {"name": "app-config"}}]}}}}),
    );
    c.create(
        &format!("{api}/services"),
        &obj(
            "Service",
            "app",
            json!({"spec": {"selector": {"app": "app"}, "ports": [{"port": 80}]}}),
        ),
    );
    // Leftovers.
    c.create(
        &format!("{api}/secrets"),
        &obj("Secret", "stale-secret", json!({"stringData": {"k": "v"}})),
    );
    c.create(
        &format!("{api}/configmaps"),
        &obj("ConfigMap", "stale-config", json!({"data": {"a": "b"}})),
    );
    c.create(
        &format!("{api}/serviceaccounts"),
        &obj("ServiceAccount", "idle-sa", json!({})),
    );
    // The API server accepts a token Secret for a ServiceAccount that does not exist; the test
    // control plane runs no token controller, so nothing deletes it (see docs/unused.md).
    c.create(
        &format!("{api}/secrets"),
        &json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "ghost-token", "namespace": ns,
                "annotations": {"kubernetes.io/service-account.name": "ghost"}}}),
    );
    c.create(
        &format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "to-ghost", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "ServiceAccount", "name": "ghost", "namespace": ns}]}),
    );
    c.create(
        &format!("{api}/services"),
        &obj(
            "Service",
            "orphan-svc",
            json!({"spec": {"selector": {"app": "gone"}, "ports": [{"port": 80}]}}),
        ),
    );
    c.create(
        &format!("/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses"),
        &json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "to-missing", "namespace": ns},
            "spec": {"rules": [{"http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "app", "port": {"number": 80}}}},
                {"path": "/old", "pathType": "Prefix", "backend": {"service": {"name": "missing-svc", "port": {"number": 80}}}}]}}]}}),
    );
    for (name, claim) in [(&pv_unbound, None), (&pv_released, Some("deleted-claim"))] {
        let mut spec = json!({"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain", "hostPath": {"path": "/tmp/stockade-test"}});
        if let Some(claim) = claim {
            spec["claimRef"] = json!({"namespace": ns, "name": claim});
        }
        c.create(
            "/api/v1/persistentvolumes",
            &json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name}, "spec": spec}),
        );
        // No PV controller runs here: set the phase it would have set.
        let phase = if claim.is_some() {
            "Released"
        } else {
            "Available"
        };
        c.patch_status(
            &format!("/api/v1/persistentvolumes/{name}"),
            &json!({"phase": phase}),
        );
    }
    // Nodes without kubelets: created directly, status set through the status subresource.
    for (name, version, ready, since) in [
        (&node_gone, "v1.30.2", "Unknown", "2025-01-02T03:04:05Z"),
        (&node_ok, c.version.as_str(), "True", "2025-01-02T03:04:05Z"),
    ] {
        c.create(
            "/api/v1/nodes",
            &json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}),
        );
        c.patch_status(
            &format!("/api/v1/nodes/{name}"),
            &json!({"nodeInfo": {"kubeletVersion": version, "kubeProxyVersion": version,
                        "machineID": "m", "systemUUID": "s", "bootID": "b", "kernelVersion": "6",
                        "osImage": "test", "containerRuntimeVersion": "containerd://2", "operatingSystem": "linux", "architecture": "amd64"},
                    "conditions": [{"type": "Ready", "status": ready, "reason": "Test",
                        "lastHeartbeatTime": since, "lastTransitionTime": since}]}),
        );
    }
    // The token Secret for a missing ServiceAccount is still there.
    let (code, _) = c.req_as(
        "GET",
        &format!("{api}/secrets/ghost-token"),
        None,
        "application/json",
    );
    assert_eq!(
        code, 200,
        "the API server or a controller removed the ghost token Secret"
    );

    let out = stockade()
        .args(["unused", "--no-config", "--cluster", "--kubeconfig"])
        .arg(&c.kubeconfig)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = json_out(&out);
    let mine: BTreeSet<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["object"]["namespace"] == ns.as_str()
                || f["object"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&ns))
        })
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap().to_string(),
                f["object"]["kind"].as_str().unwrap().to_string(),
                f["object"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = set(&[
        ("HY001", "ServiceAccount", "idle-sa"),
        ("HY002", "Secret", "ghost-token"),
        ("HY003", "Secret", "stale-secret"),
        ("HY004", "ConfigMap", "stale-config"),
        ("HY006", "PersistentVolume", &pv_unbound),
        ("HY006", "PersistentVolume", &pv_released),
        ("HY007", "Service", "orphan-svc"),
        ("HY008", "Ingress", "to-missing"),
        ("HY011", "Node", &node_gone),
        ("HY012", "Node", &node_gone),
        ("RB016", "RoleBinding", "to-ghost"),
    ]);
    assert_eq!(
        mine,
        expected,
        "{}",
        serde_json::to_string_pretty(&report).unwrap()
    );
    // Live objects are judged with high confidence, at the rules' own severities.
    for f in report["findings"].as_array().unwrap() {
        if f["object"]["namespace"] == ns.as_str()
            && f["ruleId"].as_str().unwrap().starts_with("HY")
        {
            let m = f["message"].as_str().unwrap();
            assert!(
                m.contains("(confidence: high: read from a live cluster)"),
                "{m}"
            );
        }
    }
    let msg = |id: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["ruleId"] == id
                    && (f["object"]["namespace"] == ns.as_str()
                        || f["object"]["name"]
                            .as_str()
                            .is_some_and(|n| n.starts_with(&ns)))
            })
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(msg("HY002").contains("ServiceAccount ghost no longer exists"));
    assert!(msg("HY008").contains("missing-svc"));
    assert!(msg("HY012").contains("v1.30.2"), "{}", msg("HY012"));

    // The table groups by namespace.
    let out = stockade()
        .args(["unused", "--no-config", "--cluster", "--kubeconfig"])
        .arg(&c.kubeconfig)
        .args(["-n", &ns])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("namespace {ns} (7)")), "{text}");
    assert!(
        !text.contains("cluster-scoped"),
        "-n leaves cluster-scoped objects out: {text}"
    );
}
