//! What an audit rule is and how it reports.
//!
//! Audit rules judge events (or an audit Policy), not inventory objects, so they are not
//! `stockade_rules::Rule`s; [`AuditRule`] carries the same metadata (id, name, family, severity,
//! default, controls, since, summary, remediation, options, docs) so `stockade rules`,
//! `stockade explain` and the generated docs treat both alike.

use crate::event::Event;
use crate::policy::Policy;
use crate::state::State;
use crate::time::Micros;
use serde_json::Value as Json;
use stockade_model::{Control, FieldPath, Severity};
use stockade_rules::{Family, RuleOption};

/// What a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Audit events (`audit-log analyze`, `audit-log serve`).
    Events,
    /// An audit Policy file (`audit-log policy`).
    Policy,
}

/// One audit rule: docs, metadata and check.
#[derive(Debug)]
pub struct AuditRule {
    /// Stable id with the `AU` prefix, never reused.
    pub id: &'static str,
    /// Kebab-case name of the pattern flagged.
    pub name: &'static str,
    /// Always [`Family::Audit`].
    pub family: Family,
    /// Default severity.
    pub severity: Severity,
    /// Whether it runs unless configured otherwise.
    pub default_enabled: bool,
    /// Framework controls (MITRE ATT&CK for Containers techniques first).
    pub controls: &'static [Control],
    /// The Stockade version that introduced it.
    pub since: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// How to respond to an alert, in one or two sentences.
    pub remediation: &'static str,
    /// Options it accepts (`rules.options.<id>` in `.stockade.yaml`).
    pub options: &'static [RuleOption],
    /// What it reads.
    pub target: Target,
    /// The per-event check (for [`Target::Events`]), called once per request.
    pub check: fn(&mut EventCx<'_>, &Event<'_>),
    /// The policy check (for [`Target::Policy`]).
    pub policy_check: fn(&mut PolicyCx<'_>),
    /// The user documentation (markdown), from the doc comment.
    pub docs: &'static str,
    /// The file that declares it.
    pub source_file: &'static str,
}

fn no_event_check(_: &mut EventCx<'_>, _: &Event<'_>) {}
fn no_policy_check(_: &mut PolicyCx<'_>) {}

/// Defaults for the fields a `declare_audit_rule!` leaves out.
pub const BASE: AuditRule = AuditRule {
    id: "",
    name: "",
    family: Family::Audit,
    severity: Severity::Info,
    default_enabled: true,
    controls: &[],
    since: "",
    summary: "",
    remediation: "",
    options: &[],
    target: Target::Events,
    check: no_event_check,
    policy_check: no_policy_check,
    docs: "",
    source_file: "",
};

impl AuditRule {
    /// The default value of an option.
    pub fn option_default(&self, name: &str) -> Option<Json> {
        let o = self.options.iter().find(|o| o.name == name)?;
        serde_json::from_str(o.default).ok()
    }
}

/// A rule's options after config: every declared option with its configured or default value.
#[derive(Clone, Debug, Default)]
pub struct RuleOptions(Vec<(&'static str, Json)>);

impl RuleOptions {
    /// Resolves a rule's options from the configured values (unknown names were rejected
    /// earlier, by the settings loader).
    pub fn resolve(rule: &AuditRule, configured: Option<&serde_json::Map<String, Json>>) -> Self {
        RuleOptions(
            rule.options
                .iter()
                .map(|o| {
                    let v = configured
                        .and_then(|m| m.get(o.name).cloned())
                        .or_else(|| rule.option_default(o.name))
                        .unwrap_or(Json::Null);
                    (o.name, v)
                })
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&Json> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// A list-of-strings option (a single string counts as a list of one).
    pub fn strings(&self, name: &str) -> Vec<&str> {
        match self.get(name) {
            Some(Json::Array(v)) => v.iter().filter_map(Json::as_str).collect(),
            Some(Json::String(s)) => vec![s.as_str()],
            _ => Vec::new(),
        }
    }

    /// A non-negative integer option (0 when unset or not a number).
    pub fn u64(&self, name: &str) -> u64 {
        self.get(name).and_then(Json::as_u64).unwrap_or(0)
    }

    /// A string option.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Json::as_str)
    }

    /// A boolean option.
    pub fn bool(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Json::Bool(true)))
    }
}

/// Whether `value` matches one of `patterns`: exact, or a prefix when the pattern ends in `*`.
pub fn matches_any<S: AsRef<str>>(patterns: &[S], value: &str) -> bool {
    patterns.iter().any(|p| {
        let p = p.as_ref();
        match p.strip_suffix('*') {
            Some(prefix) => value.starts_with(prefix),
            None => p == value,
        }
    })
}

/// What a rule raised on an event, before it becomes a finding.
#[derive(Clone, Debug)]
pub struct Alert {
    /// The rule.
    pub rule: &'static AuditRule,
    /// The event field that shows the problem (`objectRef.subresource`, `user.username`, …).
    pub path: FieldPath,
    /// What happened (the analyzer appends who, when and from where).
    pub message: String,
    /// A severity other than the rule's default.
    pub severity: Option<Severity>,
}

/// What an event rule's `check` gets: its options, the shared state and a way to alert.
pub struct EventCx<'a> {
    /// The rule being run.
    pub rule: &'static AuditRule,
    /// Its options.
    pub options: &'a RuleOptions,
    /// State that outlives one event (windows, first-seen sets), bounded in size.
    pub state: &'a mut State,
    /// The event's time, when it has a parsable timestamp.
    pub time: Option<Micros>,
    pub(crate) alerts: &'a mut Vec<Alert>,
}

impl EventCx<'_> {
    /// Raises an alert pointing at `path` of the event.
    pub fn alert(&mut self, path: &str, message: impl Into<String>) {
        self.alerts.push(Alert {
            rule: self.rule,
            path: FieldPath::parse(path),
            message: message.into(),
            severity: None,
        });
    }

    /// Raises an alert with a severity other than the rule's default.
    pub fn alert_with_severity(
        &mut self,
        path: &str,
        severity: Severity,
        message: impl Into<String>,
    ) {
        self.alerts.push(Alert {
            rule: self.rule,
            path: FieldPath::parse(path),
            message: message.into(),
            severity: Some(severity),
        });
    }
}

/// A problem a policy rule found.
#[derive(Clone, Debug)]
pub struct PolicyHit {
    /// The rule.
    pub rule: &'static AuditRule,
    /// The offending field of the Policy (or where the missing one belongs).
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
}

/// What a policy rule's check gets.
pub struct PolicyCx<'a> {
    /// The rule being run.
    pub rule: &'static AuditRule,
    /// Its options.
    pub options: &'a RuleOptions,
    /// The policy.
    pub policy: &'a Policy,
    pub(crate) hits: Vec<PolicyHit>,
}

impl PolicyCx<'_> {
    /// Reports a problem at `path` of the policy.
    pub fn report(&mut self, path: FieldPath, message: impl Into<String>) {
        self.hits.push(PolicyHit {
            rule: self.rule,
            path,
            message: message.into(),
        });
    }
}

/// Declares an audit rule: its doc comment becomes its user documentation, the fields its
/// metadata, and a test is generated that runs its fixtures.
#[macro_export]
macro_rules! declare_audit_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $name:ident = AuditRule { $($field:ident : $value:expr),* $(,)? };
    ) => {
        $(#[doc = $doc])*
        pub static $name: $crate::rule::AuditRule = $crate::rule::AuditRule {
            docs: concat!($($doc, "\n"),*),
            source_file: file!(),
            $($field: $value,)*
            ..$crate::rule::BASE
        };

        #[cfg(test)]
        mod fixture_tests {
            #[test]
            fn fixtures() {
                $crate::testing::check_fixtures(&super::$name);
            }
        }
    };
}
