//! De-provisioning against hostile input, on the real control plane:
//!
//! - object names the API server accepts for RoleBindings (`frag#x`, `keep?dryRun=All`, a space,
//!   `'`, `$`, `:`, `;`, a backslash, a newline followed by a command, a carriage return and an
//!   ANSI erase sequence, a bidirectional override) are each addressed exactly by plan → apply
//!   → verify → undo, cannot inject a command into the `-o kubectl` script (which is run, with a
//!   recording `kubectl`, and passes each name byte for byte), and never reach a terminal raw;
//! - a user whose group still grants access: verify names the groups it assumed, lists the
//!   group binding, and fails with `--group`;
//! - credentials in a workload's env, annotations and ConfigMap never reach the journal, and
//!   undo says what it could not restore;
//! - the journal is private to its owner.

mod common;

use common::{Cleanup, Cluster, cluster, json_out, stockade, text, unique};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

const RBAC_API: &str = "/apis/rbac.authorization.k8s.io/v1";

const HOSTILE: &[&str] = &[
    "frag#x",
    "keep?dryRun=All",
    "sp ace",
    "it's",
    "$HOME",
    "c:d;e",
    "back\\slash",
    "evil\ntouch PWNED\n",
    "zz\r\u{1b}[2K hidden",
    "u\u{202e}txt.exe",
];

