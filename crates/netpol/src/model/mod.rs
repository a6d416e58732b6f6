//! The network model built from the inventory: namespaces, one endpoint per workload, and the
//! NetworkPolicies, parsed from the span-carrying tree with the field paths findings point at.

mod build;
mod parse;

use crate::cidr::Cidr;
use crate::ports::{PortSet, Protocol};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use stockade_inventory::Object;
use stockade_inventory::selector::{CONTROLLER_POD_LABELS, LabelSelector};
use stockade_model::kinds::POD_MAKERS;
use stockade_model::{Diagnostic, FieldPath, ReadScope};

/// Labels of a pod or namespace.
pub type Labels = std::collections::BTreeMap<String, String>;

/// The label the API server sets on every namespace to its name.
pub const NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// The namespace objects without `metadata.namespace` are placed in.
pub const DEFAULT_NAMESPACE: &str = "default";

/// A namespace: from a Namespace object, or implied by objects placed in it.
#[derive(Debug)]
pub struct Namespace<'a> {
    /// Its name.
    pub name: String,
    /// Its labels, with the implicit `kubernetes.io/metadata.name`.
    pub labels: Labels,
    /// The Namespace object, when one was read.
    pub object: Option<&'a Object>,
}

/// A port a container declares.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContainerPort {
    /// `name`, when set.
    pub name: Option<String>,
    /// `containerPort`.
    pub port: u16,
    /// `protocol` (TCP by default).
    pub protocol: Protocol,
}

/// A workload: the pods of one controller (or one bare Pod), represented by its pod template.
#[derive(Debug)]
pub struct Workload<'a> {
    /// The object (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
    /// CronJob or Pod).
    pub object: &'a Object,
    /// Its namespace (`default` when unset).
    pub namespace: String,
    /// Index of its namespace in [`Model::namespaces`].
    pub ns_index: usize,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The labels of its pods.
    pub labels: Labels,
    /// The ports its containers (and init containers) declare.
    pub ports: Vec<ContainerPort>,
    /// Known pod IPs (`status.podIPs` of a Pod read from a cluster or a manifest).
    pub ips: Vec<IpAddr>,
    /// `hostNetwork: true`: policies neither select it nor match it as a peer.
    pub host_network: bool,
}

impl Workload<'_> {
    /// `ns/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// `port` of a NetworkPolicyPort.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PortRef {
    /// A port number.
    Number(u16),
    /// A named container port of the destination pod.
    Name(String),
}

/// One entry of a rule's `ports`.
#[derive(Clone, Debug)]
pub struct PolicyPort {
    /// `protocol` (TCP by default).
    pub protocol: Protocol,
    /// `port`; `None` is every port of the protocol.
    pub port: Option<PortRef>,
    /// `endPort`, for a numeric `port`.
    pub end_port: Option<u16>,
    /// Where it is.
    pub path: FieldPath,
    /// The API server would reject it; it allows nothing.
    pub invalid: bool,
}

impl fmt::Display for PolicyPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.port, self.end_port) {
            (None, _) => write!(f, "{} all", self.protocol),
            (Some(PortRef::Number(n)), Some(e)) => write!(f, "{} {n}-{e}", self.protocol),
            (Some(PortRef::Number(n)), None) => write!(f, "{} {n}", self.protocol),
            (Some(PortRef::Name(s)), _) => write!(f, "{} {s:?}", self.protocol),
        }
    }
}

/// What a peer selects.
#[derive(Clone, Debug)]
pub enum PeerKind {
    /// Pods by selectors. `namespaces: None` means the policy's own namespace; `pods: None`
    /// means every pod of the selected namespaces.
    Pods {
        /// `podSelector`.
        pods: Option<LabelSelector>,
        /// `namespaceSelector`.
        namespaces: Option<LabelSelector>,
    },
    /// `ipBlock`: addresses in `cidr` outside every `except`.
    IpBlock {
        /// `cidr`.
        cidr: Cidr,
        /// `except`.
        except: Vec<Cidr>,
    },
    /// A peer the API server would reject; it matches nothing.
    Invalid,
}

/// One entry of a rule's `from` or `to`.
#[derive(Clone, Debug)]
pub struct Peer {
    /// What it selects.
    pub kind: PeerKind,
    /// Where it is.
    pub path: FieldPath,
}

