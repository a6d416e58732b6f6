use crate::workload::helpers::KINDS;
use crate::{Checker, Family, RuleOption, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags pods that do not run in a sandboxed runtime: `spec.runtimeClassName` is unset, or
    /// names a RuntimeClass that is not in the `required-runtime-classes` option. Off by
    /// default; enable it in clusters that provide gVisor, Kata Containers or another
    /// sandboxed runtime and expect workloads to use it.
    ///
    /// ## Why is this risky?
    /// Ordinary containers share the node's kernel, so one kernel vulnerability is enough to
    /// escape to the node. Sandboxed runtimes put a user-space kernel (gVisor) or a lightweight
    /// virtual machine (Kata Containers) between the workload and the host, which is the
    /// isolation untrusted or multi-tenant workloads need.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///   - name: build
    ///     image: registry.example.com/ci-runner:5.2.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   runtimeClassName: gvisor
    ///   containers:
    ///   - name: build
    ///     image: registry.example.com/ci-runner:5.2.0
    /// ```
    ///
    /// ## Options
    /// `required-runtime-classes`: the RuntimeClass names that count as sandboxed. RuntimeClass
    /// names are chosen by each cluster, so set them to your cluster's; an empty list accepts
    /// any `runtimeClassName`.
    ///
    /// ```yaml
    /// rules:
    ///   enable: [WL021]
    ///   options:
    ///     WL021:
    ///       required-runtime-classes: ["gvisor"]
    /// ```
    ///
    /// ## Known limitations
    /// The RuntimeClass objects themselves are not inspected, so a class with a sandbox-like
    /// name that runs `runc` passes. Node agents and other pods that must run on the host
    /// kernel need a suppression.
    ///
    /// ## References
    /// - Kubernetes: "Runtime Class"
    /// - gVisor: "Installation — Kubernetes"; Kata Containers: "How to use Kata Containers with Kubernetes"
    /// - NSA-CISA Kubernetes Hardening Guide, "Hardening container environments"
    pub static RUNTIME_CLASS_MISSING = Rule {
        id: "WL021",
        name: "runtime-class-missing",
        family: Family::Workload,
        severity: Severity::Low,
        default_enabled: false,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/hardening-environments"), Control::mitre("T1611")],
        since: "0.1.0",
        summary: "pod does not run in a required sandboxed runtime class",
        remediation: "Set `spec.runtimeClassName` to one of the cluster's sandboxed RuntimeClasses.",
        options: &[RuleOption {
            name: "required-runtime-classes",
            help: "RuntimeClass names that count as sandboxed; an empty list accepts any runtimeClassName",
            default: r#"["gvisor", "kata", "kata-clh", "kata-fc", "kata-qemu"]"#,
        }],
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    let required = cx.option_strings("required-runtime-classes");
    let path = pod.path_of("runtimeClassName");
    let Some(class) = pod
        .get("runtimeClassName")
        .and_then(Node::as_str)
        .filter(|c| !c.is_empty())
    else {
        let hint = if required.is_empty() {
            String::new()
        } else {
            format!(" (required: {})", quoted(&required))
        };
        cx.report(o, path, format!("pod does not set runtimeClassName{hint}"));
        return;
    };
    if required.is_empty() || required.iter().any(|r| r == class) {
        return;
    }
    cx.report(
        o,
        path,
        format!(
            "pod runtime class {class:?} is not among the required ones ({})",
            quoted(&required)
        ),
    );
}

/// `"gvisor", "kata"` for messages.
fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}
