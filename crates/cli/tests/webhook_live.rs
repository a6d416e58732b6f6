//! Oracle test of `stockade webhook serve` against the real kube-apiserver of the shared test
//! control plane: the real binary serves TLS on loopback with a certificate from
//! `stockade webhook certs`, a ValidatingWebhookConfiguration sends it the requests of two test
//! namespaces (selected by a label only they carry, so no other test is affected), and the API
//! server's own answers are checked: denials with the rule named, admissions, warnings returned
//! to the client, an exempt namespace, dry runs judged without audit annotations, a Deployment
//! denied at the Deployment, a certificate swapped on disk with no failed request, and pods
//! admitted with the webhook stopped under `failurePolicy: Ignore`.
//!
//! Skipped with a note without a control plane (fails then under STOCKADE_REQUIRE_CLUSTER=1).

mod common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Webhook {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_webhook(dir: &Path, kubeconfig: &Path, config: &Path) -> Webhook {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["webhook", "serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(dir.join("tls.crt"))
        .arg("--tls-key")
        .arg(dir.join("tls.key"))
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--config")
        .arg(config)
        .args(["--namespace", "stockade-webhook-home"])
        .env_remove("KUBECONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stockade runs");
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let log2 = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && v["msg"] == "listening"
            {
                let _ = tx.send(v["address"].as_str().unwrap_or_default().to_string());
            }
            log2.lock().unwrap().push(line);
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("webhook did not start: {:?}", log.lock().unwrap()));
    Webhook { child, addr, log }
}

/// curl with the given CA; returns (status, headers, body).
fn curl(ca: &Path, args: &[&str]) -> (u16, String, Value) {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-D",
            "-",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
            "--cacert",
        ])
        .arg(ca)
        .args(args)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (rest, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    let (headers, body) = rest.split_once("\r\n\r\n").unwrap_or((rest, ""));
    (
        code.trim().parse().unwrap_or(0),
        headers.to_string(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

fn wait_ready(ca: &Path, addr: &str) {
    let start = Instant::now();
    loop {
        let (code, _, _) = curl(ca, &[&format!("https://{addr}/readyz")]);
        if code == 200 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "webhook never ready ({code})"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn hardened(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
    "spec": {
        "automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "web",
            "image": "registry.example.com/web:1.4.2@sha256:44700f25ef291a66f9e766360ac17273ae5df15ea9be68c615ea7d7c2daa61e0",
            "imagePullPolicy": "IfNotPresent",
            "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                "capabilities": {"drop": ["ALL"]}},
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}}
        }]
    }})
}

fn privileged(name: &str) -> Value {
    let mut p = hardened(name);
    let sc = &mut p["spec"]["containers"][0]["securityContext"];
    sc["privileged"] = json!(true);
    // The API server refuses privileged together with allowPrivilegeEscalation: false.
    sc.as_object_mut()
        .unwrap()
        .remove("allowPrivilegeEscalation");
    p
}

struct Api<'a> {
    c: &'a common::Cluster,
}

impl Api<'_> {
    /// POST as admin; returns (status, Warning headers, body).
    fn post(&self, path: &str, obj: &Value) -> (u16, Vec<String>, Value) {
        let (code, headers, body) = curl(
            &self.c.ca,
            &[
                "-H",
                &format!("Authorization: Bearer {}", self.c.token),
                "-H",
                "Content-Type: application/json",
                "-X",
                "POST",
                "--data-binary",
                &obj.to_string(),
                &format!("{}{path}", self.c.server),
            ],
        );
        let warnings = headers
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("warning")
                    .then(|| v.trim().to_string())
            })
            .collect();
        (code, warnings, body)
    }
}

fn webhook_config(name: &str, addr: &str, ca_pem: &[u8], selector: &str, policy: &str) -> Value {
    use std::io::Write;
    let mut b64 = Vec::new();
    {
        let mut enc = Command::new("base64")
            .arg("-w0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        enc.stdin.take().unwrap().write_all(ca_pem).unwrap();
        let out = enc.wait_with_output().unwrap();
        b64.extend(out.stdout);
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": name},
        "webhooks": [{
            "name": "validate.stockade.dev",
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "timeoutSeconds": 5,
            "failurePolicy": policy,
            "clientConfig": {"url": format!("https://{addr}/validate"), "caBundle": String::from_utf8(b64).unwrap()},
            "namespaceSelector": {"matchLabels": {"stockade-webhook-test": selector}},
            "rules": [
                {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["pods", "pods/ephemeralcontainers"]},
                {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["deployments"]}
            ]
        }]
    })
}

