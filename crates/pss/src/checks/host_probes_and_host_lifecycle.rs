//! `hostProbesAndHostLifecycle` (baseline, v1.34+): probes and lifecycle handlers that target
//! another host can be used to reach services the pod should not reach.
//!
//! Restricted fields: every container's `{livenessProbe,readinessProbe,startupProbe}.{httpGet,tcpSocket}.host`
//! and `lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host`. Allowed values: undefined, `""`.

use super::{Check, Forbidden, VersionedCheck, Violation, containers_phrase, one_container};
use crate::api::Level;
use crate::pod::{Pod, join_quote, pluralize, sorted_set};
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "hostProbesAndHostLifecycle",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        since: 34,
        check: v1_34,
        overrides: &[],
    }],
    summary: "probes and lifecycle handlers must not set a host",
};

const HANDLERS: &[&str] = &[
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle.postStart",
    "lifecycle.preStop",
];

fn detail(containers: &str, count: usize, hosts: &[String]) -> String {
    format!(
        "{containers} {} {} {}",
        pluralize("uses", "use", count),
        pluralize(
            "probe or lifecycle host",
            "probe or lifecycle hosts",
            hosts.len()
        ),
        join_quote(hosts)
    )
}

fn v1_34(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut hosts = Vec::new();
    let mut violations = Vec::new();
    for c in pod.containers() {
        for h in HANDLERS {
            for action in ["httpGet", "tcpSocket"] {
                let rel = format!("{h}.{action}.host");
                if let Some(host) = c.node.at(&rel).and_then(Node::as_str)
                    && !host.is_empty()
                {
                    bad.push(c.name().to_string());
                    hosts.push(host.to_string());
                    violations.push(Violation {
                        path: c.path_of(&rel),
                        message: detail(&one_container(c.name()), 1, &[host.to_string()]),
                    });
                }
            }
        }
    }
    if bad.is_empty() {
        return None;
    }
    let bad = sorted_set(bad);
    Some(Forbidden {
        reason: "probe or lifecycle host".into(),
        detail: detail(&containers_phrase(&bad), bad.len(), &sorted_set(hosts)),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn hosts_sorted() {
        assert_eq!(
            d(
                v1_34,
                "",
                "containers: [{name: a, livenessProbe: {httpGet: {port: 80, host: ''}}}]"
            ),
            None
        );
        assert_eq!(
            d(v1_34, "", "containers: [{name: z, readinessProbe: {tcpSocket: {port: 80, host: 10.0.0.1}}}, {name: a, lifecycle: {preStop: {httpGet: {port: 80, host: example.com}}}, startupProbe: {httpGet: {port: 1, host: example.com}}}]").as_deref(),
            Some(r#"probe or lifecycle host (containers "a", "z" use probe or lifecycle hosts "10.0.0.1", "example.com")"#)
        );
    }
}
