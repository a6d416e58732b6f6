use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `seLinuxOptions` (baseline level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// A custom SELinux type such as `spc_t` runs the container unconfined by SELinux; a custom user or role changes what the policy lets it touch on the host.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     seLinuxOptions:
    ///       type: spc_t
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     seLinuxOptions:
    ///       level: "s0:c123,c456"   # levels are allowed
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
    /// - k8s.io/pod-security-admission, check `seLinuxOptions`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_SE_LINUX_OPTIONS = Rule {
        id: "PSS007",
        name: "pss-se-linux-options",
        family: Family::PodSecurity,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.7.3"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/seLinuxOptions")],
        same_fact_as: &["WL015"],
        since: "0.1.0",
        summary: "pod or container sets a custom SELinux type, user or role (PSS baseline `seLinuxOptions`)",
        remediation: "Leave the SELinux type unset or use `container_t`, `container_init_t`, `container_kvm_t` (or `container_engine_t` from v1.31); never set `user` or `role`.",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(cx, o, &stockade_pss::checks::se_linux_options::CHECK);
}
