use crate::rbac::helpers::{KINDS, is_users, model, subjects};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, FieldPath, Severity};
use stockade_rbac::BindingKind;

declare_rule! {
    /// ## What it does
    /// Flags bindings to the `cluster-admin` ClusterRole other than the API server's own
    /// (`cluster-admin` → `system:masters`). A ClusterRoleBinding is critical; a RoleBinding,
    /// which makes its subjects full administrators of one namespace, is high.
    ///
    /// ## Why is this risky?
    /// `cluster-admin` allows every verb on every resource: reading every Secret, running
    /// privileged pods on any node, rewriting RBAC. Each subject bound to it is a credential whose
    /// theft is the loss of the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: ci-admin
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
    /// subjects:
    /// - {kind: ServiceAccount, name: ci, namespace: tools}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata:
    ///   name: ci-edit
    ///   namespace: apps
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
    /// subjects:
    /// - {kind: ServiceAccount, name: ci, namespace: tools}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Only the role named `cluster-admin` is matched; other roles with `*` on everything are
    /// reported by `wildcard-rbac-verb` and `wildcard-rbac-resource`, and subjects that can reach
    /// cluster-admin indirectly by `escalation-path-to-cluster-admin`.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.1
    /// - Kubernetes: RBAC, "User-facing roles"
    pub static CLUSTER_ADMIN_BINDING = Rule {
        id: "RB001",
        name: "cluster-admin-binding",
        family: Family::Rbac,
        severity: Severity::Critical,
        kinds: KINDS,
        controls: &[Control::cis("5.1.1"), Control::nsa("authn-authz/rbac"), Control::mitre("T1078")],
        since: "0.1.0",
        summary: "binds the cluster-admin role",
        remediation: "Bind a role with only the permissions needed (admin or edit in one namespace, or a custom role); keep cluster-admin for break-glass accounts.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = model(cx);
    for b in &m.bindings {
        if !is_users(b.object, b.builtin)
            || b.role_ref_kind != "ClusterRole"
            || b.role_ref_name != "cluster-admin"
            || b.subjects.is_empty()
        {
            continue;
        }
        let (sev, scope) = match (&b.kind, &b.namespace) {
            (BindingKind::RoleBinding, Some(ns)) => (Severity::High, format!("in namespace {ns}")),
            _ => (Severity::Critical, "cluster-wide".to_string()),
        };
        cx.report_with_severity(
            b.object,
            FieldPath::root().key("roleRef"),
            sev,
            format!(
                "{} makes {} cluster-admin {scope}",
                b.display(),
                subjects(b)
            ),
        );
    }
}
