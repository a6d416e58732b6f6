use crate::rbac::helpers::{KINDS, is_users, model};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, FieldPath, Severity};
use stockade_rbac::RoleKind;

declare_rule! {
    /// ## What it does
    /// Reports Roles and ClusterRoles that no loaded binding references and that no aggregated
    /// ClusterRole picks up.
    ///
    /// ## Why is this risky?
    /// An unused role is not a weakness by itself, but it is clutter that hides the roles that
    /// matter, and a ready-made grant for whoever may create bindings.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// metadata:
    ///   name: legacy-debug     # nothing binds it
    /// ```
    ///
    /// ## Use instead
    /// Delete roles nothing uses.
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// With manifests, bindings defined elsewhere are not seen; the rule is most useful on a live
    /// scan. ClusterRoles meant for aggregation are recognised only when the aggregated role is
    /// loaded or built in (admin, edit, view).
    ///
    /// ## References
    /// - Kubernetes: RBAC good practices, "Periodic review"
    /// - NSA-CISA Kubernetes Hardening Guide, role-based access control
    pub static UNBOUND_ROLE = Rule {
        id: "RB018",
        name: "unbound-role",
        family: Family::Rbac,
        severity: Severity::Info,
        kinds: KINDS,
        needs: &["RoleBinding", "ClusterRoleBinding"],
        controls: &[Control::nsa("authn-authz/rbac")],
        since: "0.1.0",
        admission: false,
        summary: "role is not used by any binding",
        remediation: "Delete the role if nothing needs it.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = model(cx);
    let mut used = vec![false; m.roles.len()];
    for b in &m.bindings {
        for &r in &b.roles {
            used[r] = true;
        }
    }
    // A role whose rules an aggregated ClusterRole collects is in use through it.
    for r in &m.roles {
        if r.aggregation.is_some() {
            for rr in &r.effective {
                if let Some(u) = used.get_mut(rr.role) {
                    *u = true;
                }
            }
        }
    }
    let scope = cx.inv.read_scope();
    for (i, r) in m.roles.iter().enumerate() {
        if used[i] || !is_users(r.object, r.builtin) {
            continue;
        }
        // Only from bindings that were read wherever they could reference the role: a
        // ClusterRole can be bound by a RoleBinding in any namespace.
        let bindings_read = match r.kind {
            RoleKind::Role => scope.covers("RoleBinding", r.namespace.as_deref()),
            RoleKind::ClusterRole => scope.cluster_wide("RoleBinding"),
        };
        if !bindings_read {
            continue;
        }
        // An aggregated ClusterRole's own `rules` are written by the controller: it is used when
        // bound, which is checked above.
        let what = match r.kind {
            RoleKind::Role => "no RoleBinding in its namespace references it",
            RoleKind::ClusterRole => "no binding references it and no aggregated role collects it",
        };
        cx.report(
            r.object,
            FieldPath::root().key("metadata").key("name"),
            format!("{}: {what}", r.display()),
        );
    }
}
