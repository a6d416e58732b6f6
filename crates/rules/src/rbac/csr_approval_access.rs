use crate::rbac::helpers::{Grant, KINDS, covers_any, report_grants};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags ClusterRoleBindings (and unbound ClusterRoles) that grant creating
    /// CertificateSigningRequests, updating their `approval` subresource, or `approve` on
    /// `signers`.
    ///
    /// ## Why is this risky?
    /// A subject that can create and approve a CSR for the `kubernetes.io/kube-apiserver-client`
    /// signer obtains a client certificate for any user and group it writes into the request,
    /// `system:masters` included: a permanent cluster-admin credential that RBAC cannot revoke.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: risky
    /// rules:
    /// - apiGroups: [certificates.k8s.io]
    ///   resources: [certificatesigningrequests/approval]
    ///   verbs: [update]
    /// - apiGroups: [certificates.k8s.io]
    ///   resources: [signers]
    ///   verbs: [approve]
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
    /// - apiGroups: [certificates.k8s.io]
    ///   resources: [certificatesigningrequests]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Certificate controllers (cert-manager's approver, kubelet-serving approvers) need it;
    /// restrict `signers` approve with resourceNames to their signer names.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.11
    /// - Kubernetes: Certificates and Certificate Signing Requests
    pub static CSR_APPROVAL_ACCESS = Rule {
        id: "RB010",
        name: "csr-approval-access",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.1.11"), Control::nsa("authn-authz/rbac"), Control::mitre("T1098")],
        since: "0.1.0",
        summary: "grants approving certificate signing requests",
        remediation: "Only certificate controllers should approve CSRs; restrict `approve` on signers to their signer names.",
        inventory_check: Some(check),
    };
}

const VERBS: &[&str] = &["update", "patch", "approve", "create"];
const RESOURCES: &[(&str, &str, &str)] = &[
    (
        "certificates.k8s.io",
        "certificatesigningrequests",
        "approval",
    ),
    ("certificates.k8s.io", "signers", ""),
    ("certificates.k8s.io", "certificatesigningrequests", ""),
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
