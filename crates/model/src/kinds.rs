//! One catalogue of the built-in Kubernetes resources Stockade knows: group, version, plural,
//! kind, scope, whether a live scan lists it (and how), whether it runs pods, and its kubectl
//! short name. The cluster lister, the shipped read-only ClusterRole (checked against it by a
//! test), the RBAC engine's resource table and the reference graph all read this table, so
//! adding a resource is one line here.

/// One built-in resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resource {
    /// API group (empty for core).
    pub group: &'static str,
    /// Version a live scan lists.
    pub version: &'static str,
    /// Plural resource name, as RBAC rules and URLs spell it.
    pub plural: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Whether its objects live in a namespace.
    pub namespaced: bool,
    /// Whether `scan --cluster` lists it.
    pub scanned: bool,
    /// Whether only metadata is read (Secrets: values never leave the API server).
    pub metadata_only: bool,
    /// Whether it runs pods (its spec holds a pod spec or a pod template).
    pub workload: bool,
    /// kubectl's short name (`deploy`), or empty.
    pub short: &'static str,
}

impl Resource {
    /// `apiVersion` of its objects.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `group/version/plural` (`v1/pods` for the core group), as shown in coverage.
    pub fn path_name(&self) -> String {
        format!("{}/{}", self.api_version(), self.plural)
    }

    /// The list URL path, in one namespace when given and the type is namespaced; the
    /// namespace is percent-encoded as one path segment.
    pub fn list_url(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!(
                "{base}/namespaces/{}/{}",
                crate::escape::url_path_segment(ns),
                self.plural
            ),
            _ => format!("{base}/{}", self.plural),
        }
    }
}

#[allow(clippy::too_many_arguments)]
const fn r(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    scanned: bool,
    metadata_only: bool,
    workload: bool,
    short: &'static str,
) -> Resource {
    Resource {
        group,
        version,
        plural,
        kind,
        namespaced,
        scanned,
        metadata_only,
        workload,
        short,
    }
}

/// Every built-in resource Stockade knows, scanned ones first, in listing order.
pub const RESOURCES: &[Resource] = &[
    r(
        "",
        "v1",
        "namespaces",
        "Namespace",
        false,
        true,
        false,
        false,
        "ns",
    ),
    r("", "v1", "nodes", "Node", false, true, false, false, "no"),
    r("", "v1", "pods", "Pod", true, true, false, true, "po"),
    r(
        "", "v1", "services", "Service", true, true, false, false, "svc",
    ),
    r(
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        true,
        true,
        false,
        false,
        "sa",
    ),
    r(
        "",
        "v1",
        "configmaps",
        "ConfigMap",
        true,
        true,
        false,
        false,
        "cm",
    ),
    r("", "v1", "secrets", "Secret", true, true, true, false, ""),
    r(
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        false,
        true,
        false,
        false,
        "pv",
    ),
    r(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        true,
        false,
        false,
        "pvc",
    ),
    r(
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        true,
        true,
        false,
        true,
        "rc",
    ),
    r(
        "",
        "v1",
        "podtemplates",
        "PodTemplate",
        true,
        true,
        false,
        true,
        "",
    ),
    r(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        true,
        true,
        false,
        true,
        "deploy",
    ),
    r(
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        true,
        true,
        false,
        true,
        "sts",
    ),
    r(
        "apps",
        "v1",
        "daemonsets",
        "DaemonSet",
        true,
        true,
        false,
        true,
        "ds",
    ),
    r(
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        true,
        true,
        false,
        true,
        "rs",
    ),
    r("batch", "v1", "jobs", "Job", true, true, false, true, ""),
    r(
        "batch", "v1", "cronjobs", "CronJob", true, true, false, true, "cj",
    ),
    r(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        true,
        true,
        false,
        false,
        "ing",
    ),
    r(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
        true,
        false,
        false,
        "netpol",
    ),
    r(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        true,
        false,
        false,
        "pdb",
    ),
    r(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        true,
        false,
        false,
        "hpa",
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        true,
        true,
        false,
        false,
        "",
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        true,
        false,
        false,
        "",
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        true,
        false,
        false,
        "",
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        true,
        false,
        false,
        "",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
        true,
        false,
        false,
        "",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
        true,
        false,
        false,
        "",
    ),
    r(
        "",
        "v1",
        "endpoints",
        "Endpoints",
        true,
        false,
        false,
        false,
        "ep",
    ),
    r("", "v1", "events", "Event", true, false, false, false, "ev"),
    r(
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        true,
        false,
        false,
        false,
        "quota",
    ),
    r(
        "",
        "v1",
        "limitranges",
        "LimitRange",
        true,
        false,
        false,
        false,
        "limits",
    ),
    r(
        "",
        "v1",
        "componentstatuses",
        "ComponentStatus",
        false,
        false,
        false,
        false,
        "cs",
    ),
    r("", "v1", "users", "User", false, false, false, false, ""),
    r("", "v1", "groups", "Group", false, false, false, false, ""),
    r(
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        true,
        false,
        false,
        false,
        "",
    ),
    r(
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "networking.k8s.io",
        "v1",
        "ipaddresses",
        "IPAddress",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "networking.k8s.io",
        "v1",
        "servicecidrs",
        "ServiceCIDR",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1beta1",
        "mutatingadmissionpolicies",
        "MutatingAdmissionPolicy",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1beta1",
        "mutatingadmissionpolicybindings",
        "MutatingAdmissionPolicyBinding",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        "CertificateSigningRequest",
        false,
        false,
        false,
        false,
        "csr",
    ),
    r(
        "certificates.k8s.io",
        "v1",
        "signers",
        "Signer",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "certificates.k8s.io",
        "v1beta1",
        "clustertrustbundles",
        "ClusterTrustBundle",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
        false,
        false,
        false,
        "sc",
    ),
    r(
        "storage.k8s.io",
        "v1",
        "csidrivers",
        "CSIDriver",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "storage.k8s.io",
        "v1",
        "csinodes",
        "CSINode",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "storage.k8s.io",
        "v1",
        "volumeattachments",
        "VolumeAttachment",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "storage.k8s.io",
        "v1",
        "volumeattributesclasses",
        "VolumeAttributesClass",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "storagemigration.k8s.io",
        "v1alpha1",
        "storageversionmigrations",
        "StorageVersionMigration",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "coordination.k8s.io",
        "v1",
        "leases",
        "Lease",
        true,
        false,
        false,
        false,
        "",
    ),
    r(
        "authentication.k8s.io",
        "v1",
        "tokenreviews",
        "TokenReview",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "authorization.k8s.io",
        "v1",
        "subjectaccessreviews",
        "SubjectAccessReview",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "authorization.k8s.io",
        "v1",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        true,
        false,
        false,
        false,
        "",
    ),
    r(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        false,
        false,
        false,
        "crd",
    ),
    r(
        "apiregistration.k8s.io",
        "v1",
        "apiservices",
        "APIService",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "flowschemas",
        "FlowSchema",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "prioritylevelconfigurations",
        "PriorityLevelConfiguration",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
        false,
        false,
        false,
        "pc",
    ),
    r(
        "node.k8s.io",
        "v1",
        "runtimeclasses",
        "RuntimeClass",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "resource.k8s.io",
        "v1",
        "deviceclasses",
        "DeviceClass",
        false,
        false,
        false,
        false,
        "",
    ),
    r(
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "EndpointSlice",
        true,
        false,
        false,
        false,
        "",
    ),
    r(
        "events.k8s.io",
        "v1",
        "events",
        "Event",
        true,
        false,
        false,
        false,
        "",
    ),
];

