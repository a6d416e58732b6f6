//! One catalogue of the built-in Kubernetes resources Stockade knows: group, version, plural,
//! kind, scope, whether a live scan lists it (and how), whether it runs pods, and its kubectl
//! short name. The cluster lister, the shipped read-only ClusterRole (checked against it by a
//! test), the RBAC engine's resource table and the reference graph all read this table, so
//! adding a resource is one line here.
//!
//! The kinds that carry a pod spec are listed once too, in [`WORKLOADS`], with where their pod
//! template is; every workload-kind list ([`WORKLOAD_KINDS`], [`POD_MAKERS`],
//! [`POD_CONTROLLERS`], [`LONG_RUNNING_KINDS`], [`SCALABLE_KINDS`], and the lists other crates build from them with
//! [`concat`]) and the catalogue's `workload` attribute derive from that table.

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
    /// Whether it runs pods (its spec holds a pod spec or a pod template): whether its kind
    /// is in [`WORKLOADS`].
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
        workload: is_workload_kind(kind),
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
        "ns",
    ),
    r("", "v1", "nodes", "Node", false, true, false, "no"),
    r("", "v1", "pods", "Pod", true, true, false, "po"),
    r("", "v1", "services", "Service", true, true, false, "svc"),
    r(
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        true,
        true,
        false,
        "sa",
    ),
    r("", "v1", "configmaps", "ConfigMap", true, true, false, "cm"),
    r("", "v1", "secrets", "Secret", true, true, true, ""),
    r(
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        false,
        true,
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
        "rs",
    ),
    r("batch", "v1", "jobs", "Job", true, true, false, ""),
    r(
        "batch", "v1", "cronjobs", "CronJob", true, true, false, "cj",
    ),
    r(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        true,
        true,
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
        "",
    ),
    r("", "v1", "endpoints", "Endpoints", true, false, false, "ep"),
    r("", "v1", "events", "Event", true, false, false, "ev"),
    r(
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        true,
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
        "cs",
    ),
    r("", "v1", "users", "User", false, false, false, ""),
    r("", "v1", "groups", "Group", false, false, false, ""),
    r(
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        true,
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
        "",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
        false,
        true,
        false,
        "",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
        false,
        true,
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
        "",
    ),
];

/// A kind whose objects carry a pod spec, and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkloadKind {
    /// Kind.
    pub kind: &'static str,
    /// Path from the object root to the pod template's `metadata` (a Pod's own metadata).
    pub meta_path: &'static str,
    /// Path from the object root to the pod spec.
    pub spec_path: &'static str,
    /// Whether the kind makes pods: a Pod, or a controller of pods from its template (a
    /// `PodTemplate` is only a template).
    pub makes_pods: bool,
    /// Whether its pods run until stopped (not Jobs and CronJobs, which run to completion).
    pub long_running: bool,
    /// Whether it has an integer `spec.replicas` and a `scale` subresource an autoscaler can
    /// target.
    pub scalable: bool,
}

const fn w(
    kind: &'static str,
    meta_path: &'static str,
    spec_path: &'static str,
    makes_pods: bool,
    long_running: bool,
    scalable: bool,
) -> WorkloadKind {
    WorkloadKind {
        kind,
        meta_path,
        spec_path,
        makes_pods,
        long_running,
        scalable,
    }
}

const TEMPLATE_META: &str = "spec.template.metadata";
const TEMPLATE_SPEC: &str = "spec.template.spec";

/// Every kind that carries a pod spec, in the order Stockade lists them. The catalogue's
/// [`Resource::workload`] is derived from this table.
pub const WORKLOADS: &[WorkloadKind] = &[
    // kind, pod template metadata, pod spec, makes pods, long-running, scalable
    w("Pod", "metadata", "spec", true, true, false),
    w("Deployment", TEMPLATE_META, TEMPLATE_SPEC, true, true, true),
    w(
        "StatefulSet",
        TEMPLATE_META,
        TEMPLATE_SPEC,
        true,
        true,
        true,
    ),
    w("DaemonSet", TEMPLATE_META, TEMPLATE_SPEC, true, true, false),
    w("ReplicaSet", TEMPLATE_META, TEMPLATE_SPEC, true, true, true),
    w(
        "ReplicationController",
        TEMPLATE_META,
        TEMPLATE_SPEC,
        true,
        true,
        true,
    ),
    w("Job", TEMPLATE_META, TEMPLATE_SPEC, true, false, false),
    w(
        "CronJob",
        "spec.jobTemplate.spec.template.metadata",
        "spec.jobTemplate.spec.template.spec",
        true,
        false,
        false,
    ),
    w(
        "PodTemplate",
        "template.metadata",
        "template.spec",
        false,
        false,
        false,
    ),
];

/// Which workload kinds a derived list holds.
#[derive(Clone, Copy)]
enum Pick {
    All,
    PodMakers,
    Controllers,
    LongRunning,
    Scalable,
}

impl Pick {
    const fn takes(self, w: &WorkloadKind) -> bool {
        match self {
            Pick::All => true,
            Pick::PodMakers => w.makes_pods,
            // Makes pods from a template: not a Pod itself.
            Pick::Controllers => w.makes_pods && !str_eq(w.kind, "Pod"),
            Pick::LongRunning => w.long_running,
            Pick::Scalable => w.scalable,
        }
    }
}

