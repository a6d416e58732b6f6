use crate::rbac::helpers::{Grant, KINDS, covers_any, report_grants};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags bindings that let their subjects `get`, `list` or `watch` Secrets: cluster-wide
    /// through a ClusterRoleBinding (high) or in one namespace through a RoleBinding (medium),
    /// including through `edit`, `admin` and aggregated roles. A role that grants it but is not
    /// bound by any loaded binding is reported on its rule.
    ///
    /// ## Why is this risky?
    /// Secrets hold ServiceAccount tokens, registry credentials, TLS keys and database passwords.
    /// `list` and `watch` return every Secret's data, not just names. Whoever can read the Secrets
    /// of a namespace can usually act as every workload in it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: risky
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [secrets]
    ///   verbs: [get, list, watch]
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
    ///   resources: [configmaps]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// A rule restricted by `resourceNames` is still reported (naming the Secrets): those Secrets
    /// may be the ones that matter. Bindings whose role is neither among the inputs nor a built-in
    /// default cannot be assessed (see `binding-role-missing`).
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.2
    /// - Kubernetes: RBAC good practices, "Listing secrets"
    pub static SECRET_READ_ACCESS = Rule {
        id: "RB004",
        name: "secret-read-access",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.1.2"), Control::nsa("authn-authz/rbac"), Control::mitre("T1552.007")],
        since: "0.1.0",
        summary: "grants read access to Secrets",
        remediation: "Grant `get` on the named Secrets a workload needs (resourceNames), never `list`/`watch`, and never cluster-wide.",
        inventory_check: Some(check),
    };
}

const VERBS: &[&str] = &["get", "list", "watch"];
const RESOURCES: &[(&str, &str, &str)] = &[("", "secrets", "")];

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
