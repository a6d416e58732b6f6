//! The list of audit rules, sorted by id. The one registry of every rule
//! (`stockade_engine::registry`) includes it and runs the meta-tests over it.

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
