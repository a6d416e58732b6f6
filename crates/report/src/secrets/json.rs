//! The `stockade secrets -o json` document.

use std::io::{self, Write};
use stockade_secrets::etcd::EncryptionCheck;
use stockade_secrets::exposure::SecretExposure;

/// Writes the JSON document (pretty, escaped for any sink).
pub fn render(
    secrets: &[SecretExposure],
    encryption: &[EncryptionCheck],
    w: &mut dyn Write,
) -> io::Result<()> {
    let doc = serde_json::json!({
        "schemaVersion": "1.0",
        "tool": {"name": "stockade", "version": env!("CARGO_PKG_VERSION")},
        "summary": {
            "secrets": secrets.len(),
            "broadlyReadable": secrets.iter().filter(|s| !s.broad.is_empty()).count(),
            "unused": secrets.iter().filter(|s| s.unused).count(),
            "legacyTokens": secrets.iter().filter(|s| s.legacy_token).count(),
        },
        "secrets": secrets,
        "encryption": encryption,
    });
    stockade_model::escape::json_to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let text = super::super::rendered(super::render);
        insta::assert_snapshot!(text);
    }
}
