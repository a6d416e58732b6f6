use crate::rbac::helpers::{Grant, KINDS, covers_any, report_grants};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags bindings that let their subjects create Pods or workloads that create Pods
    /// (Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs,
    /// ReplicationControllers).
    ///
    /// ## Why is this risky?
    /// Whoever can create a pod in a namespace can run it as any ServiceAccount of that namespace
    /// (and so obtain its permissions), mount any Secret or ConfigMap there, and, unless Pod
    /// Security admission forbids it, run a privileged pod with host access: node compromise.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: risky
    /// rules:
    /// - apiGroups: ["apps"]
    ///   resources: [deployments]
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
    /// - apiGroups: ["apps"]
    ///   resources: [deployments]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Legitimate for deployers and CI; suppress those with a reason, and enforce Pod Security
    /// `restricted` in their namespaces. Custom workload kinds (operators' CRDs) are not
    /// recognised.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.4
    /// - Kubernetes: RBAC good practices, "Workload creation"
    pub static POD_CREATE_ACCESS = Rule {
        id: "RB005",
        name: "pod-create-access",
        family: Family::Rbac,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.1.4"), Control::nsa("authn-authz/rbac"), Control::mitre("T1610")],
        since: "0.1.0",
        summary: "grants permission to create pods or workloads",
        remediation: "Only deployment automation should create workloads; give people read access and enforce Pod Security admission where workloads are created.",
        inventory_check: Some(check),
    };
}

const VERBS: &[&str] = &["create"];
const RESOURCES: &[(&str, &str, &str)] = &[
    ("", "pods", ""),
    ("apps", "deployments", ""),
    ("apps", "replicasets", ""),
    ("apps", "statefulsets", ""),
    ("apps", "daemonsets", ""),
    ("batch", "jobs", ""),
    ("batch", "cronjobs", ""),
    ("", "replicationcontrollers", ""),
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
