//! Renders a rule's user documentation (markdown) from its doc comment and metadata. Used by
//! `stockade explain`, and by the generated `docs/rules/*.md` pages (kept current by a test).

use crate::{Rule, controls};
use std::fmt::Write;

/// The headings every rule's doc comment has, in this order.
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
pub fn body(rule: &Rule) -> String {
    let mut out = String::new();
    for line in rule.docs.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    out.trim().to_string() + "\n"
}

/// The full markdown page of a rule.
pub fn page(rule: &Rule) -> String {
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
    let _ = writeln!(s, "| Kinds | {} |", rule.kinds.join(", "));
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

/// The index page listing every rule.
pub fn index(rules: &[&Rule]) -> String {
    let mut s = String::from(
        "# Rules\n\nGenerated from the rule registry (`cargo test -p stockade-rules` checks it is current;\nregenerate with `STOCKADE_UPDATE_DOCS=1 cargo test -p stockade-rules generated_docs`).\n\n| id | name | severity | default | summary |\n|---|---|---|---|---|\n",
    );
    for r in rules {
        let _ = writeln!(
            s,
            "| {} | [{}]({}.md) | {} | {} | {} |",
            r.id,
            r.name,
            r.name,
            r.severity,
            if r.default_enabled { "on" } else { "off" },
            r.summary
        );
    }
    s
}
