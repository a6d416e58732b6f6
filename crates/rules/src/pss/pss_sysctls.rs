use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `sysctls` (baseline level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// Sysctls outside the safe, namespaced set can disable security mechanisms or affect every pod on the node.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///     - name: kernel.msgmax
    ///       value: "65536"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///     - name: net.ipv4.ip_local_port_range
    ///       value: "32768 60999"
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
    /// - k8s.io/pod-security-admission, check `sysctls`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_SYSCTLS = Rule {
        id: "PSS010",
        name: "pss-sysctls",
        family: Family::PodSecurity,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.7.3"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/sysctls")],
        same_fact_as: &["WL017"],
        since: "0.1.0",
        summary: "pod sets a sysctl outside the safe set (PSS baseline `sysctls`)",
        remediation: "Only set the safe sysctls of the policy version you enforce (see `stockade explain PSS010`).",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(cx, o, &stockade_pss::checks::sysctls::CHECK);
}
