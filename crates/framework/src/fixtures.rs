//! The pass/fail fixture harness every family shares.
//!
//! A rule's fixtures live in `<crate>/fixtures/<family>/<rule-name>/{pass,fail}/`. A fixture
//! starts with a `# why …` comment line and may set the rule's options with a line
//! `# options: {"name": value}` (JSON). Pass fixtures must produce nothing; every fail fixture
//! must produce at least one finding, and the findings of all fail fixtures form the rule's
//! snapshot (the caller asserts it with insta, so the snapshot stays beside its crate).

use crate::Meta;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The fixture directory of a rule under a crate's `fixtures/` directory.
pub fn dir(fixtures_root: &Path, rule: &Meta) -> PathBuf {
    fixtures_root.join(rule.family.name()).join(rule.name)
}

/// The fixture files of a rule under `pass` or `fail` with one of `exts`, sorted.
pub fn files(fixtures_root: &Path, rule: &Meta, which: &str, exts: &[&str]) -> Vec<PathBuf> {
    let d = dir(fixtures_root, rule).join(which);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&d)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
    });
    v.sort();
    v
}

/// The options a fixture sets (`# options: {json}`), empty when none.
pub fn options_of(text: &str) -> serde_json::Map<String, serde_json::Value> {
    for line in text.lines() {
        if let Some(json) = line.strip_prefix("# options:") {
            return serde_json::from_str(json.trim()).expect("fixture options are a JSON object");
        }
    }
    serde_json::Map::new()
}

/// Runs every pass and fail fixture of `rule` through `run` (which returns one rendered line
/// per finding), asserts pass fixtures give none and fail fixtures some, and returns the fail
/// fixtures' lines as the snapshot text.
pub fn run_pass_fail(
    fixtures_root: &Path,
    rule: &Meta,
    exts: &[&str],
    mut run: impl FnMut(&Path) -> Vec<String>,
) -> String {
    let pass = files(fixtures_root, rule, "pass", exts);
    let fail = files(fixtures_root, rule, "fail", exts);
    let d = dir(fixtures_root, rule);
    assert!(
        !pass.is_empty(),
        "{}: no pass fixtures in {}",
        rule.id,
        d.display()
    );
    assert!(
        !fail.is_empty(),
        "{}: no fail fixtures in {}",
        rule.id,
        d.display()
    );
    for p in &pass {
        let hits = run(p);
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
        let hits = run(p);
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
    snap
}

/// Reads a fixture and checks it starts with its `# why` comment.
pub fn read(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    assert!(
        text.starts_with("# "),
        "{}: fixtures start with a `# why` comment",
        path.display()
    );
    text
}
