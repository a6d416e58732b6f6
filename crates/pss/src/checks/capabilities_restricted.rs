//! `capabilities_restricted` (restricted, v1.22+; replaces `capabilities_baseline` there; from
//! v1.25 Windows pods are exempt): containers must drop every capability and may add back only
//! `NET_BIND_SERVICE`.
//!
//! Restricted fields: every container's `securityContext.capabilities.drop` (must include `ALL`)
//! and `securityContext.capabilities.add` (undefined, empty or `NET_BIND_SERVICE`).

use super::{Check, Forbidden, VersionedCheck, Violation, containers_phrase, one_container};
use crate::api::Level;
use crate::pod::{Pod, field, join_quote, sorted_set};
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "capabilities_restricted",
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            since: 22,
            check: v1_22,
            overrides: &["capabilities_baseline"],
        },
        VersionedCheck {
            since: 25,
            check: v1_25,
            overrides: &["capabilities_baseline"],
        },
    ],
    summary: "containers must drop ALL capabilities and add only NET_BIND_SERVICE",
};

fn drop_detail(containers: &str) -> String {
    format!(r#"{containers} must set securityContext.capabilities.drop=["ALL"]"#)
}

fn add_detail(containers: &str, caps: &[String]) -> String {
    format!(
        "{containers} must not include {} in securityContext.capabilities.add",
        join_quote(caps)
    )
}

fn v1_22(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut caps = Vec::new();
    let mut violations = Vec::new();
    for c in pod.containers() {
        let drop_path = c.path_of("securityContext.capabilities.drop");
        if field(&c, "securityContext").is_none()
            || field(&c, "securityContext.capabilities").is_none()
        {
            missing_drop.push(c.name().to_string());
            violations.push(Violation {
                path: drop_path,
                message: drop_detail(&one_container(c.name())),
            });
            continue;
        }
        let items = |k: &str| {
            field(&c, &format!("securityContext.capabilities.{k}"))
                .map(Node::items)
                .unwrap_or(&[])
        };
        if !items("drop").iter().any(|d| d.as_str() == Some("ALL")) {
            missing_drop.push(c.name().to_string());
            violations.push(Violation {
                path: drop_path,
                message: drop_detail(&one_container(c.name())),
            });
        }
        let mut found = false;
        for (j, cap) in items("add").iter().enumerate() {
            let Some(cap) = cap.as_str() else { continue };
            if cap != "NET_BIND_SERVICE" {
                found = true;
                caps.push(cap.to_string());
                violations.push(Violation {
                    path: c.path_of("securityContext.capabilities.add").index(j),
                    message: add_detail(&one_container(c.name()), &[cap.to_string()]),
                });
            }
        }
        if found {
            adding.push(c.name().to_string());
        }
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(drop_detail(&containers_phrase(&missing_drop)));
    }
    if !adding.is_empty() {
        details.push(add_detail(&containers_phrase(&adding), &sorted_set(caps)));
    }
    if details.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "unrestricted capabilities".into(),
        detail: details.join("; "),
        violations,
    })
}

fn v1_25(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.is_windows() {
        return None;
    }
    v1_22(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn drop_all_add_only_net_bind_service() {
        assert_eq!(
            d(
                v1_25,
                "",
                "containers: [{name: a, securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}}]"
            ),
            None
        );
        assert_eq!(
            d(v1_25, "", "containers: [{name: a}, {name: b, securityContext: {capabilities: {drop: [all], add: [CHOWN]}}}, {name: c, securityContext: {capabilities: {drop: [ALL], add: [SYS_ADMIN, CHOWN]}}}]").as_deref(),
            Some(r#"unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "b", "c" must not include "CHOWN", "SYS_ADMIN" in securityContext.capabilities.add)"#)
        );
        assert_eq!(
            d(v1_25, "", "os: {name: windows}\ncontainers: [{name: a}]"),
            None
        );
    }
}
