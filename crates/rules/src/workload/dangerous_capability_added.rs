use crate::workload::helpers::{KINDS, added_capabilities, dangerous_capability, is_windows};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers whose `securityContext.capabilities.add` grants a capability that
    /// breaks container isolation. Names are matched as the container runtimes read them:
    /// case-insensitive, with or without the `CAP_` prefix.
    ///
    /// | capability | severity |
    /// |---|---|
    /// | `ALL`, `SYS_ADMIN`, `SYS_MODULE` | critical |
    /// | `SYS_RAWIO`, `SYS_PTRACE`, `SYS_BOOT`, `DAC_READ_SEARCH`, `BPF`, `PERFMON`, `NET_ADMIN`, `MAC_ADMIN`, `MAC_OVERRIDE` | high |
    /// | `NET_RAW`, `SYS_TIME`, `SYSLOG` | medium |
    ///
    /// Other added capabilities are reported by WL022 `capability-added`.
    ///
    /// ## Why is this risky?
    /// Capabilities split root's power into pieces, and some pieces are nearly all of it.
    /// `SYS_ADMIN` allows mounting filesystems and creating namespaces, the basis of most
    /// published container escapes; `SYS_MODULE` loads code into the host kernel;
    /// `DAC_READ_SEARCH` enabled the "shocker" escape that reads host files; `SYS_PTRACE`
    /// injects code into other processes; `BPF` and `PERFMON` expose kernel internals;
    /// `NET_ADMIN` and `NET_RAW` let a pod rewrite routes, spoof packets and intercept its
    /// neighbours' traffic.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     capabilities:
    ///       add: ["SYS_ADMIN", "NET_RAW"]
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
    ///       add: ["NET_BIND_SERVICE"]   # only what the process needs
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// CNI plugins, service meshes' init containers (`NET_ADMIN`, `NET_RAW` for iptables) and
    /// monitoring agents (`SYS_PTRACE`, `BPF`, `PERFMON`) legitimately need some of these;
    /// suppress the finding on those objects with a reason. Windows pods
    /// (`spec.os.name: windows`) are skipped: capabilities do not apply there.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "Capabilities"
    /// - CIS Kubernetes Benchmark 5.2.8 and 5.2.9
    /// - capabilities(7), Linux manual page
    pub static DANGEROUS_CAPABILITY_ADDED = Rule {
        id: "WL006",
        name: "dangerous-capability-added",
        family: Family::Workload,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.2.8"), Control::cis("5.2.9"), Control::nsa("pod-security/hardening-environments"), Control::mitre("T1611"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/capabilities_baseline"), Control::pss("restricted/capabilities_restricted")],
        since: "0.1.0",
        summary: "container adds a capability that breaks isolation",
        remediation: "Remove the capability from `capabilities.add`; drop `ALL` and add back only the narrow capabilities the process needs.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    for c in pod.all_containers() {
        for (path, name) in added_capabilities(&c) {
            let Some((severity, grants)) = dangerous_capability(&name) else {
                continue;
            };
            cx.report_with_severity(
                o,
                path,
                severity,
                format!("{} adds capability {name} ({grants})", c.describe()),
            );
        }
    }
}
