//! The one list of every rule, sorted by id. `stockade rules`, `stockade explain`, the engine
//! and the generated docs all read it; the meta-tests below validate it as a whole.

use crate::Rule;
use crate::workload;

/// Every rule, grouped by family (in `Family::ALL` order) and sorted by id within a family.
pub static RULES: &[&Rule] = &[
    // @@workload-rules (keep sorted by id)
    &workload::privileged_container::PRIVILEGED_CONTAINER,
    &workload::privilege_escalation_allowed::PRIVILEGE_ESCALATION_ALLOWED,
    &workload::run_as_root::RUN_AS_ROOT,
    &workload::run_as_root_group::RUN_AS_ROOT_GROUP,
    &workload::writable_root_filesystem::WRITABLE_ROOT_FILESYSTEM,
    &workload::dangerous_capability_added::DANGEROUS_CAPABILITY_ADDED,
    &workload::capabilities_not_dropped::CAPABILITIES_NOT_DROPPED,
    &workload::host_network::HOST_NETWORK,
    &workload::host_pid::HOST_PID,
    &workload::host_ipc::HOST_IPC,
    &workload::host_path_volume::HOST_PATH_VOLUME,
    &workload::host_port::HOST_PORT,
    &workload::seccomp_unconfined::SECCOMP_UNCONFINED,
    &workload::apparmor_unconfined::APPARMOR_UNCONFINED,
    &workload::custom_selinux_options::CUSTOM_SELINUX_OPTIONS,
    &workload::unmasked_proc_mount::UNMASKED_PROC_MOUNT,
    &workload::unsafe_sysctls::UNSAFE_SYSCTLS,
    &workload::windows_host_process::WINDOWS_HOST_PROCESS,
    &workload::share_process_namespace::SHARE_PROCESS_NAMESPACE,
    &workload::stdin_tty_enabled::STDIN_TTY_ENABLED,
    &workload::runtime_class_missing::RUNTIME_CLASS_MISSING,
    &workload::capability_added::CAPABILITY_ADDED,
    &workload::cpu_requests_missing::CPU_REQUESTS_MISSING,
    &workload::cpu_limits_missing::CPU_LIMITS_MISSING,
    &workload::memory_requests_missing::MEMORY_REQUESTS_MISSING,
    &workload::memory_limits_missing::MEMORY_LIMITS_MISSING,
    &workload::liveness_probe_missing::LIVENESS_PROBE_MISSING,
    &workload::readiness_probe_missing::READINESS_PROBE_MISSING,
    &workload::image_tag_mutable::IMAGE_TAG_MUTABLE,
    &workload::image_not_pinned_by_digest::IMAGE_NOT_PINNED_BY_DIGEST,
    &workload::image_registry_not_allowed::IMAGE_REGISTRY_NOT_ALLOWED,
    &workload::image_pull_policy_not_always::IMAGE_PULL_POLICY_NOT_ALWAYS,
    &workload::service_account_token_automounted::SERVICE_ACCOUNT_TOKEN_AUTOMOUNTED,
    &workload::default_service_account::DEFAULT_SERVICE_ACCOUNT,
    &workload::secret_in_env_value::SECRET_IN_ENV_VALUE,
    &workload::secret_key_in_env::SECRET_KEY_IN_ENV,
    &workload::duplicate_env_name::DUPLICATE_ENV_NAME,
    &workload::sensitive_port_exposed::SENSITIVE_PORT_EXPOSED,
    &workload::node_port_service::NODE_PORT_SERVICE,
    &workload::load_balancer_source_ranges_missing::LOAD_BALANCER_SOURCE_RANGES_MISSING,
    &workload::service_external_ips::SERVICE_EXTERNAL_IPS,
    &workload::ingress_without_tls::INGRESS_WITHOUT_TLS,
    &workload::single_replica::SINGLE_REPLICA,
    &workload::pod_disruption_budget_missing::POD_DISRUPTION_BUDGET_MISSING,
    &workload::default_namespace::DEFAULT_NAMESPACE,
    &workload::naked_pod::NAKED_POD,
    // @@end-workload-rules
    // @@pss-rules (keep sorted by id)
    &crate::pss::pss_privileged::PSS_PRIVILEGED,
    &crate::pss::pss_host_namespaces::PSS_HOST_NAMESPACES,
    &crate::pss::pss_host_ports::PSS_HOST_PORTS,
    &crate::pss::pss_host_path_volumes::PSS_HOST_PATH_VOLUMES,
    &crate::pss::pss_capabilities_baseline::PSS_CAPABILITIES_BASELINE,
    &crate::pss::pss_app_armor_profile::PSS_APP_ARMOR_PROFILE,
    &crate::pss::pss_se_linux_options::PSS_SE_LINUX_OPTIONS,
    &crate::pss::pss_proc_mount::PSS_PROC_MOUNT,
    &crate::pss::pss_seccomp_profile_baseline::PSS_SECCOMP_PROFILE_BASELINE,
    &crate::pss::pss_sysctls::PSS_SYSCTLS,
    &crate::pss::pss_windows_host_process::PSS_WINDOWS_HOST_PROCESS,
    &crate::pss::pss_host_probes_and_host_lifecycle::PSS_HOST_PROBES_AND_HOST_LIFECYCLE,
    &crate::pss::pss_allow_privilege_escalation::PSS_ALLOW_PRIVILEGE_ESCALATION,
    &crate::pss::pss_capabilities_restricted::PSS_CAPABILITIES_RESTRICTED,
    &crate::pss::pss_proc_mount_restricted::PSS_PROC_MOUNT_RESTRICTED,
    &crate::pss::pss_restricted_volumes::PSS_RESTRICTED_VOLUMES,
    &crate::pss::pss_run_as_non_root::PSS_RUN_AS_NON_ROOT,
    &crate::pss::pss_run_as_user::PSS_RUN_AS_USER,
    &crate::pss::pss_seccomp_profile_restricted::PSS_SECCOMP_PROFILE_RESTRICTED,
    // @@end-pss-rules
    // @@rbac-rules (keep sorted by id)
    &crate::rbac::cluster_admin_binding::CLUSTER_ADMIN_BINDING,
    &crate::rbac::wildcard_rbac_verb::WILDCARD_RBAC_VERB,
    &crate::rbac::wildcard_rbac_resource::WILDCARD_RBAC_RESOURCE,
    &crate::rbac::secret_read_access::SECRET_READ_ACCESS,
    &crate::rbac::pod_create_access::POD_CREATE_ACCESS,
    &crate::rbac::pod_exec_access::POD_EXEC_ACCESS,
    &crate::rbac::rbac_escalation_verbs::RBAC_ESCALATION_VERBS,
    &crate::rbac::service_account_token_create::SERVICE_ACCOUNT_TOKEN_CREATE,
    &crate::rbac::node_proxy_access::NODE_PROXY_ACCESS,
    &crate::rbac::csr_approval_access::CSR_APPROVAL_ACCESS,
    &crate::rbac::webhook_config_write::WEBHOOK_CONFIG_WRITE,
    &crate::rbac::persistent_volume_create::PERSISTENT_VOLUME_CREATE,
    &crate::rbac::rbac_object_write::RBAC_OBJECT_WRITE,
    &crate::rbac::binding_to_all_users::BINDING_TO_ALL_USERS,
    &crate::rbac::default_service_account_binding::DEFAULT_SERVICE_ACCOUNT_BINDING,
    &crate::rbac::binding_subject_missing::BINDING_SUBJECT_MISSING,
    &crate::rbac::binding_role_missing::BINDING_ROLE_MISSING,
    &crate::rbac::unbound_role::UNBOUND_ROLE,
    &crate::rbac::escalation_path_to_cluster_admin::ESCALATION_PATH_TO_CLUSTER_ADMIN,
    // @@end-rbac-rules
    // @@network-rules (keep sorted by id)
    &crate::netpol::namespace_without_default_deny_ingress::NAMESPACE_WITHOUT_DEFAULT_DENY_INGRESS,
    &crate::netpol::namespace_without_default_deny_egress::NAMESPACE_WITHOUT_DEFAULT_DENY_EGRESS,
    &crate::netpol::unselected_workload::UNSELECTED_WORKLOAD,
    &crate::netpol::policy_selects_no_pods::POLICY_SELECTS_NO_PODS,
    &crate::netpol::peer_selects_nothing::PEER_SELECTS_NOTHING,
    &crate::netpol::allow_all_rule::ALLOW_ALL_RULE,
    &crate::netpol::egress_to_any_address::EGRESS_TO_ANY_ADDRESS,
    &crate::netpol::database_open_to_all_namespaces::DATABASE_OPEN_TO_ALL_NAMESPACES,
    &crate::netpol::undefined_named_port::UNDEFINED_NAMED_PORT,
    &crate::netpol::policy_without_workloads::POLICY_WITHOUT_WORKLOADS,
    &crate::netpol::system_namespace_open::SYSTEM_NAMESPACE_OPEN,
    // @@end-network-rules
    // @@hygiene-rules (keep sorted by id)
    &crate::hygiene::unused_service_account::UNUSED_SERVICE_ACCOUNT,
    &crate::hygiene::legacy_service_account_token::LEGACY_SERVICE_ACCOUNT_TOKEN,
    &crate::hygiene::unused_secret::UNUSED_SECRET,
    &crate::hygiene::unused_config_map::UNUSED_CONFIG_MAP,
    &crate::hygiene::unmounted_persistent_volume_claim::UNMOUNTED_PERSISTENT_VOLUME_CLAIM,
    &crate::hygiene::released_persistent_volume::RELEASED_PERSISTENT_VOLUME,
    &crate::hygiene::service_selects_nothing::SERVICE_SELECTS_NOTHING,
    &crate::hygiene::ingress_backend_missing::INGRESS_BACKEND_MISSING,
    &crate::hygiene::empty_namespace::EMPTY_NAMESPACE,
    &crate::hygiene::autoscaler_target_missing::AUTOSCALER_TARGET_MISSING,
    &crate::hygiene::node_not_ready::NODE_NOT_READY,
    &crate::hygiene::version_skew::VERSION_SKEW,
    &crate::hygiene::deprecated_api_version::DEPRECATED_API_VERSION,
    &crate::hygiene::finished_job::FINISHED_JOB,
    &crate::hygiene::finished_pod::FINISHED_POD,
    &crate::hygiene::orphaned_replica_set::ORPHANED_REPLICA_SET,
    // @@end-hygiene-rules
    // @@secrets-rules (keep sorted by id)
    &crate::secrets::hardcoded_credential::HARDCODED_CREDENTIAL,
    // @@end-secrets-rules
];

/// Looks a rule up by id or name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name.eq_ignore_ascii_case(id_or_name))
}
