//! Threat detection over Kubernetes audit events (`audit.k8s.io/v1`).
//!
//! This crate owns the event model ([`event`]), streaming input ([`reader`]: plain, gzip,
//! rotated sets, bounded lines), the audit rules ([`rules`], one file each, listed in
//! [`registry`]), their bounded state ([`state`]), the [`analyzer`] that turns events into
//! findings and a [`summary`], and audit Policy checks ([`policy`]). It reads events; it never
//! talks to a cluster, serves HTTP (the webhook backend is wired in the binary) or renders
//! reports (the `stockade-report` reporters do).

pub mod analyzer;
pub mod config;
pub mod event;
pub mod policy;
pub mod reader;
pub mod registry;
pub mod rule;
pub mod rules;
pub mod state;
pub mod summary;
#[cfg(test)]
pub(crate) mod testing;
pub mod time;

pub use analyzer::{Analyzer, AnalyzerOptions};
pub use config::AuditSettings;
pub use registry::{AUDIT_RULES, find};
pub use rule::AuditRule;
