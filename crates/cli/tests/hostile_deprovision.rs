//! De-provisioning with hostile object names, on the real control plane: names the API server
//! accepts for RoleBindings (`frag#x`, `keep?dryRun=All`, a space, `'`, `$`, a newline followed
//! by a command, a carriage return and an ANSI erase sequence) must each be addressed exactly by
//! `apply`, must not inject a command into the `-o kubectl` script, and must not reach a
//! terminal raw. The journal is private to its owner.

mod common;

use common::{Cleanup, cluster, stockade, text, unique};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;

const RBAC_API: &str = "/apis/rbac.authorization.k8s.io/v1";

const HOSTILE: &[&str] = &[
    "frag#x",
    "keep?dryRun=All",
    "sp ace",
    "it's",
    "$HOME",
    "evil\ntouch PWNED\n",
    "zz\r\u{1b}[2K hidden",
];

fn no_raw_controls(s: &str) -> bool {
    !s.chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}')
}

#[test]
fn hostile_binding_names_are_quoted_encoded_and_escaped() {
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
    let dir = tempfile::tempdir().unwrap();
    let target = format!("user:{user}");
    let plan = |fmt: &str| {
        let out = stockade()
            .args(["deprovision", "plan", &target, "--cluster", "-o", fmt])
            .arg("--kubeconfig")
            .arg(&c.kubeconfig)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        out
    };

    // The readable plan: every name on one line, control characters visible as escapes.
    let t = text(&plan("text"));
    assert!(no_raw_controls(&t), "{t:?}");
    assert!(
        t.contains("evil\\ntouch PWNED\\n") && t.contains("zz\\r\\e[2K hidden"),
        "{t}"
    );
    assert!(!t.lines().any(|l| l.trim() == "touch PWNED"), "{t}");

    // The kubectl script: parses, and running it runs only kubectl, with the exact names.
    let script = String::from_utf8(plan("kubectl").stdout).unwrap();
    let sh = dir.path().join("plan.sh");
    std::fs::write(&sh, &script).unwrap();
    let syntax = std::process::Command::new("sh")
        .arg("-n")
        .arg(&sh)
        .status()
        .unwrap();
    assert!(syntax.success(), "{script}");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake = bin.join("kubectl");
    // Records each call's arguments, NUL-separated, one call per line.
    std::fs::write(
        &fake,
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$CALLS\"\necho >> \"$CALLS\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let calls = dir.path().join("calls");
    let run = std::process::Command::new("sh")
        .arg(&sh)
        .current_dir(dir.path())
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
        !dir.path().join("PWNED").exists(),
        "the script ran an injected command"
    );
    let recorded = std::fs::read_to_string(&calls).unwrap();
    for name in ["frag#x", "keep?dryRun=All", "sp ace", "it's", "$HOME"] {
        assert!(
            recorded.contains(&format!(
                "delete\0rolebindings.rbac.authorization.k8s.io\0{name}\0-n\0{ns}\0"
            )),
            "{name}: {recorded:?}"
        );
    }
    // Names with control characters are left to `apply` rather than scripted.
    assert_eq!(recorded.lines().count(), 5, "{recorded:?}");
    assert!(script.contains("not scripted"), "{script}");

    // apply addresses every binding exactly: all seven are gone afterwards.
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, plan("json").stdout).unwrap();
    let journal = dir.path().join("private").join("journal.db");
    let out = stockade()
        .args(["deprovision", "apply"])
        .arg(&plan_file)
        .arg("--yes")
        .arg("--journal")
        .arg(&journal)
        .arg("--kubeconfig")
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    let applied = text(&out);
    assert_eq!(out.status.code(), Some(0), "{applied}");
    assert!(no_raw_controls(&applied), "{applied:?}");
    assert!(
        !applied.lines().any(|l| l.trim() == "touch PWNED"),
        "{applied}"
    );
    let (_, list) = c.req(
        "GET",
        &format!("{RBAC_API}/namespaces/{ns}/rolebindings"),
        None,
    );
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");

    // The journal and its directory are private.
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&journal), 0o600);
    assert_eq!(mode(journal.parent().unwrap()), 0o700);
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
