use crate::workload::helpers::{KINDS, added_capabilities, dangerous_capability, is_windows};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers that add a capability in `securityContext.capabilities.add` other than
    /// `NET_BIND_SERVICE`. Capabilities that break isolation (`SYS_ADMIN`, `NET_RAW`, …) are
    /// reported by WL006 `dangerous-capability-added` instead, so a capability is never
    /// reported twice. Names are matched case-insensitively, with or without `CAP_`.
    ///
    /// ## Why is this risky?
    /// Each added capability widens what a compromised process may do as root: `CHOWN`,
    /// `DAC_OVERRIDE` and `FOWNER` bypass file ownership checks, `SETUID`/`SETGID` switch
    /// users, `MKNOD` creates device files, `SYS_RESOURCE` and `SYS_NICE` escape resource
    /// limits. Most processes need none of them; the Pod Security Standards' restricted profile
    /// allows only `NET_BIND_SERVICE`.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     capabilities:
    ///       drop: ["ALL"]
    ///       add: ["CHOWN", "SETUID"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     runAsUser: 10001
    ///     capabilities:
    ///       drop: ["ALL"]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Adding a capability the runtime grants by default (such as `CHOWN`) changes nothing
    /// unless `ALL` is dropped, but it is still reported: it records that the process is
    /// expected to need it. Windows pods (`spec.os.name: windows`) are skipped.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, restricted, "Capabilities"
    /// - CIS Kubernetes Benchmark 5.2.9
    /// - capabilities(7), Linux manual page
    pub static CAPABILITY_ADDED = Rule {
        id: "WL022",
        name: "capability-added",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[Control::cis("5.2.9"), Control::nsa("pod-security/hardening-environments")],
        since: "0.1.0",
        summary: "container adds a capability beyond NET_BIND_SERVICE",
        remediation: "Remove the capability from `capabilities.add` unless the process cannot work without it.",
        check: check,
    };
}

/// The one capability the restricted Pod Security Standard lets containers add.
const ALLOWED: &str = "NET_BIND_SERVICE";

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    for c in pod.all_containers() {
        for (path, name) in added_capabilities(&c) {
            // WL006 reports the dangerous ones.
            if name == ALLOWED || dangerous_capability(&name).is_some() {
                continue;
            }
            cx.report(o, path, format!("{} adds capability {name}", c.describe()));
        }
    }
}
