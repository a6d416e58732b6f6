//! Renders a rule's user documentation (markdown) from its doc comment and metadata, for every
//! family alike. Used by `stockade explain` and by the generated `docs/rules/` pages (a test of
//! the registry keeps them current).

use crate::{Meta, Source, controls};
use std::fmt::Write;

/// The headings every object rule's doc comment has, in this order.
pub const HEADINGS: &[&str] = &[
    "## What it does",
    "## Why is this risky?",
    "## Example",
    "## Use instead",
    "## Options",
    "## Known limitations",
    "## References",
];

/// The doc comment's text, with the one space after `///` removed.
pub fn body(rule: &Meta) -> String {
    let mut out = String::new();
    for line in rule.docs.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    out.trim().to_string() + "\n"
}

/// What a rule reads, for the metadata table.
fn reads_row(rule: &Meta) -> (&'static str, String) {
    match rule.source {
        Source::Objects | Source::Inventory => ("Kinds", rule.kinds.join(", ")),
        Source::AuditEvents => (
            "Reads",
            "audit events (`stockade audit-log analyze`, `audit-log serve`)".into(),
        ),
        Source::AuditPolicy => (
            "Reads",
            "an audit Policy (`stockade audit-log policy`)".into(),
        ),
    }
}

/// The full markdown page of a rule.
pub fn page(rule: &Meta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} `{}`\n", rule.id, rule.name);
    let _ = writeln!(s, "{}\n", rule.summary);
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(s, "| Severity | {} |", rule.severity);
    let _ = writeln!(s, "| Family | {} |", rule.family.name());
    let _ = writeln!(
        s,
        "| Enabled by default | {} |",
        if rule.default_enabled { "yes" } else { "no" }
    );
    let (label, reads) = reads_row(rule);
    let _ = writeln!(s, "| {label} | {reads} |");
    let controls: Vec<String> = rule
        .controls
        .iter()
        .map(|c| match controls::title(c) {
            Some(t) => format!("{c} ({t})"),
            None => c.to_string(),
        })
        .collect();
    let _ = writeln!(s, "| Controls | {} |", controls.join("<br>"));
    let _ = writeln!(s, "| Since | {} |", rule.since);
    if matches!(rule.source, Source::Objects | Source::Inventory) {
        let _ = writeln!(
            s,
            "| At admission | {} |",
            if rule.admission {
                "judged by `stockade webhook serve`"
            } else {
                "not judged (a posture rule: what it looks for is often created a moment later, in the same apply); `scan` and `scan --cluster` report it"
            }
        );
    }
    if !rule.same_fact_as.is_empty() {
        let _ = writeln!(
            s,
            "| Same fact as | {} (when one of them reports the same field, `scan` reports it once, there) |",
            rule.same_fact_as.join(", ")
        );
    }
    if !rule.needs.is_empty() {
        let _ = writeln!(
            s,
            "| Needs read completely | {} (a live scan that could not read one of them does not run this rule and lists it as not assessed) |",
            rule.needs.join(", ")
        );
    }
    let _ = writeln!(s, "\n{}", body(rule));
    if !rule.options.is_empty() {
        let _ = writeln!(
            s,
            "## Option reference\n\n| option | default | meaning |\n|---|---|---|"
        );
        for o in rule.options {
            let _ = writeln!(s, "| `{}` | `{}` | {} |", o.name, o.default, o.help);
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## Fix\n\n{}", rule.remediation);
    s
}

fn on_off(r: &Meta) -> &'static str {
    if r.default_enabled { "on" } else { "off" }
}

/// The index page of the object rules (`docs/rules/README.md`).
pub fn index(rules: &[&Meta]) -> String {
    let mut s = String::from(
        "# Rules\n\nGenerated from the rule registry (`cargo test -p stockade-engine` checks it is current;\nregenerate with `STOCKADE_UPDATE_DOCS=1 cargo test -p stockade-engine generated_docs`).\nAudit rules are listed in [audit/](audit/README.md).\n\n| id | name | severity | default | summary |\n|---|---|---|---|---|\n",
    );
    for r in rules {
        let _ = writeln!(
            s,
            "| {} | [{}]({}.md) | {} | {} | {} |",
            r.id,
            r.name,
            r.name,
            r.severity,
            on_off(r),
            r.summary
        );
    }
    s
}

/// The index page of the audit rules (`docs/rules/audit/README.md`).
pub fn audit_index(rules: &[&Meta]) -> String {
    let mut s = String::from(
        "# Audit rules\n\nGenerated from the rule registry (`cargo test -p stockade-engine` checks it is current;\nregenerate with `STOCKADE_UPDATE_DOCS=1 cargo test -p stockade-engine generated_docs`).\nSee [docs/audit-log.md](../../audit-log.md) for the commands.\n\n| id | name | severity | default | reads | summary |\n|---|---|---|---|---|---|\n",
    );
    for r in rules {
        let _ = writeln!(
            s,
            "| {} | [{}]({}.md) | {} | {} | {} | {} |",
            r.id,
            r.name,
            r.name,
            r.severity,
            on_off(r),
            r.source.reads(),
            r.summary
        );
    }
    s
}
