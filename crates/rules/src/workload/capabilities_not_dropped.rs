use crate::workload::helpers::{
    KINDS, capability_name, container_sc_path, is_privileged, is_windows, strings,
};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) whose
    /// `securityContext.capabilities.drop` does not contain `ALL`.
    ///
    /// ## Why is this risky?
    /// Without `drop: ["ALL"]` a container starts with the runtime's default capability set —
    /// `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `SETUID`, `SETGID`, `MKNOD`, `NET_RAW` and more. A
    /// process running as root, or one that escalates to root, can use them to bypass file
    /// permissions, switch users and spoof network packets. Dropping everything and adding back
    /// only what is needed keeps the process's privileges to the minimum.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     capabilities:
    ///       drop: ["NET_RAW"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     capabilities:
    ///       drop: ["ALL"]
    ///       add: ["NET_BIND_SERVICE"]   # only if it binds a port below 1024
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// `ALL` is matched case-insensitively, as the container runtimes read it; some admission
    /// policies accept only the upper-case spelling. Privileged
    /// containers are skipped (the runtime grants them every capability whatever they drop;
    /// WL001 reports them), and so are Windows pods (`spec.os.name: windows`).
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, restricted, "Capabilities"
    /// - CIS Kubernetes Benchmark 5.2.10
    pub static CAPABILITIES_NOT_DROPPED = Rule {
        id: "WL007",
        name: "capabilities-not-dropped",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[Control::cis("5.2.10"), Control::nsa("pod-security/hardening-environments"), Control::nsa("pod-security/enforcement"), Control::pss("restricted/capabilities_restricted")],
        since: "0.1.0",
        summary: "container does not drop all capabilities",
        remediation: "Set `securityContext.capabilities.drop: [\"ALL\"]` and add back only the capabilities the process needs.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    for c in pod.all_containers() {
        if is_privileged(&c) {
            continue;
        }
        let drop = c.sc("capabilities.drop");
        let dropped: Vec<String> = strings(drop).map(|(_, s)| capability_name(s)).collect();
        if dropped.iter().any(|d| d == "ALL") {
            continue;
        }
        let path = container_sc_path(&c, "capabilities.drop");
        if dropped.is_empty() {
            cx.report(
                o,
                path,
                format!("{} does not drop ALL capabilities", c.describe()),
            );
        } else {
            cx.report(
                o,
                path,
                format!(
                    "{} drops {} but not ALL capabilities",
                    c.describe(),
                    dropped.join(", ")
                ),
            );
        }
    }
}
