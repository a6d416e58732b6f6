use crate::workload::helpers::{KINDS, is_windows};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags pods and containers that put their processes in the root group (GID 0):
    /// `runAsGroup: 0` in the container's or the pod's security context (reported as medium),
    /// and, at low severity, a pod `fsGroup: 0` or a `supplementalGroups` list containing `0`,
    /// which add the root group to every container of the pod.
    ///
    /// ## Why is this risky?
    /// A process in the root group can read and write every file whose group is root and whose
    /// group permissions allow it: inside the image, on mounted volumes and on any host path
    /// the pod mounts. Many images and host files rely on "only root's group" for protection,
    /// and a non-root user with GID 0 is only one group-writable file away from root.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsUser: 10001
    ///     runAsGroup: 0
    ///     fsGroup: 0
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsUser: 10001
    ///     runAsGroup: 10001
    ///     fsGroup: 10001
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Only explicit zeros are flagged: when `runAsGroup` is unset the image's group is used,
    /// which is often root too. A pod-level `runAsGroup: 0` is reported even when every
    /// container overrides it. Images built for OpenShift's arbitrary-UID model expect GID 0
    /// and may need a suppression. Windows pods (`spec.os.name: windows`) are skipped.
    ///
    /// ## References
    /// - Kubernetes: "Configure a Security Context for a Pod or Container"
    /// - NSA-CISA Kubernetes Hardening Guide, "Non-root containers and rootless container engines"
    pub static RUN_AS_ROOT_GROUP = Rule {
        id: "WL004",
        name: "run-as-root-group",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/non-root")],
        since: "0.1.0",
        summary: "pod or container runs with the root group (GID 0)",
        remediation: "Set `runAsGroup`, `fsGroup` and `supplementalGroups` to non-zero group ids.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    if pod.pod_sc("runAsGroup").and_then(Node::as_i64) == Some(0) {
        cx.report_with_severity(
            o,
            pod.path_of("securityContext.runAsGroup"),
            Severity::Medium,
            "pod security context sets runAsGroup 0 (root group)",
        );
    }
    if pod.pod_sc("fsGroup").and_then(Node::as_i64) == Some(0) {
        cx.report(
            o,
            pod.path_of("securityContext.fsGroup"),
            "pod security context sets fsGroup 0, adding the root group to every container",
        );
    }
    let groups = pod
        .pod_sc("supplementalGroups")
        .map(Node::items)
        .unwrap_or(&[]);
    for (i, g) in groups.iter().enumerate() {
        if g.as_i64() == Some(0) {
            cx.report(
                o,
                pod.path_of("securityContext.supplementalGroups").index(i),
                "pod security context adds supplemental group 0 (root group) to every container",
            );
        }
    }
    for c in pod.all_containers() {
        if c.sc("runAsGroup").and_then(Node::as_i64) == Some(0) {
            cx.report_with_severity(
                o,
                c.path_of("securityContext.runAsGroup"),
                Severity::Medium,
                format!("{} runs with runAsGroup 0 (root group)", c.describe()),
            );
        }
    }
}
