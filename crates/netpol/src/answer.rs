//! What `stockade netpol reach|matrix|explain` answer: plain data built from a [`Model`],
//! serializable (the `-o json` documents) and rendered by `stockade_report::netpol`.

use crate::{Direction, Endpoint, ExternalAccess, ExternalPeer, Matrix, Model, PortSet, Protocol};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use stockade_inventory::{Inventory, Object};
use stockade_model::{Diagnostic, FieldPath};

/// `path:line:column` (or the path alone) of a field, for answers.
fn location(inv: &Inventory, o: &Object, path: &FieldPath) -> Option<String> {
    let l = inv.location(o, path)?;
    Some(if l.line > 0 {
        format!("{}:{}:{}", l.path, l.line, l.column)
    } else {
        l.path
    })
}

fn name_location(inv: &Inventory, o: &Object) -> Option<String> {
    location(inv, o, &FieldPath::parse("metadata.name"))
}

/// A workload or an address outside the cluster.
#[derive(Clone, Debug)]
pub enum EndpointAnswer {
    /// A workload.
    Workload {
        /// `ns/name`.
        id: String,
        /// Its namespace.
        namespace: String,
        /// Its kind.
        kind: String,
        /// Its name.
        name: String,
        /// Where its `metadata.name` is.
        location: Option<String>,
    },
    /// An address.
    External(IpAddr),
}

impl EndpointAnswer {
    /// The endpoint of `e` in `m`.
    pub fn new(m: &Model<'_>, inv: &Inventory, e: &Endpoint) -> Self {
        match e {
            Endpoint::Workload(i) => {
                let w = &m.workloads[*i];
                EndpointAnswer::Workload {
                    id: w.id(),
                    namespace: w.namespace.clone(),
                    kind: w.kind.clone(),
                    name: w.name.clone(),
                    location: name_location(inv, w.object),
                }
            }
            Endpoint::External(ip) => EndpointAnswer::External(*ip),
        }
    }

    /// `ns/name`, or the address.
    pub fn id(&self) -> String {
        match self {
            EndpointAnswer::Workload { id, .. } => id.clone(),
            EndpointAnswer::External(ip) => ip.to_string(),
        }
    }
}

impl Serialize for EndpointAnswer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            EndpointAnswer::Workload {
                namespace,
                kind,
                name,
                location,
                ..
            } => json!({"namespace": namespace, "kind": kind, "name": name, "location": location}),
            EndpointAnswer::External(ip) => json!({ "ip": ip.to_string() }),
        }
        .serialize(s)
    }
}

/// A policy, as answers name it.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyRef {
    /// `ns/name`.
    #[serde(skip)]
    pub id: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Where its `metadata.name` is.
    pub location: Option<String>,
}

/// A rule that allows traffic one way.
#[derive(Clone, Debug, Serialize)]
pub struct RuleAnswer {
    /// The policy's `ns/name`.
    pub policy: String,
    /// `spec.ingress[N]` or `spec.egress[N]`.
    pub path: FieldPath,
    /// The ports it allows.
    pub ports: PortSet,
    /// Where the rule is.
    pub location: Option<String>,
}

/// One direction of a connection.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectionAnswer {
    /// Whether NetworkPolicy applies (false outside the cluster).
    pub applies: bool,
    /// Whether a policy selects the workload for this direction.
    pub isolated: bool,
    /// The ports allowed.
    pub allowed_ports: PortSet,
    /// The isolating policies.
    pub policies: Vec<PolicyRef>,
    /// The rules that match the other end.
    pub rules: Vec<RuleAnswer>,
}

impl DirectionAnswer {
    fn new(m: &Model<'_>, inv: &Inventory, d: &Direction, ingress: bool) -> Self {
        DirectionAnswer {
            applies: d.applies,
            isolated: d.isolated,
            allowed_ports: d.allowed.clone(),
            policies: d
                .policies
                .iter()
                .map(|&pi| {
                    let p = &m.policies[pi];
                    PolicyRef {
                        id: p.id(),
                        namespace: p.namespace.clone(),
                        name: p.name.clone(),
                        location: name_location(inv, p.object),
                    }
                })
                .collect(),
            rules: d
                .rules
                .iter()
                .map(|(r, ports)| {
                    let p = &m.policies[r.policy];
                    let path = FieldPath::parse("spec")
                        .key(if ingress { "ingress" } else { "egress" })
                        .index(r.rule);
                    RuleAnswer {
                        policy: p.id(),
                        location: location(inv, p.object, &path),
                        path,
                        ports: ports.clone(),
                    }
                })
                .collect(),
        }
    }
}

