use crate::declare_audit_rule;
use crate::event::{Event, path_of};
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::is_system_component;
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when a request through the `nodes/proxy` subresource is allowed: the API server
    /// forwards it to the node's kubelet API.
    ///
    /// ## Why is this risky?
    /// The kubelet API runs commands in any container on the node (`/exec`, `/run`), reads logs
    /// and lists pods, and these actions are audited only as a proxy request, not as pod exec.
    /// `nodes/proxy` is therefore a way to exec into pods while bypassing `pods/exec` RBAC and
    /// its audit trail.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create",
    ///  "requestURI":"/api/v1/nodes/node-1/proxy/run/kube-system/etcd-0/etcd?cmd=id",
    ///  "user":{"username":"alice"},
    ///  "objectRef":{"resource":"nodes","name":"node-1","subresource":"proxy","apiVersion":"v1"},
    ///  "responseStatus":{"code":200},"annotations":{"authorization.k8s.io/decision":"allow"}}
    /// ```
    ///
    /// ## Use instead
    /// Grant `nodes/proxy` to nobody but monitoring that truly needs it (prefer `nodes/metrics`
    /// and `nodes/stats`), and list those identities in `allowed-users`.
    ///
    /// ## Options
    /// `allowed-users` (identities expected to use the node proxy).
    ///
    /// ## Known limitations
    /// The kubelet path is in the request URI; the rule shows it but does not judge it.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1609 (Container Administration Command)
    /// - CIS Kubernetes Benchmark 5.1.10
    pub static NODE_PROXY_REQUEST = AuditRule {
        id: "AU014",
        name: "node-proxy-request",
        severity: Severity::High,
        controls: &[Control::mitre("T1609"), Control::cis("5.1.10")],
        since: "0.1.0",
        summary: "kubelet API reached through the nodes/proxy subresource",
        remediation: "Find what the request did on the kubelet (see the request URI); remove `nodes/proxy` from identities that do not need it.",
        options: &[
            RuleOption { name: "allowed-users", help: "Identities expected to use nodes/proxy (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if ev.resource() != "nodes"
        || ev.subresource() != "proxy"
        || !ev.api_group().is_empty()
        || !ev.authorized()
        || is_system_component(ev)
        || matches_any(&cx.options.strings("allowed-users"), &ev.user.username)
    {
        return;
    }
    let path = path_of(&ev.request_uri);
    let kubelet_path = path
        .split_once("/proxy")
        .map(|(_, rest)| if rest.is_empty() { "/" } else { rest })
        .unwrap_or(path);
    cx.alert(
        "objectRef.subresource",
        format!(
            "kubelet API of node {} reached via nodes/proxy (path {kubelet_path})",
            ev.name()
        ),
    );
}
