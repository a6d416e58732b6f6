//! The `stockade bench -o json` document: the benchmark, the node, a summary per section, and
//! every recommendation with its `id`, `status`, the values observed and where each was read.

use std::io::{self, Write};
use stockade_bench::eval::Evaluation;

/// Writes the JSON document (pretty, escaped for any sink).
pub fn render(e: &Evaluation, w: &mut dyn Write) -> io::Result<()> {
    let sections: Vec<serde_json::Value> = super::sections(e)
        .into_iter()
        .map(|(id, title)| {
            let mut v = serde_json::to_value(e.counts(Some(id))).unwrap_or_default();
            v["id"] = id.into();
            v["title"] = title.into();
            v
        })
        .collect();
    let doc = serde_json::json!({
        "schemaVersion": "1.0",
        "tool": {"name": "stockade", "version": env!("CARGO_PKG_VERSION")},
        "benchmark": {"id": e.benchmark, "title": e.title},
        "node": {
            "roles": e.roles,
            "distribution": e.distribution,
            "kubernetesVersion": e.version.0,
            "versionSource": e.version.1,
        },
        "summary": e.counts(None),
        "sections": sections,
        "checks": e.outcomes,
        "problems": e.problems,
    });
    stockade_model::escape::json_to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::bench::sample::evaluation(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["checks"][0]["id"], "1.2.1");
        assert_eq!(v["checks"][0]["status"], "fail");
        insta::assert_snapshot!(text);
    }
}
