//! `stockade cves`: a version's known vulnerabilities from the embedded OSV snapshot (vendor
//! builds compared as the release they build), components read from objects (Nodes, add-on
//! images) and from the real test control plane, newer data with `--cve-data`, bad data.

mod common;

use common::{cluster, stockade, text};
use serde_json::Value;

fn cves(args: &[&str]) -> (i32, Value, String) {
    let out = stockade()
        .arg("cves")
        .args(["-o", "json"])
        .args(args)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), doc, text(&out))
}

fn ids(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["ruleId"].as_str().unwrap().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[test]
fn a_version_and_its_vendor_builds() {
    let (code, doc, _) = cves(&["--version", "v1.29.3"]);
    assert_eq!(code, 1, "1.29 is past its end of life (high): {doc}");
    assert_eq!(ids(&doc), ["CVE-2024-3177", "CVE-2024-5321", "UP001"]);
    let eol = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["ruleId"] == "UP001")
        .unwrap();
    assert_eq!(eol["severity"], "high");
    assert!(
        eol["message"]
            .as_str()
            .unwrap()
            .contains("reached its end of life on 2025-02-28"),
        "{eol}"
    );
    let m = doc["findings"][0]["message"].as_str().unwrap();
    assert!(m.contains("fixed in 1.29.4 (same minor)"), "{m}");
    assert!(m.contains("CVSS 2.7"), "{m}");
    assert!(
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "cve-data-old"),
        "the snapshot's age is said"
    );
    // A patched EKS build of 1.29.4 is not vulnerable to what 1.29.4 fixed.
    let (_, doc, _) = cves(&["--version", "v1.29.4-eks-4f4795d"]);
    assert!(!ids(&doc).contains(&"CVE-2024-3177".to_string()), "{doc}");
    // The gate.
    let (code, _, _) = cves(&["--version", "v1.29.3", "--fail-on", "low"]);
    assert_eq!(code, 1);
    let (code, _, err) = cves(&["--version", "next"]);
    assert_eq!(code, 2);
    assert!(err.contains("--version"), "{err}");
}

#[test]
fn components_from_objects_and_newer_data() {
    let d = tempfile::tempdir().unwrap();
    let objects = d.path().join("cluster.yaml");
    std::fs::write(
        &objects,
        "apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus:\n  nodeInfo: {kubeletVersion: v1.28.8-eks-1234, kubeProxyVersion: v1.28.8}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\nspec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec:\n      containers:\n      - name: controller\n        image: registry.k8s.io/ingress-nginx/controller:v1.11.1@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
    )
    .unwrap();
    let (code, doc, _) = cves(&[objects.to_str().unwrap()]);
    assert_eq!(code, 1, "CVE-2024-7646 is high: {doc}");
    let found = ids(&doc);
    assert!(found.contains(&"CVE-2024-7646".to_string()), "{found:?}");
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["ruleId"] == "CVE-2024-7646")
        .unwrap();
    assert_eq!(f["object"]["name"], "ingress-nginx-controller");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("fixed in 1.11.2 (same minor)")
    );
    // CVE-2024-5321 (kubelet on Windows, fixed 1.28.12) is found on the node's kubelet.
    assert!(found.contains(&"CVE-2024-5321".to_string()), "{found:?}");

    // Newer data, offline: a record modified today, no warning about the data's age.
    let data = d.path().join("osv");
    std::fs::create_dir_all(&data).unwrap();
    let today = stockade_model::time::today();
    std::fs::write(
        data.join("CVE-2099-0001.json"),
        format!(r#"{{"id": "CVE-2099-0001", "summary": "test record", "modified": "{today}T00:00:00Z", "affected": [{{"package": {{"ecosystem": "kubernetes", "name": "k8s.io/kubelet"}}, "severity": [{{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}}], "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "1.28.0"}}, {{"fixed": "1.28.9"}}]}}]}}]}}"#),
    )
    .unwrap();
    let (code, doc, _) = cves(&[
        objects.to_str().unwrap(),
        "--cve-data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(ids(&doc), ["CVE-2099-0001", "UP001"], "{doc}");
    assert_eq!(doc["findings"][0]["severity"], "critical");
    assert!(
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["code"] != "cve-data-old")
    );
    // Malformed data: named, exit 2.
    std::fs::write(data.join("broken.json"), "{\"id\": ").unwrap();
    let (code, _, err) = cves(&["--version", "v1.28.1", "--cve-data", data.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("broken.json") && err.contains("not OSV JSON"),
        "{err}"
    );
}

#[test]
fn the_test_control_plane_s_own_version() {
    let Some(c) = cluster() else { return };
    let d = tempfile::tempdir().unwrap();
    let v = c.version.trim_start_matches('v').to_string();
    let record = d.path().join("r.json");
    std::fs::write(
        &record,
        format!(r#"[{{"id": "CVE-2099-0002", "summary": "apiserver test record", "modified": "2099-01-01T00:00:00Z", "affected": [{{"package": {{"ecosystem": "kubernetes", "name": "k8s.io/apiserver"}}, "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"last_affected": "{v}"}}]}}]}}]}}]"#),
    )
    .unwrap();
    let kubeconfig = c.kubeconfig.to_str().unwrap().to_string();
    // The release's end of life (UP001) depends on the day the test runs: left out here.
    let not_eol =
        |doc: &Value| -> Vec<String> { ids(doc).into_iter().filter(|i| i != "UP001").collect() };
    let (code, doc, err) = cves(&[
        "--cluster",
        "--kubeconfig",
        &kubeconfig,
        "--fail-on",
        "critical",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        not_eol(&doc),
        Vec::<String>::new(),
        "no record of the snapshot affects {}",
        c.version
    );
    let (code, doc, err) = cves(&[
        "--cluster",
        "--kubeconfig",
        &kubeconfig,
        "--cve-data",
        record.to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(code, 0, "no score: medium: {err}");
    assert_eq!(not_eol(&doc), ["CVE-2099-0002"]);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["ruleId"] == "CVE-2099-0002")
        .unwrap();
    assert_eq!(f["severity"], "medium");
    assert_eq!(f["object"]["kind"], "APIServer");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains(&format!("kube-apiserver {}", c.version)),
        "{f}"
    );
}
