use crate::rbac::helpers::{Grant, KINDS, covers_any, report_grants};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags bindings that grant `pods/exec`, `pods/attach` or `pods/portforward` (with `create`,
    /// or `get`, which the WebSocket upgrade uses).
    ///
    /// ## Why is this risky?
    /// Exec runs commands inside a running container with its ServiceAccount token, its mounted
    /// Secrets and its network identity. Port-forward reaches services that network policies would
    /// otherwise protect.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: risky
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [pods/exec, pods/portforward]
    ///   verbs: [create]
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: risky
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: risky}
    /// subjects:
    /// - {kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: narrow
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [pods/log]
    ///   verbs: [get]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Break-glass roles legitimately have it; suppress with a reason. The rule does not know which
    /// pods run in the namespace.
    ///
    /// ## References
    /// - MITRE ATT&CK T1609 Container Administration Command
    /// - Kubernetes: RBAC good practices
    pub static POD_EXEC_ACCESS = Rule {
        id: "RB006",
        name: "pod-exec-access",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::nsa("authn-authz/rbac"), Control::mitre("T1609")],
        since: "0.1.0",
        summary: "grants exec, attach or port-forward into pods",
        remediation: "Remove exec/attach/port-forward from everyday roles; grant it through a separate, audited break-glass binding.",
        inventory_check: Some(check),
    };
}

const VERBS: &[&str] = &["create", "get"];
const RESOURCES: &[(&str, &str, &str)] = &[
    ("", "pods", "exec"),
    ("", "pods", "attach"),
    ("", "pods", "portforward"),
];

fn check(cx: &mut Checker<'_>) {
    report_grants(
        cx,
        &Grant {
            matches: &|rule| covers_any(rule, VERBS, RESOURCES),
            cluster_scoped: false,
            cluster_severity: Severity::High,
            namespace_severity: Severity::Medium,
        },
    );
}
