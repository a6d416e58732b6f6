//! `stockade probe` on loopback against real components. First the shared test control plane,
//! whose kube-apiserver accepts anonymous requests (the default) and whose etcd serves plain
//! HTTP: exposed, and critically so once system:anonymous is bound to a role. Then a second
//! kube-apiserver started with `--anonymous-auth=false` and an etcd started with TLS and
//! `--client-cert-auth=true`: nothing exposed.

mod common;

use common::{Kill, cluster, free_port, stockade, text};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn probe(targets: &[String]) -> (i32, Value) {
    let out = stockade()
        .args(["probe", "-o", "json", "--timeout", "5s"])
        .args(targets)
        .output()
        .unwrap();
    let doc: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (out.status.code().unwrap_or(-1), doc)
}

fn exposures(doc: &Value, endpoint: usize) -> BTreeSet<String> {
    doc["endpoints"][endpoint]["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

/// Waits until `f` holds, up to `secs`.
fn until(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    false
}

#[test]
fn the_test_control_plane_is_exposed_and_anonymous_reads_are_found() {
    let Some(c) = cluster() else { return };
    let Ok(etcd) = std::env::var("STOCKADE_TEST_ETCD_URL") else {
        return;
    };
    let targets = vec![
        format!("apiserver={}", c.server),
        format!("etcd={etcd}"),
        "kubelet-read-only=127.0.0.1:1".to_string(),
    ];
    let (code, doc) = probe(&targets);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(
        exposures(&doc, 0),
        BTreeSet::from(["PR001".to_string(), "PR002".to_string()]),
        "anonymous requests accepted, version disclosed: {doc}"
    );
    assert_eq!(doc["endpoints"][0]["tls"]["version"], "TLSv1_3");
    assert!(doc["endpoints"][0]["tls"]["daysLeft"].as_i64().unwrap() > 30);
    assert_eq!(
        exposures(&doc, 1),
        BTreeSet::from(["PR007".to_string(), "PR008".to_string()])
    );
    assert!(
        exposures(&doc, 2).is_empty() && doc["endpoints"][2]["error"].is_null(),
        "a closed read-only port is the good answer: {doc}"
    );

    // Bind system:anonymous to `view`: anonymous lists of pods and config maps now succeed.
    let name = common::unique("probe-anon");
    let _cleanup = common::Cleanup {
        c: &c,
        paths: vec![format!(
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}"
        )],
    };
    c.create(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        &json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "system:anonymous"}],
        }),
    );
    let mut last = Value::Null;
    let found = until(20, || {
        let (_, doc) = probe(&targets[..1]);
        last = doc;
        exposures(&last, 0).contains("PR003")
    });
    assert!(found, "{last}");
    let evidence = last["endpoints"][0]["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "PR003")
        .unwrap()["evidence"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(evidence.contains("/api/v1/pods?limit=1"), "{evidence}");
    assert!(
        !evidence.contains("/api/v1/secrets"),
        "view does not read Secrets: {evidence}"
    );
    assert!(
        !last.to_string().contains("\"data\""),
        "no object is printed"
    );
}

#[test]
fn hardened_components_expose_nothing() {
    let Some(c) = cluster() else { return };
    let (Ok(bin), Ok(dir), Ok(etcd_url)) = (
        std::env::var("STOCKADE_TESTBINS_BIN"),
        std::env::var("STOCKADE_TEST_DIR"),
        std::env::var("STOCKADE_TEST_ETCD_URL"),
    ) else {
        eprintln!("note: STOCKADE_TESTBINS_BIN/STOCKADE_TEST_DIR unset; skipping");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // A second API server over the same etcd (its own prefix), anonymous authentication off.
    let port = free_port();
    let pki = Path::new(&dir).join("pki");
    let api = Kill(
        Command::new(Path::new(&bin).join("kube-apiserver"))
            .args([
                format!("--etcd-servers={etcd_url}"),
                "--etcd-prefix=/stockade-probe-test".into(),
                "--bind-address=127.0.0.1".into(),
                format!("--secure-port={port}"),
                "--advertise-address=127.0.0.1".into(),
                "--endpoint-reconciler-type=none".into(),
                format!("--tls-cert-file={}", pki.join("apiserver.crt").display()),
                format!(
                    "--tls-private-key-file={}",
                    pki.join("apiserver.key").display()
                ),
                format!("--cert-dir={}", tmp.path().join("generated").display()),
                "--anonymous-auth=false".into(),
                "--authorization-mode=Node,RBAC".into(),
                "--profiling=false".into(),
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
                format!(
                    "--service-account-signing-key-file={}",
                    pki.join("sa.key").display()
                ),
                format!(
                    "--service-account-key-file={}",
                    pki.join("sa.key").display()
                ),
                "--service-cluster-ip-range=10.0.1.0/24".into(),
                "--disable-admission-plugins=ServiceAccount".into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // etcd with TLS and client-certificate authentication, its serving certificate from
    // `stockade webhook certs`.
    let certs = tmp.path().join("etcd-tls");
    let out = stockade()
        .args(["webhook", "certs"])
        .arg(&certs)
        .args(["--service", "etcd", "--san", "127.0.0.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (ep, pp) = (free_port(), free_port());
    let etcd = Kill(
        Command::new(Path::new(&bin).join("etcd"))
            .args([
                "--name=probe-test".to_string(),
                format!("--data-dir={}", tmp.path().join("etcd").display()),
                format!("--listen-client-urls=https://127.0.0.1:{ep}"),
                format!("--advertise-client-urls=https://127.0.0.1:{ep}"),
                format!("--listen-peer-urls=http://127.0.0.1:{pp}"),
                format!("--initial-advertise-peer-urls=http://127.0.0.1:{pp}"),
                format!("--initial-cluster=probe-test=http://127.0.0.1:{pp}"),
                format!("--cert-file={}", certs.join("tls.crt").display()),
                format!("--key-file={}", certs.join("tls.key").display()),
                format!("--trusted-ca-file={}", certs.join("ca.crt").display()),
                "--client-cert-auth=true".into(),
                "--log-level=error".into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let targets = vec![
        format!("apiserver=https://127.0.0.1:{port}"),
        format!("etcd=https://127.0.0.1:{ep}"),
    ];
    let mut last = Value::Null;
    let up = until(60, || {
        let (_, doc) = probe(&targets);
        last = doc;
        last["endpoints"][0]["responses"][0]["status"] == 401
            && last["endpoints"][1]["responses"][0]["note"]
                .as_str()
                .is_some_and(|n| n.contains("client certificate"))
    });
    assert!(up, "both started and answered: {last}");
    let (code, doc) = probe(&targets);
    assert!(exposures(&doc, 0).is_empty(), "{doc}");
    assert!(exposures(&doc, 1).is_empty(), "{doc}");
    assert_eq!(code, 0, "{doc}");
    assert!(
        doc["endpoints"][0]["responses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == 401),
        "every anonymous request rejected: {doc}"
    );
    // The same in SARIF: valid, no result.
    let out = stockade()
        .args(["probe", "-o", "sarif"])
        .args(&targets)
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"], json!([]));
    drop((api, etcd));
    let _ = c;
}

#[test]
fn usage_errors_and_unreachable_endpoints() {
    let out = stockade()
        .args(["probe", "127.0.0.1:9999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("KIND=ADDRESS"), "{}", text(&out));
    let port = free_port();
    let (code, doc) = probe(&[format!("apiserver=127.0.0.1:{port}")]);
    assert_eq!(code, 2, "nothing listens there: {doc}");
    assert!(doc["endpoints"][0]["error"].is_string());
}
