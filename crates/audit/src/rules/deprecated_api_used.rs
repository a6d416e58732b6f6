use crate::declare_audit_rule;
use crate::event::{Event, display_user};
use crate::rule::{EventCx, matches_any};
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Reports who still calls deprecated APIs: kube-apiserver marks such requests with the
    /// `k8s.io/deprecated: "true"` audit annotation (and `k8s.io/removed-release` when the
    /// removal release is known). One alert per identity, API (group, version, resource) and
    /// user agent per run, with the source addresses of the first call, so the report is a
    /// to-do list of callers rather than a flood.
    ///
    /// ## Why is this risky?
    /// Clients of a deprecated API break when the API is removed in an upgrade; finding them in
    /// the audit log, by identity and user agent, is the reliable way to fix them before the
    /// upgrade rather than during it.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list",
    ///  "user":{"username":"system:serviceaccount:monitoring:exporter"},"userAgent":"exporter/1.2",
    ///  "objectRef":{"resource":"endpoints","namespace":"default","apiVersion":"v1"},
    ///  "responseStatus":{"code":200},"annotations":{"k8s.io/deprecated":"true"}}
    /// ```
    ///
    /// ## Use instead
    /// Move the client to the replacement API (the API server's warning names it, e.g.
    /// `discovery.k8s.io/v1 EndpointSlice` for `v1 Endpoints`).
    ///
    /// ## Options
    /// `ignore-users` (identities not reported).
    ///
    /// ## Known limitations
    /// Identity/API pairs already reported are kept in a bounded table; past its cap a pair may
    /// be reported again.
    ///
    /// ## References
    /// - Kubernetes: Deprecated API Migration Guide
    /// - NSA-CISA Kubernetes Hardening Guide: upgrading and application security practices
    pub static DEPRECATED_API_USED = AuditRule {
        id: "AU017",
        name: "deprecated-api-used",
        severity: Severity::Low,
        controls: &[Control::nsa("upgrades")],
        since: "0.1.0",
        summary: "client calls a deprecated API version",
        remediation: "Update the client (see its user agent) to the replacement API before upgrading the cluster.",
        options: &[
            RuleOption { name: "ignore-users", help: "Identities not reported (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if ev.annotations.get("k8s.io/deprecated") != Some("true") {
        return;
    }
    if matches_any(&cx.options.strings("ignore-users"), &ev.user.username) {
        return;
    }
    let Some(o) = &ev.object_ref else { return };
    let api = if o.api_group.is_empty() {
        format!("{} {}", o.api_version, o.resource)
    } else {
        format!("{}/{} {}", o.api_group, o.api_version, o.resource)
    };
    let user = display_user(&ev.user.username).to_string();
    let agent = if ev.user_agent.is_empty() {
        "-".to_string()
    } else {
        ev.user_agent.to_string()
    };
    let key = (user, api, agent);
    if cx.state.deprecated.get_mut(&key).is_some() {
        return;
    }
    cx.state.deprecated.entry_or(&key, || ());
    let (user, api, agent) = key;
    let removed = ev
        .annotations
        .get("k8s.io/removed-release")
        .map(|r| format!(", removed in {r}"))
        .unwrap_or_default();
    cx.alert(
        r#"annotations["k8s.io/deprecated"]"#,
        format!("{user} calls deprecated API {api}{removed} (client {agent})"),
    );
}
