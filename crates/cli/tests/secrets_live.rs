//! `stockade secrets --cluster` against the real API server's authorizer: for every Secret of
//! a test namespace and every candidate identity, "can get it" as Stockade computes it (a
//! reader whose subject is the user, one of its groups or its ServiceAccount) equals the
//! API server's SubjectAccessReview answer. Values are never read.

mod common;

use common::{Cleanup, Kill, cluster, free_port, stockade, unique};
use serde_json::{Value, json};

#[test]
fn readers_match_subject_access_reviews() {
    let Some(c) = cluster() else { return };
    let ns = unique("sec");
    let mut cleanup = Cleanup {
        c: &c,
        paths: vec![],
    };
    c.create("/api/v1/namespaces", &json!({"metadata": {"name": ns}}));
    cleanup.paths.push(format!("/api/v1/namespaces/{ns}"));
    for name in ["db", "public", "other"] {
        c.create(
            &format!("/api/v1/namespaces/{ns}/secrets"),
            &json!({"metadata": {"name": name}, "stringData": {"value": format!("live-hunter2-{name}")}}),
        );
    }
    c.create(
        &format!("/api/v1/namespaces/{ns}/serviceaccounts"),
        &json!({"metadata": {"name": "ci"}}),
    );
    let rbac = format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}");
    c.create(
        &format!("{rbac}/roles"),
        &json!({"metadata": {"name": "read-db"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["db"], "verbs": ["get"]}]}),
    );
    c.create(
        &format!("{rbac}/roles"),
        &json!({"metadata": {"name": "read-public"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["public"], "verbs": ["get"]}]}),
    );
    for (name, role_kind, role, subject) in [
        (
            "dev-reads-db",
            "Role",
            "read-db",
            json!({"kind": "Group", "name": "dev", "apiGroup": "rbac.authorization.k8s.io"}),
        ),
        (
            "all-read-public",
            "Role",
            "read-public",
            json!({"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"}),
        ),
        (
            "ci-edit",
            "ClusterRole",
            "edit",
            json!({"kind": "ServiceAccount", "name": "ci", "namespace": ns}),
        ),
        (
            "bob-admin",
            "ClusterRole",
            "admin",
            json!({"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"}),
        ),
    ] {
        c.create(
            &format!("{rbac}/rolebindings"),
            &json!({"metadata": {"name": name}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role}, "subjects": [subject]}),
        );
    }

    let kubeconfig = c.kubeconfig.to_str().unwrap();
    let out = stockade()
        .args([
            "secrets",
            "--cluster",
            "--kubeconfig",
            kubeconfig,
            "-n",
            &ns,
            "-o",
            "json",
            "--fail-on-broad",
        ])
        .output()
        .unwrap();
    let raw = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!raw.contains("live-hunter2"), "no value");
    assert_eq!(
        out.status.code(),
        Some(1),
        "public is readable by system:authenticated: {raw}"
    );
    let doc: Value = serde_json::from_str(&raw).unwrap();
    let secrets = doc["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 3, "{doc}");
    assert_eq!(secrets[0]["name"], "public", "most exposed first");
    assert_eq!(secrets[0]["broad"], json!(["system:authenticated"]));

    let candidates: Vec<(String, Vec<String>)> = vec![
        (
            "alice".into(),
            vec!["dev".into(), "qa".into(), "system:authenticated".into()],
        ),
        (
            "bob".into(),
            vec!["ops".into(), "system:authenticated".into()],
        ),
        ("carol".into(), vec!["system:authenticated".into()]),
        (
            format!("system:serviceaccount:{ns}:ci"),
            vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{ns}"),
                "system:authenticated".into(),
            ],
        ),
        (
            format!("system:serviceaccount:{ns}:default"),
            vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{ns}"),
                "system:authenticated".into(),
            ],
        ),
        (
            "system:kube-controller-manager".into(),
            vec!["system:authenticated".into()],
        ),
    ];
    let mut checked = 0;
    for s in secrets {
        let name = s["name"].as_str().unwrap();
        let readers: Vec<&str> = s["readers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["verbs"].as_array().unwrap().iter().any(|v| v == "get"))
            .map(|a| a["subject"].as_str().unwrap())
            .collect();
        for (user, groups) in &candidates {
            let predicted = readers.iter().any(|r| {
                if let Some(u) = r.strip_prefix("User ") {
                    u == user
                } else if let Some(g) = r.strip_prefix("Group ") {
                    groups.iter().any(|x| x == g)
                } else if let Some(sa) = r.strip_prefix("ServiceAccount ") {
                    let (n, a) = sa.split_once('/').unwrap();
                    *user == format!("system:serviceaccount:{n}:{a}")
                } else {
                    false
                }
            });
            let (code, review) = c.req(
                "POST",
                "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                Some(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                    "spec": {"user": user, "groups": groups,
                        "resourceAttributes": {"namespace": ns, "verb": "get", "resource": "secrets", "name": name}}})),
            );
            assert_eq!(code, 201, "{review}");
            let allowed = review["status"]["allowed"] == true;
            assert_eq!(
                predicted, allowed,
                "{user} get secret {name}: stockade {predicted}, API server {allowed}\n{s}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 18);
    drop(cleanup);
}

