//! `stockade scan --cluster` against the real control plane that scripts/test.sh starts
//! (etcd + kube-apiserver + kube-controller-manager on loopback). Setup requests go through
//! `curl` as the admin user. Without the control plane these tests print a note and pass,
//! unless STOCKADE_REQUIRE_CLUSTER=1 (set by scripts/test.sh), where they fail.

mod common;

use common::{Cluster, cluster, json_out, unique};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[test]
fn shipped_least_privilege_role_gives_full_coverage() {
    let Some(c) = cluster() else { return };
    // The shipped objects, then the same ClusterRole bound to user carol (who has nothing else).
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/rbac.yaml"),
    )
    .unwrap();
    for doc in text.split("\n---\n") {
        let v = yaml_to_json(doc);
        let kind = v["kind"].as_str().unwrap().to_string();
        let path = match kind.as_str() {
            "Namespace" => "/api/v1/namespaces".to_string(),
            "ServiceAccount" => "/api/v1/namespaces/stockade/serviceaccounts".to_string(),
            "ClusterRole" => "/apis/rbac.authorization.k8s.io/v1/clusterroles".to_string(),
            "ClusterRoleBinding" => {
                "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings".to_string()
            }
            other => panic!("unexpected kind {other} in deploy/rbac.yaml"),
        };
        c.create_or_keep(&path, &v);
    }
    let binding = unique("stockade-reader-carol");
    c.create_or_keep(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": binding},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "stockade-reader"},
                "subjects": [{"kind": "User", "name": "carol", "apiGroup": "rbac.authorization.k8s.io"}]}),
    );
    // RBAC is eventually consistent: wait until the authorizer sees the binding.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, r) = c.req(
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            Some(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"user": "carol", "groups": ["system:authenticated"],
                         "resourceAttributes": {"verb": "list", "group": "admissionregistration.k8s.io", "resource": "mutatingwebhookconfigurations"}}})),
        );
        if r["status"]["allowed"] == true || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = c
        .stockade()
        .args([
            "scan",
            "--cluster",
            "--context",
            "carol",
            "-o",
            "json",
            "--kubeconfig",
        ])
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    let r = json_out(&out);
    let coverage = r["coverage"].as_array().expect("coverage section");
    let not_ok: Vec<&Value> = coverage.iter().filter(|e| e["status"] != "ok").collect();
    assert!(
        not_ok.is_empty(),
        "the shipped role must give full coverage: {not_ok:#?}"
    );
    assert_eq!(coverage.len(), 29);
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.req(
        "DELETE",
        &format!("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{binding}"),
        None,
    );
}

/// Converts one YAML document to JSON with the binary's own loader (via `scan`'s JSON output is
/// not an option: we need the object itself), using a tiny subset: deploy/rbac.yaml is simple.
fn yaml_to_json(doc: &str) -> Value {
    let mut out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,json,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok();
    if let Some(child) = out.as_mut()
        && let Some(stdin) = child.stdin.as_mut()
    {
        let _ = stdin.write_all(doc.as_bytes());
    }
    if let Some(child) = out
        && let Ok(o) = child.wait_with_output()
        && let Ok(v) = serde_json::from_slice::<Value>(&o.stdout)
    {
        return v;
    }
    panic!("python3 with PyYAML is needed to read deploy/rbac.yaml in this test");
}

