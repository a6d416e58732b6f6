//! The one list of audit rules, sorted by id, validated as a whole by the tests below (the
//! same meta-tests as `stockade_rules::registry`).

use crate::rule::AuditRule;
use crate::rules::*;

/// Every audit rule, sorted by id.
pub static AUDIT_RULES: &[&AuditRule] = &[
    &exec_into_pod::EXEC_INTO_POD,
    &privileged_pod_created::PRIVILEGED_POD_CREATED,
    &cluster_admin_binding_created::CLUSTER_ADMIN_BINDING_CREATED,
    &wildcard_role_changed::WILDCARD_ROLE_CHANGED,
    &secret_read_by_user::SECRET_READ_BY_USER,
    &bulk_secret_listing::BULK_SECRET_LISTING,
    &token_requested_for_other_account::TOKEN_REQUESTED_FOR_OTHER_ACCOUNT,
    &impersonation_used::IMPERSONATION_USED,
    &anonymous_request_allowed::ANONYMOUS_REQUEST_ALLOWED,
    &denied_request_burst::DENIED_REQUEST_BURST,
    &exposed_service_created::EXPOSED_SERVICE_CREATED,
    &admission_webhook_changed::ADMISSION_WEBHOOK_CHANGED,
    &sensitive_object_deleted::SENSITIVE_OBJECT_DELETED,
    &node_proxy_request::NODE_PROXY_REQUEST,
    &certificate_request_approved::CERTIFICATE_REQUEST_APPROVED,
    &new_source_for_user::NEW_SOURCE_FOR_USER,
    &deprecated_api_used::DEPRECATED_API_USED,
    &audit_policy_logs_secret_bodies::AUDIT_POLICY_LOGS_SECRET_BODIES,
    &audit_policy_misses_sensitive_reads::AUDIT_POLICY_MISSES_SENSITIVE_READS,
    &audit_policy_misses_rbac_changes::AUDIT_POLICY_MISSES_RBAC_CHANGES,
    &audit_policy_misses_exec::AUDIT_POLICY_MISSES_EXEC,
    &audit_policy_misses_auth_failures::AUDIT_POLICY_MISSES_AUTH_FAILURES,
    &audit_policy_without_catch_all::AUDIT_POLICY_WITHOUT_CATCH_ALL,
];

/// Looks an audit rule up by id or name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static AuditRule> {
    AUDIT_RULES
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name.eq_ignore_ascii_case(id_or_name))
}

/// Whether a rule maps to a framework, optionally to a control or its sub-controls (`5.1` matches
/// `5.1.1`), as `stockade rules --framework` filters.
pub fn maps_to(r: &AuditRule, framework: stockade_model::Framework, control: Option<&str>) -> bool {
    r.controls.iter().any(|c| {
        c.framework == framework
            && control.is_none_or(|id| c.id == id || c.id.starts_with(&format!("{id}.")))
    })
}

/// A rule as `stockade rules -o json` lists it (same keys as other rules; `kinds` names what
/// it reads).
pub fn to_json(r: &AuditRule) -> serde_json::Value {
    serde_json::json!({
        "id": r.id, "name": r.name, "family": r.family.name(), "severity": r.severity,
        "enabledByDefault": r.default_enabled,
        "kinds": [match r.target { crate::rule::Target::Events => "audit.k8s.io/v1 Event", crate::rule::Target::Policy => "audit.k8s.io/v1 Policy" }],
        "controls": r.controls,
        "summary": r.summary, "remediation": r.remediation, "since": r.since,
        "options": r.options.iter().map(|o| serde_json::json!({"name": o.name, "help": o.help, "default": serde_json::from_str::<serde_json::Value>(o.default).unwrap_or_default()})).collect::<Vec<_>>(),
    })
}

