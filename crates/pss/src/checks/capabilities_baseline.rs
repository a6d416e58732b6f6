//! `capabilities_baseline` (baseline, v1.0+; replaced by `capabilities_restricted` at
//! restricted from v1.22): adding capabilities beyond the container runtime's default set.
//!
//! Restricted fields: `spec.{containers,initContainers,ephemeralContainers}[*].securityContext.capabilities.add`.
//! Allowed values: undefined/empty, or values from `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`,
//! `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`,
//! `SETUID`, `SYS_CHROOT`.

use super::{Check, Forbidden, VersionedCheck, Violation, containers_phrase, one_container};
use crate::api::Level;
use crate::pod::{Pod, field, join_quote, sorted_set};
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "capabilities_baseline",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        since: 0,
        check: v1_0,
        overrides: &[],
    }],
    summary: "containers must not add capabilities beyond the default set",
};

/// Capabilities baseline allows in `capabilities.add`.
pub const ALLOWED: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn detail(containers: &str, caps: &[String]) -> String {
    format!(
        "{containers} must not include {} in securityContext.capabilities.add",
        join_quote(caps)
    )
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut caps = Vec::new();
    let mut violations = Vec::new();
    for c in pod.containers() {
        if field(&c, "securityContext.capabilities").is_none() {
            continue;
        }
        let add = field(&c, "securityContext.capabilities.add")
            .map(Node::items)
            .unwrap_or(&[]);
        let mut found = false;
        for (j, cap) in add.iter().enumerate() {
            let Some(cap) = cap.as_str() else { continue };
            if !ALLOWED.contains(&cap) {
                found = true;
                caps.push(cap.to_string());
                violations.push(Violation {
                    path: c.path_of("securityContext.capabilities.add").index(j),
                    message: detail(&one_container(c.name()), &[cap.to_string()]),
                });
            }
        }
        if found {
            bad.push(c.name().to_string());
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "non-default capabilities".into(),
        detail: detail(&containers_phrase(&bad), &sorted_set(caps)),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn non_default_capabilities() {
        assert_eq!(
            d(
                v1_0,
                "",
                "containers: [{name: a, securityContext: {capabilities: {add: [CHOWN, NET_BIND_SERVICE], drop: [ALL]}}}]"
            ),
            None
        );
        assert_eq!(
            d(v1_0, "", "containers: [{name: a, securityContext: {capabilities: {add: [SYS_ADMIN, NET_RAW, CHOWN]}}}, {name: b, securityContext: {capabilities: {add: [NET_RAW, chown]}}}]").as_deref(),
            Some(r#"non-default capabilities (containers "a", "b" must not include "NET_RAW", "SYS_ADMIN", "chown" in securityContext.capabilities.add)"#)
        );
    }
}
