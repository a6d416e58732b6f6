//! `stockade upgrade-check` against the real test control plane (which also serves
//! networking.k8s.io/v1beta1, deprecated in 1.34 and removed in 1.37): what the API server
//! records of a write through a deprecated version (managedFields, and the audit log's
//! k8s.io/deprecated and k8s.io/removed-release annotations), a live object kubectl once
//! applied through a removed version, a Helm release record whose manifest uses one, and a
//! kubectl client too old for the target. No value of a Secret or of the applied object
//! reaches the report.

mod common;

use base64::Engine as _;
use common::{Cleanup, cluster, stockade, text, unique};
use serde_json::{Value, json};
use std::io::Write;

fn upgrade(args: &[&str]) -> (i32, Value, String, String) {
    let out = stockade()
        .arg("upgrade-check")
        .args(["-o", "json"])
        .args(args)
        .output()
        .unwrap();
    let raw = String::from_utf8_lossy(&out.stdout).to_string();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), doc, text(&out), raw)
}

/// A request as a client with its own User-Agent.
fn call(
    c: &common::Cluster,
    agent: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut cmd = std::process::Command::new("curl");
    cmd.args(["-sS", "-o", "-", "-w", "\n%{http_code}", "--cacert"])
        .arg(&c.ca)
        .args(["-A", agent])
        .args(["-H", &format!("Authorization: Bearer {}", c.token)])
        .args(["-H", "Content-Type: application/json", "-X", method])
        .arg(format!("{}{}", c.server, path));
    if let Some(b) = body {
        cmd.args(["--data-binary", &b.to_string()]);
    }
    let out = cmd.output().expect("curl runs");
    let t = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = t.rsplit_once('\n').unwrap_or(("", "0"));
    (
        code.trim().parse().unwrap_or(0),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

/// Helm 3's storage record of a release: base64 (Helm's) of the gzipped release JSON, in a
/// Secret of type helm.sh/release.v1 (which the API base64-encodes again).
fn helm_record(ns: &str, name: &str, revision: u64, status: &str, manifest: &str) -> Value {
    let release = json!({"name": name, "namespace": ns, "version": revision,
        "info": {"status": status}, "chart": {"metadata": {"name": "legacy", "version": "0.1.0"}},
        "config": {"adminPassword": "values-hunter2"}, "manifest": manifest});
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(release.to_string().as_bytes()).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let helm = b64.encode(gz.finish().unwrap());
    json!({"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
        "metadata": {"name": format!("sh.helm.release.v1.{name}.v{revision}"), "namespace": ns,
            "labels": {"owner": "helm", "name": name, "status": status, "version": revision.to_string()}},
        "data": {"release": b64.encode(helm)}})
}

#[test]
fn what_the_api_server_recorded_and_helm_releases_break_an_upgrade_to_1_37() {
    let Some(c) = cluster() else { return };
    let id = unique("upg");
    let ns = id.clone();
    let cidr = format!("{id}-cidr");
    let mut cleanup = Cleanup {
        c: &c,
        paths: vec![],
    };
    c.create("/api/v1/namespaces", &json!({"metadata": {"name": ns}}));
    cleanup.paths.push(format!("/api/v1/namespaces/{ns}"));

    // A client writes through the deprecated networking.k8s.io/v1beta1.
    let agent = format!("cidr-bot/1.0 ({id})");
    let (code, body) = call(
        &c,
        &agent,
        "POST",
        "/apis/networking.k8s.io/v1beta1/servicecidrs?fieldManager=cidr-bot",
        Some(
            &json!({"apiVersion": "networking.k8s.io/v1beta1", "kind": "ServiceCIDR",
            "metadata": {"name": cidr}, "spec": {"cidrs": ["10.201.0.0/24"]}}),
        ),
    );
    assert_eq!(code, 201, "{body}");
    cleanup
        .paths
        .push(format!("/apis/networking.k8s.io/v1/servicecidrs/{cidr}"));
    // kubectl far behind the target.
    let kubectl = format!("kubectl/v1.30.2 (linux/amd64) kubernetes/{id}");
    assert_eq!(
        call(
            &c,
            &kubectl,
            "GET",
            &format!("/api/v1/namespaces/{ns}/pods"),
            None
        )
        .0,
        200
    );

    // The object read back through the current version: managedFields still say how it was written.
    let d = tempfile::tempdir().unwrap();
    let exported = d.path().join("servicecidr.json");
    let current = c
        .get(&format!("/apis/networking.k8s.io/v1/servicecidrs/{cidr}"))
        .unwrap();
    assert_eq!(current["apiVersion"], "networking.k8s.io/v1");
    std::fs::write(&exported, current.to_string()).unwrap();
    let (_, doc, err, _) = upgrade(&[
        "--to",
        "v1.37",
        "--from",
        &c.version,
        exported.to_str().unwrap(),
    ]);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["ruleId"] == "HY013")
        .unwrap_or_else(|| panic!("{doc} {err}"));
    assert_eq!(
        f["severity"], "medium",
        "removed in the target, medium confidence: {f}"
    );
    assert_eq!(f["fieldPath"], "metadata.managedFields[0].apiVersion");
    let m = f["message"].as_str().unwrap();
    assert!(
        m.contains("\"cidr-bot\"")
            && m.contains("removed in 1.37")
            && m.contains("networking.k8s.io/v1 ServiceCIDR"),
        "{m}"
    );

    // A Deployment kubectl last applied as extensions/v1beta1, and a Helm release whose
    // manifest still says so (with a Secret document and values that must not leak).
    let applied = json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment",
        "metadata": {"name": "api", "namespace": ns},
        "spec": {"template": {"spec": {"containers": [{"name": "api", "image": "api:1",
            "env": [{"name": "DB_PASSWORD", "value": "applied-hunter2"}]}]}}}});
    c.create(
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        &json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": ns,
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied.to_string()}},
            "spec": {"selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}},
                    "spec": {"containers": [{"name": "api", "image": "api:1"}]}}}}),
    );
    let manifest = "---\n# Source: legacy/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: legacy\nstringData:\n  password: manifest-hunter2\n---\n# Source: legacy/templates/ingress.yaml\napiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata:\n  name: legacy\nspec:\n  backend:\n    serviceName: legacy\n    servicePort: 80\n";
    for (rev, status, m) in [
        (
            1,
            "superseded",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\n",
        ),
        (2, "deployed", manifest),
    ] {
        c.create(
            &format!("/api/v1/namespaces/{ns}/secrets"),
            &helm_record(&ns, "legacy", rev, status, m),
        );
    }

    // Audit events are written as requests complete: wait until ours are in the log.
    let log = std::env::var("STOCKADE_TEST_AUDIT_LOG").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains(&kubectl.replace('/', "\\/"))
        && !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains(&kubectl)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the audit log has the requests"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    let kubeconfig = c.kubeconfig.to_str().unwrap().to_string();
    let (code, doc, err, raw) = upgrade(&[
        "--to",
        "v1.37",
        "--cluster",
        "--kubeconfig",
        &kubeconfig,
        "--helm-releases",
        "--audit-log",
        &log,
    ]);
    assert!(code == 1, "removed APIs are high: {err}");
    for secret in ["applied-hunter2", "values-hunter2", "manifest-hunter2"] {
        assert!(
            !raw.contains(secret) && !err.contains(secret),
            "{secret} leaked"
        );
    }
    let all = doc["findings"].as_array().unwrap();
    // The live Deployment: its last-applied annotation.
    let last = all
        .iter()
        .find(|f| {
            f["ruleId"] == "HY013"
                && f["object"]["namespace"] == ns.as_str()
                && f["object"]["kind"] == "Deployment"
        })
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(last["severity"], "high");
    assert!(
        last["fieldPath"]
            .as_str()
            .unwrap()
            .contains("last-applied-configuration"),
        "{last}"
    );
    // The Helm release's newest deployed revision, located in its manifest.
    let helm = all
        .iter()
        .find(|f| {
            f["ruleId"] == "HY013" && f["location"]["path"] == format!("helm-release:{ns}/legacy")
        })
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(helm["object"]["kind"], "Ingress");
    assert_eq!(helm["location"]["line"], 11, "{helm}");
    assert!(
        helm["message"]
            .as_str()
            .unwrap()
            .contains("networking.k8s.io/v1beta1 Ingress was removed in 1.22")
    );
    // The audit log: the deprecated write, with the release that removes it, and kubectl.
    let caller = all
        .iter()
        .find(|f| f["ruleId"] == "UP002" && f["message"].as_str().unwrap().contains(&agent))
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(caller["severity"], "high");
    let m = caller["message"].as_str().unwrap();
    assert!(
        m.contains("networking.k8s.io/v1beta1 servicecidrs") && m.contains("removed in 1.37"),
        "{m}"
    );
    let old = all
        .iter()
        .find(|f| {
            f["ruleId"] == "UP003" && f["message"].as_str().unwrap().contains("kubectl v1.30.2")
        })
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(old["severity"], "low");
    // The current release is the API server's: one minor to 1.37, so no multi-step path.
    assert!(all.iter().all(|f| f["ruleId"] != "UP005"), "{doc}");

    // Judged against 1.36, which still serves v1beta1: the caller is only deprecated.
    let (_, doc, _, _) = upgrade(&["--to", "v1.36", "--from", &c.version, "--audit-log", &log]);
    let caller = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["ruleId"] == "UP002" && f["message"].as_str().unwrap().contains(&agent))
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(caller["severity"], "low");
    drop(cleanup);
}
