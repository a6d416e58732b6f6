//! The audit rules, one file each: event rules (`AU0xx`) judge requests in the audit log,
//! policy rules (`AU1xx`) judge an audit Policy file.

pub mod helpers;
pub mod policy_probe;

pub mod admission_webhook_changed;
pub mod anonymous_request_allowed;
pub mod audit_policy_logs_secret_bodies;
pub mod audit_policy_misses_auth_failures;
pub mod audit_policy_misses_exec;
pub mod audit_policy_misses_rbac_changes;
pub mod audit_policy_misses_sensitive_reads;
pub mod audit_policy_without_catch_all;
pub mod bulk_secret_listing;
pub mod certificate_request_approved;
pub mod cluster_admin_binding_created;
pub mod denied_request_burst;
pub mod deprecated_api_used;
pub mod exec_into_pod;
pub mod exposed_service_created;
pub mod impersonation_used;
pub mod new_source_for_user;
pub mod node_proxy_request;
pub mod privileged_pod_created;
pub mod secret_read_by_user;
pub mod sensitive_object_deleted;
pub mod token_requested_for_other_account;
pub mod wildcard_role_changed;
