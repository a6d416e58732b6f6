//! Derived views that several rules need, built at most once per run and shared: the
//! network-policy model and the RBAC model. Each is built on first use, so runs whose rules never ask for a
//! view never pay for it.

use std::sync::OnceLock;
use stockade_inventory::Inventory;

/// The inventory plus lazily built views over it, for one run.
pub struct Views<'a> {
    /// The inventory.
    pub inv: &'a Inventory,
    netpol: OnceLock<stockade_netpol::Model<'a>>,
    rbac: OnceLock<stockade_rbac::Model<'a>>,
}

impl<'a> Views<'a> {
    /// Views over `inv`; nothing is built yet.
    pub fn new(inv: &'a Inventory) -> Self {
        Views {
            inv,
            netpol: OnceLock::new(),
            rbac: OnceLock::new(),
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
}