impl Peer {
    /// Whether an ipBlock peer holds `ip`.
    pub fn block_contains(&self, ip: IpAddr) -> bool {
        match &self.kind {
            PeerKind::IpBlock { cidr, except } => {
                cidr.contains(ip) && !except.iter().any(|e| e.contains(ip))
            }
            _ => false,
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            PeerKind::Pods { pods, namespaces } => {
                match namespaces {
                    None => f.write_str("pods in the policy's namespace")?,
                    Some(n) if n.is_empty() => f.write_str("pods in every namespace")?,
                    Some(n) => write!(f, "pods in namespaces matching {n}")?,
                }
                match pods {
                    Some(p) if !p.is_empty() => write!(f, " with labels {p}"),
                    _ => Ok(()),
                }
            }
            PeerKind::IpBlock { cidr, except } => {
                write!(f, "{cidr}")?;
                if !except.is_empty() {
                    let e: Vec<String> = except.iter().map(ToString::to_string).collect();
                    write!(f, " except {}", e.join(", "))?;
                }
                Ok(())
            }
            PeerKind::Invalid => f.write_str("<invalid peer>"),
        }
    }
}

/// One ingress or egress rule.
#[derive(Clone, Debug)]
pub struct PolicyRule {
    /// Index in `spec.ingress` / `spec.egress`.
    pub index: usize,
    /// Where it is.
    pub path: FieldPath,
    /// `from`/`to`; empty means every source or destination, pods and external addresses.
    pub peers: Vec<Peer>,
    /// `ports`; empty means every port and protocol.
    pub ports: Vec<PolicyPort>,
}

impl PolicyRule {
    /// Whether the rule allows every peer (`from`/`to` empty or missing).
    pub fn all_peers(&self) -> bool {
        self.peers.is_empty()
    }

    /// Whether any `ports` entry names a port.
    pub fn has_named_ports(&self) -> bool {
        self.ports
            .iter()
            .any(|p| matches!(p.port, Some(PortRef::Name(_))))
    }

    /// The ports the rule allows towards a destination with `dst_ports` (`None` for an address
    /// outside the cluster, where named ports resolve to nothing).
    pub fn port_set(&self, dst_ports: Option<&[ContainerPort]>) -> PortSet {
        if self.ports.is_empty() {
            return PortSet::all();
        }
        let mut out = PortSet::none();
        for p in &self.ports {
            if p.invalid {
                continue;
            }
            let s = match &p.port {
                None => PortSet::protocol(p.protocol),
                Some(PortRef::Number(n)) => {
                    PortSet::range(p.protocol, *n, p.end_port.unwrap_or(*n))
                }
                Some(PortRef::Name(name)) => {
                    let mut s = PortSet::none();
                    for c in dst_ports.unwrap_or(&[]) {
                        if c.protocol == p.protocol && c.name.as_deref() == Some(name.as_str()) {
                            s.add(&PortSet::single(c.protocol, c.port));
                        }
                    }
                    s
                }
            };
            out.add(&s);
        }
        out
    }
}

/// A NetworkPolicy.
#[derive(Debug)]
pub struct Policy<'a> {
    /// The object.
    pub object: &'a Object,
    /// Its namespace (`default` when unset).
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// `spec.podSelector` (missing or null selects every pod, like `{}`).
    pub pod_selector: LabelSelector,
    /// `spec.ingress`.
    pub ingress: Vec<PolicyRule>,
    /// `spec.egress`.
    pub egress: Vec<PolicyRule>,
    /// Whether `policyTypes` (as defaulted) holds `Ingress`.
    pub affects_ingress: bool,
    /// Whether `policyTypes` (as defaulted) holds `Egress`.
    pub affects_egress: bool,
    /// Whether `policyTypes` was written (non-empty) rather than defaulted.
    pub policy_types_explicit: bool,
}

impl Policy<'_> {
    /// `ns/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The rules of one direction (`true` for ingress).
    pub fn rules(&self, ingress: bool) -> &[PolicyRule] {
        if ingress { &self.ingress } else { &self.egress }
    }

    /// Whether the policy isolates its pods for one direction.
    pub fn affects(&self, ingress: bool) -> bool {
        if ingress {
            self.affects_ingress
        } else {
            self.affects_egress
        }
    }
}

