use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::{is_delete, is_system_component};
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when objects that matter for security or forensics are deleted: Namespaces, RBAC
    /// objects (Roles, ClusterRoles and their bindings) and NetworkPolicies. A
    /// `deletecollection` (many objects at once) is high. Deletions by system components (the
    /// namespace controller emptying a terminating namespace, the garbage collector) are not
    /// reported.
    ///
    /// ## Why is this risky?
    /// Deleting a NetworkPolicy opens the network; deleting RBAC objects can break separation or
    /// hide an attacker's own bindings after use; deleting a namespace destroys workloads and
    /// the evidence in them.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"delete",
    ///  "user":{"username":"mallory"},
    ///  "objectRef":{"resource":"networkpolicies","namespace":"prod","name":"default-deny","apiGroup":"networking.k8s.io","apiVersion":"v1"},
    ///  "responseStatus":{"code":200}}
    /// ```
    ///
    /// ## Use instead
    /// Delete these objects through reviewed changes; list the deployment identities in
    /// `allowed-users`.
    ///
    /// ## Options
    /// `allowed-users` (identities expected to delete these objects), `resources` (the
    /// `group/resource` names watched; the core group is written without a group).
    ///
    /// ## Known limitations
    /// None known.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1485 (Data Destruction), T1070 (Indicator Removal), T1562.001 (Impair Defenses: Disable or Modify Tools)
    /// - NSA-CISA Kubernetes Hardening Guide: audit logging and threat detection
    pub static SENSITIVE_OBJECT_DELETED = AuditRule {
        id: "AU013",
        name: "sensitive-object-deleted",
        severity: Severity::Medium,
        controls: &[Control::mitre("T1485"), Control::mitre("T1070"), Control::mitre("T1562.001")],
        since: "0.1.0",
        summary: "namespace, RBAC object or network policy deleted",
        remediation: "Confirm the deletion was planned; restore the object from version control if not, and review the deleter's rights.",
        options: &[
            RuleOption { name: "allowed-users", help: "Identities expected to delete these objects (`*` suffix matches a prefix).", default: "[]" },
            RuleOption { name: "resources", help: "The `group/resource` names watched (core group resources without a group).", default: r#"["namespaces", "rbac.authorization.k8s.io/roles", "rbac.authorization.k8s.io/rolebindings", "rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/clusterrolebindings", "networking.k8s.io/networkpolicies"]"# },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if !is_delete(&ev.verb)
        || !ev.subresource().is_empty()
        || !ev.succeeded()
        || is_system_component(ev)
    {
        return;
    }
    let group = ev.api_group();
    let resource = ev.resource();
    let watched = cx
        .options
        .strings("resources")
        .iter()
        .any(|r| match r.rsplit_once('/') {
            Some((g, res)) => g == group && res == resource,
            None => group.is_empty() && *r == resource,
        });
    if !watched || matches_any(&cx.options.strings("allowed-users"), &ev.user.username) {
        return;
    }
    let kind = crate::analyzer::kind_of(resource).unwrap_or(resource);
    let target = match (ev.namespace(), ev.name()) {
        (ns, "") if !ns.is_empty() => format!("all {resource} in namespace {ns}"),
        ("", "") => format!("all {resource}"),
        ("", name) => format!("{kind} {name}"),
        (ns, name) => format!("{kind} {ns}/{name}"),
    };
    if ev.verb == "deletecollection" {
        cx.alert_with_severity("verb", Severity::High, format!("{target} deleted"));
    } else {
        cx.alert("verb", format!("{target} deleted"));
    }
}
