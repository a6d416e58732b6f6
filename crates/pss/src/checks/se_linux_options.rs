//! `seLinuxOptions` (baseline, v1.0+; `container_engine_t` allowed from v1.31): custom SELinux
//! types, users and roles.
//!
//! Restricted fields: `spec.securityContext.seLinuxOptions.{type,user,role}` and the same under
//! every container's `securityContext`. Allowed values: `type` undefined/empty,
//! `container_t`, `container_init_t`, `container_kvm_t` (and `container_engine_t` from v1.31);
//! `user` and `role` undefined/empty.

use super::{Check, Forbidden, Setters, VersionedCheck, Violation, one_container};
use crate::api::Level;
use crate::pod::{Pod, join_quote, pluralize, sorted_set};
use stockade_model::FieldPath;
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "seLinuxOptions",
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            since: 0,
            check: v1_0,
            overrides: &[],
        },
        VersionedCheck {
            since: 31,
            check: v1_31,
            overrides: &[],
        },
    ],
    summary: "pods and containers must not set custom SELinux types, users or roles",
};

const TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    evaluate(pod, TYPES_1_0)
}

fn v1_31(pod: &Pod<'_>) -> Option<Forbidden> {
    evaluate(pod, TYPES_1_31)
}

#[derive(Default)]
struct Bad {
    types: Vec<String>,
    user: bool,
    role: bool,
}

impl Bad {
    fn describe(&self) -> String {
        let mut data = Vec::new();
        let types = sorted_set(&self.types);
        if !types.is_empty() {
            data.push(format!(
                "{} {}",
                pluralize("type", "types", types.len()),
                join_quote(&types)
            ));
        }
        if self.user {
            data.push("user may not be set".to_string());
        }
        if self.role {
            data.push("role may not be set".to_string());
        }
        data.join("; ")
    }
}

fn detail(setters: &str, bad: &Bad) -> String {
    format!(
        "{setters} set forbidden securityContext.seLinuxOptions: {}",
        bad.describe()
    )
}

/// Checks one `seLinuxOptions` mapping; records into `all` and returns the violations.
fn inspect(
    opts: &Node,
    path: &FieldPath,
    setter: &str,
    allowed: &[&str],
    all: &mut Bad,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let s = |k: &str| opts.get(k).and_then(Node::as_str).unwrap_or("");
    let ty = s("type");
    if !allowed.contains(&ty) {
        all.types.push(ty.to_string());
        let one = Bad {
            types: vec![ty.to_string()],
            ..Bad::default()
        };
        out.push(Violation {
            path: path.key("type"),
            message: detail(setter, &one),
        });
    }
    if !s("user").is_empty() {
        all.user = true;
        let one = Bad {
            user: true,
            ..Bad::default()
        };
        out.push(Violation {
            path: path.key("user"),
            message: detail(setter, &one),
        });
    }
    if !s("role").is_empty() {
        all.role = true;
        let one = Bad {
            role: true,
            ..Bad::default()
        };
        out.push(Violation {
            path: path.key("role"),
            message: detail(setter, &one),
        });
    }
    out
}

fn evaluate(pod: &Pod<'_>, allowed: &[&str]) -> Option<Forbidden> {
    let mut all = Bad::default();
    let mut setters = Setters::default();
    let mut violations = Vec::new();
    if let Some(opts) = pod.spec("securityContext.seLinuxOptions") {
        let v = inspect(
            opts,
            &pod.spec_path("securityContext.seLinuxOptions"),
            "pod",
            allowed,
            &mut all,
        );
        setters.pod = !v.is_empty();
        violations.extend(v);
    }
    for c in pod.containers() {
        if let Some(opts) = crate::pod::field(&c, "securityContext.seLinuxOptions") {
            let v = inspect(
                opts,
                &c.path_of("securityContext.seLinuxOptions"),
                &one_container(c.name()),
                allowed,
                &mut all,
            );
            if !v.is_empty() {
                setters.containers.push(c.name().to_string());
            }
            violations.extend(v);
        }
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "seLinuxOptions".into(),
        detail: detail(&setters.phrase(), &all),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn types_users_roles() {
        let spec = "securityContext: {seLinuxOptions: {type: container_t, level: 's0:c1'}}\ncontainers: [{name: a, securityContext: {seLinuxOptions: {type: container_engine_t}}}]";
        assert_eq!(d(v1_31, "", spec), None);
        assert_eq!(
            d(v1_0, "", spec).as_deref(),
            Some(
                r#"seLinuxOptions (container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t")"#
            )
        );
        assert_eq!(
            d(v1_31, "", "securityContext: {seLinuxOptions: {user: u, role: r}}\ncontainers: [{name: a, securityContext: {seLinuxOptions: {type: spc_t}}}, {name: b, securityContext: {seLinuxOptions: {type: unconfined_t}}}]").as_deref(),
            Some(r#"seLinuxOptions (pod and containers "a", "b" set forbidden securityContext.seLinuxOptions: types "spc_t", "unconfined_t"; user may not be set; role may not be set)"#)
        );
    }
}
