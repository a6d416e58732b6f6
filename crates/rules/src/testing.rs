//! Runs a rule's pass/fail fixtures and snapshots its findings on the fail fixtures.
//!
//! A fixture is a YAML file whose first line is a `# why` comment. It may carry options for
//! the rule in a line `# options: {"name": value}` (JSON).

use crate::{Options, Rule};
use std::path::{Path, PathBuf};
use stockade_inventory::Inventory;
use stockade_model::DiagnosticLevel;
use stockade_sources::{Input, Limits, load_inputs};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Runs one fixture file; returns rendered hits.
pub fn run_fixture(rule: &'static Rule, path: &Path) -> Vec<String> {
    let text = stockade_framework::fixtures::read(path);
    let options: Options = stockade_framework::fixtures::options_of(&text);
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
                h.object.oref(),
                h.path,
                h.message
            )
        })
        .collect()
}

/// Asserts that pass fixtures produce nothing and each fail fixture produces at least one
/// finding, and snapshots the findings.
pub fn check_fixtures(rule: &'static Rule) {
    let snap =
        stockade_framework::fixtures::run_pass_fail(&root(), rule, &["yaml", "yml", "json"], |p| {
            run_fixture(rule, p)
        });
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("{}-{}", rule.id, rule.name), snap);
    });
}
