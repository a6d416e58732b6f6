//! `stockade upgrade-check` offline: every API version removed in 1.22, 1.25, 1.26, 1.27, 1.29
//! and 1.32 found by an upgrade to that release and not before; the upgrade path, end of life,
//! Pod Security changes between releases, audit-log callers and kubectl clients; bad input.

mod common;

use common::{stockade, text};
use serde_json::Value;
use std::path::PathBuf;

fn upgrade(args: &[&str]) -> (i32, Value, String) {
    let out = stockade()
        .arg("upgrade-check")
        .args(["-o", "json"])
        .args(args)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), doc, text(&out))
}

fn findings<'a>(doc: &'a Value, rule: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ruleId"] == rule)
        .collect()
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/removed-apis")
        .join(name)
}

#[test]
fn every_removed_api_of_each_release_breaks_that_upgrade_and_not_the_one_before() {
    for release in [22u32, 25, 26, 27, 29, 32] {
        let file = fixture(&format!("1.{release}.yaml"));
        let text = std::fs::read_to_string(&file).unwrap();
        let objects = text.matches("\nkind: ").count();
        let path = file.to_str().unwrap();
        let to = format!("v1.{release}");
        let from = format!("v1.{}.0", release - 1);
        let (code, doc, err) = upgrade(&["--to", &to, "--from", &from, path]);
        assert_eq!(code, 1, "1.{release}: {err}");
        let removed: Vec<&Value> = findings(&doc, "HY013")
            .into_iter()
            .filter(|f| f["severity"] == "high")
            .collect();
        assert_eq!(removed.len(), objects, "1.{release}: every object: {doc}");
        for f in &removed {
            let m = f["message"].as_str().unwrap();
            assert!(m.contains(&format!("was removed in 1.{release}")), "{m}");
            assert_eq!(f["fieldPath"], "apiVersion");
            assert!(f["location"]["line"].as_u64().unwrap() > 0);
        }
        // One release earlier nothing is removed yet: deprecated (low) at most.
        let before = format!("v1.{}", release - 1);
        let from = format!("v1.{}.0", release - 2);
        let (_, doc, _) = upgrade(&["--to", &before, "--from", &from, path]);
        assert!(
            findings(&doc, "HY013")
                .iter()
                .all(|f| f["severity"] == "low"),
            "1.{release} removals are not yet removed in {before}: {doc}"
        );
    }
}

#[test]
fn versions_alone_path_end_of_life_and_fixed_cves() {
    let (code, doc, err) = upgrade(&["--to", "v1.30", "--from", "v1.27.3"]);
    assert_eq!(code, 1, "1.27 is past its end of life: {err}");
    let path = findings(&doc, "UP005");
    assert_eq!(path.len(), 1);
    assert!(
        path[0]["message"]
            .as_str()
            .unwrap()
            .contains("1.27 → 1.28 → 1.29 → 1.30 (3 upgrades)"),
        "{doc}"
    );
    let eol = findings(&doc, "UP001");
    assert!(
        eol.iter().any(|f| f["object"]["name"] == "v1.27.3"
            && f["message"].as_str().unwrap().contains("2024-06-28")),
        "{doc}"
    );
    assert!(
        eol.iter().any(|f| f["object"]["name"] == "v1.30"
            && f["message"].as_str().unwrap().contains("2025-07-15")),
        "the target is past its end of life too: {doc}"
    );
    // CVE-2024-3177 affects 1.27.3 (fixed in 1.27.13) and not 1.30.0: fixed by the upgrade.
    let fixed = findings(&doc, "UP006");
    assert!(
        fixed.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .contains("fixes CVE-2024-3177")
            && f["severity"] == "info"),
        "{doc}"
    );
    // A patch given exactly is the target: 1.30.0 still has CVE-2024-5321 (fixed in 1.30.3);
    // a minor alone means its newest patch, which has the fix.
    let (_, doc, _) = upgrade(&["--to", "v1.30.0", "--from", "v1.29.3"]);
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["ruleId"] == "CVE-2024-5321" && f["object"]["name"] == "v1.30.0"),
        "{doc}"
    );
    assert!(
        findings(&doc, "UP006")
            .iter()
            .all(|f| !f["message"].as_str().unwrap().contains("CVE-2024-5321"))
    );
    let (_, doc, _) = upgrade(&["--to", "v1.30", "--from", "v1.29.3"]);
    assert!(findings(&doc, "CVE-2024-5321").is_empty(), "{doc}");
    assert!(
        findings(&doc, "UP006")
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("CVE-2024-5321")),
        "{doc}"
    );
    // One minor: no path note.
    let (_, doc, _) = upgrade(&["--to", "v1.30", "--from", "v1.29.3"]);
    assert!(findings(&doc, "UP005").is_empty());
}

