//! The JSON forms: the plan file, apply and undo reports, the journal's history and the
//! verification.

use serde::Serialize;
use stockade_deprovision_model::journal::{ActionRow, Run};

/// A value as pretty JSON with a final newline, through `stockade_model::escape::json_pretty`:
/// DEL, C1 controls, bidirectional overrides and line separators are `\uXXXX` escapes too, so a
/// plan file with such a name is safe on a terminal and decodes to the exact name.
pub fn pretty<T: Serialize + ?Sized>(v: &T) -> Result<String, serde_json::Error> {
    Ok(stockade_model::escape::json_pretty(v)? + "\n")
}

/// `history ID -o json`: a run and its actions, keys of every object in name order.
pub fn run(run: &Run, actions: &[ActionRow]) -> Result<String, serde_json::Error> {
    pretty(&serde_json::json!({"run": run, "actions": actions}))
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let p = super::super::sample::plan();
        let text = super::pretty(&p).unwrap();
        assert!(!text.contains('\u{1b}'), "{text}");
        insta::assert_snapshot!(text);
    }
}
