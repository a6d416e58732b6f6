//! `stockade audit-log`: the real binary on audit logs and policies written to temp dirs.

use assert_cmd::Command;
use std::io::Write;
use std::path::Path;

fn stockade() -> Command {
    let mut c = Command::cargo_bin("stockade").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn fixture(rule: &str, which: &str, name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../audit/fixtures/audit")
        .join(rule)
        .join(which)
        .join(name);
    std::fs::read_to_string(p).unwrap()
}

/// Events of a fixture file without its comment lines.
fn events(rule: &str, which: &str, name: &str) -> String {
    fixture(rule, which, name)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn analyze_reports_alerts_with_event_details_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    std::fs::write(
        &log,
        events("exec-into-pod", "fail", "exec-in-kube-system.jsonl"),
    )
    .unwrap();
    let out = stockade()
        .args(["audit-log", "analyze", "--no-config", "-o", "json", "-q"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a high alert fails at the default threshold"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    let first = &findings[0];
    assert_eq!(first["ruleId"], "AU001");
    assert_eq!(first["severity"], "high");
    assert_eq!(first["object"]["kind"], "Pod");
    assert_eq!(first["object"]["namespace"], "kube-system");
    assert_eq!(first["location"]["line"], 1);
    let msg = first["message"].as_str().unwrap();
    for part in [
        "user alice",
        "verb create",
        "sourceIPs 10.0.0.5",
        "auditID 00000000-",
        "at 2026-03-01T10:00:00",
    ] {
        assert!(msg.contains(part), "{part} missing from {msg}");
    }
    assert!(first["controls"].to_string().contains("T1609"));
}

#[test]
fn bad_lines_are_reported_with_line_numbers_and_the_stream_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let good = events("secret-read-by-user", "fail", "human-reads.jsonl");
    let mut f = std::fs::File::create(&log).unwrap();
    writeln!(f, "not json at all").unwrap();
    f.write_all(good.as_bytes()).unwrap();
    writeln!(
        f,
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","verb":"get"}}"#
    )
    .unwrap();
    // A 3 MiB line against a 1 MiB cap.
    f.write_all(&vec![b'x'; 3 << 20]).unwrap();
    writeln!(f).unwrap();
    f.write_all(good.lines().next().unwrap().as_bytes())
        .unwrap();
    writeln!(f).unwrap();
    // Truncated last line (no newline, cut mid-object).
    f.write_all(&good.as_bytes()[..100]).unwrap();
    drop(f);
    let out = stockade()
        .args([
            "audit-log",
            "analyze",
            "--no-config",
            "-o",
            "json",
            "-q",
            "--max-line-size",
            "1",
        ])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "unreadable lines are input errors"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags: Vec<(u64, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        diags,
        [
            (1, "audit-invalid-json".to_string()),
            (5, "audit-unknown-version".to_string()),
            (6, "audit-line-too-long".to_string()),
            (8, "audit-truncated-line".to_string()),
        ]
    );
    // Every good event still alerts: three reads (one of them cluster-wide, which is also a bulk
    // listing) in the body, and the read after the long line.
    assert_eq!(v["findings"].as_array().unwrap().len(), 5);
}

#[test]
fn reads_gzip_and_orders_rotated_sets_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = events("denied-request-burst", "fail", "forbidden-burst.jsonl")
        .lines()
        .map(str::to_string)
        .collect();
    // Oldest events in audit.log.2 (gzip), then .1, then the live file.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all((lines[..2].join("\n") + "\n").as_bytes())
        .unwrap();
    std::fs::write(dir.path().join("audit.log.2.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        dir.path().join("audit.log.1"),
        lines[2..4].join("\n") + "\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("audit.log"), lines[4..].join("\n") + "\n").unwrap();
    let cfg = dir.path().join(".stockade.yaml");
    std::fs::write(
        &cfg,
        "rules:\n  options:\n    denied-request-burst: {threshold: 5, window: 60}\n",
    )
    .unwrap();
    let out = stockade()
        .args([
            "audit-log",
            "analyze",
            "-o",
            "json",
            "-q",
            "--fail-on",
            "critical",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["message"].as_str().unwrap().contains("of alice"))
        .map(|f| {
            format!(
                "{} {}",
                f["ruleId"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap()
            )
        })
        .collect();
    // Alice's burst completes in the live file only if the rotated files were read first, in
    // order (read newest first, it would complete in audit.log.2.gz).
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("AU010") && f[0].ends_with("/audit.log"),
        "{f:?}"
    );
    assert_eq!(v["summary"]["filesScanned"], 3);
}

#[test]
fn since_and_until_filter_and_the_summary_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    std::fs::write(
        &log,
        events("bulk-secret-listing", "fail", "namespace-sweep.jsonl"),
    )
    .unwrap();
    let summary = dir.path().join("summary.json");
    let out = stockade()
        .args([
            "audit-log",
            "analyze",
            "--no-config",
            "-o",
            "json",
            "-q",
            "--since",
            "2026-03-01T10:00:15Z",
            "--until",
            "2026-03-01T10:00:35Z",
            "--summary-file",
        ])
        .arg(&summary)
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["requests"], 2);
    assert_eq!(s["outOfRange"], 3);
    assert_eq!(s["topVerbs"][0]["name"], "list");
    let bad = stockade()
        .args(["audit-log", "analyze", "--since", "yesterday"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("duration back from now"));
}

#[test]
fn table_output_ends_with_the_summary() {
    let out = stockade()
        .args(["audit-log", "analyze", "--no-config", "-"])
        .write_stdin(events(
            "anonymous-request-allowed",
            "fail",
            "anonymous-reads.jsonl",
        ))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("AU009"), "{text}");
    assert!(text.contains("Audit summary"), "{text}");
    assert!(text.contains("AU009 anonymous-request-allowed"), "{text}");
}

/// An audit policy whose RequestResponse catch-all logs Secret bodies (AU101), in `dir`.
fn leaky_policy(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("audit-policy.yaml");
    std::fs::write(
        &p,
        fixture(
            "audit-policy-logs-secret-bodies",
            "fail",
            "catch-all-request-response.yaml",
        ),
    )
    .unwrap();
    p
}

#[test]
fn policy_findings_point_at_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let p = leaky_policy(dir.path());
    let out = stockade()
        .args(["audit-log", "policy", "--no-config", "-o", "json"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["AU101"],
        "a lone RequestResponse catch-all only leaks bodies"
    );
    assert_eq!(v["findings"][0]["location"]["line"], 5);
    // The policy the test control plane uses passes.
    std::fs::write(
        &p,
        fixture("audit-policy-without-catch-all", "pass", "recommended.yaml"),
    )
    .unwrap();
    stockade()
        .args(["audit-log", "policy", "--no-config"])
        .arg(&p)
        .assert()
        .code(0);
    std::fs::write(&p, "kind: Pod\napiVersion: v1\n").unwrap();
    stockade()
        .args(["audit-log", "policy", "--no-config"])
        .arg(&p)
        .assert()
        .code(2);
}

#[test]
fn rules_and_explain_include_audit_rules() {
    let out = stockade()
        .args(["rules", "--family", "audit", "-o", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"AU001") && ids.contains(&"AU106"), "{ids:?}");
    assert!(ids.iter().all(|i| i.starts_with("AU")));
    let out = stockade()
        .args(["rules", "--framework", "mitre:T1609"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("exec-into-pod"));
    let out = stockade()
        .args(["explain", "exec-into-pod"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("## Why is this risky?"));
}

#[test]
fn serve_refuses_plain_http_off_loopback_and_half_tls() {
    let out = stockade()
        .args(["audit-log", "serve", "--listen", "0.0.0.0:0", "--no-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));
    let out = stockade()
        .args(["audit-log", "serve", "--tls-cert", "x.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `suppressions:` entries of .stockade.yaml that name audit rules apply to alerts (the object
/// is the request's target) and policy findings as they do to scan findings: listed as
/// suppressed with their reason, not failing the run; an expired entry stops applying and is
/// reported.
#[test]
fn config_suppressions_apply_to_alerts_and_policy_findings() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    std::fs::write(
        &log,
        events("exec-into-pod", "fail", "exec-in-kube-system.jsonl"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".stockade.yaml"),
        "suppressions:
- rule: exec-into-pod
  reason: old exception
  expires: 2020-01-01
- rule: AU001
  object: {kind: Pod, namespace: kube-system}
  reason: break-glass debugging by the on-call team
- rule: AU101
  reason: bodies are needed for the forensics pipeline
",
    )
    .unwrap();
    let out = stockade()
        .args(["audit-log", "analyze", "-o", "json", "-q"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "what remains (execs into prod) is below the high threshold"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    assert!(findings.iter().all(|f| f["object"]["namespace"] == "prod"));
    let suppressed = v["suppressed"].as_array().unwrap();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["object"]["namespace"], "kube-system");
    assert_eq!(suppressed[0]["suppression"]["kind"], "config");
    assert_eq!(
        suppressed[0]["suppression"]["reason"],
        "break-glass debugging by the on-call team"
    );
    assert_eq!(v["summary"]["suppressed"], 1);
    let expired: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "suppression-expired")
        .collect();
    assert_eq!(expired.len(), 1, "{}", v["diagnostics"]);
    assert!(
        expired[0]["message"]
            .as_str()
            .unwrap()
            .contains("old exception")
    );
    // --no-config ignores the file: all three alerts are back.
    let out = stockade()
        .args(["audit-log", "analyze", "--no-config", "-o", "json", "-q"])
        .arg(&log)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 3);

    let p = leaky_policy(dir.path());
    let out = stockade()
        .args(["audit-log", "policy", "-o", "json"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert_eq!(v["suppressed"][0]["ruleId"], "AU101");
}
