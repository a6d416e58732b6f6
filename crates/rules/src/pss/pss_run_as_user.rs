use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `runAsUser` (restricted level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// `runAsUser: 0` runs the process as root, whatever `runAsNonRoot` says elsewhere.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsUser: 0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsUser: 10001
    ///     runAsNonRoot: true
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
    /// - k8s.io/pod-security-admission, check `runAsUser`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_RUN_AS_USER = Rule {
        id: "PSS018",
        name: "pss-run-as-user",
        family: Family::PodSecurity,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.2.7"), Control::nsa("pod-security/non-root"), Control::nsa("pod-security/enforcement"), Control::pss("restricted/runAsUser")],
        same_fact_as: &["WL003"],
        since: "0.1.0",
        summary: "pod or container runs as UID 0 (PSS restricted `runAsUser`)",
        remediation: "Set `runAsUser` to a non-zero UID (or leave it unset with `runAsNonRoot: true`).",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(cx, o, &stockade_pss::checks::run_as_user::CHECK);
}
