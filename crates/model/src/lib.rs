//! Stockade's plain data types, shared by every stage of the pipeline.
//!
//! This crate owns the vocabulary — severities, framework controls, object references, field
//! paths, locations, findings, diagnostics and the report — and nothing else. It does no IO,
//! has no async and knows no rule: every later stage depends on it, it depends on none of them.

mod control;
pub mod escape;
mod finding;
pub mod kinds;
mod path;
mod report;
mod scope;
mod severity;
pub mod time;

pub use control::{Control, Framework};
pub use finding::{Finding, Location, ObjectRef, Suppression, SuppressionKind, fingerprint};
pub use path::{FieldPath, Segment};
pub use report::{
    Coverage, CoverageStatus, Diagnostic, DiagnosticLevel, Report, RuleInfo, SCHEMA_VERSION,
    Summary, ToolInfo,
};
pub use scope::{KindRead, ReadScope};
pub use severity::Severity;
