//! Safe de-provisioning of a subject, a namespace or a workload.
//!
//! The flow is plan → apply → verify, with a journal and undo:
//! - [`plan`] computes, from an inventory and its reference graph, everything to revoke or
//!   remove for a [`Target`] and what must stay; its JSON form is the plan file.
//! - [`apply`] executes a plan against the API server: checks and server-side dry-run first,
//!   then calls with uid/resourceVersion preconditions; idempotent; stops at the first
//!   surprise. [`apply::undo`] restores from before-images.
//! - [`journal`] is the local SQLite record of every run and action (private to its owner),
//!   with before-images that never hold a Secret's values or another literal credential.
//! - [`verify`] proves no access remains for the subject with the groups it is known to be in
//!   (and says which), offline with the RBAC engine and live with SubjectAccessReview.
//!
//! Every string from a cluster or a plan file is escaped for where it goes
//! (`stockade_model::escape`): URL path segments in [`api`], shell words and comments in the
//! kubectl script and terminal text in [`render`].
//!
//! This crate owns the write calls Stockade makes to a cluster; it must not print (the CLI
//! does) and must never store or print a Secret's value.

pub mod api;
pub mod apply;
pub mod journal;
pub mod leftovers;
pub mod node;
pub mod plan;
pub mod record;
pub mod verify;

pub use stockade_deprovision_model::target;

pub use plan::{Plan, compute};
pub use target::Target;
