use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `capabilities_baseline` (baseline level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// Capabilities outside the container runtime's default set (`SYS_ADMIN`, `NET_ADMIN`, `NET_RAW`, `SYS_PTRACE`, …) grant kernel powers that break container isolation or allow spoofing traffic.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     capabilities:
    ///       add: [SYS_ADMIN]
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
    /// - `level` (default `"restricted"`): the strictest level whose checks run in `stockade scan`; this check runs when it is `baseline` or stricter. Set it to `baseline` on every PSS rule to report only baseline violations.
    ///
    /// ## Known limitations
    /// `stockade scan` evaluates the check alone, at one version, whatever the namespace's `pod-security.kubernetes.io` labels say; `stockade pss` gives per-object verdicts, namespace policies, exemptions and readiness.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline
    /// - k8s.io/pod-security-admission, check `capabilities_baseline`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_CAPABILITIES_BASELINE = Rule {
        id: "PSS005",
        name: "pss-capabilities-baseline",
        family: Family::PodSecurity,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.2.8"), Control::cis("5.2.9"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/capabilities_baseline"), Control::pss("restricted/capabilities_restricted")],
        same_fact_as: &["WL006"],
        since: "0.1.0",
        summary: "container adds a capability beyond the default set (PSS baseline `capabilities_baseline`)",
        remediation: "Only add capabilities from the default set (`AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`).",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(cx, o, &stockade_pss::checks::capabilities_baseline::CHECK);
}
