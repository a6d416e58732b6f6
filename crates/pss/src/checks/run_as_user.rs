//! `runAsUser` (restricted, v1.23+; from v1.35 user-namespaced pods, `hostUsers: false`, are
//! exempt): containers must not run as UID 0.
//!
//! Restricted fields: `spec.securityContext.runAsUser` and every container's
//! `securityContext.runAsUser`. Allowed values: non-zero, undefined/null.

use super::{Check, Forbidden, Setters, VersionedCheck, Violation, one_container};
use crate::api::Level;
use crate::pod::{Pod, field};
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "runAsUser",
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            since: 23,
            check: v1_23,
            overrides: &[],
        },
        VersionedCheck {
            since: 35,
            check: v1_35,
            overrides: &[],
        },
    ],
    summary: "pods and containers must not set runAsUser: 0",
};

fn detail(setters: &str) -> String {
    format!("{setters} must not set runAsUser=0")
}

fn v1_23(pod: &Pod<'_>) -> Option<Forbidden> {
    let rel = "securityContext.runAsUser";
    let mut setters = Setters::default();
    let mut violations = Vec::new();
    if pod.spec(rel).and_then(Node::as_i64) == Some(0) {
        setters.pod = true;
        violations.push(Violation {
            path: pod.spec_path(rel),
            message: detail("pod"),
        });
    }
    for c in pod.containers() {
        if field(&c, rel).and_then(Node::as_i64) == Some(0) {
            setters.containers.push(c.name().to_string());
            violations.push(Violation {
                path: c.path_of(rel),
                message: detail(&one_container(c.name())),
            });
        }
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "runAsUser=0".into(),
        detail: detail(&setters.phrase()),
        violations,
    })
}

fn v1_35(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.in_user_namespace() {
        return None;
    }
    v1_23(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn uid_zero() {
        assert_eq!(
            d(
                v1_23,
                "",
                "securityContext: {runAsUser: 1000}\ncontainers: [{name: a}]"
            ),
            None
        );
        assert_eq!(
            d(v1_23, "", "securityContext: {runAsUser: 0}\ncontainers: [{name: a, securityContext: {runAsUser: 0}}, {name: b, securityContext: {runAsUser: 0}}]").as_deref(),
            Some(r#"runAsUser=0 (pod and containers "a", "b" must not set runAsUser=0)"#)
        );
        assert_eq!(
            d(
                v1_35,
                "",
                "hostUsers: false\nsecurityContext: {runAsUser: 0}\ncontainers: [{name: a}]"
            ),
            None
        );
    }
}
