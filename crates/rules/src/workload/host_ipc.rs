use crate::workload::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags pods that set `spec.hostIPC: true`, sharing the node's IPC namespace.
    ///
    /// ## Why is this risky?
    /// A pod in the host IPC namespace can read and write the node's System V shared memory
    /// segments, semaphores and message queues and the host's POSIX shared memory, so it can
    /// read or tamper with the data of any host process or container that uses them.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostIPC: true
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
    ///   # containers of one pod already share an IPC namespace
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Ordinary workloads never need the host's IPC namespace; a few node-level daemons that
    /// share memory with host processes (GPU sharing, some databases' node agents) do, and need
    /// a suppression with a reason.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "Host Namespaces"
    /// - CIS Kubernetes Benchmark 5.2.4
    pub static HOST_IPC = Rule {
        id: "WL010",
        name: "host-ipc",
        family: Family::Workload,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.2.4"), Control::nsa("pod-security/hardening-environments"), Control::nsa("pod-security/enforcement"), Control::mitre("T1611"), Control::pss("baseline/hostNamespaces")],
        since: "0.1.0",
        summary: "pod shares the node's IPC namespace",
        remediation: "Remove `hostIPC: true`; the containers of one pod already share an IPC namespace.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if pod.get("hostIPC").and_then(Node::as_bool) != Some(true) {
        return;
    }
    cx.report(
        o,
        pod.path_of("hostIPC"),
        "pod uses the node's IPC namespace (hostIPC: true)",
    );
}
