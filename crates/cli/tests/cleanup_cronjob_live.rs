//! deploy/cleanup-cronjob.yaml and deploy/cleanup-apply-rbac.yaml: Stockade's own scan finds
//! exactly what their headers document; on the real control plane the objects are accepted,
//! and one run of the CronJob's pod is carried out as a kubelet would carry it out (the test
//! control plane has no kubelet or container runtime): the init container, then the container,
//! each with its own arguments, as the pod's ServiceAccount (a token from the TokenRequest
//! API), with the pod's volume as a directory. Report-only by default: the reader role suffices
//! and nothing changes. Apply mode, switched as the header says: refused without the write
//! role, done with it, journalled, and in the record.

mod common;

use common::{Cleanup, Cluster, cluster, json_out, stockade, text, unique};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn manifest(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(name)
}

fn docs(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(manifest(name)).unwrap();
    text.split("\n---\n")
        .map(|d| serde_saphyr::from_str::<Value>(d).unwrap())
        .collect()
}

#[test]
fn the_scan_finds_only_the_documented_findings() {
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json", "--fail-on", "critical"])
        .arg(manifest("rbac.yaml"))
        .arg(manifest("cleanup-cronjob.yaml"))
        .arg(manifest("cleanup-apply-rbac.yaml"))
        .output()
        .unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let found: BTreeSet<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap().to_string(),
                f["location"]["path"]
                    .as_str()
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        // The reader role reads Secrets (deploy/rbac.yaml says why), for both ServiceAccounts.
        ("RB004", "rbac.yaml"),
        ("RB004", "cleanup-cronjob.yaml"),
        // The namespace's default-deny policy is its owner's (the header says why).
        ("NP001", "rbac.yaml"),
        ("NP002", "rbac.yaml"),
        // The clean-up reads the API, so its token is mounted, explicitly.
        ("WL040", "cleanup-cronjob.yaml"),
        // Apply mode deletes unused Roles and RoleBindings.
        ("RB013", "cleanup-apply-rbac.yaml"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(found, want, "{report}");
    let cron = docs("cleanup-cronjob.yaml")
        .into_iter()
        .find(|d| d["kind"] == "CronJob")
        .unwrap();
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    for c in pod["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(pod["containers"].as_array().unwrap())
    {
        assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true, "{c}");
        assert_eq!(
            c["securityContext"]["capabilities"]["drop"][0], "ALL",
            "{c}"
        );
    }
}

/// The URL of an object of the shipped manifests.
fn object_url(doc: &Value) -> String {
    let name = doc["metadata"]["name"].as_str().unwrap();
    let ns = doc["metadata"]["namespace"].as_str().unwrap_or("stockade");
    match doc["kind"].as_str().unwrap() {
        "Namespace" => format!("/api/v1/namespaces/{name}"),
        "ServiceAccount" => format!("/api/v1/namespaces/{ns}/serviceaccounts/{name}"),
        "PersistentVolumeClaim" => format!("/api/v1/namespaces/{ns}/persistentvolumeclaims/{name}"),
        "CronJob" => format!("/apis/batch/v1/namespaces/{ns}/cronjobs/{name}"),
        "ClusterRole" => format!("/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}"),
        "ClusterRoleBinding" => {
            format!("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}")
        }
        other => panic!("unexpected kind {other}"),
    }
}

/// `kubectl apply --server-side` of one object.
fn apply(c: &Cluster, doc: &Value) {
    let (code, body) = c.req_as(
        "PATCH",
        &format!("{}?fieldManager=stockade-test&force=true", object_url(doc)),
        Some(doc),
        "application/apply-patch+yaml",
    );
    assert!(
        code == 200 || code == 201,
        "apply {}: {code} {body}",
        doc["kind"]
    );
}

/// Waits until `user` may (or may not) `verb` `resource` cluster-wide.
fn wait_allowed(c: &Cluster, user: &str, verb: &str, resource: &str, want: bool) {
    for _ in 0..100 {
        let (_, r) = c.req(
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            Some(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"user": user, "groups": ["system:serviceaccounts", "system:serviceaccounts:stockade", "system:authenticated"],
                    "resourceAttributes": {"verb": verb, "resource": resource}}})),
        );
        if r["status"]["allowed"] == want {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{user} {verb} {resource}: never {want}");
}