/// Whether one endpoint can reach another, and which policies decide it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reach {
    /// Whether the connection (on `port`, else on some port) is allowed.
    pub allowed: bool,
    /// The source.
    pub from: EndpointAnswer,
    /// The destination.
    pub to: EndpointAnswer,
    /// `N/PROTO` when asked about one port.
    #[serde(serialize_with = "port_text")]
    pub port: Option<(Protocol, u16)>,
    /// The ports allowed both ways.
    pub allowed_ports: PortSet,
    /// The source's egress.
    pub egress: DirectionAnswer,
    /// The destination's ingress.
    pub ingress: DirectionAnswer,
    /// Problems with the inputs.
    pub diagnostics: Vec<Diagnostic>,
}

fn port_text<S: serde::Serializer>(p: &Option<(Protocol, u16)>, s: S) -> Result<S::Ok, S::Error> {
    p.map(|(p, n)| format!("{n}/{p}")).serialize(s)
}

/// Whether `from` can reach `to` (on `port`, when given).
pub fn reach(
    m: &Model<'_>,
    inv: &Inventory,
    from: &Endpoint,
    to: &Endpoint,
    port: Option<(Protocol, u16)>,
    diagnostics: Vec<Diagnostic>,
) -> Reach {
    let v = m.reach(from, to);
    Reach {
        allowed: match port {
            Some((p, n)) => v.allowed.contains(p, n),
            None => !v.allowed.is_empty(),
        },
        from: EndpointAnswer::new(m, inv, from),
        to: EndpointAnswer::new(m, inv, to),
        port,
        allowed_ports: v.allowed.clone(),
        egress: DirectionAnswer::new(m, inv, &v.egress, false),
        ingress: DirectionAnswer::new(m, inv, &v.ingress, true),
        diagnostics,
    }
}

/// A workload of the matrix.
#[derive(Clone, Debug, Serialize)]
pub struct WorkloadRef {
    /// `ns/name`.
    #[serde(skip)]
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
}

/// The connectivity matrix between workloads. Cells refer to `port_sets` by index (0: nothing,
/// 1: every port) so large matrices stay compact.
#[derive(Clone, Debug, Serialize)]
pub struct MatrixAnswer {
    /// The workloads, in rows and columns.
    pub workloads: Vec<WorkloadRef>,
    /// The distinct port sets.
    #[serde(rename = "portSets")]
    pub port_sets: Vec<String>,
    /// `cells[from][to]`: an index into `port_sets`.
    pub cells: Vec<Vec<usize>>,
    /// Per workload, access to and from outside addresses.
    pub external: Vec<ExternalAccess>,
    /// Problems with the inputs.
    pub diagnostics: Vec<Diagnostic>,
}

