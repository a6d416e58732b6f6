//! The real binary on real inputs: exit codes, formats, bad input, suppressions, secrets.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn stockade() -> Command {
    let mut c = Command::cargo_bin("stockade").expect("binary built");
    c.env("NO_COLOR", "1");
    c
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const PRIVILEGED: &str = "apiVersion: v1
kind: Pod
metadata:
  name: bad
  namespace: prod
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.0.0
    securityContext:
      privileged: true
";

#[test]
fn findings_at_or_above_fail_on_exit_1_and_point_at_the_line() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "pod.yaml", PRIVILEGED);
    stockade()
        .args(["scan", "--no-config"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("11:7"))
        .stdout(predicate::str::contains("WL001 privileged-container"))
        .stdout(predicate::str::contains("privileged: true"));
    stockade()
        .args([
            "scan",
            "--no-config",
            "--disable",
            "WL001",
            "--disable",
            "WL011",
            "--fail-on",
            "critical",
        ])
        .arg(&f)
        .assert()
        .code(0);
}

#[test]
fn stdin_helm_output_reports_the_template() {
    let input = format!("---\n# Source: web/templates/pod.yaml\n{PRIVILEGED}");
    stockade()
        .args(["scan", "--no-config", "-", "-o", "json"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "\"template\": \"web/templates/pod.yaml\"",
        ))
        .stdout(predicate::str::contains("\"path\": \"-\""));
}

#[test]
fn bad_inputs_are_diagnosed_and_the_rest_still_scanned() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a-good.yaml", PRIVILEGED);
    write(
        d.path(),
        "b-broken.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n",
    );
    std::fs::write(
        d.path().join("c-binary.yaml"),
        [0x7f, b'E', b'L', b'F', 0, 0, 1],
    )
    .unwrap();
    std::fs::write(
        d.path().join("d-latin1.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\ndata: {a: \xe9}\n",
    )
    .unwrap();
    write(
        d.path(),
        "e-wrongtype.yaml",
        &PRIVILEGED.replace("privileged: true", "privileged: \"yes\""),
    );
    write(d.path(), "notes.txt", "not yaml");
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json"])
        .arg(d.path())
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let r: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let codes: Vec<&str> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for c in ["yaml-syntax", "binary", "encoding", "wrong-type"] {
        assert!(codes.contains(&c), "missing {c} in {codes:?}");
    }
    let wrong = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "wrong-type")
        .unwrap();
    assert_eq!(
        (wrong["line"].as_u64(), wrong["column"].as_u64()),
        (Some(11), Some(7))
    );
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["ruleId"] == "WL001"),
        "good file still scanned"
    );
    assert_eq!(r["summary"]["filesSkipped"], 1);
}

#[test]
fn alias_bomb_is_refused_fast() {
    let d = tempfile::tempdir().unwrap();
    let mut s = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!(
            "  a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
        ));
    }
    let f = write(d.path(), "bomb.yaml", &s);
    let t = Instant::now();
    stockade()
        .args(["scan", "--no-config"])
        .arg(&f)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("alias"));
    assert!(t.elapsed().as_secs_f64() < 2.0, "took {:?}", t.elapsed());
}

