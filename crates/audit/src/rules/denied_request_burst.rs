use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::state::Denials;
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when one identity has at least `threshold` requests refused with 401
    /// (authentication failed) or 403 (forbidden) within a sliding window of `window` seconds.
    /// Failed authentications carry no user, so they are counted per source address instead.
    /// After an alert the identity is quiet for one window, so a long burst raises one alert per
    /// window rather than one per request.
    ///
    /// ## Why is this risky?
    /// Bursts of denials are what permission probing (`kubectl auth can-i --list`, tools that try
    /// every resource), token guessing and stolen credentials used outside their scope look like.
    ///
    /// ## Example
    /// Ten events like this one from the same user within a minute:
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list",
    ///  "user":{"username":"alice"},"objectRef":{"resource":"secrets","namespace":"kube-system","apiVersion":"v1"},
    ///  "responseStatus":{"code":403,"reason":"Forbidden"},"annotations":{"authorization.k8s.io/decision":"forbid"}}
    /// ```
    ///
    /// ## Use instead
    /// Nothing to fix in the cluster: find out what the identity was trying to do. Misbehaving
    /// automation with stale permissions shows up here too; fix its role, or list it in
    /// `allowed-users`.
    ///
    /// ## Options
    /// `threshold` (denials that make a burst), `window` (seconds), `allowed-users`.
    ///
    /// ## Known limitations
    /// Identities are tracked in a bounded table (least recently used dropped first); events are
    /// expected in roughly chronological order, as the API server writes them.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1110 (Brute Force), T1613 (Container and Resource Discovery)
    /// - NSA-CISA Kubernetes Hardening Guide: audit logging and threat detection
    pub static DENIED_REQUEST_BURST = AuditRule {
        id: "AU010",
        name: "denied-request-burst",
        severity: Severity::Medium,
        controls: &[Control::mitre("T1110"), Control::mitre("T1613"), Control::nsa("audit-logging")],
        since: "0.1.0",
        summary: "burst of 401/403 responses for one identity",
        remediation: "Find what the identity was attempting and whether its credentials are compromised; revoke them if the activity is not explained.",
        options: &[
            RuleOption { name: "threshold", help: "Denied requests within the window that make a burst.", default: "10" },
            RuleOption { name: "window", help: "Sliding window, in seconds.", default: "60" },
            RuleOption { name: "allowed-users", help: "Identities never reported (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    let code = ev.code();
    if code != 401 && code != 403 {
        return;
    }
    let Some(now) = cx.time else { return };
    let user = ev.user.username.as_ref();
    if !user.is_empty() && matches_any(&cx.options.strings("allowed-users"), user) {
        return;
    }
    let key = if user.is_empty() || code == 401 {
        format!(
            "unauthenticated client {}",
            ev.source_ips.first().map_or("-", |s| s.as_ref())
        )
    } else {
        user.to_string()
    };
    let threshold = usize::try_from(cx.options.u64("threshold"))
        .unwrap_or(usize::MAX)
        .max(1);
    let window = i64::try_from(cx.options.u64("window"))
        .unwrap_or(i64::MAX / 2_000_000)
        .saturating_mul(1_000_000);
    let d = cx.state.denials.entry_or(&key, Denials::default);
    while d.times.front().is_some_and(|t| *t <= now - window) {
        d.times.pop_front();
    }
    d.times.push_back(now);
    while d.times.len() > threshold {
        d.times.pop_front();
    }
    if d.times.len() >= threshold && d.alerted_at.is_none_or(|t| now - t >= window) {
        d.alerted_at = Some(now);
        let first = d.times.front().copied().unwrap_or(now);
        let message = format!(
            "{} request(s) of {key} denied within {}s (last: {code})",
            d.times.len(),
            (now - first) / 1_000_000
        );
        cx.alert("responseStatus.code", message);
    }
}
