use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::{at, is_system_component, is_write, items};
use serde_json::Value as Json;
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when a ClusterRoleBinding or RoleBinding that grants `cluster-admin` (or another
    /// role listed in `privileged-roles`) is created or changed. It reads the binding from the
    /// request or response body, so the audit policy must log RBAC writes at level `Request` or
    /// `RequestResponse`.
    ///
    /// ## Why is this risky?
    /// Binding `cluster-admin` gives full control of every object in the cluster. Attackers who
    /// gain `bind` or `escalate`, or a foothold on an over-privileged controller, persist by
    /// binding themselves (or a service account they control) to it.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","stage":"ResponseComplete",
    ///  "verb":"create","user":{"username":"mallory"},
    ///  "objectRef":{"resource":"clusterrolebindings","name":"backdoor","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
    ///  "responseStatus":{"code":201},
    ///  "requestObject":{"roleRef":{"kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"mallory"}]}}
    /// ```
    ///
    /// ## Use instead
    /// Grant narrow roles; keep `cluster-admin` for break-glass identities that are bound ahead of
    /// time and reviewed, and alert on any change to them.
    ///
    /// ## Options
    /// `privileged-roles` (role names whose bindings alert).
    ///
    /// ## Known limitations
    /// At level `Metadata` the event has no body and the role cannot be known; run
    /// `stockade audit-log policy` to check that RBAC writes are logged with bodies. A `patch`
    /// is judged from the response body only.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1098.006 (Account Manipulation: Additional Container Cluster Roles)
    /// - CIS Kubernetes Benchmark 5.1.1
    pub static CLUSTER_ADMIN_BINDING_CREATED = AuditRule {
        id: "AU003",
        name: "cluster-admin-binding-created",
        severity: Severity::Critical,
        controls: &[Control::mitre("T1098.006"), Control::mitre("T1078"), Control::cis("5.1.1")],
        since: "0.1.0",
        summary: "binding to cluster-admin created or changed",
        remediation: "Verify the binding was approved; delete it otherwise, and find how its author obtained the right to bind cluster-admin.",
        options: &[
            RuleOption { name: "privileged-roles", help: "Role names whose bindings alert.", default: r#"["cluster-admin"]"# },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if !is_write(&ev.verb)
        || ev.api_group() != "rbac.authorization.k8s.io"
        || !matches!(ev.resource(), "clusterrolebindings" | "rolebindings")
        || !ev.subresource().is_empty()
        || !ev.succeeded()
        || is_system_component(ev)
    {
        return;
    }
    let Some(body) = ev.object_body() else { return };
    let Some(role) = at(&body, "roleRef.name").and_then(Json::as_str) else {
        return;
    };
    if !matches_any(&cx.options.strings("privileged-roles"), role) {
        return;
    }
    let subjects: Vec<String> = items(&body, "subjects")
        .iter()
        .map(|s| {
            let kind = s.get("kind").and_then(Json::as_str).unwrap_or("?");
            let name = s.get("name").and_then(Json::as_str).unwrap_or("?");
            match s.get("namespace").and_then(Json::as_str) {
                Some(ns) if !ns.is_empty() => format!("{kind} {ns}/{name}"),
                _ => format!("{kind} {name}"),
            }
        })
        .collect();
    let field = if ev.response_object.is_some() {
        "responseObject"
    } else {
        "requestObject"
    };
    let kind = if ev.resource() == "clusterrolebindings" {
        "ClusterRoleBinding"
    } else {
        "RoleBinding"
    };
    cx.alert(
        &format!("{field}.roleRef.name"),
        format!(
            "{kind} {} grants {role} to {}",
            ev.name(),
            if subjects.is_empty() {
                "no subjects".to_string()
            } else {
                subjects.join(", ")
            }
        ),
    );
}
