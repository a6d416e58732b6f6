use crate::workload::helpers::{KINDS, container_sc_path};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::{ContainerKind, Object};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers that do not set `securityContext.readOnlyRootFilesystem: true`.
    ///
    /// ## Why is this risky?
    /// A writable root filesystem lets an intruder drop tools, modify binaries and configuration,
    /// and persist across process restarts. An immutable filesystem turns many attacks into
    /// failures and makes tampering visible.
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
    ///     readOnlyRootFilesystem: true
    ///   volumeMounts:
    ///   - {name: tmp, mountPath: /tmp}   # an emptyDir for what must be written
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Ephemeral (debug) containers are not checked.
    ///
    /// ## References
    /// - NSA-CISA Kubernetes Hardening Guide, "Immutable container file systems"
    pub static WRITABLE_ROOT_FILESYSTEM = Rule {
        id: "WL005",
        name: "writable-root-filesystem",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[Control::cis("5.7.3"), Control::nsa("pod-security/immutable-filesystem")],
        since: "0.1.0",
        summary: "container root filesystem is writable",
        remediation: "Set `securityContext.readOnlyRootFilesystem: true` and mount an emptyDir where the process must write.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.containers_of(&[ContainerKind::Regular, ContainerKind::Init]) {
        if c.sc("readOnlyRootFilesystem").and_then(|n| n.as_bool()) != Some(true) {
            cx.report(
                o,
                container_sc_path(&c, "readOnlyRootFilesystem"),
                format!("{} has a writable root filesystem", c.describe()),
            );
        }
    }
}
