//! Helpers shared by the workload family.

use stockade_inventory::{ContainerView, PodSpecView, WORKLOAD_KINDS};
use stockade_model::FieldPath;
use stockade_sources::Node;

/// The kinds every pod-spec rule reads.
pub const KINDS: &[&str] = WORKLOAD_KINDS;

/// A security-context field as it applies to a container: the container's own setting wins over
/// the pod's. Returns the node and the path where it was found.
pub fn effective<'a>(pod: &PodSpecView<'a>, c: &ContainerView<'a>, rel: &str) -> Option<(&'a Node, FieldPath)> {
    if let Some(n) = c.sc(rel).filter(|n| !n.is_null()) {
        return Some((n, c.path_of(&format!("securityContext.{rel}"))));
    }
    pod.pod_sc(rel)
        .filter(|n| !n.is_null())
        .map(|n| (n, pod.path_of(&format!("securityContext.{rel}"))))
}

/// Where a missing container security-context field belongs (the deepest existing parent is
/// found when the path is located).
pub fn container_sc_path(c: &ContainerView<'_>, rel: &str) -> FieldPath {
    c.path_of(&format!("securityContext.{rel}"))
}

/// Whether the pod declares itself a Windows pod (`spec.os.name: windows`).
pub fn is_windows(pod: &PodSpecView<'_>) -> bool {
    pod.get("os.name").and_then(Node::as_str) == Some("windows")
}

/// Strings of a list field.
pub fn strings(n: Option<&Node>) -> impl Iterator<Item = (usize, &str)> {
    n.map(|n| n.items())
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(i, x)| Some((i, x.as_str()?)))
}
