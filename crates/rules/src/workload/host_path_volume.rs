use crate::workload::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags `hostPath` volumes. Paths that expose the host's root, configuration, process table,
    /// container runtime sockets or kubelet state are reported as critical.
    ///
    /// ## Why is this risky?
    /// A hostPath volume gives the pod direct access to the node's filesystem. Mounting `/`,
    /// `/etc`, `/proc`, `/var/lib/kubelet` or a container runtime socket
    /// (`/var/run/docker.sock`, containerd's or CRI-O's) is equivalent to root on the node: the
    /// pod can start privileged containers, read every pod's secrets or rewrite host files.
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
    /// None.
    ///
    /// ## Known limitations
    /// Log shippers and node agents legitimately mount parts of the host; suppress those with a
    /// reason. Symbolic links on the node are not resolved.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "HostPath Volumes"
    /// - CIS Kubernetes Benchmark 5.2.12
    pub static HOST_PATH_VOLUME = Rule {
        id: "WL011",
        name: "host-path-volume",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.2.12"), Control::nsa("pod-security/hardening-environments"), Control::mitre("T1611"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/hostPathVolumes"), Control::pss("restricted/restrictedVolumes")],
        since: "0.1.0",
        summary: "pod mounts a hostPath volume",
        remediation: "Use emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead of a hostPath volume.",
        check: check,
    };
}

/// Host paths whose exposure amounts to node compromise.
const SENSITIVE: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/root",
    "/boot",
    "/dev",
    "/var/run",
    "/run",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd",
    "/run/containerd",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/etc/kubernetes",
];

fn is_sensitive(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    let p = if p.is_empty() { "/" } else { p };
    SENSITIVE.contains(&p)
        || p.starts_with("/etc/kubernetes/")
        || p.starts_with("/var/lib/kubelet/")
        || p.ends_with(".sock")
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for (vp, v) in pod.volumes() {
        // `hostPath: null` is no hostPath: the API server drops the null field.
        let Some(hp) = v.get("hostPath").filter(|n| !n.is_null()) else {
            continue;
        };
        let name = v.get("name").and_then(Node::as_str).unwrap_or("");
        let path = hp.get("path").and_then(Node::as_str).unwrap_or("");
        if is_sensitive(path) {
            cx.report_with_severity(
                o,
                vp.join("hostPath.path"),
                Severity::Critical,
                format!("volume {name:?} mounts sensitive host path {path:?}"),
            );
        } else {
            cx.report(
                o,
                vp.key("hostPath"),
                format!("volume {name:?} mounts host path {path:?}"),
            );
        }
    }
}
