//! `appArmorProfile` (baseline, v1.0+): overriding or disabling the default AppArmor profile.
//!
//! Restricted fields: `spec.securityContext.appArmorProfile.type`,
//! `spec.{containers,initContainers,ephemeralContainers}[*].securityContext.appArmorProfile.type`
//! (allowed: `RuntimeDefault`, `Localhost`, undefined) and the annotations
//! `metadata.annotations['container.apparmor.security.beta.kubernetes.io/*']` (allowed:
//! `runtime/default`, `localhost/*`, empty, undefined).
//!
//! When a `Pod` (not a template) is created, the API server first copies a deprecated
//! annotation into the container's field when the container sets no profile and the value
//! differs from the pod's profile (except for Windows pods); the admission sees the result, so
//! the detail names both the container and the annotation.

use super::{Check, Forbidden, Setters, VersionedCheck, Violation, one_container};
use crate::api::Level;
use crate::pod::{Pod, field, go_quote, join_quote, pluralize, sorted_set};
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "appArmorProfile",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        since: 0,
        check: v1_0,
        overrides: &[],
    }],
    summary: "pods and containers must not disable or override the default AppArmor profile",
};

/// The deprecated per-container annotation prefix.
pub const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

#[derive(Clone, Debug, PartialEq)]
struct Profile {
    ty: String,
    localhost: Option<String>,
}

fn profile(n: Option<&Node>) -> Option<Profile> {
    let n = n.filter(|n| !n.is_null())?;
    Some(Profile {
        ty: n
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string(),
        localhost: n
            .get("localhostProfile")
            .and_then(Node::as_str)
            .map(str::to_string),
    })
}

fn allowed_type(t: &str) -> bool {
    matches!(t, "RuntimeDefault" | "Localhost")
}

fn allowed_annotation(v: &str) -> bool {
    v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")
}

fn field_for(annotation: &str) -> Option<Profile> {
    let p = |ty: &str, localhost: Option<String>| Profile {
        ty: ty.into(),
        localhost,
    };
    match annotation {
        "unconfined" => Some(p("Unconfined", None)),
        "runtime/default" => Some(p("RuntimeDefault", None)),
        a => a
            .strip_prefix("localhost/")
            .filter(|l| !l.is_empty())
            .map(|l| p("Localhost", Some(l.to_string()))),
    }
}

fn detail(setters: &str, values: &[String]) -> String {
    format!(
        "{setters} must not set AppArmor profile type to {}",
        join_quote(values)
    )
}

fn reason(count: usize) -> String {
    pluralize(
        "forbidden AppArmor profile",
        "forbidden AppArmor profiles",
        count,
    )
    .to_string()
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let pod_profile = profile(pod.spec("securityContext.appArmorProfile"));
    let containers = pod.containers();
    let annotations: Vec<(String, String)> = pod
        .annotations()
        .into_iter()
        .map(|(k, v, _)| (k.to_string(), v.to_string()))
        .collect();
    let mut effective: Vec<Option<Profile>> = containers
        .iter()
        .map(|c| profile(field(c, "securityContext.appArmorProfile")))
        .collect();
    if pod.is_pod && !pod.is_windows() {
        for (c, eff) in containers.iter().zip(effective.iter_mut()) {
            let key = format!("{ANNOTATION_PREFIX}{}", c.name());
            if eff.is_none()
                && let Some((_, value)) = annotations.iter().find(|(k, _)| *k == key)
                && let Some(f) = field_for(value)
                && Some(&f) != pod_profile.as_ref()
            {
                *eff = Some(f);
            }
        }
    }

    let mut setters = Setters::default();
    let mut values = Vec::new();
    let mut violations = Vec::new();
    if let Some(p) = &pod_profile
        && !allowed_type(&p.ty)
    {
        setters.pod = true;
        values.push(p.ty.clone());
        violations.push(Violation {
            path: pod.spec_path("securityContext.appArmorProfile.type"),
            message: detail("pod", std::slice::from_ref(&p.ty)),
        });
    }
    for (c, eff) in containers.iter().zip(&effective) {
        if let Some(p) = eff
            && !allowed_type(&p.ty)
        {
            setters.containers.push(c.name().to_string());
            values.push(p.ty.clone());
            if let Some(own) = profile(field(c, "securityContext.appArmorProfile"))
                && !allowed_type(&own.ty)
            {
                violations.push(Violation {
                    path: c.path_of("securityContext.appArmorProfile.type"),
                    message: detail(&one_container(c.name()), &[own.ty]),
                });
            }
        }
    }
    let mut phrase = setters.phrase();
    let mut forbidden_annotations = Vec::new();
    for (k, v) in &annotations {
        if k.starts_with(ANNOTATION_PREFIX) && !allowed_annotation(v) {
            forbidden_annotations.push(format!("{k}={}", go_quote(v)));
        }
    }
    for (k, v, path) in pod.annotations() {
        if k.starts_with(ANNOTATION_PREFIX) && !allowed_annotation(v) {
            violations.push(Violation {
                path,
                message: detail("annotation", &[format!("{k}={}", go_quote(v))]),
            });
        }
    }
    let mut list = sorted_set(values);
    if !forbidden_annotations.is_empty() {
        forbidden_annotations.sort();
        let word = pluralize("annotation", "annotations", forbidden_annotations.len());
        phrase = if phrase.is_empty() {
            word.to_string()
        } else {
            format!("{phrase} and {word}")
        };
        list.extend(forbidden_annotations);
    }
    if phrase.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: reason(list.len()),
        detail: detail(&phrase, &list),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{detail as d, object};

    #[test]
    fn fields() {
        assert_eq!(
            d(
                v1_0,
                "",
                "securityContext: {appArmorProfile: {type: RuntimeDefault}}\ncontainers: [{name: a, securityContext: {appArmorProfile: {type: Localhost, localhostProfile: x}}}]"
            ),
            None
        );
        assert_eq!(
            d(v1_0, "", "os: {name: windows}\nsecurityContext: {appArmorProfile: {type: Unconfined}}\ncontainers: [{name: a, securityContext: {appArmorProfile: {type: Bogus}}}]").as_deref(),
            Some(r#"forbidden AppArmor profiles (pod and container "a" must not set AppArmor profile type to "Bogus", "Unconfined")"#)
        );
    }

    #[test]
    fn pods_sync_annotations_and_fields() {
        // the annotation becomes the field of a container without one; fields stay as they are
        assert_eq!(
            d(v1_0, "container.apparmor.security.beta.kubernetes.io/b: unconfined", "containers: [{name: a, securityContext: {appArmorProfile: {type: Unconfined}}}, {name: b}]").as_deref(),
            Some(r#"forbidden AppArmor profiles (containers "a", "b" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/b="unconfined"")"#)
        );
        // an annotation equal to the pod profile is not copied to the container
        assert_eq!(
            d(
                v1_0,
                "container.apparmor.security.beta.kubernetes.io/a: unconfined",
                "securityContext: {appArmorProfile: {type: Unconfined}}\ncontainers: [{name: a}]"
            )
            .as_deref(),
            Some(
                r#"forbidden AppArmor profiles (pod and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined"")"#
            )
        );
    }

    #[test]
    fn templates_are_not_synced() {
        let o = object(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata:\n      annotations:\n        container.apparmor.security.beta.kubernetes.io/a: unconfined\n    spec:\n      containers: [{name: a}]\n",
        );
        let pod = Pod::of(&o).unwrap();
        assert_eq!(
            v1_0(&pod).map(|f| f.describe()).as_deref(),
            Some(
                r#"forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/a="unconfined"")"#
            )
        );
    }
}
