use crate::workload::helpers::{autoscaler_of, same_namespace};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::{LabelSelector, Object};
use stockade_model::{FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags Deployments and StatefulSets that run more than one replica (or are scaled by a
    /// HorizontalPodAutoscaler or KEDA ScaledObject) when no PodDisruptionBudget in their
    /// namespace selects their pods. A budget selects the pods when its `spec.selector`
    /// (`matchLabels` and `matchExpressions`) matches the pod template's labels; in `policy/v1`
    /// an empty selector `{}` selects every pod of the namespace, in `policy/v1beta1` none.
    ///
    /// ## Why is this risky?
    /// Running several replicas only keeps a service up if they are not all taken down at once.
    /// Without a budget, a node drain, a cluster upgrade or the cluster autoscaler may evict
    /// every replica at the same time, and the service goes down although it was built to
    /// survive that.
    ///
    /// ## Example
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
    /// ## Use instead
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   maxUnavailable: 1
    ///   selector: {matchLabels: {app: web}}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Only PodDisruptionBudgets among the scanned objects (or in the scanned cluster) are seen:
    /// scanning one file, or one object at admission, reports workloads whose budget lives
    /// elsewhere. A budget with an unset namespace is assumed to be in the workload's namespace.
    /// Budgets that allow no disruption at all (`maxUnavailable: 0`), which block node drains,
    /// are not checked.
    ///
    /// ## References
    /// - Kubernetes: "Specifying a Disruption Budget for your Application"
    /// - Kubernetes: "Disruptions"
    pub static POD_DISRUPTION_BUDGET_MISSING = Rule {
        id: "WL055",
        name: "pod-disruption-budget-missing",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: &["Deployment", "StatefulSet"],
        needs: &["PodDisruptionBudget"],
        controls: &[],
        since: "0.1.0",
        admission: false,
        summary: "replicated workload has no PodDisruptionBudget",
        remediation: "Add a PodDisruptionBudget (policy/v1) with `maxUnavailable: 1` (or a `minAvailable` below the replica count) whose selector matches the pod template labels.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if !matches!(o.api_group(), "apps" | "extensions") {
        return;
    }
    let Some(pod) = cx.pod_spec(o) else { return };
    let kind = o.kind().to_ascii_lowercase();
    // A wrongly typed `replicas` is treated as unset (one replica).
    let what = match o
        .root
        .at("spec.replicas")
        .and_then(Node::as_i64)
        .filter(|r| *r > 1)
    {
        Some(r) => format!("{kind} runs {r} replicas"),
        None => match autoscaler_of(cx.inv, o) {
            Some(a) => format!("{kind} is scaled by {} {:?}", a.kind(), a.name()),
            None => return,
        },
    };
    let labels: Vec<(&str, &str)> = pod.pod_labels().collect();
    let covered = cx
        .inv
        .of_kind("PodDisruptionBudget")
        .filter(|b| b.api_group() == "policy" && same_namespace(b, o))
        .any(|b| selects(b, &labels));
    if covered {
        return;
    }
    let pods = if labels.is_empty() {
        "its pods".to_string()
    } else {
        let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("its pods ({})", l.join(","))
    };
    cx.report(
        o,
        FieldPath::parse("spec.replicas"),
        format!(
            "{what} but no PodDisruptionBudget selects {pods}, so a node drain may evict them all at once"
        ),
    );
}

/// Whether a PodDisruptionBudget selects pods with `labels`.
fn selects(budget: &Object, labels: &[(&str, &str)]) -> bool {
    let Some(selector) = budget.root.at("spec.selector").filter(|s| !s.is_null()) else {
        // A null selector selects no pods.
        return false;
    };
    // policy/v1beta1 gave an empty selector the meaning "no pods"; policy/v1 "every pod".
    if budget.api_version() == "policy/v1beta1"
        && selector.entries().iter().all(|(_, v)| is_empty(v))
    {
        return false;
    }
    LabelSelector::parse(
        selector,
        &FieldPath::parse("spec.selector"),
        &mut Vec::new(),
    )
    .matches(labels)
}

/// Whether a selector part is empty (`{}`, `[]` or null).
fn is_empty(n: &Node) -> bool {
    n.is_null() || (n.entries().is_empty() && n.items().is_empty())
}
