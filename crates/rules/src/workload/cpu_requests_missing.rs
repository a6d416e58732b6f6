use crate::workload::helpers::{KINDS, resource_unset};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers and init containers that have no CPU request: no
    /// `resources.requests.cpu`, no `resources.limits.cpu` for the API server to copy into it, no
    /// pod-level `spec.resources.requests.cpu`, and no `LimitRange` in the object's namespace
    /// (among the scanned objects) that supplies a default.
    ///
    /// ## Why is this risky?
    /// The scheduler places pods by their requests, and under CPU contention the kernel shares
    /// CPU in proportion to them. A container without a request is scheduled as if it needed
    /// nothing and gets the smallest share when the node is busy, so a noisy or compromised
    /// neighbour can starve it; a pod with no requests at all is `BestEffort` and the first to be
    /// evicted under node pressure.
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
    ///       cpu: 250m
    ///       memory: 256Mi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Init containers are checked as kube-score does: the scheduler reserves the largest init
    /// container request, and native sidecars (init containers with `restartPolicy: Always`) run
    /// for the pod's lifetime. Ephemeral containers cannot set resources and are skipped. A
    /// `LimitRange` is only seen when it is among the scanned objects; defaults injected by
    /// mutating admission webhooks are not.
    ///
    /// ## References
    /// - Kubernetes: "Resource Management for Pods and Containers"
    /// - Kubernetes: "Configure Default CPU Requests and Limits for a Namespace"
    /// - NSA-CISA Kubernetes Hardening Guide, "Resource policies"
    pub static CPU_REQUESTS_MISSING = Rule {
        id: "WL030",
        name: "cpu-requests-missing",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[Control::nsa("network/resource-policies"), Control::mitre("T1499")],
        since: "0.1.0",
        summary: "container has no CPU request",
        remediation: "Set `resources.requests.cpu` on every container to what it needs under normal load.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.containers() {
        if resource_unset(cx.inv, &pod, &c, "requests", "cpu") {
            cx.report(
                o,
                c.path_of("resources.requests.cpu"),
                format!("{} has no CPU request", c.describe()),
            );
        }
    }
}