/// Proof of encryption at rest read from the real etcd: the shared control plane stores
/// Secrets in plaintext; a second API server over the same etcd (its own prefix) started with
/// an EncryptionConfiguration stores them under secretbox. The value is never printed.
#[test]
fn encryption_at_rest_read_from_etcd_without_and_with_an_encryption_configuration() {
    let Some(c) = cluster() else { return };
    let (Ok(bin), Ok(dir), Ok(etcd)) = (
        std::env::var("STOCKADE_TESTBINS_BIN"),
        std::env::var("STOCKADE_TEST_DIR"),
        std::env::var("STOCKADE_TEST_ETCD_URL"),
    ) else {
        assert!(
            std::env::var("STOCKADE_REQUIRE_CLUSTER").as_deref() != Ok("1"),
            "STOCKADE_TESTBINS_BIN, STOCKADE_TEST_DIR and STOCKADE_TEST_ETCD_URL are set by scripts/test.sh"
        );
        eprintln!("note: STOCKADE_TESTBINS_BIN/STOCKADE_TEST_DIR unset; skipping");
        return;
    };
    let secrets = |args: &[&str]| {
        let out = stockade().arg("secrets").args(args).output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), all)
    };
    // Without: the shared control plane.
    let ns = unique("plain");
    let mut cleanup = Cleanup {
        c: &c,
        paths: vec![],
    };
    c.create("/api/v1/namespaces", &json!({"metadata": {"name": ns}}));
    cleanup.paths.push(format!("/api/v1/namespaces/{ns}"));
    c.create(
        &format!("/api/v1/namespaces/{ns}/secrets"),
        &json!({"metadata": {"name": "db"}, "stringData": {"password": "etcd-hunter2-plain"}}),
    );
    let secret = format!("{ns}/db");
    let (code, out) = secrets(&[
        "--verify-encryption",
        "--etcd-endpoint",
        &etcd,
        "--etcd-secret",
        &secret,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("PLAINTEXT") && out.contains(&format!("/registry/secrets/{ns}/db")),
        "{out}"
    );
    assert!(!out.contains("etcd-hunter2"), "{out}");

    // With: a second API server whose EncryptionConfiguration puts secretbox first.
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("encryption.yaml");
    std::fs::write(
        &config,
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys:\n      - name: k1\n        secret: c3RvY2thZGUtdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=\n  - identity: {}\n",
    )
    .unwrap();
    let (code, out) = secrets(&["--encryption-config", config.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("encrypted by secretbox"), "{out}");
    let port = free_port();
    let pki = std::path::Path::new(&dir).join("pki");
    let prefix = format!("/{}", unique("stockade-enc"));
    let _api = Kill(
        std::process::Command::new(std::path::Path::new(&bin).join("kube-apiserver"))
            .args([
                format!("--etcd-servers={etcd}"),
                format!("--etcd-prefix={prefix}"),
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
                format!("--token-auth-file={dir}/tokens.csv"),
                "--authorization-mode=RBAC".into(),
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
                format!(
                    "--service-account-signing-key-file={}",
                    pki.join("sa.key").display()
                ),
                format!(
                    "--service-account-key-file={}",
                    pki.join("sa.key").display()
                ),
                "--service-cluster-ip-range=10.0.2.0/24".into(),
                "--disable-admission-plugins=ServiceAccount".into(),
                format!("--encryption-provider-config={}", config.display()),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let second = common::Cluster {
        kubeconfig: c.kubeconfig.clone(),
        server: format!("https://127.0.0.1:{port}"),
        ca: c.ca.clone(),
        token: c.token.clone(),
        version: c.version.clone(),
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (code, _) = second.req("GET", "/api/v1/namespaces/default", None);
        if code == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the second API server became ready"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    second.create(
        "/api/v1/namespaces/default/secrets",
        &json!({"metadata": {"name": "enc"}, "stringData": {"password": "etcd-hunter2-enc"}}),
    );
    let (code, out) = secrets(&[
        "--verify-encryption",
        "--etcd-endpoint",
        &etcd,
        "--etcd-prefix",
        &prefix,
        "--etcd-secret",
        "default/enc",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("etcd-hunter2"), "{out}");
    let doc: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        doc["encryption"][0]["verdict"], "encrypted (secretbox v1, key k1)",
        "{doc}"
    );
    assert_eq!(doc["encryption"][0]["encrypted"], true);
    // Without --etcd-secret, the first Secret under the prefix.
    let (code, out) = secrets(&[
        "--verify-encryption",
        "--etcd-endpoint",
        &etcd,
        "--etcd-prefix",
        &prefix,
    ]);
    assert_eq!(code, 0, "{out}");
    // Bad input: an identity-first configuration is plaintext with its location; etcd not there.
    std::fs::write(
        &config,
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n  - aescbc:\n      keys: [{name: k1, secret: c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMw==}]\n",
    )
    .unwrap();
    let (code, out) = secrets(&["--encryption-config", config.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("PLAINTEXT") && out.contains("encryption.yaml:6:"),
        "{out}"
    );
    let (code, out) = secrets(&[
        "--verify-encryption",
        "--etcd-endpoint",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("etcd at http://127.0.0.1:9"), "{out}");
    drop(cleanup);
}
