//! The Pod Security Standards engine: the verdicts of the upstream PodSecurity admission
//! (k8s.io/pod-security-admission), for every level and policy version, on any workload kind.
//!
//! It owns the levels and versions ([`api`]), one module per upstream check ([`checks`]) with
//! upstream's check ids and reason/detail texts, the registry that picks the checks in force for
//! a level and version ([`eval`]), the namespace policy, exemptions and admission configuration
//! ([`admission`]), readiness per namespace ([`readiness`]), and type checks for every field it
//! reads ([`validate`]). It reads fields from the span-carrying tree through the inventory's
//! [`stockade_inventory::PodSpecView`], so every violation carries an exact field path. It must
//! not render output or decide exit codes: the CLI and the rules do that.

pub mod admission;
pub mod answer;
pub mod api;
pub mod checks;
pub mod eval;
pub mod pod;
pub mod readiness;
pub mod validate;

pub use admission::{AdmissionConfig, ConfigError, Decision, Exemption, Exemptions, decide};
pub use api::{Level, LevelVersion, NEWEST_MINOR, Policy, Version};
pub use checks::{Check, Forbidden, Violation};
pub use eval::{CHECKS, Evaluation, Failure, check, checks_for, evaluate, evaluate_check};
pub use pod::Pod;
pub use validate::{TypeError, type_errors};