/// The resources a live scan lists.
pub fn scanned() -> impl Iterator<Item = &'static Resource> {
    RESOURCES.iter().filter(|r| r.scanned)
}

/// The kinds that run pods, in catalogue order (`Pod`, `ReplicationController`, …).
pub fn workload_kinds() -> impl Iterator<Item = &'static str> {
    RESOURCES.iter().filter(|r| r.workload).map(|r| r.kind)
}

/// A resource by plural name or kubectl short name, optionally in one API group.
pub fn by_plural(name: &str, group: Option<&str>) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| {
        (r.plural == name || (!r.short.is_empty() && r.short == name))
            && group.is_none_or(|g| g == r.group)
    })
}

/// A resource by group and kind.
pub fn by_kind(group: &str, kind: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.kind == kind)
}

/// Whether a built-in kind is cluster-scoped (by kind alone; `Event` and friends are
/// namespaced in every group that serves them).
pub fn is_cluster_scoped(kind: &str) -> bool {
    RESOURCES.iter().any(|r| r.kind == kind && !r.namespaced)
}

/// Whether an API group is one of Kubernetes' own (objects in any other are custom resources).
pub fn is_builtin_group(group: &str) -> bool {
    RESOURCES.iter().any(|r| r.group == group)
        || matches!(group, "extensions" | "internal.apiserver.k8s.io")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn plurals_and_kinds_are_unique_per_group() {
        let mut plurals = HashSet::new();
        let mut kinds = HashSet::new();
        for r in RESOURCES {
            assert!(
                plurals.insert((r.group, r.plural)),
                "{} {}",
                r.group,
                r.plural
            );
            assert!(kinds.insert((r.group, r.kind)), "{} {}", r.group, r.kind);
            assert!(!r.metadata_only || r.scanned, "{}", r.kind);
            assert_eq!(r.plural, r.plural.to_ascii_lowercase());
        }
        let shorts: Vec<&str> = RESOURCES
            .iter()
            .map(|r| r.short)
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(shorts.len(), shorts.iter().collect::<HashSet<_>>().len());
    }

    #[test]
    fn lookups() {
        assert_eq!(by_plural("deploy", None).unwrap().group, "apps");
        assert_eq!(
            by_plural("deployments", Some("apps")).unwrap().kind,
            "Deployment"
        );
        assert!(by_plural("deployments", Some("")).is_none());
        assert!(is_cluster_scoped("ClusterRole") && !is_cluster_scoped("Role"));
        assert!(
            is_builtin_group("")
                && is_builtin_group("apps")
                && !is_builtin_group("cert-manager.io")
        );
        assert_eq!(scanned().count(), 27);
        assert_eq!(workload_kinds().count(), 9);
        assert!(by_kind("", "Secret").unwrap().metadata_only);
    }
}
