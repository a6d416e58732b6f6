//! `seccompProfile_baseline` (baseline; replaced by `seccompProfile_restricted` at restricted
//! from v1.19): explicitly disabling seccomp.
//!
//! v1.0–v1.18 restricted the annotations `seccomp.security.alpha.kubernetes.io/pod` and
//! `container.seccomp.security.alpha.kubernetes.io/*` (allowed: `runtime/default`,
//! `docker/default`, `localhost/*`, undefined). From v1.19 the fields
//! `spec.securityContext.seccompProfile.type` and every container's
//! `securityContext.seccompProfile.type` (allowed: `RuntimeDefault`, `Localhost`, undefined).

use super::{Check, Forbidden, Setters, VersionedCheck, Violation, one_container};
use crate::api::Level;
use crate::pod::{Pod, field, go_quote, join_quote, pluralize, sorted_set};
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "seccompProfile_baseline",
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            since: 0,
            check: v1_0,
            overrides: &[],
        },
        VersionedCheck {
            since: 19,
            check: v1_19,
            overrides: &[],
        },
    ],
    summary: "pods and containers must not set the seccomp profile to Unconfined",
};

/// The pod-level seccomp annotation.
pub const ANNOTATION_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// The per-container seccomp annotation prefix.
pub const ANNOTATION_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// Whether a `seccompProfile.type` is allowed.
pub(crate) fn valid_type(t: &str) -> bool {
    t == "Localhost" || t == "RuntimeDefault"
}

fn valid_annotation(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

fn annotations_detail(items: &[String]) -> String {
    format!(
        "forbidden {} {}",
        pluralize("annotation", "annotations", items.len()),
        items.join(", ")
    )
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut forbidden = Vec::new();
    let mut violations = Vec::new();
    let mut keys = vec![ANNOTATION_POD.to_string()];
    keys.extend(
        pod.containers()
            .iter()
            .map(|c| format!("{ANNOTATION_CONTAINER_PREFIX}{}", c.name())),
    );
    let mut seen = Vec::new();
    for key in keys {
        if seen.contains(&key) {
            continue;
        }
        if let Some((v, path)) = pod.annotation(&key)
            && !valid_annotation(v)
        {
            let item = format!("{key}={}", go_quote(v));
            violations.push(Violation {
                path,
                message: annotations_detail(std::slice::from_ref(&item)),
            });
            forbidden.push(item);
        }
        seen.push(key);
    }
    if forbidden.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "seccompProfile".into(),
        detail: annotations_detail(&sorted_set(forbidden)),
        violations,
    })
}

pub(crate) fn fields_detail(setters: &str, values: &[String]) -> String {
    format!(
        "{setters} must not set securityContext.seccompProfile.type to {}",
        join_quote(values)
    )
}

/// The seccomp profile type set at `node` (a `seccompProfile` mapping): `""` when the type is
/// missing, as Go's zero value.
pub(crate) fn profile_type(node: &Node) -> &str {
    node.get("type").and_then(Node::as_str).unwrap_or("")
}

fn v1_19(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut setters = Setters::default();
    let mut values = Vec::new();
    let mut violations = Vec::new();
    if let Some(p) = pod.spec("securityContext.seccompProfile") {
        let t = profile_type(p);
        if !valid_type(t) {
            setters.pod = true;
            values.push(t.to_string());
            violations.push(Violation {
                path: pod.spec_path("securityContext.seccompProfile.type"),
                message: fields_detail("pod", &[t.to_string()]),
            });
        }
    }
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
        }
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "seccompProfile".into(),
        detail: fields_detail(&setters.phrase(), &sorted_set(values)),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn annotations_before_1_19() {
        let ann = "seccomp.security.alpha.kubernetes.io/pod: unconfined\ncontainer.seccomp.security.alpha.kubernetes.io/a: docker/default\ncontainer.seccomp.security.alpha.kubernetes.io/b: foo";
        let spec = "containers: [{name: a}, {name: b}]";
        assert_eq!(
            d(v1_0, ann, spec).as_deref(),
            Some(
                r#"seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/b="foo", seccomp.security.alpha.kubernetes.io/pod="unconfined")"#
            )
        );
        assert_eq!(d(v1_19, ann, spec), None);
    }

    #[test]
    fn fields_from_1_19() {
        let spec = "securityContext: {seccompProfile: {type: Unconfined}}\ncontainers: [{name: a, securityContext: {seccompProfile: {type: RuntimeDefault}}}, {name: b, securityContext: {seccompProfile: {type: Unconfined}}}]";
        assert_eq!(
            d(v1_19, "", spec).as_deref(),
            Some(
                r#"seccompProfile (pod and container "b" must not set securityContext.seccompProfile.type to "Unconfined")"#
            )
        );
        assert_eq!(d(v1_0, "", spec), None);
    }
}
