//! `hostPathVolumes` (baseline, v1.0+; replaced by `restrictedVolumes` at restricted).
//!
//! Restricted fields: `spec.volumes[*].hostPath`. Allowed values: undefined/null.

use super::{Check, Forbidden, VersionedCheck, Violation};
use crate::api::Level;
use crate::pod::{Pod, join_quote, pluralize};
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "hostPathVolumes",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        since: 0,
        check: v1_0,
        overrides: &[],
    }],
    summary: "pods must not mount hostPath volumes",
};

fn detail(names: &[String]) -> String {
    format!(
        "{} {}",
        pluralize("volume", "volumes", names.len()),
        join_quote(names)
    )
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut violations = Vec::new();
    for (path, v) in pod.view.volumes() {
        if v.get("hostPath").is_some_and(|h| !h.is_null()) {
            let name = v
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string();
            violations.push(Violation {
                path: path.key("hostPath"),
                message: detail(std::slice::from_ref(&name)),
            });
            bad.push(name);
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "hostPath volumes".into(),
        detail: detail(&bad),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn host_path_volumes() {
        assert_eq!(
            d(
                v1_0,
                "",
                "volumes: [{name: a, emptyDir: {}}, {name: b, hostPath: null}]"
            ),
            None
        );
        assert_eq!(
            d(
                v1_0,
                "",
                "volumes: [{name: a, hostPath: {path: /}}, {name: b, hostPath: {path: /x}}]"
            )
            .as_deref(),
            Some(r#"hostPath volumes (volumes "a", "b")"#)
        );
    }
}
