use crate::rbac::helpers::{Grant, KINDS, covers_any, report_grants};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags bindings that grant create, update, patch or delete on Roles, RoleBindings,
    /// ClusterRoles or ClusterRoleBindings.
    ///
    /// ## Why is this risky?
    /// RBAC prevents writing a role or binding with more than one holds, but anything one does hold
    /// can be handed to anyone, and deleting bindings is denial of service. Combined with `bind` or
    /// `escalate`, it is full escalation.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: risky
    /// rules:
    /// - apiGroups: [rbac.authorization.k8s.io]
    ///   resources: [rolebindings]
    ///   verbs: [create, update]
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
    ///   resources: [rolebindings]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Namespace admins (the built-in `admin` role) may manage RoleBindings in their namespace by
    /// design; suppress those with a reason.
    ///
    /// ## References
    /// - Kubernetes: RBAC, "Privilege escalation prevention and bootstrapping"
    /// - NSA-CISA Kubernetes Hardening Guide, role-based access control
    pub static RBAC_OBJECT_WRITE = Rule {
        id: "RB013",
        name: "rbac-object-write",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::nsa("authn-authz/rbac"), Control::mitre("T1098.006")],
        since: "0.1.0",
        summary: "grants writing RBAC roles or bindings",
        remediation: "Manage RBAC objects through reviewed automation (GitOps); give people read access to them.",
        inventory_check: Some(check),
    };
}

const VERBS: &[&str] = &["create", "update", "patch", "delete"];
const RESOURCES: &[(&str, &str, &str)] = &[
    ("rbac.authorization.k8s.io", "roles", ""),
    ("rbac.authorization.k8s.io", "rolebindings", ""),
    ("rbac.authorization.k8s.io", "clusterroles", ""),
    ("rbac.authorization.k8s.io", "clusterrolebindings", ""),
];

fn check(cx: &mut Checker<'_>) {
    report_grants(
        cx,
        &Grant {
            matches: &|rule| covers_any(rule, VERBS, RESOURCES),
            cluster_scoped: false,
            cluster_severity: Severity::High,
            namespace_severity: Severity::Medium,
        },
    );
}
