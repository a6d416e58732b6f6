//! The `stockade bench` listing: per section, one line per recommendation with its status,
//! the value observed and where it was read, the remediation under each FAIL and WARN, and a
//! summary. Values come from the node: each goes through [`TermLine`], the whole output
//! through a [`TerminalWriter`] as a backstop.

use std::io::{self, Write};
use stockade_bench::eval::{Evaluation, Status};
use stockade_model::escape::{TermLine, TerminalWriter};

/// Writes the listing.
pub fn render(e: &Evaluation, w: &mut dyn Write, color: bool) -> io::Result<()> {
    let mut w = TerminalWriter::new(w, color);
    write(e, &mut w, color)?;
    w.finish()
}

fn paint(color: bool, s: Status) -> String {
    if !color {
        return format!("{:<6}", s.as_str());
    }
    let code = match s {
        Status::Pass => "32",
        Status::Fail => "31",
        Status::Warn => "33",
        Status::Manual => "36",
        Status::Skip => "2",
    };
    format!("\x1b[{code}m{:<6}\x1b[0m", s.as_str())
}

fn write(e: &Evaluation, w: &mut dyn Write, color: bool) -> io::Result<()> {
    let roles: Vec<&str> = e.roles.iter().map(|r| r.as_str()).collect();
    writeln!(
        w,
        "{} — node: {} ({}), Kubernetes {} ({})",
        TermLine(&e.title),
        if roles.is_empty() {
            "no role".to_string()
        } else {
            roles.join(", ")
        },
        TermLine(&e.distribution),
        TermLine(&e.version.0),
        TermLine(&e.version.1)
    )?;
    for p in &e.problems {
        writeln!(w, "problem: {}", TermLine(p))?;
    }
    for (id, title) in super::sections(e) {
        let c = e.counts(Some(id));
        let all_skipped = e
            .outcomes
            .iter()
            .filter(|o| o.section == id)
            .all(|o| o.status == Status::Skip && o.suppressed.is_none());
        writeln!(w)?;
        if all_skipped {
            let why = e
                .outcomes
                .iter()
                .find(|o| o.section == id)
                .map(|o| o.reason.as_str())
                .unwrap_or("");
            writeln!(
                w,
                "{id} {} — {} skipped: {}",
                TermLine(title),
                c.skip,
                TermLine(why)
            )?;
            continue;
        }
        writeln!(w, "{id} {}", TermLine(title))?;
        for o in e.outcomes.iter().filter(|o| o.section == id) {
            let status = match &o.suppressed {
                Some(_) => format!("{:<6}", "SUPPR"),
                None => paint(color, o.status),
            };
            writeln!(
                w,
                "  {status} {:<7} {}",
                TermLine(&o.id),
                TermLine(&o.title)
            )?;
            if o.status == Status::Skip && o.suppressed.is_none() {
                continue;
            }
            for ob in &o.observed {
                if ob.source == "cluster" && ob.value.is_none() {
                    writeln!(w, "                 {}", TermLine(&ob.what))?;
                    continue;
                }
                writeln!(
                    w,
                    "                 {} = {}  ({})",
                    TermLine(&ob.what),
                    TermLine(ob.value.as_deref().unwrap_or("(not set)")),
                    TermLine(&ob.source)
                )?;
            }
            if let Some(r) = &o.suppressed {
                writeln!(w, "                 suppressed: {}", TermLine(r))?;
                continue;
            }
            match o.status {
                Status::Fail | Status::Warn => {
                    writeln!(w, "                 why: {}", TermLine(&o.reason))?;
                    writeln!(w, "                 fix: {}", TermLine(&o.remediation))?;
                }
                Status::Manual => {
                    writeln!(w, "                 audit: {}", TermLine(&o.audit))?;
                }
                _ => {}
            }
        }
    }
    let c = e.counts(None);
    writeln!(w)?;
    writeln!(
        w,
        "{} PASS, {} FAIL, {} WARN, {} MANUAL, {} SKIP, {} suppressed ({})",
        c.pass,
        c.fail,
        c.warn,
        c.manual,
        c.skip,
        c.suppressed,
        TermLine(&e.benchmark)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::bench::sample::evaluation(), &mut out, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1b}'), "escape sequences are neutralised");
        insta::assert_snapshot!(text);
    }
}
