use crate::rbac::helpers::{KINDS, is_users, model};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, FieldPath, Severity};
use stockade_rbac::RoleKind;

declare_rule! {
    /// ## What it does
    /// Flags rules of Roles and ClusterRoles whose `verbs` contain `*`.
    ///
    /// ## Why is this risky?
    /// `*` grants every verb, including the special ones (`escalate`, `bind`, `impersonate`,
    /// `approve`) and verbs added by future Kubernetes versions or by extension API servers:
    /// what the role allows grows without anyone changing it.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: [apps]
    ///   resources: [deployments]
    ///   verbs: ["*"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// rules:
    /// - apiGroups: [apps]
    ///   resources: [deployments]
    ///   verbs: [get, list, watch, update, patch]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Reported on the role whether or not it is bound; the API server's own roles
    /// (`cluster-admin` and the controller roles) are not reported.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.3
    /// - Kubernetes: RBAC good practices, "Least privilege"
    pub static WILDCARD_RBAC_VERB = Rule {
        id: "RB002",
        name: "wildcard-rbac-verb",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.1.3"), Control::nsa("authn-authz/rbac")],
        since: "0.1.0",
        summary: "role rule grants every verb (`*`)",
        remediation: "List the verbs the role needs instead of `*`.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = model(cx);
    for r in &m.roles {
        if !is_users(r.object, r.builtin) {
            continue;
        }
        for (i, rule) in r.rules.iter().enumerate() {
            let Some(j) = rule.verbs.iter().position(|v| v == "*") else {
                continue;
            };
            let sev = match r.kind {
                RoleKind::ClusterRole => Severity::High,
                RoleKind::Role => Severity::Medium,
            };
            cx.report_with_severity(
                r.object,
                FieldPath::root()
                    .key("rules")
                    .index(i)
                    .key("verbs")
                    .index(j),
                sev,
                format!("{} grants every verb on {}", r.display(), target(rule)),
            );
        }
    }
}

fn target(rule: &stockade_rbac::PolicyRule) -> String {
    if rule.resources.is_empty() {
        rule.non_resource_urls.join(",")
    } else {
        rule.resources.join(",")
    }
}
