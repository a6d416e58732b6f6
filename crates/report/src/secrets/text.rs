//! The `stockade secrets` listing: most exposed first, each Secret with its readers, mounters
//! and users; built-in system subjects counted, not listed.

use super::{flags, people};
use std::io::{self, Write};
use stockade_model::escape::{TermLine, TerminalWriter};
use stockade_secrets::etcd::EncryptionCheck;
use stockade_secrets::exposure::SecretExposure;

/// Writes the listing.
pub fn render(
    secrets: &[SecretExposure],
    encryption: &[EncryptionCheck],
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut w = TerminalWriter::new(w, false);
    for e in encryption {
        writeln!(
            w,
            "encryption at rest: {} — {}{}",
            TermLine(&e.source),
            TermLine(&e.verdict),
            e.caveat
                .as_deref()
                .map(|c| format!(" ({})", TermLine(c)))
                .unwrap_or_default()
        )?;
    }
    if !encryption.is_empty() {
        writeln!(w)?;
    }
    for s in secrets {
        let kind = s
            .r#type
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        writeln!(
            w,
            "{}/{}{}",
            TermLine(&s.namespace),
            TermLine(&s.name),
            TermLine(&kind)
        )?;
        let f = flags(s);
        if !f.is_empty() {
            writeln!(w, "  ! {}", TermLine(f.join("; ")))?;
        }
        for (label, list) in [("read by", &s.readers), ("mountable by", &s.mounters)] {
            let (shown, system) = people(list);
            if shown.is_empty() && system == 0 {
                writeln!(w, "  {label}: nobody but system:masters")?;
                continue;
            }
            writeln!(
                w,
                "  {label}:{}",
                if system > 0 {
                    format!(" {system} built-in system subject(s)")
                } else {
                    String::new()
                }
            )?;
            for a in shown {
                writeln!(
                    w,
                    "    {} [{}] via {}",
                    TermLine(&a.subject),
                    TermLine(a.verbs.join(", ")),
                    TermLine(a.through.join("; "))
                )?;
            }
        }
        if s.used_by.is_empty() {
            writeln!(w, "  used by: nothing among the inputs")?;
        } else {
            let uses: Vec<String> = s
                .used_by
                .iter()
                .map(|u| format!("{} ({})", u.object, u.via))
                .collect();
            writeln!(w, "  used by: {}", TermLine(uses.join(", ")))?;
        }
        writeln!(w)?;
    }
    let broad = secrets.iter().filter(|s| !s.broad.is_empty()).count();
    writeln!(
        w,
        "{} Secret(s); {broad} readable or mountable by a broad group, {} unused, {} legacy token(s). Members of system:masters can read every Secret.",
        secrets.len(),
        secrets.iter().filter(|s| s.unused).count(),
        secrets.iter().filter(|s| s.legacy_token).count()
    )?;
    w.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let text = super::super::rendered(super::render);
        insta::assert_snapshot!(text);
    }
}
