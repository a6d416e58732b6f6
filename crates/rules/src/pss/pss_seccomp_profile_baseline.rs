use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `seccompProfile_baseline` (baseline level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// Seccomp filters the system calls a container may make; `Unconfined` gives it the whole kernel attack surface.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: Unconfined
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: RuntimeDefault
    /// ```
    ///
    /// ## Options
    /// - `version` (default `"latest"`): the Pod Security Standards version to evaluate, `latest` or `v1.N`.
    /// - `level` (default `"restricted"`): the strictest level whose checks run in `stockade scan`; this check runs when it is `baseline` or stricter. Set it to `baseline` on every PSS rule to report only baseline violations.
    ///
    /// ## Known limitations
    /// `stockade scan` evaluates the check alone, at one version, whatever the namespace's `pod-security.kubernetes.io` labels say; `stockade pss` gives per-object verdicts, namespace policies, exemptions and readiness.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline
    /// - k8s.io/pod-security-admission, check `seccompProfile_baseline`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_SECCOMP_PROFILE_BASELINE = Rule {
        id: "PSS009",
        name: "pss-seccomp-profile-baseline",
        family: Family::PodSecurity,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.7.2"), Control::nsa("pod-security/enforcement"), Control::mitre("T1611"), Control::pss("baseline/seccompProfile_baseline"), Control::pss("restricted/seccompProfile_restricted")],
        same_fact_as: &["WL013"],
        since: "0.1.0",
        summary: "pod or container disables seccomp (PSS baseline `seccompProfile_baseline`)",
        remediation: "Use the `RuntimeDefault` or a `Localhost` seccomp profile instead of `Unconfined`.",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(
        cx,
        o,
        &stockade_pss::checks::seccomp_profile_baseline::CHECK,
    );
}
