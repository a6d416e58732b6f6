//! The check registry and evaluation of one pod against one level and version, exactly as
//! upstream's `checkRegistry`: baseline checks at baseline; at restricted the restricted checks
//! plus the baseline checks they do not override; results ordered by check id, baseline first.

use crate::api::{Level, LevelVersion};
use crate::checks::{self, Check, Forbidden, VersionedCheck};
use crate::pod::Pod;

/// Every check, as upstream registers them (in no particular order).
pub static CHECKS: &[&Check] = &[
    &checks::app_armor_profile::CHECK,
    &checks::capabilities_baseline::CHECK,
    &checks::host_namespaces::CHECK,
    &checks::host_path_volumes::CHECK,
    &checks::host_ports::CHECK,
    &checks::host_probes_and_host_lifecycle::CHECK,
    &checks::privileged::CHECK,
    &checks::proc_mount::CHECK,
    &checks::se_linux_options::CHECK,
    &checks::seccomp_profile_baseline::CHECK,
    &checks::sysctls::CHECK,
    &checks::windows_host_process::CHECK,
    &checks::allow_privilege_escalation::CHECK,
    &checks::capabilities_restricted::CHECK,
    &checks::proc_mount_restricted::CHECK,
    &checks::restricted_volumes::CHECK,
    &checks::run_as_non_root::CHECK,
    &checks::run_as_user::CHECK,
    &checks::seccomp_profile_restricted::CHECK,
];

/// A check by its upstream id.
pub fn check(id: &str) -> Option<&'static Check> {
    CHECKS.iter().copied().find(|c| c.id == id)
}

/// The checks (and their revisions) in force for `lv`, in upstream's order.
pub fn checks_for(lv: LevelVersion) -> Vec<(&'static Check, &'static VersionedCheck)> {
    if lv.level == Level::Privileged {
        return Vec::new();
    }
    let minor = lv.version.effective_minor();
    let in_force = |level: Level| -> Vec<(&'static Check, &'static VersionedCheck)> {
        let mut v: Vec<_> = CHECKS
            .iter()
            .copied()
            .filter(|c| c.level == level)
            .filter_map(|c| c.at(minor).map(|vc| (c, vc)))
            .collect();
        v.sort_by(|a, b| a.0.id.cmp(b.0.id));
        v
    };
    let mut out = in_force(Level::Baseline);
    if lv.level == Level::Restricted {
        let restricted = in_force(Level::Restricted);
        let overridden: Vec<&str> = restricted
            .iter()
            .flat_map(|(_, vc)| vc.overrides.iter().copied())
            .collect();
        out.retain(|(c, _)| !overridden.contains(&c.id));
        out.extend(restricted);
    }
    out
}

/// One check that forbids the pod.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The check.
    pub check: &'static Check,
    /// Why.
    pub forbidden: Forbidden,
}

/// The result of evaluating one pod against one level and version.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// What was evaluated.
    pub policy: LevelVersion,
    /// The checks that forbid the pod, in upstream's order; empty when allowed.
    pub failures: Vec<Failure>,
}

impl Evaluation {
    /// Whether the pod satisfies the policy.
    pub fn allowed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Upstream's aggregate reason: `host namespaces, privileged`.
    pub fn forbidden_reason(&self) -> String {
        let v: Vec<&str> = self
            .failures
            .iter()
            .map(|f| f.forbidden.reason.as_str())
            .collect();
        v.join(", ")
    }

    /// Upstream's aggregate detail, as in the API server's message:
    /// `host namespaces (hostNetwork=true), privileged (container "a" must not …)`.
    pub fn forbidden_detail(&self) -> String {
        let v: Vec<String> = self
            .failures
            .iter()
            .map(|f| f.forbidden.describe())
            .collect();
        v.join(", ")
    }

    /// The message the API server returns when it enforces this policy and rejects the pod:
    /// `violates PodSecurity "restricted:latest": …`.
    pub fn message(&self) -> String {
        format!(
            "violates PodSecurity \"{}\": {}",
            self.policy,
            self.forbidden_detail()
        )
    }
}

/// Evaluates `pod` against `lv`.
pub fn evaluate(pod: &Pod<'_>, lv: LevelVersion) -> Evaluation {
    let failures = checks_for(lv)
        .into_iter()
        .filter_map(|(c, vc)| {
            (vc.check)(pod).map(|forbidden| Failure {
                check: c,
                forbidden,
            })
        })
        .collect();
    Evaluation {
        policy: lv,
        failures,
    }
}

/// Evaluates one check, as it stands at `version`, on its own (no overrides); `None` when the
/// check does not exist at that version or allows the pod.
pub fn evaluate_check(
    pod: &Pod<'_>,
    check: &'static Check,
    version: crate::api::Version,
) -> Option<Forbidden> {
    (check.at(version.effective_minor())?.check)(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Version;

    fn ids(level: Level, v: Version) -> Vec<&'static str> {
        checks_for(LevelVersion::new(level, v))
            .iter()
            .map(|(c, _)| c.id)
            .collect()
    }

    #[test]
    fn baseline_order_is_upstreams() {
        assert_eq!(
            ids(Level::Baseline, Version::Latest),
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPathVolumes",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess"
            ]
        );
        assert!(!ids(Level::Baseline, Version::V1(33)).contains(&"hostProbesAndHostLifecycle"));
        assert!(ids(Level::Privileged, Version::Latest).is_empty());
    }

    #[test]
    fn restricted_overrides_by_version() {
        assert_eq!(
            ids(Level::Restricted, Version::Latest),
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "procMount_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted"
            ]
        );
        let v1_0 = ids(Level::Restricted, Version::V1(0));
        assert!(v1_0.contains(&"capabilities_baseline"));
        assert!(v1_0.contains(&"seccompProfile_baseline"));
        assert!(v1_0.contains(&"procMount"));
        assert!(!v1_0.contains(&"allowPrivilegeEscalation"));
        assert!(!v1_0.contains(&"runAsUser"));
        assert!(!v1_0.contains(&"hostPathVolumes"));
        let v1_22 = ids(Level::Restricted, Version::V1(22));
        assert!(
            v1_22.contains(&"capabilities_restricted") && !v1_22.contains(&"capabilities_baseline")
        );
        assert!(!v1_22.contains(&"runAsUser"));
        assert!(ids(Level::Restricted, Version::V1(34)).contains(&"procMount"));
        assert!(!ids(Level::Restricted, Version::V1(35)).contains(&"procMount"));
    }
}
