use crate::workload::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags pods that set `spec.hostPID: true`, sharing the node's process ID namespace.
    ///
    /// ## Why is this risky?
    /// A pod in the host PID namespace sees every process on the node, including other pods'
    /// containers and the kubelet, with their command lines and environment variables, which
    /// often hold credentials. As root it can signal them, and with `SYS_PTRACE` or by entering
    /// `/proc/1/root` it can escape to the host (`nsenter --target 1 --mount --pid`).
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostPID: true
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
    /// None.
    ///
    /// ## Known limitations
    /// Node monitoring and debugging agents may need the host's process table; suppress the
    /// finding on those objects with a reason.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "Host Namespaces"
    /// - CIS Kubernetes Benchmark 5.2.3
    pub static HOST_PID = Rule {
        id: "WL009",
        name: "host-pid",
        family: Family::Workload,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.2.3"), Control::nsa("pod-security/hardening-environments"), Control::mitre("T1611"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/hostNamespaces")],
        since: "0.1.0",
        summary: "pod shares the node's process ID namespace",
        remediation: "Remove `hostPID: true`; use `shareProcessNamespace` if the containers of one pod must see each other's processes.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if pod.get("hostPID").and_then(Node::as_bool) != Some(true) {
        return;
    }
    cx.report(
        o,
        pod.path_of("hostPID"),
        "pod uses the node's process ID namespace (hostPID: true)",
    );
}
