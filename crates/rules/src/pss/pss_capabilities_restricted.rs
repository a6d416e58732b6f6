use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `capabilities_restricted` (restricted level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// The runtime's default capabilities (`CHOWN`, `DAC_OVERRIDE`, `SETUID`, …) are more than most processes need; the restricted level requires dropping all of them and adding back at most `NET_BIND_SERVICE`.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     capabilities:
    ///       add: [CHOWN]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     capabilities:
    ///       drop: [ALL]
    ///       add: [NET_BIND_SERVICE]
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
    /// - k8s.io/pod-security-admission, check `capabilities_restricted`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_CAPABILITIES_RESTRICTED = Rule {
        id: "PSS014",
        name: "pss-capabilities-restricted",
        family: Family::PodSecurity,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.2.9"), Control::cis("5.2.10"), Control::nsa("pod-security/enforcement"), Control::pss("restricted/capabilities_restricted")],
        same_fact_as: &["WL007", "WL006", "PSS005"],
        since: "0.1.0",
        summary: "container does not drop ALL capabilities or adds one other than NET_BIND_SERVICE (PSS restricted `capabilities_restricted`)",
        remediation: "Set `capabilities.drop: [ALL]` on every container and add back only `NET_BIND_SERVICE`.",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(cx, o, &stockade_pss::checks::capabilities_restricted::CHECK);
}
