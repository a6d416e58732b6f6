use crate::rbac::helpers::{is_users, model};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags binding subjects that name a ServiceAccount that does not exist: its namespace is
    /// missing (Namespaces are among the inputs and it is not one of them), or the namespace's
    /// ServiceAccounts are among the inputs and it is not one of them.
    ///
    /// ## Why is this risky?
    /// Such a binding is a de-provisioning leftover: it grants nothing today, but whoever
    /// re-creates the namespace or the ServiceAccount (anyone allowed to create ServiceAccounts
    /// there) silently inherits its permissions.
    ///
    /// ## Example
    /// ```yaml
    /// subjects:
    /// - {kind: ServiceAccount, name: old-ci, namespace: tools}   # deleted long ago
    /// ```
    ///
    /// ## Use instead
    /// Delete the subject (or the whole binding when it was the only one).
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Users and groups live outside the cluster and cannot be checked. With manifests, a
    /// ServiceAccount is only reported missing when its namespace's ServiceAccounts (or the
    /// Namespaces) are among the inputs; a live scan reads them all.
    ///
    /// ## References
    /// - Kubernetes: RBAC, "Referring to subjects"
    /// - NSA-CISA Kubernetes Hardening Guide, role-based access control
    pub static BINDING_SUBJECT_MISSING = Rule {
        id: "RB016",
        name: "binding-subject-missing",
        family: Family::Rbac,
        severity: Severity::Medium,
        kinds: &["RoleBinding", "ClusterRoleBinding", "ServiceAccount", "Namespace"],
        needs: &["ServiceAccount", "Namespace"],
        controls: &[Control::nsa("authn-authz/rbac"), Control::mitre("T1078")],
        since: "0.1.0",
        admission: false,
        summary: "binds a ServiceAccount (or namespace) that does not exist",
        remediation: "Remove the subject from the binding, or the binding itself when no subject is left.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let inv = cx.inv;
    let namespaces_known = inv.has_kind("Namespace");
    let m = model(cx);
    for b in &m.bindings {
        if !is_users(b.object, b.builtin) {
            continue;
        }
        for s in &b.subjects {
            let (true, Some(ns)) = (s.kind == "ServiceAccount", &s.namespace) else {
                continue;
            };
            if namespaces_known && inv.get("Namespace", None, ns).is_none() {
                cx.report(
                    b.object,
                    b.subject_path(s.index),
                    format!(
                        "{} binds {} but namespace {ns} does not exist",
                        b.display(),
                        s.display()
                    ),
                );
                continue;
            }
            // Only from ServiceAccounts that were read in that namespace.
            if !inv.read_scope().covers("ServiceAccount", Some(ns)) {
                continue;
            }
            let ns_has_sas = inv
                .of_kind("ServiceAccount")
                .any(|o| o.namespace().unwrap_or("default") == ns);
            if ns_has_sas && inv.get("ServiceAccount", Some(ns), &s.name).is_none() {
                cx.report(
                    b.object,
                    b.subject_path(s.index),
                    format!("{} binds {} which does not exist", b.display(), s.display()),
                );
            }
        }
    }
}
