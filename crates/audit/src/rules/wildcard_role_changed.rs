use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::EventCx;
use crate::rules::helpers::{has_wildcard, is_system_component, is_write, items};
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when a Role or ClusterRole is created or changed so that one of its rules uses `*`
    /// in `verbs`, `resources` or `apiGroups`. It reads the role from the request or response
    /// body, so the audit policy must log RBAC writes at level `Request` or higher.
    ///
    /// ## Why is this risky?
    /// Wildcards grant everything that exists now and everything added later (new resources,
    /// CRDs, subresources such as `pods/exec`); a wildcard role is an administrator role in
    /// disguise, and creating one is a common persistence step.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","stage":"ResponseComplete",
    ///  "verb":"create","user":{"username":"mallory"},
    ///  "objectRef":{"resource":"clusterroles","name":"helper","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
    ///  "responseStatus":{"code":201},
    ///  "requestObject":{"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}}
    /// ```
    ///
    /// ## Use instead
    /// List the API groups, resources and verbs the subject needs.
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Roles built by aggregation (`aggregationRule`) are filled in by the controller manager,
    /// a system component, and are not reported. A `patch` is judged from the response body only.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1098.006 (Account Manipulation: Additional Container Cluster Roles)
    /// - CIS Kubernetes Benchmark 5.1.3
    pub static WILDCARD_ROLE_CHANGED = AuditRule {
        id: "AU004",
        name: "wildcard-role-changed",
        severity: Severity::High,
        controls: &[Control::mitre("T1098.006"), Control::cis("5.1.3")],
        since: "0.1.0",
        summary: "Role or ClusterRole with wildcards created or changed",
        remediation: "Replace the wildcards with the groups, resources and verbs actually needed, and check who the role is bound to.",
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if !is_write(&ev.verb)
        || ev.api_group() != "rbac.authorization.k8s.io"
        || !matches!(ev.resource(), "clusterroles" | "roles")
        || !ev.subresource().is_empty()
        || !ev.succeeded()
        || is_system_component(ev)
    {
        return;
    }
    let Some(body) = ev.object_body() else { return };
    let field = if ev.response_object.is_some() {
        "responseObject"
    } else {
        "requestObject"
    };
    for (i, rule) in items(&body, "rules").iter().enumerate() {
        let wild: Vec<&str> = ["verbs", "resources", "apiGroups"]
            .into_iter()
            .filter(|k| has_wildcard(rule, k))
            .collect();
        if let Some(first) = wild.first() {
            let kind = if ev.resource() == "clusterroles" {
                "ClusterRole"
            } else {
                "Role"
            };
            let name = if ev.namespace().is_empty() {
                ev.name().to_string()
            } else {
                format!("{}/{}", ev.namespace(), ev.name())
            };
            cx.alert(
                &format!("{field}.rules[{i}].{first}"),
                format!("{kind} {name} rule {i} uses * in {}", wild.join(", ")),
            );
            return;
        }
    }
}