/// Signs a new serving certificate for 127.0.0.1 with the CA in `dir`, into `out`.
fn sign_new_cert(dir: &Path, out: &Path) {
    let run = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(out)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    std::fs::write(
        out.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "new.key",
    ]);
    run(&[
        "req",
        "-new",
        "-key",
        "new.key",
        "-subj",
        "/CN=rotated",
        "-out",
        "new.csr",
    ]);
    let ca = dir.join("ca.crt");
    let ca_key = dir.join("ca.key");
    run(&[
        "x509",
        "-req",
        "-in",
        "new.csr",
        "-CA",
        ca.to_str().unwrap(),
        "-CAkey",
        ca_key.to_str().unwrap(),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "new.crt",
    ]);
}

/// The subject of the certificate served at `addr`.
fn served_subject(addr: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect {addr} -servername 127.0.0.1 </dev/null 2>/dev/null | openssl x509 -noout -subject"
        ))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn the_real_api_server_calls_the_webhook_and_enforces_its_verdicts() {
    let Some(c) = common::cluster() else { return };
    let api = Api { c: &c };
    let id = common::unique("wh");
    let tmp = tempfile::tempdir().unwrap();
    let certs = tmp.path().join("certs");
    let out = common::stockade()
        .args(["webhook", "certs"])
        .arg(&certs)
        .args(["--san", "127.0.0.1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::text(&out));

    let ns = format!("{id}-a");
    let exempt = format!("{id}-x");
    let relaxed = format!("{id}-l");
    let config = tmp.path().join("stockade.yaml");
    std::fs::write(
        &config,
        format!("admission:\n  rules:\n    WL036: warn\n    WL043: audit\n  exempt:\n    namespaces: [{exempt}]\n"),
    )
    .unwrap();
    let wh = start_webhook(&certs, &c.kubeconfig, &config);
    wait_ready(&certs.join("ca.crt"), &wh.addr);

    let vwc = format!("stockade-test-{id}");
    let _cleanup = common::Cleanup {
        c: &c,
        paths: vec![
            format!("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/{vwc}"),
            format!("/api/v1/namespaces/{ns}"),
            format!("/api/v1/namespaces/{exempt}"),
            format!("/api/v1/namespaces/{relaxed}"),
        ],
    };
    for n in [&ns, &exempt, &relaxed] {
        let mut labels = json!({"stockade-webhook-test": id});
        if n == &relaxed {
            labels["stockade.dev/enforce"] = json!("none");
        }
        c.create(
            "/api/v1/namespaces",
            &json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": n, "labels": labels}}),
        );
        let start = Instant::now();
        while c
            .get(&format!("/api/v1/namespaces/{n}/serviceaccounts/default"))
            .is_none()
        {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no default ServiceAccount in {n}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let ca_pem = std::fs::read(certs.join("ca.crt")).unwrap();
    c.create(
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
        &webhook_config(&vwc, &wh.addr, &ca_pem, &id, "Fail"),
    );
    let pods = format!("/api/v1/namespaces/{ns}/pods");

    // The API server picks the configuration up within a moment: a dry-run privileged pod is
    // denied once it does.
    let start = Instant::now();
    let (code, _, body) = loop {
        let r = api.post(&format!("{pods}?dryRun=All"), &privileged("probe"));
        if r.0 != 201 || start.elapsed() > Duration::from_secs(30) {
            break r;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(code, 403, "{body}");
    let msg = body["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("admission webhook \"validate.stockade.dev\" denied the request")
            && msg.contains("WL001 at spec.containers[0].securityContext.privileged"),
        "{msg}"
    );
    // Judged, and nothing was created.
    assert!(c.get(&format!("{pods}/probe")).is_none());

    // A privileged pod is denied; a hardened one is admitted.
    let (code, warnings, body) = api.post(&pods, &privileged("bad"));
    assert_eq!(code, 403, "{body}");
    assert!(
        warnings.iter().any(|w| w.contains("denied: WL001")),
        "{warnings:?}"
    );
    let (code, _, body) = api.post(&pods, &hardened("good"));
    assert_eq!(code, 201, "{body}");

    // A warn-mode rule: admitted, and the warning reaches the client.
    let mut latest = hardened("latest");
    latest["spec"]["containers"][0]["image"] = json!("nginx");
    latest["spec"]["containers"][0]["imagePullPolicy"] = json!("Always");
    let (code, warnings, body) = api.post(&pods, &latest);
    assert_eq!(code, 201, "{body}");
    assert!(warnings.iter().any(|w| w.contains("WL036")), "{warnings:?}");

    // An exempt namespace passes.
    let (code, _, body) = api.post(
        &format!("/api/v1/namespaces/{exempt}/pods"),
        &privileged("bad"),
    );
    assert_eq!(code, 201, "{body}");

    // A namespace label from the watch cache lowers the enforcement there: admitted, warned.
    let start = Instant::now();
    loop {
        let (code, warnings, body) = api.post(
            &format!("/api/v1/namespaces/{relaxed}/pods?dryRun=All"),
            &privileged("relaxed"),
        );
        if code == 201 {
            assert!(warnings.iter().any(|w| w.contains("WL001")), "{warnings:?}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "label never applied: {code} {body}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }

    // Audit mode: an audit annotation in the API server's audit log; none for a dry run.
    let with_secret_env = |name: &str| {
        let mut p = hardened(name);
        p["spec"]["containers"][0]["env"] =
            json!([{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]);
        p
    };
    let (code, _, body) = api.post(&pods, &with_secret_env("audited"));
    assert_eq!(code, 201, "{body}");
    let (code, _, body) = api.post(
        &format!("{pods}?dryRun=All"),
        &with_secret_env("audited-dry"),
    );
    assert_eq!(code, 201, "{body}");
    if let Ok(log) = std::env::var("STOCKADE_TEST_AUDIT_LOG") {
        let text = std::fs::read_to_string(log).unwrap();
        let events: Vec<Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| {
                e["objectRef"]["namespace"] == json!(ns)
                    && e["verb"] == "create"
                    && e["stage"] == "ResponseComplete"
            })
            .collect();
        let of = |name: &str| {
            events
                .iter()
                .find(|e| e["objectRef"]["name"] == name)
                .unwrap_or_else(|| panic!("no audit event for {name}"))
                .clone()
        };
        let audited = of("audited");
        assert!(
            audited["annotations"]["validate.stockade.dev/audit"]
                .as_str()
                .is_some_and(|a| a.contains("WL043")),
            "{audited}"
        );
        let dry = of("audited-dry");
        assert!(
            dry["annotations"]
                .get("validate.stockade.dev/audit")
                .is_none(),
            "{dry}"
        );
    }

    // A Deployment whose template violates a rule is denied at the Deployment.
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": privileged("x")["spec"].clone()}}});
    let (code, _, body) = api.post(&format!("/apis/apps/v1/namespaces/{ns}/deployments"), &d);
    assert_eq!(code, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("WL001 at spec.template.spec.containers[0].securityContext.privileged"),
        "{body}"
    );

    // A certificate swapped on disk is picked up with no failed request.
    let before = served_subject(&wh.addr);
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(Mutex::new(Vec::new())),
    );
    let load = {
        let (stop, ok, failed) = (Arc::clone(&stop), Arc::clone(&ok), Arc::clone(&failed));
        let (server, token, ca, pods) = (
            c.server.clone(),
            c.token.clone(),
            c.ca.clone(),
            pods.clone(),
        );
        std::thread::spawn(move || {
            let cl = common::Cluster {
                kubeconfig: Default::default(),
                server,
                ca,
                token,
                version: String::new(),
            };
            let api = Api { c: &cl };
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let (code, _, body) = api.post(
                    &format!("{pods}?dryRun=All"),
                    &privileged(&format!("swap-{i}")),
                );
                if code == 403
                    && body["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("WL001")
                {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.lock().unwrap().push(format!("{code} {body}"));
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let staging = tmp.path().join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    sign_new_cert(&certs, &staging);
    // As a Secret volume does: the new pair replaces the old by rename.
    std::fs::copy(staging.join("new.key"), certs.join("tls.key.tmp")).unwrap();
    std::fs::copy(staging.join("new.crt"), certs.join("tls.crt.tmp")).unwrap();
    std::fs::rename(certs.join("tls.key.tmp"), certs.join("tls.key")).unwrap();
    std::fs::rename(certs.join("tls.crt.tmp"), certs.join("tls.crt")).unwrap();
    let start = Instant::now();
    while served_subject(&wh.addr) == before {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "new certificate not served: {before}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(served_subject(&wh.addr).contains("rotated"));
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();
    assert!(
        failed.lock().unwrap().is_empty(),
        "failed during the swap: {:?}",
        failed.lock().unwrap()
    );
    assert!(
        ok.load(Ordering::Relaxed) >= 3,
        "too few requests during the swap"
    );
    assert!(
        wh.log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("TLS certificate reloaded")),
        "{:?}",
        wh.log.lock().unwrap()
    );

    // Each decision is one JSON log line with the request's uid.
    let decisions: Vec<Value> = wh
        .log
        .lock()
        .unwrap()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["msg"] == "decision")
        .collect();
    assert!(
        decisions
            .iter()
            .any(|d| d["verdict"] == "denied" && d["uid"].as_str().is_some_and(|u| !u.is_empty()))
    );

    // With the webhook stopped and failurePolicy Ignore, pods are admitted.
    let addr = wh.addr.clone();
    drop(wh);
    c.delete(&format!(
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/{vwc}"
    ));
    c.create(
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
        &webhook_config(&vwc, &addr, &ca_pem, &id, "Ignore"),
    );
    let start = Instant::now();
    loop {
        let (code, _, body) = api.post(&format!("{pods}?dryRun=All"), &privileged("ignored"));
        if code == 201 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{code} {body}");
        std::thread::sleep(Duration::from_millis(250));
    }
    let (code, _, body) = api.post(&pods, &privileged("admitted"));
    assert_eq!(code, 201, "{body}");
}
