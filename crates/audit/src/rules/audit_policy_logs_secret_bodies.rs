use crate::declare_audit_rule;
use crate::policy::{Level, Policy};
use crate::rule::{PolicyCx, Source};
use crate::rules::policy_probe::{could_match, matches_all};
use stockade_model::{Control, Severity};

/// Resources whose bodies hold credentials, and the lowest level that logs them: a Secret's or
/// ConfigMap's values and a TokenReview's token are in the request body (`Request`); an issued
/// ServiceAccount token is only in the response (`RequestResponse`: at `Request` the log holds
/// the TokenRequest's spec, not the token).
const SENSITIVE: &[(&str, &str, &str, &str, Level)] = &[
    ("", "secrets", "", "Secrets", Level::Request),
    ("", "configmaps", "", "ConfigMaps", Level::Request),
    (
        "authentication.k8s.io",
        "tokenreviews",
        "",
        "TokenReviews",
        Level::Request,
    ),
    (
        "",
        "serviceaccounts",
        "token",
        "ServiceAccount tokens",
        Level::RequestResponse,
    ),
];

declare_audit_rule! {
    /// ## What it does
    /// Checks an audit Policy for rules that log Secrets, ConfigMaps or TokenReviews at level
    /// `Request` or `RequestResponse`, or ServiceAccount token requests at `RequestResponse` —
    /// including catch-all rules and rules that select a whole API group — unless an earlier
    /// rule already decides every such request. A token request at `Request` is not reported:
    /// its request body is a TokenRequest spec (audiences, expiry); the token is in the
    /// response.
    ///
    /// ## Why is this risky?
    /// At those levels the API server copies request and response bodies into the audit log:
    /// secret values, bearer tokens under review, freshly issued service-account tokens. The
    /// audit log then becomes a credential store, usually shipped to systems with far wider
    /// access than the cluster's secrets.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    /// - level: RequestResponse
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    /// - level: Metadata
    ///   resources:
    ///   - group: ""
    ///     resources: ["secrets", "configmaps", "serviceaccounts/token"]
    ///   - group: authentication.k8s.io
    ///     resources: ["tokenreviews"]
    /// - level: RequestResponse
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// A rule limited to some users or verbs is reported when it could log bodies for them.
    ///
    /// ## References
    /// - Kubernetes: Auditing (audit policy)
    /// - CIS Kubernetes Benchmark 3.2.2
    pub static AUDIT_POLICY_LOGS_SECRET_BODIES = AuditRule {
        id: "AU101",
        name: "audit-policy-logs-secret-bodies",
        severity: Severity::High,
        controls: &[Control::cis("3.2.2"), Control::nsa("audit-logging"), Control::mitre("T1552")],
        since: "0.1.0",
        summary: "audit policy copies secret values or tokens into the log",
        remediation: "Add a rule logging Secrets, ConfigMaps, TokenReviews and serviceaccounts/token at Metadata before any rule with level Request or RequestResponse.",
        source: Source::AuditPolicy,
        policy_check: check,
    };
}

fn check(cx: &mut PolicyCx<'_>) {
    let rules = cx.policy.rules.clone();
    for (i, r) in rules.iter().enumerate() {
        if r.level < Level::Request {
            continue;
        }
        let mut exposed = Vec::new();
        for (group, resource, sub, label, lowest) in SENSITIVE {
            if r.level < *lowest {
                continue;
            }
            let shadowed = rules
                .get(..i)
                .unwrap_or(&[])
                .iter()
                .any(|e| matches_all(e, group, resource, sub));
            if !shadowed && could_match(r, group, resource, sub) {
                exposed.push(*label);
            }
        }
        if !exposed.is_empty() {
            cx.report(
                Policy::rule_path(i).key("level"),
                format!(
                    "rule {i} logs {} at level {}: their values are copied into the audit log",
                    exposed.join(", "),
                    r.level.as_str()
                ),
            );
        }
    }
}
