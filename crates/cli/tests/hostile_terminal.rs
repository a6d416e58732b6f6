//! Terminal escape injection: object names, namespaces, labels, annotations, images, file names
//! and audit events carrying ESC, CR, BEL, backspace, U+202E, U+009B (C1 CSI) and newlines.
//! Every human-readable output must show them escaped (`\e[2K`), never raw; markdown must keep
//! them out of the table structure and render no HTML; JUnit must stay XML.

mod common;

use common::{Cleanup, cluster, stockade, unique};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A hostile object name: erases the line, rings, backs up, reverses the text, clears the
/// screen through C1 CSI, opens markdown structure and starts a new line.
const NAME: &str = "zz\r\x1b[2K\x07\x08\u{202e}\u{9b}2J|`<img src=x>\nnext";
/// A hostile namespace (OSC: retitles the terminal).
const NS: &str = "prod\x1b]0;pwn\x07";
/// A hostile user name (cursor up, bidi override).
const USER: &str = "mallory\x1b[1A\u{202e}x";
/// A hostile label value (SGR conceal: hides everything after it).
const LABEL: &str = "a\x1b[8m";

/// Characters that must not reach a terminal raw (newlines and tabs are layout).
fn hazard(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}'
        | '\u{61c}' | '\u{2028}' | '\u{2029}')
}

/// Asserts that neither stream carries a raw control character, and returns stdout + stderr.
fn clean(out: &Output, what: &str) -> String {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let s = String::from_utf8(bytes.clone())
            .unwrap_or_else(|e| panic!("{what}: {stream} is not UTF-8: {e}"));
        let bad: Vec<char> = s.chars().filter(|c| hazard(*c)).collect();
        assert!(
            bad.is_empty(),
            "{what}: raw control characters {bad:?} on {stream}:\n{}",
            s.escape_debug()
        );
    }
    common::text(out)
}

/// Asserts that stdout carries no raw control character but SGR colour sequences (and stderr
/// none at all); returns stdout.
fn clean_but_colours(out: &Output, what: &str) -> String {
    let s = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(s.contains("\x1b["), "{what}: colours are on");
    for seq in s.split('\x1b').skip(1) {
        let end = seq.find('m').unwrap_or(seq.len());
        assert!(
            seq.starts_with('[') && seq[1..end].bytes().all(|b| b.is_ascii_digit() || b == b';'),
            "{what}: non-SGR sequence ESC{:?}",
            &seq[..seq.len().min(12)]
        );
    }
    let plain = s.replace('\x1b', "");
    assert!(!plain.contains(hazard), "{what}: {}", s.escape_debug());
    clean(
        &Output {
            stdout: Vec::new(),
            ..out.clone()
        },
        what,
    );
    assert!(
        s.contains("\\e[2K"),
        "{what}: the escaped name is missing:\n{s}"
    );
    s
}

