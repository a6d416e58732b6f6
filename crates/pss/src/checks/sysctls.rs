//! `sysctls` (baseline, v1.0+, the allowed set grows in v1.27, v1.29, v1.32 and v1.37): sysctls
//! that are not namespaced or not isolated between pods.
//!
//! Restricted fields: `spec.securityContext.sysctls[*].name`. Allowed values: see [`allowed`].

use super::{Check, Forbidden, VersionedCheck, Violation};
use crate::api::Level;
use crate::pod::Pod;
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "sysctls",
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            since: 0,
            check: v1_0,
            overrides: &[],
        },
        VersionedCheck {
            since: 27,
            check: v1_27,
            overrides: &[],
        },
        VersionedCheck {
            since: 29,
            check: v1_29,
            overrides: &[],
        },
        VersionedCheck {
            since: 32,
            check: v1_32,
            overrides: &[],
        },
        VersionedCheck {
            since: 37,
            check: v1_37,
            overrides: &[],
        },
    ],
    summary: "pods must only set safe sysctls",
};

/// Sysctls allowed from each version on: (first minor, names added).
const ADDED: &[(u32, &[&str])] = &[
    (
        0,
        &[
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
        ],
    ),
    (27, &["net.ipv4.ip_local_reserved_ports"]),
    (
        29,
        &[
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
        ],
    ),
    (32, &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]),
    (
        37,
        &[
            "net.ipv4.tcp_slow_start_after_idle",
            "net.ipv4.tcp_notsent_lowat",
        ],
    ),
];

/// Whether sysctl `name` is allowed at minor version `minor`.
pub fn allowed(name: &str, minor: u32) -> bool {
    ADDED
        .iter()
        .filter(|(since, _)| *since <= minor)
        .any(|(_, names)| names.contains(&name))
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    evaluate(pod, 0)
}
fn v1_27(pod: &Pod<'_>) -> Option<Forbidden> {
    evaluate(pod, 27)
}
fn v1_29(pod: &Pod<'_>) -> Option<Forbidden> {
    evaluate(pod, 29)
}
fn v1_32(pod: &Pod<'_>) -> Option<Forbidden> {
    evaluate(pod, 32)
}
fn v1_37(pod: &Pod<'_>) -> Option<Forbidden> {
    evaluate(pod, 37)
}

fn evaluate(pod: &Pod<'_>, minor: u32) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut violations = Vec::new();
    let list = pod
        .spec("securityContext.sysctls")
        .map(Node::items)
        .unwrap_or(&[]);
    let base = pod.spec_path("securityContext.sysctls");
    for (i, s) in list.iter().enumerate() {
        let name = s.get("name").and_then(Node::as_str).unwrap_or("");
        if !allowed(name, minor) {
            bad.push(name.to_string());
            violations.push(Violation {
                path: base.index(i).key("name"),
                message: name.to_string(),
            });
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "forbidden sysctls".into(),
        detail: bad.join(", "),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn version_boundaries() {
        let spec = |n: &str| {
            format!(
                "securityContext: {{sysctls: [{{name: {n}, value: '1'}}]}}\ncontainers: [{{name: a}}]"
            )
        };
        for (name, since) in [
            ("kernel.shm_rmid_forced", 0),
            ("net.ipv4.ip_local_reserved_ports", 27),
            ("net.ipv4.tcp_keepalive_probes", 29),
            ("net.ipv4.tcp_wmem", 32),
            ("net.ipv4.tcp_notsent_lowat", 37),
        ] {
            let at = |f: super::super::CheckFn| d(f, "", &spec(name));
            let fns: [(u32, super::super::CheckFn); 5] = [
                (0, v1_0),
                (27, v1_27),
                (29, v1_29),
                (32, v1_32),
                (37, v1_37),
            ];
            for (v, f) in fns {
                assert_eq!(at(f).is_none(), v >= since, "{name} at v1.{v}");
            }
        }
        assert_eq!(
            d(v1_37, "", "securityContext: {sysctls: [{name: kernel.msgmax, value: '1'}, {name: net.core.somaxconn, value: '1'}, {name: kernel.msgmax, value: '2'}]}").as_deref(),
            Some("forbidden sysctls (kernel.msgmax, net.core.somaxconn, kernel.msgmax)")
        );
    }
}
