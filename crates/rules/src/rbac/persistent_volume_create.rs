use crate::rbac::helpers::{Grant, KINDS, covers_any, report_grants};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags ClusterRoleBindings (and unbound ClusterRoles) that grant creating PersistentVolumes.
    ///
    /// ## Why is this risky?
    /// A PersistentVolume can be a `hostPath` volume: whoever creates one and a claim bound to it
    /// mounts any directory of the node, which Pod Security admission does not see (the pod only
    /// names a claim).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: risky
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [persistentvolumes]
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
    ///   resources: [persistentvolumeclaims]
    ///   verbs: [create]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Storage provisioners need it; their built-in binding is not reported.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.9
    pub static PERSISTENT_VOLUME_CREATE = Rule {
        id: "RB012",
        name: "persistent-volume-create",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.1.9"), Control::nsa("authn-authz/rbac"), Control::mitre("T1611")],
        since: "0.1.0",
        summary: "grants creating PersistentVolumes",
        remediation: "Let dynamic provisioning create volumes; grant users persistentvolumeclaims instead of persistentvolumes.",
        inventory_check: Some(check),
    };
}

const VERBS: &[&str] = &["create"];
const RESOURCES: &[(&str, &str, &str)] = &[("", "persistentvolumes", "")];

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
