//! Single-pair verdicts: can this source reach this destination, on which ports, and which
//! policies and rules decide it.

use crate::model::{Model, Workload};
use crate::ports::{PortSet, Protocol};
use serde::Serialize;
use std::net::IpAddr;

/// One end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A workload, by index in [`Model::workloads`].
    Workload(usize),
    /// An address outside the modelled pods.
    External(IpAddr),
}

/// A rule of a policy: `policy` indexes [`Model::policies`], `rule` the policy's rules of the
/// direction at hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    /// Index of the policy.
    pub policy: usize,
    /// Index of the rule in `spec.ingress` or `spec.egress`.
    pub rule: usize,
}

/// How one direction (the source's egress or the destination's ingress) treats a connection.
#[derive(Clone, Debug, Serialize)]
pub struct Direction {
    /// Whether policies govern this side at all (`false` for an external address, whose
    /// network is not subject to NetworkPolicy).
    pub applies: bool,
    /// Whether the pod is isolated in this direction (some policy selects it for it).
    pub isolated: bool,
    /// The policies that select the pod for this direction.
    pub policies: Vec<usize>,
    /// The rules whose peers match the other end, with the ports each allows.
    pub rules: Vec<(RuleRef, PortSet)>,
    /// What this side allows: everything when not isolated, else the union of `rules`.
    pub allowed: PortSet,
}

impl Direction {
    fn open(applies: bool) -> Direction {
        Direction {
            applies,
            isolated: false,
            policies: Vec::new(),
            rules: Vec::new(),
            allowed: PortSet::all(),
        }
    }
}

/// The verdict for a connection.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// The source's egress.
    pub egress: Direction,
    /// The destination's ingress.
    pub ingress: Direction,
    /// What both allow: the intersection.
    pub allowed: PortSet,
}

/// Whether a verdict allows one port, or any port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allowed,
    /// Denied.
    Denied,
}

impl Verdict {
    /// Whether `port` (or, with `None`, some port) is allowed.
    pub fn decide(&self, port: Option<(Protocol, u16)>) -> Decision {
        let ok = match port {
            Some((p, n)) => self.allowed.contains(p, n),
            None => !self.allowed.is_empty(),
        };
        if ok {
            Decision::Allowed
        } else {
            Decision::Denied
        }
    }
}

impl<'a> Model<'a> {
    /// The workload behind an endpoint.
    pub fn workload(&self, e: &Endpoint) -> Option<&Workload<'a>> {
        match e {
            Endpoint::Workload(i) => self.workloads.get(*i),
            Endpoint::External(_) => None,
        }
    }

    /// Whether a peer list entry of policy `pi` matches `e`.
    fn matches_endpoint(&self, pi: usize, rule_peers: &[crate::Peer], e: &Endpoint) -> bool {
        let Some(policy) = self.policies.get(pi) else {
            return false;
        };
        if rule_peers.is_empty() {
            return true;
        }
        rule_peers.iter().any(|peer| match e {
            Endpoint::Workload(i) => self
                .workloads
                .get(*i)
                .is_some_and(|w| self.peer_matches(policy, peer, w)),
            Endpoint::External(ip) => peer.block_contains(*ip),
        })
    }

    /// One direction for the pod at `this`, talking to `other`.
    fn direction(&self, this: &Endpoint, other: &Endpoint, ingress: bool) -> Direction {
        let Endpoint::Workload(wi) = this else {
            return Direction::open(false);
        };
        let Some(w) = self.workloads.get(*wi) else {
            return Direction::open(false);
        };
        let selecting = if ingress {
            &self.ingress_policies[*wi]
        } else {
            &self.egress_policies[*wi]
        };
        if selecting.is_empty() {
            return Direction::open(true);
        }
        // Ports are always resolved against the destination of the connection.
        let dst_ports: Option<&[crate::ContainerPort]> = if ingress {
            Some(&w.ports)
        } else {
            self.workload(other).map(|d| d.ports.as_slice())
        };
        let mut rules = Vec::new();
        let mut allowed = PortSet::none();
        for &pi in selecting {
            let policy = &self.policies[pi];
            for r in policy.rules(ingress) {
                if self.matches_endpoint(pi, &r.peers, other) {
                    let ports = r.port_set(dst_ports);
                    allowed.add(&ports);
                    rules.push((
                        RuleRef {
                            policy: pi,
                            rule: r.index,
                        },
                        ports,
                    ));
                }
            }
        }
        Direction {
            applies: true,
            isolated: true,
            policies: selecting.clone(),
            rules,
            allowed,
        }
    }

    /// The verdict for traffic from `from` to `to`.
    pub fn reach(&self, from: &Endpoint, to: &Endpoint) -> Verdict {
        let egress = self.direction(from, to, false);
        let ingress = self.direction(to, from, true);
        let allowed = egress.allowed.intersect(&ingress.allowed);
        Verdict {
            egress,
            ingress,
            allowed,
        }
    }
}
