//! The data of de-provisioning, without the cluster, the journal or any IO: what
//! `stockade-deprovision` computes and records, and what `stockade-report` renders.
//!
//! - [`target`]: what is de-provisioned, in the command-line syntax.
//! - [`plan`]: the plan and its JSON form, the plan file.
//! - [`run`]: what an apply or undo did.
//! - [`journal`]: a journal's runs and actions, as `history` lists them.
//! - [`verify`]: the verdict of a verification.
//! - [`record`]: the record of runs for auditors, correlated with the audit log.
//! - [`resource`]: how kubectl names the resource of an object.

pub mod journal;
pub mod plan;
pub mod record;
pub mod resource;
pub mod run;
pub mod target;
pub mod verify;

pub use plan::Plan;
pub use target::Target;
