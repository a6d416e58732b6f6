//! Diagnostics as lines for standard error, in the one layout every command prints them: the
//! renderer behind the CLI's one diagnostics printer. Paths and messages come from the inputs
//! or a cluster and are escaped to one line each.

use stockade_model::escape::TermLine;
use stockade_model::{Diagnostic, DiagnosticLevel};

/// One diagnostic, without the final newline: `level: path:line:column: message` (`error`,
/// `warning` or `note`; the position as far as it is known, left out when there is none).
pub fn line(d: &Diagnostic) -> String {
    let level = match d.level {
        DiagnosticLevel::Error => "error",
        DiagnosticLevel::Warning => "warning",
        DiagnosticLevel::Note => "note",
    };
    let at = d.position();
    if at.is_empty() {
        format!("{level}: {}", TermLine(&d.message))
    } else {
        format!("{level}: {}: {}", TermLine(at), TermLine(&d.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_escapes_what_the_inputs_say() {
        let d = Diagnostic::at(
            DiagnosticLevel::Warning,
            "yaml-syntax",
            "evil\n.yaml",
            3,
            0,
            "bad \u{1b}[2J value",
        );
        let nowhere = Diagnostic {
            path: None,
            ..d.clone()
        };
        let lines: Vec<String> = [&d, &nowhere].into_iter().map(line).collect();
        insta::assert_snapshot!(lines.join("\n"));
        assert!(
            lines
                .iter()
                .all(|l| !l.contains('\n') && !l.contains('\u{1b}'))
        );
    }
}
