use crate::netpol::helpers::{KINDS, POD_MAKERS};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, FieldPath, Severity};

declare_rule! {
    /// ## What it does
    /// Flags NetworkPolicies in namespaces that run no workload. For manifests, only when the
    /// inputs hold workloads in other namespaces (so a directory of policies alone is not
    /// judged); a live cluster is always judged.
    ///
    /// ## Why is this risky?
    /// A policy only acts on pods of its own namespace. One in the wrong namespace (applied
    /// without `-n`, so landing in `default`, or copied from another application) protects
    /// nothing, while the namespace it was meant for stays open.
    ///
    /// ## Example
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: web
    ///   namespace: defualt   # typo; the web pods run in shop
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// A policy written ahead of the workloads it is for is reported until they exist.
    ///
    /// ## References
    /// - Kubernetes: Network Policies, "The NetworkPolicy resource"
    pub static POLICY_WITHOUT_WORKLOADS = Rule {
        id: "NP010",
        name: "policy-without-workloads",
        family: Family::Network,
        severity: Severity::Low,
        kinds: KINDS,
        needs: POD_MAKERS,
        controls: &[Control::nsa("network/network-policies")],
        since: "0.1.0",
        admission: false,
        summary: "NetworkPolicy is in a namespace that runs no workload",
        remediation: "Move the policy to the namespace of the workloads it is meant for, or delete it.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = cx.netpol();
    // Manifests: only when the inputs show workloads somewhere. A live cluster: only where
    // every kind that makes pods was read in the policy's namespace.
    if !m.live && m.workloads.is_empty() {
        return;
    }
    for p in &m.policies {
        if m.live && !m.pods_known_in(&p.namespace) {
            continue;
        }
        if m.workloads_in(&p.namespace).is_empty() {
            cx.report(
                p.object,
                FieldPath::parse("metadata.namespace"),
                format!(
                    "namespace {:?} runs no workload, so this policy selects nothing",
                    p.namespace
                ),
            );
        }
    }
}
