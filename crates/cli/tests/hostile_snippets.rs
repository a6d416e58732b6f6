//! No credential reaches any output through a source snippet. Credentials are planted in
//! flow-style YAML, one-line JSON (as `jq -c` writes it), a one-line `List` holding a Secret and
//! a Pod, and block YAML; every command that can print snippets or object content runs in every
//! format, and no planted string may appear in its stdout, stderr or output file.

mod common;

use common::{stockade, text};

const PLANTED: &[&str] = &[
    "PLANTEDwJalrXUtnFEMIK7MDENGbPxRfiCY",
    "PLANTEDhunter2hunter2",
    "ghp_PLANTEDTOKEN1234567890abcdefghijABCD",
    "UExBTlRFRFNFQ1JFVERBVEE=",
    "PLANTEDflowtoken0987654321",
    "PLANTEDblockpassword42",
    "PLANTEDconfigsecret77",
];

const ONE_LINE_POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"a","annotations":{"token":"ghp_PLANTEDTOKEN1234567890abcdefghijABCD"}},"spec":{"containers":[{"name":"c","image":"nginx","securityContext":{"privileged":true},"env":[{"name":"AWS_SECRET_ACCESS_KEY","value":"PLANTEDwJalrXUtnFEMIK7MDENGbPxRfiCY"},{"name":"DB_PASSWORD","value":"PLANTEDhunter2hunter2"}]}]}}
"#;

const ONE_LINE_LIST: &str = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"a"},"data":{"key":"UExBTlRFRFNFQ1JFVERBVEE="}},{"apiVersion":"v1","kind":"Pod","metadata":{"name":"q","namespace":"a"},"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"nginx:latest"}]}}]}
"#;

const FLOW: &str = "apiVersion: v1
kind: Pod
metadata: {name: f, namespace: a}
spec: {hostPID: true, containers: [{name: c, image: nginx, securityContext: {privileged: true}, env: [{name: API_TOKEN, value: PLANTEDflowtoken0987654321}]}]}
";

const BLOCK: &str = "apiVersion: v1
kind: Pod
metadata:
  name: b
  namespace: a
spec:
  containers:
  - name: c
    image: nginx
    env:
    - name: ADMIN_PASSWORD
      value: PLANTEDblockpassword42
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: a}
data: {db_password: PLANTEDconfigsecret77, color: blue}
";

fn inputs() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("pod.json", ONE_LINE_POD),
        ("list.json", ONE_LINE_LIST),
        ("flow.yaml", FLOW),
        ("block.yaml", BLOCK),
    ] {
        std::fs::write(d.path().join(name), body).unwrap();
    }
    d
}

fn assert_clean(what: &str, out: &std::process::Output, file: Option<&std::path::Path>) {
    let mut all = text(out);
    if let Some(f) = file {
        all.push_str(&std::fs::read_to_string(f).unwrap_or_default());
    }
    for p in PLANTED {
        assert!(!all.contains(p), "{what} printed {p}:\n{all}");
    }
}

#[test]
fn no_planted_credential_in_any_command_or_format() {
    let d = inputs();
    let out_file = d.path().join("out");
    for fmt in ["table", "json", "sarif", "junit", "markdown", "jsonl"] {
        let out = stockade()
            .args([
                "scan",
                "--no-config",
                "--enable",
                "all",
                "-o",
                fmt,
                "--output-file",
            ])
            .arg(&out_file)
            .arg(d.path())
            .output()
            .unwrap();
        assert_clean(&format!("scan -o {fmt}"), &out, Some(&out_file));
        let out = stockade()
            .args(["scan", "--no-config", "--enable", "all", "-o", fmt])
            .arg(d.path())
            .output()
            .unwrap();
        assert_clean(&format!("scan -o {fmt} (stdout)"), &out, None);
        let out = stockade()
            .args(["pss", "-o", fmt])
            .arg(d.path())
            .output()
            .unwrap();
        assert_clean(&format!("pss -o {fmt}"), &out, None);
        // At a level, every check fails on the planted pods: their findings carry snippets.
        let out = stockade()
            .args(["pss", "--level", "restricted", "-o", fmt])
            .arg(d.path())
            .output()
            .unwrap();
        assert_clean(&format!("pss --level restricted -o {fmt}"), &out, None);
        let out = stockade()
            .args(["unused", "-o", fmt])
            .arg(d.path())
            .output()
            .unwrap();
        assert_clean(&format!("unused -o {fmt}"), &out, None);
    }
    for fmt in ["text", "json", "kubectl", "yaml"] {
        let out = stockade()
            .args(["deprovision", "plan", "namespace:a", "-o", fmt])
            .arg(d.path())
            .output()
            .unwrap();
        assert_clean(&format!("deprovision plan -o {fmt}"), &out, None);
    }
    // stdin too (one-line JSON is what `jq -c` pipes).
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json", "-"])
        .write_stdin(ONE_LINE_POD)
        .output()
        .unwrap();
    assert_clean("scan - (stdin)", &out, None);
}

#[test]
fn findings_on_shared_lines_still_point_at_their_field() {
    let d = inputs();
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json"])
        .arg(d.path().join("pod.json"))
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let wl001 = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["ruleId"] == "WL001")
        .expect("privileged container found");
    // Line 1, at the column of `"privileged"`; the snippet is that field alone.
    let col = ONE_LINE_POD.find("\"privileged\"").unwrap() + 1;
    assert_eq!(wl001["location"]["line"], 1);
    assert_eq!(wl001["location"]["column"], col);
    assert_eq!(wl001["snippet"], "privileged: true");
    // Block YAML keeps the source line.
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json"])
        .arg(d.path().join("flow.yaml"))
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let snippets: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["snippet"].as_str())
        .collect();
    assert!(snippets.contains(&"privileged: true"), "{snippets:?}");
    assert!(
        snippets.iter().all(|s| s.chars().count() <= 121),
        "{snippets:?}"
    );
}
