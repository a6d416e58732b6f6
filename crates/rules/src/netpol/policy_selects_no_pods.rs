use crate::netpol::helpers::{KINDS, POD_MAKERS};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, FieldPath, Severity};

declare_rule! {
    /// ## What it does
    /// Flags NetworkPolicies whose `podSelector` matches none of the workloads of their
    /// namespace. Only namespaces whose workloads were read are judged (for manifests, the
    /// namespace must hold at least one workload among the inputs; a live cluster is complete).
    /// A workload's pod template stands for its pods: a requirement on a label its controller
    /// adds to each pod (`pod-template-hash`, `statefulset.kubernetes.io/pod-name`, …) is not
    /// held against the template.
    ///
    /// ## Why is this risky?
    /// A policy that selects nothing protects nothing. It is almost always a typo in a label
    /// (`app: web` versus `app.kubernetes.io/name: web`) or a label changed on the Deployment
    /// but not on the policy — and the pods it was meant to isolate are left open while the
    /// policy's presence suggests otherwise.
    ///
    /// ## Example
    /// ```yaml
    /// kind: NetworkPolicy
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: wbe}   # typo: the pods are labelled app=web
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: NetworkPolicy
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: web}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Pods created outside the inputs (by an operator, say) are not seen in manifests; scan
    /// the live cluster for an exact answer.
    ///
    /// ## References
    /// - Kubernetes: Network Policies, "The NetworkPolicy resource"
    /// - NSA-CISA Kubernetes Hardening Guide, "Network policies"
    pub static POLICY_SELECTS_NO_PODS = Rule {
        id: "NP004",
        name: "policy-selects-no-pods",
        family: Family::Network,
        severity: Severity::Medium,
        kinds: KINDS,
        needs: POD_MAKERS,
        controls: &[Control::nsa("network/network-policies")],
        since: "0.1.0",
        admission: false,
        summary: "NetworkPolicy selects no pods (likely a label typo)",
        remediation: "Fix the podSelector so it matches the pod template labels of the workloads the policy is meant for, or delete the policy.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = cx.netpol();
    for (pi, p) in m.policies.iter().enumerate() {
        if m.workloads_in(&p.namespace).is_empty() || m.policy_may_select_any(pi) {
            continue;
        }
        cx.report(
            p.object,
            FieldPath::parse("spec.podSelector"),
            format!(
                "podSelector {} matches none of the {} workload(s) in {:?}",
                p.pod_selector,
                m.workloads_in(&p.namespace).len(),
                p.namespace
            ),
        );
    }
}
