use crate::workload::helpers::KINDS;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::{ContainerKind, Object};
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers and init containers that set `stdin: true` or `tty: true`.
    ///
    /// ## Why is this risky?
    /// A container with an open standard input is an interactive session waiting to be used:
    /// anyone allowed to `kubectl attach` to the pod can type straight into its main process —
    /// often a shell — without starting a new process that runtime detections watching for
    /// `exec` would notice. Long-running workloads do not read from a terminal; these settings
    /// are usually left over from `kubectl run -it` or debugging.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: toolbox
    ///   image: registry.example.com/toolbox:1.0.0
    ///   stdin: true
    ///   tty: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: toolbox
    ///   image: registry.example.com/toolbox:1.0.0
    ///   # debug with `kubectl debug` or `kubectl exec` when needed
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Ephemeral containers are not checked: `kubectl debug -it` sets both fields on them by
    /// design. One finding is reported per container, at `stdin` when both are set.
    ///
    /// ## References
    /// - Kubernetes API reference, Container: `stdin`, `stdinOnce`, `tty`
    /// - MITRE ATT&CK for Containers, T1609 "Container Administration Command"
    pub static STDIN_TTY_ENABLED = Rule {
        id: "WL020",
        name: "stdin-tty-enabled",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/hardening-environments"), Control::mitre("T1609")],
        since: "0.1.0",
        summary: "container keeps stdin or a TTY open",
        remediation: "Remove `stdin: true` and `tty: true`; use `kubectl debug` or `kubectl exec` for interactive access.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.containers_of(&[ContainerKind::Regular, ContainerKind::Init]) {
        let stdin = c.node.get("stdin").and_then(Node::as_bool) == Some(true);
        let tty = c.node.get("tty").and_then(Node::as_bool) == Some(true);
        let (field, what) = match (stdin, tty) {
            (true, true) => ("stdin", "stdin: true and tty: true"),
            (true, false) => ("stdin", "stdin: true"),
            (false, true) => ("tty", "tty: true"),
            (false, false) => continue,
        };
        cx.report(o, c.path_of(field), format!("{} sets {what}", c.describe()));
    }
}
