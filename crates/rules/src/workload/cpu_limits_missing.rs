use crate::workload::helpers::{KINDS, resource_unset};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers and init containers that have no CPU limit: no `resources.limits.cpu`,
    /// no pod-level `spec.resources.limits.cpu`, and no `LimitRange` in the object's namespace
    /// (among the scanned objects) with a default CPU limit. Off by default.
    ///
    /// ## Why is this risky?
    /// Without a limit a container may use every idle CPU cycle on the node. A compromised
    /// container is then a free cryptominer, and a runaway one slows everything that runs
    /// above its request on the same node. CPU is compressible, though: requests still
    /// guarantee every other container its share, so the harm is bounded to the node's spare
    /// capacity, and CPU limits throttle bursty workloads even when the node is idle. That is
    /// why this rule is off by default; enable it where a hard ceiling matters more than
    /// latency, such as multi-tenant clusters.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: worker
    ///   image: registry.example.com/worker:2.0.1
    ///   resources:
    ///     requests:
    ///       cpu: 500m
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: worker
    ///   image: registry.example.com/worker:2.0.1
    ///   resources:
    ///     requests:
    ///       cpu: 500m
    ///     limits:
    ///       cpu: "2"
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Init containers are checked as kube-score does; ephemeral containers cannot set resources
    /// and are skipped. A `LimitRange` is only seen when it is among the scanned objects;
    /// defaults injected by mutating admission webhooks are not. A `ResourceQuota` that requires
    /// limits makes the API server reject such pods, which this rule does not model.
    ///
    /// ## References
    /// - Kubernetes: "Resource Management for Pods and Containers"
    /// - Kubernetes: "Configure Default CPU Requests and Limits for a Namespace"
    /// - NSA-CISA Kubernetes Hardening Guide, "Resource policies"
    pub static CPU_LIMITS_MISSING = Rule {
        id: "WL031",
        name: "cpu-limits-missing",
        family: Family::Workload,
        severity: Severity::Low,
        default_enabled: false,
        kinds: KINDS,
        controls: &[Control::nsa("network/resource-policies"), Control::mitre("T1496"), Control::mitre("T1499")],
        since: "0.1.0",
        summary: "container has no CPU limit",
        remediation: "Set `resources.limits.cpu`, or a namespace `LimitRange` default, where a hard CPU ceiling is wanted.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.containers() {
        if resource_unset(cx.inv, &pod, &c, "limits", "cpu") {
            cx.report(
                o,
                c.path_of("resources.limits.cpu"),
                format!("{} has no CPU limit", c.describe()),
            );
        }
    }
}
