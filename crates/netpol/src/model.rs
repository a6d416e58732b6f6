//! The network model built from the inventory: namespaces, one endpoint per workload, and the
//! NetworkPolicies, parsed from the span-carrying tree with the field paths findings point at.

use crate::cidr::Cidr;
use crate::ports::{PortSet, Protocol};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use stockade_inventory::selector::{CONTROLLER_POD_LABELS, LabelSelector};
use stockade_inventory::{Inventory, Object, ObjectOrigin, PodSpecView};
use stockade_model::kinds::POD_MAKERS;
use stockade_model::{Diagnostic, DiagnosticLevel, FieldPath, ReadScope};
use stockade_sources::{Node, Value};

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
    /// Builds the model from an inventory.
    pub fn build(inv: &'a Inventory) -> Model<'a> {
        let mut m = Model::empty(inv);
        m.add_namespaces(inv);
        m.add_workloads(inv);
        let mut problems = Problems::new();
        m.add_policies(inv, &mut problems);
        m.select();
        m.add_diagnostics(inv, problems);
        m
    }

    /// A model without objects: whether the inputs are a live cluster, and what was read.
    fn empty(inv: &Inventory) -> Model<'a> {
        let live = !inv.objects().is_empty()
            && inv
                .objects()
                .iter()
                .all(|o| matches!(o.origin, ObjectOrigin::Cluster { .. }));
        let scope = inv.read_scope().clone();
        Model {
            live,
            complete: live
                && scope.cluster_wide("Namespace")
                && POD_MAKERS.iter().all(|k| scope.cluster_wide(k)),
            scope,
            ..Model::default()
        }
    }

    /// Namespaces, sorted by name: Namespace objects first (for their labels), then every
    /// namespace an object is placed in.
    fn add_namespaces(&mut self, inv: &'a Inventory) {
        let mut ns_objects: HashMap<String, &'a Object> = HashMap::new();
        for o in inv.of_kind("Namespace") {
            if !o.name().is_empty() {
                ns_objects.entry(o.name().to_string()).or_insert(o);
            }
        }
        let mut names: Vec<String> = ns_objects.keys().cloned().collect();
        for o in inv.objects() {
            if let Some(ns) = o.namespace() {
                names.push(ns.to_string());
            } else if o.kind() == "NetworkPolicy" || POD_MAKERS.contains(&o.kind()) {
                names.push(DEFAULT_NAMESPACE.to_string());
            }
        }
        names.sort();
        names.dedup();
        for name in names {
            let object = ns_objects.get(&name).copied();
            let mut labels: Labels = object
                .map(|o| {
                    o.labels()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                })
                .unwrap_or_default();
            labels.insert(NAME_LABEL.to_string(), name.clone());
            self.ns_index.insert(name.clone(), self.namespaces.len());
            self.namespaces.push(Namespace {
                name,
                labels,
                object,
            });
        }
    }

    /// Workloads, one per top-level controller (or bare Pod), sorted by namespace, name and
    /// kind, and indexed per namespace.
    fn add_workloads(&mut self, inv: &'a Inventory) {
        for kind in POD_MAKERS {
            for o in inv.of_kind(kind) {
                if controlled_by_present_owner(inv, o) {
                    continue;
                }
                let Some(pod) = PodSpecView::of(o) else {
                    continue;
                };
                let namespace = o.namespace().unwrap_or(DEFAULT_NAMESPACE).to_string();
                let Some(&ns_index) = self.ns_index.get(&namespace) else {
                    continue;
                };
                self.workloads.push(Workload {
                    object: o,
                    namespace,
                    ns_index,
                    kind: o.kind().to_string(),
                    name: o.name().to_string(),
                    labels: pod
                        .pod_labels()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    ports: container_ports(&pod),
                    ips: pod_ips(o),
                    host_network: pod.get("hostNetwork").and_then(Node::as_bool) == Some(true),
                });
            }
        }
        self.workloads.sort_by(|a, b| {
            (&a.namespace, &a.name, &a.kind).cmp(&(&b.namespace, &b.name, &b.kind))
        });
        self.by_ns = vec![Vec::new(); self.namespaces.len()];
        for (i, w) in self.workloads.iter().enumerate() {
            if let Some(v) = self.by_ns.get_mut(w.ns_index) {
                v.push(i);
            }
        }
    }

    /// NetworkPolicies, sorted by namespace and name; what the API server would reject goes
    /// to `problems`.
    fn add_policies(&mut self, inv: &'a Inventory, problems: &mut Problems<'a>) {
        for o in inv.of_kind("NetworkPolicy") {
            if let Some(p) = parse_policy(o, problems) {
                self.policies.push(p);
            }
        }
        self.policies
            .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    }

    /// Who selects whom: per policy the workloads of its namespace its `podSelector` matches,
    /// and per workload the policies that isolate it for each direction.
    fn select(&mut self) {
        self.ingress_policies = vec![Vec::new(); self.workloads.len()];
        self.egress_policies = vec![Vec::new(); self.workloads.len()];
        for (pi, p) in self.policies.iter().enumerate() {
            let mut sel = Vec::new();
            if let Some(&ns) = self.ns_index.get(&p.namespace) {
                for &wi in self.by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]) {
                    let w = &self.workloads[wi];
                    if !w.host_network && p.pod_selector.matches(&w.labels) {
                        sel.push(wi);
                        if p.affects_ingress {
                            self.ingress_policies[wi].push(pi);
                        }
                        if p.affects_egress {
                            self.egress_policies[wi].push(pi);
                        }
                    }
                }
            }
            self.selected.push(sel);
        }
    }

    /// One diagnostic per problem, at its location.
    fn add_diagnostics(&mut self, inv: &Inventory, problems: Problems<'a>) {
        for (o, path, message) in problems {
            let loc = inv.location(o, &path);
            let (file, line, column) =
                loc.map_or((None, 0, 0), |l| (Some(l.path), l.line, l.column));
            self.diagnostics.push(Diagnostic {
                level: DiagnosticLevel::Error,
                code: "invalid-network-policy".into(),
                message: format!(
                    "NetworkPolicy {}: `{path}`: {message}; the API server would reject this object, so that part allows nothing here",
                    o.display_name()
                ),
                path: file,
                line,
                column,
            });
        }
    }

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

