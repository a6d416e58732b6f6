//! Helpers shared by the network family.

use stockade_inventory::{Object, PodSpecView};
use stockade_model::FieldPath;
use stockade_model::kinds::concat;
use stockade_netpol::{Model, Workload};

/// The kinds the network rules read: policies, namespaces and every kind that makes pods.
pub const KINDS: &[&str] = &concat::<10>(&[&["NetworkPolicy", "Namespace"], POD_MAKERS]);

/// The kinds that make pods: rules that conclude a selector matches no pod need them read.
pub use stockade_model::kinds::POD_MAKERS;

/// Namespaces (for `namespaceSelector` labels) and the kinds that make pods.
pub const NAMESPACES_AND_POD_MAKERS: &[&str] = &concat::<9>(&[&["Namespace"], POD_MAKERS]);

/// What rules that conclude a namespace or workload has no policy need read.
pub const POLICIES: &[&str] = &["NetworkPolicy"];

/// Namespaces that hold the cluster's own components; `system-namespace-open` reports them
/// (with its own option), so the per-namespace default-deny rules leave them alone.
pub const SYSTEM_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "monitoring",
    "observability",
    "prometheus",
    "logging",
];

/// Namespaces that have at least one workload, in order.
pub fn namespaces_with_workloads<'m>(m: &'m Model<'_>) -> Vec<&'m str> {
    let mut v: Vec<&str> = m.workloads.iter().map(|w| w.namespace.as_str()).collect();
    v.dedup();
    v
}

/// Whether a namespace has a policy selecting every pod (`podSelector: {}`) for a direction.
pub fn has_default_deny(m: &Model<'_>, ns: &str, ingress: bool) -> bool {
    m.policies
        .iter()
        .any(|p| p.namespace == ns && p.pod_selector.is_empty() && p.affects(ingress))
}

/// Where to report a finding about a namespace: its Namespace object, else its first workload.
pub fn namespace_anchor<'a>(m: &Model<'a>, ns: &str) -> Option<(&'a Object, FieldPath)> {
    if let Some(o) = m.namespace(ns).and_then(|n| n.object) {
        return Some((o, FieldPath::parse("metadata.name")));
    }
    let wi = m
        .workloads_in(ns)
        .iter()
        .copied()
        .find(|&wi| !m.workloads[wi].object.is_controlled())?;
    Some((
        m.workloads[wi].object,
        FieldPath::parse("metadata.namespace"),
    ))
}

/// Where a workload's pod labels are (or belong).
pub fn labels_path(w: &Workload<'_>) -> FieldPath {
    PodSpecView::of(w.object)
        .map(|p| p.meta_path.key("labels"))
        .unwrap_or_else(|| FieldPath::parse("metadata.labels"))
}
