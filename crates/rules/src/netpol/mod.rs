//! Network policy coverage (`NP`): namespaces without default-deny policies, workloads no policy
//! isolates, policies and peers that select nothing, allow-all rules, wide egress, databases
//! open to every namespace, undefined named ports, and open system namespaces.
//!
//! Every rule reads the exact NetworkPolicy v1 model of `stockade-netpol`, built from the whole
//! inventory. Claims that something selects nothing are only made where the inputs can show it:
//! within namespaces whose workloads were read, or anywhere for a live cluster.

pub mod helpers;

// @@network-mods (keep sorted)
pub mod allow_all_rule;
pub mod database_open_to_all_namespaces;
pub mod egress_to_any_address;
pub mod namespace_without_default_deny_egress;
pub mod namespace_without_default_deny_ingress;
pub mod peer_selects_nothing;
pub mod policy_selects_no_pods;
pub mod policy_without_workloads;
pub mod system_namespace_open;
pub mod undefined_named_port;
pub mod unselected_workload;
// @@end-network-mods
