use crate::rbac::helpers::{KINDS, is_users, model};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, FieldPath, Severity};
use stockade_rbac::BindingKind;

declare_rule! {
    /// ## What it does
    /// Flags bindings whose `roleRef` names a role that is neither among the inputs nor one of
    /// the API server's built-in roles, and ClusterRoleBindings that reference a `Role` (which
    /// the API server rejects, and which could never grant anything).
    ///
    /// ## Why is this risky?
    /// A binding to a missing role grants nothing, exactly as the authorizer treats it: often a
    /// typo, or a leftover after a role was deleted. Whoever later creates a role of that name
    /// hands its permissions to the binding's subjects without touching the binding.
    ///
    /// ## Example
    /// ```yaml
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: veiw}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// With manifests, a role defined in another repository is reported as missing; scan the
    /// inputs together, or suppress with a reason.
    ///
    /// ## References
    /// - Kubernetes: RBAC, "RoleBinding and ClusterRoleBinding"
    /// - NSA-CISA Kubernetes Hardening Guide, role-based access control
    pub static BINDING_ROLE_MISSING = Rule {
        id: "RB017",
        name: "binding-role-missing",
        family: Family::Rbac,
        severity: Severity::Low,
        kinds: KINDS,
        needs: &["Role", "ClusterRole"],
        controls: &[Control::nsa("authn-authz/rbac")],
        since: "0.1.0",
        admission: false,
        summary: "binding references a role that does not exist",
        remediation: "Fix the roleRef, or delete the binding if the role was removed on purpose.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = model(cx);
    for b in &m.bindings {
        if !is_users(b.object, b.builtin) || b.role.is_some() {
            continue;
        }
        let why = match (b.kind, b.role_ref_kind.as_str()) {
            (BindingKind::ClusterRoleBinding, "Role") => {
                "a ClusterRoleBinding can only reference a ClusterRole".to_string()
            }
            (_, "Role" | "ClusterRole") => {
                let where_ = match (&b.namespace, b.role_ref_kind.as_str()) {
                    (Some(ns), "Role") => format!(" in namespace {ns}"),
                    _ => String::new(),
                };
                format!(
                    "{} {}{where_} does not exist",
                    b.role_ref_kind, b.role_ref_name
                )
            }
            (_, other) => format!("roleRef kind {other:?} is neither Role nor ClusterRole"),
        };
        cx.report(
            b.object,
            FieldPath::root().key("roleRef"),
            format!("{} grants nothing: {why}", b.display()),
        );
    }
}
