//! From finding to removal: `stockade unused --cluster --plan` writes a de-provisioning plan
//! of the high-confidence leftovers, which `deprovision apply` runs (dry run, then journalled)
//! and `deprovision undo` reverses, on the real control plane.

mod common;

use common::{Cleanup, cluster, json_out, stockade, text, unique};
use serde_json::{Value, json};

#[test]
fn unused_plan_apply_and_undo() {
    let Some(c) = cluster() else { return };
    let ns = unique("left");
    let mut cleanup = Cleanup {
        c: &c,
        paths: vec![],
    };
    c.create("/api/v1/namespaces", &json!({"metadata": {"name": ns}}));
    cleanup.paths.push(format!("/api/v1/namespaces/{ns}"));
    for name in ["orphan", "used"] {
        c.create(
            &format!("/api/v1/namespaces/{ns}/configmaps"),
            &json!({"metadata": {"name": name}, "data": {"k": "v"}}),
        );
    }
    c.create(
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        &json!({"metadata": {"name": "app"}, "spec": {"selector": {"matchLabels": {"app": "x"}},
            "template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "x", "image": "x:1",
                "envFrom": [{"configMapRef": {"name": "used"}}]}]}}}}),
    );
    let d = tempfile::tempdir().unwrap();
    let plan_file = d.path().join("leftovers.json");
    let journal = d.path().join("journal.db");
    let kubeconfig = c.kubeconfig.to_str().unwrap().to_string();
    let out = stockade()
        .args([
            "unused",
            "--cluster",
            "--kubeconfig",
            &kubeconfig,
            "-n",
            &ns,
            "--plan",
        ])
        .arg(&plan_file)
        .output()
        .unwrap();
    assert!(text(&out).contains("wrote a plan of"), "{}", text(&out));
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    assert_eq!(plan["kind"], "DeprovisionPlan");
    assert_eq!(plan["target"], format!("leftovers:{ns}"));
    let deleted: Vec<String> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["object"]["kind"].as_str().unwrap(),
                a["object"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(deleted.contains(&"ConfigMap orphan".to_string()), "{plan}");
    assert!(!deleted.contains(&"ConfigMap used".to_string()), "{plan}");
    assert!(
        plan["actions"][0]["object"]["uid"].is_string(),
        "preconditions from the cluster: {plan}"
    );

    let dep = |args: &[&str]| {
        let mut cmd = stockade();
        cmd.arg("deprovision")
            .args(args)
            .arg("--journal")
            .arg(&journal);
        if args[0] != "history" {
            cmd.args(["--kubeconfig", &kubeconfig]);
        }
        cmd.output().unwrap()
    };
    let path = format!("/api/v1/namespaces/{ns}/configmaps/orphan");
    let out = dep(&["apply", plan_file.to_str().unwrap(), "--cluster"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("dry run, nothing changed"),
        "{}",
        text(&out)
    );
    assert!(c.get(&path).is_some());
    let out = dep(&[
        "apply",
        plan_file.to_str().unwrap(),
        "--cluster",
        "--yes",
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json_out(&out);
    assert_eq!(report["status"], "done", "{report}");
    let id = report["journalId"].as_i64().unwrap().to_string();
    assert!(c.get(&path).is_none(), "deleted");
    assert!(
        c.get(&format!("/api/v1/namespaces/{ns}/configmaps/used"))
            .is_some(),
        "kept"
    );
    let out = dep(&["undo", &id, "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let back = c.get(&path).expect("restored");
    assert_eq!(back["data"]["k"], "v");
    drop(cleanup);
}
