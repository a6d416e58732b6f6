//! Pod Security Standards (`PSS`): one rule per check of the upstream PodSecurity admission
//! (k8s.io/pod-security-admission), named after its check id, with upstream's reason and detail
//! texts. Baseline checks are high severity, restricted-only checks medium.
//!
//! The evaluation itself lives in `stockade-pss` (shared with `stockade pss`); a rule runs one
//! check at the version of its `version` option and reports every offending field.

pub mod helpers;

pub mod pss_allow_privilege_escalation;
pub mod pss_app_armor_profile;
pub mod pss_capabilities_baseline;
pub mod pss_capabilities_restricted;
pub mod pss_host_namespaces;
pub mod pss_host_path_volumes;
pub mod pss_host_ports;
pub mod pss_host_probes_and_host_lifecycle;
pub mod pss_privileged;
pub mod pss_proc_mount;
pub mod pss_proc_mount_restricted;
pub mod pss_restricted_volumes;
pub mod pss_run_as_non_root;
pub mod pss_run_as_user;
pub mod pss_se_linux_options;
pub mod pss_seccomp_profile_baseline;
pub mod pss_seccomp_profile_restricted;
pub mod pss_sysctls;
pub mod pss_windows_host_process;

use crate::Rule;

/// The rule that runs upstream check `check_id`.
pub fn rule_for_check(check_id: &str) -> Option<&'static Rule> {
    let name = format!("pss-{}", kebab(check_id));
    crate::RULES.iter().copied().find(|r| r.name == name)
}

/// `hostNamespaces` → `host-namespaces`, `capabilities_baseline` → `capabilities-baseline`.
fn kebab(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rule_for_check;
    use crate::{Family, RULES};
    use stockade_model::{Framework, Severity};
    use stockade_pss::{CHECKS, Level};

    /// The PSS engine's check table is the source of truth: one rule per upstream check, named,
    /// graded and mapped from the check, and no PSS rule without a check.
    #[test]
    fn every_upstream_check_has_exactly_one_rule_derived_from_it() {
        for check in CHECKS {
            let rule = rule_for_check(check.id)
                .unwrap_or_else(|| panic!("no rule for upstream check {}", check.id));
            assert_eq!(rule.family, Family::PodSecurity, "{}", rule.id);
            let severity = match check.level {
                Level::Baseline => Severity::High,
                _ => Severity::Medium,
            };
            assert_eq!(rule.severity, severity, "{} ({})", rule.id, check.id);
            let control = format!("{}/{}", check.level, check.id);
            assert!(
                rule.controls
                    .iter()
                    .any(|c| c.framework == Framework::Pss && c.id == control),
                "{} lacks control PSS {control}",
                rule.id
            );
            assert!(
                rule.summary.contains(&format!("`{}`", check.id)),
                "{}: summary should name the check: {}",
                rule.id,
                rule.summary
            );
        }
        let pss_rules = RULES
            .iter()
            .filter(|r| r.family == Family::PodSecurity)
            .count();
        assert_eq!(
            pss_rules,
            CHECKS.len(),
            "a PSS rule without an upstream check"
        );
    }
}
