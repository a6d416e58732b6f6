//! `hostNamespaces` (baseline, v1.0+): sharing the host's network, PID or IPC namespace.
//!
//! Restricted fields: `spec.hostNetwork`, `spec.hostPID`, `spec.hostIPC`.
//! Allowed values: undefined, `false`.

use super::{Check, Forbidden, VersionedCheck, Violation};
use crate::api::Level;
use crate::pod::Pod;

/// The check.
pub static CHECK: Check = Check {
    id: "hostNamespaces",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        since: 0,
        check: v1_0,
        overrides: &[],
    }],
    summary: "pods must not share the host's network, PID or IPC namespaces",
};

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut set = Vec::new();
    let mut violations = Vec::new();
    for f in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod.spec_bool(f) == Some(true) {
            let msg = format!("{f}=true");
            violations.push(Violation {
                path: pod.spec_path(f),
                message: msg.clone(),
            });
            set.push(msg);
        }
    }
    if set.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "host namespaces".into(),
        detail: set.join(", "),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn each_host_namespace() {
        assert_eq!(
            d(v1_0, "", "hostNetwork: false\ncontainers: [{name: a}]"),
            None
        );
        assert_eq!(
            d(
                v1_0,
                "",
                "hostIPC: true\nhostNetwork: true\nhostPID: true\ncontainers: [{name: a}]"
            )
            .as_deref(),
            Some("host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)")
        );
    }
}
