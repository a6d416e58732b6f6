//! `stockade secrets` offline: exposure from manifests (readers, mounters, users, broad
//! groups, unused Secrets, legacy tokens, order), every format, and encryption at rest found
//! through a node's API server flags; bad input.

mod common;

use common::{stockade, text};
use serde_json::Value;

const MANIFESTS: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
type: Opaque
---
apiVersion: v1
kind: Secret
metadata:
  name: old-token
  namespace: shop
  annotations: {kubernetes.io/service-account.name: builder}
type: kubernetes.io/service-account-token
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: api:1
        env:
        - name: P
          valueFrom: {secretKeyRef: {name: db, key: p}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: read-db, namespace: shop}
rules:
- {apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: everyone-reads-db, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-db}
subjects:
- {kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci-edit, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: ServiceAccount, name: ci, namespace: shop}
"#;

#[test]
fn exposure_from_manifests_in_every_format() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("shop.yaml");
    std::fs::write(&f, MANIFESTS).unwrap();
    let out = stockade()
        .args(["secrets", "-o", "json"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = doc["secrets"].as_array().unwrap();
    assert_eq!(s[0]["name"], "db", "most exposed first: {doc}");
    assert_eq!(s[0]["broad"], serde_json::json!(["system:authenticated"]));
    assert_eq!(s[0]["usedBy"][0]["object"], "Deployment shop/api");
    assert_eq!(s[0]["usedBy"][0]["via"], "env");
    let readers: Vec<&str> = s[0]["readers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["subject"].as_str().unwrap())
        .collect();
    assert!(
        readers.contains(&"Group system:authenticated")
            && readers.contains(&"ServiceAccount shop/ci"),
        "{readers:?}"
    );
    let mounters: Vec<&str> = s[0]["mounters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["subject"].as_str().unwrap())
        .collect();
    assert!(mounters.contains(&"ServiceAccount shop/ci"), "{mounters:?}");
    assert!(!mounters.contains(&"Group system:authenticated"));
    assert_eq!(s[1]["name"], "old-token");
    assert_eq!(s[1]["legacyToken"], true);
    assert_eq!(s[1]["unused"], true);
    // The gate, and the other formats.
    let out = stockade()
        .args(["secrets", "--fail-on-broad"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(
        t.contains("shop/db (Opaque)")
            && t.contains("readable or mountable by system:authenticated"),
        "{t}"
    );
    let out = stockade()
        .args(["secrets", "-o", "markdown"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("| `shop/db` |"));
    // Without the bootstrap roles, `edit` does not exist: only the explicit Role grants.
    let out = stockade()
        .args(["secrets", "--no-defaults", "-o", "json"])
        .arg(&f)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["secrets"][0]["readers"].as_array().unwrap().len(),
        1,
        "{doc}"
    );
}

fn node(root: &std::path::Path, flag: Option<&str>, config: Option<&str>) {
    let m = root.join("etc/kubernetes/manifests");
    std::fs::create_dir_all(&m).unwrap();
    let mut cmd = "    - kube-apiserver\n    - --secure-port=6443\n".to_string();
    if let Some(f) = flag {
        cmd.push_str(&format!("    - --encryption-provider-config={f}\n"));
    }
    std::fs::write(
        m.join("kube-apiserver.yaml"),
        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.36.3\n    command:\n{cmd}"),
    )
    .unwrap();
    if let (Some(f), Some(c)) = (flag, config) {
        let p = root.join(f.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, c).unwrap();
    }
}

#[test]
fn encryption_found_through_the_node_s_api_server() {
    let secretbox = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys: [{name: k1, secret: c3RvY2thZGUtdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=}]\n  - identity: {}\n";
    let d = tempfile::tempdir().unwrap();
    node(
        d.path(),
        Some("/etc/kubernetes/enc/enc.yaml"),
        Some(secretbox),
    );
    let out = stockade()
        .args(["secrets", "--node-root"])
        .arg(d.path())
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{t}{}", text(&out));
    assert!(
        t.contains("/etc/kubernetes/enc/enc.yaml:6:") && t.contains("encrypted by secretbox"),
        "{t}"
    );
    assert!(!t.contains("c3RvY2thZGU"), "the key is never shown: {t}");
    let d = tempfile::tempdir().unwrap();
    node(d.path(), None, None);
    let out = stockade()
        .args(["secrets", "--node-root"])
        .arg(d.path())
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["encryption"][0]["encrypted"], false, "{doc}");
    let empty = tempfile::tempdir().unwrap();
    let out = stockade()
        .args(["secrets", "--node-root"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("no kube-apiserver found"),
        "{}",
        text(&out)
    );
    let out = stockade()
        .args(["secrets", "--encryption-config", "/nonexistent.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("/nonexistent.yaml"));
}
