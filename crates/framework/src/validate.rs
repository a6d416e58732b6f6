//! The registry meta-tests, as functions: the one registry's test calls [`registry`] and fails
//! with every problem found, so a rule of any family is held to the same rules.

use crate::{Family, Meta, Source, controls, docs};
use std::collections::HashSet;
use std::path::Path;
use stockade_model::Framework;

/// Every problem with a registry: duplicate ids or names, ids without their family's prefix,
/// names not kebab-case or not the file's name, missing summary or remediation, object rules
/// that read no kinds, docs headings missing or out of order, unknown controls, audit event
/// rules without an ATT&CK technique, option defaults that are not JSON, and a registry not
/// sorted by family (in [`Family::ALL`] order), then id.
pub fn registry(rules: &[&Meta]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    for r in rules {
        let mut bad = |p: String| problems.push(format!("{}: {p}", r.id));
        if !ids.insert(r.id) {
            bad("duplicate id".into());
        }
        if !names.insert(r.name) {
            bad(format!("duplicate name {}", r.name));
        }
        if !r.id.starts_with(r.family.prefix()) {
            bad(format!("lacks prefix {}", r.family.prefix()));
        }
        if !r
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            bad(format!("{} is not kebab-case", r.name));
        }
        let is_audit = matches!(r.source, Source::AuditEvents | Source::AuditPolicy);
        if is_audit != (r.family == Family::Audit) {
            bad("audit rules, and only they, read audit events or policies".into());
        }
        if matches!(r.source, Source::Objects | Source::Inventory) && r.kinds.is_empty() {
            bad("reads no kinds".into());
        }
        if r.summary.is_empty() || r.remediation.is_empty() {
            bad("lacks summary/remediation".into());
        }
        if r.since.is_empty() {
            bad("lacks `since`".into());
        }
        let stem = Path::new(r.source_file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        if stem.replace('_', "-") != r.name {
            bad(format!("file name `{stem}` must be the rule name"));
        }
        let body = docs::body(r);
        let mut at = 0;
        for h in docs::HEADINGS {
            match body[at..].find(&format!("{h}\n")) {
                Some(i) => at += i,
                None => bad(format!("heading `{h}` missing or out of order")),
            }
        }
        for c in r.controls {
            if controls::title(c).is_none() {
                bad(format!("unknown control {c}"));
            }
        }
        if r.family == Family::Audit && r.controls.is_empty() {
            bad("no controls".into());
        }
        // Every threat detection maps to ATT&CK; the deprecated-API report is hygiene.
        if r.source == Source::AuditEvents
            && r.name != "deprecated-api-used"
            && !r.controls.iter().any(|c| c.framework == Framework::Mitre)
        {
            bad("no MITRE technique".into());
        }
        for o in r.options {
            if serde_json::from_str::<serde_json::Value>(o.default).is_err() {
                bad(format!("option {} default is not JSON", o.name));
            }
        }
    }
    // A rule that yields to others: they exist, are not itself, and together carry its
    // controls (its PSS check and CIS controls; framework sections and techniques may differ).
    for r in rules.iter().filter(|r| !r.same_fact_as.is_empty()) {
        let owners: Vec<&&Meta> = r
            .same_fact_as
            .iter()
            .filter_map(|id| rules.iter().find(|o| o.id == *id))
            .collect();
        if owners.len() != r.same_fact_as.len() || r.same_fact_as.contains(&r.id) {
            problems.push(format!(
                "{}: same_fact_as names an unknown rule or itself",
                r.id
            ));
        }
        for c in r.controls {
            if matches!(c.framework, Framework::Pss | Framework::Cis)
                && !owners.iter().any(|o| o.controls.contains(c))
            {
                problems.push(format!(
                    "{}: control {c} is carried by none of the rules it yields to",
                    r.id
                ));
            }
        }
        for o in &owners {
            if let Some(c) = r.controls.iter().find(|c| c.framework == Framework::Pss)
                && !o.controls.contains(c)
            {
                problems.push(format!(
                    "{}: lacks {c} of {}, which yields to it",
                    o.id, r.id
                ));
            }
        }
    }
    let key = |r: &&Meta| (Family::ALL.iter().position(|f| *f == r.family), r.id);
    let mut sorted = rules.to_vec();
    sorted.sort_by_key(key);
    if sorted.iter().map(|r| r.id).ne(rules.iter().map(|r| r.id)) {
        problems.push("the registry must be sorted by family, then id".into());
    }
    problems
}

/// Rules without pass or fail fixtures. `workspace_root` is where the `file!()` paths of the
/// declarations start; a rule's fixtures are in its crate's `fixtures/<family>/<name>/`.
pub fn fixtures_missing(rules: &[&Meta], workspace_root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for r in rules {
        let Some((krate, _)) = r.source_file.split_once("/src/") else {
            problems.push(format!("{}: declared outside a crate's src/", r.id));
            continue;
        };
        let root = workspace_root.join(krate).join("fixtures");
        for which in ["pass", "fail"] {
            let d = crate::fixtures::dir(&root, r).join(which);
            let any = std::fs::read_dir(&d).is_ok_and(|mut rd| rd.next().is_some());
            if !any {
                problems.push(format!("{}: no {which} fixtures in {}", r.id, d.display()));
            }
        }
    }
    problems
}
