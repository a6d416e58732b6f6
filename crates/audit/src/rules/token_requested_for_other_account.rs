use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::{is_system_component, service_account};
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when a token is requested for a ServiceAccount (`serviceaccounts/token`, the
    /// TokenRequest API behind `kubectl create token`) by anyone other than that ServiceAccount
    /// itself or a system component (kubelets request tokens for their pods).
    ///
    /// ## Why is this risky?
    /// A token for another service account is that account's identity: whoever can mint one
    /// acts with its permissions, often far more than their own. It is a quiet way to escalate
    /// and to get credentials that outlive the attacker's own access.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create",
    ///  "user":{"username":"alice"},
    ///  "objectRef":{"resource":"serviceaccounts","namespace":"kube-system","name":"replicaset-controller","subresource":"token","apiVersion":"v1"},
    ///  "responseStatus":{"code":201},"annotations":{"authorization.k8s.io/decision":"allow"}}
    /// ```
    ///
    /// ## Use instead
    /// Let workloads get their own tokens through projected volumes; do not grant
    /// `create serviceaccounts/token` to people. List token brokers in `allowed-users`.
    ///
    /// ## Options
    /// `allowed-users` (identities expected to request tokens for others).
    ///
    /// ## Known limitations
    /// None known.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1528 (Steal Application Access Token)
    /// - CIS Kubernetes Benchmark 5.1.13
    pub static TOKEN_REQUESTED_FOR_OTHER_ACCOUNT = AuditRule {
        id: "AU007",
        name: "token-requested-for-other-account",
        severity: Severity::High,
        controls: &[Control::mitre("T1528"), Control::cis("5.1.13")],
        since: "0.1.0",
        summary: "ServiceAccount token requested by another identity",
        remediation: "Find why the requester needed the account's token; revoke its `create serviceaccounts/token` right and, if unexpected, delete and recreate the service account to invalidate its tokens.",
        options: &[
            RuleOption { name: "allowed-users", help: "Identities expected to request tokens for other service accounts (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if ev.verb != "create"
        || ev.resource() != "serviceaccounts"
        || ev.subresource() != "token"
        || !ev.api_group().is_empty()
        || !ev.succeeded()
        || is_system_component(ev)
    {
        return;
    }
    let user = ev.user.username.as_ref();
    if service_account(user) == Some((ev.namespace(), ev.name())) {
        return;
    }
    if matches_any(&cx.options.strings("allowed-users"), user) {
        return;
    }
    cx.alert(
        "objectRef.name",
        format!(
            "token issued for service account {}/{} to another identity",
            ev.namespace(),
            ev.name()
        ),
    );
}
