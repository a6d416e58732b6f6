use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::{at, is_core, is_system_component, is_write};
use serde_json::Value as Json;
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when a Service of type `NodePort` or `LoadBalancer` is created, or a Service is
    /// changed to one of those types. It reads the Service from the request or response body, so
    /// the audit policy must log Service writes at level `Request` or higher.
    ///
    /// ## Why is this risky?
    /// These types open a port on every node or an external load balancer: a workload becomes
    /// reachable from outside the cluster, which attackers use for backdoors and data exfiltration
    /// and which bypasses ingress controls.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
    ///  "verb":"create","user":{"username":"mallory"},
    ///  "objectRef":{"resource":"services","namespace":"dev","name":"shell","apiVersion":"v1"},
    ///  "responseStatus":{"code":201},
    ///  "requestObject":{"spec":{"type":"NodePort","ports":[{"port":22,"nodePort":30022}]}}}
    /// ```
    ///
    /// ## Use instead
    /// Expose workloads through a reviewed Ingress or Gateway; keep Services `ClusterIP`.
    ///
    /// ## Options
    /// `allowed-namespaces` (namespaces where exposed Services are expected).
    ///
    /// ## Known limitations
    /// At level `Metadata` the event has no body and the type cannot be known. A `patch` is judged
    /// from the response body only.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1133 (External Remote Services)
    /// - Kubernetes: Service types (NodePort, LoadBalancer)
    pub static EXPOSED_SERVICE_CREATED = AuditRule {
        id: "AU011",
        name: "exposed-service-created",
        severity: Severity::Medium,
        controls: &[Control::mitre("T1133")],
        since: "0.1.0",
        summary: "NodePort or LoadBalancer Service created",
        remediation: "Check that the exposure was intended and reviewed; change the Service to ClusterIP behind an Ingress otherwise.",
        options: &[
            RuleOption { name: "allowed-namespaces", help: "Namespaces where NodePort/LoadBalancer Services are expected (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if !is_write(&ev.verb) || !is_core(ev, "services") || !ev.succeeded() || is_system_component(ev)
    {
        return;
    }
    if matches_any(&cx.options.strings("allowed-namespaces"), ev.namespace()) {
        return;
    }
    let Some(body) = ev.object_body() else { return };
    let Some(ty) = at(&body, "spec.type").and_then(Json::as_str) else {
        return;
    };
    if ty != "NodePort" && ty != "LoadBalancer" {
        return;
    }
    let ports: Vec<String> = at(&body, "spec.ports")
        .and_then(Json::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let port = p.get("port").and_then(Json::as_i64).unwrap_or(0);
                    match p.get("nodePort").and_then(Json::as_i64) {
                        Some(np) => format!("{port}->{np}"),
                        None => port.to_string(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let field = if ev.response_object.is_some() {
        "responseObject"
    } else {
        "requestObject"
    };
    cx.alert(
        &format!("{field}.spec.type"),
        format!(
            "{ty} service {}/{} {} (ports {})",
            ev.namespace(),
            ev.name(),
            if ev.verb == "create" {
                "created"
            } else {
                "changed"
            },
            if ports.is_empty() {
                "-".to_string()
            } else {
                ports.join(", ")
            }
        ),
    );
}
