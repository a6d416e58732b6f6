//! Derived views that several rules need, built at most once per run and shared: the
//! network-policy model and the RBAC model. Each is built on first use, so runs whose rules never ask for a
//! view never pay for it.

use std::collections::HashMap;
use std::sync::OnceLock;
use stockade_inventory::{Inventory, Object};

/// Per kind: the objects that set no namespace, and the others by namespace.
type ByNamespace<'a> = HashMap<&'a str, (Vec<&'a Object>, HashMap<&'a str, Vec<&'a Object>>)>;

/// The inventory plus lazily built views over it, for one run.
pub struct Views<'a> {
    /// The inventory.
    pub inv: &'a Inventory,
    netpol: OnceLock<stockade_netpol::Model<'a>>,
    rbac: OnceLock<stockade_rbac::Model<'a>>,
    by_namespace: OnceLock<ByNamespace<'a>>,
}

impl<'a> Views<'a> {
    /// Views over `inv`; nothing is built yet.
    pub fn new(inv: &'a Inventory) -> Self {
        Views {
            inv,
            netpol: OnceLock::new(),
            rbac: OnceLock::new(),
            by_namespace: OnceLock::new(),
        }
    }

    /// The network-policy model (pods, namespaces, policies) of the inventory.
    pub fn netpol(&self) -> &stockade_netpol::Model<'a> {
        self.netpol
            .get_or_init(|| stockade_netpol::Model::build(self.inv))
    }

    /// The RBAC model (roles, bindings, aggregation) of the inventory, with the API server's
    /// bootstrap roles and bindings.
    pub fn rbac(&self) -> &stockade_rbac::Model<'a> {
        self.rbac.get_or_init(|| {
            stockade_rbac::Model::build(self.inv, stockade_rbac::ModelOptions::default())
        })
    }

    /// Objects of `kind` whose `metadata.namespace` is exactly `ns` (`None` matches objects
    /// that set none), in load order. The index is built on first use, so rules that compare
    /// every workload with every Service stay linear.
    pub fn in_namespace(&self, kind: &str, ns: Option<&str>) -> &[&'a Object] {
        let index = self.by_namespace.get_or_init(|| {
            let mut m: ByNamespace<'a> = HashMap::new();
            for o in self.inv.objects() {
                let (unset, named) = m.entry(o.kind()).or_default();
                match o.namespace() {
                    None => unset.push(o),
                    Some(ns) => named.entry(ns).or_default().push(o),
                }
            }
            m
        });
        let Some((unset, named)) = index.get(kind) else {
            return &[];
        };
        match ns {
            None => unset,
            Some(ns) => named.get(ns).map(Vec::as_slice).unwrap_or(&[]),
        }
    }
}
