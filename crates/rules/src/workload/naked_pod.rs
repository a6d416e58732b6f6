use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{FieldPath, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Pods that no controller manages: a `kind: Pod` with no `metadata.ownerReferences`.
    /// Static (mirror) pods, Helm hooks and tests (`helm.sh/hook`) and Argo CD hooks
    /// (`argocd.argoproj.io/hook`), which are meant to be one-off pods, are skipped.
    ///
    /// ## Why is this risky?
    /// Nothing recreates a bare pod: when its node fails, is drained or is upgraded, the pod is
    /// gone for good. It has no rollout or rollback either, so a fix — including a security
    /// fix — has to be applied by deleting and recreating it by hand, and such pods tend to be
    /// forgotten with whatever image and settings they were started with.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   containers:
    ///   - {name: web, image: registry.example.com/web:1.4.2}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment              # a Job for run-to-completion work
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   replicas: 2
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
    /// Pods created by tools that manage them without owner references (some CI runners and
    /// operators) are flagged in a live cluster; suppress them with a reason.
    ///
    /// ## References
    /// - Kubernetes: "Configuration Best Practices", "Naked Pods vs ReplicaSets, Deployments, and Jobs"
    pub static NAKED_POD = Rule {
        id: "WL057",
        name: "naked-pod",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: &["Pod"],
        controls: &[],
        since: "0.1.0",
        summary: "Pod is not managed by a controller",
        remediation: "Run the pod from a Deployment or StatefulSet (a Job or CronJob for run-to-completion work) instead of a bare Pod.",
        check: check,
    };
}

/// Annotations of pods that are meant to run once, outside any controller.
const ONE_OFF_ANNOTATIONS: &[&str] = &[
    "kubernetes.io/config.mirror",
    "helm.sh/hook",
    "argocd.argoproj.io/hook",
];

fn check(cx: &mut Checker<'_>, o: &Object) {
    if !o.api_group().is_empty() {
        return;
    }
    let owned = o.owners().next().is_some();
    if owned {
        return;
    }
    if ONE_OFF_ANNOTATIONS
        .iter()
        .any(|a| o.annotation(a).is_some())
    {
        return;
    }
    cx.report(
        o,
        FieldPath::parse("kind"),
        "pod is not managed by a controller, so nothing recreates it when it or its node fails",
    );
}
