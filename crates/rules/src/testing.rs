//! Runs a rule's pass/fail fixtures and snapshots its findings on the fail fixtures.
//!
//! A fixture is a YAML file whose first line is a `# why` comment. It may carry options for
//! the rule in a line `# options: {"name": value}` (JSON).

use crate::{Options, Rule};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use stockade_inventory::Inventory;
use stockade_model::DiagnosticLevel;
use stockade_sources::{Input, Limits, load_inputs};

/// The fixture directory of a rule.
pub fn fixture_dir(rule: &Rule) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rule.family.name())
        .join(rule.name)
}

/// The fixture files of a rule under `pass` or `fail`, sorted.
pub fn fixtures(rule: &Rule, which: &str) -> Vec<PathBuf> {
    let dir = fixture_dir(rule).join(which);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| {
        p.extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
    });
    v.sort();
    v
}

fn options_of(text: &str) -> Options {
    for line in text.lines() {
        if let Some(json) = line.strip_prefix("# options:") {
            return serde_json::from_str(json.trim()).expect("fixture options are a JSON object");
        }
    }
    Options::new()
}

/// Runs one fixture file; returns rendered hits.
pub fn run_fixture(rule: &'static Rule, path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    assert!(
        text.starts_with("# "),
        "{}: fixtures start with a `# why` comment",
        path.display()
    );
    let options = options_of(&text);
    let load = load_inputs(
        &[Input::Path(path.to_path_buf())],
        &Limits::default(),
        &mut std::io::empty(),
    );
    let errors: Vec<_> = load
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .collect();
    assert!(
        errors.is_empty(),
        "{}: fixture does not load: {errors:?}",
        path.display()
    );
    let (inv, _) = Inventory::from_manifests(load);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let views = crate::Views::new(&inv);
    rule.run(&views, &options)
        .into_iter()
        .map(|h| {
            let loc = inv
                .location(h.object, &h.path)
                .expect("file objects have locations");
            let shown = Path::new(&loc.path)
                .strip_prefix(root)
                .map(|p| p.display().to_string())
                .unwrap_or(loc.path.clone());
            format!(
                "{shown}:{}:{} [{}] {} {}: {}",
                loc.line,
                loc.column,
                h.severity.unwrap_or(h.rule.severity),
                h.object.oref,
                h.path,
                h.message
            )
        })
        .collect()
}

/// Asserts that pass fixtures produce nothing and each fail fixture produces at least one
/// finding, and snapshots the findings.
pub fn check_fixtures(rule: &'static Rule) {
    let pass = fixtures(rule, "pass");
    let fail = fixtures(rule, "fail");
    assert!(
        !pass.is_empty(),
        "{}: no pass fixtures in {}",
        rule.id,
        fixture_dir(rule).display()
    );
    assert!(
        !fail.is_empty(),
        "{}: no fail fixtures in {}",
        rule.id,
        fixture_dir(rule).display()
    );
    for p in &pass {
        let hits = run_fixture(rule, p);
        assert!(
            hits.is_empty(),
            "{} on pass fixture {}:\n{}",
            rule.id,
            p.display(),
            hits.join("\n")
        );
    }
    let mut snap = String::new();
    for p in &fail {
        let hits = run_fixture(rule, p);
        assert!(
            !hits.is_empty(),
            "{} found nothing on fail fixture {}",
            rule.id,
            p.display()
        );
        for h in hits {
            let _ = writeln!(snap, "{h}");
        }
    }
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("{}-{}", rule.id, rule.name), snap);
    });
}