/// Whether `o` is managed by a controller that is itself in the inventory (a Deployment's
/// ReplicaSet, a ReplicaSet's Pods, a CronJob's Jobs): the owner represents those pods.
fn controlled_by_present_owner(inv: &Inventory, o: &Object) -> bool {
    o.root
        .at("metadata.ownerReferences")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .any(|r| {
            r.get("controller").and_then(Node::as_bool) == Some(true)
                && match (
                    r.get("kind").and_then(Node::as_str),
                    r.get("name").and_then(Node::as_str),
                ) {
                    (Some(k), Some(n)) => inv.get(k, o.namespace(), n).is_some(),
                    _ => false,
                }
        })
}

type Problems<'a> = Vec<(&'a Object, FieldPath, String)>;

/// The ports a workload's containers and init containers declare (from the pod-spec view),
/// sorted and without repeats. A port without a valid number, or with a protocol the API does
/// not know, is left out.
fn container_ports(pod: &PodSpecView<'_>) -> Vec<ContainerPort> {
    let mut ports = Vec::new();
    for c in pod.containers() {
        for p in c.ports() {
            let Some(port) = p
                .number()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|n| *n > 0)
            else {
                continue;
            };
            let protocol = match p.protocol() {
                None => Protocol::Tcp,
                Some(s) => match Protocol::parse(s) {
                    Some(p) => p,
                    None => continue,
                },
            };
            ports.push(ContainerPort {
                name: p.name().map(str::to_string),
                port,
                protocol,
            });
        }
    }
    ports.sort();
    ports.dedup();
    ports
}

/// A Pod's known IPs (`status.podIP` and `status.podIPs`), without repeats; none for a
/// controller.
fn pod_ips(o: &Object) -> Vec<IpAddr> {
    let mut ips = Vec::new();
    if o.kind() != "Pod" {
        return ips;
    }
    let status = o.root.get("status");
    let mut push = |n: Option<&Node>| {
        if let Some(ip) = n.and_then(Node::as_str).and_then(|s| s.parse().ok())
            && !ips.contains(&ip)
        {
            ips.push(ip);
        }
    };
    push(status.and_then(|s| s.get("podIP")));
    for i in status
        .and_then(|s| s.get("podIPs"))
        .map(Node::items)
        .unwrap_or(&[])
    {
        push(i.get("ip"));
    }
    ips
}

