use crate::workload::helpers::{is_core_service, service_ports, strings};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags Services of `type: LoadBalancer` that do not restrict who may connect: neither
    /// `spec.loadBalancerSourceRanges` nor the older
    /// `service.beta.kubernetes.io/load-balancer-source-ranges` annotation is set, or a range
    /// allows every address (`0.0.0.0/0`, `::/0`). Load balancers marked internal with a cloud
    /// provider's annotation are skipped.
    ///
    /// ## Why is this risky?
    /// Without source ranges the cloud load balancer accepts connections from the whole
    /// internet. Admin consoles, databases, metrics endpoints and message brokers exposed this
    /// way are found by mass scanners within minutes; the application's own authentication
    /// becomes the only defence.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: grafana, namespace: monitoring}
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: grafana}
    ///   ports:
    ///   - {port: 443, targetPort: 3000}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: grafana, namespace: monitoring}
    /// spec:
    ///   type: LoadBalancer
    ///   loadBalancerSourceRanges:
    ///   - 203.0.113.0/24          # the office and VPN egress ranges
    ///   selector: {app: grafana}
    ///   ports:
    ///   - {port: 443, targetPort: 3000}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Internal load balancers are recognised by the annotations of AWS
    /// (`aws-load-balancer-internal`, `aws-load-balancer-scheme: internal`), Google Cloud
    /// (`networking.gke.io/load-balancer-type` / `cloud.google.com/load-balancer-type:
    /// Internal`), Azure, Oracle Cloud, OpenStack, Alibaba Cloud and IBM Cloud; other providers'
    /// internal load balancers are flagged. Firewalls and security groups managed outside the
    /// cluster are not visible. Public entry points (ingress controllers, API gateways) are
    /// meant to be reachable from anywhere; suppress the finding on them with a reason.
    ///
    /// ## References
    /// - Kubernetes: "Configure Your Cloud Provider's Firewalls", "Restrict Access For LoadBalancer Service"
    /// - MITRE ATT&CK for Containers T1190 (Exploit Public-Facing Application)
    pub static LOAD_BALANCER_SOURCE_RANGES_MISSING = Rule {
        id: "WL051",
        name: "load-balancer-source-ranges-missing",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: &["Service"],
        controls: &[Control::mitre("T1190")],
        since: "0.1.0",
        summary: "LoadBalancer Service accepts traffic from any source address",
        remediation: "Set `spec.loadBalancerSourceRanges` to the client ranges that need access, or make the load balancer internal.",
        check: check,
    };
}

/// The source-ranges annotation that predates `spec.loadBalancerSourceRanges`.
const RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

fn check(cx: &mut Checker<'_>, o: &Object) {
    if !is_core_service(o) {
        return;
    }
    if o.root.at("spec.type").and_then(Node::as_str) != Some("LoadBalancer") {
        return;
    }
    if is_internal(o) {
        return;
    }
    // The field wins over the annotation when both are set, as in the cloud providers.
    let ranges: Vec<(usize, &str)> = strings(o.root.at("spec.loadBalancerSourceRanges")).collect();
    if !ranges.is_empty() {
        for (i, r) in ranges {
            if is_open(r) {
                cx.report(
                    o,
                    FieldPath::parse("spec.loadBalancerSourceRanges").index(i),
                    format!("loadBalancerSourceRanges entry {r:?} allows every source address"),
                );
            }
        }
        return;
    }
    if let Some(annotation) = o
        .annotation(RANGES_ANNOTATION)
        .filter(|a| !a.trim().is_empty())
    {
        if let Some(open) = annotation.split(',').map(str::trim).find(|r| is_open(r)) {
            cx.report(
                o,
                FieldPath::root()
                    .key("metadata")
                    .key("annotations")
                    .key(RANGES_ANNOTATION),
                format!("source-ranges annotation entry {open:?} allows every source address"),
            );
        }
        return;
    }
    let ports = service_ports(o, false);
    let what = if ports.is_empty() {
        "load balancer".to_string()
    } else {
        format!("load balancer for {}", ports.join(", "))
    };
    cx.report(
        o,
        FieldPath::parse("spec.loadBalancerSourceRanges"),
        format!("{what} accepts traffic from any address: loadBalancerSourceRanges is not set"),
    );
}

/// A range that admits every IPv4 or IPv6 address.
fn is_open(range: &str) -> bool {
    matches!(range.trim(), "0.0.0.0/0" | "::/0" | "0::0/0")
}

/// Whether a cloud provider's annotation makes the load balancer internal (reachable only from
/// the private network).
fn is_internal(o: &Object) -> bool {
    let is = |k: &str, want: &str| {
        o.annotation(k)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(want))
    };
    // The AWS in-tree provider treats any value other than "false" as internal.
    let aws_legacy = o
        .annotation("service.beta.kubernetes.io/aws-load-balancer-internal")
        .is_some_and(|v| !v.trim().is_empty() && !v.trim().eq_ignore_ascii_case("false"));
    aws_legacy
        || is(
            "service.beta.kubernetes.io/aws-load-balancer-scheme",
            "internal",
        )
        || is("networking.gke.io/load-balancer-type", "Internal")
        || is("cloud.google.com/load-balancer-type", "Internal")
        || is(
            "service.beta.kubernetes.io/azure-load-balancer-internal",
            "true",
        )
        || is(
            "service.beta.kubernetes.io/oci-load-balancer-internal",
            "true",
        )
        || is(
            "service.beta.kubernetes.io/openstack-internal-load-balancer",
            "true",
        )
        || is(
            "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
            "intranet",
        )
        || is(
            "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
            "private",
        )
}