/// Markdown without its code spans (whose content is literal text, never markup). A
/// backslash-escaped backtick opens nothing; a span closes at a run of as many backticks.
fn outside_code_spans(md: &str) -> String {
    let c: Vec<char> = md.chars().collect();
    let run_at = |i: usize| c[i..].iter().take_while(|&&x| x == '`').count();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        if c[i] == '\\' && i + 1 < c.len() {
            out.push(c[i]);
            out.push(c[i + 1]);
            i += 2;
            continue;
        }
        if c[i] != '`' {
            out.push(c[i]);
            i += 1;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let mut close = None;
        while j < c.len() {
            if c[j] == '`' {
                let m = run_at(j);
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => i = end,
            None => {
                out.extend(&c[i..i + n]);
                i += n;
            }
        }
    }
    out
}

/// Asserts that markdown has no raw HTML but the report's own `<details>`, and that every
/// table row has its five cells.
fn safe_markdown(md: &str, what: &str) {
    let text = outside_code_spans(md);
    let html: Vec<&str> = text
        .match_indices('<')
        .map(|(i, _)| &text[i..text.len().min(i + 10)])
        .filter(|s| {
            !["<details>", "<summary>", "</summary>", "</details>"]
                .iter()
                .any(|t| s.starts_with(t))
        })
        .collect();
    assert!(html.is_empty(), "{what}: raw HTML {html:?} in:\n{md}");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ")).collect();
    assert!(rows.len() >= 2, "{what}: {md}");
    for row in &rows {
        let mut pipes = 0;
        let mut backslashes = 0;
        for c in row.chars() {
            if c == '|' && backslashes % 2 == 0 {
                pipes += 1;
            }
            backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        }
        assert_eq!(pipes, 6, "{what}: a value added or removed a cell: {row}");
    }
}

/// Asserts `clean` and that the hostile name shows escaped.
fn escaped(out: &Output, what: &str) -> String {
    let t = clean(out, what);
    assert!(
        t.contains("\\e[2K") || t.contains("\\\\e\\[2K"),
        "{what}: the escaped name is missing:\n{t}"
    );
    t
}

fn meta(name: &str, ns: Option<&str>) -> Value {
    let mut m = json!({"name": name, "labels": {"app": LABEL},
        "annotations": {"note": "x\r\ny\x1b[2K"}});
    if let Some(ns) = ns {
        m["namespace"] = json!(ns);
    }
    m
}

/// The hostile manifests, one JSON document per file (YAML reads JSON), in a temp dir; one
/// file name carries control characters too, and one unreadable file with a hostile name
/// makes a diagnostic.
fn manifests() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let objects = [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta(NS, None)}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": meta(NAME, Some(NS)),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": USER}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": meta(&format!("crb{NAME}"), None),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": USER}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": meta(&format!("unbound{NAME}"), Some(NS)),
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(NAME, Some(NS)),
            "spec": {"selector": {"matchLabels": {"app": LABEL}},
                "template": {"metadata": {"labels": {"app": LABEL}},
                    "spec": {"containers": [{"name": format!("c{NAME}"),
                        "image": "nginx\u{202e}gpj.exe\x1b[2K",
                        "ports": [{"name": "h\x1b[2K", "containerPort": 80}],
                        "securityContext": {"privileged": true}}]}}}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta(&format!("np{NAME}"), Some(NS)),
            "spec": {"podSelector": {"matchLabels": {"app": LABEL}}, "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": LABEL}}},
                    {"ipBlock": {"cidr": "10.0.0.0/8"}}],
                    "ports": [{"port": "h\x1b[2K"}]}]}}),
    ];
    for (i, o) in objects.iter().enumerate() {
        let file = if i == 4 {
            format!("deploy\x1b[2K\r{i}.yaml")
        } else {
            format!("{i}.yaml")
        };
        std::fs::write(dir.path().join(file), o.to_string()).unwrap();
    }
    std::fs::write(dir.path().join("bad\x1b]0;t\x07\n.yaml"), "kind: [\n").unwrap();
    let p = dir.path().to_path_buf();
    (dir, p)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    stockade()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn scan_table_shows_hostile_names_escaped() {
    let (_t, dir) = manifests();
    let out = run(&dir, &["scan", "--no-config", "."]);
    let t = escaped(&out, "scan table");
    // Every piece shows: file name, namespace, user, image, bidi, C1.
    for part in [
        "deploy\\e[2K\\r4.yaml",
        "prod\\e]0;pwn\\x07",
        "mallory\\e[1A\\u{202e}x",
        "\\x9b2J",
        "\\nnext",
        "bad\\e]0;t\\x07\\n.yaml",
    ] {
        assert!(t.contains(part), "{part} missing:\n{t}");
    }
    // The name's newline did not start a line of its own.
    assert!(!t.lines().any(|l| l.starts_with("next")), "{t}");
}

#[test]
fn scan_table_with_colours_still_escapes_input() {
    let (_t, dir) = manifests();
    let out = run(&dir, &["scan", "--no-config", "--color", "always", "."]);
    let s = clean_but_colours(&out, "scan --color always");
    assert!(
        s.contains("\\x9b2J") && s.contains("prod\\e]0;pwn\\x07"),
        "{s}"
    );
}

#[test]
fn scan_markdown_keeps_input_out_of_the_markup() {
    let (_t, dir) = manifests();
    let out = run(&dir, &["scan", "--no-config", "-o", "markdown", "."]);
    let md = escaped(&out, "scan markdown");
    safe_markdown(&md, "scan markdown");
    assert!(md.contains("&lt;img src=x&gt;"), "{md}");
    // Object names sit in code spans whose fence is longer than the backtick inside.
    assert!(
        md.contains("``RoleBinding/prod\\e]0;pwn\\x07/zz\\r\\e[2K"),
        "{md}"
    );
}

#[test]
fn scan_junit_is_xml_without_control_characters() {
    let (_t, dir) = manifests();
    let out = run(&dir, &["scan", "--no-config", "-o", "junit", "."]);
    let xml = escaped(&out, "scan junit");
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(!xml.contains("<img"), "{xml}");
    assert!(!xml.contains(['\u{fffe}', '\u{ffff}']));
}

#[test]
fn scan_json_and_sarif_escape_controls() {
    let (_t, dir) = manifests();
    for fmt in ["json", "sarif"] {
        let out = run(&dir, &["scan", "--no-config", "-o", fmt, "."]);
        let s = String::from_utf8(out.stdout.clone()).unwrap();
        assert!(!s.contains(|c: char| c < ' ' && c != '\n'), "{fmt}: {s}");
        let v: Value = serde_json::from_str(&s).unwrap();
        assert!(v.to_string().contains("\\u001b[2K"), "{fmt}");
        clean(&out, fmt);
    }
}