fn parse_policy<'a>(o: &'a Object, problems: &mut Problems<'a>) -> Option<Policy<'a>> {
    let spec_path = FieldPath::parse("spec");
    let Some(spec) = o.root.get("spec") else {
        problems.push((o, spec_path, "a NetworkPolicy needs a `spec`".into()));
        return None;
    };
    let mut errs: Vec<(FieldPath, String)> = Vec::new();
    // A value, not a pointer, in the API: missing or null is `{}` and selects every pod.
    let pod_selector = match spec.get("podSelector") {
        Some(n) => LabelSelector::parse_value(n, &spec_path.key("podSelector"), &mut errs),
        None => LabelSelector::everything(),
    };
    let ingress = parse_rules(spec, "ingress", "from", &mut errs);
    let egress = parse_rules(spec, "egress", "to", &mut errs);
    let types_node = spec.get("policyTypes");
    let types: Vec<(usize, &Node)> = types_node
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .collect();
    if let Some(t) = types_node
        && !matches!(t.value, Value::Seq(_) | Value::Null)
    {
        errs.push((
            spec_path.key("policyTypes"),
            format!("policyTypes must be a list, found {}", t.type_name()),
        ));
    }
    let (affects_ingress, affects_egress, explicit) = if types.is_empty() {
        // The API server's defaulting: Ingress always, Egress when there are egress rules.
        let has_egress = spec.get("egress").is_some_and(|e| !e.items().is_empty());
        (true, has_egress, false)
    } else {
        let (mut i, mut e) = (false, false);
        for (idx, t) in types {
            match t.as_str() {
                Some("Ingress") => i = true,
                Some("Egress") => e = true,
                _ => errs.push((
                    spec_path.key("policyTypes").index(idx),
                    format!(
                        "policy type must be \"Ingress\" or \"Egress\" (case matters), found {}",
                        t.value
                    ),
                )),
            }
        }
        (i, e, true)
    };
    problems.extend(errs.into_iter().map(|(p, m)| (o, p, m)));
    Some(Policy {
        object: o,
        namespace: o.namespace().unwrap_or(DEFAULT_NAMESPACE).to_string(),
        name: o.name().to_string(),
        pod_selector,
        ingress,
        egress,
        affects_ingress,
        affects_egress,
        policy_types_explicit: explicit,
    })
}

fn parse_rules(
    spec: &Node,
    field: &str,
    peers_field: &str,
    errs: &mut Vec<(FieldPath, String)>,
) -> Vec<PolicyRule> {
    let base = FieldPath::parse("spec").key(field);
    let Some(list) = spec.get(field) else {
        return Vec::new();
    };
    if !matches!(list.value, Value::Seq(_) | Value::Null) {
        errs.push((
            base,
            format!(
                "{field} must be a list of rules, found {}",
                list.type_name()
            ),
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, r) in list.items().iter().enumerate() {
        let path = base.index(i);
        let mut rule = PolicyRule {
            index: i,
            path: path.clone(),
            peers: Vec::new(),
            ports: Vec::new(),
        };
        if !matches!(r.value, Value::Map(_) | Value::Null) {
            errs.push((
                path,
                format!("a rule must be a mapping, found {}", r.type_name()),
            ));
            // An unparseable rule allows nothing: give it one invalid peer and no ports.
            rule.peers.push(Peer {
                kind: PeerKind::Invalid,
                path: rule.path.clone(),
            });
            out.push(rule);
            continue;
        }
        for (j, p) in r
            .get(peers_field)
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let pp = path.key(peers_field).index(j);
            rule.peers.push(Peer {
                kind: parse_peer(p, &pp, errs),
                path: pp,
            });
        }
        for (j, p) in r
            .get("ports")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            rule.ports
                .push(parse_port(p, &path.key("ports").index(j), errs));
        }
        out.push(rule);
    }
    out
}

