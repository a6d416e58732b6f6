use crate::declare_audit_rule;
use crate::rule::{PolicyCx, Source};
use crate::rules::policy_probe::report_unlogged;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Checks that an audit Policy logs `pods/exec`, `pods/attach` and `pods/portforward`
    /// requests (both verbs clients use: `create` for SPDY, `get` for WebSockets).
    ///
    /// ## Why is this risky?
    /// Interactive access to containers is the most direct hands-on-keyboard activity in a
    /// cluster; without these events there is no record of who opened a shell where, and
    /// `exec-into-pod` cannot fire.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    /// - level: None
    ///   resources:
    ///   - group: ""
    ///     resources: ["pods/*"]
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
    ///     resources: ["pods/exec", "pods/attach", "pods/portforward"]
    /// - level: None
    ///   resources:
    ///   - group: ""
    ///     resources: ["pods/*"]
    /// - level: Metadata
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// The probe is an ordinary authenticated user in namespace `default`.
    ///
    /// ## References
    /// - Kubernetes: Auditing (audit policy)
    /// - MITRE ATT&CK for Containers T1609 (Container Administration Command)
    pub static AUDIT_POLICY_MISSES_EXEC = AuditRule {
        id: "AU104",
        name: "audit-policy-misses-exec",
        severity: Severity::Medium,
        controls: &[Control::cis("3.2.2"), Control::nsa("audit-logging"), Control::mitre("T1609")],
        since: "0.1.0",
        summary: "audit policy does not log exec, attach or port-forward",
        remediation: "Log pods/exec, pods/attach and pods/portforward at level Metadata (or higher).",
        source: Source::AuditPolicy,
        policy_check: check,
    };
}

fn check(cx: &mut PolicyCx<'_>) {
    let mut probes = Vec::new();
    for sub in ["exec", "attach", "portforward"] {
        for verb in ["create", "get"] {
            probes.push((verb, ("", "pods", sub, "default")));
        }
    }
    report_unlogged(cx, &probes, "exec/attach/port-forward requests");
}
