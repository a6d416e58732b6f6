use crate::workload::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags Windows HostProcess pods and containers: `windowsOptions.hostProcess: true` in the
    /// pod's or a container's security context.
    ///
    /// ## Why is this risky?
    /// A HostProcess container is a process on the Windows node, not an isolated container: it
    /// runs as a node account (often `NT AUTHORITY\SYSTEM`), shares the host network and sees the
    /// node's filesystem, processes and devices. It is the Windows counterpart of a privileged
    /// container, and a compromise of it is a compromise of the node.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   os: {name: windows}
    ///   hostNetwork: true
    ///   securityContext:
    ///     windowsOptions:
    ///       hostProcess: true
    ///       runAsUserName: "NT AUTHORITY\\SYSTEM"
    ///   containers:
    ///   - name: agent
    ///     image: registry.example.com/agent:1.2.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   os: {name: windows}
    ///   securityContext:
    ///     windowsOptions:
    ///       runAsUserName: ContainerUser
    ///   containers:
    ///   - name: agent
    ///     image: registry.example.com/agent:1.2.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Windows CNI plugins, CSI node drivers and node monitoring agents are deployed as
    /// HostProcess pods by design; suppress the finding on those objects with a reason.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "HostProcess"
    /// - Kubernetes: "Create a Windows HostProcess Pod"
    /// - CIS Kubernetes Benchmark 5.2.11
    pub static WINDOWS_HOST_PROCESS = Rule {
        id: "WL018",
        name: "windows-host-process",
        family: Family::Workload,
        severity: Severity::Critical,
        kinds: KINDS,
        controls: &[Control::cis("5.2.11"), Control::nsa("pod-security/hardening-environments"), Control::mitre("T1611"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/windowsHostProcess")],
        since: "0.1.0",
        summary: "pod or container runs as a Windows HostProcess",
        remediation: "Remove `windowsOptions.hostProcess: true` and run the workload as an ordinary Windows container.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if pod
        .pod_sc("windowsOptions.hostProcess")
        .and_then(Node::as_bool)
        == Some(true)
    {
        cx.report(
            o,
            pod.path_of("securityContext.windowsOptions.hostProcess"),
            "pod runs as a Windows HostProcess (hostProcess: true)",
        );
    }
    for c in pod.all_containers() {
        if c.sc("windowsOptions.hostProcess").and_then(Node::as_bool) == Some(true) {
            cx.report(
                o,
                c.path_of("securityContext.windowsOptions.hostProcess"),
                format!(
                    "{} runs as a Windows HostProcess (hostProcess: true)",
                    c.describe()
                ),
            );
        }
    }
}
