use crate::workload::helpers::{is_core_service, service_ports};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags Services of `type: NodePort`.
    ///
    /// ## Why is this risky?
    /// A NodePort Service opens its port (30000–32767 by default) on every node of the cluster,
    /// on every node address, whether or not the node runs one of the Service's pods. Anything
    /// that can reach any node — a peered network, a VPN, the internet when nodes have public
    /// addresses — reaches the application, bypassing the ingress controller with its TLS,
    /// authentication and rate limits. With the default `externalTrafficPolicy: Cluster`, the
    /// traffic is also source-NATed between nodes, so NetworkPolicy `ipBlock` rules cannot tell
    /// outside clients apart.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   type: NodePort
    ///   selector: {app: web}
    ///   ports:
    ///   - {name: http, port: 80, targetPort: 8080, nodePort: 30080}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   type: ClusterIP          # reach it through an Ingress or Gateway
    ///   selector: {app: web}
    ///   ports:
    ///   - {name: http, port: 80, targetPort: 8080}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Services of `type: LoadBalancer` also allocate node ports (unless
    /// `allocateLoadBalancerNodePorts: false`); they are covered by
    /// `load-balancer-source-ranges-missing` instead. Node firewalls and cloud security groups,
    /// which may already close the node-port range, are not visible in manifests. Ingress
    /// controllers on bare-metal clusters are commonly exposed this way on purpose; suppress the
    /// finding on them with a reason.
    ///
    /// ## References
    /// - Kubernetes: Service, "type: NodePort"
    /// - MITRE ATT&CK for Containers T1190 (Exploit Public-Facing Application)
    pub static NODE_PORT_SERVICE = Rule {
        id: "WL050",
        name: "node-port-service",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: &["Service"],
        controls: &[Control::mitre("T1190")],
        since: "0.1.0",
        summary: "Service of type NodePort opens a port on every node",
        remediation: "Use a ClusterIP Service behind an Ingress or Gateway, or a LoadBalancer with `loadBalancerSourceRanges`, instead of a NodePort.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if !is_core_service(o) {
        return;
    }
    if o.root.at("spec.type").and_then(Node::as_str) != Some("NodePort") {
        return;
    }
    let ports = service_ports(o, true);
    let message = if ports.is_empty() {
        "service type NodePort exposes its ports on every node".to_string()
    } else {
        format!(
            "service type NodePort exposes {} on every node",
            ports.join(", ")
        )
    };
    cx.report(o, FieldPath::parse("spec.type"), message);
}