#[test]
fn forbidden_resources_are_reported_in_coverage_and_do_not_abort() {
    let Some(c) = cluster() else { return };
    // alice may list pods cluster-wide, nothing else.
    let role = unique("pods-reader");
    c.create_or_keep(
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": role},
                "rules": [{"apiGroups": [""], "resources": ["pods", "namespaces"], "verbs": ["list"]}]}),
    );
    c.create_or_keep(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": role},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]}),
    );
    // RBAC is eventually consistent: wait until the authorizer sees the binding.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, r) = c.req(
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            Some(
                &json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"user": "alice", "groups": ["dev", "qa", "system:authenticated"],
                         "resourceAttributes": {"verb": "list", "resource": "pods"}}}),
            ),
        );
        if r["status"]["allowed"] == true || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = c
        .stockade()
        .args([
            "scan",
            "--cluster",
            "--context",
            "alice",
            "-o",
            "json",
            "--kubeconfig",
        ])
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    let r = json_out(&out);
    let cov = r["coverage"].as_array().unwrap();
    let status = |res: &str| {
        cov.iter()
            .find(|e| e["resource"] == res)
            .map(|e| e["status"].clone())
    };
    assert_eq!(status("v1/pods"), Some(json!("ok")));
    assert_eq!(status("apps/v1/deployments"), Some(json!("forbidden")));
    let dep = cov
        .iter()
        .find(|e| e["resource"] == "apps/v1/deployments")
        .unwrap();
    assert!(
        dep["unassessedRules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "WL001")
    );
    assert!(
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "partial")
    );
    assert_eq!(r["partial"], true);
    assert_eq!(out.status.code(), Some(2), "a partial scan is not a pass");
    c.req(
        "DELETE",
        &format!("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{role}"),
        None,
    );
    c.req(
        "DELETE",
        &format!("/apis/rbac.authorization.k8s.io/v1/clusterroles/{role}"),
        None,
    );
}

fn objects(ns: &str) -> Vec<(String, Value)> {
    let dep = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "hostNetwork": true,
                    "containers": [{
                        "name": "web", "image": "nginx:latest",
                        "ports": [{"containerPort": 22}],
                        "env": [{"name": "API_TOKEN", "value": "tok-ExampleOnly-0d9c8b7a6f5e4d3c"}],
                        "securityContext": {"privileged": true, "capabilities": {"add": ["SYS_ADMIN"]}}
                    }],
                    "volumes": [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]
                }
            }
        }
    });
    let svc = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}],
                 "externalIPs": ["192.0.2.10"]}
    });
    let ing = json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"rules": [{"host": "web.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}
    });
    let cj = json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "report", "namespace": ns},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "OnFailure",
            "containers": [{"name": "report", "image": "registry.example.com/report:2.0.1",
                            "securityContext": {"runAsUser": 0, "allowPrivilegeEscalation": true}}]}}}}}
    });
    vec![
        (format!("/apis/apps/v1/namespaces/{ns}/deployments"), dep),
        (format!("/api/v1/namespaces/{ns}/services"), svc),
        (
            format!("/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses"),
            ing,
        ),
        (format!("/apis/batch/v1/namespaces/{ns}/cronjobs"), cj),
    ]
}

/// Rule, object, field and severity of every finding. Messages are left out on purpose: the live
/// cluster knows more than the files (the node port it assigned, the `default` ServiceAccount
/// object), and messages say so.
fn keys(r: &Value) -> BTreeSet<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}/{} {}",
                f["ruleId"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["object"]["kind"].as_str().unwrap(),
                f["object"]["name"].as_str().unwrap(),
                f["fieldPath"].as_str().unwrap(),
            )
        })
        .collect()
}

#[test]
fn live_scan_equals_a_scan_of_the_same_objects_as_files() {
    let Some(c) = cluster() else { return };
    let ns = unique("live-eq");
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns,
        "labels": {"pod-security.kubernetes.io/enforce": "privileged"}}});
    c.create_or_keep("/api/v1/namespaces", &namespace);
    let dir = tempfile::tempdir().unwrap();
    let mut text = serde_json::to_string_pretty(&namespace).unwrap() + "\n---\n";
    for (path, obj) in objects(&ns) {
        c.create_or_keep(&path, &obj);
        text.push_str(&serde_json::to_string_pretty(&obj).unwrap());
        text.push_str("\n---\n");
    }
    let file = dir.path().join("objects.yaml");
    std::fs::write(&file, text).unwrap();
    let live = c
        .stockade()
        .args([
            "scan",
            "--cluster",
            "-n",
            &ns,
            "-o",
            "json",
            "--no-config",
            "--kubeconfig",
        ])
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    let files = c
        .stockade()
        .args(["scan", "-o", "json", "--no-config"])
        .arg(&file)
        .output()
        .unwrap();
    let (live, files) = (json_out(&live), json_out(&files));
    let (lk, fk) = (keys(&live), keys(&files));
    assert!(!fk.is_empty());
    assert_eq!(
        lk,
        fk,
        "live-only: {:#?}\nfile-only: {:#?}",
        lk.difference(&fk).collect::<Vec<_>>(),
        fk.difference(&lk).collect::<Vec<_>>()
    );
    // Live findings name the cluster instead of a file, and never carry the secret value.
    let f = &live["findings"][0];
    assert_eq!(f["location"]["path"], "cluster:admin");
    assert!(!live.to_string().contains("tok-ExampleOnly"));
    c.req("DELETE", &format!("/api/v1/namespaces/{ns}"), None);
}

