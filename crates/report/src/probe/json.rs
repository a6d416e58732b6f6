//! The `stockade probe -o json` document: every endpoint with its TLS handshake and the
//! requests made (path, status, meaning), and the exposures found, as findings.

use std::io::{self, Write};
use stockade_probe::{Hit, Probed};

/// Writes the JSON document (pretty, escaped for any sink).
pub fn render(results: &[(Probed, Vec<Hit>)], w: &mut dyn Write) -> io::Result<()> {
    let endpoints: Vec<serde_json::Value> = results
        .iter()
        .map(|(p, hits)| {
            let mut v = serde_json::to_value(p).unwrap_or_default();
            v["exposures"] = hits
                .iter()
                .map(|h| {
                    serde_json::json!({
                        "id": h.check.id,
                        "name": h.check.name,
                        "severity": h.check.severity,
                        "summary": h.check.summary,
                        "evidence": h.evidence,
                        "remediation": h.check.remediation,
                    })
                })
                .collect();
            v
        })
        .collect();
    let exposed = results.iter().map(|(_, h)| h.len()).sum::<usize>();
    let doc = serde_json::json!({
        "schemaVersion": "1.0",
        "tool": {"name": "stockade", "version": env!("CARGO_PKG_VERSION")},
        "summary": {
            "endpoints": results.len(),
            "unreachable": results.iter().filter(|(p, _)| p.error.is_some()).count(),
            "exposures": exposed,
        },
        "endpoints": endpoints,
    });
    stockade_model::escape::json_to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::probe::sample::results(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["endpoints"][1]["exposures"][1]["id"], "PR007");
        insta::assert_snapshot!(text);
    }
}
