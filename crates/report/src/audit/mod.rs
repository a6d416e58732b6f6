//! Renderers of the `stockade audit-log analyze` summary ([`stockade_audit::summary`]), one
//! file per format; the alerts themselves are a standard report.

pub mod json;
pub mod markdown;
pub mod text;

#[cfg(test)]
pub(crate) mod sample {
    //! The sample summary every format's snapshot renders: a user name with a newline, an
    //! escape sequence and backticks.
    use stockade_audit::summary::Summary;

    pub fn summary() -> Summary {
        let mut s = Summary {
            inputs: 1,
            bytes: 2_500_000,
            lines: 12,
            events: 11,
            requests: 10,
            bad_lines: 1,
            first: Some((0, "2026-01-01T00:00:00Z".into())),
            last: Some((1, "2026-01-01T01:00:00Z".into())),
            unauthorized: 1,
            forbidden: 2,
            ..Summary::default()
        };
        for u in ["alice", "alice", "evil\n\u{1b}[2J```x"] {
            s.users.add(u);
        }
        s.verbs.add("create");
        s.resources.add("pods/exec");
        s.denied_users.add("evil\n\u{1b}[2J```x");
        s.alerts_by_rule.insert("AU001", 2);
        s
    }

    pub fn rule_name(id: &str) -> String {
        if id == "AU001" {
            "exec-into-pod".into()
        } else {
            String::new()
        }
    }
}
