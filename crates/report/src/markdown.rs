//! Markdown for pull-request comments and job summaries.
//!
//! The comment is rendered by the forge, so every value from the inputs goes through
//! [`text`] (plain text) or [`code`] (a code span): it renders as exactly what it is, on one
//! line, and cannot add cells, rows, links, images, emphasis or HTML.

use std::io::{self, Write};
use stockade_model::escape::{markdown_code, markdown_text};
use stockade_model::{DiagnosticLevel, Report, Severity};

/// Input text as inline Markdown.
fn text(v: impl std::fmt::Display) -> String {
    markdown_text(&v.to_string()).into_owned()
}

/// Input text as a code span.
fn code(v: impl std::fmt::Display) -> String {
    markdown_code(&v.to_string())
}

/// Writes the markdown report.
pub fn render(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## Stockade scan\n")?;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                report.summary.by_severity.get(s).copied().unwrap_or(0),
                s
            )
        })
        .collect();
    writeln!(
        w,
        "**{} findings** ({}) in {} objects from {} files; {} suppressed.\n",
        report.findings.len(),
        counts.join(", "),
        report.summary.objects,
        report.summary.files_scanned,
        report.suppressed.len()
    )?;
    if !report.findings.is_empty() {
        writeln!(w, "| severity | rule | object | location | message |")?;
        writeln!(w, "|---|---|---|---|---|")?;
        for f in &report.findings {
            let loc = f
                .location
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_default();
            writeln!(
                w,
                "| {} | {} {} | {} | {} | {} |",
                f.severity,
                code(&f.rule_id),
                text(&f.rule_name),
                code(&f.object),
                code(&loc),
                text(&f.message)
            )?;
        }
        writeln!(w)?;
    }
    let problems: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.level >= DiagnosticLevel::Warning)
        .collect();
    if !problems.is_empty() {
        writeln!(w, "### Input problems\n")?;
        for d in problems {
            writeln!(
                w,
                "- **{:?}** {}: {}",
                d.level,
                code(d.position()),
                text(&d.message)
            )?;
        }
        writeln!(w)?;
    }
    if !report.suppressed.is_empty() {
        writeln!(
            w,
            "<details><summary>{} suppressed findings</summary>\n",
            report.suppressed.len()
        )?;
        for f in &report.suppressed {
            let why = f
                .suppression
                .as_ref()
                .map(|s| s.reason.as_str())
                .unwrap_or("");
            writeln!(
                w,
                "- {} on {}: {}",
                code(&f.rule_id),
                code(&f.object),
                text(why)
            )?;
        }
        writeln!(w, "\n</details>")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::sample::report(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn hostile_values_stay_in_their_cell() {
        let mut r = crate::sample::report();
        let f = &mut r.findings[0];
        f.object.name = "web|x`y\n| fake | row |".into();
        f.message = "runs <img src=x onerror=alert(1)> [click](https://e.vil) | \x1b[2K".into();
        let mut out = Vec::new();
        super::render(&r, &mut out).unwrap();
        let md = String::from_utf8(out).unwrap();
        let row = md.lines().find(|l| l.contains("WL001")).unwrap();
        // Five cells: six unescaped pipes.
        let pipes = row
            .match_indices('|')
            .filter(|(i, _)| !row[..*i].ends_with('\\'))
            .count();
        assert_eq!(pipes, 6, "{row}");
        assert!(
            !md.contains("<img") && !md.contains("[click](") && !md.contains('\x1b'),
            "{md}"
        );
        assert!(
            row.contains("``Deployment/prod/web\\|x`y\\n\\| fake \\| row \\|``"),
            "{row}"
        );
    }
}
