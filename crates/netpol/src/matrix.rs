//! The connectivity matrix between every pair of workloads, plus each workload's access to and
//! from addresses outside the cluster.
//!
//! Built for thousands of workloads: peers are evaluated once per rule into bitsets, port sets
//! are interned (a cell is a small integer) and unions and intersections of interned sets are
//! memoised, so a cell costs a few bit tests. It agrees with [`Model::reach`] on every cell (a
//! test checks it on every e2e scenario).

use crate::model::{Model, PeerKind};
use crate::ports::PortSet;
use serde::Serialize;
use std::collections::HashMap;

const NONE: u32 = 0;
const ALL: u32 = 1;

/// Interned port sets with memoised set operations.
struct Interner {
    sets: Vec<PortSet>,
    ids: HashMap<PortSet, u32>,
    unions: HashMap<(u32, u32), u32>,
    inters: HashMap<(u32, u32), u32>,
}

impl Interner {
    fn new() -> Interner {
        let mut i = Interner {
            sets: Vec::new(),
            ids: HashMap::new(),
            unions: HashMap::new(),
            inters: HashMap::new(),
        };
        i.id(PortSet::none());
        i.id(PortSet::all());
        i
    }

    fn id(&mut self, s: PortSet) -> u32 {
        if let Some(&i) = self.ids.get(&s) {
            return i;
        }
        let i = u32::try_from(self.sets.len()).unwrap_or(u32::MAX);
        self.sets.push(s.clone());
        self.ids.insert(s, i);
        i
    }

    fn union(&mut self, a: u32, b: u32) -> u32 {
        if a == b || b == NONE || a == ALL {
            return a;
        }
        if a == NONE || b == ALL {
            return b;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&r) = self.unions.get(&key) {
            return r;
        }
        let s = self.get(a).union(self.get(b));
        let r = self.id(s);
        self.unions.insert(key, r);
        r
    }

    fn intersect(&mut self, a: u32, b: u32) -> u32 {
        if a == b || b == ALL || a == NONE {
            return a;
        }
        if a == ALL || b == NONE {
            return b;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&r) = self.inters.get(&key) {
            return r;
        }
        let s = self.get(a).intersect(self.get(b));
        let r = self.id(s);
        self.inters.insert(key, r);
        r
    }

    fn get(&self, i: u32) -> &PortSet {
        static EMPTY: std::sync::OnceLock<PortSet> = std::sync::OnceLock::new();
        self.sets
            .get(i as usize)
            .unwrap_or_else(|| EMPTY.get_or_init(PortSet::none))
    }
}

/// A fixed-size set of workload indexes.
#[derive(Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// One rule, ready for the matrix.
struct CompiledRule {
    /// `None`: every peer.
    peers: Option<Bits>,
    /// The interned ports when the rule names no port (independent of the destination).
    fixed: Option<u32>,
    /// Policy and rule index, to resolve named ports per destination.
    policy: usize,
    rule: usize,
    ingress: bool,
}

/// A range of addresses outside the cluster a workload may talk to, and on which ports.
#[derive(Clone, Debug, Serialize)]
pub struct ExternalPeer {
    /// `any address`, or a CIDR with its exceptions.
    pub block: String,
    /// The ports.
    pub ports: PortSet,
}

/// A workload's access to and from addresses outside the cluster.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ExternalAccess {
    /// Who outside may connect in.
    pub ingress: Vec<ExternalPeer>,
    /// Where outside it may connect to (named ports never match outside the cluster).
    pub egress: Vec<ExternalPeer>,
}

/// Connectivity between every pair of workloads.
#[derive(Debug)]
pub struct Matrix {
    n: usize,
    cells: Vec<u32>,
    sets: Vec<PortSet>,
    /// Per workload, its access to and from outside addresses.
    pub external: Vec<ExternalAccess>,
}

