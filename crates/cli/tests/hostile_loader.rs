//! Evasion through the loader: a repeated key must be judged as the API server stores it (the
//! last value), and a repeat that changes the value is an input error naming both places.

mod common;

use common::{stockade, text};

const DUPLICATE_PRIVILEGED: &str = "apiVersion: v1
kind: Pod
metadata:
  name: sneaky
  namespace: apps
spec:
  containers:
  - name: c
    image: registry.example.com/app:1.0.0
    securityContext:
      privileged: false
      runAsNonRoot: true
      privileged: true
";

#[test]
fn a_repeated_key_is_judged_by_its_last_value_and_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("pod.yaml");
    std::fs::write(&f, DUPLICATE_PRIVILEGED).unwrap();
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json"])
        .arg(&f)
        .output()
        .unwrap();
    // Exit 2: an input error, with the findings for the value the API server keeps.
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let wl001 = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["ruleId"] == "WL001")
        .expect("the pod is privileged: its last `privileged` is true");
    assert_eq!(wl001["location"]["line"], 13);
    let d0 = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "duplicate-key")
        .expect("a duplicate-key diagnostic");
    assert_eq!(d0["level"], "error");
    assert_eq!(d0["line"], 13);
    let msg = d0["message"].as_str().unwrap();
    assert!(
        msg.contains("first at line 11") && msg.contains("last value"),
        "{msg}"
    );
    // `stockade pss`: the pod fails baseline (privileged), as the real PodSecurity admission says.
    let out = stockade()
        .args(["pss", "--level", "baseline", "-o", "json"])
        .arg(&f)
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&out.stdout);
    assert_ne!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("privileged"), "{t}");
}

#[test]
fn a_repeated_key_with_the_same_value_is_a_warning() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("cm.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: apps}\ndata: {a: x, a: x}\n",
    )
    .unwrap();
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json"])
        .arg(&f)
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d0 = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "duplicate-key")
        .unwrap();
    assert_eq!(d0["level"], "warning");
}

const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: linked
  namespace: apps
spec:
  containers:
  - name: c
    image: registry.example.com/app:1.0.0
    securityContext:
      privileged: true
";

fn scan_json(dir: &std::path::Path, cwd: &std::path::Path) -> (Option<i32>, serde_json::Value) {
    let out = stockade()
        .current_dir(cwd)
        .args(["scan", "--no-config", "-o", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let r = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (out.status.code(), r)
}

fn codes(r: &serde_json::Value) -> Vec<(String, String)> {
    r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn a_directory_holding_only_a_symlink_to_a_privileged_pod_is_scanned() {
    let d = tempfile::tempdir().unwrap();
    let real = d.path().join("real");
    let scanned = d.path().join("scanned");
    std::fs::create_dir_all(real.join("nested")).unwrap();
    std::fs::create_dir_all(&scanned).unwrap();
    std::fs::write(real.join("pod.yaml"), PRIVILEGED_POD).unwrap();
    std::fs::write(
        real.join("nested/other.yaml"),
        PRIVILEGED_POD.replace("linked", "nested"),
    )
    .unwrap();
    // A link to a file and a link to a directory, both inside the working directory.
    std::os::unix::fs::symlink(real.join("pod.yaml"), scanned.join("pod.yaml")).unwrap();
    std::os::unix::fs::symlink(real.join("nested"), scanned.join("dir")).unwrap();
    let (code, r) = scan_json(&scanned, d.path());
    assert_eq!(code, Some(1), "{r}");
    let privileged: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ruleId"] == "WL001")
        .map(|f| f["object"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(privileged, ["nested", "linked"], "{r}");
    assert_eq!(r["summary"]["filesScanned"], 2, "{r}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_dangling_links_and_links_leaving_the_tree_are_named_not_skipped_silently() {
    let d = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let scanned = d.path().join("scanned");
    std::fs::create_dir_all(scanned.join("sub")).unwrap();
    std::fs::write(outside.path().join("config.yaml"), PRIVILEGED_POD).unwrap();
    std::os::unix::fs::symlink(&scanned, scanned.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink(d.path().join("gone.yaml"), scanned.join("dangling.yaml")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("config.yaml"),
        scanned.join("creds.yaml"),
    )
    .unwrap();
    let (code, r) = scan_json(&scanned, d.path());
    // Nothing read: no findings, warnings only.
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["findings"].as_array().unwrap().len(), 0, "{r}");
    let got = codes(&r);
    let has =
        |code: &str, file_end: &str| got.iter().any(|(c, f)| c == code && f.ends_with(file_end));
    assert!(has("symlink-loop", "sub/loop"), "{got:?}");
    assert!(has("symlink-dangling", "dangling.yaml"), "{got:?}");
    assert!(has("symlink-outside", "creds.yaml"), "{got:?}");
    for d in r["diagnostics"].as_array().unwrap() {
        assert_eq!(d["level"], "warning", "{d}");
    }
    // Naming the target on the command line reads it.
    let (code, r) = scan_json(&outside.path().join("config.yaml"), d.path());
    assert_eq!(code, Some(1), "{r}");
}

/// A document may hold at most `--max-document-nodes` keys and values: one huge document is
/// refused with its place and the limit, and the documents around it are still scanned.
#[test]
fn a_document_over_the_node_budget_is_refused_and_the_rest_is_scanned() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("mixed.yaml");
    let mut big = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\n  namespace: apps\ndata:\n",
    );
    for i in 0..5_000 {
        big.push_str(&format!("  k{i}: v\n"));
    }
    std::fs::write(&f, format!("{big}---\n{PRIVILEGED_POD}")).unwrap();
    let out = stockade()
        .args([
            "scan",
            "--no-config",
            "-o",
            "json",
            "--max-document-nodes",
            "2000",
        ])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diag = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "node-limit")
        .unwrap_or_else(|| panic!("no node-limit diagnostic: {r}"));
    assert_eq!(diag["level"], "error", "{diag}");
    assert!(diag["line"].as_u64().unwrap() > 6, "{diag}");
    assert!(diag["message"].as_str().unwrap().contains("2000"), "{diag}");
    // The privileged Pod after it is still judged.
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["ruleId"] == "WL001"),
        "{r}"
    );
    // The default budget takes the same document.
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json"])
        .arg(&f)
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(codes(&r).iter().all(|(c, _)| c != "node-limit"), "{r}");
}
