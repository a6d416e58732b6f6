use crate::declare_audit_rule;
use crate::rule::{PolicyCx, Source};
use crate::rules::policy_probe::report_unlogged;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Checks that an audit Policy logs reads of Secrets and ConfigMaps (`get`, `list`, `watch`)
    /// and TokenReviews (`create`) by an ordinary user — at `Metadata`, which records who read
    /// what without the values.
    ///
    /// ## Why is this risky?
    /// Credential theft through the API is a secret read; without these events there is no trace
    /// of who read which secret, and detections such as `secret-read-by-user` and
    /// `bulk-secret-listing` see nothing.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    /// - level: None
    ///   resources:
    ///   - group: ""
    ///     resources: ["secrets", "configmaps"]
    /// - level: Metadata
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
    ///     resources: ["secrets", "configmaps"]
    ///   - group: authentication.k8s.io
    ///     resources: ["tokenreviews"]
    /// - level: Metadata
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// The probe is an ordinary authenticated user in namespace `default`; rules that silence
    /// particular users or namespaces on purpose are not reported.
    ///
    /// ## References
    /// - Kubernetes: Auditing (audit policy)
    /// - CIS Kubernetes Benchmark 3.2.2
    pub static AUDIT_POLICY_MISSES_SENSITIVE_READS = AuditRule {
        id: "AU102",
        name: "audit-policy-misses-sensitive-reads",
        severity: Severity::Medium,
        controls: &[Control::cis("3.2.2"), Control::nsa("audit-logging"), Control::mitre("T1552.007")],
        since: "0.1.0",
        summary: "audit policy does not log reads of Secrets, ConfigMaps or TokenReviews",
        remediation: "Log Secrets, ConfigMaps and TokenReviews at level Metadata.",
        source: Source::AuditPolicy,
        policy_check: check,
    };
}

fn check(cx: &mut PolicyCx<'_>) {
    let mut probes = Vec::new();
    for resource in ["secrets", "configmaps"] {
        for verb in ["get", "list", "watch"] {
            probes.push((verb, ("", resource, "", "default")));
        }
    }
    probes.push(("create", ("authentication.k8s.io", "tokenreviews", "", "")));
    report_unlogged(cx, &probes, "reads of sensitive objects");
}
