use crate::declare_audit_rule;
use crate::event::{Event, display_user};
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::is_system_component;
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when a request impersonates another user (`Impersonate-User`/`-Group` headers,
    /// `kubectl --as`): the event carries `impersonatedUser`. It is high when the impersonated
    /// identity is a system identity or in group `system:masters`. A request refused because
    /// the caller may not impersonate is reported too, as an attempt.
    ///
    /// ## Why is this risky?
    /// Impersonation acts with someone else's permissions and makes the audit trail name them;
    /// the `impersonate` verb is effectively every permission of every identity it covers.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list",
    ///  "user":{"username":"alice"},"impersonatedUser":{"username":"bob","groups":["system:masters"]},
    ///  "objectRef":{"resource":"secrets","namespace":"prod","apiVersion":"v1"},
    ///  "responseStatus":{"code":200}}
    /// ```
    ///
    /// ## Use instead
    /// Give people their own, narrow permissions; keep `impersonate` for a few audited tools and
    /// list them in `allowed-users`.
    ///
    /// ## Options
    /// `allowed-users` (identities expected to impersonate).
    ///
    /// ## Known limitations
    /// A refused attempt is recognised from the API server's `cannot impersonate` message.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1078 (Valid Accounts)
    /// - CIS Kubernetes Benchmark 5.1.8
    pub static IMPERSONATION_USED = AuditRule {
        id: "AU008",
        name: "impersonation-used",
        severity: Severity::Medium,
        controls: &[Control::mitre("T1078"), Control::cis("5.1.8")],
        since: "0.1.0",
        summary: "request made while impersonating another identity",
        remediation: "Confirm the impersonation was expected; remove the `impersonate` verb from identities that do not need it.",
        options: &[
            RuleOption { name: "allowed-users", help: "Identities expected to impersonate (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if is_system_component(ev)
        || matches_any(&cx.options.strings("allowed-users"), &ev.user.username)
    {
        return;
    }
    if let Some(imp) = &ev.impersonated_user {
        let powerful =
            imp.username.starts_with("system:") || imp.groups.iter().any(|g| g == "system:masters");
        let target = display_user(&imp.username);
        let groups: Vec<&str> = imp
            .groups
            .iter()
            .map(|g| g.as_ref())
            .filter(|g| *g != "system:authenticated")
            .collect();
        let as_groups = if groups.is_empty() {
            String::new()
        } else {
            format!(" (groups {})", groups.join(", "))
        };
        let message = format!("impersonated {target}{as_groups}");
        if powerful {
            cx.alert_with_severity("impersonatedUser.username", Severity::High, message);
        } else {
            cx.alert("impersonatedUser.username", message);
        }
        return;
    }
    let denied_impersonation = ev.code() == 403
        && ev
            .response_status
            .as_ref()
            .is_some_and(|s| s.message.contains("cannot impersonate"));
    if denied_impersonation {
        cx.alert("responseStatus.message", "impersonation attempt refused");
    }
}
