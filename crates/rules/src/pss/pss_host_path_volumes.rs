use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `hostPathVolumes` (baseline level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// A hostPath volume exposes the node's filesystem to the pod; mounting the right path (the container runtime socket, kubelet state, `/etc`) is root on the node.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    /// - name: docker
    ///   hostPath:
    ///     path: /var/run/docker.sock
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// volumes:
    /// - name: cache
    ///   emptyDir: {}
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
    /// - k8s.io/pod-security-admission, check `hostPathVolumes`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_HOST_PATH_VOLUMES = Rule {
        id: "PSS004",
        name: "pss-host-path-volumes",
        family: Family::PodSecurity,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.2.12"), Control::nsa("pod-security/enforcement"), Control::mitre("T1611"), Control::pss("baseline/hostPathVolumes"), Control::pss("restricted/restrictedVolumes")],
        same_fact_as: &["WL011"],
        since: "0.1.0",
        summary: "pod mounts a hostPath volume (PSS baseline `hostPathVolumes`)",
        remediation: "Use an emptyDir, ConfigMap, Secret or PersistentVolumeClaim volume instead of hostPath.",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(cx, o, &stockade_pss::checks::host_path_volumes::CHECK);
}
