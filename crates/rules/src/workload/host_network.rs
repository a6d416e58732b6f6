use crate::workload::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags pods that set `spec.hostNetwork: true`, sharing the node's network namespace.
    ///
    /// ## Why is this risky?
    /// A pod on the host network sees every interface of the node. It can reach services that
    /// listen only on the node's loopback address, bind any port of the node, and — with the
    /// `NET_RAW` capability most runtimes grant by default — capture the traffic of every other
    /// pod on the node. NetworkPolicies do not apply to it, since its traffic is the node's.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     ports:
    ///     - containerPort: 8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     ports:
    ///     - containerPort: 8080   # expose it with a Service
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// CNI plugins, kube-proxy replacements, node exporters and Windows HostProcess pods need the
    /// host network; suppress the finding on those objects with a reason.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "Host Namespaces"
    /// - CIS Kubernetes Benchmark 5.2.5
    pub static HOST_NETWORK = Rule {
        id: "WL008",
        name: "host-network",
        family: Family::Workload,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.2.5"), Control::nsa("pod-security/hardening-environments"), Control::nsa("pod-security/enforcement"), Control::mitre("T1611"), Control::pss("baseline/hostNamespaces")],
        since: "0.1.0",
        summary: "pod shares the node's network namespace",
        remediation: "Remove `hostNetwork: true` and expose the pod's ports through a Service.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if pod.get("hostNetwork").and_then(Node::as_bool) != Some(true) {
        return;
    }
    cx.report(
        o,
        pod.path_of("hostNetwork"),
        "pod uses the node's network namespace (hostNetwork: true)",
    );
}