#[test]
fn deep_nesting_and_huge_documents_are_refused_with_a_position() {
    let d = tempfile::tempdir().unwrap();
    let mut deep = String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n  x: ");
    deep.push_str(&"[".repeat(10_000));
    deep.push_str(&"]".repeat(10_000));
    deep.push('\n');
    write(d.path(), "deep.yaml", &deep);
    let mut block = String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n");
    for i in 1..10_000 {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    write(d.path(), "deep-block.yaml", &block);
    let big = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata:\n  x: \"{}\"\n",
        "a".repeat(3 << 20)
    );
    write(d.path(), "big.yaml", &big);
    let out = stockade()
        .args([
            "scan",
            "--no-config",
            "--max-document-size",
            "2",
            "-o",
            "json",
        ])
        .arg(d.path())
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let r: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let diags = r["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 3, "{diags:#?}");
    for d in diags {
        assert!(d["line"].as_u64().unwrap() >= 1, "{d}");
    }
    assert!(diags.iter().any(|d| d["code"] == "too-large"));
}

#[test]
fn secret_values_never_appear_in_any_format() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        d.path(),
        "app.yaml",
        "apiVersion: v1
kind: Secret
metadata: {name: db, namespace: prod}
stringData:
  password: Hunter2-ExampleOnly-9f8e
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    spec:
      containers:
      - name: api
        image: registry.example.com/api:1.0.0
        env:
        - name: DB_PASSWORD
          value: Hunter2-ExampleOnly-9f8e
",
    );
    for fmt in ["table", "json", "sarif", "junit", "markdown", "jsonl"] {
        let out = stockade()
            .args(["scan", "--no-config", "-o", fmt])
            .arg(&f)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains("Hunter2"),
            "{fmt} leaked the secret:\n{text}"
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("Hunter2"));
    }
}

#[test]
fn baseline_makes_only_new_findings_fail() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "pod.yaml", PRIVILEGED);
    let base = d.path().join("baseline.json");
    stockade()
        .args(["scan", "--no-config", "--write-baseline"])
        .arg(&base)
        .arg(&f)
        .assert()
        .code(1);
    stockade()
        .args(["scan", "--no-config", "--baseline"])
        .arg(&base)
        .arg(&f)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("baseline"));
    // A line shift does not change fingerprints.
    write(
        d.path(),
        "pod.yaml",
        &format!("# moved down\n\n{PRIVILEGED}"),
    );
    stockade()
        .args(["scan", "--no-config", "--baseline"])
        .arg(&base)
        .arg(&f)
        .assert()
        .code(0);
}

#[test]
fn config_and_annotation_suppressions_apply_and_expired_ones_are_reported() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        ".stockade.yaml",
        "suppressions:\n- rule: WL001\n  object: {kind: Pod, name: bad}\n  reason: debugging pod\n  expires: 2020-01-01\n- rule: privileged-container\n  object: {kind: Pod, name: other}\n  reason: node agent\n",
    );
    write(d.path(), "bad.yaml", PRIVILEGED);
    write(
        d.path(),
        "other.yaml",
        &PRIVILEGED.replace("name: bad", "name: other"),
    );
    write(
        d.path(),
        "annotated.yaml",
        &PRIVILEGED.replace("name: bad", "name: annotated\n  annotations:\n    stockade.dev/ignore: WL001 -- vendor agent, reviewed"),
    );
    let out = stockade()
        .args(["scan", "-o", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let wl001: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ruleId"] == "WL001")
        .collect();
    assert_eq!(
        wl001.len(),
        1,
        "only the expired suppression's finding remains"
    );
    assert_eq!(wl001[0]["object"]["name"], "bad");
    let sup: Vec<String> = r["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ruleId"] == "WL001")
        .map(|f| {
            format!(
                "{}:{}",
                f["object"]["name"].as_str().unwrap(),
                f["suppression"]["kind"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(sup, vec!["annotated:annotation", "other:config"]);
    assert!(
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "suppression-expired")
    );
}

#[test]
fn unknown_config_keys_are_errors_with_their_location() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), ".stockade.yaml", "fail-on: high\nrulez: {}\n");
    write(d.path(), "pod.yaml", PRIVILEGED);
    stockade()
        .arg("scan")
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rulez").and(predicate::str::contains("line 2")));
}

