//! Runs an audit rule's pass/fail fixtures and snapshots its alerts on the fail fixtures.
//!
//! Event fixtures are `.jsonl` files: comment lines starting with `#` (the first one says why:
//! `# why: …`; `# options: {json}` sets the rule's options), then one audit event per line.
//! Policy fixtures are `.yaml` audit Policy files starting with the same comments.

use crate::analyzer::{Analyzer, AnalyzerOptions};
use crate::config::AuditSettings;
use crate::rule::{AuditRule, Target};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The fixture directory of a rule.
pub fn fixture_dir(rule: &AuditRule) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rule.name)
}

/// The fixture files of a rule under `pass` or `fail`, sorted.
pub fn fixtures(rule: &AuditRule, which: &str) -> Vec<PathBuf> {
    let dir = fixture_dir(rule).join(which);
    let ext = match rule.target {
        Target::Events => "jsonl",
        Target::Policy => "yaml",
    };
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == ext));
    v.sort();
    v
}

fn options_of(text: &str) -> serde_json::Map<String, serde_json::Value> {
    for line in text.lines() {
        if let Some(json) = line.strip_prefix("# options:") {
            return serde_json::from_str(json.trim()).expect("fixture options are a JSON object");
        }
    }
    serde_json::Map::new()
}

/// Runs one fixture; returns rendered alerts.
pub fn run_fixture(rule: &'static AuditRule, path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    assert!(
        text.starts_with("# why"),
        "{}: fixtures start with a `# why` comment",
        path.display()
    );
    let settings = AuditSettings::only(rule, options_of(&text));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shown = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    let findings = match rule.target {
        Target::Events => {
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
        Target::Policy => crate::policy::check_policy(&shown, &text, &settings)
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
