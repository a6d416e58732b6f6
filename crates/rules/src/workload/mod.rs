//! Workload hardening (`WL`): the security context, host namespaces, volumes, images,
//! resources, probes and exposure of the pods that workloads run.

pub mod helpers;

// @@workload-mods (keep sorted)
pub mod apparmor_unconfined;
pub mod capabilities_not_dropped;
pub mod capability_added;
pub mod cpu_limits_missing;
pub mod cpu_requests_missing;
pub mod custom_selinux_options;
pub mod dangerous_capability_added;
pub mod default_namespace;
pub mod default_service_account;
pub mod duplicate_env_name;
pub mod host_ipc;
pub mod host_network;
pub mod host_path_volume;
pub mod host_pid;
pub mod host_port;
pub mod image_not_pinned_by_digest;
pub mod image_pull_policy_not_always;
pub mod image_registry_not_allowed;
pub mod image_tag_mutable;
pub mod ingress_without_tls;
pub mod liveness_probe_missing;
pub mod load_balancer_source_ranges_missing;
pub mod memory_limits_missing;
pub mod memory_requests_missing;
pub mod naked_pod;
pub mod node_port_service;
pub mod pod_disruption_budget_missing;
pub mod privilege_escalation_allowed;
pub mod privileged_container;
pub mod readiness_probe_missing;
pub mod run_as_root;
pub mod run_as_root_group;
pub mod runtime_class_missing;
pub mod seccomp_unconfined;
pub mod secret_in_env_value;
pub mod secret_key_in_env;
pub mod sensitive_port_exposed;
pub mod service_account_token_automounted;
pub mod service_external_ips;
pub mod share_process_namespace;
pub mod single_replica;
pub mod stdin_tty_enabled;
pub mod unmasked_proc_mount;
pub mod unsafe_sysctls;
pub mod windows_host_process;
pub mod writable_root_filesystem;
// @@end-workload-mods
