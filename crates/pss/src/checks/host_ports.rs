//! `hostPorts` (baseline, v1.0+): host ports bind the node's network.
//!
//! Restricted fields: `spec.{containers,initContainers,ephemeralContainers}[*].ports[*].hostPort`.
//! Allowed values: undefined, `0`.
//!
//! For a `Pod` with `hostNetwork: true`, the API server defaults every unset `hostPort` of its
//! containers and init containers to the `containerPort` before the admission sees it; pod
//! templates are not defaulted that way (Kubernetes 1.28+).

use super::{Check, Forbidden, VersionedCheck, Violation, containers_phrase, one_container};
use crate::api::Level;
use crate::pod::{Pod, pluralize, sorted_set};
use stockade_inventory::ContainerKind;
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "hostPorts",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        since: 0,
        check: v1_0,
        overrides: &[],
    }],
    summary: "containers must not use host ports",
};

fn detail(containers: &str, count: usize, ports: &[String]) -> String {
    format!(
        "{containers} {} {} {}",
        pluralize("uses", "use", count),
        pluralize("hostPort", "hostPorts", ports.len()),
        ports.join(", ")
    )
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let host_network_defaulting = pod.is_pod && pod.spec_bool("hostNetwork") == Some(true);
    let mut bad = Vec::new();
    let mut all_ports = Vec::new();
    let mut violations = Vec::new();
    for c in pod.containers() {
        let mut ports = Vec::new();
        let list = c.node.get("ports").map(Node::items).unwrap_or(&[]);
        for (i, p) in list.iter().enumerate() {
            let pp = c.path.key("ports").index(i);
            let host = p.get("hostPort").and_then(Node::as_i64).unwrap_or(0);
            let (port, path) = if host != 0 {
                (host, pp.key("hostPort"))
            } else if host_network_defaulting && c.kind != ContainerKind::Ephemeral {
                let cp = p.get("containerPort").and_then(Node::as_i64).unwrap_or(0);
                (cp, pp.key("containerPort"))
            } else {
                (0, pp)
            };
            if port != 0 {
                ports.push(port.to_string());
                violations.push(Violation {
                    path,
                    message: detail(&one_container(c.name()), 1, &[port.to_string()]),
                });
            }
        }
        if !ports.is_empty() {
            bad.push(c.name().to_string());
            all_ports.extend(ports);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let ports = sorted_set(all_ports);
    Some(Forbidden {
        reason: "hostPort".into(),
        detail: detail(&containers_phrase(&bad), bad.len(), &ports),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{detail as d, object};

    #[test]
    fn host_ports_sorted_as_text() {
        assert_eq!(
            d(
                v1_0,
                "",
                "containers: [{name: a, ports: [{containerPort: 80}]}]"
            ),
            None
        );
        assert_eq!(
            d(
                v1_0,
                "",
                "containers: [{name: a, ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 9, hostPort: 10250}]}, {name: b, ports: [{containerPort: 1, hostPort: 8080}]}]"
            )
            .as_deref(),
            Some(r#"hostPort (containers "a", "b" use hostPorts 10250, 8080)"#)
        );
    }

    #[test]
    fn host_network_pods_default_host_ports_but_templates_do_not() {
        assert_eq!(
            d(
                v1_0,
                "",
                "hostNetwork: true\ncontainers: [{name: a, ports: [{containerPort: 80}]}]"
            )
            .as_deref(),
            Some(r#"hostPort (container "a" uses hostPort 80)"#)
        );
        let o = object(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers: [{name: a, ports: [{containerPort: 80}]}]\n",
        );
        let pod = Pod::of(&o).unwrap();
        assert!(v1_0(&pod).is_none());
    }
}
