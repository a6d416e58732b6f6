//! deploy/bench-daemonset.yaml: Stockade's own scan finds exactly the host access it documents,
//! the real API server accepts every object, and the command it runs is valid: `--every` runs
//! again after the interval and stops cleanly on SIGTERM.

mod common;

use common::{stockade, text};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/bench-daemonset.yaml")
}

fn docs() -> Vec<Value> {
    let text = std::fs::read_to_string(manifest()).unwrap();
    text.split("\n---\n")
        .map(|d| serde_saphyr::from_str::<Value>(d).unwrap())
        .collect()
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter().find(|d| d["kind"] == kind).unwrap()
}

#[test]
fn the_scan_finds_only_the_documented_host_access() {
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json", "--fail-on", "critical"])
        .arg(manifest())
        .output()
        .unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let rules: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["ruleId"].as_str().unwrap())
        .collect();
    // hostPID (WL009), read-only hostPath mounts (WL011, PSS004), uid 0 (WL003, PSS017): the
    // header of the manifest and docs/bench.md say why each is needed.
    assert_eq!(
        rules,
        BTreeSet::from(["PSS004", "PSS017", "WL003", "WL009", "WL011"]),
        "{report}"
    );
    let docs = docs();
    let pod = &find(&docs, "DaemonSet")["spec"]["template"]["spec"];
    assert_eq!(pod["automountServiceAccountToken"], false);
    let c = &pod["containers"][0];
    assert_eq!(c["securityContext"]["capabilities"]["drop"][0], "ALL");
    assert!(
        c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["readOnly"] == true)
    );
}

#[test]
fn the_api_server_accepts_every_object() {
    let Some(c) = common::cluster() else { return };
    // A namespace of its own per run (a deleted one stays terminating for a while).
    let name = common::unique("bench");
    let mut docs = docs();
    for d in &mut docs {
        if d["kind"] == "Namespace" {
            d["metadata"]["name"] = name.clone().into();
        } else {
            d["metadata"]["namespace"] = name.clone().into();
        }
    }
    let ns = find(&docs, "Namespace");
    let _cleanup = common::Cleanup {
        c: &c,
        paths: vec![format!("/api/v1/namespaces/{name}")],
    };
    c.create_or_keep("/api/v1/namespaces", ns);
    for o in docs.iter().filter(|d| d["kind"] != "Namespace") {
        let collection = match o["kind"].as_str().unwrap() {
            "ServiceAccount" => format!("/api/v1/namespaces/{name}/serviceaccounts"),
            "NetworkPolicy" => {
                format!("/apis/networking.k8s.io/v1/namespaces/{name}/networkpolicies")
            }
            "DaemonSet" => format!("/apis/apps/v1/namespaces/{name}/daemonsets"),
            k => panic!("unexpected kind {k}"),
        };
        let (code, body) = c.req(
            "POST",
            &format!("{collection}?dryRun=All&fieldValidation=Strict"),
            Some(o),
        );
        assert_eq!(code, 201, "{}: {body}", o["kind"]);
    }
}

#[test]
fn its_command_runs_again_and_stops_on_sigterm() {
    let docs = docs();
    let args: Vec<String> =
        find(&docs, "DaemonSet")["spec"]["template"]["spec"]["containers"][0]["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .filter(|a| !a.starts_with("--node-root") && !a.starts_with("--every"))
            .collect();
    let root = tempfile::tempdir().unwrap();
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(&args)
        .arg("--every=1s")
        .arg("--node-root")
        .arg(root.path())
        .stdout(out.reopen().unwrap())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a SIGTERM is a clean stop");
    let printed = std::fs::read_to_string(out.path()).unwrap();
    let runs = printed.matches("\"schemaVersion\"").count();
    assert!(
        runs >= 2,
        "evaluated again after 1s: {runs} run(s)\n{printed}"
    );
    let first: Value =
        serde_json::from_str(&printed[..printed.find("\n}\n").unwrap() + 2]).unwrap();
    assert!(
        first["problems"][0]
            .as_str()
            .unwrap()
            .contains("not a node")
    );
    // Usage errors.
    let bad = stockade()
        .args(["bench", "--every", "soon"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("--every"), "{}", text(&bad));
}
