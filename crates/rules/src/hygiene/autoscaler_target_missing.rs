use crate::hygiene::helpers::{Confidence, Verdict, has_kind_in, is_live, ns};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::{Object, Via};
use stockade_model::Severity;

declare_rule! {
    /// ## What it does
    /// Reports HorizontalPodAutoscalers whose `scaleTargetRef` names a Deployment,
    /// StatefulSet, ReplicaSet or ReplicationController that does not exist in their
    /// namespace. With manifests, only when objects of that kind in that namespace are among
    /// the inputs (medium confidence).
    ///
    /// ## Why is this risky?
    /// An autoscaler without a target is a leftover that does nothing today; if a workload of
    /// that name is created later (by another team, from another chart) the forgotten
    /// autoscaler starts resizing it with limits nobody chose for it.
    ///
    /// ## Example
    /// ```yaml
    /// kind: HorizontalPodAutoscaler
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: billing}   # deleted
    /// ```
    ///
    /// ## Use instead
    /// Delete the autoscaler with the workload it scaled.
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Targets of other kinds (custom resources with a scale subresource) are not judged.
    ///
    /// ## References
    /// - Kubernetes: Horizontal Pod Autoscaling
    pub static AUTOSCALER_TARGET_MISSING = Rule {
        id: "HY010",
        name: "autoscaler-target-missing",
        family: Family::Hygiene,
        severity: Severity::Low,
        kinds: &["HorizontalPodAutoscaler"],
        needs: TARGET_KINDS,
        controls: &[],
        since: "0.1.0",
        admission: false,
        summary: "HorizontalPodAutoscaler targets a workload that does not exist",
        remediation: "Delete the autoscaler, or point scaleTargetRef at the workload it is for.",
        check: check,
    };
}

/// The workload kinds an autoscaler can target.
const TARGET_KINDS: &[&str] = stockade_model::kinds::SCALABLE_KINDS;

fn check(cx: &mut Checker<'_>, o: &Object) {
    let inv = cx.inv;
    let refs = inv.references();
    let namespace = ns(o);
    for r in refs.uses(inv, o) {
        if r.via != Via::ScaleTarget
            || !TARGET_KINDS.contains(&r.target.kind.as_str())
            || refs.exists(&r.target)
        {
            continue;
        }
        let live = is_live(o);
        if !live && !has_kind_in(cx, &r.target.kind, namespace) {
            continue;
        }
        let v = if live {
            Verdict::for_object(o)
        } else {
            Verdict::new(
                Confidence::Medium,
                format!(
                    "other {}s of namespace {namespace} are among the inputs, this one is not",
                    r.target.kind
                ),
            )
        };
        v.report(
            cx,
            o,
            r.path.clone(),
            Severity::Low,
            &format!(
                "scale target {} {} does not exist in namespace {namespace}",
                r.target.kind, r.target.name
            ),
        );
    }
}
