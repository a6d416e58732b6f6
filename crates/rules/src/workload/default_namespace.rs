use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags workloads and the objects that serve and configure them (Services, Ingresses,
    /// ConfigMaps, Secrets, ServiceAccounts, PersistentVolumeClaims, autoscalers and disruption
    /// budgets) whose `metadata.namespace` is explicitly `default`.
    /// Objects without a namespace are not flagged: they are usually applied with `-n`. Objects
    /// owned by a controller (a ReplicaSet's pods, say) are left to their owner, and the objects
    /// Kubernetes itself keeps in `default` (the `kubernetes` Service, the `default`
    /// ServiceAccount, the `kube-root-ca.crt` ConfigMap) are skipped. Guardrails such as
    /// NetworkPolicies, ResourceQuotas and LimitRanges are welcome in `default` and not read, nor
    /// are Roles and RoleBindings: one in `default` grants access to that namespace (say, for
    /// monitoring to discover its Services) rather than placing an application there.
    ///
    /// ## Why is this risky?
    /// Namespaces are the boundary RBAC, NetworkPolicies, Pod Security admission and quotas
    /// are drawn around. `default` is where everything lands that was applied without one, so
    /// it tends to collect unrelated applications that share its permissions, its default
    /// ServiceAccount and, without a default-deny policy, an open network — one compromised
    /// pod then reaches all of them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   namespace: default
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: restricted
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Manifests without a namespace that are applied to `default` cannot be told apart from
    /// manifests applied with `-n`; scan the live cluster to find them.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.7.4, 5.7.1
    /// - NSA-CISA Kubernetes Hardening Guide, "Namespaces"
    pub static DEFAULT_NAMESPACE = Rule {
        id: "WL056",
        name: "default-namespace",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: &stockade_model::kinds::concat::<17>(&[
            stockade_model::kinds::WORKLOAD_KINDS,
            &["Service", "Ingress", "ConfigMap", "Secret", "ServiceAccount", "PersistentVolumeClaim", "HorizontalPodAutoscaler", "PodDisruptionBudget"],
        ]),
        controls: &[Control::cis("5.7.4"), Control::cis("5.7.1"), Control::nsa("network/namespaces")],
        since: "0.1.0",
        summary: "object is placed in the default namespace",
        remediation: "Create a dedicated namespace for the application (with Pod Security labels, RBAC and a default-deny NetworkPolicy) and move its objects there.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if o.namespace() != Some("default") {
        return;
    }
    if o.is_controlled() || is_built_in(o) {
        return;
    }
    cx.report(
        o,
        FieldPath::parse("metadata.namespace"),
        "object is placed in the default namespace rather than a dedicated one",
    );
}

/// Objects that Kubernetes itself keeps in the `default` namespace.
fn is_built_in(o: &Object) -> bool {
    match (o.kind(), o.name()) {
        ("Service", "kubernetes")
        | ("ServiceAccount", "default")
        | ("ConfigMap", "kube-root-ca.crt") => true,
        // Token Secrets that older clusters generated for the `default` ServiceAccount.
        ("Secret", _) => {
            o.root.at("type").and_then(Node::as_str) == Some("kubernetes.io/service-account-token")
                && o.annotation("kubernetes.io/service-account.name") == Some("default")
        }
        _ => false,
    }
}
