use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::is_system_component;
use crate::state::{Seen, remember};
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Learns, per user, the source addresses and client programs (the user agent's product,
    /// `kubectl`, `helm`, `python-requests`, …) it has seen, and alerts when a known user shows
    /// up from a new address or with a new client. A user's first request only teaches; with
    /// `audit-log analyze --state-file` what was learned is kept between runs, so the first run
    /// over a quiet period builds the baseline.
    ///
    /// ## Why is this risky?
    /// Stolen credentials are used from the attacker's machine and tools: a human account that
    /// always came from the VPN with `kubectl` and suddenly calls from a new address with
    /// `curl` or a Python client is the signal.
    ///
    /// ## Example
    /// Alice always connects from 10.0.0.5 with kubectl; then:
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list",
    ///  "user":{"username":"alice"},"sourceIPs":["203.0.113.50"],"userAgent":"python-requests/2.32",
    ///  "objectRef":{"resource":"secrets","namespace":"prod","apiVersion":"v1"},"responseStatus":{"code":200}}
    /// ```
    ///
    /// ## Use instead
    /// Nothing to fix: confirm the new source with the user; restrict API server access to known
    /// networks where you can.
    ///
    /// ## Options
    /// `track-addresses`, `track-user-agents` (what to learn), `include-service-accounts`
    /// (service accounts move with their pods, so they are skipped by default), `ignore-users`.
    ///
    /// ## Known limitations
    /// Users are tracked in a bounded table (least recently used forgotten first), up to 64
    /// addresses and 32 clients each. Behind a proxy that does not forward `X-Forwarded-For`
    /// every request shows the proxy's address.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1078 (Valid Accounts)
    /// - NSA-CISA Kubernetes Hardening Guide: audit logging and threat detection (anomaly detection)
    pub static NEW_SOURCE_FOR_USER = AuditRule {
        id: "AU016",
        name: "new-source-for-user",
        severity: Severity::Low,
        controls: &[Control::mitre("T1078"), Control::nsa("audit-logging")],
        since: "0.1.0",
        summary: "user seen from a new source address or client for the first time",
        remediation: "Confirm with the user that the new address or client is theirs; if not, revoke their credentials.",
        options: &[
            RuleOption { name: "track-addresses", help: "Alert on a new source address.", default: "true" },
            RuleOption { name: "track-user-agents", help: "Alert on a new client program (user agent product).", default: "true" },
            RuleOption { name: "include-service-accounts", help: "Also track service accounts.", default: "false" },
            RuleOption { name: "ignore-users", help: "Users not tracked (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

/// The product of a user agent: `kubectl/v1.36.0 (linux/amd64) kubernetes/abc` → `kubectl`.
pub fn product(agent: &str) -> &str {
    let first = agent.split([' ', '/']).next().unwrap_or(agent);
    if first.is_empty() { "-" } else { first }
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    let user = ev.user.username.as_ref();
    if user.is_empty() || user == "system:anonymous" || is_system_component(ev) || ev.code() == 401
    {
        return;
    }
    if user.starts_with("system:serviceaccount:") && !cx.options.bool("include-service-accounts") {
        return;
    }
    if matches_any(&cx.options.strings("ignore-users"), user) {
        return;
    }
    let track_ips = cx.options.bool("track-addresses");
    let track_agents = cx.options.bool("track-user-agents");
    let limits = cx.state.limits;
    let key = user.to_string();
    let known = cx.state.seen.get_mut(&key).is_some();
    let seen = cx.state.seen.entry_or(&key, Seen::default);
    let mut news = Vec::new();
    if track_ips && let Some(ip) = ev.source_ips.first() {
        let was_empty = seen.ips.is_empty();
        if remember(&mut seen.ips, ip, limits.ips_per_user) && !was_empty {
            news.push(("sourceIPs[0]", format!("new source address {ip}")));
        }
    }
    if track_agents {
        let p = product(&ev.user_agent);
        let was_empty = seen.agents.is_empty();
        if remember(&mut seen.agents, p, limits.agents_per_user) && !was_empty {
            news.push(("userAgent", format!("new client {p}")));
        }
    }
    if !known {
        return;
    }
    if let Some((path, _)) = news.first() {
        let what: Vec<&str> = news.iter().map(|(_, m)| m.as_str()).collect();
        let message = format!("{user}: {}", what.join(", "));
        cx.alert(path, message);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn products() {
        assert_eq!(
            super::product("kubectl/v1.36.0 (linux/amd64) kubernetes/abc"),
            "kubectl"
        );
        assert_eq!(super::product("curl/8.1"), "curl");
        assert_eq!(super::product(""), "-");
    }
}
