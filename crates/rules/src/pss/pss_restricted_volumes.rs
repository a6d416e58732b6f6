use crate::pss::helpers::{self, KINDS, OPTIONS};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports every field that makes a pod fail the upstream PodSecurity check `restrictedVolumes` (restricted level), at the policy version of the `version` option, on every workload kind (pod templates included). The message is the check's reason and detail exactly as the API server words them, so it can be matched with PodSecurity warnings and rejections.
    ///
    /// ## Why is this risky?
    /// Besides hostPath, inline network and cloud volume sources (nfs, iscsi, rbd, …) let a pod mount storage outside the cluster's control; the restricted level allows only ephemeral, projected and claim-backed volumes.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    /// - name: share
    ///   nfs:
    ///     server: nfs.example.com
    ///     path: /exports
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// volumes:
    /// - name: share
    ///   persistentVolumeClaim:
    ///     claimName: share
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
    /// - k8s.io/pod-security-admission, check `restrictedVolumes`
    /// - `stockade pss` (docs/pss.md)
    pub static PSS_RESTRICTED_VOLUMES = Rule {
        id: "PSS016",
        name: "pss-restricted-volumes",
        family: Family::PodSecurity,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.2.12"), Control::nsa("pod-security/enforcement"), Control::pss("restricted/restrictedVolumes")],
        same_fact_as: &["WL011", "PSS004"],
        since: "0.1.0",
        summary: "pod uses a volume type the restricted level forbids (PSS restricted `restrictedVolumes`)",
        remediation: "Use configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret volumes.",
        options: OPTIONS,
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    helpers::run(cx, o, &stockade_pss::checks::restricted_volumes::CHECK);
}