#[test]
fn sarif_and_junit_render() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "pod.yaml", PRIVILEGED);
    let sarif = d.path().join("out.sarif");
    stockade()
        .args(["scan", "--no-config", "-o", "sarif", "--output-file"])
        .arg(&sarif)
        .arg(&f)
        .assert()
        .code(1);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let res = &v["runs"][0]["results"][0];
    assert!(
        res["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            > 0
    );
    stockade()
        .args(["scan", "--no-config", "-o", "junit"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("<testsuites"));
}

#[test]
fn rules_explain_and_init() {
    let out = stockade().args(["rules", "-o", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 45, "at least 45 rules");
    stockade()
        .args(["rules", "--framework", "cis:5.2.2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("WL001"));
    stockade()
        .args(["explain", "privileged-container"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## Why is this risky?"));
    stockade().args(["explain", "nope"]).assert().code(2);
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join(".stockade.yaml");
    stockade().arg("init").arg(&cfg).assert().success();
    stockade().arg("init").arg(&cfg).assert().code(2);
    stockade()
        .args(["scan", "--config"])
        .arg(&cfg)
        .arg(d.path())
        .assert()
        .code(0);
}

#[test]
fn hardened_examples_stay_clean() {
    let hardened = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hardened");
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json"])
        .arg(&hardened)
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["findings"].as_array().unwrap().len(),
        0,
        "{:#}",
        r["findings"]
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn examples_scan_shows_findings_without_a_cluster() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let out = stockade().arg("scan").arg(&examples).output().unwrap();
    // Findings at or above the default threshold, and no input error: the invalid-input
    // demonstrations live in examples-invalid/.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("critical"));
}

#[test]
fn controller_made_pods_are_reported_on_their_owner_only() {
    let d = tempfile::tempdir().unwrap();
    let owned = PRIVILEGED.replace(
        "  namespace: prod\n",
        "  namespace: prod\n  ownerReferences:\n  - {apiVersion: apps/v1, kind: ReplicaSet, name: bad-5d9c, uid: 1, controller: true}\n",
    );
    let f = write(d.path(), "pod.yaml", &owned);
    stockade()
        .args([
            "scan",
            "--no-config",
            "--fail-on",
            "info",
            "--disable",
            "WL057",
        ])
        .arg(&f)
        .assert()
        .code(0);
}

#[test]
fn a_200_mb_document_is_refused_in_bounded_time() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("huge.yaml");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        use std::io::Write;
        f.write_all(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n  blob: |\n")
            .unwrap();
        let line = format!("    {}\n", "x".repeat(1023));
        for _ in 0..200 * 1024 {
            f.write_all(line.as_bytes()).unwrap();
        }
    }
    write(d.path(), "ok.yaml", PRIVILEGED);
    let t = Instant::now();
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
    assert_eq!(out.status.code(), Some(2));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diag = &r["diagnostics"][0];
    assert_eq!(diag["code"], "too-large");
    assert_eq!(diag["line"], 1);
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["ruleId"] == "WL001")
    );
}

/// Files are parsed and rules run on several threads; the report must not depend on how many
/// (`--jobs`), including the order of findings and diagnostics across many files.
#[test]
fn output_is_the_same_whatever_the_number_of_threads() {
    let d = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut sources: Vec<PathBuf> = Vec::new();
    for sub in ["insecure", "hardened"] {
        for e in std::fs::read_dir(examples.join(sub)).unwrap() {
            sources.push(e.unwrap().path());
        }
    }
    sources.sort();
    // Copies in many directories, with a broken file and a skipped one among them.
    for i in 0..12 {
        let dir = d.path().join(format!("team-{i:02}"));
        std::fs::create_dir_all(&dir).unwrap();
        for s in &sources {
            std::fs::copy(s, dir.join(s.file_name().unwrap())).unwrap();
        }
        if i % 5 == 2 {
            write(
                &dir,
                "broken.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata: [\n",
            );
            write(&dir, "notes.txt", "not a manifest");
        }
    }
    let run = |jobs: &str| {
        let out = stockade()
            .args(["scan", "--no-config", "-o", "json", "--jobs", jobs])
            .arg(d.path())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "the broken files make it exit 2"
        );
        out.stdout
    };
    let one = run("1");
    let report: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert!(report["findings"].as_array().unwrap().len() > 100);
    assert_eq!(report["summary"]["filesSkipped"], 2);
    for jobs in ["2", "3", "8"] {
        assert!(one == run(jobs), "--jobs {jobs} changed the report");
    }
    stockade()
        .args(["scan", "--jobs", "0", "examples"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--jobs"));
}