#[test]
fn pod_security_that_tightens_between_the_releases() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("shop.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: pinned\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/enforce-version: v1.33\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n        livenessProbe:\n          httpGet: {host: 10.0.0.9, path: /, port: 80}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: pinned}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n        livenessProbe:\n          httpGet: {host: 10.0.0.9, path: /, port: 80}\n",
    )
    .unwrap();
    let p = f.to_str().unwrap();
    // Baseline forbids probe hosts from 1.34: 1.33 → 1.34 tightens the `latest` namespace only.
    let (_, doc, _) = upgrade(&["--to", "v1.34", "--from", "v1.33.1", p]);
    let up = findings(&doc, "UP004");
    assert_eq!(up.len(), 1, "{doc}");
    assert_eq!(up[0]["object"]["namespace"], "shop");
    assert_eq!(up[0]["severity"], "medium");
    assert!(
        up[0]["fieldPath"]
            .as_str()
            .unwrap()
            .contains("livenessProbe"),
        "{}",
        up[0]
    );
    assert!(
        up[0]["message"]
            .as_str()
            .unwrap()
            .contains("hostProbesAndHostLifecycle")
    );
    // 1.34 → 1.35: the check was already there.
    let (_, doc, _) = upgrade(&["--to", "v1.35", "--from", "v1.34.0", p]);
    assert!(findings(&doc, "UP004").is_empty(), "{doc}");
    // Without a current release: said, not guessed.
    let (_, doc, _) = upgrade(&["--to", "v1.35", p]);
    assert!(findings(&doc, "UP004").is_empty());
    assert!(
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "no-current-version"),
        "{doc}"
    );
}