fn parse_peer(p: &Node, path: &FieldPath, errs: &mut Vec<(FieldPath, String)>) -> PeerKind {
    let pods = p.get("podSelector").filter(|n| !n.is_null());
    let nss = p.get("namespaceSelector").filter(|n| !n.is_null());
    let block = p.get("ipBlock").filter(|n| !n.is_null());
    if let Some(b) = block {
        if pods.is_some() || nss.is_some() {
            errs.push((
                path.clone(),
                "a peer may set `ipBlock` or selectors, not both: split it into two peers".into(),
            ));
            return PeerKind::Invalid;
        }
        let bp = path.key("ipBlock");
        let Some(cidr) = b.get("cidr").and_then(Node::as_str).and_then(Cidr::parse) else {
            errs.push((
                bp.key("cidr"),
                "ipBlock needs a `cidr` such as 10.0.0.0/8 or 2001:db8::/32".into(),
            ));
            return PeerKind::Invalid;
        };
        let mut except = Vec::new();
        for (i, e) in b
            .get("except")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            match e.as_str().and_then(Cidr::parse) {
                Some(c) if cidr.covers(&c) && c.prefix() > cidr.prefix() => except.push(c),
                Some(c) => {
                    errs.push((
                        bp.key("except").index(i),
                        format!("except {c} must be strictly inside cidr {cidr}"),
                    ));
                    return PeerKind::Invalid;
                }
                None => {
                    errs.push((
                        bp.key("except").index(i),
                        format!("not a CIDR: {}", e.value),
                    ));
                    return PeerKind::Invalid;
                }
            }
        }
        return PeerKind::IpBlock { cidr, except };
    }
    if pods.is_none() && nss.is_none() {
        errs.push((
            path.clone(),
            "a peer must set `podSelector`, `namespaceSelector` or `ipBlock`".into(),
        ));
        return PeerKind::Invalid;
    }
    PeerKind::Pods {
        pods: pods.map(|n| LabelSelector::parse(n, &path.key("podSelector"), errs)),
        namespaces: nss.map(|n| LabelSelector::parse(n, &path.key("namespaceSelector"), errs)),
    }
}

fn parse_port(p: &Node, path: &FieldPath, errs: &mut Vec<(FieldPath, String)>) -> PolicyPort {
    let mut out = PolicyPort {
        protocol: Protocol::Tcp,
        port: None,
        end_port: None,
        path: path.clone(),
        invalid: false,
    };
    let bad = |errs: &mut Vec<(FieldPath, String)>, rel: &str, m: String| {
        errs.push((path.key(rel), m));
    };
    match p.get("protocol").filter(|n| !n.is_null()) {
        None => {}
        Some(n) => match n.as_str().and_then(Protocol::parse) {
            Some(pr) => out.protocol = pr,
            None => {
                bad(
                    errs,
                    "protocol",
                    format!(
                        "protocol must be TCP, UDP or SCTP (case matters), found {}",
                        n.value
                    ),
                );
                out.invalid = true;
            }
        },
    }
    match p.get("port").map(|n| &n.value) {
        None | Some(Value::Null) => {}
        Some(Value::Int(n)) => match u16::try_from(*n).ok().filter(|n| *n > 0) {
            Some(n) => out.port = Some(PortRef::Number(n)),
            None => {
                bad(
                    errs,
                    "port",
                    format!("port must be between 1 and 65535, found {n}"),
                );
                out.invalid = true;
            }
        },
        Some(Value::Str(s)) => {
            if s.is_empty() || !s.bytes().any(|b| b.is_ascii_alphabetic()) {
                bad(
                    errs,
                    "port",
                    format!(
                        "a named port must contain a letter, found {s:?} (write numbers unquoted)"
                    ),
                );
                out.invalid = true;
            }
            out.port = Some(PortRef::Name(s.to_string()));
        }
        Some(v) => {
            bad(
                errs,
                "port",
                format!("port must be a number or a name, found {}", v.type_name()),
            );
            out.invalid = true;
        }
    }
    match p.get("endPort").map(|n| &n.value) {
        None | Some(Value::Null) => {}
        Some(Value::Int(e)) => match (&out.port, u16::try_from(*e).ok()) {
            (Some(PortRef::Number(n)), Some(e)) if e >= *n => out.end_port = Some(e),
            (Some(PortRef::Number(n)), _) => {
                bad(
                    errs,
                    "endPort",
                    format!("endPort {e} must be at least port {n} and at most 65535"),
                );
                out.invalid = true;
            }
            _ => {
                bad(
                    errs,
                    "endPort",
                    "endPort needs a numeric `port` to start the range".into(),
                );
                out.invalid = true;
            }
        },
        Some(v) => {
            bad(
                errs,
                "endPort",
                format!("endPort must be a number, found {}", v.type_name()),
            );
            out.invalid = true;
        }
    }
    out
}
