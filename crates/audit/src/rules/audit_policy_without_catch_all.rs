use crate::declare_audit_rule;
use crate::policy::{Level, Policy};
use crate::rule::{PolicyCx, Source};
use stockade_model::{Control, FieldPath, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Checks that an audit Policy ends with a catch-all rule — one with no `users`,
    /// `userGroups`, `verbs`, `resources`, `namespaces` or `nonResourceURLs` — at a level other
    /// than `None`.
    ///
    /// ## Why is this risky?
    /// Requests that no rule matches are not logged. Without a catch-all, every resource the
    /// policy's author did not think of — new APIs, CRDs, subresources — is invisible, which is
    /// exactly where an attacker's activity tends to be.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    /// - level: RequestResponse
    ///   resources:
    ///   - group: rbac.authorization.k8s.io
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    /// - level: RequestResponse
    ///   resources:
    ///   - group: rbac.authorization.k8s.io
    /// - level: Metadata
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// A policy that covers everything with several specific rules and no catch-all is still
    /// reported.
    ///
    /// ## References
    /// - Kubernetes: Auditing (audit policy)
    /// - CIS Kubernetes Benchmark 3.2.1
    pub static AUDIT_POLICY_WITHOUT_CATCH_ALL = AuditRule {
        id: "AU106",
        name: "audit-policy-without-catch-all",
        severity: Severity::Medium,
        controls: &[Control::cis("3.2.1"), Control::nsa("audit-logging"), Control::mitre("T1562.001")],
        since: "0.1.0",
        summary: "audit policy has no catch-all rule, so unmatched requests are not logged",
        remediation: "End the policy with `- level: Metadata` (no selectors).",
        source: Source::AuditPolicy,
        policy_check: check,
    };
}

fn check(cx: &mut PolicyCx<'_>) {
    let catch_all = cx.policy.rules.iter().find(|r| r.is_catch_all());
    match catch_all {
        Some(r) if r.level == Level::None => {
            let i = r.index;
            cx.report(
                Policy::rule_path(i).key("level"),
                format!("the catch-all rule {i} has level None: requests no earlier rule matches are not logged"),
            );
        }
        Some(_) => {}
        None => cx.report(
            FieldPath::root().key("rules"),
            "no catch-all rule: requests no rule matches are not logged (end the policy with `- level: Metadata`)",
        ),
    }
}
