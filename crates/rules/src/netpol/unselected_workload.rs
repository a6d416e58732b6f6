use crate::netpol::helpers::{KINDS, POLICIES, SYSTEM_NAMESPACES, labels_path};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags workloads that no NetworkPolicy selects for ingress in a namespace that does have
    /// policies: their pods are not isolated and accept connections from every pod of every
    /// namespace and from outside the cluster. Namespaces without any policy are reported once
    /// by `namespace-without-default-deny-ingress` instead of once per workload. Pods with
    /// `hostNetwork: true` are skipped (policies do not apply to them).
    ///
    /// ## Why is this risky?
    /// Policies are usually written per application; a workload whose labels no policy selects
    /// — a new component, or a label renamed in the Deployment but not in the policy — silently
    /// stays reachable from everywhere while the namespace looks protected.
    ///
    /// ## Example
    /// ```yaml
    /// kind: NetworkPolicy
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: api}
    /// ---
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: {app: worker}   # selected by no policy
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny-ingress
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Only policies among the inputs count. System and monitoring namespaces are left to
    /// `system-namespace-open`.
    ///
    /// ## References
    /// - Kubernetes: Network Policies, "Isolated and Non-isolated Pods"
    /// - CIS Kubernetes Benchmark 5.3.2
    pub static UNSELECTED_WORKLOAD = Rule {
        id: "NP003",
        name: "unselected-workload",
        family: Family::Network,
        severity: Severity::Medium,
        kinds: KINDS,
        needs: POLICIES,
        controls: &[Control::cis("5.3.2"), Control::nsa("network/network-policies"), Control::mitre("T1046")],
        since: "0.1.0",
        summary: "workload is selected by no NetworkPolicy for ingress",
        remediation: "Add a default-deny ingress policy to the namespace, or a policy whose podSelector matches the workload's pod labels.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = cx.netpol();
    for (wi, w) in m.workloads.iter().enumerate() {
        if w.host_network
            || w.object.is_controlled()
            || SYSTEM_NAMESPACES.contains(&w.namespace.as_str())
            || !m.ingress_policies[wi].is_empty()
            || !m.policies.iter().any(|p| p.namespace == w.namespace)
        {
            continue;
        }
        cx.report(
            w.object,
            labels_path(w),
            format!(
                "no NetworkPolicy in {:?} selects these pods for ingress, so they accept connections from anywhere",
                w.namespace
            ),
        );
    }
}
