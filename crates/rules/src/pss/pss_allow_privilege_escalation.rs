use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `allowPrivilegeEscalation` (restricted level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// Unless `allowPrivilegeEscalation` is false, a process can gain privileges through set-user-ID binaries or file capabilities (`no_new_privs` is not set).
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## Options
    /// - `version` (default `"latest"`): the Pod Security Standards version to evaluate, `latest` or `v1.N`.
    /// - `level` (default `"restricted"`): the strictest level whose checks run in `stockade scan`; this check runs when it is `restricted`. Set it to `baseline` on every PSS rule to report only baseline violations.
    ///
    /// ## Known limitations
    /// `stockade scan` evaluates the check alone, at one version, whatever the namespace's `pod-security.kubernetes.io` labels say; `stockade pss` gives per-object verdicts, namespace policies, exemptions and readiness.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, restricted
    /// - k8s.io/pod-security-admission, check `allowPrivilegeEscalation`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_ALLOW_PRIVILEGE_ESCALATION = Rule {
        id: "PSS013",
        name: "pss-allow-privilege-escalation",
        family: Family::PodSecurity,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.2.6"), Control::nsa("pod-security/enforcement"), Control::mitre("T1068"), Control::pss("restricted/allowPrivilegeEscalation")],
        same_fact_as: &["WL002"],
        since: "0.1.0",
        summary: "container allows privilege escalation (PSS restricted `allowPrivilegeEscalation`)",
        remediation: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(
        cx,
        o,
        &stockade_pss::checks::allow_privilege_escalation::CHECK,
    );
}