fn no_raw_controls(s: &str) -> bool {
    !s.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

/// `stockade deprovision ARGS --journal J [--kubeconfig K]`.
fn dp(c: &Cluster, args: &[&str], journal: &Path) -> std::process::Output {
    let mut cmd = stockade();
    cmd.arg("deprovision")
        .args(args)
        .arg("--journal")
        .arg(journal);
    if args[0] != "history" {
        cmd.arg("--kubeconfig").arg(&c.kubeconfig);
    }
    cmd.output().unwrap()
}

fn plan_out(c: &Cluster, target: &str, fmt: &str) -> std::process::Output {
    let out = stockade()
        .args(["deprovision", "plan", target, "--cluster", "-o", fmt])
        .arg("--kubeconfig")
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    out
}

fn binding_names(c: &Cluster, ns: &str) -> Vec<String> {
    let (_, list) = c.req(
        "GET",
        &format!("{RBAC_API}/namespaces/{ns}/rolebindings"),
        None,
    );
    let mut names: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Runs a kubectl script with a `kubectl` on PATH that records each call's arguments; returns
/// the calls.
fn run_script(script: &str, dir: &Path) -> Vec<Vec<String>> {
    let sh = dir.join("plan.sh");
    std::fs::write(&sh, script).unwrap();
    let syntax = std::process::Command::new("sh")
        .arg("-n")
        .arg(&sh)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}\n{script}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("kubectl");
    // Each argument NUL-terminated, each call ended by a record separator.
    std::fs::write(
        &fake,
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$CALLS\"\nprintf '\\036' >> \"$CALLS\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let calls = dir.join("calls");
    let run = std::process::Command::new("sh")
        .arg(&sh)
        .current_dir(dir)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("CALLS", &calls)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        !dir.join("PWNED").exists(),
        "the script ran an injected command"
    );
    std::fs::read(&calls)
        .unwrap()
        .split(|b| *b == 0x1e)
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8(a.to_vec()).unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn hostile_binding_names_are_quoted_encoded_and_escaped_from_plan_to_undo() {
    let Some(c) = cluster() else { return };
    let ns = unique("hostile-dp");
    let user = unique("leaver");
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![format!("/api/v1/namespaces/{ns}")],
    };
    c.create(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    );
    for name in HOSTILE {
        c.create(
            &format!("{RBAC_API}/namespaces/{ns}/rolebindings"),
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]}),
        );
    }
    let mut all: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    all.sort();
    assert_eq!(binding_names(&c, &ns), all);
    let dir = tempfile::tempdir().unwrap();
    let target = format!("user:{user}");

    // The readable plan: every name on one line, control characters visible as escapes.
    let t = text(&plan_out(&c, &target, "text"));
    assert!(no_raw_controls(&t), "{t:?}");
    assert!(
        t.contains("evil\\ntouch PWNED\\n")
            && t.contains("zz\\r\\e[2K hidden")
            && t.contains("u\\u{202e}txt.exe"),
        "{t}"
    );
    assert!(!t.lines().any(|l| l.trim() == "touch PWNED"), "{t}");

    // The kubectl script: parses, and running it runs only kubectl, once per binding, with the
    // exact names (control characters included).
    let script = String::from_utf8(plan_out(&c, &target, "kubectl").stdout).unwrap();
    assert!(no_raw_controls(&script), "{script:?}");
    let calls = run_script(&script, dir.path());
    assert_eq!(calls.len(), HOSTILE.len(), "{calls:?}\n{script}");
    let mut deleted: Vec<String> = calls
        .iter()
        .map(|call| {
            assert_eq!(
                call[..2],
                ["delete", "rolebindings.rbac.authorization.k8s.io"]
            );
            assert_eq!(call[3..], ["-n", ns.as_str(), "--ignore-not-found"]);
            call[2].clone()
        })
        .collect();
    deleted.sort();
    assert_eq!(deleted, all, "{script}");

    // The YAML and the JSON plan hold no raw control character and still decode exactly.
    let y = String::from_utf8(plan_out(&c, &target, "yaml").stdout).unwrap();
    assert!(no_raw_controls(&y), "{y:?}");
    let plan_json = plan_out(&c, &target, "json").stdout;
    let plan: Value = serde_json::from_slice(&plan_json).unwrap_or_else(|e| {
        panic!(
            "the plan file is not JSON ({e}): {}",
            String::from_utf8_lossy(&plan_json)
        )
    });
    let mut planned: Vec<String> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["object"]["name"].as_str().unwrap().to_string())
        .collect();
    planned.sort();
    assert_eq!(planned, all);
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, &plan_json).unwrap();

    // apply addresses every binding exactly: the dry run finds them all, then all go.
    let journal = dir.path().join("private").join("journal.db");
    let out = dp(
        &c,
        &["apply", plan_file.to_str().unwrap(), "--cluster"],
        &journal,
    );
    let dry = text(&out);
    assert_eq!(out.status.code(), Some(0), "{dry}");
    assert_eq!(dry.matches("would-do").count(), HOSTILE.len(), "{dry}");
    assert!(no_raw_controls(&dry), "{dry:?}");
    let out = dp(
        &c,
        &["apply", plan_file.to_str().unwrap(), "--yes"],
        &journal,
    );
    let applied = text(&out);
    assert_eq!(out.status.code(), Some(0), "{applied}");
    assert_eq!(
        applied.matches("  done").count(),
        HOSTILE.len(),
        "{applied}"
    );
    assert!(no_raw_controls(&applied), "{applied:?}");
    assert!(
        !applied.lines().any(|l| l.trim() == "touch PWNED"),
        "{applied}"
    );
    assert_eq!(binding_names(&c, &ns), Vec::<String>::new());

    // verify: passes, saying for which groups; nothing raw on the terminal.
    let out = dp(&c, &["verify", &target, "--cluster"], &journal);
    let v = text(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert!(
        v.contains(&format!(
            "PASSED, no access remains for {target} with the groups system:authenticated and no others (an assumption"
        )),
        "{v}"
    );
    assert!(no_raw_controls(&v), "{v:?}");
    assert!(v.contains("zz\\r\\e[2K hidden is gone"), "{v}");

    // history: the run and each action, escaped.
    let out = dp(&c, &["history", "-o", "json"], &journal);
    let id = json_out(&out)[0]["id"].as_i64().unwrap().to_string();
    for args in [vec!["history"], vec!["history", id.as_str()]] {
        let out = dp(&c, &args, &journal);
        let h = text(&out);
        assert_eq!(out.status.code(), Some(0), "{h}");
        assert!(no_raw_controls(&h), "{h:?}");
    }
    let h = text(&dp(&c, &["history", &id], &journal));
    assert!(h.contains("evil\\ntouch PWNED\\n"), "{h}");

    // undo brings every binding back under its exact name.
    let out = dp(&c, &["undo", &id, "--yes"], &journal);
    let undone = text(&out);
    assert_eq!(out.status.code(), Some(0), "{undone}");
    assert!(no_raw_controls(&undone), "{undone:?}");
    assert_eq!(binding_names(&c, &ns), all);
    // …and verify fails again, naming them escaped.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = dp(&c, &["verify", &target, "--cluster"], &journal);
        let v = text(&out);
        assert!(no_raw_controls(&v), "{v:?}");
        if out.status.code() == Some(1) {
            assert!(
                v.contains(&format!("RoleBinding {ns}/zz\\r\\e[2K hidden grants")),
                "{v}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "verify never failed: {v}");
        std::thread::sleep(Duration::from_millis(300));
    }

    // The journal and its directory are private.
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&journal), 0o600);
    assert_eq!(mode(journal.parent().unwrap()), 0o700);
}

