//! Diagnostics as lines for standard error, in the layouts the commands print them: the one
//! renderer behind the CLI's one diagnostics printer. Paths and messages come from the inputs
//! or a cluster and are escaped to one line each.

use stockade_model::escape::{TermLine, terminal_line};
use stockade_model::{Diagnostic, DiagnosticLevel};

/// How a command lays out a diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `error: path:line:column: message` (`warning` for warnings and notes; the position as
    /// far as it is known, nothing when there is none): `stockade netpol`.
    Located,
    /// `error: position: message` (`warning`, `note`; the position as
    /// [`Diagnostic::position`] gives it): `stockade rbac`.
    Position,
    /// `code: message`: `stockade deprovision`.
    Code,
}

/// One diagnostic, without the final newline.
pub fn line(d: &Diagnostic, layout: Layout) -> String {
    match layout {
        Layout::Located => {
            let level = match d.level {
                DiagnosticLevel::Error => "error",
                _ => "warning",
            };
            let at = match &d.path {
                Some(p) if d.line > 0 => format!("{}:{}:{}: ", TermLine(p), d.line, d.column),
                Some(p) => format!("{}: ", TermLine(p)),
                None => String::new(),
            };
            format!("{level}: {at}{}", TermLine(&d.message))
        }
        Layout::Position => {
            let level = match d.level {
                DiagnosticLevel::Error => "error",
                DiagnosticLevel::Warning => "warning",
                DiagnosticLevel::Note => "note",
            };
            format!(
                "{level}: {}: {}",
                TermLine(d.position()),
                TermLine(&d.message)
            )
        }
        Layout::Code => format!("{}: {}", d.code, terminal_line(&d.message)),
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
        let lines: Vec<String> = [Layout::Located, Layout::Position, Layout::Code]
            .into_iter()
            .map(|l| line(&d, l))
            .collect();
        insta::assert_snapshot!(lines.join("\n"));
        assert!(
            lines
                .iter()
                .all(|l| !l.contains('\n') && !l.contains('\u{1b}'))
        );
    }
}
