use crate::workload::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags container ports that set a non-zero `hostPort`, publishing the port on the IP
    /// address of the node the pod runs on.
    ///
    /// ## Why is this risky?
    /// A host port makes the container reachable on the node's address by anyone who can reach
    /// the node, bypassing the Service and Ingress layer where exposure is usually reviewed and
    /// firewalled. It also ties the pod to nodes where the port is free and limits how many
    /// replicas fit on one node.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: registry.example.com/web:2.0.1
    ///   ports:
    ///   - containerPort: 8080
    ///     hostPort: 80
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: registry.example.com/web:2.0.1
    ///   ports:
    ///   - containerPort: 8080   # exposed through a Service
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Pods with `hostNetwork: true` are skipped: every port they open is a host port (the API
    /// server fills in `hostPort` for them) and WL008 `host-network` already reports them.
    /// Ingress controllers run as DaemonSets sometimes bind host ports 80 and 443 by design;
    /// suppress those with a reason.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "Host Ports"
    /// - CIS Kubernetes Benchmark 5.2.13
    pub static HOST_PORT = Rule {
        id: "WL012",
        name: "host-port",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.2.13"), Control::nsa("pod-security/hardening-environments"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/hostPorts")],
        since: "0.1.0",
        summary: "container publishes a port on the node (hostPort)",
        remediation: "Remove `hostPort` and expose the port through a Service (NodePort or LoadBalancer if it must be reachable from outside).",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if pod.get("hostNetwork").and_then(Node::as_bool) == Some(true) {
        return;
    }
    for c in pod.all_containers() {
        let ports = c.node.get("ports").map(Node::items).unwrap_or(&[]);
        for (i, port) in ports.iter().enumerate() {
            let Some(host_port) = port
                .get("hostPort")
                .and_then(Node::as_i64)
                .filter(|p| *p > 0)
            else {
                continue;
            };
            let target = match port.get("containerPort").and_then(Node::as_i64) {
                Some(cp) => format!(" (containerPort {cp})"),
                None => String::new(),
            };
            cx.report(
                o,
                c.path_of("ports").index(i).key("hostPort"),
                format!("{} binds host port {host_port}{target}", c.describe()),
            );
        }
    }
}
