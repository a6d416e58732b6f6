//! `windowsHostProcess` (baseline, v1.0+): Windows HostProcess containers have host access.
//!
//! Restricted fields: `spec.securityContext.windowsOptions.hostProcess` and every container's
//! `securityContext.windowsOptions.hostProcess`. Allowed values: undefined, `false`.

use super::{Check, Forbidden, Setters, VersionedCheck, Violation, one_container};
use crate::api::Level;
use crate::pod::{Pod, field_bool};

/// The check.
pub static CHECK: Check = Check {
    id: "windowsHostProcess",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        since: 0,
        check: v1_0,
        overrides: &[],
    }],
    summary: "pods and containers must not run as Windows HostProcess",
};

fn detail(setters: &str) -> String {
    format!("{setters} must not set securityContext.windowsOptions.hostProcess=true")
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut setters = Setters::default();
    let mut violations = Vec::new();
    let rel = "securityContext.windowsOptions.hostProcess";
    for c in pod.containers() {
        if field_bool(&c, rel) == Some(true) {
            setters.containers.push(c.name().to_string());
            violations.push(Violation {
                path: c.path_of(rel),
                message: detail(&one_container(c.name())),
            });
        }
    }
    if pod.spec_bool(rel) == Some(true) {
        setters.pod = true;
        violations.insert(
            0,
            Violation {
                path: pod.spec_path(rel),
                message: detail("pod"),
            },
        );
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "hostProcess".into(),
        detail: detail(&setters.phrase()),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn pod_and_containers() {
        assert_eq!(
            d(v1_0, "", "securityContext: {windowsOptions: {hostProcess: true}}\ncontainers: [{name: a, securityContext: {windowsOptions: {hostProcess: true}}}]").as_deref(),
            Some(r#"hostProcess (pod and container "a" must not set securityContext.windowsOptions.hostProcess=true)"#)
        );
        assert_eq!(
            d(
                v1_0,
                "",
                "securityContext: {windowsOptions: {hostProcess: false}}\ncontainers: [{name: a}]"
            ),
            None
        );
    }
}
