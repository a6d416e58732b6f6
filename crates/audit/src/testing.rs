//! Runs an audit rule's pass/fail fixtures and snapshots its alerts on the fail fixtures.
//!
//! Event fixtures are `.jsonl` files: comment lines starting with `#` (the first one says why:
//! `# why: …`; `# options: {json}` sets the rule's options), then one audit event per line.
//! Policy fixtures are `.yaml` audit Policy files starting with the same comments.

use crate::analyzer::{Analyzer, AnalyzerOptions};
use crate::config::AuditSettings;
use crate::rule::{AuditRule, Source};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The fixture file extension: event logs or audit policies.
fn ext(rule: &AuditRule) -> &'static str {
    match rule.source {
        Source::AuditPolicy => "yaml",
        _ => "jsonl",
    }
}

/// Runs one fixture; returns rendered alerts.
pub fn run_fixture(rule: &'static AuditRule, path: &Path) -> Vec<String> {
    let text = stockade_framework::fixtures::read(path);
    let settings = AuditSettings::only(rule, stockade_framework::fixtures::options_of(&text));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shown = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    let findings = match rule.source {
        Source::AuditEvents => {
            let mut a = Analyzer::new(&settings, AnalyzerOptions::default());
            let mut out = Vec::new();
            // Comment lines stay in place (as blank lines) so line numbers match the file.
            let blanked: String = text
                .lines()
                .map(|l| if l.starts_with('#') { "" } else { l })
                .collect::<Vec<_>>()
                .join("\n");
            a.analyze_reader(&shown, blanked.as_bytes(), &mut |f| out.push(f))
                .expect("in-memory read");
            assert!(
                a.diagnostics().is_empty(),
                "{}: fixture has unreadable lines: {:?}",
                path.display(),
                a.diagnostics()
            );
            out
        }
        _ => crate::policy::check_policy(&shown, &text, &settings)
            .unwrap_or_else(|d| panic!("{}: fixture does not load: {}", path.display(), d.message)),
    };
    findings
        .into_iter()
        .map(|f| {
            let loc = f.location.map(|l| l.to_string()).unwrap_or_default();
            format!(
                "{loc} [{}] {} {}: {}",
                f.severity, f.object, f.field_path, f.message
            )
        })
        .collect()
}

/// Asserts that pass fixtures raise nothing and each fail fixture raises at least one alert,
/// and snapshots the alerts.
pub fn check_fixtures(rule: &'static AuditRule) {
    let snap = stockade_framework::fixtures::run_pass_fail(&root(), rule, &[ext(rule)], |p| {
        run_fixture(rule, p)
    });
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("{}-{}", rule.id, rule.name), snap);
    });
}
