//! The JSON report: the [`Report`] as documented in docs/json-report.md, with a
//! `schemaVersion` so consumers can detect incompatible changes.
//!
//! The output is exactly `serde_json::to_writer_pretty(report)` plus a newline. Large scans
//! carry hundreds of thousands of findings, so the two finding arrays are rendered a chunk at
//! a time on the rayon pool and written in order; a test checks that the bytes are the same as
//! the plain derived serialization.
//!
//! Strings are written by [`stockade_model::escape::JsonFormatter`]: besides the C0 controls
//! serde_json escapes, DEL, C1 controls and bidirectional overrides are `\uXXXX` escapes, so
//! the report printed on a terminal cannot drive it.

use rayon::prelude::*;
use serde::Serialize;
use std::io::{self, Write};
use stockade_model::{Finding, Report};

/// Findings rendered per parallel batch: big enough to keep both threads busy, small enough
/// that the rendered text of a batch (about 1 KB per finding) stays a few megabytes.
const CHUNK: usize = 4096;

/// Writes the report as pretty-printed JSON followed by a newline.
pub fn render(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    // Destructured so that a new field of `Report` fails to compile here until it is rendered
    // (or deliberately left out, like `rules`). Order and skipping rules follow the derived
    // `Serialize` of `Report`.
    let Report {
        schema_version,
        tool,
        findings,
        suppressed,
        diagnostics,
        summary,
        coverage,
        partial,
        rules: _,
    } = report;
    let mut obj = Object { w, first: true };
    obj.field("schemaVersion", schema_version)?;
    obj.field("tool", tool)?;
    obj.findings("findings", findings)?;
    obj.findings("suppressed", suppressed)?;
    obj.field("diagnostics", diagnostics)?;
    obj.field("summary", summary)?;
    if !coverage.is_empty() {
        obj.field("coverage", coverage)?;
    }
    if *partial {
        obj.field("partial", partial)?;
    }
    let w = obj.w;
    w.write_all(if obj.first { b"{}\n" } else { b"\n}\n" })
}

/// The top-level object, written as serde_json's pretty printer writes it: two-space indent,
/// `"key": value`, entries separated by `,` and a line break.
struct Object<'w> {
    w: &'w mut dyn Write,
    first: bool,
}

impl Object<'_> {
    fn key(&mut self, key: &str) -> io::Result<()> {
        let sep: &[u8] = if self.first { b"{\n  " } else { b",\n  " };
        self.first = false;
        self.w.write_all(sep)?;
        serde_json::to_writer(&mut *self.w, key).map_err(io::Error::other)?;
        self.w.write_all(b": ")
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.key(key)?;
        self.w.write_all(&indented(value, 1)?)
    }

    /// A finding array, its elements rendered a chunk at a time on the rayon pool and written
    /// in order.
    fn findings(&mut self, key: &str, list: &[Finding]) -> io::Result<()> {
        self.key(key)?;
        if list.is_empty() {
            return self.w.write_all(b"[]");
        }
        self.w.write_all(b"[")?;
        for (c, chunk) in list.chunks(CHUNK).enumerate() {
            let rendered: Vec<io::Result<Vec<u8>>> =
                chunk.par_iter().map(|f| indented(f, 2)).collect();
            for (i, r) in rendered.into_iter().enumerate() {
                let sep: &[u8] = if c == 0 && i == 0 {
                    b"\n    "
                } else {
                    b",\n    "
                };
                self.w.write_all(sep)?;
                self.w.write_all(&r?)?;
            }
        }
        self.w.write_all(b"\n  ]")
    }
}

/// `value` pretty-printed on its own, its continuation lines indented by `depth` levels (two
/// spaces each). JSON strings escape their line breaks, so every raw newline is layout.
fn indented<T: Serialize + ?Sized>(value: &T, depth: usize) -> io::Result<Vec<u8>> {
    let text = stockade_model::escape::json_pretty_vec(value).map_err(io::Error::other)?;
    let pad = 2 * depth;
    let breaks = text.iter().filter(|&&b| b == b'\n').count();
    let mut out = Vec::with_capacity(text.len() + breaks * pad);
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
            out.resize(out.len() + pad, b' ');
        }
        out.extend_from_slice(line);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use stockade_model::Report;

    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::sample::report(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    /// The parallel rendering is byte for byte the derived serialization of `Report`, also
    /// across chunk boundaries and with suppressed findings and coverage present.
    #[test]
    fn same_bytes_as_the_derived_serialization() {
        let sample = crate::sample::report();
        let mut big: Report = sample.clone();
        while big.findings.len() < 2 * super::CHUNK + 7 {
            big.findings.extend(sample.findings.iter().cloned());
        }
        big.suppressed = sample.findings.iter().take(3).cloned().collect();
        big.partial = true;
        big.coverage = vec![stockade_model::Coverage {
            resource: "v1/secrets".into(),
            status: stockade_model::CoverageStatus::Forbidden,
            count: 0,
            message: Some("secrets is forbidden".into()),
            unassessed_rules: vec!["WL040".into()],
            skipped_rules: vec!["NP001".into()],
        }];
        for r in [&sample, &big] {
            let mut fast = Vec::new();
            super::render(r, &mut fast).unwrap();
            let mut plain = serde_json::to_vec_pretty(r).unwrap();
            plain.push(b'\n');
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                String::from_utf8(plain).unwrap()
            );
        }
    }
}
