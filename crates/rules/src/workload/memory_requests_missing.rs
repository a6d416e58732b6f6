use crate::workload::helpers::{KINDS, resource_unset};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers and init containers that have no memory request: no
    /// `resources.requests.memory`, no `resources.limits.memory` for the API server to copy into
    /// it, no pod-level `spec.resources.requests.memory`, and no `LimitRange` in the object's
    /// namespace (among the scanned objects) that supplies a default.
    ///
    /// ## Why is this risky?
    /// The scheduler reserves memory by requests. A container that requests nothing can be packed
    /// onto a node that cannot hold it; when the node runs short, the kubelet evicts pods that use
    /// more than they requested first, and the kernel's OOM killer prefers them. The pod becomes
    /// the first casualty of memory pressure — which another tenant can cause on purpose.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: registry.example.com/api:3.2.1
    ///   resources:
    ///     requests:
    ///       cpu: 250m
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: registry.example.com/api:3.2.1
    ///   resources:
    ///     requests:
    ///       cpu: 250m
    ///       memory: 256Mi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Init containers are checked as kube-score does: the scheduler reserves the largest init
    /// container request, and native sidecars run for the pod's lifetime. Ephemeral containers
    /// cannot set resources and are skipped. A `LimitRange` is only seen when it is among the
    /// scanned objects; defaults injected by mutating admission webhooks are not.
    ///
    /// ## References
    /// - Kubernetes: "Resource Management for Pods and Containers"
    /// - Kubernetes: "Node-pressure Eviction"
    /// - NSA-CISA Kubernetes Hardening Guide, "Resource policies"
    pub static MEMORY_REQUESTS_MISSING = Rule {
        id: "WL032",
        name: "memory-requests-missing",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[Control::nsa("network/resource-policies"), Control::mitre("T1499")],
        since: "0.1.0",
        summary: "container has no memory request",
        remediation: "Set `resources.requests.memory` on every container to its normal working set.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.containers() {
        if resource_unset(cx.inv, &pod, &c, "requests", "memory") {
            cx.report(
                o,
                c.path_of("resources.requests.memory"),
                format!("{} has no memory request", c.describe()),
            );
        }
    }
}