impl Matrix {
    /// Computes the matrix for every workload of the model.
    pub fn compute(m: &Model<'_>) -> Matrix {
        let n = m.workloads.len();
        let mut it = Interner::new();

        // Compile each (policy, direction, rule) once.
        let mut compiled: Vec<CompiledRule> = Vec::new();
        let mut by_policy: Vec<[Vec<usize>; 2]> = Vec::with_capacity(m.policies.len());
        for (pi, p) in m.policies.iter().enumerate() {
            let mut idx: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
            for (d, ingress) in [(0, true), (1, false)] {
                if !p.affects(ingress) {
                    continue;
                }
                for r in p.rules(ingress) {
                    let peers = if r.all_peers() {
                        None
                    } else {
                        let mut b = Bits::new(n);
                        for peer in &r.peers {
                            for wi in m.peer_workloads(p, peer) {
                                b.set(wi);
                            }
                        }
                        Some(b)
                    };
                    let fixed = (!r.has_named_ports()).then(|| it.id(r.port_set(None)));
                    idx[d].push(compiled.len());
                    compiled.push(CompiledRule {
                        peers,
                        fixed,
                        policy: pi,
                        rule: r.index,
                        ingress,
                    });
                }
            }
            by_policy.push(idx);
        }

        // Per workload: its rules per direction (`None`: not isolated).
        let rules_of = |wi: usize, ingress: bool| -> Option<Vec<usize>> {
            let sel = if ingress {
                &m.ingress_policies[wi]
            } else {
                &m.egress_policies[wi]
            };
            if sel.is_empty() {
                return None;
            }
            let d = if ingress { 0 } else { 1 };
            Some(
                sel.iter()
                    .flat_map(|&pi| by_policy[pi][d].iter().copied())
                    .collect(),
            )
        };
        let ingress_rules: Vec<Option<Vec<usize>>> = (0..n).map(|w| rules_of(w, true)).collect();
        let egress_rules: Vec<Option<Vec<usize>>> = (0..n).map(|w| rules_of(w, false)).collect();

        // Named ports resolve per destination; destinations with equal port lists share results.
        let mut profiles: HashMap<&[crate::ContainerPort], usize> = HashMap::new();
        let profile: Vec<usize> = m
            .workloads
            .iter()
            .map(|w| {
                let next = profiles.len();
                *profiles.entry(w.ports.as_slice()).or_insert(next)
            })
            .collect();
        let mut named: HashMap<(usize, usize), u32> = HashMap::new();
        let mut ports_for = |it: &mut Interner, ci: usize, dst: usize| -> u32 {
            let c = &compiled[ci];
            if let Some(f) = c.fixed {
                return f;
            }
            *named.entry((ci, profile[dst])).or_insert_with(|| {
                let rule = m.policies[c.policy]
                    .rules(c.ingress)
                    .iter()
                    .find(|r| r.index == c.rule);
                let s =
                    rule.map_or_else(PortSet::none, |r| r.port_set(Some(&m.workloads[dst].ports)));
                it.id(s)
            })
        };

        // Ingress of each destination towards each source, per destination.
        let mut cells = vec![NONE; n * n];
        for d in 0..n {
            let in_rules: Option<Vec<(usize, u32)>> = ingress_rules[d].as_ref().map(|rs| {
                rs.iter()
                    .map(|&ci| (ci, ports_for(&mut it, ci, d)))
                    .collect()
            });
            for s in 0..n {
                let e = match &egress_rules[s] {
                    None => ALL,
                    Some(rs) => {
                        let mut acc = NONE;
                        for &ci in rs {
                            if compiled[ci].peers.as_ref().is_none_or(|b| b.has(d)) {
                                let p = ports_for(&mut it, ci, d);
                                acc = it.union(acc, p);
                                if acc == ALL {
                                    break;
                                }
                            }
                        }
                        acc
                    }
                };
                if e == NONE {
                    continue;
                }
                let i = match &in_rules {
                    None => ALL,
                    Some(rs) => {
                        let mut acc = NONE;
                        for &(ci, p) in rs {
                            if compiled[ci].peers.as_ref().is_none_or(|b| b.has(s)) {
                                acc = it.union(acc, p);
                                if acc == ALL {
                                    break;
                                }
                            }
                        }
                        acc
                    }
                };
                cells[s * n + d] = it.intersect(e, i);
            }
        }

        let external = (0..n).map(|w| m.external_access(w)).collect();
        Matrix {
            n,
            cells,
            sets: it.sets,
            external,
        }
    }

    /// The number of workloads (rows and columns).
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no workloads.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The ports `from` may use to reach `to`.
    pub fn get(&self, from: usize, to: usize) -> &PortSet {
        self.sets
            .get(self.cell(from, to) as usize)
            .unwrap_or(&self.sets[0])
    }

    /// The interned id of a cell: 0 is no port, 1 every port; equal ids are equal sets.
    pub fn cell(&self, from: usize, to: usize) -> u32 {
        if from >= self.n || to >= self.n {
            return NONE;
        }
        self.cells.get(from * self.n + to).copied().unwrap_or(NONE)
    }

    /// Every distinct port set, by id.
    pub fn sets(&self) -> &[PortSet] {
        &self.sets
    }
}

impl Model<'_> {
    /// A workload's access to and from addresses outside the cluster: every address when it
    /// is not isolated in a direction, else the ipBlock peers (and peer-less rules) of the
    /// policies that select it.
    pub fn external_access(&self, wi: usize) -> ExternalAccess {
        external_access(self, wi)
    }
}

fn external_access(m: &Model<'_>, wi: usize) -> ExternalAccess {
    if wi >= m.workloads.len() {
        return ExternalAccess::default();
    }
    let any = || {
        vec![ExternalPeer {
            block: "any address".into(),
            ports: PortSet::all(),
        }]
    };
    let side = |ingress: bool| -> Vec<ExternalPeer> {
        let sel = if ingress {
            &m.ingress_policies[wi]
        } else {
            &m.egress_policies[wi]
        };
        if sel.is_empty() {
            return any();
        }
        let dst = if ingress {
            Some(m.workloads[wi].ports.as_slice())
        } else {
            None
        };
        let mut out: Vec<ExternalPeer> = Vec::new();
        let mut push = |block: String, ports: PortSet| {
            if ports.is_empty() {
                return;
            }
            match out.iter_mut().find(|e| e.block == block) {
                Some(e) => e.ports.add(&ports),
                None => out.push(ExternalPeer { block, ports }),
            }
        };
        for &pi in sel {
            for r in m.policies[pi].rules(ingress) {
                let ports = r.port_set(dst);
                if r.all_peers() {
                    push("any address".into(), ports);
                    continue;
                }
                for peer in &r.peers {
                    if let PeerKind::IpBlock { .. } = peer.kind {
                        push(peer.to_string(), ports.clone());
                    }
                }
            }
        }
        out
    };
    ExternalAccess {
        ingress: side(true),
        egress: side(false),
    }
}
