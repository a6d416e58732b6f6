//! What an audit rule is and how it reports.
//!
//! Audit rules judge events (or an audit Policy), not inventory objects, so they are not
//! `stockade_framework::Rule`s; [`AuditRule`] carries the same metadata (id, name, family, severity,
//! default, controls, since, summary, remediation, options, docs) so `stockade rules`,
//! `stockade explain` and the generated docs treat both alike.

use crate::event::Event;
use crate::policy::Policy;
use crate::state::State;
use crate::time::Micros;
use serde_json::Value as Json;
pub use stockade_framework::{Family, Meta, RuleOption, Source};
use stockade_model::{FieldPath, Severity};

/// One audit rule: its metadata (family [`Family::Audit`], source audit events or an audit
/// policy) and its check.
#[derive(Debug)]
pub struct AuditRule {
    /// Identity, metadata and docs, shared with every family.
    pub meta: Meta,
    /// The per-event check (for [`Source::AuditEvents`]), called once per request.
    pub check: fn(&mut EventCx<'_>, &Event<'_>),
    /// The policy check (for [`Source::AuditPolicy`]).
    pub policy_check: fn(&mut PolicyCx<'_>),
}

impl std::ops::Deref for AuditRule {
    type Target = Meta;
    fn deref(&self) -> &Meta {
        &self.meta
    }
}

fn no_event_check(_: &mut EventCx<'_>, _: &Event<'_>) {}
fn no_policy_check(_: &mut PolicyCx<'_>) {}

/// Defaults for what a `declare_audit_rule!` leaves out: the audit family, reading events,
/// enabled, no options.
pub const BASE: AuditRule = AuditRule {
    meta: Meta {
        family: Family::Audit,
        source: Source::AuditEvents,
        ..stockade_framework::BASE
    },
    check: no_event_check,
    policy_check: no_policy_check,
};

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
        pub static $name: $crate::rule::AuditRule = {
            let mut rule = $crate::rule::BASE;
            rule.meta.docs = concat!($($doc, "\n"),*);
            rule.meta.source_file = file!();
            $($crate::__audit_rule_field!(rule, $field, $value);)*
            rule
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

/// Sets one field of an audit rule being declared: the checks on the rule, the rest on its
/// metadata.
#[doc(hidden)]
#[macro_export]
macro_rules! __audit_rule_field {
    ($rule:ident, check, $value:expr) => {
        $rule.check = $value;
    };
    ($rule:ident, policy_check, $value:expr) => {
        $rule.policy_check = $value;
    };
    ($rule:ident, $field:ident, $value:expr) => {
        $rule.meta.$field = $value;
    };
}
