//! Hostile names in every output of a plan, offline: the kubectl script runs only kubectl, with
//! the exact names, and shows every name on one line; YAML and JSON hold no raw control
//! character and decode to the exact names; the text shows every name escaped on one line.

use std::os::unix::fs::PermissionsExt;
use stockade_deprovision_model::plan::Plan;
use stockade_report::deprovision::{json, kubectl, text, yaml};

/// Names the API server accepts for RBAC objects, one per hostile idea.
const HOSTILE: &[&str] = &[
    "evil\ntouch PWNED\n",
    "zz\r\u{1b}[2K hidden",
    "frag#x",
    "keep?dryRun=All",
    "sp ace",
    "it's",
    "$HOME",
    "$(touch PWNED)",
    "`touch PWNED`",
    "back\\slash %s %%",
    "u\u{202e}txt.exe",
    "del\u{7f}c1\u{9b}",
    "trailing\n\n",
];

/// Whether `s` holds a character a terminal must not get raw (newlines and tabs aside).
fn raw_controls(s: &str) -> bool {
    s.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

/// A cluster-made plan deleting a RoleBinding of each hostile name, and removing a
/// hostile-named subject from a shared binding.
fn hostile_plan() -> Plan {
    let mut actions = Vec::new();
    for name in HOSTILE {
        actions.push(serde_json::json!({
            "op": "delete",
            "object": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "namespace": "shop", "name": name, "uid": "u", "resourceVersion": "1"},
            "reason": format!("grants only User {name}"),
        }));
    }
    actions.push(serde_json::json!({
        "op": "removeSubjects",
        "object": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "namespace": "shop", "name": "team\n; touch PWNED", "uid": "u", "resourceVersion": "7"},
        "subjects": [{"index": 1, "kind": "User", "name": "leaver\u{202e}\n$(touch PWNED)",
            "apiGroup": "rbac.authorization.k8s.io"}],
        "reason": "remove the leaver",
        "warning": "careful\n touch PWNED",
    }));
    let plan = serde_json::json!({
        "apiVersion": "stockade.dev/v1alpha1", "kind": "DeprovisionPlan",
        "target": "user:leaver\u{202e}\n$(touch PWNED)",
        "source": {"kind": "cluster", "cluster": "ctx\n touch PWNED"},
        "createdAt": "2026-12-01T00:00:00Z", "stockadeVersion": "0",
        "actions": actions,
        "notes": ["note\u{1b}]0;title\u{7}"],
    });
    Plan::from_json(&plan.to_string()).unwrap()
}

#[test]
fn the_kubectl_script_runs_only_kubectl_with_the_exact_names() {
    let plan = hostile_plan();
    let script = kubectl::plan(&plan);
    assert!(!raw_controls(&script), "{script:?}");
    for line in script.lines() {
        assert!(
            !line.trim_start().starts_with("touch") && !line.trim_start().starts_with("; touch"),
            "a line of its own: {line:?}\n{script}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let sh = dir.path().join("plan.sh");
    std::fs::write(&sh, &script).unwrap();
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
    // A kubectl that records each call's arguments, NUL-terminated, one call per record.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake = bin.join("kubectl");
    std::fs::write(
        &fake,
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$CALLS\"\nprintf '\\036' >> \"$CALLS\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let calls = dir.path().join("calls");
    let run = std::process::Command::new("sh")
        .arg(&sh)
        .current_dir(dir.path())
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("CALLS", &calls)
        .env("HOME", "/nonexistent-home")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        !dir.path().join("PWNED").exists(),
        "an injected command ran"
    );
    let recorded = std::fs::read(&calls).unwrap();
    let calls: Vec<Vec<String>> = recorded
        .split(|b| *b == 0x1e)
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8(a.to_vec()).unwrap())
                .collect()
        })
        .collect();
    assert_eq!(calls.len(), HOSTILE.len() + 1, "{calls:?}");
    for (call, name) in calls.iter().zip(HOSTILE) {
        assert_eq!(
            call,
            &[
                "delete",
                "rolebindings.rbac.authorization.k8s.io",
                name,
                "-n",
                "shop",
                "--ignore-not-found"
            ],
            "{name:?}"
        );
    }
    let patch = &calls[HOSTILE.len()];
    assert_eq!(
        patch[..5],
        [
            "patch",
            "rolebindings.rbac.authorization.k8s.io",
            "team\n; touch PWNED",
            "-n",
            "shop"
        ]
    );
    let ops: serde_json::Value = serde_json::from_str(&patch[7]).unwrap();
    assert_eq!(ops[1]["value"]["name"], "leaver\u{202e}\n$(touch PWNED)");
}

/// The `object.name` of every document of the YAML output, read back by Stockade's own YAML
/// loader.
fn yaml_values(text: &str) -> Vec<String> {
    let loaded = stockade_sources::yaml::load(text, 0, Default::default())
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    loaded
        .docs
        .iter()
        .filter_map(|d| d.at("object.name").and_then(stockade_sources::Node::as_str))
        .map(str::to_string)
        .collect()
}

#[test]
fn yaml_and_json_hold_no_raw_control_character_and_decode_exactly() {
    let plan = hostile_plan();
    let y = yaml::plan(&plan);
    assert!(!raw_controls(&y), "{y:?}");
    assert!(y.starts_with("# Stockade de-provisioning plan for "), "{y}");
    assert_eq!(
        y.lines().next().map(|l| l.contains("$(touch PWNED)")),
        Some(true)
    );
    let mut want: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    want.push("team\n; touch PWNED".into());
    assert_eq!(yaml_values(&y), want);

    let j = json::pretty(&plan).unwrap();
    assert!(!raw_controls(&j), "{j:?}");
    assert!(
        j.contains("u\\u202etxt.exe") && j.contains("del\\u007fc1\\u009b"),
        "{j}"
    );
    assert_eq!(Plan::from_json(&j).unwrap(), plan);

    let t = text::plan(&plan);
    assert!(!raw_controls(&t), "{t:?}");
    assert!(
        !t.lines().any(|l| l.trim_start().starts_with("touch")),
        "{t}"
    );
    assert!(
        t.contains("zz\\r\\e[2K hidden") && t.contains("u\\u{202e}txt.exe"),
        "{t}"
    );
}
