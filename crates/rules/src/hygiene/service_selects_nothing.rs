use crate::hygiene::helpers::{Confidence, Verdict, custom_labels_match, is_live, ns};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::LabelSelector;
use stockade_inventory::{Object, Via, WORKLOAD_KINDS};
use stockade_model::{FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports Services whose `selector` matches the labels of no Pod and of no workload's pod
    /// template in their namespace (Deployments, StatefulSets, DaemonSets, ReplicaSets,
    /// ReplicationControllers, Jobs and CronJobs; a template counts even when the manifest
    /// holds only its labels, as a kustomize patch does), so they have no endpoints. Services without a selector
    /// (endpoints managed by hand) and `ExternalName` Services are not judged. With manifests,
    /// a namespace is judged only when at least one of its workloads is among the inputs.
    ///
    /// Off by default in `stockade scan`; always on in `stockade unused`.
    ///
    /// ## Why is this risky?
    /// A Service that selects nothing is either a leftover of a removed application or a typo
    /// in a label. Its name and cluster IP stay reserved, Ingresses and clients keep pointing at
    /// it, and the next pod that happens to carry the labels receives its traffic.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   selector: {app: billing}   # no pods are labelled app=billing any more
    /// ```
    ///
    /// ## Use instead
    /// Delete the Service, or fix its selector.
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Pods created by custom resources (Argo Rollouts, operators) are only seen on a live
    /// cluster; in manifests, a custom resource with matching `labels` lowers the confidence
    /// to low. A workload scaled to zero still counts as matched.
    ///
    /// ## References
    /// - Kubernetes: Service, "Services without selectors"
    pub static SERVICE_SELECTS_NOTHING = Rule {
        id: "HY007",
        name: "service-selects-nothing",
        family: Family::Hygiene,
        severity: Severity::Low,
        default_enabled: false,
        kinds: &["Service"],
        needs: stockade_inventory::WORKLOAD_KINDS,
        controls: &[],
        since: "0.1.0",
        admission: false,
        summary: "Service selector matches no pods",
        remediation: "Delete the Service, or correct its selector to the pods' labels.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let inv = cx.inv;
    if o.root.at("spec.type").and_then(Node::as_str) == Some("ExternalName") {
        return;
    }
    let Some(sel) = o.root.at("spec.selector") else {
        return;
    };
    let ls = LabelSelector::from_map(sel);
    if ls.is_empty() || ls.invalid {
        return;
    }
    let namespace = ns(o);
    if !is_live(o)
        && !WORKLOAD_KINDS
            .iter()
            .any(|k| super::helpers::has_kind_in(cx, k, namespace))
    {
        return;
    }
    let matched = inv
        .references()
        .uses(inv, o)
        .iter()
        .any(|r| r.via == Via::ServiceSelector);
    if matched {
        return;
    }
    let pairs: Vec<(&str, &str)> = sel
        .entries()
        .iter()
        .filter_map(|(k, v)| Some((&*k.name, v.as_str()?)))
        .collect();
    let shown: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut v = if is_live(o) {
        Verdict::for_object(o)
    } else {
        Verdict::new(
            Confidence::Medium,
            "workloads outside the inputs could carry the labels",
        )
    };
    if let Some(cr) = custom_labels_match(inv, namespace, &pairs) {
        v.cap(
            Confidence::Low,
            format!("custom resource {cr} has matching labels and may create the pods"),
        );
    }
    v.report(
        cx,
        o,
        FieldPath::parse("spec.selector"),
        Severity::Low,
        &format!(
            "selector {} matches no pod or workload in namespace {namespace}",
            shown.join(",")
        ),
    );
}
