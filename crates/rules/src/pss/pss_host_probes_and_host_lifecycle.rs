use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `hostProbesAndHostLifecycle` (baseline level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// The kubelet sends probes and lifecycle requests from the node; a `host` other than the pod lets a pod make the node reach services it should not (cloud metadata endpoints, node-local APIs).
    ///
    /// ## Example
    /// ```yaml
    /// livenessProbe:
    ///   httpGet:
    ///     host: 169.254.169.254
    ///     port: 80
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// livenessProbe:
    ///   httpGet:
    ///     port: 8080
    ///     path: /healthz
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
    /// - k8s.io/pod-security-admission, check `hostProbesAndHostLifecycle`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_HOST_PROBES_AND_HOST_LIFECYCLE = Rule {
        id: "PSS012",
        name: "pss-host-probes-and-host-lifecycle",
        family: Family::PodSecurity,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/enforcement"), Control::mitre("T1552.007"), Control::pss("baseline/hostProbesAndHostLifecycle")],
        since: "0.1.0",
        summary: "probe or lifecycle handler targets another host (PSS baseline `hostProbesAndHostLifecycle`)",
        remediation: "Remove `host` from probes and lifecycle handlers; they then target the pod's own IP.",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(
        cx,
        o,
        &stockade_pss::checks::host_probes_and_host_lifecycle::CHECK,
    );
}
