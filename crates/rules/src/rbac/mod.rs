//! The RBAC family: risky grants, leftovers and escalation paths, judged with the exact RBAC
//! semantics of `stockade-rbac` (bindings to the API server's built-in roles are understood;
//! the built-in objects themselves are never reported).

pub mod binding_role_missing;
pub mod binding_subject_missing;
pub mod binding_to_all_users;
pub mod cluster_admin_binding;
pub mod csr_approval_access;
pub mod default_service_account_binding;
pub mod escalation_path_to_cluster_admin;
pub mod helpers;
pub mod node_proxy_access;
pub mod persistent_volume_create;
pub mod pod_create_access;
pub mod pod_exec_access;
pub mod rbac_escalation_verbs;
pub mod rbac_object_write;
pub mod secret_read_access;
pub mod service_account_token_create;
pub mod unbound_role;
pub mod webhook_config_write;
pub mod wildcard_rbac_resource;
pub mod wildcard_rbac_verb;
