use crate::workload::helpers::{LONG_RUNNING_KINDS, runs_to_completion};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::{ContainerKind, Object};
use stockade_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags containers of long-running workloads (Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, ReplicationController and bare Pods that restart `Always`) that have no
    /// `livenessProbe`. Jobs, CronJobs, run-to-completion Pods, init containers and ephemeral
    /// containers are not checked: they are expected to exit. Off by default.
    ///
    /// ## Why is this risky?
    /// A process that deadlocks, exhausts a thread pool or wedges on a lost connection keeps
    /// running, so the kubelet never restarts it. The pod stays in service doing nothing until a
    /// human notices. A liveness probe lets the kubelet detect the hang and restart the
    /// container on its own.
    ///
    /// It is off by default because a liveness probe is a trade-off, not a plain improvement:
    /// a probe that is too strict, or that checks dependencies, restarts healthy replicas under
    /// load, and many well-run components (Prometheus Operator, node-exporter, Argo CD's
    /// application controller) deliberately rely on exiting on fatal errors instead. Enable it
    /// where a team's policy is to require one.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: registry.example.com/api:3.2.1
    ///   ports:
    ///   - containerPort: 8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: registry.example.com/api:3.2.1
    ///   ports:
    ///   - containerPort: 8080
    ///   livenessProbe:
    ///     httpGet:
    ///       path: /healthz
    ///       port: 8080
    ///     periodSeconds: 10
    ///     failureThreshold: 3
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// A liveness probe must check only the process itself, never its dependencies, or an
    /// outage of a database restarts every replica at once; when a process reliably exits on
    /// fatal errors, the restart policy already covers it and the finding may be suppressed with
    /// that reason. Native sidecars (init containers with `restartPolicy: Always`) are not
    /// checked.
    ///
    /// ## References
    /// - Kubernetes: "Configure Liveness, Readiness and Startup Probes"
    /// - Kubernetes: "Pod Lifecycle", "Container probes"
    pub static LIVENESS_PROBE_MISSING = Rule {
        id: "WL034",
        name: "liveness-probe-missing",
        family: Family::Workload,
        severity: Severity::Low,
        default_enabled: false,
        kinds: LONG_RUNNING_KINDS,
        controls: &[],
        since: "0.1.0",
        summary: "long-running container has no liveness probe",
        remediation: "Add a `livenessProbe` that checks only the process's own health (an HTTP, gRPC, TCP or exec probe).",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if runs_to_completion(&pod) {
        return;
    }
    for c in pod.containers_of(&[ContainerKind::Regular]) {
        if c.node
            .get("livenessProbe")
            .is_none_or(|p| p.entries().is_empty())
        {
            cx.report(
                o,
                c.path_of("livenessProbe"),
                format!("{} has no liveness probe", c.describe()),
            );
        }
    }
}
