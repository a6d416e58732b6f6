use crate::rbac::helpers::{Grant, KINDS, covers_any, report_grants};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags bindings that grant `create` on `serviceaccounts/token`.
    ///
    /// ## Why is this risky?
    /// The TokenRequest API issues a fresh token for any ServiceAccount the rule covers: the
    /// subject can then act as that ServiceAccount, with all its permissions, for as long as the
    /// token lives.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: risky
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [serviceaccounts/token]
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
    ///   resources: [serviceaccounts]
    ///   verbs: [get, list]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// The kubelet and token-issuing controllers need it; their built-in bindings are not reported.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.13
    pub static SERVICE_ACCOUNT_TOKEN_CREATE = Rule {
        id: "RB008",
        name: "service-account-token-create",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.1.13"), Control::nsa("authn-authz/rbac"), Control::mitre("T1528")],
        since: "0.1.0",
        summary: "grants creating ServiceAccount tokens",
        remediation: "Do not grant serviceaccounts/token create to people or workloads; if a component needs it, restrict it with resourceNames to the ServiceAccounts it serves.",
        inventory_check: Some(check),
    };
}

const VERBS: &[&str] = &["create"];
const RESOURCES: &[(&str, &str, &str)] = &[("", "serviceaccounts", "token")];

fn check(cx: &mut Checker<'_>) {
    report_grants(
        cx,
        &Grant {
            matches: &|rule| covers_any(rule, VERBS, RESOURCES),
            cluster_scoped: false,
            cluster_severity: Severity::Critical,
            namespace_severity: Severity::High,
        },
    );
}
