use crate::workload::helpers::{KINDS, is_windows};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags pod `securityContext.sysctls` entries whose name is not in the baseline Pod
    /// Security Standard's safe set: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
    /// `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies`,
    /// `net.ipv4.ping_group_range`, `net.ipv4.ip_local_reserved_ports`,
    /// `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
    /// `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`, `net.ipv4.tcp_rmem` and
    /// `net.ipv4.tcp_wmem`. Names written with `/` separators (`net/ipv4/tcp_syncookies`) are
    /// read as the kubelet reads them.
    ///
    /// ## Why is this risky?
    /// The safe sysctls are namespaced and cannot affect other pods or the node. Any other
    /// sysctl either changes a setting shared with the whole node (memory management, kernel
    /// limits) or is namespaced but unaccounted, so one pod can exhaust kernel resources or
    /// weaken networking for its neighbours. The kubelet refuses them unless an administrator
    /// allows them with `--allowed-unsafe-sysctls`.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///     - name: net.core.somaxconn
    ///       value: "65535"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///     - name: net.ipv4.ip_local_port_range
    ///       value: "1024 65535"
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// The safe set is the newest one (Kubernetes 1.32); older clusters accept fewer names, so
    /// a pod this rule passes may still be rejected there. Windows pods are skipped.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "Sysctls"
    /// - Kubernetes: "Using sysctls in a Kubernetes Cluster"
    pub static UNSAFE_SYSCTLS = Rule {
        id: "WL017",
        name: "unsafe-sysctls",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/hardening-environments"), Control::cis("5.7.3"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/sysctls")],
        since: "0.1.0",
        summary: "pod sets a sysctl outside the safe set",
        remediation: "Remove the sysctl, or set it on the nodes instead of in the pod.",
        check: check,
    };
}

/// Sysctls the baseline Pod Security Standard allows.
const SAFE: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    let sysctls = pod.pod_sc("sysctls").map(Node::items).unwrap_or(&[]);
    for (i, s) in sysctls.iter().enumerate() {
        let Some(name) = s
            .get("name")
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        let normalized = dotted(name);
        if SAFE.contains(&normalized.as_str()) {
            continue;
        }
        cx.report(
            o,
            pod.path_of("securityContext.sysctls").index(i).key("name"),
            format!("pod sets unsafe sysctl {name:?}"),
        );
    }
}

/// A sysctl name in dotted form. When a name's first separator is `/`, the kubelet reads `/`
/// as the separator and `.` as part of a component (`net/ipv4/conf/eth0.100/rp_filter` is
/// `net.ipv4.conf.eth0/100.rp_filter`), so the two are swapped.
fn dotted(name: &str) -> String {
    if name.chars().find(|c| *c == '.' || *c == '/') == Some('/') {
        name.chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                c => c,
            })
            .collect()
    } else {
        name.to_string()
    }
}
