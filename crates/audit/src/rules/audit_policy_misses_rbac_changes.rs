use crate::declare_audit_rule;
use crate::rule::{PolicyCx, Source};
use crate::rules::policy_probe::report_unlogged;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Checks that an audit Policy logs changes to RBAC — `create`, `update`, `patch`, `delete`
    /// and `deletecollection` of Roles, RoleBindings, ClusterRoles and ClusterRoleBindings — by an
    /// ordinary user.
    ///
    /// ## Why is this risky?
    /// RBAC changes are how access is granted, escalated and hidden. Without their events, a
    /// `cluster-admin` binding created and removed again leaves no trace, and
    /// `cluster-admin-binding-created` and `wildcard-role-changed` cannot fire. Log them at
    /// `RequestResponse` so the role and subjects are recorded.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    /// - level: Metadata
    ///   resources:
    ///   - group: ""
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    /// - level: RequestResponse
    ///   resources:
    ///   - group: rbac.authorization.k8s.io
    /// - level: Metadata
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// The probe is an ordinary authenticated user; rules silencing particular users on purpose
    /// are not reported.
    ///
    /// ## References
    /// - Kubernetes: Auditing (audit policy)
    /// - CIS Kubernetes Benchmark 3.2.2
    pub static AUDIT_POLICY_MISSES_RBAC_CHANGES = AuditRule {
        id: "AU103",
        name: "audit-policy-misses-rbac-changes",
        severity: Severity::Medium,
        controls: &[Control::cis("3.2.2"), Control::nsa("audit-logging"), Control::mitre("T1098.006")],
        since: "0.1.0",
        summary: "audit policy does not log RBAC changes",
        remediation: "Log writes to rbac.authorization.k8s.io at level RequestResponse.",
        source: Source::AuditPolicy,
        policy_check: check,
    };
}

fn check(cx: &mut PolicyCx<'_>) {
    let g = "rbac.authorization.k8s.io";
    let mut probes = Vec::new();
    for (resource, ns) in [
        ("roles", "default"),
        ("rolebindings", "default"),
        ("clusterroles", ""),
        ("clusterrolebindings", ""),
    ] {
        for verb in ["create", "update", "patch", "delete", "deletecollection"] {
            probes.push((verb, (g, resource, "", ns)));
        }
    }
    report_unlogged(cx, &probes, "RBAC changes");
}