#[test]
fn audit_log_callers_of_removed_apis_and_kubectl_clients() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("audit.log");
    let ev = |id: u32,
              user: &str,
              agent: &str,
              uri: &str,
              group: &str,
              version: &str,
              resource: &str,
              removed: Option<&str>| {
        let mut ann = serde_json::json!({"authorization.k8s.io/decision": "allow"});
        if let Some(r) = removed {
            ann["k8s.io/deprecated"] = "true".into();
            ann["k8s.io/removed-release"] = r.into();
        }
        serde_json::json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": format!("00000000-0000-4000-8000-{id:012}"), "stage": "ResponseComplete",
            "requestURI": uri, "verb": "list", "user": {"username": user, "groups": ["system:authenticated"]},
            "sourceIPs": ["10.1.2.3"], "userAgent": agent,
            "objectRef": {"resource": resource, "apiGroup": group, "apiVersion": version},
            "responseStatus": {"code": 200},
            "requestReceivedTimestamp": format!("2026-11-0{}T10:00:00.000000Z", 1 + id % 5),
            "stageTimestamp": "2026-11-01T10:00:00.000001Z", "annotations": ann})
        .to_string()
    };
    let lines = [
        ev(
            1,
            "system:serviceaccount:ops:exporter",
            "exporter/2.0",
            "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas",
            "flowcontrol.apiserver.k8s.io",
            "v1beta3",
            "flowschemas",
            Some("1.32"),
        ),
        ev(
            2,
            "system:serviceaccount:ops:exporter",
            "exporter/2.0",
            "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas",
            "flowcontrol.apiserver.k8s.io",
            "v1beta3",
            "flowschemas",
            Some("1.32"),
        ),
        ev(
            3,
            "ci",
            "deployer/1.0",
            "/apis/networking.k8s.io/v1beta1/servicecidrs",
            "networking.k8s.io",
            "v1beta1",
            "servicecidrs",
            Some("1.37"),
        ),
        ev(
            4,
            "alice",
            "kubectl/v1.28.4 (linux/amd64) kubernetes/abcdef0",
            "/api/v1/pods",
            "",
            "v1",
            "pods",
            None,
        ),
        ev(
            5,
            "bob",
            "kubectl/v1.31.0 (darwin/arm64) kubernetes/abcdef0",
            "/api/v1/pods",
            "",
            "v1",
            "pods",
            None,
        ),
        "not an event".to_string(),
    ];
    std::fs::write(&log, lines.join("\n")).unwrap();
    let l = log.to_str().unwrap();
    let (code, doc, err) = upgrade(&["--to", "v1.32", "--from", "v1.31.2", "--audit-log", l]);
    assert_eq!(code, 1, "{err}");
    let callers = findings(&doc, "UP002");
    assert_eq!(callers.len(), 2, "{doc}");
    let exporter = callers
        .iter()
        .find(|f| f["object"]["name"] == "system:serviceaccount:ops:exporter")
        .unwrap();
    assert_eq!(exporter["severity"], "high");
    let m = exporter["message"].as_str().unwrap();
    assert!(
        m.contains("2 time(s)")
            && m.contains("removed in 1.32")
            && m.contains("exporter/2.0")
            && m.contains("10.1.2.3"),
        "{m}"
    );
    assert_eq!(exporter["location"]["line"], 1);
    let ci = callers
        .iter()
        .find(|f| f["object"]["name"] == "ci")
        .unwrap();
    assert_eq!(ci["severity"], "low", "removed after the target: {ci}");
    // kubectl within one minor of 1.32 is fine; 1.28 is four away.
    let kubectl = findings(&doc, "UP003");
    assert_eq!(kubectl.len(), 1, "{doc}");
    assert!(
        kubectl[0]["message"]
            .as_str()
            .unwrap()
            .contains("alice uses kubectl v1.28.4")
    );
    assert!(
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "audit-lines-skipped"),
        "{doc}"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    for (args, says) in [
        (vec!["--to", "soon"], "--to"),
        (vec!["--to", "v2.1"], "--to"),
        (vec!["--to", "v1.37", "--from", "yesterday"], "--from"),
    ] {
        let (code, _, err) = upgrade(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(says), "{err}");
    }
    let (code, doc, _) = upgrade(&["--to", "v1.30", "--from", "v1.33.0"]);
    assert_eq!(code, 2, "a downgrade: {doc}");
    assert!(doc["diagnostics"].as_array().unwrap().iter().any(|d| {
        d["code"] == "downgrade"
            && d["message"]
                .as_str()
                .unwrap()
                .contains("does not support downgrades")
    }));
    let (code, _, err) = upgrade(&["--to", "v1.37", "--audit-log", "/nonexistent/audit.log"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn flags_a_node_still_passes_that_the_target_removed() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let manifests = root.join("etc/kubernetes/manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    std::fs::write(
        manifests.join("kube-apiserver.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.23.17\n    command:\n    - kube-apiserver\n    - --insecure-port=0\n    - --secure-port=6443\n",
    )
    .unwrap();
    let proc = root.join("proc/4242");
    std::fs::create_dir_all(&proc).unwrap();
    std::fs::write(
        proc.join("cmdline"),
        b"/usr/bin/kubelet\0--network-plugin=cni\0--config=/var/lib/kubelet/config.yaml\0",
    )
    .unwrap();
    std::fs::write(proc.join("environ"), b"PATH=/usr/bin\0").unwrap();
    let r = root.to_str().unwrap();
    let (code, doc, err) = upgrade(&["--to", "v1.24", "--from", "v1.23.17", "--node-root", r]);
    assert_eq!(code, 1, "{err}");
    let removed = findings(&doc, "UP007");
    let msgs: Vec<&str> = removed
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(removed.len(), 2, "{msgs:?}");
    let api = removed
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("--insecure-port"))
        .unwrap();
    assert_eq!(api["location"]["line"], 12, "{api}");
    assert!(
        api["message"]
            .as_str()
            .unwrap()
            .contains("which 1.24 removed")
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("kubelet is started with --network-plugin (pid 4242)")),
        "{msgs:?}"
    );
    // From 1.24 on, those removals are behind: nothing more for 1.25.
    let (_, doc, _) = upgrade(&["--to", "v1.25", "--from", "v1.24.0", "--node-root", r]);
    assert!(findings(&doc, "UP007").is_empty(), "{doc}");
}
