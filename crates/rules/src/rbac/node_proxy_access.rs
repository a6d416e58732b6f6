use crate::rbac::helpers::{Grant, KINDS, covers_any, report_grants};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags ClusterRoleBindings (and unbound ClusterRoles) that grant `nodes/proxy`. RoleBindings
    /// cannot grant it: nodes are cluster-scoped.
    ///
    /// ## Why is this risky?
    /// `nodes/proxy` reaches the kubelet API of every node through the API server: `get` alone is
    /// enough to run commands in any pod on the node (the kubelet authorizes exec over WebSocket
    /// with `get`), bypassing admission and audit of pod exec.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: risky
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [nodes/proxy]
    ///   verbs: [get]
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: risky
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: risky}
    /// subjects:
    /// - {kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: narrow
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [nodes/metrics, nodes/stats]
    ///   verbs: [get]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Monitoring agents sometimes ask for it; `nodes/metrics` and `nodes/stats` are enough for
    /// metrics.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.10
    pub static NODE_PROXY_ACCESS = Rule {
        id: "RB009",
        name: "node-proxy-access",
        family: Family::Rbac,
        severity: Severity::Critical,
        kinds: KINDS,
        controls: &[Control::cis("5.1.10"), Control::nsa("authn-authz/rbac"), Control::mitre("T1609")],
        since: "0.1.0",
        summary: "grants access to the nodes/proxy subresource",
        remediation: "Grant nodes/metrics or nodes/stats for monitoring instead of nodes/proxy.",
        inventory_check: Some(check),
    };
}

const VERBS: &[&str] = &["get", "create", "*"];
const RESOURCES: &[(&str, &str, &str)] = &[("", "nodes", "proxy")];

fn check(cx: &mut Checker<'_>) {
    report_grants(
        cx,
        &Grant {
            matches: &|rule| covers_any(rule, VERBS, RESOURCES),
            cluster_scoped: true,
            cluster_severity: Severity::Critical,
            namespace_severity: Severity::Critical,
        },
    );
}
