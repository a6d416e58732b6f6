use crate::workload::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags pods that set `spec.shareProcessNamespace: true`, putting all their containers in
    /// one process ID namespace.
    ///
    /// ## Why is this risky?
    /// With a shared process namespace each container sees the processes of the others and
    /// their command lines. A compromised container running as the same user, or as root, can
    /// also read their environment variables, signal them and reach their filesystems —
    /// secrets and mounted credentials included — through `/proc/<pid>/root`, which undoes the
    /// isolation between the containers of one pod.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   shareProcessNamespace: true
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///   - name: log-agent
    ///     image: registry.example.com/log-agent:3.1.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///   - name: log-agent
    ///     image: registry.example.com/log-agent:3.1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Sidecars that signal the main process (configuration reloaders) rely on it; suppress the
    /// finding on those objects with a reason. For debugging, `kubectl debug --target` reaches
    /// one container's processes without sharing the namespace permanently.
    ///
    /// ## References
    /// - Kubernetes: "Share Process Namespace between Containers in a Pod"
    pub static SHARE_PROCESS_NAMESPACE = Rule {
        id: "WL019",
        name: "share-process-namespace",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/hardening-environments")],
        since: "0.1.0",
        summary: "pod shares one process namespace between its containers",
        remediation: "Remove `shareProcessNamespace: true` unless a container must signal or inspect another's processes.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if pod.get("shareProcessNamespace").and_then(Node::as_bool) != Some(true) {
        return;
    }
    cx.report(
        o,
        pod.path_of("shareProcessNamespace"),
        "pod shares one process namespace between its containers (shareProcessNamespace: true)",
    );
}
