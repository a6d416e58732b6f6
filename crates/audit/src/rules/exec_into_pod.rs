use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::is_system_component;
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when someone is allowed to open a shell or a connection into a running pod:
    /// `pods/exec`, `pods/attach`, `pods/portforward`, or adding an ephemeral debug container
    /// (`pods/ephemeralcontainers`, what `kubectl debug` does). The alert is higher in sensitive
    /// namespaces (`kube-system` by default).
    ///
    /// ## Why is this risky?
    /// Exec runs arbitrary commands with the container's identity, mounted secrets and network
    /// position; attackers use it to move laterally and to read service-account tokens. In
    /// `kube-system` the containers hold control-plane credentials. In production, interactive
    /// access should be rare and explainable.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create",
    ///  "requestURI":"/api/v1/namespaces/kube-system/pods/etcd-0/exec?command=sh",
    ///  "user":{"username":"alice"},"sourceIPs":["203.0.113.9"],
    ///  "objectRef":{"resource":"pods","namespace":"kube-system","name":"etcd-0","subresource":"exec"},
    ///  "responseStatus":{"code":101},"annotations":{"authorization.k8s.io/decision":"allow"}}
    /// ```
    ///
    /// ## Use instead
    /// Debug through logs, metrics and read-only views; when a shell is unavoidable, grant
    /// `pods/exec` just in time to named operators and list them in `allowed-users`.
    ///
    /// ## Options
    /// `sensitive-namespaces` (namespaces where the alert is high), `allowed-users` (identities
    /// expected to exec, e.g. a break-glass group's members).
    ///
    /// ## Known limitations
    /// The event says a session was opened, not what was typed in it. Requests denied by RBAC are
    /// left to `denied-request-burst`.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1609 (Container Administration Command)
    /// - Kubernetes: Auditing
    pub static EXEC_INTO_POD = AuditRule {
        id: "AU001",
        name: "exec-into-pod",
        severity: Severity::Medium,
        controls: &[Control::mitre("T1609"), Control::nsa("audit-logging")],
        since: "0.1.0",
        summary: "exec, attach, port-forward or debug container into a pod",
        remediation: "Confirm who opened the session and why; revoke `pods/exec`/`pods/attach`/`pods/portforward` from identities that do not need them.",
        options: &[
            RuleOption { name: "sensitive-namespaces", help: "Namespaces where the alert is high severity.", default: r#"["kube-system"]"# },
            RuleOption { name: "allowed-users", help: "Users expected to exec into pods (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    let what = match ev.subresource() {
        "exec" => "exec into pod",
        "attach" => "attach to pod",
        "portforward" => "port-forward to pod",
        "ephemeralcontainers" if matches!(ev.verb.as_ref(), "update" | "patch") => {
            "ephemeral debug container added to pod"
        }
        _ => return,
    };
    if ev.resource() != "pods" || !ev.api_group().is_empty() || !ev.authorized() {
        return;
    }
    if is_system_component(ev)
        || matches_any(&cx.options.strings("allowed-users"), &ev.user.username)
    {
        return;
    }
    let ns = ev.namespace();
    let message = format!("{what} {ns}/{}", ev.name());
    if matches_any(&cx.options.strings("sensitive-namespaces"), ns) {
        cx.alert_with_severity(
            "objectRef.subresource",
            Severity::High,
            format!("{message} (sensitive namespace)"),
        );
    } else {
        cx.alert("objectRef.subresource", message);
    }
}
