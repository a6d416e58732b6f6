//! The JSON report: the [`Report`] as documented in docs/json-report.md, with a
//! `schemaVersion` so consumers can detect incompatible changes.
//!
//! The output is exactly `serde_json::to_writer_pretty(report)` plus a newline. Large scans
//! carry hundreds of thousands of findings, so the two finding arrays are rendered a chunk at
//! a time on the rayon pool and written in order; a test checks that the bytes are the same as
//! the plain derived serialization.

use rayon::prelude::*;
use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use std::io::{self, Write};
use stockade_model::{Coverage, Diagnostic, Finding, Report, Summary, ToolInfo};

/// Findings rendered per parallel batch: big enough to keep both threads busy, small enough
/// that the rendered text of a batch (about 1 KB per finding) stays a few megabytes.
const CHUNK: usize = 4096;

/// Writes the report as pretty-printed JSON followed by a newline.
pub fn render(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &View::of(report)).map_err(io::Error::other)?;
    writeln!(w)
}

/// The serialized fields of [`Report`], in its order and with its attributes, except that the
/// finding arrays render in parallel.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct View<'a> {
    schema_version: &'a str,
    tool: &'a ToolInfo,
    findings: Findings<'a>,
    suppressed: Findings<'a>,
    diagnostics: &'a [Diagnostic],
    summary: &'a Summary,
    #[serde(skip_serializing_if = "is_empty")]
    coverage: &'a [Coverage],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    partial: bool,
}

fn is_empty(v: &&[Coverage]) -> bool {
    v.is_empty()
}

impl<'a> View<'a> {
    fn of(r: &'a Report) -> Self {
        // Destructured so that a new field of `Report` fails to compile here until it is
        // rendered (or deliberately left out, like `rules`).
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
        } = r;
        View {
            schema_version,
            tool,
            findings: Findings(findings),
            suppressed: Findings(suppressed),
            diagnostics,
            summary,
            coverage,
            partial: *partial,
        }
    }
}

/// A finding array at depth two of the pretty-printed report (report object → array →
/// finding object). Only ever given to serde_json's pretty serializer.
struct Findings<'a>(&'a [Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for chunk in self.0.chunks(CHUNK) {
            let rendered: Vec<Result<Box<RawValue>, serde_json::Error>> =
                chunk.par_iter().map(nested).collect();
            for r in rendered {
                seq.serialize_element(&r.map_err(S::Error::custom)?)?;
            }
        }
        seq.end()
    }
}

/// One finding pretty-printed on its own, its continuation lines indented by the two levels
/// it sits at in the report. JSON strings escape their line breaks, so every raw newline in
/// the text is layout.
fn nested(f: &Finding) -> Result<Box<RawValue>, serde_json::Error> {
    let text = serde_json::to_string_pretty(f)?;
    RawValue::from_string(text.replace('\n', "\n    "))
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
