//! Renders an audit rule's documentation (markdown) from its doc comment and metadata, in the
//! same shape as `stockade_rules::docs` pages. Used by `stockade explain` and by the generated
//! `docs/rules/audit/*.md` pages (kept current by a test).

use crate::rule::{AuditRule, Target};
use std::fmt::Write;
use stockade_rules::controls;

/// The doc comment's text, with the one space after `///` removed.
pub fn body(rule: &AuditRule) -> String {
    let mut out = String::new();
    for line in rule.docs.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    out.trim().to_string() + "\n"
}

/// What a rule reads, for the metadata table.
pub fn reads(rule: &AuditRule) -> &'static str {
    match rule.target {
        Target::Events => "audit events (`stockade audit-log analyze`, `audit-log serve`)",
        Target::Policy => "an audit Policy (`stockade audit-log policy`)",
    }
}

/// The full markdown page of a rule.
pub fn page(rule: &AuditRule) -> String {
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
    let _ = writeln!(s, "| Reads | {} |", reads(rule));
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

/// The index page listing every audit rule.
pub fn index(rules: &[&AuditRule]) -> String {
    let mut s = String::from(
        "# Audit rules\n\nGenerated from the audit rule registry (`cargo test -p stockade-audit` checks it is current;\nregenerate with `STOCKADE_UPDATE_DOCS=1 cargo test -p stockade-audit generated_docs`).\nSee [docs/audit-log.md](../../audit-log.md) for the commands.\n\n| id | name | severity | default | reads | summary |\n|---|---|---|---|---|---|\n",
    );
    for r in rules {
        let _ = writeln!(
            s,
            "| {} | [{}]({}.md) | {} | {} | {} | {} |",
            r.id,
            r.name,
            r.name,
            r.severity,
            if r.default_enabled { "on" } else { "off" },
            match r.target {
                Target::Events => "events",
                Target::Policy => "policy",
            },
            r.summary
        );
    }
    s
}
