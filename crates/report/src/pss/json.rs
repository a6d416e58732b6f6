//! The `stockade pss -o json` document: the assessment, with the schema version and the tool.

use std::io::{self, Write};
use stockade_pss::answer::Assessment;

/// Writes the JSON document (pretty, escaped for any sink).
pub fn render(a: &Assessment, w: &mut dyn Write) -> io::Result<()> {
    let mut doc = serde_json::to_value(a).map_err(io::Error::other)?;
    doc["schemaVersion"] = "1.0".into();
    doc["tool"] = serde_json::json!({"name": "stockade", "version": env!("CARGO_PKG_VERSION")});
    stockade_model::escape::json_to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
