//! Markdown for pull-request comments and job summaries.

use std::io::{self, Write};
use stockade_model::{DiagnosticLevel, Report, Severity};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
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
                "| {} | `{}` {} | `{}` | `{}` | {} |",
                f.severity,
                f.rule_id,
                f.rule_name,
                cell(&f.object.to_string()),
                cell(&loc),
                cell(&f.message)
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
                "- **{:?}** `{}`: {}",
                d.level,
                cell(&d.position()),
                cell(&d.message)
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
            writeln!(w, "- `{}` on `{}`: {}", f.rule_id, f.object, cell(why))?;
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
}