#[test]
fn json_outputs_stay_json_and_escape_every_control() {
    let (_t, dir) = manifests();
    let workload = format!("{NS}/{NAME}");
    let user = format!("user:{USER}");
    for args in [
        vec![
            "rbac", "who-can", "get", "secrets", "-n", NS, "-o", "json", ".",
        ],
        vec!["rbac", "access", &user, "-o", "json", "."],
        vec!["rbac", "paths", "-o", "json", "."],
        vec!["netpol", "explain", &workload, "-o", "json", "."],
        vec!["netpol", "matrix", "-o", "json", "."],
        vec!["pss", "--level", "restricted", "-o", "json", "."],
        vec!["unused", "--no-config", "-o", "json", "."],
    ] {
        let out = run(&dir, &args);
        let what = args.join(" ");
        clean(&out, &what);
        let v: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
        assert!(v.to_string().contains("\\u001b"), "{what}: {v}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("\\u202e"),
            "{what}"
        );
    }
}

#[test]
fn pss_text_escapes_names_values_and_files() {
    let (_t, dir) = manifests();
    escaped(
        &run(&dir, &["pss", "--level", "restricted", "."]),
        "pss --level",
    );
    escaped(&run(&dir, &["pss", "."]), "pss");
    escaped(&run(&dir, &["pss", "--readiness", "."]), "pss --readiness");
    let md = escaped(
        &run(
            &dir,
            &["pss", "--level", "restricted", "-o", "markdown", "."],
        ),
        "pss markdown",
    );
    safe_markdown(md.split("### ").next().unwrap(), "pss markdown");
}

#[test]
fn rbac_text_escapes_bindings_subjects_and_requests() {
    let (_t, dir) = manifests();
    let who = escaped(
        &run(&dir, &["rbac", "who-can", "get", "secrets", "-n", NS, "."]),
        "rbac who-can",
    );
    assert!(who.contains("mallory\\e[1A\\u{202e}x"), "{who}");
    assert!(!who.lines().any(|l| l.starts_with("next")), "{who}");
    let user = format!("user:{USER}");
    let can = clean(
        &run(
            &dir,
            &["rbac", "can", &user, "get", "secrets", "-n", NS, "."],
        ),
        "rbac can",
    );
    assert!(can.contains("yes: User mallory\\e[1A"), "{can}");
    escaped(&run(&dir, &["rbac", "access", &user, "."]), "rbac access");
    let paths = escaped(&run(&dir, &["rbac", "paths", "."]), "rbac paths");
    assert!(paths.contains("mallory\\e[1A\\u{202e}x"), "{paths}");
    escaped(
        &run(
            &dir,
            &["rbac", "paths", "--from", &user, "--to", "secrets", "."],
        ),
        "rbac paths --from",
    );
}

#[test]
fn netpol_text_escapes_workloads_policies_labels_and_ports() {
    let (_t, dir) = manifests();
    let workload = format!("{NS}/{NAME}");
    escaped(
        &run(
            &dir,
            &[
                "netpol", "reach", "--from", "10.1.2.3", "--to", &workload, "--port", "80", ".",
            ],
        ),
        "netpol reach",
    );
    escaped(
        &run(
            &dir,
            &[
                "netpol", "reach", "--from", &workload, "--to", &workload, ".",
            ],
        ),
        "netpol reach workloads",
    );
    escaped(&run(&dir, &["netpol", "matrix", "."]), "netpol matrix");
    let explain = escaped(
        &run(&dir, &["netpol", "explain", &workload, "."]),
        "netpol explain",
    );
    assert!(explain.contains("app=a\\e[8m"), "{explain}");
    // An unknown workload: the error quotes the hostile names it knows.
    clean(
        &run(
            &dir,
            &["netpol", "explain", &format!("{NS}/nope\x1b[2K"), "."],
        ),
        "netpol explain error",
    );
}

#[test]
fn unused_text_escapes_leftovers() {
    let (_t, dir) = manifests();
    let t = escaped(&run(&dir, &["unused", "--no-config", "."]), "unused");
    assert!(t.contains("unbound"), "{t}");
    clean_but_colours(
        &run(&dir, &["unused", "--no-config", "--color", "always", "."]),
        "unused --color always",
    );
}

#[test]
fn errors_and_rule_lookups_escape_arguments() {
    let (_t, dir) = manifests();
    let bad = "WL\x1b[2K\u{9b}1";
    escaped(&run(&dir, &["explain", bad]), "explain");
    escaped(&run(&dir, &["rules", "--family", bad]), "rules --family");
    escaped(
        &run(&dir, &["scan", "--no-config", "no-such\x1b[2K.yaml"]),
        "missing input",
    );
    clean(&run(&dir, &["rules"]), "rules");
    clean(&run(&dir, &["explain", "WL001"]), "explain WL001");
}

