use crate::workload::helpers::{KINDS, resource_unset};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers and init containers that have no memory limit: no
    /// `resources.limits.memory`, no pod-level `spec.resources.limits.memory`, and no
    /// `LimitRange` in the object's namespace (among the scanned objects) with a default memory
    /// limit.
    ///
    /// ## Why is this risky?
    /// Memory cannot be taken back from a process the way CPU time can. A container without a
    /// limit — leaking, attacked with large payloads, or compromised — can consume the node's
    /// memory until the kubelet evicts other pods or the kernel's OOM killer ends processes
    /// belonging to other workloads and, at worst, node daemons. One pod becomes a denial of
    /// service for the whole node.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: registry.example.com/api:3.2.1
    ///   resources:
    ///     requests:
    ///       memory: 256Mi
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: registry.example.com/api:3.2.1
    ///   resources:
    ///     requests:
    ///       memory: 256Mi
    ///     limits:
    ///       memory: 512Mi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Init containers are checked as kube-score does; ephemeral containers cannot set resources
    /// and are skipped. A `LimitRange` is only seen when it is among the scanned objects;
    /// defaults injected by mutating admission webhooks are not.
    ///
    /// ## References
    /// - Kubernetes: "Resource Management for Pods and Containers"
    /// - Kubernetes: "Configure Default Memory Requests and Limits for a Namespace"
    /// - NSA-CISA Kubernetes Hardening Guide, "Resource policies"
    pub static MEMORY_LIMITS_MISSING = Rule {
        id: "WL033",
        name: "memory-limits-missing",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::nsa("network/resource-policies"), Control::mitre("T1499")],
        since: "0.1.0",
        summary: "container has no memory limit",
        remediation: "Set `resources.limits.memory` on every container, or a namespace `LimitRange` default.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.containers() {
        if resource_unset(cx.inv, &pod, &c, "limits", "memory") {
            cx.report(
                o,
                c.path_of("resources.limits.memory"),
                format!("{} has no memory limit", c.describe()),
            );
        }
    }
}
