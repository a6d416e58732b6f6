use crate::rbac::helpers::{KINDS, is_users, model};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, FieldPath, Severity};
use stockade_rbac::RoleKind;

declare_rule! {
    /// ## What it does
    /// Flags rules of Roles and ClusterRoles with `*` in `resources`, `apiGroups` or
    /// `nonResourceURLs` (`*/scale`-style subresource wildcards are not flagged).
    ///
    /// ## Why is this risky?
    /// `resources: ["*"]` covers Secrets, RBAC objects and every custom resource installed later;
    /// `apiGroups: ["*"]` extends a rule to every API group, present and future. The role ends
    /// up granting far more than its author reviewed.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: ["*"]
    ///   resources: ["*"]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// rules:
    /// - apiGroups: ["", apps]
    ///   resources: [pods, deployments]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Reported on the role whether or not it is bound; the API server's own roles are not
    /// reported.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.3
    /// - Kubernetes: RBAC good practices, "Least privilege"
    pub static WILDCARD_RBAC_RESOURCE = Rule {
        id: "RB003",
        name: "wildcard-rbac-resource",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.1.3"), Control::nsa("authn-authz/rbac")],
        since: "0.1.0",
        summary: "role rule covers every resource, API group or URL (`*`)",
        remediation: "List the API groups and resources the role needs instead of `*`.",
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
            let fields = [
                ("resources", &rule.resources),
                ("apiGroups", &rule.api_groups),
                ("nonResourceURLs", &rule.non_resource_urls),
            ];
            for (field, values) in fields {
                let Some(j) = values.iter().position(|v| v == "*") else {
                    continue;
                };
                let sev = match r.kind {
                    RoleKind::ClusterRole => Severity::High,
                    RoleKind::Role => Severity::Medium,
                };
                cx.report_with_severity(
                    r.object,
                    FieldPath::root().key("rules").index(i).key(field).index(j),
                    sev,
                    format!(
                        "{} has `*` in {field} (verbs {})",
                        r.display(),
                        rule.verbs.join(",")
                    ),
                );
                break;
            }
        }
    }
}
