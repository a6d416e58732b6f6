//! `stockade webhook serve --no-cluster` on loopback, without a control plane: decisions over
//! HTTP, hostile bodies answered 4xx with the server staying up, health and metrics, and the
//! refusals at start (plain HTTP off loopback, a key that does not match its certificate).

mod common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args([
            "webhook",
            "serve",
            "--no-cluster",
            "--listen",
            "127.0.0.1:0",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && v["msg"] == "listening"
            {
                let _ = tx.send(v["address"].as_str().unwrap_or_default().to_string());
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(20)).expect("listening");
    Server {
        child,
        base: format!("http://{addr}"),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn post(a: &ureq::Agent, url: &str, body: &[u8]) -> (u16, String) {
    let mut r = a
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap();
    let code = r.status().as_u16();
    (code, r.body_mut().read_to_string().unwrap_or_default())
}

fn review(privileged: bool) -> Vec<u8> {
    serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u-7", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "shop",
        "operation": "CREATE", "userInfo": {"username": "alice"},
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27", "securityContext": {"privileged": privileged}}]}}}}))
    .unwrap()
}

#[test]
fn decisions_hostile_bodies_health_and_metrics() {
    let s = serve(&[]);
    let a = agent();
    let url = format!("{}/validate", s.base);
    let (code, body) = post(&a, &url, &review(true));
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["response"]["uid"], "u-7");
    assert_eq!(v["response"]["allowed"], false);
    assert!(
        v["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("WL001")
    );
    let (_, body) = post(&a, &url, &review(false));
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["response"]["allowed"], true, "{v}");

    let deep = format!(
        r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"u","object":{}{}}}}}"#,
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let truncated = review(true);
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"not json".to_vec(), 400, "not an AdmissionReview"),
        (deep.into_bytes(), 400, "recursion limit"),
        (truncated[..truncated.len() - 9].to_vec(), 400, "EOF"),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}"#
                .to_vec(),
            400,
            "invalid type",
        ),
        (
            br#"{"apiVersion":"v1","kind":"Pod"}"#.to_vec(),
            400,
            "admissionReviewVersions",
        ),
    ];
    for (body, want, says) in cases {
        let (code, text) = post(&a, &url, &body);
        assert_eq!(code, want, "{text}");
        assert!(text.contains(says), "{text:?} should say {says:?}");
    }
    // Over the API server's 3 MiB limit: 413 as soon as the length is known (curl reads the
    // answer even though the server stops reading the upload).
    let big = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(big.path(), vec![b' '; 4 * 1024 * 1024]).unwrap();
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
        ])
        .arg(format!("@{}", big.path().display()))
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "413");
    // Still up and deciding.
    let (code, _) = post(&a, &url, &review(true));
    assert_eq!(code, 200);
    let mut r = a.get(&url).call().unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let _ = r.body_mut().read_to_string();
    for path in ["/healthz", "/readyz"] {
        let r = a.get(format!("{}{path}", s.base)).call().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
    }
    let m = a
        .get(format!("{}/metrics", s.base))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(
        m.contains(r#"stockade_webhook_requests_total{verdict="denied",kind="Pod"} 2"#),
        "{m}"
    );
    assert!(
        m.contains(r#"stockade_webhook_findings_total{rule="WL001",mode="enforce"} 2"#),
        "{m}"
    );
    assert!(
        m.contains(r#"stockade_webhook_rejected_bodies_total{reason="malformed"} 5"#),
        "{m}"
    );
    assert!(
        m.contains("stockade_webhook_decision_seconds_bucket"),
        "{m}"
    );
}

#[test]
fn unsafe_or_broken_setups_are_refused_at_start() {
    let out = common::stockade()
        .args(["webhook", "serve", "--no-cluster", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::text(&out).contains("--tls-cert"),
        "{}",
        common::text(&out)
    );

    let dir = tempfile::tempdir().unwrap();
    for d in ["a", "b"] {
        let out = common::stockade()
            .args(["webhook", "certs"])
            .arg(dir.path().join(d))
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    let out = common::stockade()
        .args([
            "webhook",
            "serve",
            "--no-cluster",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
        ])
        .arg(dir.path().join("a/tls.crt"))
        .arg("--tls-key")
        .arg(dir.path().join("b/tls.key"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::text(&out).contains("do not match"),
        "{}",
        common::text(&out)
    );

    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "admission:\n  enforce: loud\n").unwrap();
    let out = common::stockade()
        .args([
            "webhook",
            "serve",
            "--no-cluster",
            "--listen",
            "127.0.0.1:0",
            "--config",
        ])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::text(&out).contains("admission.enforce"),
        "{}",
        common::text(&out)
    );
}

#[test]
fn policies_from_files_deny_warn_and_audit_through_the_webhook() {
    let d = tempfile::tempdir().unwrap();
    let pol = d.path().join("p.yaml");
    std::fs::write(
        &pol,
        r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: pods-have-owners}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
  validations:
  - expression: "object.metadata.?labels.?owner.orValue('') != ''"
    message: every pod names its owner
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: pods-have-owners}
spec: {policyName: pods-have-owners, validationActions: [Deny]}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: pinned-images}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  validations:
  - expression: "object.spec.containers.all(c, c.image.contains('@sha256:'))"
    message: images are pinned by digest
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: pinned-images}
spec: {policyName: pinned-images, validationActions: [Warn]}
"#,
    )
    .unwrap();
    let s = serve(&["--policy", pol.to_str().unwrap()]);
    let a = agent();
    let url = format!("{}/validate", s.base);
    let (code, body) = post(&a, &url, &review(false));
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["response"]["allowed"], false, "{v}");
    let msg = v["response"]["status"]["message"].as_str().unwrap();
    assert!(msg.contains("VAP:pods-have-owners"), "{msg}");
    let warnings: Vec<&str> = v["response"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("denied: VAP:pods-have-owners")
                && w.contains("every pod names its owner")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(
            |w| w.starts_with("VAP:pinned-images") && w.contains("images are pinned by digest")
        ),
        "{warnings:?}"
    );

    // A policy that does not compile stops the server from starting.
    std::fs::write(
        &pol,
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: bad}\nspec:\n  matchConstraints: {resourceRules: [{apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [pods]}]}\n  validations:\n  - expression: \"object.(\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args([
            "webhook",
            "serve",
            "--no-cluster",
            "--listen",
            "127.0.0.1:0",
            "--policy",
        ])
        .arg(&pol)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("p.yaml:7:5") && err.contains("compilation failed"),
        "{err}"
    );
}
