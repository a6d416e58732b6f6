//! `privileged` (baseline, v1.0+): privileged pods disable most security mechanisms.
//!
//! Restricted fields: `spec.{containers,initContainers,ephemeralContainers}[*].securityContext.privileged`.
//! Allowed values: `false`, undefined/null.

use super::{Check, Forbidden, VersionedCheck, Violation, containers_phrase, one_container};
use crate::api::Level;
use crate::pod::{Pod, field_bool};

/// The check.
pub static CHECK: Check = Check {
    id: "privileged",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        since: 0,
        check: v1_0,
        overrides: &[],
    }],
    summary: "containers must not run privileged",
};

fn detail(setters: &str) -> String {
    format!("{setters} must not set securityContext.privileged=true")
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut violations = Vec::new();
    for c in pod.containers() {
        if field_bool(&c, "securityContext.privileged") == Some(true) {
            bad.push(c.name().to_string());
            violations.push(Violation {
                path: c.path_of("securityContext.privileged"),
                message: detail(&one_container(c.name())),
            });
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "privileged".into(),
        detail: detail(&containers_phrase(&bad)),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn privileged_containers_of_every_kind() {
        assert_eq!(d(v1_0, "", "containers: [{name: a, image: x}]"), None);
        assert_eq!(
            d(
                v1_0,
                "",
                "containers: [{name: a, image: x, securityContext: {privileged: false}}]"
            ),
            None
        );
        assert_eq!(
            d(
                v1_0,
                "",
                "containers: [{name: a, image: x, securityContext: {privileged: true}}]\ninitContainers: [{name: i, image: x, securityContext: {privileged: true}}]"
            )
            .as_deref(),
            Some(r#"privileged (containers "i", "a" must not set securityContext.privileged=true)"#)
        );
        assert_eq!(
            d(
                v1_0,
                "",
                "containers: [{name: a, image: x}]\nephemeralContainers: [{name: e, image: x, securityContext: {privileged: true}}]"
            )
            .as_deref(),
            Some(r#"privileged (container "e" must not set securityContext.privileged=true)"#)
        );
    }
}