#[test]
fn verify_names_the_groups_it_assumed_and_fails_for_a_group_that_still_grants() {
    let Some(c) = cluster() else { return };
    let ns = unique("hostile-grp");
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![format!("/api/v1/namespaces/{ns}")],
    };
    c.create(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    );
    c.create(
        &format!("{RBAC_API}/namespaces/{ns}/roles"),
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "pod-reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}),
    );
    // alice (groups dev, qa at the authenticator) is bound directly, and through group dev.
    for (name, kind, subject) in [
        ("alice-view", "ClusterRole", ("User", "alice")),
        ("dev-pods", "Role", ("Group", "dev")),
    ] {
        let role = if kind == "Role" { "pod-reader" } else { "view" };
        c.create(
            &format!("{RBAC_API}/namespaces/{ns}/rolebindings"),
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": subject.0, "name": subject.1}]}),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    // The plan for user:alice, limited to this test's namespace (other tests share alice).
    let mut plan: Value =
        serde_json::from_slice(&plan_out(&c, "user:alice", "json").stdout).unwrap();
    plan["actions"]
        .as_array_mut()
        .unwrap()
        .retain(|a| a["object"]["namespace"] == json!(ns));
    assert_eq!(plan["actions"].as_array().unwrap().len(), 1, "{plan}");
    assert_eq!(plan["actions"][0]["object"]["name"], "alice-view");
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, plan.to_string()).unwrap();
    let out = dp(
        &c,
        &["apply", plan_file.to_str().unwrap(), "--yes"],
        &journal,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // alice's real token still lists the pods, through group dev.
    let token = std::env::var("STOCKADE_TEST_ALICE_TOKEN").unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let code = std::process::Command::new("curl")
            .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
            .arg(&c.ca)
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .arg(format!("{}/api/v1/namespaces/{ns}/pods", c.server))
            .output()
            .unwrap();
        if String::from_utf8_lossy(&code.stdout) == "200" {
            break;
        }
        assert!(Instant::now() < deadline, "alice cannot list pods in {ns}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // Without --group: whatever the verdict, it names the groups it assumed, and the binding
    // to dev is listed as a path that could still apply.
    let out = dp(
        &c,
        &["verify", "user:alice", "--cluster", "-n", &ns],
        &journal,
    );
    let v = text(&out);
    let first = v.lines().next().unwrap_or("");
    if first.contains("PASSED") {
        assert!(
            first.contains("with the groups system:authenticated and no others (an assumption"),
            "{v}"
        );
    }
    assert!(!v.contains("PASSED, no access remains\n"), "{v}");
    assert!(
        v.contains(&format!(
            "? RoleBinding {ns}/dev-pods grants Role {ns}/pod-reader to Group dev: get,list pods"
        )) && v.contains("not checked: pass --group dev"),
        "{v}"
    );
    assert!(
        v.contains("user alice was checked as a member of system:authenticated (implicit)"),
        "{v}"
    );
    let out = dp(
        &c,
        &["verify", "user:alice", "--cluster", "-n", &ns, "-o", "json"],
        &journal,
    );
    let j = json_out(&out);
    assert_eq!(j["groups"], json!(["system:authenticated"]), "{j}");
    assert!(j["assumption"].as_str().unwrap().contains("--group"), "{j}");
    let dev = j["groupGrants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["binding"] == json!(format!("RoleBinding {ns}/dev-pods")))
        .cloned()
        .unwrap_or_else(|| panic!("{j}"));
    assert_eq!(dev["group"], "dev");
    assert_eq!(dev["assumed"], false);

    // With --group dev: fails, naming the binding (offline) and the API server's reason.
    let out = dp(
        &c,
        &[
            "verify",
            "user:alice",
            "--cluster",
            "-n",
            &ns,
            "--group",
            "dev",
            "--group",
            "qa",
        ],
        &journal,
    );
    let v = text(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert!(
        v.contains(
            "FAILED, access remains (checked with the groups dev, qa, system:authenticated)"
        ),
        "{v}"
    );
    assert!(
        v.contains(&format!(
            "✗ RoleBinding {ns}/dev-pods grants Role {ns}/pod-reader to Group dev (given with --group)"
        )),
        "{v}"
    );
    assert!(
        v.contains(&format!(
            "SubjectAccessReview allows list pods in namespace {ns}: RBAC: allowed by RoleBinding \"dev-pods/{ns}\""
        )),
        "{v}"
    );
}

#[test]
fn credentials_never_reach_the_journal_and_undo_says_what_it_cannot_restore() {
    let Some(c) = cluster() else { return };
    let ns = unique("hostile-cred");
    let _cleanup = Cleanup {
        c: &c,
        paths: vec![format!("/api/v1/namespaces/{ns}")],
    };
    let secret = format!("wJalrXUtnFEMI/K7MDENG/{}", unique("bPxRfiCY"));
    let db_password = format!("hunter2-{}", unique("pw"));
    c.create(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    );
    c.create(
        &format!("/api/v1/namespaces/{ns}/configmaps"),
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config"},
            "data": {"db_password": db_password, "color": "blue"}}),
    );
    let pod_spec = json!({"containers": [{"name": "web", "image": "registry.example/web:1",
        "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": secret}, {"name": "LOG_LEVEL", "value": "debug"}],
        "envFrom": [{"configMapRef": {"name": "web-config"}}]}]});
    let applied = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"template": {"spec": pod_spec}}});
    c.create(
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        &json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": applied.to_string(),
                "example.com/deployed-config": applied.to_string(),
                "team": "payments"}},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec}}}),
    );
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    let target = format!("workload:{ns}/Deployment/web");
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, plan_out(&c, &target, "json").stdout).unwrap();
    let out = dp(
        &c,
        &["apply", plan_file.to_str().unwrap(), "--yes", "-o", "json"],
        &journal,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let deleted: Vec<String> = json_out(&out)["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["object"]["kind"].as_str().unwrap(),
                s["object"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        deleted.contains(&"Deployment web".to_string())
            && deleted.contains(&"ConfigMap web-config".to_string()),
        "{deleted:?}"
    );

    // Neither value is anywhere in the journal's bytes, nor in history's output.
    let bytes = std::fs::read(&journal).unwrap();
    for value in [&secret, &db_password] {
        assert!(
            !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
            "{value} is in the journal"
        );
    }
    let out = dp(&c, &["history", "1", "-o", "json"], &journal);
    let h = text(&out);
    assert!(!h.contains(&secret) && !h.contains(&db_password), "{h}");
    assert!(h.contains("<redacted by stockade>"), "{h}");

    // Undo recreates both, with everything but the credentials, and says so.
    let deadline = Instant::now() + Duration::from_secs(30);
    let undone = loop {
        let out = dp(&c, &["undo", "1", "--yes"], &journal);
        let u = text(&out);
        if out.status.code() == Some(0) {
            break u;
        }
        // The deleted objects may still be finalizing.
        assert!(Instant::now() < deadline, "{u}");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(
        undone.contains(&format!(
            "Deployment {ns}/web: recreated without what the journal does not hold"
        )) && undone.contains("/spec/template/spec/containers/0/env/0/value")
            && undone.contains("last-applied-configuration annotation is not restored"),
        "{undone}"
    );
    assert!(
        undone.contains(&format!("ConfigMap {ns}/web-config: recreated"))
            && undone.contains("/data/db_password"),
        "{undone}"
    );
    let dep = c
        .get(&format!("/apis/apps/v1/namespaces/{ns}/deployments/web"))
        .unwrap();
    let env = &dep["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(
        env[0],
        json!({"name": "AWS_SECRET_ACCESS_KEY", "value": "<redacted by stockade>"})
    );
    assert_eq!(env[1], json!({"name": "LOG_LEVEL", "value": "debug"}));
    assert_eq!(dep["metadata"]["annotations"]["team"], "payments");
    assert_eq!(
        dep["metadata"]["annotations"]["example.com/deployed-config"],
        "<redacted by stockade>"
    );
    let cm = c
        .get(&format!("/api/v1/namespaces/{ns}/configmaps/web-config"))
        .unwrap();
    assert_eq!(
        cm["data"],
        json!({"db_password": "<redacted by stockade>", "color": "blue"})
    );
}

#[test]
fn an_existing_world_readable_journal_is_made_private() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    std::fs::write(&journal, b"").unwrap();
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = stockade()
        .args(["deprovision", "history", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mode = std::fs::metadata(&journal).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
