//! What the API server holds that rules read besides the object under review: namespaces and
//! their labels, ServiceAccounts, Services, NetworkPolicies and RBAC objects. The server keeps
//! it from a watch cache; a decision reads one immutable [`Context`] (swapped whole when the
//! cache changes), so a request never waits for a watch event.

use std::collections::{BTreeMap, HashMap};
use stockade_inventory::{Inventory, Object, ObjectOrigin};
use stockade_model::{KindRead, ReadScope};
use stockade_sources::Node;

/// The kinds the webhook's cache watches: what the judged rules read about other objects.
pub const CONTEXT_KINDS: [&str; 8] = [
    "Namespace",
    "ServiceAccount",
    "Service",
    "NetworkPolicy",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
];

/// Objects from the API server, by namespace.
#[derive(Clone, Debug, Default)]
pub struct Context {
    namespaces: HashMap<String, Object>,
    by_namespace: HashMap<String, Vec<Object>>,
    cluster: Vec<Object>,
    synced: Vec<&'static str>,
}

impl Context {
    /// No context: every rule that needs another kind is not assessed.
    pub fn empty() -> Context {
        Context::default()
    }

    /// A context of `objects` (with `apiVersion` and `kind`), in which the kinds in `synced`
    /// are complete (listed, then kept up to date by a watch).
    pub fn new(objects: impl IntoIterator<Item = Node>, synced: &[&'static str]) -> Context {
        let mut cx = Context {
            synced: synced.to_vec(),
            ..Context::default()
        };
        for n in objects {
            let o = Object::new(n, origin());
            if o.kind() == "Namespace" {
                cx.namespaces.insert(o.name().to_string(), o);
            } else if let Some(ns) = o.namespace() {
                cx.by_namespace.entry(ns.to_string()).or_default().push(o);
            } else {
                cx.cluster.push(o);
            }
        }
        cx
    }

    /// The kinds that are complete.
    pub fn synced(&self) -> &[&'static str] {
        &self.synced
    }

    /// How many objects it holds.
    pub fn len(&self) -> usize {
        self.namespaces.len()
            + self.cluster.len()
            + self.by_namespace.values().map(Vec::len).sum::<usize>()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The Namespace object named `ns`, when the cache has it.
    pub fn namespace(&self, ns: &str) -> Option<&Object> {
        self.namespaces.get(ns)
    }

    /// An inventory of `target` and what rules may read about it: of the `kinds` the rules
    /// that judge it read, its Namespace, the objects of its namespace and the cluster-scoped
    /// ones; `target` is at index 0. A cached copy of the target itself (an UPDATE) is left out.
    pub fn inventory_for(&self, target: Object, kinds: &[&str]) -> Inventory {
        let ns = target.namespace().unwrap_or("").to_string();
        let (kind, name) = (target.kind().to_string(), target.name().to_string());
        // Kinds the target's rules do not read, and a cached copy of the target itself.
        let skip = |o: &Object| {
            !kinds.contains(&o.kind())
                || (o.kind() == kind && o.name() == name && o.namespace().unwrap_or("") == ns)
        };
        let mut objects = Vec::with_capacity(
            2 + self.cluster.len() + self.by_namespace.get(&ns).map_or(0, Vec::len),
        );
        objects.push(target);
        objects.extend(self.namespaces.get(&ns).filter(|o| !skip(o)).cloned());
        if let Some(v) = self.by_namespace.get(&ns) {
            objects.extend(v.iter().filter(|o| !skip(o)).cloned());
        }
        objects.extend(self.cluster.iter().filter(|o| !skip(o)).cloned());
        let scope = ReadScope::Listed(
            self.synced
                .iter()
                .map(|k| (k.to_string(), KindRead::ClusterWide))
                .collect::<BTreeMap<_, _>>(),
        );
        Inventory::from_objects(objects).0.with_read_scope(scope)
    }
}

/// Where objects under review and from the cache say they come from.
pub fn origin() -> ObjectOrigin {
    ObjectOrigin::Cluster {
        cluster: "admission".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stockade_sources::node_from_json;

    fn node(v: serde_json::Value) -> Node {
        node_from_json(v)
    }

    #[test]
    fn the_inventory_holds_the_target_first_its_namespace_and_cluster_objects() {
        let cx = Context::new(
            [
                node(
                    serde_json::json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a","labels":{"x":"y"}}}),
                ),
                node(
                    serde_json::json!({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"s","namespace":"a"}}),
                ),
                node(
                    serde_json::json!({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"s","namespace":"b"}}),
                ),
                node(
                    serde_json::json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"r"}}),
                ),
            ],
            &["Namespace", "ServiceAccount"],
        );
        assert_eq!(cx.len(), 4);
        let target = Object::new(
            node(
                serde_json::json!({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"s","namespace":"a"},"automountServiceAccountToken":false}),
            ),
            origin(),
        );
        let inv = cx.inventory_for(target, &CONTEXT_KINDS);
        let kinds: Vec<&str> = inv.objects().iter().map(Object::kind).collect();
        assert_eq!(kinds, ["ServiceAccount", "Namespace", "ClusterRole"]);
        assert!(
            inv.objects()[0]
                .root
                .get("automountServiceAccountToken")
                .is_some()
        );
        assert!(inv.read_scope().read("ServiceAccount"));
        assert!(!inv.read_scope().read("NetworkPolicy"));
        assert!(cx.namespace("a").is_some() && cx.namespace("b").is_none());
    }
}
