use crate::netpol::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};
use stockade_netpol::{PortRef, Protocol};

declare_rule! {
    /// ## What it does
    /// Flags ingress and egress rules without peers (`from`/`to` empty or missing), which match
    /// every pod of every namespace and every address outside the cluster. A rule that also
    /// has no `ports` allows everything and is reported at high severity; one limited to ports
    /// at low severity. Egress rules limited to DNS (port 53) are not reported.
    ///
    /// ## Why is this risky?
    /// `ingress: [{}]` undoes isolation: every selected pod accepts every connection, and since
    /// policies are additive, no other policy can take that back. It is often left over from
    /// debugging. Rules open to everyone on a port are sometimes intended (a public web
    /// front end) but deserve a second look.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   podSelector: {}
    ///   ingress:
    ///   - {}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   podSelector: {}
    ///   ingress:
    ///   - from:
    ///     - namespaceSelector:
    ///         matchLabels: {kubernetes.io/metadata.name: ingress-nginx}
    ///     ports:
    ///     - port: 8080
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Public entry points legitimately accept traffic from everyone on their service port;
    /// suppress those findings with a reason.
    ///
    /// ## References
    /// - Kubernetes: Network Policies, "Allow all ingress traffic"
    /// - NSA-CISA Kubernetes Hardening Guide, "Network policies"
    pub static ALLOW_ALL_RULE = Rule {
        id: "NP006",
        name: "allow-all-rule",
        family: Family::Network,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[Control::nsa("network/network-policies"), Control::mitre("T1046")],
        since: "0.1.0",
        summary: "NetworkPolicy rule allows every source or destination",
        remediation: "Name the peers the rule is for (podSelector, namespaceSelector or ipBlock) and the ports they use.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = cx.netpol();
    for p in &m.policies {
        for ingress in [true, false] {
            if !p.affects(ingress) {
                continue;
            }
            for r in p.rules(ingress) {
                if !r.all_peers() {
                    continue;
                }
                let (dir, who) = if ingress {
                    ("ingress", "from anyone")
                } else {
                    ("egress", "to anywhere")
                };
                if r.ports.is_empty() {
                    cx.report_with_severity(
                        p.object,
                        r.path.clone(),
                        Severity::High,
                        format!("{dir} rule allows every port {who}: the selected pods ({}) are effectively not isolated", p.pod_selector),
                    );
                    continue;
                }
                let dns_only = !ingress
                    && r.ports.iter().all(|pp| {
                        matches!(pp.port, Some(PortRef::Number(53)))
                            && pp.end_port.is_none()
                            && matches!(pp.protocol, Protocol::Udp | Protocol::Tcp)
                    });
                if dns_only {
                    continue;
                }
                cx.report(
                    p.object,
                    r.path.clone(),
                    format!("{dir} rule allows {} {who}", r.port_set(None)),
                );
            }
        }
    }
}
