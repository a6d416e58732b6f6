//! The resource types a live scan lists: every kind an analyzer reads. Listing them needs only
//! `get`/`list` (see deploy/rbac.yaml, which must stay in step with this table).

/// One resource type.
#[derive(Clone, Copy, Debug)]
pub struct Resource {
    /// API group (empty for core).
    pub group: &'static str,
    /// Version.
    pub version: &'static str,
    /// Plural resource name.
    pub plural: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Whether it is namespaced.
    pub namespaced: bool,
    /// Whether only metadata is read (Secrets: values never leave the API server).
    pub metadata_only: bool,
}

const fn r(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> Resource {
    Resource {
        group,
        version,
        plural,
        kind,
        namespaced,
        metadata_only: false,
    }
}

/// Every resource type a scan lists.
pub const RESOURCES: &[Resource] = &[
    r("", "v1", "namespaces", "Namespace", false),
    r("", "v1", "nodes", "Node", false),
    r("", "v1", "pods", "Pod", true),
    r("", "v1", "services", "Service", true),
    r("", "v1", "serviceaccounts", "ServiceAccount", true),
    r("", "v1", "configmaps", "ConfigMap", true),
    Resource {
        metadata_only: true,
        ..r("", "v1", "secrets", "Secret", true)
    },
    r("", "v1", "persistentvolumes", "PersistentVolume", false),
    r(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
    ),
    r(
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        true,
    ),
    r("", "v1", "podtemplates", "PodTemplate", true),
    r("apps", "v1", "deployments", "Deployment", true),
    r("apps", "v1", "statefulsets", "StatefulSet", true),
    r("apps", "v1", "daemonsets", "DaemonSet", true),
    r("apps", "v1", "replicasets", "ReplicaSet", true),
    r("batch", "v1", "jobs", "Job", true),
    r("batch", "v1", "cronjobs", "CronJob", true),
    r("networking.k8s.io", "v1", "ingresses", "Ingress", true),
    r(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
    ),
    r(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
    ),
    r(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
    ),
    r("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
    ),
];

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

    /// The list URL path, in one namespace when given and the type is namespaced.
    pub fn list_url(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{base}/namespaces/{ns}/{}", self.plural),
            _ => format!("{base}/{}", self.plural),
        }
    }
}
