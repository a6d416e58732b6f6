use crate::rbac::helpers::{Grant, KINDS, covers_any, report_grants};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags ClusterRoleBindings (and unbound ClusterRoles) that grant create, update, patch or
    /// delete on validating or mutating webhook configurations or validating admission policies.
    ///
    /// ## Why is this risky?
    /// A mutating webhook sees and may rewrite every object it selects, Secrets included; deleting
    /// or loosening validating webhooks and policies switches off the cluster's guardrails.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: risky
    /// rules:
    /// - apiGroups: [admissionregistration.k8s.io]
    ///   resources: [mutatingwebhookconfigurations]
    ///   verbs: [create, update, patch]
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
    /// - apiGroups: [admissionregistration.k8s.io]
    ///   resources: [mutatingwebhookconfigurations]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Operators that manage their own webhook (cert-manager's cainjector) need update on named
    /// configurations; restrict them with resourceNames.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.12
    pub static WEBHOOK_CONFIG_WRITE = Rule {
        id: "RB011",
        name: "webhook-config-write",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.1.12"), Control::nsa("authn-authz/rbac"), Control::mitre("T1562.001")],
        since: "0.1.0",
        summary: "grants writing admission webhook configurations",
        remediation: "Restrict webhook configuration writes to cluster administrators, or with resourceNames to the configuration an operator owns.",
        inventory_check: Some(check),
    };
}

const VERBS: &[&str] = &["create", "update", "patch", "delete"];
const RESOURCES: &[(&str, &str, &str)] = &[
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        "",
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        "",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
        "",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
        "",
    ),
];

fn check(cx: &mut Checker<'_>) {
    report_grants(
        cx,
        &Grant {
            matches: &|rule| covers_any(rule, VERBS, RESOURCES),
            cluster_scoped: true,
            cluster_severity: Severity::High,
            namespace_severity: Severity::High,
        },
    );
}
