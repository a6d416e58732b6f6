use crate::netpol::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};
use stockade_netpol::PeerKind;

declare_rule! {
    /// ## What it does
    /// Flags egress peers `ipBlock: {cidr: 0.0.0.0/0}` or `::/0` without any `except`: every
    /// address of the family, including the cloud metadata endpoint, the node network and —
    /// on most network plugins — every pod.
    ///
    /// ## Why is this risky?
    /// Egress to the whole internet is what malware needs to download tools, reach command and
    /// control and exfiltrate data; without exceptions it also reaches 169.254.169.254 (cloud
    /// credentials) and private ranges. Listing the exceptions, or better the destinations,
    /// keeps a compromised pod contained.
    ///
    /// ## Example
    /// ```yaml
    /// egress:
    /// - to:
    ///   - ipBlock:
    ///       cidr: 0.0.0.0/0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// egress:
    /// - to:
    ///   - ipBlock:
    ///       cidr: 0.0.0.0/0
    ///       except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16]
    ///   ports:
    ///   - port: 443
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Blocks that are nearly everything (`0.0.0.0/1` plus `128.0.0.0/1`) are not recognised.
    ///
    /// ## References
    /// - Kubernetes: Network Policies, "ipBlock"
    /// - NSA-CISA Kubernetes Hardening Guide, "Network policies"
    /// - MITRE ATT&CK T1552.007 (cloud instance metadata)
    pub static EGRESS_TO_ANY_ADDRESS = Rule {
        id: "NP007",
        name: "egress-to-any-address",
        family: Family::Network,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::nsa("network/network-policies"), Control::mitre("T1552.007")],
        since: "0.1.0",
        summary: "egress allowed to every address (0.0.0.0/0 or ::/0 without exceptions)",
        remediation: "Allow only the destinations the workload needs, or add `except` entries for private ranges and 169.254.0.0/16.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = cx.netpol();
    for p in &m.policies {
        if !p.affects_egress {
            continue;
        }
        for r in &p.egress {
            for peer in &r.peers {
                if let PeerKind::IpBlock { cidr, except } = &peer.kind
                    && cidr.is_everything()
                    && except.is_empty()
                {
                    cx.report(
                        p.object,
                        peer.path.key("ipBlock").key("cidr"),
                        format!("egress to {cidr} without exceptions allows {} to every address, including cloud metadata and private networks", r.port_set(None)),
                    );
                }
            }
        }
    }
}
