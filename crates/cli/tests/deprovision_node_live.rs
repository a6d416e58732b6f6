//! Retiring a node on the real control plane, with the node made as a kubelet makes one: a
//! bootstrap token authenticates a CertificateSigningRequest, the controller manager signs it
//! once approved, and with that certificate the "kubelet" registers its Node, Lease and
//! CSINode and reports its pods running. Then `deprovision plan node:NAME`, a drain that a
//! PodDisruptionBudget blocks (reported, not forced), `--force-drain`, the stop before the Node
//! delete while the kubelet still heartbeats, undo (uncordon), the finished run once the
//! kubelet has stopped, and verify: SubjectAccessReview as `system:node:NAME`, whose
//! certificate still authenticates, as the plan says it will.

mod common;

use base64::Engine;
use common::{Cleanup, Cluster, json_out, stockade, text, unique};
use serde_json::{Value, json};
use std::path::Path;

/// A request with a bearer token or a client certificate; returns (status, body).
fn call(
    c: &Cluster,
    auth: &Auth<'_>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let ctype = if method == "PATCH" {
        "application/merge-patch+json"
    } else {
        "application/json"
    };
    let mut cmd = std::process::Command::new("curl");
    cmd.args(["-sS", "-o", "-", "-w", "\n%{http_code}", "--cacert"])
        .arg(&c.ca)
        .args(["-H", &format!("Content-Type: {ctype}"), "-X", method]);
    match auth {
        Auth::Token(t) => {
            cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
        }
        Auth::Cert(cert, key) => {
            cmd.arg("--cert").arg(cert).arg("--key").arg(key);
        }
    }
    cmd.arg(format!("{}{}", c.server, path));
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

enum Auth<'a> {
    Token(&'a str),
    Cert(&'a Path, &'a Path),
}

