//! JSON Lines (`-o jsonl`): one compact JSON object per line, for streaming into log pipelines
//! and `jq -c`. Each line has a `type`: `finding` and `suppressed` lines are the findings as
//! the JSON report writes them, then one line per `diagnostic`, then a last `summary` line
//! (with `partial` when the scan could not read everything). Strings are escaped as in the
//! JSON report.

use serde::Serialize;
use std::io::{self, Write};
use stockade_model::Report;

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    r#type: &'a str,
    #[serde(flatten)]
    value: &'a T,
}

fn line<T: Serialize>(w: &mut dyn Write, kind: &str, value: &T) -> io::Result<()> {
    let text = stockade_model::escape::json_compact(&Line {
        r#type: kind,
        value,
    })
    .map_err(io::Error::other)?;
    w.write_all(text.as_bytes())?;
    w.write_all(b"\n")
}

/// Writes the report as JSON Lines.
pub fn render(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        line(w, "finding", f)?;
    }
    for f in &report.suppressed {
        line(w, "suppressed", f)?;
    }
    for d in &report.diagnostics {
        line(w, "diagnostic", d)?;
    }
    #[derive(Serialize)]
    struct Summary<'a> {
        #[serde(flatten)]
        summary: &'a stockade_model::Summary,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        partial: bool,
        tool: &'a stockade_model::ToolInfo,
    }
    line(
        w,
        "summary",
        &Summary {
            summary: &report.summary,
            partial: report.partial,
            tool: &report.tool,
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::sample::report(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for l in text.lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert!(v["type"].is_string(), "{l}");
        }
        insta::assert_snapshot!(text);
    }
}
