//! The network-policy engine: which pods can reach which, exactly per the NetworkPolicy v1
//! semantics, computed offline from the inventory.
//!
//! It owns the network model ([`Model`]: namespaces with their implicit
//! `kubernetes.io/metadata.name` label, one endpoint per workload, NetworkPolicies parsed from
//! the span-carrying tree with exact field paths), label-selector evaluation ([`LabelSelector`], the inventory's),
//! port sets ([`PortSet`]), CIDR blocks ([`Cidr`]), single-pair verdicts with the policies that
//! decide them ([`Model::reach`]) and the whole connectivity matrix ([`Matrix`]). It must not
//! judge configurations (that is the `network` rule family's job) nor render output (the CLI's).
//!
//! The semantics, in one place:
//! - a pod is isolated for a direction once any policy in its namespace selects it with that
//!   direction in its (defaulted) `policyTypes`; an isolated pod's traffic in that direction is
//!   the union of what the selecting policies' rules allow, a non-isolated pod's is everything;
//! - traffic between two pods needs both the source's egress and the destination's ingress;
//! - `policyTypes` defaults to `[Ingress]`, plus `Egress` when the policy has egress rules;
//! - a rule with no peers matches every source/destination, with no ports every port;
//! - a peer with a pod selector only selects in the policy's namespace, with a namespace
//!   selector only selects every pod of the matched namespaces, with both the pods matching the
//!   pod selector in the matched namespaces; an `ipBlock` selects IPs in its CIDR outside its
//!   exceptions;
//! - named ports are resolved against the destination pod's container ports (name and protocol).

pub mod answer;
mod cidr;
pub mod diff;
mod eval;
pub mod flows;
mod matrix;
mod model;
mod ports;

pub use cidr::Cidr;
pub use eval::{Decision, Direction, Endpoint, RuleRef, Verdict};
pub use matrix::{ExternalAccess, ExternalPeer, Matrix};
pub use model::{
    ContainerPort, Model, Namespace, Peer, PeerKind, Policy, PolicyPort, PolicyRule, PortRef,
    Workload,
};
pub use ports::{PortSet, Protocol};
pub use stockade_inventory::selector::{Expr, LabelSelector, Operator};
