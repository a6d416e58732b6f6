//! The audit webhook backend receives events live from the real kube-apiserver.
//!
//! scripts/test.sh starts `stockade audit-log serve` (TLS on loopback) before the shared control
//! plane and points kube-apiserver's `--audit-webhook-config-file` at it; its alerts go to
//! `$STOCKADE_TEST_WEBHOOK_ALERTS`. Here a suspicious action is taken through the API server and
//! the alert must arrive through the webhook, with no log file involved.

use std::time::{Duration, Instant};

#[test]
fn kube_apiserver_posts_events_to_the_webhook_backend_which_alerts() {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (Some(alerts), Some(server), Some(ca), Some(token)) = (
        get("STOCKADE_TEST_WEBHOOK_ALERTS"),
        get("STOCKADE_TEST_APISERVER"),
        get("STOCKADE_TEST_CA"),
        get("STOCKADE_TEST_ADMIN_TOKEN"),
    ) else {
        assert!(
            std::env::var("STOCKADE_REQUIRE_CLUSTER").as_deref() != Ok("1"),
            "STOCKADE_REQUIRE_CLUSTER=1 but the live audit webhook is not set up: run via scripts/test.sh"
        );
        eprintln!("note: no live audit webhook (STOCKADE_TEST_WEBHOOK_ALERTS unset); skipping");
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!("live-webhook-admin-{}-{nanos}", std::process::id());
    let body = format!(
        r#"{{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{{"name":"{name}"}},"roleRef":{{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}},"subjects":[{{"kind":"User","name":"mallory","apiGroup":"rbac.authorization.k8s.io"}}]}}"#
    );
    let curl = |method: &str, path: &str, data: Option<&str>| {
        let mut c = std::process::Command::new("curl");
        c.args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--cacert",
            &ca,
        ])
        .args([
            "-H",
            &format!("Authorization: Bearer {token}"),
            "-H",
            "Content-Type: application/json",
        ])
        .args(["-X", method, &format!("{server}{path}")]);
        if let Some(d) = data {
            c.args(["--data-binary", d]);
        }
        String::from_utf8_lossy(&c.output().expect("curl runs").stdout).to_string()
    };
    assert_eq!(
        curl(
            "POST",
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            Some(&body)
        ),
        "201"
    );
    // Batches are sent at least every second; allow for a busy machine.
    let deadline = Instant::now() + Duration::from_secs(30);
    let found = loop {
        let text = std::fs::read_to_string(&alerts).unwrap_or_default();
        if let Some(line) = text
            .lines()
            .find(|l| l.contains(&name) && l.contains("\"AU003\""))
        {
            break Some(line.to_string());
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    curl(
        "DELETE",
        &format!("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}"),
        None,
    );
    let line = found.unwrap_or_else(|| {
        panic!(
            "no AU003 alert for {name} arrived through the webhook within 30 s; alerts file:\n{}",
            std::fs::read_to_string(&alerts).unwrap_or_default()
        )
    });
    let v: serde_json::Value = serde_json::from_str(&line).expect("alerts are JSON lines");
    assert_eq!(v["ruleId"], "AU003");
    assert!(
        v["message"].as_str().unwrap_or("").contains("mallory") || line.contains("mallory"),
        "{line}"
    );
}
