use crate::netpol::helpers::{
    KINDS, POLICIES, SYSTEM_NAMESPACES, has_default_deny, namespace_anchor,
    namespaces_with_workloads,
};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags namespaces that run workloads but have no NetworkPolicy selecting every pod
    /// (`podSelector: {}`) with `Egress` in its `policyTypes`. The finding points at the
    /// Namespace object, or at the first workload when no Namespace object was read. System and
    /// monitoring namespaces are left to `system-namespace-open`.
    ///
    /// ## Why is this risky?
    /// Egress is how an attacker in a pod moves on: to the cloud metadata endpoint, to other
    /// namespaces' databases, to the Kubernetes API, or out to the internet to fetch tools and
    /// exfiltrate data. A default deny for egress limits each pod to the destinations its
    /// policies name.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]   # egress stays open
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Egress policies must then allow DNS (port 53 to the cluster DNS pods) for name
    /// resolution to keep working. Only policies among the inputs count.
    ///
    /// ## References
    /// - Kubernetes: Network Policies, "Default deny all egress traffic"
    /// - CIS Kubernetes Benchmark 5.3.2
    /// - NSA-CISA Kubernetes Hardening Guide, "Network policies"
    pub static NAMESPACE_WITHOUT_DEFAULT_DENY_EGRESS = Rule {
        id: "NP002",
        name: "namespace-without-default-deny-egress",
        family: Family::Network,
        severity: Severity::Low,
        kinds: KINDS,
        needs: POLICIES,
        controls: &[Control::cis("5.3.2"), Control::nsa("network/network-policies")],
        since: "0.1.0",
        summary: "namespace has no default-deny egress NetworkPolicy",
        remediation: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Egress]` (or both types) to the namespace, and allow DNS and each workload's destinations.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = cx.netpol();
    for ns in namespaces_with_workloads(m) {
        if SYSTEM_NAMESPACES.contains(&ns) || has_default_deny(m, ns, false) {
            continue;
        }
        if let Some((o, path)) = namespace_anchor(m, ns) {
            cx.report(
                o,
                path,
                format!("namespace {ns:?} has no NetworkPolicy selecting every pod for egress, so pods can connect anywhere"),
            );
        }
    }
}
