//! `stockade deprovision` end to end against the real control plane that scripts/test.sh
//! starts (etcd + kube-apiserver + kube-controller-manager on loopback): plan from the cluster,
//! apply with preconditions, verify with SubjectAccessReview, undo, verify again; a
//! half-applied plan is finished by a second apply; an object changed after planning is
//! refused. Setup goes through `curl` as the admin user, as in tests/unused.rs. Without the
//! control plane the cluster tests print a note and pass, unless STOCKADE_REQUIRE_CLUSTER=1.
//! Every test uses its own namespace and user names, so they coexist on a shared cluster.

mod common;

use common::{Cleanup, Cluster, cluster, json_out, stockade, text, unique};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RBAC_API: &str = "/apis/rbac.authorization.k8s.io/v1";

impl Cluster {
    /// SubjectAccessReview for a user alone.
    fn can(&self, user: &str, verb: &str, resource: &str, ns: &str) -> bool {
        let (_, r) = self.req_as(
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            Some(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"user": user, "resourceAttributes": {"verb": verb, "resource": resource, "namespace": ns}}})),
            "application/json",
        );
        r["status"]["allowed"] == true
    }

    /// Waits until the authorizer's answer is `want` (RBAC is eventually consistent).
    fn wait_can(&self, user: &str, verb: &str, resource: &str, ns: &str, want: bool) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.can(user, verb, resource, ns) != want {
            assert!(
                Instant::now() < deadline,
                "{user} {verb} {resource} in {ns} never became {want}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn run(&self, args: &[&str], journal: &Path) -> std::process::Output {
        let mut cmd = stockade();
        cmd.arg("deprovision")
            .args(args)
            .arg("--journal")
            .arg(journal);
        if !matches!(args[0], "history" | "report") {
            cmd.arg("--kubeconfig").arg(&self.kubeconfig);
        }
        cmd.output().unwrap()
    }

    fn plan(&self, target: &str, file: &Path) -> Value {
        let out = stockade()
            .args([
                "deprovision",
                "plan",
                target,
                "--cluster",
                "-o",
                "json",
                "--kubeconfig",
            ])
            .arg(&self.kubeconfig)
            .arg("--output-file")
            .arg(file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
    }
}

fn user_subject(name: &str) -> Value {
    json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name})
}

/// A namespace with `user` bound three ways: a single-subject RoleBinding to its own Role, a
/// single-subject ClusterRoleBinding to its own ClusterRole, and a RoleBinding of `view`
/// shared with `other`. Returns the cleanup.
fn setup<'a>(c: &'a Cluster, ns: &str, user: &str, other: &str) -> Cleanup<'a> {
    let cleanup = Cleanup {
        c,
        paths: vec![
            format!("/api/v1/namespaces/{ns}"),
            format!("{RBAC_API}/clusterrolebindings/{ns}-crb"),
            format!("{RBAC_API}/clusterroles/{ns}-secrets"),
        ],
    };
    c.create(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    );
    c.create(
        &format!("{RBAC_API}/namespaces/{ns}/roles"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "pods", "namespace": ns},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "delete"]}]}),
    );
    c.create(
        &format!("{RBAC_API}/namespaces/{ns}/rolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "pods", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pods"},
            "subjects": [user_subject(user)]}),
    );
    c.create(
        &format!("{RBAC_API}/namespaces/{ns}/rolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "team", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [user_subject(other), user_subject(user)]}),
    );
    c.create(
        &format!("{RBAC_API}/clusterroles"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": format!("{ns}-secrets")},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}),
    );
    c.create(
        &format!("{RBAC_API}/clusterrolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": format!("{ns}-crb")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("{ns}-secrets")},
            "subjects": [user_subject(user)]}),
    );
    c.wait_can(user, "delete", "pods", ns, true);
    c.wait_can(user, "get", "secrets", "", true);
    c.wait_can(user, "list", "configmaps", ns, true);
    cleanup
}

fn actions(plan: &Value) -> Vec<String> {
    plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let o = &a["object"];
            match o["namespace"].as_str() {
                Some(ns) => format!(
                    "{} {} {ns}/{}",
                    a["op"].as_str().unwrap(),
                    o["kind"].as_str().unwrap(),
                    o["name"].as_str().unwrap()
                ),
                None => format!(
                    "{} {} {}",
                    a["op"].as_str().unwrap(),
                    o["kind"].as_str().unwrap(),
                    o["name"].as_str().unwrap()
                ),
            }
        })
        .collect()
}

