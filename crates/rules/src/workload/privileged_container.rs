use crate::workload::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) that set
    /// `securityContext.privileged: true`.
    ///
    /// ## Why is this risky?
    /// A privileged container runs with every Linux capability, sees all host devices and is not
    /// confined by seccomp, AppArmor or SELinux. Anyone who can run code in it can take over the
    /// node — mount the host disk, load kernel modules — and from the node, often the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     privileged: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     privileged: false
    ///     capabilities:
    ///       drop: ["ALL"]
    ///       add: ["NET_BIND_SERVICE"]   # only what the process needs
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Node agents (CNI plugins, storage drivers) often need privileged mode; suppress the finding
    /// on those objects with a reason rather than disabling the rule.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "Privileged Containers"
    /// - CIS Kubernetes Benchmark 5.2.2
    pub static PRIVILEGED_CONTAINER = Rule {
        id: "WL001",
        name: "privileged-container",
        family: Family::Workload,
        severity: Severity::Critical,
        kinds: KINDS,
        controls: &[Control::cis("5.2.2"), Control::nsa("pod-security/hardening-environments"), Control::mitre("T1611"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/privileged")],
        since: "0.1.0",
        summary: "container runs in privileged mode",
        remediation: "Remove `privileged: true`; grant only the specific capabilities the process needs.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.all_containers() {
        if c.sc("privileged").and_then(|n| n.as_bool()) == Some(true) {
            cx.report(
                o,
                c.path_of("securityContext.privileged"),
                format!("{} runs privileged", c.describe()),
            );
        }
    }
}
