use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `seccompProfile_restricted` (restricted level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// Without an explicit seccomp profile, containers run unconfined on most runtimes: every system call is available to an attacker.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: RuntimeDefault
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
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
    /// - k8s.io/pod-security-admission, check `seccompProfile_restricted`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_SECCOMP_PROFILE_RESTRICTED = Rule {
        id: "PSS019",
        name: "pss-seccomp-profile-restricted",
        family: Family::PodSecurity,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.7.2"), Control::nsa("pod-security/enforcement"), Control::mitre("T1611"), Control::pss("restricted/seccompProfile_restricted")],
        same_fact_as: &["WL013", "PSS009"],
        since: "0.1.0",
        summary: "pod does not set a RuntimeDefault or Localhost seccomp profile (PSS restricted `seccompProfile_restricted`)",
        remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` (or `Localhost`) on the pod or on every container.",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(
        cx,
        o,
        &stockade_pss::checks::seccomp_profile_restricted::CHECK,
    );
}
