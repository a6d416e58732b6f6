//! `stockade bench` on this machine (`--node-root /`) while the shared test control plane runs:
//! its real kube-apiserver, etcd and kube-controller-manager processes are read from `/proc`,
//! and each verdict is compared with what their command lines say. With `--cluster`, section 5
//! is answered from the same cluster's objects.

mod common;

use common::{cluster, text};
use serde_json::Value;
use std::collections::BTreeMap;

/// The flags of the process whose pid is in `DIR/NAME.pid`: (pid, name → value).
fn flags_of(dir: &str, name: &str) -> (String, BTreeMap<String, String>) {
    let pid = std::fs::read_to_string(format!("{dir}/{name}.pid"))
        .unwrap()
        .trim()
        .to_string();
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let mut m = BTreeMap::new();
    for a in String::from_utf8_lossy(&raw).split('\0').skip(1) {
        if let Some(body) = a.strip_prefix("--") {
            let (k, v) = body.split_once('=').unwrap_or((body, "true"));
            m.insert(k.to_string(), v.to_string());
        }
    }
    (pid, m)
}

#[test]
fn the_real_control_plane_is_judged_by_its_flags() {
    let Some(c) = cluster() else { return };
    let Ok(dir) = std::env::var("STOCKADE_TEST_DIR") else {
        eprintln!("note: STOCKADE_TEST_DIR unset; skipping");
        return;
    };
    let (api_pid, api) = flags_of(&dir, "kube-apiserver");
    let (_, etcd) = flags_of(&dir, "etcd");
    let (_, kcm) = flags_of(&dir, "kube-controller-manager");
    let out = c
        .stockade()
        .args([
            "bench",
            "--no-config",
            "--node-root",
            "/",
            "--node-role",
            "master,etcd",
            "--kubernetes-version",
            &c.version,
            "-o",
            "json",
            "--cluster",
            "--kubeconfig",
        ])
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    let doc: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let check = |id: &str| -> Value {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .clone()
    };
    let status = |id: &str| check(id)["status"].as_str().unwrap().to_string();
    let verdict = |ok: bool| if ok { "pass" } else { "fail" }.to_string();
    let has = |m: &BTreeMap<String, String>, k: &str, e: &str| {
        m.get(k).is_some_and(|v| v.split(',').any(|x| x == e))
    };
    let num = |m: &BTreeMap<String, String>, k: &str| -> i64 {
        m.get(k).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    // The API server: what its flags say, absent ones at their v1.36 defaults.
    let expected = [
        (
            "1.2.1",
            verdict(api.get("anonymous-auth").map(String::as_str) == Some("false")),
        ),
        ("1.2.2", verdict(!api.contains_key("token-auth-file"))),
        ("1.2.7", verdict(has(&api, "authorization-mode", "Node"))),
        ("1.2.8", verdict(has(&api, "authorization-mode", "RBAC"))),
        (
            "1.2.14",
            verdict(has(&api, "enable-admission-plugins", "NodeRestriction")),
        ),
        (
            "1.2.15",
            verdict(api.get("profiling").map(String::as_str) == Some("false")),
        ),
        ("1.2.16", verdict(api.contains_key("audit-log-path"))),
        ("1.2.17", verdict(num(&api, "audit-log-maxage") >= 30)),
        ("1.2.18", verdict(num(&api, "audit-log-maxbackup") >= 10)),
        ("1.2.19", verdict(num(&api, "audit-log-maxsize") >= 100)),
        ("1.2.25", verdict(api.contains_key("client-ca-file"))),
        (
            "1.2.27",
            verdict(api.contains_key("encryption-provider-config")),
        ),
        ("3.2.1", verdict(api.contains_key("audit-policy-file"))),
        (
            "2.2",
            verdict(etcd.get("client-cert-auth").map(String::as_str) == Some("true")),
        ),
        (
            "2.1",
            verdict(etcd.contains_key("cert-file") && etcd.contains_key("key-file")),
        ),
        ("1.3.5", verdict(kcm.contains_key("root-ca-file"))),
        (
            "1.3.2",
            verdict(kcm.get("profiling").map(String::as_str) == Some("false")),
        ),
    ];
    let mut wrong = Vec::new();
    for (id, want) in &expected {
        if status(id) != *want {
            wrong.push(format!(
                "{id}: {} expected {want}: {}",
                status(id),
                check(id)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Each value says where it was read: the running process, or the default.
    let src = check("1.2.2")["observed"][0]["source"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(src.ends_with(&format!("of pid {api_pid}")), "{src}");
    let src = check("1.2.1")["observed"][0]["source"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(src.starts_with("default of kube-apiserver v1.36"), "{src}");
    // The audit policy file the API server uses is judged by the audit-policy rules.
    assert!(["pass", "fail"].contains(&status("3.2.2").as_str()));
    // Section 5 from the cluster's objects: answered by the rules mapped to each
    // recommendation, or manual where none is.
    for id in ["5.1.1", "5.1.3", "5.1.5", "5.2.2", "5.3.2", "5.4.1"] {
        let c = check(id);
        assert!(
            ["pass", "fail"].contains(&c["status"].as_str().unwrap()),
            "{id}: {c}"
        );
    }
    assert!(
        check("5.1.1")["reason"].as_str().unwrap().contains("RB"),
        "{}",
        check("5.1.1")
    );
    assert_eq!(status("5.1.7"), "manual");
    assert_eq!(
        status("4.2.1"),
        "skip",
        "no kubelet in the test control plane"
    );
}
