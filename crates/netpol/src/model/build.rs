//! Building the model from an inventory, in named steps.

use super::parse::{Problems, parse_policy};
use super::{ContainerPort, DEFAULT_NAMESPACE, Labels, Model, NAME_LABEL, Namespace, Workload};
use crate::ports::Protocol;
use std::collections::HashMap;
use std::net::IpAddr;
use stockade_inventory::{Inventory, Object, ObjectOrigin, PodSpecView};
use stockade_model::kinds::POD_MAKERS;
use stockade_model::{Diagnostic, DiagnosticLevel};
use stockade_sources::Node;

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
}

/// Whether `o` is managed by a controller that is itself in the inventory (a Deployment's
/// ReplicaSet, a ReplicaSet's Pods, a CronJob's Jobs): the owner represents those pods.
fn controlled_by_present_owner(inv: &Inventory, o: &Object) -> bool {
    o.owners().any(|r| {
        r.controller
            && match (r.kind, r.name) {
                (Some(k), Some(n)) => inv.get(k, o.namespace(), n).is_some(),
                _ => false,
            }
    })
}

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