fn subjects(c: &Cluster, ns: &str, binding: &str) -> Vec<String> {
    c.get(&format!(
        "{RBAC_API}/namespaces/{ns}/rolebindings/{binding}"
    ))
    .unwrap()["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn plan_apply_verify_undo_verify_on_a_live_cluster() {
    let Some(c) = cluster() else { return };
    let ns = unique("deprov");
    let (user, other) = (format!("{ns}-dave"), format!("{ns}-erin"));
    let _cleanup = setup(&c, &ns, &user, &other);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    let plan_file = dir.path().join("plan.json");
    let target = format!("user:{user}");

    // Plan.
    let plan = c.plan(&target, &plan_file);
    assert_eq!(plan["apiVersion"], "stockade.dev/v1alpha1");
    assert_eq!(plan["source"]["kind"], "cluster");
    assert_eq!(
        actions(&plan),
        vec![
            format!("removeSubjects RoleBinding {ns}/team"),
            format!("delete RoleBinding {ns}/pods"),
            format!("delete ClusterRoleBinding {ns}-crb"),
            format!("delete Role {ns}/pods"),
            format!("delete ClusterRole {ns}-secrets"),
        ]
    );
    for a in plan["actions"].as_array().unwrap() {
        assert!(a["object"]["uid"].is_string(), "{a}");
        assert!(a["object"]["resourceVersion"].is_string(), "{a}");
    }
    // `view` stays bound (to the other user) by the patched binding, so it is no candidate.
    assert_eq!(plan["kept"], json!([]), "{plan}");

    // Dry run: checks and server-side dry-run, nothing changes and nothing is journalled.
    let out = c.run(
        &["apply", plan_file.to_str().unwrap(), "--cluster"],
        &journal,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("dry run, nothing changed"),
        "{}",
        text(&out)
    );
    assert_eq!(text(&out).matches("would-do").count(), 5, "{}", text(&out));
    assert!(
        c.get(&format!("{RBAC_API}/namespaces/{ns}/rolebindings/pods"))
            .is_some()
    );
    assert_eq!(subjects(&c, &ns, "team"), vec![other.clone(), user.clone()]);

    // Apply.
    let out = c.run(
        &["apply", plan_file.to_str().unwrap(), "--yes", "-o", "json"],
        &journal,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json_out(&out);
    assert_eq!(report["status"], "done");
    let id = report["journalId"].as_i64().unwrap();
    assert!(
        report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["outcome"] == "done"),
        "{report}"
    );
    assert!(
        c.get(&format!("{RBAC_API}/namespaces/{ns}/rolebindings/pods"))
            .is_none()
    );
    assert!(
        c.get(&format!("{RBAC_API}/namespaces/{ns}/roles/pods"))
            .is_none()
    );
    assert!(
        c.get(&format!("{RBAC_API}/clusterrolebindings/{ns}-crb"))
            .is_none()
    );
    assert!(
        c.get(&format!("{RBAC_API}/clusterroles/{ns}-secrets"))
            .is_none()
    );
    // The other user keeps the shared binding and the access it gives.
    assert_eq!(subjects(&c, &ns, "team"), vec![other.clone()]);
    c.wait_can(&user, "list", "configmaps", &ns, false);
    c.wait_can(&user, "delete", "pods", &ns, false);
    c.wait_can(&user, "get", "secrets", "", false);
    assert!(c.can(&other, "list", "configmaps", &ns));

    // Verify: offline engine and SubjectAccessReview agree that nothing remains.
    let out = c.run(&["verify", &target, "--cluster", "-o", "json"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json_out(&out);
    assert_eq!(v["passed"], true, "{v}");
    assert!(
        v["namespaces"].as_array().unwrap().contains(&json!(ns)),
        "{v}"
    );
    let answers = v["answers"].as_array().unwrap();
    assert!(answers.len() >= 40, "cluster-wide and in {ns}: {v}");
    assert!(answers.iter().all(|a| a["allowed"] == false), "{v}");
    for want in [
        format!("list pods in namespace {ns}"),
        "impersonate users cluster-wide".to_string(),
        "escalate clusterroles.rbac.authorization.k8s.io cluster-wide".to_string(),
        format!("delete deployments.apps in namespace {ns}"),
    ] {
        assert!(
            answers.iter().any(|a| a["request"] == json!(want)),
            "{want}: {v}"
        );
    }

    // History records who, what and how it went.
    let out = c.run(&["history", "-o", "json"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let h = json_out(&out);
    let run = h
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap();
    assert_eq!(run["kind"], "apply");
    assert_eq!(run["kubeUser"], "admin");
    assert_eq!(run["target"], json!(target));
    assert_eq!(run["status"], "done");
    assert_eq!(run["counts"]["done"], 5);

    // Undo: dry run first, then for real.
    let out = c.run(&["undo", &id.to_string()], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        c.get(&format!("{RBAC_API}/namespaces/{ns}/rolebindings/pods"))
            .is_none()
    );
    let out = c.run(&["undo", &id.to_string(), "--yes"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        c.get(&format!("{RBAC_API}/namespaces/{ns}/rolebindings/pods"))
            .is_some()
    );
    assert!(
        c.get(&format!("{RBAC_API}/namespaces/{ns}/roles/pods"))
            .is_some()
    );
    assert!(
        c.get(&format!("{RBAC_API}/clusterrolebindings/{ns}-crb"))
            .is_some()
    );
    assert!(
        c.get(&format!("{RBAC_API}/clusterroles/{ns}-secrets"))
            .is_some()
    );
    assert_eq!(subjects(&c, &ns, "team"), vec![other.clone(), user.clone()]);
    c.wait_can(&user, "delete", "pods", &ns, true);
    c.wait_can(&user, "get", "secrets", "", true);

    // Verify fails again, naming what grants the access.
    let out = c.run(&["verify", &target, "--cluster"], &journal);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("FAILED, access remains"), "{t}");
    assert!(
        t.contains(&format!("RoleBinding {ns}/pods grants Role {ns}/pods")),
        "{t}"
    );
    assert!(t.contains("ALLOWED"), "{t}");
    let out = c.run(&["history"], &journal);
    assert!(
        text(&out).contains(&format!("undo of {id}")),
        "{}",
        text(&out)
    );
}

#[test]
fn a_half_applied_plan_is_finished_by_applying_it_again() {
    let Some(c) = cluster() else { return };
    let ns = unique("deprov-half");
    let (user, other) = (format!("{ns}-frank"), format!("{ns}-gina"));
    let _cleanup = setup(&c, &ns, &user, &other);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    let plan_file = dir.path().join("plan.json");
    let plan = c.plan(&format!("user:{user}"), &plan_file);
    assert_eq!(actions(&plan).len(), 5);

    // A run that dies after two real calls.
    let out = c.run(
        &[
            "apply",
            plan_file.to_str().unwrap(),
            "--yes",
            "--fail-after",
            "2",
            "-o",
            "json",
        ],
        &journal,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = json_out(&out);
    assert_eq!(r["status"], "stopped");
    let outcomes: Vec<&str> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        vec!["done", "done", "failed", "not-attempted", "not-attempted"]
    );
    assert_eq!(subjects(&c, &ns, "team"), vec![other.clone()]);
    assert!(
        c.get(&format!("{RBAC_API}/namespaces/{ns}/rolebindings/pods"))
            .is_none()
    );
    assert!(
        c.get(&format!("{RBAC_API}/clusterrolebindings/{ns}-crb"))
            .is_some()
    );
    // The journal says exactly that.
    let out = c.run(&["history", "-o", "json"], &journal);
    let h = json_out(&out);
    assert_eq!(h[0]["status"], "stopped");
    assert_eq!(
        h[0]["counts"],
        json!({"done": 2, "failed": 1, "not-attempted": 2})
    );

    // Again: what is done counts as done, the rest is done now.
    let out = c.run(
        &["apply", plan_file.to_str().unwrap(), "--yes", "-o", "json"],
        &journal,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = json_out(&out);
    assert_eq!(r["status"], "done");
    let outcomes: Vec<&str> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        vec!["already-done", "already-done", "done", "done", "done"]
    );
    assert!(
        c.get(&format!("{RBAC_API}/clusterrolebindings/{ns}-crb"))
            .is_none()
    );
    assert!(
        c.get(&format!("{RBAC_API}/clusterroles/{ns}-secrets"))
            .is_none()
    );
    assert_eq!(subjects(&c, &ns, "team"), vec![other.clone()]);
    // Verify right away (no waiting for the RBAC cache) checks the journalled plan's objects.
    let out = c.run(&["verify", &format!("user:{user}"), "--cluster"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(&format!("ClusterRoleBinding {ns}-crb is gone")),
        "{t}"
    );
    assert!(
        t.contains(&format!(
            "RoleBinding {ns}/team no longer names User {user}"
        )),
        "{t}"
    );
    assert!(
        t.contains("the plan of journal entry 2 (the latest apply for this target)"),
        "{t}"
    );
}

#[test]
fn an_object_changed_after_planning_is_refused_and_nothing_is_changed() {
    let Some(c) = cluster() else { return };
    let ns = unique("deprov-changed");
    let (user, other) = (format!("{ns}-hal"), format!("{ns}-ivy"));
    let _cleanup = setup(&c, &ns, &user, &other);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    let plan_file = dir.path().join("plan.json");
    c.plan(&format!("user:{user}"), &plan_file);

    // Someone edits the ClusterRoleBinding after the plan was made.
    let (code, body) = c.req_as(
        "PATCH",
        &format!("{RBAC_API}/clusterrolebindings/{ns}-crb"),
        Some(&json!({"metadata": {"labels": {"edited": "after-plan"}}})),
        "application/merge-patch+json",
    );
    assert_eq!(code, 200, "{body}");

    let out = c.run(&["apply", plan_file.to_str().unwrap(), "--yes"], &journal);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("REFUSED, nothing changed"), "{t}");
    assert!(
        t.contains(&format!(
            "ClusterRoleBinding {ns}-crb changed since the plan (resourceVersion"
        )),
        "{t}"
    );
    // Nothing was touched, the edited object least of all.
    assert!(
        c.get(&format!("{RBAC_API}/clusterrolebindings/{ns}-crb"))
            .is_some()
    );
    assert!(
        c.get(&format!("{RBAC_API}/namespaces/{ns}/rolebindings/pods"))
            .is_some()
    );
    assert_eq!(subjects(&c, &ns, "team"), vec![other.clone(), user.clone()]);
    let h = json_out(&c.run(&["history", "-o", "json"], &journal));
    assert_eq!(h[0]["status"], "refused");
    assert_eq!(h[0]["counts"]["refused"], 1);
}

#[test]
fn a_service_account_goes_with_its_tokens_and_no_secret_value_is_kept() {
    let Some(c) = cluster() else { return };
    let ns = unique("deprov-sa");
    let other = format!("{ns}-jo");
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![format!("/api/v1/namespaces/{ns}")],
    };
    let api = format!("/api/v1/namespaces/{ns}");
    c.create(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    );
    c.create(
        &format!("{api}/serviceaccounts"),
        &json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bot", "namespace": ns},
            "secrets": [{"name": "bot-token"}, {"name": "bot-extra"}]}),
    );
    c.create(
        &format!("{api}/secrets"),
        &json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "bot-token", "namespace": ns,
                "annotations": {"kubernetes.io/service-account.name": "bot"}}}),
    );
    c.create(
        &format!("{api}/secrets"),
        &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "bot-extra", "namespace": ns},
            "stringData": {"api-key": "s3cr3t-value-do-not-store"}}),
    );
    let sa = json!({"kind": "ServiceAccount", "name": "bot", "namespace": ns});
    c.create(
        &format!("{RBAC_API}/namespaces/{ns}/rolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "bot", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [sa]}),
    );
    c.create(
        &format!("{RBAC_API}/namespaces/{ns}/rolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "team", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [user_subject(&other), sa]}),
    );
    let bot = format!("system:serviceaccount:{ns}:bot");
    c.wait_can(&bot, "create", "configmaps", &ns, true);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    let plan_file = dir.path().join("plan.json");
    let target = format!("sa:{ns}/bot");

    let plan = c.plan(&target, &plan_file);
    assert_eq!(
        actions(&plan),
        vec![
            format!("removeSubjects RoleBinding {ns}/team"),
            format!("delete RoleBinding {ns}/bot"),
            format!("delete Secret {ns}/bot-token"),
            format!("delete Secret {ns}/bot-extra"),
            format!("delete ServiceAccount {ns}/bot"),
        ]
    );
    let out = stockade()
        .args(["deprovision", "plan", &target, "--cluster", "--kubeconfig"])
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    let t = text(&out);
    assert!(
        t.contains("IRREVERSIBLE: Stockade never stores Secret values"),
        "{t}"
    );
    assert!(t.contains("WARNING: 1 action(s) cannot be undone"), "{t}");
    assert!(t.contains("the token controller mints a NEW token"), "{t}");

    let out = c.run(
        &["apply", plan_file.to_str().unwrap(), "--yes", "-o", "json"],
        &journal,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let id = json_out(&out)["journalId"].as_i64().unwrap();
    assert!(c.get(&format!("{api}/serviceaccounts/bot")).is_none());
    assert!(c.get(&format!("{api}/secrets/bot-token")).is_none());
    assert!(c.get(&format!("{api}/secrets/bot-extra")).is_none());
    assert_eq!(subjects(&c, &ns, "team"), vec![other.clone()]);
    c.wait_can(&bot, "create", "configmaps", &ns, false);

    // The journal has the Secret's key name and no value, in any encoding.
    let raw = std::fs::read(&journal).unwrap();
    let raw = String::from_utf8_lossy(&raw);
    assert!(!raw.contains("s3cr3t-value-do-not-store"));
    assert!(
        !raw.contains("czNjcjN0LXZhbHVlLWRvLW5vdC1zdG9yZQ"),
        "base64 of the value"
    );
    let h = json_out(&c.run(&["history", &id.to_string(), "-o", "json"], &journal));
    let extra = h["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["object"]["name"] == "bot-extra")
        .unwrap();
    assert_eq!(extra["before"]["stockade.dev/keys"], json!(["api-key"]));
    assert!(extra["before"].get("data").is_none(), "{extra}");

    // The ServiceAccount is gone, which is success for an sa: target.
    let out = c.run(&["verify", &target, "--cluster"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("the ServiceAccount no longer exists"),
        "{}",
        text(&out)
    );

    // Undo: the ServiceAccount, its token Secret (a new token) and its grants come back; the
    // ordinary Secret cannot, and undo says so.
    let out = c.run(&["undo", &id.to_string(), "--yes", "-o", "json"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = json_out(&out);
    let extra = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["object"]["name"] == "bot-extra")
        .unwrap();
    assert_eq!(extra["outcome"], "not-restorable", "{r}");
    assert!(
        extra["message"].as_str().unwrap().contains("keys: api-key"),
        "{extra}"
    );
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("NEW token")),
        "{r}"
    );
    let token = c
        .get(&format!("{api}/secrets/bot-token"))
        .expect("token Secret recreated");
    assert_eq!(token["type"], "kubernetes.io/service-account-token");
    assert_eq!(
        token["metadata"]["annotations"]["kubernetes.io/service-account.name"],
        "bot"
    );
    assert!(c.get(&format!("{api}/serviceaccounts/bot")).is_some());
    assert!(c.get(&format!("{api}/secrets/bot-extra")).is_none());
    assert_eq!(
        subjects(&c, &ns, "team"),
        vec![other.clone(), "bot".to_string()]
    );
    c.wait_can(&bot, "create", "configmaps", &ns, true);
    let out = c.run(&["verify", &target, "--cluster"], &journal);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("RoleBinding {ns}/bot grants ClusterRole edit")),
        "{}",
        text(&out)
    );
}

#[test]
fn a_malformed_target_is_a_usage_error_naming_the_forms() {
    for bad in ["alice", "sa:api", "workload:shop/web", "robot:x"] {
        let out = stockade()
            .args(["deprovision", "plan", bad, "-"])
            .write_stdin("")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let t = text(&out);
        assert!(
            t.contains("accepted forms: user:NAME, group:NAME, sa:NAMESPACE/NAME, namespace:NAME, workload:NAMESPACE/KIND/NAME, node:NAME or leftovers:*|NAMESPACE"),
            "{bad}: {t}"
        );
    }
}

#[test]
fn manifests_plan_renders_json_kubectl_and_yaml_and_apply_without_cluster_is_a_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rbac.yaml");
    std::fs::write(
        &file,
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-pods, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: bob}, {kind: User, name: alice}]
"#,
    )
    .unwrap();
    let run = |fmt: &str| {
        let out = stockade()
            .args(["deprovision", "plan", "user:alice", "-o", fmt])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let plan: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(plan["source"]["kind"], "manifests");
    assert!(plan["actions"][0]["object"].get("uid").is_none());
    let sh = run("kubectl");
    assert!(
        sh.contains("kubectl delete rolebindings.rbac.authorization.k8s.io alice-pods -n shop"),
        "{sh}"
    );
    assert!(
        sh.contains(r#"{"op":"remove","path":"/subjects/1"}"#),
        "{sh}"
    );
    let y = run("yaml");
    assert!(y.contains("op: \"delete\""), "{y}");
    let t = run("text");
    assert!(
        t.contains("remove User alice from RoleBinding shop/team"),
        "{t}"
    );

    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, serde_json::to_string(&plan).unwrap()).unwrap();
    let out = stockade()
        .args(["deprovision", "apply"])
        .arg(&plan_file)
        .arg("--journal")
        .arg(dir.path().join("j.db"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("would delete RoleBinding shop/alice-pods"),
        "{}",
        text(&out)
    );
    assert!(
        !dir.path().join("j.db").exists(),
        "a dry run writes no journal"
    );
    // History of an empty journal.
    let out = stockade()
        .args(["deprovision", "history", "-o", "json", "--journal"])
        .arg(dir.path().join("j.db"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[]\n");
    // A file that is not a plan is an input error.
    let out = stockade()
        .args(["deprovision", "apply"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("not a Stockade de-provisioning plan"),
        "{}",
        text(&out)
    );
}

#[test]
fn workload_then_namespace_targets_on_a_live_cluster() {
    let Some(c) = cluster() else { return };
    let ns = unique("deprov-ns");
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![
            format!("/api/v1/namespaces/{ns}"),
            format!("{RBAC_API}/clusterrolebindings/{ns}-web"),
        ],
    };
    let api = format!("/api/v1/namespaces/{ns}");
    c.create(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    );
    c.create(
        &format!("{api}/serviceaccounts"),
        &json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web-sa", "namespace": ns}}),
    );
    c.create(
        &format!("{api}/configmaps"),
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config", "namespace": ns}, "data": {"a": "b"}}),
    );
    c.create(
        &format!("{api}/secrets"),
        &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": ns}, "stringData": {"password": "x"}}),
    );
    let env =
        json!([{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]);
    c.create(
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"serviceAccountName": "web-sa",
                        "containers": [{"name": "web", "image": "nginx", "env": env}],
                        "volumes": [{"name": "c", "configMap": {"name": "web-config"}}]}}}}),
    );
    c.create(
        &format!("/apis/batch/v1/namespaces/{ns}/jobs"),
        &json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": ns},
            "spec": {"template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "m", "image": "migrate", "env": env}]}}}}),
    );
    c.create(
        &format!("{RBAC_API}/namespaces/{ns}/roles"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "web", "namespace": ns},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]}),
    );
    let sa = json!({"kind": "ServiceAccount", "name": "web-sa", "namespace": ns});
    c.create(
        &format!("{RBAC_API}/namespaces/{ns}/rolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "web", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "web"},
            "subjects": [sa]}),
    );
    c.create(
        &format!("{RBAC_API}/clusterrolebindings"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": format!("{ns}-web")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [sa]}),
    );
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");

    // The workload, and what only it used.
    let plan_file = dir.path().join("workload.json");
    let target = format!("workload:{ns}/deployment/web");
    let plan = c.plan(&target, &plan_file);
    assert_eq!(
        actions(&plan),
        vec![
            format!("delete Deployment {ns}/web"),
            format!("delete RoleBinding {ns}/web"),
            format!("delete ClusterRoleBinding {ns}-web"),
            format!("delete ServiceAccount {ns}/web-sa"),
            format!("delete ConfigMap {ns}/web-config"),
            format!("delete Role {ns}/web"),
        ]
    );
    let db = plan["kept"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["object"]["name"] == "db")
        .unwrap();
    assert!(
        db["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("still used by Job {ns}/migrate")),
        "{db}"
    );
    let out = c.run(&["apply", plan_file.to_str().unwrap(), "--yes"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        c.get(&format!("/apis/apps/v1/namespaces/{ns}/deployments/web"))
            .is_none()
    );
    assert!(c.get(&format!("{api}/configmaps/web-config")).is_none());
    assert!(
        c.get(&format!("{api}/secrets/db")).is_some(),
        "shared Secret kept"
    );
    let target_canonical = format!("workload:{ns}/Deployment/web");
    let out = c.run(
        &[
            "verify",
            &target_canonical,
            "--cluster",
            "--plan",
            plan_file.to_str().unwrap(),
        ],
        &journal,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("Deployment {ns}/web is gone")),
        "{}",
        text(&out)
    );
    // Undo brings the workload and what it used back.
    let id = json_out(&c.run(&["history", "-o", "json"], &journal))[0]["id"]
        .as_i64()
        .unwrap();
    let out = c.run(&["undo", &id.to_string(), "--yes"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        c.get(&format!("/apis/apps/v1/namespaces/{ns}/deployments/web"))
            .is_some()
    );
    assert!(c.get(&format!("{api}/serviceaccounts/web-sa")).is_some());
    assert!(
        c.get(&format!("{RBAC_API}/clusterrolebindings/{ns}-web"))
            .is_some()
    );
    let out = c.run(&["verify", &target_canonical, "--cluster"], &journal);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    // The whole namespace: its ServiceAccount's cluster-wide grant goes too.
    let plan_file = dir.path().join("namespace.json");
    let plan = c.plan(&format!("namespace:{ns}"), &plan_file);
    assert_eq!(
        actions(&plan),
        vec![
            format!("delete ClusterRoleBinding {ns}-web"),
            format!("delete Namespace {ns}"),
        ]
    );
    assert!(
        plan["cascade"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "migrate"),
        "{plan}"
    );
    let out = c.run(&["apply", plan_file.to_str().unwrap(), "--yes"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        c.get(&format!("{RBAC_API}/clusterrolebindings/{ns}-web"))
            .is_none()
    );
    let out = c.run(
        &["verify", &format!("namespace:{ns}"), "--cluster"],
        &journal,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Applying again is a no-op: everything is already done (or being deleted).
    let out = c.run(
        &["apply", plan_file.to_str().unwrap(), "--yes", "-o", "json"],
        &journal,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = json_out(&out);
    assert!(
        r["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["outcome"] == "already-done"),
        "{r}"
    );
    // Undo of the (first, effective) namespace apply once the namespace is gone: it comes back
    // empty, with its ServiceAccount's cluster-wide grant.
    let id = json_out(&c.run(&["history", "-o", "json"], &journal))
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["kind"] == "apply"
                && r["status"] == "done"
                && r["target"] == json!(format!("namespace:{ns}"))
        })
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while c.get(&format!("/api/v1/namespaces/{ns}")).is_some() {
        assert!(
            Instant::now() < deadline,
            "namespace {ns} was never finalized"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let out = c.run(&["undo", &id.to_string(), "--yes", "-o", "json"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = json_out(&out);
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("recreated empty")),
        "{r}"
    );
    assert!(c.get(&format!("/api/v1/namespaces/{ns}")).is_some());
    assert!(
        c.get(&format!("{RBAC_API}/clusterrolebindings/{ns}-web"))
            .is_some()
    );
    assert!(
        c.get(&format!("/apis/apps/v1/namespaces/{ns}/deployments/web"))
            .is_none()
    );
}

fn yaml_docs(path: &str) -> Vec<Value> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,json,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
        ])
        .arg(&file)
        .output()
        .expect("python3 with PyYAML reads the shipped YAML");
    serde_json::from_slice(&out.stdout).expect("python3 with PyYAML reads the shipped YAML")
}

fn sh(cmd: &str) -> String {
    let out = std::process::Command::new("sh")
        .args(["-c", cmd])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A kubeconfig for a new user `name`, authenticated by a client certificate from the test CA.
fn operator_kubeconfig(c: &Cluster, dir: &Path, name: &str) -> PathBuf {
    let pki = c.ca.parent().unwrap();
    let d = dir.display();
    // rustls accepts only X.509 v3 certificates, which needs extensions.
    std::fs::write(
        dir.join("op.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    sh(&format!(
        "openssl ecparam -name prime256v1 -genkey -noout -out {d}/op.key && \
         openssl req -new -key {d}/op.key -subj /CN={name} -out {d}/op.csr && \
         openssl x509 -req -in {d}/op.csr -CA {ca} -CAkey {key} -CAcreateserial -CAserial {d}/ca.srl -days 1 -extfile {d}/op.ext -out {d}/op.crt 2>/dev/null",
        ca = c.ca.display(),
        key = pki.join("ca.key").display()
    ));
    let b64 = |f: &str| sh(&format!("base64 -w0 {f}"));
    let kc = dir.join("operator.kubeconfig");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: \"{}\"\n    certificate-authority-data: \"{}\"\nusers:\n- name: op\n  user:\n    client-certificate-data: \"{}\"\n    client-key-data: \"{}\"\ncontexts:\n- name: operator\n  context: {{cluster: t, user: op}}\ncurrent-context: operator\n",
            c.server,
            b64(&c.ca.display().to_string()),
            b64(&format!("{d}/op.crt")),
            b64(&format!("{d}/op.key")),
        ),
    )
    .unwrap();
    kc
}

#[test]
fn the_shipped_write_roles_are_enough_for_apply_and_undo_and_apply_alone_cannot_undo() {
    let Some(c) = cluster() else { return };
    let ns = unique("deprov-rbac");
    let (user, other) = (format!("{ns}-kim"), format!("{ns}-lee"));
    let operator = format!("{ns}-operator");
    let mut cleanup = setup(&c, &ns, &user, &other);
    // The shipped roles (identical on a shared cluster, so an existing one is fine).
    for doc in yaml_docs("deploy/rbac.yaml")
        .into_iter()
        .chain(yaml_docs("deploy/deprovisioner-rbac.yaml"))
    {
        if doc["kind"] == "ClusterRole" {
            let (code, body) = c.req_as(
                "POST",
                &format!("{RBAC_API}/clusterroles"),
                Some(&doc),
                "application/json",
            );
            assert!(code == 201 || code == 409, "{code} {body}");
        }
    }
    let bind = |role: &str| {
        let name = format!("{ns}-{role}");
        c.create(
            &format!("{RBAC_API}/clusterrolebindings"),
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [user_subject(&operator)]}),
        );
        format!("{RBAC_API}/clusterrolebindings/{name}")
    };
    cleanup.paths.push(bind("stockade-reader"));
    cleanup.paths.push(bind("stockade-deprovisioner"));
    c.wait_can(&operator, "delete", "serviceaccounts", &ns, true);
    c.wait_can(&operator, "list", "secrets", "", true);

    let dir = tempfile::tempdir().unwrap();
    let kc = operator_kubeconfig(&c, dir.path(), &operator);
    let journal = dir.path().join("journal.db");
    let plan_file = dir.path().join("plan.json");
    let as_operator = |args: &[&str]| {
        let mut cmd = stockade();
        cmd.arg("deprovision")
            .args(args)
            .arg("--kubeconfig")
            .arg(&kc);
        if args[0] != "plan" {
            cmd.arg("--journal").arg(&journal);
        }
        cmd.output().unwrap()
    };
    let out = as_operator(&[
        "plan",
        &format!("user:{user}"),
        "--cluster",
        "-o",
        "json",
        "--output-file",
        plan_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = as_operator(&["apply", plan_file.to_str().unwrap(), "--yes", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = json_out(&out);
    assert_eq!(r["status"], "done", "{r}");
    let id = r["journalId"].as_i64().unwrap();
    let h = json_out(
        &stockade()
            .args(["deprovision", "history", "-o", "json", "--journal"])
            .arg(&journal)
            .output()
            .unwrap(),
    );
    assert_eq!(h[0]["kubeUser"], json!(operator));
    assert_eq!(subjects(&c, &ns, "team"), vec![other.clone()]);
    let out = as_operator(&["verify", &format!("user:{user}"), "--cluster"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // The apply role cannot recreate what it deleted: undo's dry-run is refused, nothing changes.
    let out = as_operator(&["undo", &id.to_string(), "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("403"), "{}", text(&out));
    assert!(
        c.get(&format!("{RBAC_API}/namespaces/{ns}/rolebindings/pods"))
            .is_none()
    );
    // With the undo role it can.
    cleanup.paths.push(bind("stockade-deprovisioner-undo"));
    c.wait_can(&operator, "create", "serviceaccounts", &ns, true);
    let out = as_operator(&["undo", &id.to_string(), "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        c.get(&format!("{RBAC_API}/namespaces/{ns}/rolebindings/pods"))
            .is_some()
    );
    assert!(
        c.get(&format!("{RBAC_API}/clusterroles/{ns}-secrets"))
            .is_some()
    );
    assert_eq!(subjects(&c, &ns, "team"), vec![other.clone(), user.clone()]);
}

#[test]
fn the_report_matches_each_action_to_its_audit_event_and_names_changes_by_others() {
    let Some(c) = cluster() else { return };
    let Some(audit_log) = std::env::var("STOCKADE_TEST_AUDIT_LOG")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!("note: STOCKADE_TEST_AUDIT_LOG unset; skipping");
        return;
    };
    let ns = unique("deprec");
    let (user, other) = (format!("{ns}-gina"), format!("{ns}-hal"));
    let mut cleanup = setup(&c, &ns, &user, &other);
    cleanup
        .paths
        .push(format!("{RBAC_API}/clusterrolebindings/{ns}-editor"));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    let plan_file = dir.path().join("plan.json");
    let target = format!("user:{user}");
    c.plan(&target, &plan_file);
    let out = c.run(
        &["apply", plan_file.to_str().unwrap(), "--yes", "-o", "json"],
        &journal,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let id = json_out(&out)["journalId"].as_i64().unwrap();
    c.wait_can(&user, "delete", "pods", &ns, false);
    c.wait_can(&user, "get", "secrets", "", false);
    let out = c.run(&["verify", &target, "--cluster"], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // Someone else, with an identity of their own, changes a binding the run changed.
    c.create(
        &format!("/api/v1/namespaces/{ns}/serviceaccounts"),
        &json!({"metadata": {"name": "editor"}}),
    );
    c.create(
        &format!("{RBAC_API}/clusterrolebindings"),
        &json!({"metadata": {"name": format!("{ns}-editor")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "editor", "namespace": ns}]}),
    );
    let (code, tr) = c.req(
        "POST",
        &format!("/api/v1/namespaces/{ns}/serviceaccounts/editor/token"),
        Some(
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}),
        ),
    );
    assert_eq!(code, 201, "{tr}");
    let editor = Cluster {
        token: tr["status"]["token"].as_str().unwrap().to_string(),
        kubeconfig: c.kubeconfig.clone(),
        server: c.server.clone(),
        ca: c.ca.clone(),
        version: c.version.clone(),
    };
    let editor_name = format!("system:serviceaccount:{ns}:editor");
    let mut patched = false;
    for _ in 0..40 {
        let (code, _) = editor.req_as(
            "PATCH",
            &format!("{RBAC_API}/namespaces/{ns}/rolebindings/team"),
            Some(&json!({"metadata": {"labels": {"changed-by": "editor"}}})),
            "application/merge-patch+json",
        );
        if code == 200 {
            patched = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert!(patched, "the editor could not patch the binding");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string(&audit_log)
        .unwrap_or_default()
        .contains(&format!("\"username\":\"{editor_name}\""))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the editor's request never reached the audit log"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    // The record, correlated with the real audit log: exit 1 because someone else changed an
    // object of the run.
    let out = c.run(
        &[
            "report",
            &id.to_string(),
            "--audit-log",
            &audit_log,
            "-o",
            "json",
        ],
        &journal,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let rec = json_out(&out);
    let run = &rec["runs"][0];
    assert_eq!(run["run"]["id"], id, "{rec}");
    assert_eq!(run["run"]["target"], json!(target));
    assert_eq!(run["planSource"], "cluster admin", "{rec}");
    let acts = run["actions"].as_array().unwrap();
    assert_eq!(acts.len(), 5, "{rec}");
    for a in acts {
        assert_eq!(a["result"], "done", "{a}");
        let ev = &a["audit"];
        assert_eq!(ev["user"], "admin", "{a}");
        let code = ev["code"].as_u64().unwrap();
        assert!((200..300).contains(&code), "{a}");
        let want = if a["op"] == "delete" {
            "delete"
        } else {
            "patch"
        };
        assert_eq!(ev["verb"], want, "{a}");
        assert!(ev["auditId"].as_str().is_some_and(|s| !s.is_empty()), "{a}");
        assert!(ev["location"].as_str().unwrap().contains(':'), "{a}");
        assert!(!a["before"].as_str().unwrap().is_empty(), "{a}");
    }
    let team = acts.iter().find(|a| a["op"] == "removeSubjects").unwrap();
    assert!(team["before"].as_str().unwrap().contains(&user), "{team}");
    assert_eq!(run["unmatched"], json!([]), "{rec}");
    let others = run["others"].as_array().unwrap();
    assert_eq!(others.len(), 1, "{rec}");
    assert_eq!(
        (
            &others[0][0]["kind"],
            &others[0][0]["namespace"],
            &others[0][0]["name"]
        ),
        (&json!("RoleBinding"), &json!(ns), &json!("team")),
        "{rec}"
    );
    assert_eq!(others[0][1]["user"], json!(editor_name), "{rec}");
    assert_eq!(others[0][1]["verb"], "patch", "{rec}");
    let vs = run["verifications"].as_array().unwrap();
    assert_eq!(vs.len(), 1, "{rec}");
    assert_eq!(vs[0]["passed"], true, "{rec}");

    // Without the audit log: the same runs, no matching, exit 0; markdown and html too.
    let out = c.run(&["report", &id.to_string()], &journal);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let md = text(&out);
    assert!(md.starts_with("# "), "{md}");
    assert!(md.contains(&format!("RoleBinding {ns}/team")), "{md}");
    let html_file = dir.path().join("record.html");
    let out = c.run(
        &[
            "report",
            "--since",
            "1h",
            "--audit-log",
            &audit_log,
            "-o",
            "html",
            "--output-file",
            html_file.to_str().unwrap(),
        ],
        &journal,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let html = std::fs::read_to_string(&html_file).unwrap();
    assert!(html.contains("Content-Security-Policy"), "{html}");
    assert!(html.contains(&editor_name), "{html}");
}
