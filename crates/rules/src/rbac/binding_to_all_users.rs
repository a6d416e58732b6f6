use crate::rbac::helpers::{KINDS, is_users, model};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags bindings whose subjects include `system:anonymous`, `system:unauthenticated` (every
    /// unauthenticated request: critical) or `system:authenticated` (everyone with any valid
    /// credential, including every ServiceAccount of every namespace: high). The API server's own
    /// bindings of these groups (discovery, health, self-review) are not reported.
    ///
    /// ## Why is this risky?
    /// Such a grant is open to the internet when the API server is reachable and anonymous auth
    /// is on, and otherwise to every workload and user of the cluster: one compromised pod
    /// anywhere inherits it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: everyone-views
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    /// subjects:
    /// - {kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// subjects:
    /// - {kind: Group, name: platform-team, apiGroup: rbac.authorization.k8s.io}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Reported whatever the role grants (a binding to a harmless role is still reported, as the
    /// role may change); bindings to `system:serviceaccounts` are reported by
    /// `default-service-account-binding`.
    ///
    /// ## References
    /// - Kubernetes: RBAC, "Default roles and role bindings" and anonymous requests
    /// - NSA-CISA Kubernetes Hardening Guide, authentication
    pub static BINDING_TO_ALL_USERS = Rule {
        id: "RB014",
        name: "binding-to-all-users",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::nsa("authn-authz/authentication"), Control::nsa("authn-authz/rbac"), Control::mitre("T1078")],
        since: "0.1.0",
        summary: "binds a role to anonymous or all authenticated users",
        remediation: "Bind the role to the specific users, groups or ServiceAccounts that need it.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = model(cx);
    for b in &m.bindings {
        if !is_users(b.object, b.builtin) {
            continue;
        }
        let role = b
            .role
            .map(|r| m.roles[r].display())
            .unwrap_or_else(|| format!("missing {} {}", b.role_ref_kind, b.role_ref_name));
        for s in &b.subjects {
            let sev = match (s.kind.as_str(), s.name.as_str()) {
                ("User", "system:anonymous") | ("Group", "system:unauthenticated") => {
                    Severity::Critical
                }
                ("Group", "system:authenticated") => Severity::High,
                _ => continue,
            };
            cx.report_with_severity(
                b.object,
                b.subject_path(s.index),
                sev,
                format!("{} grants {role} to {}", b.display(), s.display()),
            );
        }
    }
}
