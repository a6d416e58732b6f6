//! Workload hardening (`WL`): the security context, host namespaces, volumes, images,
//! resources, probes and exposure of the pods that workloads run.

pub mod helpers;

// @@workload-mods (keep sorted)
pub mod host_path_volume;
pub mod privilege_escalation_allowed;
pub mod privileged_container;
pub mod run_as_root;
pub mod writable_root_filesystem;
// @@end-workload-mods