/// The whole network model.
#[derive(Debug, Default)]
pub struct Model<'a> {
    /// Every namespace, sorted by name.
    pub namespaces: Vec<Namespace<'a>>,
    /// Every workload, sorted by namespace, name and kind.
    pub workloads: Vec<Workload<'a>>,
    /// Every NetworkPolicy, sorted by namespace and name.
    pub policies: Vec<Policy<'a>>,
    /// Whether every object came from a live cluster (manifests may be a part of what runs).
    pub live: bool,
    /// Whether the model sees every namespace and pod: every object came from a live cluster
    /// that was read cluster-wide, Namespaces and every kind that makes pods included.
    pub complete: bool,
    /// What was read of each kind.
    pub scope: ReadScope,
    /// Per workload: the policies that select it for ingress.
    pub ingress_policies: Vec<Vec<usize>>,
    /// Per workload: the policies that select it for egress.
    pub egress_policies: Vec<Vec<usize>>,
    /// Per policy: the workloads it selects.
    pub selected: Vec<Vec<usize>>,
    /// Objects the API server would reject, or parts of them; these parts allow nothing.
    pub diagnostics: Vec<Diagnostic>,
    ns_index: HashMap<String, usize>,
    by_ns: Vec<Vec<usize>>,
}

impl<'a> Model<'a> {
    /// A namespace by name.
    pub fn namespace(&self, name: &str) -> Option<&Namespace<'a>> {
        self.ns_index.get(name).map(|&i| &self.namespaces[i])
    }

    /// Whether the model sees every pod of namespace `ns`: every object came from a live
    /// cluster and every kind that makes pods was read in that namespace.
    pub fn pods_known_in(&self, ns: &str) -> bool {
        self.live && POD_MAKERS.iter().all(|k| self.scope.covers(k, Some(ns)))
    }

    /// Whether the model sees every pod a peer of `policy` could select: a live cluster whose
    /// Namespaces were read cluster-wide, and whose pods were read in every namespace the peer
    /// selects. (ipBlock peers: whether every pod was read.)
    pub fn peer_complete(&self, policy: &Policy<'_>, peer: &Peer) -> bool {
        match &peer.kind {
            PeerKind::Pods {
                namespaces: None, ..
            } => self.pods_known_in(&policy.namespace),
            PeerKind::Pods { .. } => {
                self.live
                    && self.scope.cluster_wide("Namespace")
                    && self
                        .peer_namespaces(policy, peer)
                        .into_iter()
                        .all(|i| self.pods_known_in(&self.namespaces[i].name))
            }
            _ => self.complete,
        }
    }

    /// Indexes of the workloads of a namespace.
    pub fn workloads_in(&self, ns: &str) -> &[usize] {
        self.ns_index
            .get(ns)
            .and_then(|&i| self.by_ns.get(i))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Whether a peer of `policy` matches workload `w`.
    pub fn peer_matches(&self, policy: &Policy<'_>, peer: &Peer, w: &Workload<'_>) -> bool {
        match &peer.kind {
            PeerKind::Pods { pods, namespaces } => {
                if w.host_network {
                    return false;
                }
                let ns_ok = match namespaces {
                    None => w.namespace == policy.namespace,
                    Some(sel) => self
                        .namespaces
                        .get(w.ns_index)
                        .is_some_and(|n| sel.matches(&n.labels)),
                };
                ns_ok && pods.as_ref().is_none_or(|s| s.matches(&w.labels))
            }
            PeerKind::IpBlock { .. } => w.ips.iter().any(|ip| peer.block_contains(*ip)),
            PeerKind::Invalid => false,
        }
    }

    /// The namespaces a peer of `policy` can select pods in (empty for ipBlock peers).
    pub fn peer_namespaces(&self, policy: &Policy<'_>, peer: &Peer) -> Vec<usize> {
        match &peer.kind {
            PeerKind::Pods {
                namespaces: None, ..
            } => self
                .ns_index
                .get(&policy.namespace)
                .copied()
                .into_iter()
                .collect(),
            PeerKind::Pods {
                namespaces: Some(sel),
                ..
            } => (0..self.namespaces.len())
                .filter(|&i| sel.matches(&self.namespaces[i].labels))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether `sel` may match pods of `w`. A Pod's labels are exact; a controller's pods carry
    /// its template's labels plus the ones the controller adds (`pod-template-hash`,
    /// `statefulset.kubernetes.io/pod-name`, …), so requirements on those are not judged
    /// against the template. For "selects nothing" questions, where a miss is a claim.
    pub fn may_select(&self, sel: &LabelSelector, w: &Workload<'_>) -> bool {
        if w.kind == "Pod" {
            sel.matches(&w.labels)
        } else {
            sel.matches_ignoring(&w.labels, CONTROLLER_POD_LABELS)
        }
    }

    /// Whether policy `pi`'s `podSelector` may select pods of any workload of its namespace
    /// (see [`Model::may_select`]); `selected[pi]` is the exact answer on template labels.
    pub fn policy_may_select_any(&self, pi: usize) -> bool {
        if self.selected.get(pi).is_some_and(|s| !s.is_empty()) {
            return true;
        }
        let Some(p) = self.policies.get(pi) else {
            return false;
        };
        self.workloads_in(&p.namespace).iter().any(|&wi| {
            let w = &self.workloads[wi];
            !w.host_network && self.may_select(&p.pod_selector, w)
        })
    }

    /// Whether a pod peer of `policy` may match pods of any workload (see
    /// [`Model::may_select`]); for other peers, whether [`Model::peer_workloads`] is non-empty.
    pub fn peer_may_match_any(&self, policy: &Policy<'_>, peer: &Peer) -> bool {
        let PeerKind::Pods { pods, .. } = &peer.kind else {
            return !self.peer_workloads(policy, peer).is_empty();
        };
        self.peer_namespaces(policy, peer)
            .into_iter()
            .flat_map(|ns| self.by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]))
            .any(|&wi| {
                let w = &self.workloads[wi];
                !w.host_network && pods.as_ref().is_none_or(|s| self.may_select(s, w))
            })
    }

    /// The workloads a peer of `policy` matches.
    pub fn peer_workloads(&self, policy: &Policy<'_>, peer: &Peer) -> Vec<usize> {
        match &peer.kind {
            PeerKind::Pods { .. } => self
                .peer_namespaces(policy, peer)
                .into_iter()
                .flat_map(|ns| self.by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]))
                .copied()
                .filter(|&wi| self.peer_matches(policy, peer, &self.workloads[wi]))
                .collect(),
            PeerKind::IpBlock { .. } => (0..self.workloads.len())
                .filter(|&wi| self.peer_matches(policy, peer, &self.workloads[wi]))
                .collect(),
            PeerKind::Invalid => Vec::new(),
        }
    }

    /// Finds a workload by `NS/NAME`, `NS/KIND/NAME` or a bare `NAME` that is unique.
    pub fn find(&self, spec: &str) -> Result<usize, String> {
        let parts: Vec<&str> = spec.split('/').collect();
        let hits: Vec<usize> = (0..self.workloads.len())
            .filter(|&i| {
                let w = &self.workloads[i];
                match parts.as_slice() {
                    [name] => w.name == *name,
                    [ns, name] => w.namespace == *ns && w.name == *name,
                    [ns, kind, name] => {
                        w.namespace == *ns && w.name == *name && w.kind.eq_ignore_ascii_case(kind)
                    }
                    _ => false,
                }
            })
            .collect();
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => {
                let ns = match parts.as_slice() {
                    [ns, ..] if parts.len() > 1 => Some(*ns),
                    _ => None,
                };
                let known: Vec<String> = self
                    .workloads
                    .iter()
                    .filter(|w| ns.is_none_or(|n| w.namespace == n))
                    .take(10)
                    .map(|w| w.id())
                    .collect();
                Err(if self.workloads.is_empty() {
                    format!(
                        "no workload {spec:?}: the inputs hold no workloads (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs or CronJobs)"
                    )
                } else if known.is_empty() {
                    format!("no workload {spec:?}: the inputs hold no workload in that namespace")
                } else {
                    format!(
                        "no workload {spec:?}; known workloads include: {}",
                        known.join(", ")
                    )
                })
            }
            many => {
                let c: Vec<String> = many
                    .iter()
                    .map(|&i| {
                        let w = &self.workloads[i];
                        format!("{}/{}/{}", w.namespace, w.kind.to_lowercase(), w.name)
                    })
                    .collect();
                Err(format!(
                    "{spec:?} is ambiguous; say which one: {}",
                    c.join(", ")
                ))
            }
        }
    }
}
