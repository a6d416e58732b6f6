use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `hostNamespaces` (baseline level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// With the host's network namespace a pod can sniff and bind node traffic and reach node-local services; with its PID or IPC namespace it can see, signal and inspect every process on the node.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
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
    /// - k8s.io/pod-security-admission, check `hostNamespaces`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_HOST_NAMESPACES = Rule {
        id: "PSS002",
        name: "pss-host-namespaces",
        family: Family::PodSecurity,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.2.3"), Control::cis("5.2.4"), Control::cis("5.2.5"), Control::nsa("pod-security/enforcement"), Control::mitre("T1611"), Control::pss("baseline/hostNamespaces")],
        same_fact_as: &["WL008", "WL009", "WL010"],
        since: "0.1.0",
        summary: "pod shares the host's network, PID or IPC namespace (PSS baseline `hostNamespaces`)",
        remediation: "Remove `hostNetwork`, `hostPID` and `hostIPC` (or set them to false); expose the pod through a Service.",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(cx, o, &stockade_pss::checks::host_namespaces::CHECK);
}
