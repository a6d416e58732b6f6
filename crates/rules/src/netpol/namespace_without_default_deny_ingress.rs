use crate::netpol::helpers::{
    KINDS, POLICIES, SYSTEM_NAMESPACES, has_default_deny, namespace_anchor,
    namespaces_with_workloads,
};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags namespaces that run workloads but have no NetworkPolicy selecting every pod
    /// (`podSelector: {}`) for ingress — the "default deny" that makes every other ingress
    /// policy an allow-list. The finding points at the Namespace object, or at the first
    /// workload when no Namespace object was read. System and monitoring namespaces are left to
    /// `system-namespace-open`.
    ///
    /// ## Why is this risky?
    /// Without a policy selecting it, a pod accepts connections from every pod of every
    /// namespace and from outside the cluster. One compromised pod anywhere can then reach all
    /// of the namespace's services, including the ones never meant to be exposed. A default
    /// deny turns "forgot to write a policy" into a failed connection instead of an open door.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   namespace: shop   # no NetworkPolicy in shop selects every pod
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny-ingress
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Only policies among the inputs count: when the default deny is applied from another
    /// repository, scan both together or scan the live cluster. A `podSelector: {}` policy whose
    /// rules allow everything still counts here; `allow-all-rule` reports those rules.
    ///
    /// ## References
    /// - Kubernetes: Network Policies, "Default deny all ingress traffic"
    /// - CIS Kubernetes Benchmark 5.3.2
    /// - NSA-CISA Kubernetes Hardening Guide, "Network policies"
    pub static NAMESPACE_WITHOUT_DEFAULT_DENY_INGRESS = Rule {
        id: "NP001",
        name: "namespace-without-default-deny-ingress",
        family: Family::Network,
        severity: Severity::Medium,
        kinds: KINDS,
        needs: POLICIES,
        controls: &[Control::cis("5.3.2"), Control::nsa("network/network-policies"), Control::mitre("T1046")],
        since: "0.1.0",
        summary: "namespace has no default-deny ingress NetworkPolicy",
        remediation: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` to the namespace, then allow the traffic each workload needs.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = cx.netpol();
    for ns in namespaces_with_workloads(m) {
        if SYSTEM_NAMESPACES.contains(&ns) || has_default_deny(m, ns, true) {
            continue;
        }
        if let Some((o, path)) = namespace_anchor(m, ns) {
            cx.report(
                o,
                path,
                format!("namespace {ns:?} has no NetworkPolicy selecting every pod for ingress, so pods no policy selects accept connections from anywhere"),
            );
        }
    }
}
