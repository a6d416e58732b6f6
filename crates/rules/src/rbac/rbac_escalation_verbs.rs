use crate::rbac::helpers::{Grant, KINDS, covers_any, report_grants};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags bindings that grant the `bind` or `escalate` verbs on roles or cluster roles, or
    /// `impersonate` on users, groups, ServiceAccounts, user extras or UIDs.
    ///
    /// ## Why is this risky?
    /// `escalate` lets a subject write roles with permissions it does not have; `bind` lets it bind
    /// roles it does not hold; `impersonate` lets it act as any user or group it names, including
    /// `system:masters`. Each bypasses RBAC's own escalation prevention.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: risky
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [users, groups]
    ///   verbs: [impersonate]
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
    /// - apiGroups: [rbac.authorization.k8s.io]
    ///   resources: [roles, clusterroles]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Restricting these verbs with `resourceNames` narrows them; such rules are still reported,
    /// naming the names. `stockade rbac paths` shows whether the grant leads to cluster-admin.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.8
    /// - Kubernetes: RBAC, "Privilege escalation prevention and bootstrapping"
    pub static RBAC_ESCALATION_VERBS = Rule {
        id: "RB007",
        name: "rbac-escalation-verbs",
        family: Family::Rbac,
        severity: Severity::Critical,
        kinds: KINDS,
        controls: &[Control::cis("5.1.8"), Control::nsa("authn-authz/rbac"), Control::mitre("T1098.006")],
        since: "0.1.0",
        summary: "grants bind, escalate or impersonate",
        remediation: "Remove bind, escalate and impersonate from everything but cluster administration; where needed, restrict them with resourceNames.",
        inventory_check: Some(check),
    };
}

const VERBS: &[&str] = &["bind", "escalate", "impersonate"];
const RESOURCES: &[(&str, &str, &str)] = &[
    ("rbac.authorization.k8s.io", "roles", ""),
    ("rbac.authorization.k8s.io", "clusterroles", ""),
    ("", "users", ""),
    ("", "groups", ""),
    ("", "serviceaccounts", ""),
    ("authentication.k8s.io", "userextras", ""),
    ("authentication.k8s.io", "uids", ""),
];

fn check(cx: &mut Checker<'_>) {
    report_grants(
        cx,
        &Grant {
            matches: &|rule| covers_any(rule, VERBS, RESOURCES),
            cluster_scoped: false,
            cluster_severity: Severity::Critical,
            namespace_severity: Severity::High,
        },
    );
}