/// The matrix between the workloads `shown` (indices into `m.workloads`).
pub fn matrix(
    m: &Model<'_>,
    mx: &Matrix,
    shown: &[usize],
    diagnostics: Vec<Diagnostic>,
) -> MatrixAnswer {
    let mut ids: Vec<u32> = Vec::new();
    let mut index: HashMap<u32, usize> = HashMap::new();
    let mut cell_of = |id: u32| -> usize {
        *index.entry(id).or_insert_with(|| {
            ids.push(id);
            ids.len() - 1
        })
    };
    cell_of(0);
    cell_of(1);
    let cells: Vec<Vec<usize>> = shown
        .iter()
        .map(|&s| shown.iter().map(|&d| cell_of(mx.cell(s, d))).collect())
        .collect();
    MatrixAnswer {
        workloads: shown
            .iter()
            .map(|&i| {
                let w = &m.workloads[i];
                WorkloadRef {
                    id: w.id(),
                    kind: w.kind.clone(),
                    name: w.name.clone(),
                    namespace: w.namespace.clone(),
                }
            })
            .collect(),
        port_sets: ids
            .iter()
            .map(|&i| {
                mx.sets()
                    .get(i as usize)
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect(),
        cells,
        external: shown.iter().map(|&i| mx.external[i].clone()).collect(),
        diagnostics,
    }
}

/// A container port.
#[derive(Clone, Debug, Serialize)]
pub struct PortAnswer {
    /// Its name.
    pub name: Option<String>,
    /// The number.
    pub port: u16,
    /// The protocol.
    pub protocol: Protocol,
}

/// A rule of a policy that selects the workload.
#[derive(Clone, Debug)]
pub struct ExplainRule {
    /// `spec.ingress[N]` or `spec.egress[N]`.
    pub path: FieldPath,
    /// Whether it allows every peer.
    pub all_peers: bool,
    /// Its peers.
    pub peers: Vec<String>,
    /// The ports it allows to the workload (ingress) or as written (egress).
    pub ports: PortSet,
    /// Its ports as written (empty: all ports).
    pub written_ports: Vec<String>,
}

/// A policy that selects the workload for one direction.
#[derive(Clone, Debug)]
pub struct ExplainPolicy {
    /// The policy.
    pub policy: PolicyRef,
    /// Its pod selector.
    pub pod_selector: String,
    /// Its rules for the direction.
    pub rules: Vec<ExplainRule>,
}

/// One direction of [`Explain`].
#[derive(Clone, Debug)]
pub struct ExplainSide {
    /// Whether a policy selects the workload for it.
    pub isolated: bool,
    /// Those policies.
    pub policies: Vec<ExplainPolicy>,
    /// Workloads it can be reached from (ingress) or reach (egress), with the ports.
    pub peers: Vec<(String, PortSet)>,
    /// Outside addresses.
    pub external: Vec<ExternalPeer>,
}

/// Every policy selecting a workload, what it allows in and out, and who can reach it.
#[derive(Clone, Debug)]
pub struct Explain {
    /// The workload.
    pub workload: EndpointAnswer,
    /// Its pod labels.
    pub labels: crate::model::Labels,
    /// Its container ports.
    pub ports: Vec<PortAnswer>,
    /// Whether it uses the host network.
    pub host_network: bool,
    /// Ingress.
    pub ingress: ExplainSide,
    /// Egress.
    pub egress: ExplainSide,
    /// Problems with the inputs.
    pub diagnostics: Vec<Diagnostic>,
}

impl Serialize for Explain {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let side = |x: &ExplainSide, peers: &str| {
            let policies: Vec<_> = x
                .policies
                .iter()
                .map(|p| {
                    json!({
                        "namespace": p.policy.namespace,
                        "name": p.policy.name,
                        "location": p.policy.location,
                        "podSelector": p.pod_selector,
                        "rules": p.rules.iter().map(|r| json!({
                            "path": r.path,
                            "peers": if r.all_peers { vec!["anyone".to_string()] } else { r.peers.clone() },
                            "ports": r.ports,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "isolated": x.isolated,
                "policies": policies,
                (peers): x.peers.iter().map(|(id, p)| json!({"workload": id, "ports": p})).collect::<Vec<_>>(),
                "external": x.external,
            })
        };
        json!({
            "workload": self.workload,
            "labels": self.labels,
            "ports": self.ports,
            "ingress": side(&self.ingress, "from"),
            "egress": side(&self.egress, "to"),
            "diagnostics": self.diagnostics,
        })
        .serialize(s)
    }
}

/// What decides the traffic to and from workload `wi`.
pub fn explain(m: &Model<'_>, inv: &Inventory, wi: usize, diagnostics: Vec<Diagnostic>) -> Explain {
    let w = &m.workloads[wi];
    let me = Endpoint::Workload(wi);
    let mut inbound = Vec::new();
    let mut outbound = Vec::new();
    for other in 0..m.workloads.len() {
        let o = Endpoint::Workload(other);
        let vin = m.reach(&o, &me).allowed;
        if !vin.is_empty() {
            inbound.push((m.workloads[other].id(), vin));
        }
        let vout = m.reach(&me, &o).allowed;
        if !vout.is_empty() {
            outbound.push((m.workloads[other].id(), vout));
        }
    }
    let ext = m.external_access(wi);
    let side = |ingress: bool, peers: Vec<(String, PortSet)>, external: Vec<ExternalPeer>| {
        let sel = if ingress {
            &m.ingress_policies[wi]
        } else {
            &m.egress_policies[wi]
        };
        ExplainSide {
            isolated: !sel.is_empty(),
            policies: sel
                .iter()
                .map(|&pi| {
                    let p = &m.policies[pi];
                    ExplainPolicy {
                        policy: PolicyRef {
                            id: p.id(),
                            namespace: p.namespace.clone(),
                            name: p.name.clone(),
                            location: name_location(inv, p.object),
                        },
                        pod_selector: p.pod_selector.to_string(),
                        rules: p
                            .rules(ingress)
                            .iter()
                            .map(|r| ExplainRule {
                                path: r.path.clone(),
                                all_peers: r.all_peers(),
                                peers: r.peers.iter().map(ToString::to_string).collect(),
                                ports: r.port_set(Some(&w.ports)),
                                written_ports: r.ports.iter().map(ToString::to_string).collect(),
                            })
                            .collect(),
                    }
                })
                .collect(),
            peers,
            external,
        }
    };
    Explain {
        workload: EndpointAnswer::new(m, inv, &me),
        labels: w.labels.clone(),
        ports: w
            .ports
            .iter()
            .map(|p| PortAnswer {
                name: p.name.clone(),
                port: p.port,
                protocol: p.protocol,
            })
            .collect(),
        host_network: w.host_network,
        ingress: side(true, inbound, ext.ingress),
        egress: side(false, outbound, ext.egress),
        diagnostics,
    }
}
