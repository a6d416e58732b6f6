use crate::workload::helpers::{is_core_service, strings};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Services that set `spec.externalIPs`, whatever their type.
    ///
    /// ## Why is this risky?
    /// kube-proxy redirects traffic for a Service's external IPs on every node, for packets from
    /// pods and nodes alike, and the API server does not check that the addresses belong to the
    /// Service's owner. Anyone who may create or update a Service can therefore claim any
    /// address — a database, a cloud metadata endpoint, another team's load balancer — and
    /// intercept the cluster's traffic to it (CVE-2020-8554, a design flaw with no patch). The
    /// only fix is to forbid the field, e.g. with the `DenyServiceExternalIPs` admission plugin,
    /// and a manifest that relies on it blocks that fix.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   selector: {app: web}
    ///   ports:
    ///   - {port: 80, targetPort: 8080}
    ///   externalIPs:
    ///   - 198.51.100.20
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   type: LoadBalancer        # or ClusterIP behind an Ingress or Gateway
    ///   loadBalancerSourceRanges: [203.0.113.0/24]
    ///   selector: {app: web}
    ///   ports:
    ///   - {port: 80, targetPort: 8080}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Some bare-metal clusters route external addresses to nodes on purpose and use
    /// `externalIPs` to accept them; when only administrators can set the field (enforced by an
    /// admission policy), suppress the finding with a reason.
    ///
    /// ## References
    /// - CVE-2020-8554, kubernetes/kubernetes#97076 "Man in the middle using LoadBalancer or ExternalIPs"
    /// - Kubernetes: admission controller `DenyServiceExternalIPs`
    /// - MITRE ATT&CK for Containers T1557 (Adversary-in-the-Middle)
    pub static SERVICE_EXTERNAL_IPS = Rule {
        id: "WL052",
        name: "service-external-ips",
        family: Family::Workload,
        severity: Severity::High,
        kinds: &["Service"],
        controls: &[Control::mitre("T1557")],
        since: "0.1.0",
        summary: "Service claims external IPs, which can intercept cluster traffic (CVE-2020-8554)",
        remediation: "Remove `spec.externalIPs`; expose the Service through a LoadBalancer, Ingress or Gateway, and enable the `DenyServiceExternalIPs` admission plugin.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if !is_core_service(o) {
        return;
    }
    let ips: Vec<&str> = strings(o.root.at("spec.externalIPs"))
        .map(|(_, ip)| ip.trim())
        .filter(|ip| !ip.is_empty())
        .collect();
    if ips.is_empty() {
        return;
    }
    cx.report(
        o,
        FieldPath::parse("spec.externalIPs"),
        format!(
            "service claims external IPs {}: traffic from every pod and node to these addresses is redirected to it (CVE-2020-8554)",
            ips.join(", ")
        ),
    );
}