fn kubeconfig_variant(
    c: &Cluster,
    dir: &Path,
    server: &str,
    ca_file: &Path,
    token: &str,
) -> PathBuf {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: t\n  cluster:\n    server: {server}\n    certificate-authority: {}\nusers:\n- name: t\n  user:\n    token: {token}\ncontexts:\n- name: t\n  context: {{cluster: t, user: t}}\n",
        ca_file.display()
    );
    let _ = c;
    let p = dir.join(format!("kc-{}", unique("v")));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn connection_problems_are_one_clear_error() {
    let Some(c) = cluster() else { return };
    let dir = tempfile::tempdir().unwrap();
    // A CA that did not sign the server's certificate.
    let other_ca = dir.path().join("other-ca.crt");
    let ok = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=other",
        ])
        .arg("-keyout")
        .arg(dir.path().join("other.key"))
        .arg("-out")
        .arg(&other_ca)
        .output()
        .unwrap();
    assert!(ok.status.success());
    let cases = [
        (
            kubeconfig_variant(&c, dir.path(), "https://127.0.0.1:1", &c.ca, "x"),
            "connection refused",
        ),
        (
            kubeconfig_variant(&c, dir.path(), &c.server, &other_ca, &c.token),
            "TLS verification",
        ),
        (
            kubeconfig_variant(&c, dir.path(), &c.server, &c.ca, "expired-or-bogus-token"),
            "401 Unauthorized",
        ),
    ];
    for (kc, expected) in cases {
        c.stockade()
            .args(["scan", "--cluster", "--kubeconfig"])
            .arg(&kc)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(expected));
    }
    c.stockade()
        .args([
            "scan",
            "--cluster",
            "--context",
            "no-such-context",
            "--kubeconfig",
        ])
        .arg(&c.kubeconfig)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "context `no-such-context` is not in kubeconfig",
        ));
}

/// A TCP proxy in front of the real API server that cuts every connection, and refuses new
/// ones, once `budget` bytes have come back from the server: the API server "dies" mid-scan.
fn dying_proxy(upstream: String, budget: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sent = Arc::new(AtomicUsize::new(0));
    let dead = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(client) = conn else { continue };
            if dead.load(Ordering::SeqCst) {
                drop(client);
                continue;
            }
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut &c2, &mut &s2);
            });
            let (sent, dead) = (sent.clone(), dead.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let (mut client, mut server) = (client, server);
                loop {
                    let n = match server.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if sent.fetch_add(n, Ordering::SeqCst) + n > budget {
                        dead.store(true, Ordering::SeqCst);
                        break;
                    }
                    if client.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = client.shutdown(std::net::Shutdown::Both);
                let _ = server.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    addr
}

#[test]
fn an_api_server_that_dies_mid_scan_gives_a_partial_result() {
    let Some(c) = cluster() else { return };
    let upstream = c.server.trim_start_matches("https://").to_string();
    let proxy = dying_proxy(upstream, 40_000);
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig_variant(&c, dir.path(), &format!("https://{proxy}"), &c.ca, &c.token);
    let out = c
        .stockade()
        .args(["scan", "--cluster", "-o", "json", "--kubeconfig"])
        .arg(&kc)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json_out(&out);
    assert_eq!(r["partial"], true);
    assert!(
        r["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["status"] == "error")
    );
    assert!(
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "partial")
    );
}
