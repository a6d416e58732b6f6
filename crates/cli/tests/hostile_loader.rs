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
