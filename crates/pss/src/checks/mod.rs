//! One module per upstream check, named by the upstream check id. Each states, in its `//!`
//! comment, the fields it restricts and the values it allows, and has one function per policy
//! version whose behaviour differs. Reasons and details are worded exactly as upstream's, so a
//! user can match Stockade's output with the API server's warnings.

use crate::api::Level;
use crate::pod::{Pod, join_quote, pluralize};
use stockade_model::FieldPath;

pub mod allow_privilege_escalation;
pub mod app_armor_profile;
pub mod capabilities_baseline;
pub mod capabilities_restricted;
pub mod host_namespaces;
pub mod host_path_volumes;
pub mod host_ports;
pub mod host_probes_and_host_lifecycle;
pub mod privileged;
pub mod proc_mount;
pub mod proc_mount_restricted;
pub mod restricted_volumes;
pub mod run_as_non_root;
pub mod run_as_user;
pub mod se_linux_options;
pub mod seccomp_profile_baseline;
pub mod seccomp_profile_restricted;
pub mod sysctls;
pub mod windows_host_process;

/// One offending field, with a message about it alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The offending field (or where the missing field belongs).
    pub path: FieldPath,
    /// Upstream's detail as it would read if this were the only offender.
    pub message: String,
}

/// Why a check forbids a pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forbidden {
    /// Upstream's short reason, e.g. `host namespaces`.
    pub reason: String,
    /// Upstream's detail, e.g. `hostNetwork=true, hostPID=true` (may be empty).
    pub detail: String,
    /// The offending fields.
    pub violations: Vec<Violation>,
}

impl Forbidden {
    /// `reason (detail)`, or the reason alone when there is no detail.
    pub fn describe(&self) -> String {
        if self.detail.is_empty() {
            self.reason.clone()
        } else {
            format!("{} ({})", self.reason, self.detail)
        }
    }

    /// `reason (message)` for one violation, as upstream would word it were that field the only
    /// offender. Only `appArmorProfile` pluralizes its reason (by the number of bad values); a
    /// violation always names one value.
    pub fn violation_message(&self, v: &Violation) -> String {
        let reason = match self.reason.as_str() {
            "forbidden AppArmor profiles" => "forbidden AppArmor profile",
            r => r,
        };
        format!("{reason} ({})", v.message)
    }
}

/// A check function: `None` when the pod is allowed.
pub type CheckFn = fn(&Pod<'_>) -> Option<Forbidden>;

/// One revision of a check, applying from a policy version on.
#[derive(Debug)]
pub struct VersionedCheck {
    /// The first minor version (`v1.<since>`) it applies to.
    pub since: u32,
    /// The check.
    pub check: CheckFn,
    /// Baseline checks this (restricted) revision replaces at the restricted level.
    pub overrides: &'static [&'static str],
}

/// A check of the Pod Security Standards, as upstream registers it.
#[derive(Debug)]
pub struct Check {
    /// Upstream's check id, e.g. `hostNamespaces`.
    pub id: &'static str,
    /// The level it belongs to (baseline checks also run at restricted).
    pub level: Level,
    /// Its revisions, oldest first.
    pub versions: &'static [VersionedCheck],
    /// What it restricts, in a line.
    pub summary: &'static str,
}

impl Check {
    /// The revision in force at minor version `minor`, if the check exists at that version.
    pub fn at(&self, minor: u32) -> Option<&'static VersionedCheck> {
        self.versions.iter().rev().find(|v| v.since <= minor)
    }

    /// The first minor version it applies to.
    pub fn since(&self) -> u32 {
        self.versions.first().map_or(0, |v| v.since)
    }
}

/// Collects offenders for checks whose detail reads `<setters> must …`: the pod, then containers.
#[derive(Default)]
pub(crate) struct Setters {
    pub pod: bool,
    pub containers: Vec<String>,
}

impl Setters {
    /// `pod`, `container "a"`, `containers "a", "b"`, joined with ` and `.
    pub fn phrase(&self) -> String {
        let mut parts = Vec::new();
        if self.pod {
            parts.push("pod".to_string());
        }
        if !self.containers.is_empty() {
            parts.push(containers_phrase(&self.containers));
        }
        parts.join(" and ")
    }

    pub fn is_empty(&self) -> bool {
        !self.pod && self.containers.is_empty()
    }
}

/// `container "a"` / `containers "a", "b"`.
pub(crate) fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// The `setter` phrase for one container.
pub(crate) fn one_container(name: &str) -> String {
    containers_phrase(&[name])
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builds pods from YAML for the per-check unit tests.

    use crate::pod::Pod;
    use stockade_inventory::{Inventory, Object};
    use stockade_sources::{Input, Limits, load_inputs};

    /// Loads one object from YAML text.
    pub fn object(yaml: &str) -> Object {
        let dir = std::env::temp_dir().join(format!(
            "stockade-pss-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pod.yaml");
        std::fs::write(&path, yaml).unwrap();
        let load = load_inputs(
            &[Input::Path(path)],
            &Limits::default(),
            &mut std::io::empty(),
        );
        let (inv, _) = Inventory::from_manifests(load);
        let _ = std::fs::remove_dir_all(&dir);
        inv.objects()[0].clone()
    }

    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    /// A Pod whose spec is `spec` (YAML, indented by two spaces) and optional annotations.
    pub fn pod_yaml(annotations: &str, spec: &str) -> String {
        let mut s = String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n");
        if !annotations.is_empty() {
            s.push_str("  annotations:\n");
            for l in annotations.lines() {
                s.push_str("    ");
                s.push_str(l);
                s.push('\n');
            }
        }
        s.push_str("spec:\n");
        for l in spec.lines() {
            s.push_str("  ");
            s.push_str(l);
            s.push('\n');
        }
        s
    }

    /// Runs `f` on the pod built from `spec`.
    pub fn with_pod<R>(annotations: &str, spec: &str, f: impl FnOnce(&Pod<'_>) -> R) -> R {
        let o = object(&pod_yaml(annotations, spec));
        let pod = Pod::of(&o).expect("a pod");
        f(&pod)
    }

    /// The detail of `check` on `spec`, `None` when allowed.
    pub fn detail(check: super::CheckFn, annotations: &str, spec: &str) -> Option<String> {
        with_pod(annotations, spec, |p| check(p).map(|f| f.describe()))
    }
}
