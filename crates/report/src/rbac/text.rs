//! The `stockade rbac` text output.
//!
//! Names come from manifests or the cluster: each is written through [`TermLine`] (or
//! [`table`], which escapes its cells), and the whole output through a [`TerminalWriter`] as
//! a backstop.

use std::fmt::Write as _;
use std::io::{self, Write};
use stockade_model::escape::{TermLine, TerminalWriter, terminal_line};
use stockade_rbac::answer::{Access, Can, Paths, WhoCan};

fn write(w: &mut dyn Write, text: &str) -> io::Result<()> {
    let mut out = TerminalWriter::new(w, false);
    out.write_all(text.as_bytes())?;
    out.finish()
}

/// Rows under an upper-case header, columns aligned, each cell escaped to one line.
fn table(rows: &[Vec<String>], header: &[&str]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| h.to_uppercase()).collect::<Vec<_>>());
    for r in rows {
        t.add_row(
            r.iter()
                .map(|c| terminal_line(c).into_owned())
                .collect::<Vec<_>>(),
        );
    }
    let mut s = String::new();
    for line in t.to_string().lines() {
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// `rbac who-can`: a table of subject, binding and role per grant.
pub fn who_can(a: &WhoCan, w: &mut dyn Write) -> io::Result<()> {
    let mut out = format!("who can {}:\n", TermLine(a.request.describe()));
    if a.allowed.is_empty() {
        out.push_str("  nobody through RBAC\n");
    } else {
        let rows: Vec<Vec<String>> = a
            .allowed
            .iter()
            .map(|g| {
                let (s, b) = (&g.subject, &g.binding);
                vec![
                    s.kind.clone(),
                    match &s.namespace {
                        Some(ns) if s.kind == "ServiceAccount" => format!("{ns}/{}", s.name),
                        _ => s.name.clone(),
                    },
                    format!(
                        "{}{}",
                        b.display(),
                        if b.builtin { " (built-in)" } else { "" }
                    ),
                    g.role.as_ref().map(|r| r.display()).unwrap_or_default(),
                ]
            })
            .collect();
        out.push_str(&table(&rows, &["kind", "subject", "binding", "role"]));
    }
    let _ = writeln!(out, "({})", a.note);
    write(w, &out)
}

/// `rbac can`: yes or no, and the grant.
pub fn can(a: &Can, w: &mut dyn Write) -> io::Result<()> {
    let out = if let Some(g) = &a.grant {
        format!(
            "yes: {} can {}\n  via {} (subject {}) → {} rules[{}]: {}\n",
            TermLine(&a.subject),
            TermLine(a.request.describe()),
            TermLine(g.binding.display()),
            TermLine(g.subject.display()),
            TermLine(&g.rule.role),
            g.rule.index,
            TermLine(g.rule.rule.describe())
        )
    } else if a.superuser {
        format!(
            "yes: {} can {}\n  as a member of system:masters, which bypasses RBAC\n",
            TermLine(&a.subject),
            TermLine(a.request.describe())
        )
    } else {
        format!(
            "no: {} cannot {} (groups: {})\n",
            TermLine(&a.subject),
            TermLine(a.request.describe()),
            TermLine(a.user.groups.join(", "))
        )
    };
    write(w, &out)
}

/// `rbac access`: a table of the effective rules.
pub fn access(a: &Access, w: &mut dyn Write) -> io::Result<()> {
    let mut out = format!(
        "effective permissions of {} (groups: {}); NAMESPACE * means every namespace and cluster-scoped resources\n",
        TermLine(&a.subject),
        TermLine(a.user.groups.join(", "))
    );
    if a.superuser {
        out.push_str("member of system:masters: allowed everything, whatever RBAC says\n");
    }
    let text: Vec<Vec<String>> = a
        .rules
        .iter()
        .map(|ar| {
            let r = &ar.rule;
            let res: Vec<String> = r
                .resources
                .iter()
                .flat_map(|res| {
                    r.api_groups.iter().map(move |g| {
                        if g.is_empty() {
                            res.clone()
                        } else {
                            format!("{res}.{g}")
                        }
                    })
                })
                .collect();
            vec![
                ar.namespace.clone().unwrap_or_else(|| "*".to_string()),
                res.join(" "),
                r.non_resource_urls.join(" "),
                if r.resource_names.is_empty() {
                    String::new()
                } else {
                    format!("[{}]", r.resource_names.join(" "))
                },
                format!("[{}]", r.verbs.join(" ")),
                ar.via.clone(),
            ]
        })
        .collect();
    if text.is_empty() {
        out.push_str("  no permissions through RBAC\n");
    } else {
        out.push_str(&table(
            &text,
            &[
                "namespace",
                "resources",
                "non-resource urls",
                "resource names",
                "verbs",
                "via",
            ],
        ));
    }
    write(w, &out)
}

/// `rbac paths`: every chain step by step, the subjects that hold the target directly, and a
/// count.
pub fn paths(a: &Paths, w: &mut dyn Write) -> io::Result<()> {
    let target = a.target.as_str();
    let mut out = String::new();
    for c in &a.chains {
        let _ = writeln!(
            out,
            "{} → {target} in {} step(s):",
            TermLine(&c.from),
            c.steps.len()
        );
        for (i, s) in c.steps.iter().enumerate() {
            let _ = match &s.to {
                Some(to) => writeln!(
                    out,
                    "  {}. {} {} → becomes {}",
                    i + 1,
                    TermLine(&s.from),
                    TermLine(&s.how),
                    TermLine(to)
                ),
                None => writeln!(
                    out,
                    "  {}. {} {}",
                    i + 1,
                    TermLine(&s.from),
                    TermLine(&s.how)
                ),
            };
        }
    }
    if !a.direct.is_empty() {
        let _ = writeln!(out, "already {target} directly (no escalation needed):");
        for d in &a.direct {
            let _ = writeln!(out, "  {}: {}", TermLine(&d.subject), TermLine(&d.evidence));
        }
    }
    let _ = writeln!(
        out,
        "{} subject(s) checked, {} escalation chain(s) to {target} within {} step(s)",
        a.subjects_checked,
        a.chains.len(),
        a.max_steps
    );
    write(w, &out)
}

#[cfg(test)]
mod tests {
    use super::super::sample;

    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::who_can(&sample::who_can(), &mut out).unwrap();
        super::can(&sample::can(), &mut out).unwrap();
        super::access(&sample::access(), &mut out).unwrap();
        super::paths(&sample::paths(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1b}'), "{text}");
        insta::assert_snapshot!(text);
    }
}
