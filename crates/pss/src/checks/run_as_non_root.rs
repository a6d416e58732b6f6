//! `runAsNonRoot` (restricted, v1.0+; from v1.35 user-namespaced pods, `hostUsers: false`, are
//! exempt): containers must be required to run as a non-root user.
//!
//! Restricted fields: `spec.securityContext.runAsNonRoot` and every container's
//! `securityContext.runAsNonRoot`. Allowed values: `true`; a container may leave it unset when
//! the pod sets `true`.

use super::{
    Check, Forbidden, Setters, VersionedCheck, Violation, containers_phrase, one_container,
};
use crate::api::Level;
use crate::pod::{Pod, field_bool};

/// The check.
pub static CHECK: Check = Check {
    id: "runAsNonRoot",
    level: Level::Restricted,
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
    summary: "pods must set runAsNonRoot: true",
};

fn explicit_detail(setters: &str) -> String {
    format!("{setters} must not set securityContext.runAsNonRoot=false")
}

fn implicit_detail(containers: &str) -> String {
    format!("pod or {containers} must set securityContext.runAsNonRoot=true")
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let rel = "securityContext.runAsNonRoot";
    let mut setters = Setters::default();
    let mut violations = Vec::new();
    let mut pod_true = false;
    match pod.spec_bool(rel) {
        Some(false) => {
            setters.pod = true;
            violations.push(Violation {
                path: pod.spec_path(rel),
                message: explicit_detail("pod"),
            });
        }
        Some(true) => pod_true = true,
        None => {}
    }
    let mut implicit = Vec::new();
    let mut implicit_violations = Vec::new();
    for c in pod.containers() {
        match field_bool(&c, rel) {
            Some(false) => {
                setters.containers.push(c.name().to_string());
                violations.push(Violation {
                    path: c.path_of(rel),
                    message: explicit_detail(&one_container(c.name())),
                });
            }
            Some(true) => {}
            None if !pod_true => {
                implicit.push(c.name().to_string());
                implicit_violations.push(Violation {
                    path: c.path_of(rel),
                    message: implicit_detail(&one_container(c.name())),
                });
            }
            None => {}
        }
    }
    if !setters.is_empty() {
        return Some(Forbidden {
            reason: "runAsNonRoot != true".into(),
            detail: explicit_detail(&setters.phrase()),
            violations,
        });
    }
    if !implicit.is_empty() {
        return Some(Forbidden {
            reason: "runAsNonRoot != true".into(),
            detail: implicit_detail(&containers_phrase(&implicit)),
            violations: implicit_violations,
        });
    }
    None
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
    fn pod_or_every_container() {
        assert_eq!(
            d(
                v1_0,
                "",
                "securityContext: {runAsNonRoot: true}\ncontainers: [{name: a}]"
            ),
            None
        );
        assert_eq!(
            d(
                v1_0,
                "",
                "containers: [{name: a, securityContext: {runAsNonRoot: true}}, {name: b}]"
            )
            .as_deref(),
            Some(
                r#"runAsNonRoot != true (pod or container "b" must set securityContext.runAsNonRoot=true)"#
            )
        );
        assert_eq!(
            d(v1_0, "", "securityContext: {runAsNonRoot: false}\ncontainers: [{name: a, securityContext: {runAsNonRoot: false}}, {name: b}]").as_deref(),
            Some(r#"runAsNonRoot != true (pod and container "a" must not set securityContext.runAsNonRoot=false)"#)
        );
    }

    #[test]
    fn user_namespaces_from_1_35() {
        let spec = "hostUsers: false\ncontainers: [{name: a}]";
        assert_eq!(d(v1_35, "", spec), None);
        assert!(d(v1_0, "", spec).is_some());
    }
}
