//! The `stockade probe` listing: per endpoint, its TLS handshake and certificate, each request
//! with its status and meaning, then the exposures with their fixes, and a summary. What an
//! endpoint sent back goes through [`TermLine`], the whole output through a
//! [`TerminalWriter`] as a backstop.

use std::io::{self, Write};
use stockade_model::escape::{TermLine, TerminalWriter};
use stockade_probe::{Hit, Probed};

/// Writes the listing.
pub fn render(results: &[(Probed, Vec<Hit>)], w: &mut dyn Write) -> io::Result<()> {
    let mut w = TerminalWriter::new(w, false);
    for (p, hits) in results {
        writeln!(w, "{} ({})", TermLine(&p.url), TermLine(p.kind.as_str()))?;
        if let Some(e) = &p.error {
            writeln!(w, "  unreachable: {}", TermLine(e))?;
            writeln!(w)?;
            continue;
        }
        if let Some(t) = &p.tls {
            writeln!(
                w,
                "  tls: {} {}{}; certificate {} issued by {}, {}",
                TermLine(&t.version),
                TermLine(&t.cipher),
                if t.tls12_accepted {
                    ", TLS 1.2 also accepted"
                } else {
                    ""
                },
                TermLine(&t.subject),
                TermLine(&t.issuer),
                if t.days_left < 0 {
                    format!("expired {} day(s) ago", -t.days_left)
                } else {
                    format!("expires in {} day(s)", t.days_left)
                }
            )?;
        } else {
            writeln!(w, "  tls: none (plain HTTP)")?;
        }
        for r in &p.responses {
            let status = r.status.map_or("---".to_string(), |s| s.to_string());
            writeln!(
                w,
                "  GET {:<48} {status}  {}",
                TermLine(&r.path),
                TermLine(&r.note)
            )?;
        }
        for h in hits {
            writeln!(
                w,
                "  {:<8} {} {}: {}",
                h.check.severity.to_string(),
                h.check.id,
                h.check.name,
                TermLine(&h.evidence)
            )?;
            writeln!(w, "           fix: {}", h.check.remediation)?;
        }
        if hits.is_empty() {
            writeln!(w, "  no exposure found")?;
        }
        writeln!(w)?;
    }
    let exposures: usize = results.iter().map(|(_, h)| h.len()).sum();
    let unreachable = results.iter().filter(|(p, _)| p.error.is_some()).count();
    writeln!(
        w,
        "{exposures} exposure(s) on {} endpoint(s); {unreachable} unreachable",
        results.len()
    )?;
    w.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::probe::sample::results(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'));
        insta::assert_snapshot!(text);
    }
}
