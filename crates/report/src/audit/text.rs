//! The `stockade audit-log analyze` summary as text.

use std::fmt::Write;
use stockade_audit::summary::{Counter, Summary, TOP};
use stockade_model::escape::TermLine;

/// The summary as text, after the table report. User names, verbs, resources and times come
/// from the events: they are escaped for the terminal, one line each. `rule_name` names a
/// rule by its id.
pub fn summary(sm: &Summary, rule_name: impl Fn(&str) -> String) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Audit summary");
    let _ = writeln!(
        s,
        "  read        {} input(s), {} line(s), {} MB, {} event(s), {} request(s) analysed{}{}",
        sm.inputs,
        sm.lines,
        sm.bytes / 1_000_000,
        sm.events,
        sm.requests,
        if sm.bad_lines > 0 {
            format!(", {} unreadable line(s)", sm.bad_lines)
        } else {
            String::new()
        },
        if sm.out_of_range > 0 {
            format!(", {} outside --since/--until", sm.out_of_range)
        } else {
            String::new()
        },
    );
    if let (Some(f), Some(l)) = (&sm.first, &sm.last) {
        let _ = writeln!(s, "  period      {} .. {}", TermLine(&f.1), TermLine(&l.1));
    }
    let list = |c: &Counter| {
        c.top(TOP)
            .iter()
            .map(|(k, n)| format!("{} {n}", TermLine(k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        s,
        "  users       {}{} distinct; top: {}",
        sm.users.distinct(),
        if sm.users.overflowed() { "+" } else { "" },
        list(&sm.users)
    );
    let _ = writeln!(s, "  verbs       {}", list(&sm.verbs));
    let _ = writeln!(s, "  resources   {}", list(&sm.resources));
    let _ = writeln!(
        s,
        "  denied      {} unauthorized (401), {} forbidden (403){}",
        sm.unauthorized,
        sm.forbidden,
        if sm.denied_users.distinct() > 0 {
            format!("; by user: {}", list(&sm.denied_users))
        } else {
            String::new()
        }
    );
    if sm.alerts_by_rule.is_empty() {
        let _ = writeln!(s, "  alerts      none");
    } else {
        let _ = writeln!(s, "  alerts      {}", sm.alerts());
        for (id, n) in &sm.alerts_by_rule {
            let _ = writeln!(s, "    {id} {:<34} {n}", rule_name(id));
        }
    }
    s
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
