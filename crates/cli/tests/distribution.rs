//! Distribution: `kubectl stockade` as a kubectl plugin (the binary named kubectl-stockade),
//! the man pages, the krew manifest template.

mod common;

use std::process::Command;

#[test]
fn run_as_kubectl_stockade_it_says_kubectl_stockade() {
    let d = tempfile::tempdir().unwrap();
    let link = d.path().join("kubectl-stockade");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_stockade"), &link).unwrap();
    let out = Command::new(&link)
        .args(["scan", "--help"])
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("Usage: kubectl stockade scan [OPTIONS] [PATHS]..."),
        "{t}"
    );
    // kubectl finds plugins on the PATH by that name and passes the arguments after it.
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg("kubectl-stockade rules -o json")
        .env("PATH", d.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rules.as_array().unwrap().len() > 100);
}

#[test]
fn man_pages_are_written_for_every_command() {
    let d = tempfile::tempdir().unwrap();
    let out = common::stockade()
        .arg("man")
        .arg(d.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let page = std::fs::read_to_string(d.path().join("stockade-policy-eval.1")).unwrap();
    assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
    assert!(page.contains("operation"), "{page}");
    assert!(d.path().join("stockade.1").is_file());
    assert!(d.path().join("stockade-scan.1").is_file());
}

#[test]
fn the_krew_manifest_template_names_the_plugin_binary() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/krew/stockade.yaml"
    ))
    .unwrap();
    let doc: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(doc["kind"], "Plugin");
    for p in doc["spec"]["platforms"].as_array().unwrap() {
        assert_eq!(p["bin"], "kubectl-stockade");
        assert!(p["uri"].as_str().unwrap().starts_with("https://"));
    }
}

#[test]
fn jsonl_streams_one_object_per_line() {
    let out = common::stockade()
        .args(["scan", "--no-config", "-o", "jsonl"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/insecure"
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let findings = lines.iter().filter(|l| l["type"] == "finding").count();
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "summary");
    let counted: u64 = last["bySeverity"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(findings as u64, counted);
    assert!(findings > 20);
}

#[test]
fn version_names_the_data_built_in() {
    let out = common::stockade()
        .args(["version", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    let rules = common::stockade()
        .args(["rules", "-o", "json"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&rules.stdout).unwrap();
    assert_eq!(v["rules"], listed.as_array().unwrap().len());
    assert!(v["cveSnapshot"]["records"].as_u64().unwrap() > 10);
    assert!(
        v["cisBenchmarks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == "cis-1.12")
    );
    let text = common::stockade().arg("version").output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).starts_with("stockade "));
}
