use crate::workload::helpers::{KINDS, container_sc_path, is_windows};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers that do not set `securityContext.allowPrivilegeEscalation: false`.
    ///
    /// ## Why is this risky?
    /// Unless it is explicitly `false`, the kernel's `no_new_privs` flag is not set, so a process
    /// in the container can gain more privileges than its parent — through setuid binaries such
    /// as `sudo` or file capabilities. Many container breakouts start with such an escalation.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Pods that declare `spec.os.name: windows` are skipped: the field has no effect there.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, restricted, "Privilege Escalation"
    /// - CIS Kubernetes Benchmark 5.2.6
    pub static PRIVILEGE_ESCALATION_ALLOWED = Rule {
        id: "WL002",
        name: "privilege-escalation-allowed",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.2.6"), Control::nsa("pod-security/non-root"), Control::mitre("T1068"), Control::nsa("pod-security/enforcement"), Control::pss("restricted/allowPrivilegeEscalation")],
        since: "0.1.0",
        summary: "container does not set allowPrivilegeEscalation: false",
        remediation: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    for c in pod.all_containers() {
        match c.sc("allowPrivilegeEscalation").and_then(|n| n.as_bool()) {
            Some(false) => {}
            Some(true) => cx.report(
                o,
                container_sc_path(&c, "allowPrivilegeEscalation"),
                format!("{} sets allowPrivilegeEscalation: true", c.describe()),
            ),
            None => cx.report(
                o,
                container_sc_path(&c, "allowPrivilegeEscalation"),
                format!(
                    "{} does not set allowPrivilegeEscalation: false",
                    c.describe()
                ),
            ),
        }
    }
}