/// A rule as a row of the `stockade rules` table: id, name, severity, default, controls, summary.
pub fn table_row(r: &AuditRule) -> Vec<String> {
    vec![
        r.id.to_string(),
        r.name.to_string(),
        r.severity.to_string(),
        if r.default_enabled { "on" } else { "off" }.to_string(),
        r.controls
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        r.summary.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{docs, testing};
    use std::collections::HashSet;
    use std::path::Path;
    use stockade_model::Framework;
    use stockade_rules::Family;

    #[test]
    fn ids_are_unique_sorted_and_prefixed() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for r in AUDIT_RULES {
            assert!(ids.insert(r.id), "duplicate id {}", r.id);
            assert!(names.insert(r.name), "duplicate name {}", r.name);
            assert_eq!(r.family, Family::Audit, "{}", r.id);
            assert!(
                r.id.starts_with(Family::Audit.prefix()),
                "{} lacks prefix AU",
                r.id
            );
            assert!(
                r.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                r.name
            );
            // Names must not collide with the other families' rules either.
            assert!(
                stockade_rules::find(r.name).is_none(),
                "{} clashes with a rule",
                r.name
            );
            assert!(
                stockade_rules::find(r.id).is_none(),
                "{} clashes with a rule",
                r.id
            );
            assert!(
                !r.summary.is_empty() && !r.remediation.is_empty(),
                "{} lacks summary/remediation",
                r.id
            );
            let file = Path::new(r.source_file)
                .file_stem()
                .unwrap()
                .to_str()
                .unwrap();
            assert_eq!(
                file.replace('_', "-"),
                r.name,
                "{}: file name must be the rule name",
                r.id
            );
        }
        let mut sorted: Vec<&str> = AUDIT_RULES.iter().map(|r| r.id).collect();
        sorted.sort();
        assert_eq!(
            sorted,
            AUDIT_RULES.iter().map(|r| r.id).collect::<Vec<_>>(),
            "AUDIT_RULES must be sorted by id"
        );
    }

    #[test]
    fn docs_have_the_headings_in_order() {
        for r in AUDIT_RULES {
            let body = docs::body(r);
            let mut at = 0;
            for h in stockade_rules::docs::HEADINGS {
                let found = body[at..].find(&format!("{h}\n")).map(|i| i + at);
                assert!(
                    found.is_some(),
                    "{}: heading `{h}` missing or out of order",
                    r.id
                );
                at = found.unwrap_or(at);
            }
        }
    }

    #[test]
    fn controls_are_known_and_event_rules_map_to_mitre() {
        for r in AUDIT_RULES {
            assert!(!r.controls.is_empty(), "{}: no controls", r.id);
            for c in r.controls {
                assert!(
                    stockade_rules::controls::title(c).is_some(),
                    "{}: unknown control {c}",
                    r.id
                );
            }
            // Every threat detection maps to ATT&CK; the deprecated-API report is hygiene.
            if r.target == crate::rule::Target::Events && r.name != "deprecated-api-used" {
                assert!(
                    r.controls.iter().any(|c| c.framework == Framework::Mitre),
                    "{}: no MITRE technique",
                    r.id
                );
            }
        }
    }

    #[test]
    fn options_have_valid_json_defaults() {
        for r in AUDIT_RULES {
            for o in r.options {
                assert!(
                    serde_json::from_str::<serde_json::Value>(o.default).is_ok(),
                    "{}: option {} default",
                    r.id,
                    o.name
                );
            }
        }
    }

    #[test]
    fn every_rule_has_fixtures() {
        for r in AUDIT_RULES {
            assert!(
                !testing::fixtures(r, "pass").is_empty(),
                "{}: no pass fixtures",
                r.id
            );
            assert!(
                !testing::fixtures(r, "fail").is_empty(),
                "{}: no fail fixtures",
                r.id
            );
        }
    }

    #[test]
    fn generated_docs_are_current() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules/audit");
        let update = std::env::var_os("STOCKADE_UPDATE_DOCS").is_some();
        let mut expected: Vec<(String, String)> = AUDIT_RULES
            .iter()
            .map(|r| (format!("{}.md", r.name), docs::page(r)))
            .collect();
        expected.push(("README.md".to_string(), docs::index(AUDIT_RULES)));
        if update {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (name, text) in &expected {
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
        let mut stale = Vec::new();
        for (name, text) in &expected {
            if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
                stale.push(name.clone());
            }
        }
        let on_disk = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert!(
            stale.is_empty() && on_disk == expected.len(),
            "docs/rules/audit is stale ({stale:?}); run `STOCKADE_UPDATE_DOCS=1 cargo test -p stockade-audit generated_docs`"
        );
    }
}
