//! `allowPrivilegeEscalation` (restricted, v1.8+; from v1.25 Windows pods are exempt):
//! containers must forbid privilege escalation (set-user-ID binaries, file capabilities).
//!
//! Restricted fields: every container's `securityContext.allowPrivilegeEscalation`.
//! Allowed values: `false`.

use super::{Check, Forbidden, VersionedCheck, Violation, containers_phrase, one_container};
use crate::api::Level;
use crate::pod::{Pod, field_bool};

/// The check.
pub static CHECK: Check = Check {
    id: "allowPrivilegeEscalation",
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            since: 8,
            check: v1_8,
            overrides: &[],
        },
        VersionedCheck {
            since: 25,
            check: v1_25,
            overrides: &[],
        },
    ],
    summary: "containers must set allowPrivilegeEscalation: false",
};

fn detail(containers: &str) -> String {
    format!("{containers} must set securityContext.allowPrivilegeEscalation=false")
}

fn v1_8(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut violations = Vec::new();
    for c in pod.containers() {
        if field_bool(&c, "securityContext.allowPrivilegeEscalation") != Some(false) {
            bad.push(c.name().to_string());
            violations.push(Violation {
                path: c.path_of("securityContext.allowPrivilegeEscalation"),
                message: detail(&one_container(c.name())),
            });
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "allowPrivilegeEscalation != false".into(),
        detail: detail(&containers_phrase(&bad)),
        violations,
    })
}

fn v1_25(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.is_windows() {
        return None;
    }
    v1_8(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn must_be_false() {
        let spec = "containers: [{name: a, securityContext: {allowPrivilegeEscalation: false}}, {name: b}, {name: c, securityContext: {allowPrivilegeEscalation: true}}]";
        assert_eq!(
            d(v1_25, "", spec).as_deref(),
            Some(
                r#"allowPrivilegeEscalation != false (containers "b", "c" must set securityContext.allowPrivilegeEscalation=false)"#
            )
        );
        assert_eq!(
            d(v1_25, "", &format!("os: {{name: windows}}\n{spec}")),
            None
        );
        assert!(d(v1_8, "", &format!("os: {{name: windows}}\n{spec}")).is_some());
    }
}
