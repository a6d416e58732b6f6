//! `procMount_restricted` (restricted, v1.35+; replaces baseline `procMount` there): unmasking
//! `/proc`, even in a user-namespaced pod.
//!
//! Restricted fields: `spec.{containers,initContainers,ephemeralContainers}[*].securityContext.procMount`.
//! Allowed values: undefined/null, `Default`.

use super::{Check, VersionedCheck};
use crate::api::Level;

/// The check.
pub static CHECK: Check = Check {
    id: "procMount_restricted",
    level: Level::Restricted,
    versions: &[VersionedCheck {
        since: 35,
        check: super::proc_mount::v1_0,
        overrides: &["procMount"],
    }],
    summary: "containers must not unmask /proc, even in a user namespace",
};
