use crate::netpol::helpers::{KINDS, NAMESPACES_AND_POD_MAKERS};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};
use stockade_netpol::PortRef;

declare_rule! {
    /// ## What it does
    /// Flags named ports in NetworkPolicy rules that no destination container defines with that
    /// protocol: for ingress, none of the pods the policy selects; for egress, none of the pods
    /// the rule's peers match (or, for rules without pod peers, no pod among the inputs). Only
    /// judged when those pods were read.
    ///
    /// ## Why is this risky?
    /// A named port resolves per destination pod; when no container declares it, the entry
    /// allows nothing. The intended traffic is then blocked — or, when the port was meant to be
    /// the only one allowed, someone widens the policy to "fix" it. A renamed container port
    /// (`http` to `web`) silently breaks every policy that names it.
    ///
    /// ## Example
    /// ```yaml
    /// ingress:
    /// - ports:
    ///   - port: http        # the containers name their port "web"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ingress:
    /// - ports:
    ///   - port: web
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Ports a process listens on without declaring them in the pod spec cannot be named.
    ///
    /// ## References
    /// - Kubernetes: Network Policies, "Targeting a range of ports" and the NetworkPolicyPort API
    pub static UNDEFINED_NAMED_PORT = Rule {
        id: "NP009",
        name: "undefined-named-port",
        family: Family::Network,
        severity: Severity::Medium,
        kinds: KINDS,
        needs: NAMESPACES_AND_POD_MAKERS,
        controls: &[Control::nsa("network/network-policies")],
        since: "0.1.0",
        admission: false,
        summary: "NetworkPolicy names a port no selected container defines",
        remediation: "Use the name a container port of the destination pods declares (with the same protocol), or the port number.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = cx.netpol();
    for (pi, p) in m.policies.iter().enumerate() {
        for ingress in [true, false] {
            for r in p.rules(ingress) {
                if !r.has_named_ports() {
                    continue;
                }
                // The destination pods the names resolve against.
                // On a live cluster, egress destinations count only when every namespace
                // they can be in was read (`scan -n NS` reads one).
                if !ingress
                    && m.live
                    && !(if r.all_peers() {
                        m.complete
                    } else {
                        r.peers.iter().all(|peer| m.peer_complete(p, peer))
                    })
                {
                    continue;
                }
                let dsts: Vec<usize> = if ingress {
                    m.selected[pi].clone()
                } else if r.all_peers() {
                    (0..m.workloads.len()).collect()
                } else {
                    let mut v: Vec<usize> = r
                        .peers
                        .iter()
                        .flat_map(|peer| m.peer_workloads(p, peer))
                        .collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                };
                if dsts.is_empty() {
                    continue; // nothing to judge against (other rules report empty selections)
                }
                for pp in &r.ports {
                    let Some(PortRef::Name(name)) = &pp.port else {
                        continue;
                    };
                    let defined = dsts.iter().any(|&wi| {
                        m.workloads[wi]
                            .ports
                            .iter()
                            .any(|c| c.protocol == pp.protocol && c.name.as_deref() == Some(name))
                    });
                    if !defined {
                        cx.report(
                            p.object,
                            pp.path.key("port"),
                            format!(
                                "no container of the {} destination workload(s) defines a {} port named {name:?}, so this entry allows nothing",
                                dsts.len(),
                                pp.protocol
                            ),
                        );
                    }
                }
            }
        }
    }
}
