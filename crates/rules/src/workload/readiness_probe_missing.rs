use crate::workload::helpers::{LONG_RUNNING_KINDS, runs_to_completion};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::{ContainerKind, Object, PodSpecView};
use stockade_model::Severity;
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers of long-running workloads that may receive Service traffic but have no
    /// `readinessProbe`. A pod may receive Service traffic when a Service among the scanned
    /// objects selects it (same namespace, every selector label matches the pod template), or —
    /// when no Service was scanned at all, as for a single file or an admission request — when
    /// one of its containers declares a port. Services that only expose metrics (named
    /// `…-metrics`, or whose ports are all named `…metrics…`) do not count: Prometheus scrapes
    /// not-ready endpoints too. When no container of such a pod has a readiness probe, each
    /// container that declares a port is flagged — or every container, when none declares a
    /// port. Jobs, CronJobs, run-to-completion Pods, init and ephemeral containers are not
    /// checked.
    ///
    /// ## Why is this risky?
    /// Without a readiness probe a container counts as ready as soon as it starts. Service
    /// endpoints then send requests to a process that is still loading, or to one that has lost
    /// its backends, and clients see errors during every rollout, restart and scale-up.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: registry.example.com/web:1.8.0
    ///   ports:
    ///   - containerPort: 8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: registry.example.com/web:1.8.0
    ///   ports:
    ///   - containerPort: 8080
    ///   readinessProbe:
    ///     httpGet:
    ///       path: /ready
    ///       port: 8080
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Services in other scans, Ingress backends that address pods directly and
    /// `matchExpressions`-style selectors of other controllers are not seen. When Services were
    /// scanned, a workload that none of them selects is not flagged, even if a Service applied
    /// elsewhere routes to it. As in kube-score, one probed container makes the pod pass: a
    /// serving sidecar without its own probe is not flagged then. Native sidecars are not
    /// checked.
    ///
    /// ## References
    /// - Kubernetes: "Configure Liveness, Readiness and Startup Probes"
    /// - Kubernetes: "Pod Lifecycle", "Pod readiness"
    pub static READINESS_PROBE_MISSING = Rule {
        id: "WL035",
        name: "readiness-probe-missing",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: LONG_RUNNING_KINDS,
        controls: &[],
        since: "0.1.0",
        summary: "container that may receive Service traffic has no readiness probe",
        remediation: "Add a `readinessProbe` that succeeds only when the container can serve requests.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if runs_to_completion(&pod) {
        return;
    }
    let containers = pod.containers_of(&[ContainerKind::Regular]);
    let declares_port = |c: &stockade_inventory::ContainerView<'_>| {
        c.node.get("ports").is_some_and(|p| !p.items().is_empty())
    };
    let any_port = containers.iter().any(declares_port);
    let served = if cx.inv.has_kind("Service") {
        selected_by_a_service(cx, &pod)
    } else {
        any_port
    };
    if !served {
        return;
    }
    let has_probe = |c: &stockade_inventory::ContainerView<'_>| {
        c.node
            .get("readinessProbe")
            .is_some_and(|p| !p.entries().is_empty())
    };
    if containers.iter().any(has_probe) {
        return;
    }
    for c in &containers {
        if any_port && !declares_port(c) {
            continue;
        }
        cx.report(
            o,
            c.path_of("readinessProbe"),
            format!(
                "{} may receive Service traffic but has no readiness probe",
                c.describe()
            ),
        );
    }
}

/// Whether a Service of the workload's namespace that carries more than metrics selects its
/// pods. Services without a selector (manually managed endpoints) select nothing.
fn selected_by_a_service(cx: &Checker<'_>, pod: &PodSpecView<'_>) -> bool {
    let ns = pod.object.namespace();
    let labels: Vec<(&str, &str)> = pod.pod_labels().collect();
    let metrics_only = |s: &Object| {
        let ports = s.root.at("spec.ports").map(Node::items).unwrap_or(&[]);
        s.name().ends_with("-metrics")
            || (!ports.is_empty()
                && ports.iter().all(|p| {
                    p.get("name")
                        .and_then(Node::as_str)
                        .is_some_and(|n| n.contains("metrics"))
                }))
    };
    cx.in_namespace("Service", ns)
        .iter()
        .filter(|s| !metrics_only(s))
        .any(|s| {
            let selector = s.root.at("spec.selector").map(Node::entries).unwrap_or(&[]);
            !selector.is_empty()
                && selector.iter().all(|(k, v)| {
                    v.as_str()
                        .is_some_and(|v| labels.iter().any(|(lk, lv)| *lk == &*k.name && *lv == v))
                })
        })
}
