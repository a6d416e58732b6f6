use crate::workload::helpers::{KINDS, is_windows};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags `seLinuxOptions` in the pod's or a container's security context that the baseline
    /// Pod Security Standard forbids: a `user` or `role`, or a `type` other than `container_t`,
    /// `container_init_t`, `container_kvm_t` and `container_engine_t`. The unconfined types
    /// `spc_t` and `unconfined_t` are reported as high. `level` is not checked.
    ///
    /// ## Why is this risky?
    /// On SELinux nodes the container types confine what a container process may touch on the
    /// host even if it escapes its namespaces. Choosing another type or a custom user or role
    /// moves the process into a different domain: `spc_t` ("super privileged container") and
    /// `unconfined_t` are not confined at all, and host domains can read host files the
    /// container types cannot.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     seLinuxOptions:
    ///       type: spc_t
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     seLinuxOptions:
    ///       level: "s0:c123,c456"   # only the MCS level, if anything
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Each offending field is reported where it is written, at pod and container level alike,
    /// even where a container's options override the pod's. Node agents that must read host
    /// files (log shippers, CSI drivers) are sometimes given `spc_t`; suppress those with a
    /// reason. Windows pods (`spec.os.name: windows`) are skipped.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "SELinux"
    /// - Kubernetes: "Configure a Security Context for a Pod or Container", "Assign SELinux labels to a Container"
    pub static CUSTOM_SELINUX_OPTIONS = Rule {
        id: "WL015",
        name: "custom-selinux-options",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/hardening-environments"), Control::cis("5.7.3"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/seLinuxOptions")],
        since: "0.1.0",
        summary: "pod or container sets a custom SELinux user, role or type",
        remediation: "Remove `seLinuxOptions.user`, `role` and `type` (or use a `container_*` type); set only `level` if needed.",
        check: check,
    };
}

/// SELinux types the baseline Pod Security Standard allows.
const ALLOWED_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// Types that are not confined at all.
const UNCONFINED_TYPES: &[&str] = &["spc_t", "unconfined_t"];

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    if let Some(opts) = pod.pod_sc("seLinuxOptions") {
        let base = pod.path_of("securityContext.seLinuxOptions");
        check_options(cx, o, opts, &base, "pod security context");
    }
    for c in pod.all_containers() {
        if let Some(opts) = c.sc("seLinuxOptions") {
            let base = c.path_of("securityContext.seLinuxOptions");
            check_options(cx, o, opts, &base, &c.describe());
        }
    }
}

fn check_options(cx: &mut Checker<'_>, o: &Object, opts: &Node, base: &FieldPath, who: &str) {
    for field in ["user", "role"] {
        if let Some(v) = opts
            .get(field)
            .and_then(Node::as_str)
            .filter(|v| !v.is_empty())
        {
            cx.report(
                o,
                base.key(field),
                format!("{who} sets SELinux {field} {v:?}"),
            );
        }
    }
    let Some(t) = opts
        .get("type")
        .and_then(Node::as_str)
        .filter(|t| !t.is_empty())
    else {
        return;
    };
    if UNCONFINED_TYPES.contains(&t) {
        cx.report_with_severity(
            o,
            base.key("type"),
            Severity::High,
            format!("{who} sets unconfined SELinux type {t:?}"),
        );
    } else if !ALLOWED_TYPES.contains(&t) {
        cx.report(
            o,
            base.key("type"),
            format!("{who} sets SELinux type {t:?}"),
        );
    }
}
