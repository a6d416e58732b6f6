use crate::declare_audit_rule;
use crate::policy::{Policy, Request};
use crate::rule::{PolicyCx, Source};
use stockade_model::{Control, FieldPath, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Checks that an audit Policy records failed authentications (401). kube-apiserver writes
    /// one event for them, at stage `ResponseStarted`, and matches the policy with an empty user
    /// and no groups; the rule probes resource and non-resource requests that way and reports
    /// when the event would be dropped — level `None`, or `ResponseStarted` in the policy's or
    /// the matching rule's `omitStages`.
    ///
    /// ## Why is this risky?
    /// Failed logins are the trace of token guessing and of stolen, expired or revoked
    /// credentials being tried; without them `denied-request-burst` cannot see 401 bursts.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// omitStages: ["RequestReceived", "ResponseStarted"]
    /// rules:
    /// - level: Metadata
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// omitStages: ["RequestReceived"]
    /// rules:
    /// - level: Metadata
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Long-running requests (watch, exec) also write a `ResponseStarted` event; keeping the
    /// stage costs one extra event for each of them.
    ///
    /// ## References
    /// - Kubernetes: Auditing (audit stages)
    /// - MITRE ATT&CK for Containers T1110 (Brute Force)
    pub static AUDIT_POLICY_MISSES_AUTH_FAILURES = AuditRule {
        id: "AU105",
        name: "audit-policy-misses-auth-failures",
        severity: Severity::Medium,
        controls: &[Control::cis("3.2.2"), Control::nsa("audit-logging"), Control::mitre("T1110")],
        since: "0.1.0",
        summary: "audit policy drops failed authentications",
        remediation: "Keep stage ResponseStarted (do not list it in omitStages) and make sure requests without a user are logged at Metadata.",
        source: Source::AuditPolicy,
        policy_check: check,
    };
}

fn check(cx: &mut PolicyCx<'_>) {
    let probes = [
        (
            "list pods",
            Request {
                verb: "list",
                resource: Some(("", "pods", "", "default", "")),
                ..Request::default()
            },
        ),
        (
            "get secrets",
            Request {
                verb: "get",
                resource: Some(("", "secrets", "", "kube-system", "")),
                ..Request::default()
            },
        ),
        (
            "list namespaces",
            Request {
                verb: "list",
                resource: Some(("", "namespaces", "", "", "")),
                ..Request::default()
            },
        ),
        (
            "get /api",
            Request {
                verb: "get",
                path: "/api",
                ..Request::default()
            },
        ),
    ];
    let mut missed: Vec<(FieldPath, Vec<&str>, String)> = Vec::new();
    for (desc, req) in &probes {
        let d = cx.policy.decide(req);
        if d.logs_stage("ResponseStarted") {
            continue;
        }
        let (path, why) = match d.rule {
            Some(i) if d.level == crate::policy::Level::None => (
                Policy::rule_path(i).key("level"),
                format!("rule {i} sets level None"),
            ),
            Some(i)
                if cx
                    .policy
                    .rules
                    .get(i)
                    .is_some_and(|r| r.omit_stages.iter().any(|s| s == "ResponseStarted")) =>
            {
                (
                    Policy::rule_path(i).key("omitStages"),
                    format!("rule {i} omits stage ResponseStarted"),
                )
            }
            None if d.level == crate::policy::Level::None
                && !cx.policy.omit_stages.iter().any(|s| s == "ResponseStarted") =>
            {
                (
                    FieldPath::root().key("rules"),
                    "no rule matches them".to_string(),
                )
            }
            _ => (
                FieldPath::root().key("omitStages"),
                "the policy omits stage ResponseStarted, the only stage written for them"
                    .to_string(),
            ),
        };
        match missed.iter_mut().find(|(p, _, _)| *p == path) {
            Some((_, v, _)) => v.push(desc),
            None => missed.push((path, vec![desc], why)),
        }
    }
    for (path, descs, why) in missed {
        cx.report(
            path,
            format!(
                "failed authentications are not logged ({}): {why}",
                descs.join(", ")
            ),
        );
    }
}
