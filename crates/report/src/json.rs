//! The JSON report: the [`Report`] as documented in docs/json-report.md, with a
//! `schemaVersion` so consumers can detect incompatible changes.

use std::io::{self, Write};
use stockade_model::Report;

/// Writes the report as pretty-printed JSON followed by a newline.
pub fn render(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report).map_err(io::Error::other)?;
    writeln!(w)
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
