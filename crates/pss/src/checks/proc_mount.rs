//! `procMount` (baseline, v1.0+; from v1.35 any value is allowed in a user-namespaced pod,
//! `hostUsers: false`; replaced by `procMount_restricted` at restricted from v1.35): unmasking
//! `/proc`.
//!
//! Restricted fields: `spec.{containers,initContainers,ephemeralContainers}[*].securityContext.procMount`.
//! Allowed values: undefined/null, `Default`.

use super::{Check, Forbidden, VersionedCheck, Violation, containers_phrase, one_container};
use crate::api::Level;
use crate::pod::{Pod, field, join_quote, sorted_set};
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "procMount",
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            since: 0,
            check: v1_0,
            overrides: &[],
        },
        VersionedCheck {
            since: 35,
            check: v1_35,
            overrides: &[],
        },
    ],
    summary: "containers must not unmask /proc (unless the pod runs in a user namespace)",
};

fn detail(containers: &str, types: &[String]) -> String {
    format!(
        "{containers} must not set securityContext.procMount to {}",
        join_quote(types)
    )
}

/// The unconditional check (also the restricted `procMount_restricted`).
pub(crate) fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut types = Vec::new();
    let mut violations = Vec::new();
    for c in pod.containers() {
        let Some(pm) = field(&c, "securityContext.procMount").and_then(Node::as_str) else {
            continue;
        };
        if pm != "Default" {
            bad.push(c.name().to_string());
            types.push(pm.to_string());
            violations.push(Violation {
                path: c.path_of("securityContext.procMount"),
                message: detail(&one_container(c.name()), &[pm.to_string()]),
            });
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "procMount".into(),
        detail: detail(&containers_phrase(&bad), &sorted_set(types)),
        violations,
    })
}

fn v1_35(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.in_user_namespace() {
        return None;
    }
    v1_0(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn unmasked_and_user_namespaces() {
        let spec = "containers: [{name: a, securityContext: {procMount: Unmasked}}, {name: b, securityContext: {procMount: Default}}]";
        let expected = Some(
            r#"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#
                .to_string(),
        );
        assert_eq!(d(v1_0, "", spec), expected);
        assert_eq!(d(v1_35, "", spec), expected);
        let userns = format!("hostUsers: false\n{spec}");
        assert_eq!(d(v1_35, "", &userns), None);
        assert_eq!(d(v1_0, "", &userns), expected);
    }
}
