use crate::workload::helpers::{KINDS, is_windows};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers that set `securityContext.procMount: Unmasked`.
    ///
    /// ## Why is this risky?
    /// By default the runtime masks and mounts read-only the parts of `/proc` that expose or
    /// control the host kernel (`/proc/kcore`, `/proc/sysrq-trigger`, `/proc/sys`, …).
    /// `Unmasked` removes that protection, so a process that is root in the container can read
    /// kernel memory information and change kernel settings through `/proc`.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostUsers: false
    ///   containers:
    ///   - name: builder
    ///     image: registry.example.com/builder:0.9.0
    ///     securityContext:
    ///       procMount: Unmasked
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   hostUsers: false
    ///   containers:
    ///   - name: builder
    ///     image: registry.example.com/builder:0.9.0
    ///     securityContext:
    ///       procMount: Default
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Recent Kubernetes versions only accept `Unmasked` in pods with their own user namespace
    /// (`hostUsers: false`), which limits the damage; it is still reported, as the baseline Pod
    /// Security Standard does. Nested container builders (rootless BuildKit, Podman) are the
    /// usual legitimate users; suppress them with a reason. Windows pods are skipped.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "/proc Mount Type"
    /// - Kubernetes: "Configure a Security Context for a Pod or Container"
    pub static UNMASKED_PROC_MOUNT = Rule {
        id: "WL016",
        name: "unmasked-proc-mount",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/hardening-environments"), Control::cis("5.7.3"), Control::mitre("T1611"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/procMount"), Control::pss("restricted/procMount_restricted")],
        since: "0.1.0",
        summary: "container mounts /proc unmasked",
        remediation: "Remove `procMount: Unmasked` (or set it to `Default`).",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    for c in pod.all_containers() {
        if c.sc("procMount").and_then(Node::as_str) == Some("Unmasked") {
            cx.report(
                o,
                c.path_of("securityContext.procMount"),
                format!(
                    "{} mounts /proc unmasked (procMount: Unmasked)",
                    c.describe()
                ),
            );
        }
    }
}
