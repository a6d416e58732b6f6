//! The `stockade audit-log analyze` summary after a Markdown report: the text in a code fence.

use stockade_audit::summary::Summary;

/// The text summary ([`super::text::summary`]) in a fence longer than any run of backticks in
/// it, which therefore cannot end it.
pub fn summary(sm: &Summary, rule_name: impl Fn(&str) -> String) -> String {
    fenced(&super::text::summary(sm, rule_name))
}

fn fenced(text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    format!("{fence}\n{text}{fence}")
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::sample;

    #[test]
    fn snapshot() {
        let text = super::summary(&sample::summary(), sample::rule_name);
        assert!(!text.contains('\u{1b}'), "{text}");
        insta::assert_snapshot!(text);
    }
}