/// The kinds of [`WORKLOADS`] that `pick` takes, in table order; `N` must be their number
/// (checked when the constant is evaluated).
const fn pick<const N: usize>(pick: Pick) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    let mut n = 0;
    while i < WORKLOADS.len() {
        if pick.takes(&WORKLOADS[i]) {
            assert!(n < N, "too many kinds for the list's length");
            out[n] = WORKLOADS[i].kind;
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "too few kinds for the list's length");
    out
}

/// Lists of kinds joined in order, for kind lists built from the ones here (`N` is checked
/// to be the total length when the constant is evaluated).
pub const fn concat<const N: usize>(parts: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut n = 0;
    let mut p = 0;
    while p < parts.len() {
        let mut i = 0;
        while i < parts[p].len() {
            assert!(n < N, "too many kinds for the list's length");
            out[n] = parts[p][i];
            n += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(n == N, "too few kinds for the list's length");
    out
}

/// Whether two strings are equal, in a constant.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether a kind carries a pod spec (is in [`WORKLOADS`]), in a constant.
const fn is_workload_kind(kind: &str) -> bool {
    let mut i = 0;
    while i < WORKLOADS.len() {
        if str_eq(WORKLOADS[i].kind, kind) {
            return true;
        }
        i += 1;
    }
    false
}

/// Every kind that carries a pod spec: `Pod`, the controllers, `PodTemplate`.
pub const WORKLOAD_KINDS: &[&str] = &pick::<9>(Pick::All);

/// The kinds that make pods: `Pod` and the controllers (not `PodTemplate`).
pub const POD_MAKERS: &[&str] = &pick::<8>(Pick::PodMakers);

/// The controllers that make pods from a template (`Deployment` … `CronJob`).
pub const POD_CONTROLLERS: &[&str] = &pick::<7>(Pick::Controllers);

/// Kinds whose pods run until stopped: Jobs and CronJobs run to completion, and a
/// `PodTemplate` is not run by itself.
pub const LONG_RUNNING_KINDS: &[&str] = &pick::<6>(Pick::LongRunning);

/// Kinds with an integer `spec.replicas` that an autoscaler can scale.
pub const SCALABLE_KINDS: &[&str] = &pick::<4>(Pick::Scalable);

/// The workload entry of a kind.
pub fn workload(kind: &str) -> Option<&'static WorkloadKind> {
    WORKLOADS.iter().find(|w| w.kind == kind)
}

/// The resources a live scan lists.
pub fn scanned() -> impl Iterator<Item = &'static Resource> {
    RESOURCES.iter().filter(|r| r.scanned)
}

/// The namespaced kinds a live scan lists, in catalogue order; `N` must be their number
/// (checked when the constant is evaluated).
const fn scanned_namespaced<const N: usize>() -> [&'static str; N] {
    let mut out = [""; N];
    let mut n = 0;
    let mut i = 0;
    while i < RESOURCES.len() {
        if RESOURCES[i].scanned && RESOURCES[i].namespaced {
            assert!(n < N, "too many kinds for the list's length");
            out[n] = RESOURCES[i].kind;
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "too few kinds for the list's length");
    out
}

/// Every namespaced kind a live scan lists, in catalogue order.
pub const SCANNED_NAMESPACED_KINDS: &[&str] = &scanned_namespaced::<20>();

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
    fn workload_lists_derive_from_one_table() {
        let catalogue: Vec<&str> = RESOURCES
            .iter()
            .filter(|r| r.workload)
            .map(|r| r.kind)
            .collect();
        for w in WORKLOADS {
            assert!(
                catalogue.contains(&w.kind),
                "{} is not in the catalogue",
                w.kind
            );
            assert!(w.spec_path.ends_with("spec"), "{}", w.kind);
            assert!(w.meta_path.ends_with("metadata"), "{}", w.kind);
        }
        assert_eq!(catalogue.len(), WORKLOADS.len());
        assert_eq!(
            WORKLOAD_KINDS,
            [
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
                "Job",
                "CronJob",
                "PodTemplate"
            ]
        );
        assert_eq!(POD_MAKERS, &WORKLOAD_KINDS[..8]);
        assert_eq!(POD_CONTROLLERS, &WORKLOAD_KINDS[1..8]);
        assert_eq!(LONG_RUNNING_KINDS, &WORKLOAD_KINDS[..6]);
        assert_eq!(
            SCALABLE_KINDS,
            [
                "Deployment",
                "StatefulSet",
                "ReplicaSet",
                "ReplicationController"
            ]
        );
        assert_eq!(
            workload("CronJob").unwrap().spec_path,
            "spec.jobTemplate.spec.template.spec"
        );
        assert!(workload("Service").is_none());
        let both: [&str; 3] = concat(&[&["a"], &[], &["b", "c"]]);
        assert_eq!(both, ["a", "b", "c"]);
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
        assert_eq!(scanned().count(), 29);
        assert_eq!(RESOURCES.iter().filter(|r| r.workload).count(), 9);
        assert!(by_kind("", "Secret").unwrap().metadata_only);
    }
}