/// One container of the pod, run as the kubelet would: its args (the image's entrypoint is the
/// binary), the pod's volume mounts as directories under `root`, the ServiceAccount's token in
/// a kubeconfig (what in-cluster configuration gives the binary).
fn run_container(container: &Value, root: &Path, kubeconfig: &Path) -> std::process::Output {
    let mut args: Vec<String> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    for m in container["volumeMounts"].as_array().unwrap() {
        let mount = m["mountPath"].as_str().unwrap();
        let dir = root.join(m["name"].as_str().unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        for a in &mut args {
            if let Some(rest) = a.strip_prefix(mount) {
                *a = format!("{}{rest}", dir.display());
            }
        }
    }
    assert!(
        container.get("command").is_none(),
        "the image's entrypoint runs"
    );
    stockade()
        .args(&args)
        .env("KUBECONFIG", kubeconfig)
        .env_remove("STOCKADE_JOURNAL")
        .output()
        .unwrap()
}

#[test]
fn the_cleanup_cronjob_runs_report_only_then_in_apply_mode() {
    let Some(c) = cluster() else { return };
    let ns = unique("cleanup");
    let mut cleanup = Cleanup {
        c: &c,
        paths: vec![format!("/api/v1/namespaces/{ns}")],
    };
    // A leftover (nothing uses the ConfigMap `orphan`) next to an object in use.
    c.create("/api/v1/namespaces", &json!({"metadata": {"name": ns}}));
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

    // Installed: deploy/rbac.yaml (kept: other tests share it), then the clean-up.
    for doc in docs("rbac.yaml") {
        apply(&c, &doc);
    }
    let shipped = docs("cleanup-cronjob.yaml");
    for doc in &shipped {
        cleanup.paths.push(object_url(doc));
        apply(&c, doc);
    }
    let sa = "system:serviceaccount:stockade:stockade-cleanup";
    wait_allowed(&c, sa, "list", "secrets", true);
    wait_allowed(&c, sa, "delete", "configmaps", false);
    let cron = c
        .get("/apis/batch/v1/namespaces/stockade/cronjobs/stockade-cleanup")
        .unwrap();
    // What `kubectl create job --from=cronjob/…` and the job controller would make of it is
    // accepted by the API server (Pod Security admission included).
    let template = &cron["spec"]["jobTemplate"];
    let (code, body) = c.req(
        "POST",
        "/apis/batch/v1/namespaces/stockade/jobs?dryRun=All",
        Some(&json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "cleanup-now", "annotations": {"cronjob.kubernetes.io/instantiate": "manual"}},
            "spec": template["spec"]})),
    );
    assert_eq!(code, 201, "{body}");
    let pod_spec = template["spec"]["template"]["spec"].clone();
    let (code, body) = c.req(
        "POST",
        "/api/v1/namespaces/stockade/pods?dryRun=All",
        Some(
            &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cleanup-now-pod"},
            "spec": pod_spec}),
        ),
    );
    assert_eq!(code, 201, "{body}");

    // The pod's identity.
    let (code, tr) = c.req(
        "POST",
        "/api/v1/namespaces/stockade/serviceaccounts/stockade-cleanup/token",
        Some(
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "spec": {"expirationSeconds": 3600}}),
        ),
    );
    assert_eq!(code, 201, "{tr}");
    let d = tempfile::tempdir().unwrap();
    let kubeconfig = d.path().join("in-cluster.kubeconfig");
    std::fs::write(
        &kubeconfig,
        serde_json::to_string(&json!({"apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "in-cluster", "cluster": {"server": c.server, "certificate-authority": c.ca}}],
            "users": [{"name": "pod", "user": {"token": tr["status"]["token"]}}],
            "contexts": [{"name": "pod", "context": {"cluster": "in-cluster", "user": "pod"}}],
            "current-context": "pod"}))
        .unwrap(),
    )
    .unwrap();
    let state = d.path().join("state");

    // Run 1, report-only, as shipped.
    let find = &pod_spec["initContainers"][0];
    let out = run_container(find, d.path(), &kubeconfig);
    assert_eq!(out.status.code(), Some(0), "find: {}", text(&out));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(state.join("unused.json")).unwrap()).unwrap();
    assert!(
        report["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "ok"),
        "the reader role reads everything: {report}"
    );
    let plan_file = state.join("plan.json");
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    let ours: Vec<&Value> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["object"]["namespace"] == json!(ns))
        .collect();
    assert_eq!(ours.len(), 1, "{plan}");
    assert_eq!(ours[0]["object"]["name"], "orphan");
    let review = &pod_spec["containers"][0];
    let out = run_container(review, d.path(), &kubeconfig);
    assert_eq!(out.status.code(), Some(0), "review: {}", text(&out));
    assert!(text(&out).contains("orphan"), "{}", text(&out));
    let orphan = format!("/api/v1/namespaces/{ns}/configmaps/orphan");
    assert!(c.get(&orphan).is_some(), "report-only changes nothing");
    assert!(!state.join("journal.db").exists());

    // A reviewer keeps only this namespace's part of the plan (the shared test cluster holds
    // other tests' leftovers, which are not this test's to delete).
    let mut reviewed = plan.clone();
    reviewed["actions"] = json!(ours);
    std::fs::write(&plan_file, serde_json::to_string_pretty(&reviewed).unwrap()).unwrap();

    // Apply mode, switched on as the header says: the patch, then the write role.
    let header = std::fs::read_to_string(manifest("cleanup-cronjob.yaml")).unwrap();
    let patch_text: String = header
        .lines()
        .skip_while(|l| !l.contains("--type json -p"))
        .skip(1)
        .take_while(|l| l.starts_with("#    "))
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join("")
        .trim_matches('\'')
        .to_string();
    let patch: Value =
        serde_json::from_str(&patch_text).unwrap_or_else(|e| panic!("{e}: {patch_text}"));
    let (code, body) = c.req_as(
        "PATCH",
        "/apis/batch/v1/namespaces/stockade/cronjobs/stockade-cleanup",
        Some(&patch),
        "application/json-patch+json",
    );
    assert_eq!(code, 200, "{body}");
    let apply_mode =
        body["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0].clone();
    assert!(
        apply_mode["args"]
            .as_array()
            .unwrap()
            .contains(&json!("--yes")),
        "{apply_mode}"
    );

    // Without the write role the run is refused and nothing changes.
    let out = run_container(&apply_mode, d.path(), &kubeconfig);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(c.get(&orphan).is_some());

    let write = docs("cleanup-apply-rbac.yaml");
    for doc in &write {
        cleanup.paths.push(object_url(doc));
        apply(&c, doc);
    }
    wait_allowed(&c, sa, "delete", "configmaps", true);
    wait_allowed(&c, sa, "create", "configmaps", false);
    let out = run_container(&apply_mode, d.path(), &kubeconfig);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(c.get(&orphan).is_none(), "deleted");
    assert!(
        c.get(&format!("/api/v1/namespaces/{ns}/configmaps/used"))
            .is_some()
    );

    // The journal on the volume records both runs; the record names the deletion.
    let journal = state.join("journal.db");
    let out = stockade()
        .args([
            "deprovision",
            "report",
            "--since",
            "1h",
            "-o",
            "json",
            "--journal",
        ])
        .arg(&journal)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rec = json_out(&out);
    let runs = rec["runs"].as_array().unwrap();
    assert_eq!(
        runs.iter()
            .map(|r| r["run"]["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["refused", "done"],
        "{rec}"
    );
    let done = &runs[1];
    assert_eq!(done["run"]["kubeUser"], sa, "{rec}");
    assert_eq!(done["actions"][0]["object"]["name"], "orphan", "{rec}");
    assert_eq!(done["actions"][0]["after"], "deleted", "{rec}");
    drop(cleanup);
}
