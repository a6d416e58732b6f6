use crate::rbac::helpers::{KINDS, is_users, model};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags bindings that grant permissions to a namespace's `default` ServiceAccount, or to
    /// every ServiceAccount at once (`system:serviceaccounts`, `system:serviceaccounts:<ns>`).
    ///
    /// ## Why is this risky?
    /// Every pod that names no ServiceAccount runs as `default`, so a grant to it is a grant to
    /// every such pod in the namespace, today and tomorrow; a grant to the ServiceAccount groups
    /// reaches every workload of the namespace (or of the cluster).
    ///
    /// ## Example
    /// ```yaml
    /// subjects:
    /// - {kind: ServiceAccount, name: default, namespace: prod}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// subjects:
    /// - {kind: ServiceAccount, name: reporting, namespace: prod}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Reported whatever the role grants.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.5
    /// - Kubernetes: "Configure Service Accounts for Pods"
    pub static DEFAULT_SERVICE_ACCOUNT_BINDING = Rule {
        id: "RB015",
        name: "default-service-account-binding",
        family: Family::Rbac,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.1.5"), Control::nsa("pod-security/service-account-tokens"), Control::mitre("T1078.001")],
        since: "0.1.0",
        summary: "grants permissions to the default ServiceAccount or to all ServiceAccounts",
        remediation: "Create a dedicated ServiceAccount for the workload that needs the permissions and bind the role to it.",
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
            let (sev, who) = match (s.kind.as_str(), s.name.as_str()) {
                ("ServiceAccount", "default") => (Severity::Medium, s.display()),
                ("Group", "system:serviceaccounts") => (
                    Severity::High,
                    "every ServiceAccount of the cluster".to_string(),
                ),
                ("Group", g) if g.starts_with("system:serviceaccounts:") => (
                    Severity::Medium,
                    format!(
                        "every ServiceAccount of namespace {}",
                        g.trim_start_matches("system:serviceaccounts:")
                    ),
                ),
                _ => continue,
            };
            cx.report_with_severity(
                b.object,
                b.subject_path(s.index),
                sev,
                format!("{} grants {role} to {who}", b.display()),
            );
        }
    }
}
