use crate::workload::helpers::autoscaler_of;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags Deployments and StatefulSets that run one replica: `replicas: 1`, or no `replicas`
    /// at all (the default is 1). Workloads scaled by a HorizontalPodAutoscaler (or a KEDA
    /// ScaledObject) found among the scanned objects are skipped, since the autoscaler owns the
    /// replica count; so are workloads scaled to zero on purpose.
    ///
    /// ## Why is this risky?
    /// With a single pod, every node drain, cluster upgrade, eviction, node failure or
    /// (for a StatefulSet) rollout takes the service down until a replacement is scheduled and
    /// ready. Availability is part of security: a workload that goes down whenever one pod is
    /// evicted is easy to deny service to.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   selector: {matchLabels: {app: web}}
    ///   template:
    ///     metadata: {labels: {app: web}}
    ///     spec:
    ///       containers:
    ///       - {name: web, image: registry.example.com/web:1.4.2}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   replicas: 3
    ///   selector: {matchLabels: {app: web}}
    ///   template:
    ///     metadata: {labels: {app: web}}
    ///     spec:
    ///       containers:
    ///       - {name: web, image: registry.example.com/web:1.4.2}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// An autoscaler is only seen when it is among the scanned objects (or in the scanned
    /// cluster). Some components cannot run more than one replica (a single-writer database, a
    /// controller without leader election, a pod using a ReadWriteOnce volume); suppress the
    /// finding on them with a reason.
    ///
    /// ## References
    /// - Kubernetes: "Running Multiple Instances of Your App", Deployment `.spec.replicas`
    /// - Kubernetes: "Disruptions"
    pub static SINGLE_REPLICA = Rule {
        id: "WL054",
        name: "single-replica",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: &["Deployment", "StatefulSet"],
        needs: &["HorizontalPodAutoscaler"],
        controls: &[],
        since: "0.1.0",
        admission: false,
        summary: "Deployment or StatefulSet runs a single replica",
        remediation: "Run at least two replicas (spread across nodes with topology spread constraints or anti-affinity), or scale with a HorizontalPodAutoscaler.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if !matches!(o.api_group(), "apps" | "extensions") {
        return;
    }
    // A wrongly typed `replicas` is treated as unset, like every other field.
    let replicas = o.root.at("spec.replicas").and_then(Node::as_i64);
    if replicas.is_some_and(|r| r != 1) {
        return;
    }
    if autoscaler_of(cx.inv, o).is_some() {
        return;
    }
    let kind = o.kind().to_ascii_lowercase();
    let message = match replicas {
        Some(_) => format!(
            "{kind} runs a single replica, so any eviction or node failure takes it offline"
        ),
        None => format!(
            "{kind} does not set replicas, so it runs a single replica and any eviction or node failure takes it offline"
        ),
    };
    cx.report(o, FieldPath::parse("spec.replicas"), message);
}
