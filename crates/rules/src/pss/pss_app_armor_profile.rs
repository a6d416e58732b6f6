use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `appArmorProfile` (baseline level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// On AppArmor hosts the runtime's default profile confines every container; `Unconfined` (or the deprecated `unconfined` annotation) removes that confinement.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     appArmorProfile:
    ///       type: Unconfined
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     appArmorProfile:
    ///       type: RuntimeDefault
    /// ```
    ///
    /// ## Options
    /// - `version` (default `"latest"`): the Pod Security Standards version to evaluate, `latest` or `v1.N`.
    /// - `level` (default `"restricted"`): the strictest level whose checks run in `stockade scan`; this check runs when it is `baseline` or stricter. Set it to `baseline` on every PSS rule to report only baseline violations.
    ///
    /// ## Known limitations
    /// `stockade scan` evaluates the check alone, at one version, whatever the namespace's `pod-security.kubernetes.io` labels say; `stockade pss` gives per-object verdicts, namespace policies, exemptions and readiness. For `Pod` objects the API server's creation-time changes are modelled (host-network ports defaulting, AppArmor annotations copied to fields), as the admission sees them.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline
    /// - k8s.io/pod-security-admission, check `appArmorProfile`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_APP_ARMOR_PROFILE = Rule {
        id: "PSS006",
        name: "pss-app-armor-profile",
        family: Family::PodSecurity,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.7.3"), Control::nsa("pod-security/enforcement"), Control::mitre("T1562.001"), Control::pss("baseline/appArmorProfile")],
        same_fact_as: &["WL014"],
        since: "0.1.0",
        summary: "pod or container disables AppArmor (PSS baseline `appArmorProfile`)",
        remediation: "Use the `RuntimeDefault` or a `Localhost` AppArmor profile, and drop deprecated `unconfined` annotations.",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(cx, o, &stockade_pss::checks::app_armor_profile::CHECK);
}
