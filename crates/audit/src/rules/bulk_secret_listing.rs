use crate::declare_audit_rule;
use crate::event::{Event, display_user};
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::{is_core, is_system_component};
use crate::state::Listings;
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts on bulk Secret harvesting: a `list` or `watch` of Secrets across all namespaces,
    /// or one identity listing Secrets in more than `namespaces` namespaces within `window`
    /// seconds. Applies to every identity that is not a system component, service accounts
    /// included.
    ///
    /// ## Why is this risky?
    /// Dumping every secret is the quickest way from one stolen credential to all of them;
    /// tools that do it (and attackers walking namespaces one by one) leave this pattern.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list",
    ///  "user":{"username":"system:serviceaccount:dev:builder"},"requestURI":"/api/v1/secrets",
    ///  "objectRef":{"resource":"secrets","apiVersion":"v1"},
    ///  "responseStatus":{"code":200},"annotations":{"authorization.k8s.io/decision":"allow"}}
    /// ```
    ///
    /// ## Use instead
    /// Grant secret access per namespace, to named secrets (`resourceNames`) where possible;
    /// list controllers that must watch all secrets in `allowed-users`.
    ///
    /// ## Options
    /// `namespaces` (distinct namespaces that make a sweep), `window` (seconds),
    /// `allowed-users`.
    ///
    /// ## Known limitations
    /// Identities are tracked in a bounded table (least recently used dropped first); a very
    /// slow sweep over more than `window` seconds is not seen.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1552.007 (Unsecured Credentials: Container API), T1613 (Container and Resource Discovery)
    /// - CIS Kubernetes Benchmark 5.1.2
    pub static BULK_SECRET_LISTING = AuditRule {
        id: "AU006",
        name: "bulk-secret-listing",
        severity: Severity::High,
        controls: &[Control::mitre("T1552.007"), Control::mitre("T1613"), Control::cis("5.1.2")],
        since: "0.1.0",
        summary: "Secrets listed across all or many namespaces",
        remediation: "Find why the identity needed every secret; rotate exposed credentials and scope its access to the namespaces it serves.",
        options: &[
            RuleOption { name: "namespaces", help: "Listing secrets in more than this many namespaces within the window alerts.", default: "5" },
            RuleOption { name: "window", help: "Sliding window, in seconds.", default: "300" },
            RuleOption { name: "allowed-users", help: "Identities expected to list secrets everywhere (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if !matches!(ev.verb.as_ref(), "list" | "watch")
        || !is_core(ev, "secrets")
        || !ev.authorized()
        || is_system_component(ev)
        || matches_any(&cx.options.strings("allowed-users"), &ev.user.username)
    {
        return;
    }
    let ns = ev.namespace();
    if ns.is_empty() {
        cx.alert(
            "objectRef.namespace",
            format!(
                "secrets of all namespaces {}",
                if ev.verb == "watch" {
                    "watched"
                } else {
                    "listed"
                }
            ),
        );
        return;
    }
    let Some(now) = cx.time else { return };
    let window = i64::try_from(cx.options.u64("window"))
        .unwrap_or(i64::MAX / 2_000_000)
        .saturating_mul(1_000_000);
    let limit = usize::try_from(cx.options.u64("namespaces"))
        .unwrap_or(usize::MAX)
        .max(1);
    let user = display_user(&ev.user.username).to_string();
    let l = cx.state.listings.entry_or(&user, Listings::default);
    while l
        .namespaces
        .front()
        .is_some_and(|(_, t)| *t <= now - window)
    {
        l.namespaces.pop_front();
    }
    if let Some(i) = l.namespaces.iter().position(|(n, _)| n == ns) {
        l.namespaces.remove(i);
    }
    l.namespaces.push_back((ns.to_string(), now));
    // Keep one more than the limit: enough to know it was exceeded, bounded per user.
    while l.namespaces.len() > limit + 1 {
        l.namespaces.pop_front();
    }
    let recently_alerted = l.alerted_at.is_some_and(|t| now - t < window);
    if l.namespaces.len() > limit && !recently_alerted {
        l.alerted_at = Some(now);
        let names: Vec<&str> = l.namespaces.iter().map(|(n, _)| n.as_str()).collect();
        let message = format!(
            "secrets listed in {} namespaces within {}s ({})",
            names.len(),
            window / 1_000_000,
            names.join(", ")
        );
        cx.alert("objectRef.namespace", message);
    }
}