fn micro_time(secs_ago: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - secs_ago;
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{now}"), "+%Y-%m-%dT%H:%M:%S.000000Z"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..240 {
        if f() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn retire_a_node_that_joined_with_a_bootstrap_token() {
    let Some(c) = common::cluster() else { return };
    let admin = Auth::Token(&c.token);
    let node = unique("worker");
    let ns = unique("nodeapps");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let alnum = |n: u128, len: usize| -> String {
        let digits = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut x = n;
        (0..len)
            .map(|_| {
                let d = digits[(x % 36) as usize] as char;
                x /= 36;
                d
            })
            .collect()
    };
    let token_id = alnum(nanos, 6);
    let token_secret = alnum(nanos.rotate_left(17) ^ 0x5bd1e995, 16);
    let d = tempfile::tempdir().unwrap();
    let mut cleanup = Cleanup {
        c: &c,
        paths: vec![
            format!("/api/v1/namespaces/{ns}"),
            format!("/api/v1/nodes/{node}"),
            format!("/api/v1/namespaces/kube-system/secrets/bootstrap-token-{token_id}"),
            format!("/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-{node}"),
            format!("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{node}-extra"),
            format!("/apis/storage.k8s.io/v1/volumeattachments/{node}-va"),
            format!("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}"),
            format!("/apis/storage.k8s.io/v1/csinodes/{node}"),
        ],
    };

    // The bootstrap token, and the kubeadm-style binding that lets bootstrappers ask for
    // certificates.
    c.create(
        "/api/v1/namespaces/kube-system/secrets",
        &json!({"metadata": {"name": format!("bootstrap-token-{token_id}")},
            "type": "bootstrap.kubernetes.io/token",
            "stringData": {"token-id": token_id, "token-secret": token_secret,
                "usage-bootstrap-authentication": "true",
                "auth-extra-groups": "system:bootstrappers:stockade-test"}}),
    );
    c.create_or_keep(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        &json!({"metadata": {"name": "stockade-test-node-bootstrap"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:node-bootstrapper"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:bootstrappers"}]}),
    );

    // The kubelet's key and CSR, sent with the bootstrap token.
    let key = d.path().join("kubelet.key");
    let csr = d.path().join("kubelet.csr");
    let st = std::process::Command::new("openssl")
        .args([
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args(["-subj", &format!("/O=system:nodes/CN=system:node:{node}")])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&csr)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    let request = b64.encode(std::fs::read(&csr).unwrap());
    let bootstrap = format!("{token_id}.{token_secret}");
    let csr_name = format!("node-csr-{node}");
    let csr_path = format!("/apis/certificates.k8s.io/v1/certificatesigningrequests/{csr_name}");
    let (code, body) = call(
        &c,
        &Auth::Token(&bootstrap),
        "POST",
        "/apis/certificates.k8s.io/v1/certificatesigningrequests",
        Some(&json!({"metadata": {"name": csr_name},
            "spec": {"request": request, "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
                "usages": ["digital signature", "client auth"], "expirationSeconds": 86400}})),
    );
    assert_eq!(
        code, 201,
        "the bootstrap token authenticates the CSR: {body}"
    );
    assert_eq!(
        body["spec"]["username"],
        format!("system:bootstrap:{token_id}")
    );
    let (_, mut obj) = call(&c, &admin, "GET", &csr_path, None);
    obj["status"]["conditions"] = json!([{"type": "Approved", "status": "True",
        "reason": "StockadeTest", "message": "approved by the node retirement test"}]);
    let (code, body) = call(
        &c,
        &admin,
        "PUT",
        &format!("{csr_path}/approval"),
        Some(&obj),
    );
    assert_eq!(code, 200, "{body}");
    let mut cert_b64 = String::new();
    wait_for("the controller manager to sign the CSR", || {
        let (_, v) = call(&c, &admin, "GET", &csr_path, None);
        match v["status"]["certificate"].as_str() {
            Some(s) if !s.is_empty() => {
                cert_b64 = s.to_string();
                true
            }
            _ => false,
        }
    });
    let cert = d.path().join("kubelet.crt");
    std::fs::write(&cert, b64.decode(&cert_b64).unwrap()).unwrap();
    let kubelet = Auth::Cert(&cert, &key);
    let serial = {
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-serial", "-in"])
            .arg(&cert)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .trim_start_matches("serial=")
            .to_lowercase()
    };

    // The kubelet registers its Node, heartbeats and reports its CSI drivers.
    let (code, body) = call(
        &c,
        &kubelet,
        "POST",
        "/api/v1/nodes",
        Some(&json!({"metadata": {"name": node, "labels": {"kubernetes.io/hostname": node}}})),
    );
    assert_eq!(
        code, 201,
        "the node's certificate registers its Node: {body}"
    );
    let node_uid = body["metadata"]["uid"].as_str().unwrap().to_string();
    let owner = json!([{"apiVersion": "v1", "kind": "Node", "name": node, "uid": node_uid}]);
    let (code, body) = call(
        &c,
        &kubelet,
        "POST",
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
        Some(
            &json!({"metadata": {"name": node, "ownerReferences": owner},
            "spec": {"holderIdentity": node, "leaseDurationSeconds": 40, "renewTime": micro_time(0)}}),
        ),
    );
    assert_eq!(code, 201, "{body}");
    let (code, body) = call(
        &c,
        &kubelet,
        "POST",
        "/apis/storage.k8s.io/v1/csinodes",
        Some(
            &json!({"metadata": {"name": node, "ownerReferences": owner}, "spec": {"drivers": []}}),
        ),
    );
    assert_eq!(code, 201, "{body}");

    // Workloads on the node.
    c.create("/api/v1/namespaces", &json!({"metadata": {"name": ns}}));
    c.create(
        &format!("/api/v1/namespaces/{ns}/secrets"),
        &json!({"metadata": {"name": "app-creds"}, "stringData": {"password": "s3cr3t-value"}}),
    );
    c.create(
        &format!("/api/v1/namespaces/{ns}/configmaps"),
        &json!({"metadata": {"name": "node-tuning", "labels": {"kubernetes.io/hostname": node}}, "data": {"k": "v"}}),
    );
    let (_, rs) = c.req(
        "POST",
        &format!("/apis/apps/v1/namespaces/{ns}/replicasets"),
        Some(&json!({"metadata": {"name": "web"}, "spec": {"replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "w", "image": "web:1"}]}}}})),
    );
    let (_, ds) = c.req(
        "POST",
        &format!("/apis/apps/v1/namespaces/{ns}/daemonsets"),
        Some(&json!({"metadata": {"name": "agent"}, "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "a", "image": "agent:1"}]}}}})),
    );
    let pod = |name: &str, labels: Value, owner: Option<(&str, &str, &Value)>, on: &str| {
        let mut meta = json!({"name": name, "labels": labels});
        if let Some((kind, oname, o)) = owner {
            meta["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": kind, "name": oname,
                "uid": o["metadata"]["uid"], "controller": true}]);
        }
        c.create(
            &format!("/api/v1/namespaces/{ns}/pods"),
            &json!({"metadata": meta, "spec": {"nodeName": on, "containers": [{"name": "c", "image": "app:1",
                "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "app-creds", "key": "password"}}}]}]}}),
        );
    };
    pod(
        "web-1",
        json!({"app": "web"}),
        Some(("ReplicaSet", "web", &rs)),
        &node,
    );
    pod("solo", json!({"app": "solo"}), None, &node);
    pod(
        "agent-x",
        json!({"app": "agent"}),
        Some(("DaemonSet", "agent", &ds)),
        &node,
    );
    let other = format!("{node}-other");
    c.create("/api/v1/nodes", &json!({"metadata": {"name": other}}));
    cleanup.paths.push(format!("/api/v1/nodes/{other}"));
    pod("elsewhere", json!({"app": "web2"}), None, &other);
    c.create(
        &format!("/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets"),
        &json!({"metadata": {"name": "web-pdb"}, "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}}),
    );
    // The kubelet reports its pods running and ready.
    for p in ["web-1", "solo", "agent-x"] {
        let (code, body) = call(
            &c,
            &kubelet,
            "PATCH",
            &format!("/api/v1/namespaces/{ns}/pods/{p}/status"),
            Some(&json!({"status": {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"},
                {"type": "PodScheduled", "status": "True"}]}})),
        );
        assert_eq!(code, 200, "kubelet status of {p}: {body}");
    }
    wait_for("the disruption controller to compute web-pdb", || {
        c.get(&format!(
            "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/web-pdb"
        ))
        .is_some_and(|p| {
            p["status"]["currentHealthy"] == 1 && p["status"]["disruptionsAllowed"] == 0
        })
    });
    c.create(
        "/apis/storage.k8s.io/v1/volumeattachments",
        &json!({"metadata": {"name": format!("{node}-va")}, "spec": {"attacher": "csi.stockade.test",
            "nodeName": node, "source": {"persistentVolumeName": "pv-data"}}}),
    );
    c.create(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        &json!({"metadata": {"name": format!("{node}-extra")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": format!("system:node:{node}")}]}),
    );
    // Before: the node's certificate reads the Secret its pods use.
    let (code, _) = call(
        &c,
        &kubelet,
        "GET",
        &format!("/api/v1/namespaces/{ns}/secrets/app-creds"),
        None,
    );
    assert_eq!(
        code, 200,
        "the Node authorizer lets the node read its pods' Secret"
    );

    let kubeconfig = c.kubeconfig.to_str().unwrap().to_string();
    let journal = d.path().join("journal.db");
    let dep = |args: &[&str]| {
        let mut cmd = stockade();
        cmd.arg("deprovision").args(args);
        if args[0] != "plan" {
            cmd.arg("--journal").arg(&journal);
        }
        if args[0] != "history" {
            cmd.args(["--kubeconfig", &kubeconfig]);
        }
        cmd.output().unwrap()
    };
    let target = format!("node:{node}");
    let plan_file = d.path().join("node.json");
    let plan_path = plan_file.to_str().unwrap().to_string();
    let make_plan = |file: &str| {
        let out = dep(&[
            "plan",
            &target,
            "--cluster",
            "-o",
            "json",
            "--output-file",
            file,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let plan: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        plan
    };
    let plan = make_plan(&plan_path);
    let actions: Vec<String> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a["op"].as_str().unwrap(),
                a["object"]["kind"].as_str().unwrap(),
                a["object"]["name"].as_str().unwrap()
            )
        })
        .collect();
    let want = [
        format!("cordon Node {node}"),
        "evict Pod web-1".to_string(),
        "evict Pod solo".to_string(),
        format!("delete ClusterRoleBinding {node}-extra"),
        format!("delete CertificateSigningRequest {csr_name}"),
        format!("delete Secret bootstrap-token-{token_id}"),
        "delete ConfigMap node-tuning".to_string(),
        format!("delete Node {node}"),
        format!("delete VolumeAttachment {node}-va"),
    ];
    for w in &want {
        assert!(actions.contains(w), "{w} in {actions:?}");
    }
    assert_eq!(actions.len(), want.len(), "{actions:?}");
    let pos = |w: &str| actions.iter().position(|a| a == w).unwrap();
    assert_eq!(pos(&want[0]), 0, "cordon first");
    assert!(
        pos(&want[7]) > pos(&want[5]),
        "the Node after its credentials"
    );
    assert!(pos(&want[8]) > pos(&want[7]), "attachments after the Node");
    let cascade: Vec<String> = plan["cascade"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    for w in [
        format!("Lease {node}"),
        format!("CSINode {node}"),
        "Pod agent-x".into(),
    ] {
        assert!(cascade.contains(&w), "{w} in {cascade:?}");
    }
    assert_eq!(plan["certificates"][0]["csr"], csr_name.as_str());
    assert_eq!(
        plan["certificates"][0]["serial"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        serial,
        "the certificate the controller manager issued"
    );
    assert!(
        plan["nodeReads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "Secret" && r["name"] == "app-creds"),
        "{plan}"
    );
    let notes = plan["notes"].to_string();
    assert!(
        notes.contains("cannot revoke a client certificate"),
        "{notes}"
    );
    assert!(
        !plan.to_string().contains("s3cr3t-value"),
        "no Secret value in the plan"
    );

    // The PodDisruptionBudget blocks the drain: reported, and nothing changes.
    let out = dep(&["apply", &plan_path, "--cluster", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json_out(&out);
    assert_eq!(report["status"], "refused", "{report}");
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .contains("PodDisruptionBudget"),
        "{report}"
    );
    let out = dep(&["apply", &plan_path, "--yes", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(json_out(&out)["status"], "refused");
    let node_obj = c.get(&format!("/api/v1/nodes/{node}")).unwrap();
    assert!(
        node_obj["spec"]["unschedulable"].is_null(),
        "not cordoned: {node_obj}"
    );
    assert!(
        c.get(&format!("/api/v1/namespaces/{ns}/pods/web-1"))
            .unwrap()["metadata"]["deletionTimestamp"]
            .is_null()
    );

    // Asked to force: the drain goes through, and the run stops before the Node delete while
    // the kubelet heartbeats.
    let out = dep(&["apply", &plan_path, "--yes", "--force-drain", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json_out(&out);
    assert_eq!(report["status"], "stopped", "{report}");
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .contains("still running"),
        "{report}"
    );
    let first_run = report["journalId"].as_i64().unwrap().to_string();
    let step = |r: &Value, op: &str, name: &str| -> Value {
        r["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["op"] == op && s["object"]["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        step(&report, "evict", "web-1")["outcome"],
        "done",
        "{report}"
    );
    assert!(
        step(&report, "evict", "web-1")["message"]
            .as_str()
            .unwrap()
            .contains("--force-drain")
    );
    assert_eq!(step(&report, "evict", "solo")["outcome"], "done");
    assert_eq!(step(&report, "delete", &node)["outcome"], "refused");
    assert_eq!(
        step(&report, "delete", &format!("{node}-va"))["outcome"],
        "not-attempted"
    );
    let node_obj = c.get(&format!("/api/v1/nodes/{node}")).unwrap();
    assert_eq!(node_obj["spec"]["unschedulable"], true, "cordoned");
    assert!(
        c.get(&format!(
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{node}-extra"
        ))
        .is_none()
    );
    assert!(c.get(&csr_path).is_none());
    assert!(
        c.get(&format!(
            "/api/v1/namespaces/kube-system/secrets/bootstrap-token-{token_id}"
        ))
        .is_none()
    );
    // The authenticator reads tokens from an informer cache, which trails the delete.
    wait_for("the deleted bootstrap token to stop authenticating", || {
        let (code, _) = call(
            &c,
            &Auth::Token(&bootstrap),
            "GET",
            "/apis/certificates.k8s.io/v1/certificatesigningrequests",
            None,
        );
        code == 401
    });
    assert!(
        c.get(&format!("/api/v1/namespaces/{ns}/pods/solo"))
            .unwrap()["metadata"]["deletionTimestamp"]
            .is_string(),
        "evicted: terminating"
    );

    // Undo uncordons and restores the binding; what cannot come back is said.
    let out = dep(&["undo", &first_run, "--yes", "-o", "json"]);
    let report = json_out(&out);
    assert_eq!(
        step(&report, "uncordon", &node)["outcome"],
        "done",
        "{report}"
    );
    assert_eq!(
        step(&report, "restore", "solo")["outcome"],
        "not-restorable"
    );
    assert_eq!(
        step(&report, "create", &csr_name)["outcome"],
        "not-restorable"
    );
    let node_obj = c.get(&format!("/api/v1/nodes/{node}")).unwrap();
    assert_ne!(
        node_obj["spec"]["unschedulable"], true,
        "uncordoned: {node_obj}"
    );
    assert!(
        c.get(&format!(
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{node}-extra"
        ))
        .is_some()
    );

    // The kubelet finishes its evicted pods and stops heartbeating.
    for p in ["web-1", "solo"] {
        let (code, body) = call(
            &c,
            &kubelet,
            "DELETE",
            &format!("/api/v1/namespaces/{ns}/pods/{p}"),
            Some(&json!({"gracePeriodSeconds": 0})),
        );
        assert!(
            code == 200 || code == 404,
            "kubelet deletes {p}: {code} {body}"
        );
    }
    let lease_path =
        format!("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}");
    let (_, mut lease) = call(&c, &kubelet, "GET", &lease_path, None);
    lease["spec"]["renewTime"] = json!(micro_time(600));
    let (code, body) = call(&c, &kubelet, "PUT", &lease_path, Some(&lease));
    assert_eq!(code, 200, "{body}");

    let plan2_file = d.path().join("node2.json");
    let plan2_path = plan2_file.to_str().unwrap().to_string();
    let plan2 = make_plan(&plan2_path);
    assert!(
        plan2["actions"].to_string().contains("\"cordon\""),
        "{plan2}"
    );
    let out = dep(&["apply", &plan2_path, "--yes", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json_out(&out)["status"], "done");
    assert!(
        c.get(&format!("/api/v1/nodes/{node}")).is_none(),
        "the Node is deleted"
    );
    assert!(
        c.get(&format!(
            "/apis/storage.k8s.io/v1/volumeattachments/{node}-va"
        ))
        .is_none()
    );
    assert!(
        c.get(&format!("/api/v1/namespaces/{ns}/configmaps/node-tuning"))
            .is_none()
    );
    wait_for(
        "the garbage collector to remove the Lease and CSINode",
        || {
            c.get(&lease_path).is_none()
                && c.get(&format!("/apis/storage.k8s.io/v1/csinodes/{node}"))
                    .is_none()
        },
    );
    wait_for("pod garbage collection to remove the DaemonSet pod", || {
        c.get(&format!("/api/v1/namespaces/{ns}/pods/agent-x"))
            .is_none()
    });
    assert!(
        c.get(&format!("/api/v1/namespaces/{ns}/pods/elsewhere"))
            .is_some(),
        "another node's pod stays"
    );

    // Verify: as the node, nothing its pods gave it; what the certificate still does is said.
    let out = dep(&[
        "verify",
        &target,
        "--cluster",
        "--plan",
        &plan_path,
        "-o",
        "json",
    ]);
    let v = json_out(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["passed"], true, "{v}");
    let denied = v["answers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["request"].as_str().unwrap().contains("app-creds") && a["allowed"] == false);
    assert!(
        denied,
        "SubjectAccessReview as the node denies its former pods' Secret: {v}"
    );
    let notes = v["notes"].to_string();
    assert!(
        notes.contains(&serial) || notes.to_lowercase().contains(&serial),
        "{notes}"
    );
    assert!(notes.contains("by design"), "{notes}");
    let (code, _) = call(
        &c,
        &kubelet,
        "GET",
        &format!("/api/v1/namespaces/{ns}/secrets/app-creds"),
        None,
    );
    assert_eq!(
        code, 403,
        "the real certificate can no longer read the Secret"
    );
    let by_design = |req: &str| {
        v["answers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["request"] == req && a["allowed"] == true)
    };
    assert!(by_design("create nodes cluster-wide"), "{v}");
    assert!(
        by_design(&format!("get nodes named {node} cluster-wide")),
        "{v}"
    );
    // As verify says: the certificate still authenticates, and registers the Node again.
    let (code, body) = call(
        &c,
        &kubelet,
        "POST",
        "/api/v1/nodes",
        Some(&json!({"metadata": {"name": node}})),
    );
    assert_eq!(
        code, 201,
        "the unrevokable certificate re-registers its Node: {body}"
    );

    let out = dep(&["history", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    cleanup.paths.push(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/stockade-test-node-bootstrap"
            .into(),
    );
    drop(cleanup);
}
