//! `seccompProfile_restricted` (restricted, v1.19+; replaces `seccompProfile_baseline` there;
//! from v1.25 Windows pods, `spec.os.name: windows`, are exempt): a seccomp profile must be set.
//!
//! Restricted fields: `spec.securityContext.seccompProfile.type` and every container's
//! `securityContext.seccompProfile.type`. Allowed values: `RuntimeDefault`, `Localhost`; a
//! container may leave it unset when the pod sets an allowed one.

use super::seccomp_profile_baseline::{fields_detail, profile_type, valid_type};
use super::{
    Check, Forbidden, Setters, VersionedCheck, Violation, containers_phrase, one_container,
};
use crate::api::Level;
use crate::pod::{Pod, field, sorted_set};

/// The check.
pub static CHECK: Check = Check {
    id: "seccompProfile_restricted",
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            since: 19,
            check: v1_19,
            overrides: &["seccompProfile_baseline"],
        },
        VersionedCheck {
            since: 25,
            check: v1_25,
            overrides: &["seccompProfile_baseline"],
        },
    ],
    summary: "pods must set a RuntimeDefault or Localhost seccomp profile",
};

fn implicit_detail(containers: &str) -> String {
    format!(
        r#"pod or {containers} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#
    )
}

fn v1_19(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut setters = Setters::default();
    let mut values = Vec::new();
    let mut violations = Vec::new();
    let mut pod_set = false;
    if let Some(p) = pod.spec("securityContext.seccompProfile") {
        let t = profile_type(p);
        if valid_type(t) {
            pod_set = true;
        } else {
            setters.pod = true;
            values.push(t.to_string());
            violations.push(Violation {
                path: pod.spec_path("securityContext.seccompProfile.type"),
                message: fields_detail("pod", &[t.to_string()]),
            });
        }
    }
    let mut implicit = Vec::new();
    let mut implicit_violations = Vec::new();
    for c in pod.containers() {
        if let Some(p) = field(&c, "securityContext.seccompProfile") {
            let t = profile_type(p);
            if !valid_type(t) {
                setters.containers.push(c.name().to_string());
                values.push(t.to_string());
                violations.push(Violation {
                    path: c.path_of("securityContext.seccompProfile.type"),
                    message: fields_detail(&one_container(c.name()), &[t.to_string()]),
                });
            }
        } else if !pod_set {
            implicit.push(c.name().to_string());
            implicit_violations.push(Violation {
                path: c.path_of("securityContext.seccompProfile"),
                message: implicit_detail(&one_container(c.name())),
            });
        }
    }
    if !setters.is_empty() {
        return Some(Forbidden {
            reason: "seccompProfile".into(),
            detail: fields_detail(&setters.phrase(), &sorted_set(values)),
            violations,
        });
    }
    if !implicit.is_empty() {
        return Some(Forbidden {
            reason: "seccompProfile".into(),
            detail: implicit_detail(&containers_phrase(&implicit)),
            violations: implicit_violations,
        });
    }
    None
}

fn v1_25(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.is_windows() {
        return None;
    }
    v1_19(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn required_unless_windows() {
        let spec = "containers: [{name: a}, {name: b, securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json}}}]";
        assert_eq!(
            d(v1_25, "", spec).as_deref(),
            Some(
                r#"seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
            )
        );
        assert_eq!(
            d(
                v1_25,
                "",
                &format!("securityContext: {{seccompProfile: {{type: RuntimeDefault}}}}\n{spec}")
            ),
            None
        );
        let windows = format!("os: {{name: windows}}\n{spec}");
        assert_eq!(d(v1_25, "", &windows), None);
        assert!(d(v1_19, "", &windows).is_some());
    }

    #[test]
    fn explicit_bad_values_win_over_missing_ones() {
        assert_eq!(
            d(
                v1_19,
                "",
                "securityContext: {seccompProfile: {type: Unconfined}}\ncontainers: [{name: a}]"
            )
            .as_deref(),
            Some(
                r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")"#
            )
        );
    }
}
