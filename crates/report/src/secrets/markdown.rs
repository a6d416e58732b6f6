//! `stockade secrets -o markdown`: one table row per Secret, most exposed first.

use super::{flags, people};
use std::io::{self, Write};
use stockade_model::escape::{markdown_code, markdown_text};
use stockade_secrets::etcd::EncryptionCheck;
use stockade_secrets::exposure::SecretExposure;

/// Writes the table.
pub fn render(
    secrets: &[SecretExposure],
    encryption: &[EncryptionCheck],
    w: &mut dyn Write,
) -> io::Result<()> {
    if !encryption.is_empty() {
        writeln!(w, "## Encryption at rest\n")?;
        for e in encryption {
            writeln!(
                w,
                "- {}: {}{}",
                markdown_code(&e.source),
                markdown_text(&e.verdict),
                e.caveat
                    .as_deref()
                    .map(|c| format!(" ({})", markdown_text(c)))
                    .unwrap_or_default()
            )?;
        }
        writeln!(w)?;
    }
    writeln!(w, "## Secrets: who can read and mount them\n")?;
    writeln!(w, "| Secret | read by | mountable by | used by | notes |")?;
    writeln!(w, "|---|---|---|---|---|")?;
    for s in secrets {
        let cell = |list: &[stockade_secrets::exposure::Access]| {
            let (shown, system) = people(list);
            let mut parts: Vec<String> = shown.iter().map(|a| markdown_code(&a.subject)).collect();
            if system > 0 {
                parts.push(format!("{system} built-in"));
            }
            if parts.is_empty() {
                "—".to_string()
            } else {
                parts.join(", ")
            }
        };
        let uses: Vec<String> = s.used_by.iter().map(|u| markdown_code(&u.object)).collect();
        writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            markdown_code(&format!("{}/{}", s.namespace, s.name)),
            cell(&s.readers),
            cell(&s.mounters),
            if uses.is_empty() {
                "—".to_string()
            } else {
                uses.join(", ")
            },
            markdown_text(&flags(s).join("; "))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let text = super::super::rendered(super::render);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("| `")).count(),
            2,
            "one row each: {text}"
        );
        insta::assert_snapshot!(text);
    }
}