/// One audit event whose user, object, user agent and source address are hostile.
fn hostile_event() -> String {
    json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": "00000000-0000-4000-8000-0000000000e5", "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/kube-system/pods/etcd-0/exec?command=sh",
        "verb": "create",
        "user": {"username": USER, "uid": "u", "groups": ["system:authenticated", NAME]},
        "sourceIPs": ["10.0.0.5\x1b[2K", NAME],
        "userAgent": format!("kubectl\x1b]8;;https://e.vil\x07{NAME}"),
        "objectRef": {"resource": "pods", "namespace": "kube-system", "name": NAME,
            "apiVersion": "v1", "subresource": "exec"},
        "responseStatus": {"metadata": {}, "code": 101},
        "requestReceivedTimestamp": "2026-03-01T10:00:00.000000Z",
        "stageTimestamp": "2026-03-01T10:00:00.000009Z",
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}})
    .to_string()
}

#[test]
fn audit_log_analyze_escapes_event_fields() {
    let (_t, dir) = manifests();
    let log = dir.join("audit\x1b[2K.log");
    std::fs::write(&log, format!("{}\nnot json \x1b[2K\n", hostile_event())).unwrap();
    let log = log.to_str().unwrap();
    let t = escaped(
        &run(&dir, &["audit-log", "analyze", "--no-config", log]),
        "audit-log analyze",
    );
    assert!(
        t.contains("users       1 distinct; top: mallory\\e[1A\\u{202e}x 1"),
        "{t}"
    );
    assert!(t.contains("AU001"), "{t}");
    let md = escaped(
        &run(
            &dir,
            &["audit-log", "analyze", "--no-config", "-o", "markdown", log],
        ),
        "audit-log markdown",
    );
    safe_markdown(md.split("\n```").next().unwrap(), "audit-log markdown");
    // The summary sits in a fenced block the text cannot close.
    assert!(md.contains("\n```\nAudit summary\n"), "{md}");
    escaped(
        &run(
            &dir,
            &["audit-log", "analyze", "--no-config", "-o", "junit", log],
        ),
        "audit-log junit",
    );
    // Machine formats put the summary on stderr.
    clean(
        &run(
            &dir,
            &["audit-log", "analyze", "--no-config", "-o", "json", log],
        ),
        "audit-log json",
    );
}

#[test]
fn live_rolebinding_with_escapes_is_shown_escaped() {
    let Some(c) = cluster() else { return };
    let ns = unique("esc");
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![format!("/api/v1/namespaces/{ns}")],
    };
    c.create("/api/v1/namespaces", &json!({"metadata": {"name": ns}}));
    let name = "zz\r\x1b[2K\u{9b}2J\u{202e}gone\nfake line";
    c.create(
        &format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings"),
        &json!({"metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": USER}]}),
    );
    let out = c
        .stockade()
        .args([
            "scan",
            "--cluster",
            "--no-config",
            "-n",
            &ns,
            "--kubeconfig",
        ])
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    let t = escaped(&out, "scan --cluster");
    assert!(
        t.contains("zz\\r\\e[2K\\x9b2J\\u{202e}gone\\nfake line"),
        "{t}"
    );
    assert!(t.contains("RB001"), "{t}");
    let out = c
        .stockade()
        .args([
            "rbac",
            "who-can",
            "get",
            "secrets",
            "-n",
            &ns,
            "--cluster",
            "--kubeconfig",
        ])
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    let t = escaped(&out, "rbac who-can --cluster");
    assert!(t.contains("mallory\\e[1A\\u{202e}x"), "{t}");
    assert!(!t.lines().any(|l| l.starts_with("fake line")), "{t}");
}

#[test]
fn audit_log_serve_alert_lines_escape_every_control() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("stockade"))
        .args([
            "audit-log",
            "serve",
            "--no-config",
            "--listen",
            "127.0.0.1:0",
        ])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stderr = child.stderr.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let _child = Kill(child);
    let mut first = String::new();
    BufReader::new(stderr).read_line(&mut first).unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    let list = format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{}]}}"#,
        hostile_event()
    );
    let code = std::process::Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
        .args([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &list,
            &url,
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&code.stdout), "200");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert!(!line.trim_end().contains(hazard), "{}", line.escape_debug());
    let v: Value = serde_json::from_str(&line).expect("alert lines are JSON");
    assert_eq!(v["ruleId"], "AU001");
    assert!(line.contains("\\u001b[2K") && line.contains("\\u202e") && line.contains("\\u009b"));
    assert_eq!(v["object"]["name"], NAME);
}
