//! The `stockade audit-log analyze --summary-file` document: the `auditSummary` object of
//! docs/audit-log.md.

use stockade_audit::summary::Summary;

/// The summary as pretty JSON with a final newline, control characters as `\u` escapes.
pub fn summary(sm: &Summary) -> serde_json::Result<String> {
    Ok(stockade_model::escape::json_pretty(&sm.to_json())? + "\n")
}

#[cfg(test)]
mod tests {
    use super::super::sample;

    #[test]
    fn snapshot() {
        let text = super::summary(&sample::summary()).unwrap();
        assert!(!text.contains('\u{1b}'), "{text}");
        insta::assert_snapshot!(text);
    }
}
