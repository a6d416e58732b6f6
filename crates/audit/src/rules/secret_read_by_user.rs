use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::{is_core, is_system_component, service_account};
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when a Secret is read — `get`, `list` or `watch` allowed by authorization — by an
    /// identity that is not a Kubernetes system component. Service accounts are left out unless
    /// `include-service-accounts` is on (operators and controllers read secrets all day).
    ///
    /// ## Why is this risky?
    /// Secrets hold credentials: service-account tokens, registry passwords, TLS keys, database
    /// passwords. People rarely need to read them directly; a person reading secrets is either
    /// break-glass work or credential theft.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"get",
    ///  "user":{"username":"alice"},"sourceIPs":["198.51.100.4"],
    ///  "objectRef":{"resource":"secrets","namespace":"prod","name":"db-password","apiVersion":"v1"},
    ///  "responseStatus":{"code":200},"annotations":{"authorization.k8s.io/decision":"allow"}}
    /// ```
    ///
    /// ## Use instead
    /// Give people no `get/list/watch` on secrets; deliver credentials to workloads through
    /// mounts or an external secret store, and list automation in `allowed-users`.
    ///
    /// ## Options
    /// `allowed-users` (identities expected to read secrets), `include-service-accounts`
    /// (also alert on service accounts outside `kube-system`).
    ///
    /// ## Known limitations
    /// The event does not say whether the response carried secret values (a `list` with
    /// `PartialObjectMetadata` does not); every allowed read is treated as one.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1552.007 (Unsecured Credentials: Container API)
    /// - CIS Kubernetes Benchmark 5.1.2
    pub static SECRET_READ_BY_USER = AuditRule {
        id: "AU005",
        name: "secret-read-by-user",
        severity: Severity::Medium,
        controls: &[Control::mitre("T1552.007"), Control::cis("5.1.2")],
        since: "0.1.0",
        summary: "Secret read by an identity that is not a system component",
        remediation: "Confirm the read was expected; rotate the secret if not, and remove the reader's access to secrets.",
        options: &[
            RuleOption { name: "allowed-users", help: "Identities expected to read secrets (`*` suffix matches a prefix).", default: "[]" },
            RuleOption { name: "include-service-accounts", help: "Also alert when service accounts outside kube-system read secrets.", default: "false" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if !matches!(ev.verb.as_ref(), "get" | "list" | "watch")
        || !is_core(ev, "secrets")
        || !ev.authorized()
        || is_system_component(ev)
    {
        return;
    }
    let user = ev.user.username.as_ref();
    if service_account(user).is_some() && !cx.options.bool("include-service-accounts") {
        return;
    }
    if matches_any(&cx.options.strings("allowed-users"), user) {
        return;
    }
    let what = match (ev.verb.as_ref(), ev.namespace(), ev.name()) {
        (_, ns, name) if !name.is_empty() => format!("secret {ns}/{name} read"),
        (verb, "", _) => format!("secrets of all namespaces {}", past(verb)),
        (verb, ns, _) => format!("secrets of namespace {ns} {}", past(verb)),
    };
    cx.alert("objectRef.resource", what);
}

fn past(verb: &str) -> &'static str {
    if verb == "watch" { "watched" } else { "listed" }
}
