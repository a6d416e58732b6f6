//! `stockade bench -o markdown`: a summary table per section and, for every FAIL and WARN, what
//! was observed and how to fix it; for a pull-request comment or a report.

use std::io::{self, Write};
use stockade_bench::eval::{Evaluation, Status};
use stockade_model::escape::{markdown_code, markdown_text};

/// Writes the document.
pub fn render(e: &Evaluation, w: &mut dyn Write) -> io::Result<()> {
    let c = e.counts(None);
    writeln!(w, "# {}\n", markdown_text(&e.title))?;
    let roles: Vec<&str> = e.roles.iter().map(|r| r.as_str()).collect();
    writeln!(
        w,
        "Node roles: {}; distribution: {}; Kubernetes {} ({}).\n",
        markdown_text(&roles.join(", ")),
        markdown_text(&e.distribution),
        markdown_text(&e.version.0),
        markdown_text(&e.version.1)
    )?;
    writeln!(
        w,
        "**{} PASS, {} FAIL, {} WARN, {} MANUAL, {} SKIP, {} suppressed.**\n",
        c.pass, c.fail, c.warn, c.manual, c.skip, c.suppressed
    )?;
    for p in &e.problems {
        writeln!(w, "- Problem: {}", markdown_text(p))?;
    }
    if !e.problems.is_empty() {
        writeln!(w)?;
    }
    writeln!(w, "| Section | PASS | FAIL | WARN | MANUAL | SKIP |")?;
    writeln!(w, "| --- | ---: | ---: | ---: | ---: | ---: |")?;
    for (id, title) in super::sections(e) {
        let s = e.counts(Some(id));
        writeln!(
            w,
            "| {} {} | {} | {} | {} | {} | {} |",
            markdown_text(id),
            markdown_text(title),
            s.pass,
            s.fail,
            s.warn,
            s.manual,
            s.skip
        )?;
    }
    let open: Vec<_> = e
        .outcomes
        .iter()
        .filter(|o| o.suppressed.is_none() && matches!(o.status, Status::Fail | Status::Warn))
        .collect();
    if !open.is_empty() {
        writeln!(w, "\n## To fix\n")?;
    }
    for o in open {
        writeln!(
            w,
            "### {} {} {}\n",
            o.status.as_str(),
            markdown_text(&o.id),
            markdown_text(&o.title)
        )?;
        writeln!(w, "{}\n", markdown_text(&o.reason))?;
        for ob in &o.observed {
            if ob.source == "cluster" && ob.value.is_none() {
                writeln!(w, "- {}", markdown_text(&ob.what))?;
                continue;
            }
            writeln!(
                w,
                "- {} = {} ({})",
                markdown_text(&ob.what),
                markdown_code(ob.value.as_deref().unwrap_or("(not set)")),
                markdown_code(&ob.source)
            )?;
        }
        writeln!(w, "\nFix: {}\n", markdown_text(&o.remediation))?;
    }
    let suppressed: Vec<_> = e
        .outcomes
        .iter()
        .filter(|o| o.suppressed.is_some())
        .collect();
    if !suppressed.is_empty() {
        writeln!(w, "## Suppressed\n")?;
        for o in suppressed {
            writeln!(
                w,
                "- {} {}: {}",
                markdown_text(&o.id),
                markdown_text(&o.title),
                markdown_text(o.suppressed.as_deref().unwrap_or(""))
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::bench::sample::evaluation(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }
}
