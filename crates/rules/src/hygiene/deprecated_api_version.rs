use crate::{Checker, Family, RuleOption, declare_rule};
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reads each object's `apiVersion` and `kind` against the table of every API version of
    /// every built-in kind (Kubernetes 1.16 to 1.37, `crates/rules/data/api-lifecycle.tsv`,
    /// generated from the `k8s.io/api` modules' prerelease-lifecycle data). An API version
    /// already removed in the target release is reported at high severity, one deprecated there
    /// at low severity. The finding points at `apiVersion`. It names the release that
    /// deprecated and removed the version, the replacement and the release it became available
    /// in, and, where the replacement changes fields, what else must change.
    ///
    /// ## Why is this risky?
    /// The API server of the target release rejects a manifest written for a removed API
    /// version: the deployment fails, often mid-upgrade, when the pipeline next applies it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: extensions/v1beta1   # removed in 1.22
    /// kind: Ingress
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// ```
    ///
    /// ## Options
    /// - `target-version` (default: the newest release in the table): the release to judge
    ///   against, e.g. `v1.33`; `stockade scan --target-version v1.33` sets it.
    ///
    /// A live object is read through a current API version, which says nothing about how it
    /// was written, so two more signals are read, each finding naming its signal and how sure
    /// it is:
    /// - `metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`: the API
    ///   version `kubectl apply` last applied the object as (high confidence that the manifest
    ///   it came from is outdated; high severity when removed in the target);
    /// - `metadata.managedFields[].apiVersion`: the API version each field manager last wrote
    ///   through (medium confidence that the client still calls it; medium severity when
    ///   removed in the target).
    ///
    /// `stockade scan --cluster` keeps both, reduced to what was applied as and who wrote
    /// through what.
    ///
    /// The CRDs users meet most are judged too, by their projects' own releases
    /// (`crates/rules/data/ecosystem-api-lifecycle.tsv`, each row with its source):
    /// cert-manager, Gateway API, the Prometheus operator and Flux. A version its project
    /// stopped serving is high whatever the target, one it deprecated is low. (Istio and Argo
    /// serve every version of their CRDs today.)
    ///
    /// ## Known limitations
    /// Other CRDs are not known. A field manager that moved to the new API version after its last
    /// write through the old one is still reported until it writes again.
    ///
    /// ## References
    /// - Kubernetes: Deprecated API Migration Guide
    /// - Kubernetes: Deprecation Policy
    pub static DEPRECATED_API_VERSION = Rule {
        id: "HY013",
        name: "deprecated-api-version",
        family: Family::Hygiene,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::nsa("upgrades")],
        since: "0.1.0",
        admission: false,
        summary: "the object uses an API version that is deprecated or removed in the target release",
        remediation: "Move the manifest to the replacement API version (and the field changes it needs) before upgrading.",
        options: &[RuleOption {
            name: "target-version",
            help: "The release to judge against (e.g. v1.33); default: the newest release in the table.",
            default: "null",
        }],
        check: check,
    };
}

/// Every kind the tables (built-in and ecosystem) have a deprecated or removed version of (a
/// test keeps it complete).
pub const KINDS: &[&str] = &[
    "APIService",
    "Alert",
    "Alertmanager",
    "AuditSink",
    "BackendLBPolicy",
    "BackendTLSPolicy",
    "Bucket",
    "CSIDriver",
    "CSINode",
    "CSIStorageCapacity",
    "Certificate",
    "CertificateRequest",
    "CertificateSigningRequest",
    "Challenge",
    "ClusterCIDR",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ControllerRevision",
    "CronJob",
    "CustomResourceDefinition",
    "DaemonSet",
    "Deployment",
    "DeviceClass",
    "DeviceTaintRule",
    "EndpointSlice",
    "Event",
    "FlowSchema",
    "GRPCRoute",
    "Gateway",
    "GatewayClass",
    "GitRepository",
    "HTTPRoute",
    "HelmChart",
    "HelmRelease",
    "HelmRepository",
    "HorizontalPodAutoscaler",
    "IPAddress",
    "ImagePolicy",
    "ImageRepository",
    "ImageUpdateAutomation",
    "Ingress",
    "IngressClass",
    "Issuer",
    "Kustomization",
    "Lease",
    "LeaseCandidate",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "NetworkPolicy",
    "OCIRepository",
    "Order",
    "PodCertificateRequest",
    "PodDisruptionBudget",
    "PodGroup",
    "PodPreset",
    "PodScheduling",
    "PodSchedulingContext",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "Prometheus",
    "Provider",
    "Receiver",
    "ReferenceGrant",
    "ReferencePolicy",
    "ReplicaSet",
    "ResourceClaim",
    "ResourceClaimParameters",
    "ResourceClaimTemplate",
    "ResourceClass",
    "ResourceClassParameters",
    "ResourceSlice",
    "Role",
    "RoleBinding",
    "RuntimeClass",
    "ServiceCIDR",
    "ServiceMonitor",
    "StatefulSet",
    "StorageClass",
    "StorageVersionMigration",
    "TCPRoute",
    "TLSRoute",
    "UDPRoute",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
    "Workload",
];

/// What else changes when moving a kind from an old group version, beyond `apiVersion`.
const MIGRATIONS: &[(&str, &str, &str)] = &[
    (
        "extensions/v1beta1",
        "Ingress",
        "spec.backend becomes spec.defaultBackend; each backend's serviceName/servicePort become service.name and service.port.number (or .name); every path needs a pathType; spec.ingressClassName replaces the kubernetes.io/ingress.class annotation",
    ),
    (
        "networking.k8s.io/v1beta1",
        "Ingress",
        "spec.backend becomes spec.defaultBackend; each backend's serviceName/servicePort become service.name and service.port.number (or .name); every path needs a pathType",
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        "every version needs a structural schema under spec.versions[].schema.openAPIV3Schema; spec.validation, spec.subresources and spec.additionalPrinterColumns move into each version; spec.preserveUnknownFields: true is no longer allowed; conversion webhooks move to spec.conversion.webhook with conversionReviewVersions",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        "each webhook needs sideEffects and admissionReviewVersions; failurePolicy now defaults to Fail, matchPolicy to Equivalent and timeoutSeconds to 10",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        "each webhook needs sideEffects and admissionReviewVersions; failurePolicy now defaults to Fail, matchPolicy to Equivalent, timeoutSeconds to 10 and reinvocationPolicy to Never",
    ),
    (
        "extensions/v1beta1",
        "Deployment",
        "spec.selector is required, immutable and must match the template's labels; spec.rollbackTo is gone; progressDeadlineSeconds and revisionHistoryLimit get defaults",
    ),
    (
        "apps/v1beta1",
        "Deployment",
        "spec.selector is required, immutable and must match the template's labels; spec.rollbackTo is gone",
    ),
    (
        "apps/v1beta2",
        "Deployment",
        "spec.selector is required, immutable and must match the template's labels",
    ),
    (
        "extensions/v1beta1",
        "DaemonSet",
        "spec.selector is required and must match the template's labels; spec.templateGeneration is gone; updateStrategy defaults to RollingUpdate",
    ),
    (
        "apps/v1beta2",
        "DaemonSet",
        "spec.selector is required and must match the template's labels",
    ),
    (
        "extensions/v1beta1",
        "ReplicaSet",
        "spec.selector is required and must match the template's labels",
    ),
    (
        "apps/v1beta2",
        "ReplicaSet",
        "spec.selector is required and must match the template's labels",
    ),
    (
        "apps/v1beta1",
        "StatefulSet",
        "spec.selector is required and must match the template's labels; updateStrategy defaults to RollingUpdate",
    ),
    (
        "apps/v1beta2",
        "StatefulSet",
        "spec.selector is required and must match the template's labels",
    ),
    ("extensions/v1beta1", "NetworkPolicy", "no field changes"),
    (
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        "metrics change shape: targetAverageUtilization and targetAverageValue become target.type with target.averageUtilization or target.averageValue, and metricName/metricSelector become metric.name and metric.selector",
    ),
    (
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        "no field changes",
    ),
    (
        "policy/v1beta1",
        "PodDisruptionBudget",
        "an empty spec.selector now selects every pod in the namespace (in v1beta1 it selected none)",
    ),
    (
        "policy/v1beta1",
        "PodSecurityPolicy",
        "there is no replacement API: enforce Pod Security Standards with Pod Security Admission (pod-security.kubernetes.io namespace labels) or a policy engine",
    ),
    (
        "extensions/v1beta1",
        "PodSecurityPolicy",
        "there is no served replacement any more: enforce Pod Security Standards with Pod Security Admission or a policy engine",
    ),
    (
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        "endpoints[].topology becomes endpoints[].zone and nodeName (the kubernetes.io/hostname key); hints are added",
    ),
    (
        "events.k8s.io/v1beta1",
        "Event",
        "deprecatedFirstTimestamp, deprecatedLastTimestamp, deprecatedCount and deprecatedSource stay; series and reportingController are the fields to use",
    ),
    (
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        "spec.signerName is required and must be one the cluster signs for; spec.usages is required",
    ),
    ("batch/v1beta1", "CronJob", "no field changes"),
];

/// One row of the table.
struct Row {
    group_version: String,
    kind: String,
    deprecated: Option<u32>,
    removed: Option<u32>,
    replacement: String,
    available: Option<u32>,
}

fn minor(v: &str) -> Option<u32> {
    let t = v.trim().trim_start_matches('v');
    let mut it = t.split('.');
    if it.next()? != "1" {
        return None;
    }
    it.next()?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

struct Table {
    rows: Vec<Row>,
    newest: u32,
}

static TABLE: std::sync::LazyLock<Table> = std::sync::LazyLock::new(|| {
    let text = include_str!("../../data/api-lifecycle.tsv");
    let newest = text
        .lines()
        .next()
        .and_then(|l| l.split(" to ").nth(1))
        .and_then(|t| minor(t.trim_end_matches(|c: char| !c.is_ascii_digit())))
        .unwrap_or(37);
    let rows = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("group\t"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let [g, v, k, _intro, dep, rem, repl, avail] = f[..] else {
                return None;
            };
            Some(Row {
                group_version: if g.is_empty() {
                    v.to_string()
                } else {
                    format!("{g}/{v}")
                },
                kind: k.to_string(),
                deprecated: minor(dep),
                removed: minor(rem),
                replacement: repl.to_string(),
                available: minor(avail),
            })
        })
        .collect();
    Table { rows, newest }
});

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// What the table says of `api_version` `kind` at release `target`: whether it is removed
/// there, and the message (what, since when, the replacement, what else changes).
/// One row of the ecosystem table: a CRD's API version and what its project did with it.
struct EcoRow {
    project: String,
    group_version: String,
    kind: String,
    deprecated: String,
    removed: String,
    replacement: String,
    source: String,
}

/// Deprecated and removed API versions of the CRDs users meet most (cert-manager, Istio,
/// Gateway API, Prometheus operator, Argo, Flux), by the projects' own releases.
static ECOSYSTEM: std::sync::LazyLock<Vec<EcoRow>> = std::sync::LazyLock::new(|| {
    include_str!("../../data/ecosystem-api-lifecycle.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("project\t") && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let [project, group, version, kind, dep, rem, repl, source] = f[..] else {
                return None;
            };
            Some(EcoRow {
                project: project.to_string(),
                group_version: format!("{group}/{version}"),
                kind: kind.to_string(),
                deprecated: dep.to_string(),
                removed: rem.to_string(),
                replacement: repl.to_string(),
                source: source.to_string(),
            })
        })
        .collect()
});

/// What the ecosystem table says of `api_version` `kind`: removed by its project (whatever
/// the Kubernetes target), or deprecated there.
fn judge_ecosystem(api_version: &str, kind: &str) -> Option<(bool, String)> {
    let row = ECOSYSTEM
        .iter()
        .find(|r| r.group_version == api_version && r.kind == kind)?;
    let p = &row.project;
    let mut msg = match (row.removed.is_empty(), row.deprecated.is_empty()) {
        (false, false) => format!(
            "{api_version} {kind} was removed in {p} {} (deprecated in {}); {p} releases since reject it",
            row.removed, row.deprecated
        ),
        (false, true) => format!(
            "{api_version} {kind} was removed in {p} {}; {p} releases since reject it",
            row.removed
        ),
        (true, false) => format!(
            "{api_version} {kind} is deprecated since {p} {}",
            row.deprecated
        ),
        (true, true) => return None,
    };
    if !row.replacement.is_empty() {
        msg.push_str(&format!("; use {}", row.replacement));
    }
    msg.push_str(&format!(" (source: {})", row.source));
    Some((!row.removed.is_empty(), msg))
}

fn judge(table: &Table, api_version: &str, kind: &str, target: u32) -> Option<(bool, String)> {
    let Some(row) = table
        .rows
        .iter()
        .find(|r| r.group_version == api_version && r.kind == kind)
    else {
        return judge_ecosystem(api_version, kind);
    };
    let removed = row.removed.filter(|r| target >= *r);
    let deprecated = row.deprecated.filter(|d| target >= *d);
    if removed.is_none() && deprecated.is_none() {
        return None;
    }
    let mut msg = match (removed, row.deprecated) {
        (Some(r), Some(d)) => format!(
            "{api_version} {kind} was removed in 1.{r} (deprecated in 1.{d}); the target, 1.{target}, rejects it"
        ),
        (Some(r), None) => {
            format!("{api_version} {kind} was removed in 1.{r}; the target, 1.{target}, rejects it")
        }
        (None, _) => {
            let d = deprecated.unwrap_or(target);
            match row.removed {
                Some(r) => format!(
                    "{api_version} {kind} is deprecated since 1.{d} and will be removed in 1.{r}"
                ),
                None => format!("{api_version} {kind} is deprecated since 1.{d}"),
            }
        }
    };
    if !row.replacement.is_empty() {
        msg.push_str(&format!("; use {}", row.replacement));
        if let Some(a) = row.available {
            msg.push_str(&format!(" (served since 1.{a})"));
        }
    }
    if let Some((_, _, what)) = MIGRATIONS
        .iter()
        .find(|(gv, k, _)| *gv == api_version && *k == kind)
    {
        msg.push_str(&format!("; also: {what}"));
    }
    Some((removed.is_some(), msg))
}

/// The release to judge against: the option, else the newest in the table.
pub fn target_release(option: Option<&serde_json::Value>) -> u32 {
    option
        .and_then(|v| v.as_str().and_then(minor))
        .unwrap_or(TABLE.newest)
}

fn check(cx: &mut Checker<'_>, o: &stockade_inventory::Object) {
    let table = &*TABLE;
    let target = target_release(cx.option("target-version").as_ref());
    let Some(api_version) = o.root.get("apiVersion").and_then(Node::as_str) else {
        return;
    };
    let kind = o.root.get("kind").and_then(Node::as_str).unwrap_or("");
    if let Some((removed, msg)) = judge(table, api_version, kind, target) {
        let path = FieldPath::parse("apiVersion");
        if removed {
            cx.report(o, path, msg);
        } else {
            cx.report_with_severity(o, path, Severity::Low, msg);
        }
    }
    // How the object was written, which a live object read through a current API version
    // does not say: what `kubectl apply` last applied (the manifest it came from), and the
    // API version each field manager last wrote through (the client that still uses it).
    let meta = o.root.get("metadata");
    if let Some(applied) = meta
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(Node::as_str)
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
    {
        let gv = applied.get("apiVersion").and_then(|v| v.as_str());
        let k = applied.get("kind").and_then(|v| v.as_str()).unwrap_or(kind);
        if let Some(gv) = gv.filter(|gv| *gv != api_version)
            && let Some((removed, msg)) = judge(table, gv, k, target)
        {
            let msg = format!(
                "last applied with kubectl as {gv} (the last-applied-configuration annotation; high confidence that the manifest it was applied from still says {gv}): {msg}"
            );
            let path = FieldPath::parse("metadata.annotations").key(LAST_APPLIED);
            // The annotation is a copy of the applied object, values included: no snippet.
            let severity = if removed {
                Severity::High
            } else {
                Severity::Low
            };
            cx.report_sensitive_with_severity(o, path, severity, msg);
        }
    }
    let Some(entries) = meta.and_then(|m| m.get("managedFields")).map(Node::items) else {
        return;
    };
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let Some(gv) = e.get("apiVersion").and_then(Node::as_str) else {
            continue;
        };
        let manager = e.get("manager").and_then(Node::as_str).unwrap_or("");
        if gv == api_version || seen.contains(&(manager, gv)) {
            continue;
        }
        seen.push((manager, gv));
        let Some((removed, msg)) = judge(table, gv, kind, target) else {
            continue;
        };
        let when = e
            .get("time")
            .and_then(Node::as_str)
            .map(|t| format!(" at {t}"))
            .unwrap_or_default();
        let op = e
            .get("operation")
            .and_then(Node::as_str)
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        let manager = if manager.is_empty() {
            "an unnamed field manager".to_string()
        } else {
            format!("field manager {manager:?}")
        };
        let msg = format!(
            "{manager} last wrote this object through {gv}{op}{when} (managedFields; medium confidence: that client may still call {gv}, or may since have moved on): {msg}"
        );
        let path = FieldPath::parse("metadata.managedFields")
            .index(i)
            .key("apiVersion");
        let severity = if removed {
            Severity::Medium
        } else {
            Severity::Low
        };
        cx.report_with_severity(o, path, severity, msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_cover_every_deprecated_row() {
        for r in &TABLE.rows {
            if r.deprecated.is_some() || r.removed.is_some() {
                let served = !matches!(
                    r.kind.as_str(),
                    "AdmissionReview"
                        | "ConversionReview"
                        | "TokenReview"
                        | "SubjectAccessReview"
                        | "SelfSubjectAccessReview"
                        | "LocalSubjectAccessReview"
                        | "SelfSubjectRulesReview"
                        | "SelfSubjectReview"
                        | "APIGroupDiscovery"
                        | "DeploymentRollback"
                        | "Eviction"
                        | "EvictionRequest"
                        | "JobTemplate"
                        | "Scale"
                        | "ResourcePoolStatusRequest"
                        | "EphemeralContainers"
                        | "PodStatusResult"
                        | "ReplicationControllerDummy"
                );
                assert!(
                    !served || KINDS.contains(&r.kind.as_str()),
                    "{} {} has a deprecated version but is not in KINDS",
                    r.group_version,
                    r.kind
                );
            }
        }
        assert!(TABLE.newest >= 37);
    }

    /// The removals the Deprecated API Migration Guide lists, release by release.
    #[test]
    fn the_table_agrees_with_the_deprecation_guide() {
        let guide: &[(u32, &str, &[&str], &str)] = &[
            (
                16,
                "extensions/v1beta1",
                &["DaemonSet", "Deployment", "ReplicaSet"],
                "apps/v1",
            ),
            (
                16,
                "extensions/v1beta1",
                &["NetworkPolicy"],
                "networking.k8s.io/v1",
            ),
            (
                16,
                "extensions/v1beta1",
                &["PodSecurityPolicy"],
                "policy/v1beta1",
            ),
            (
                16,
                "apps/v1beta1",
                &["Deployment", "StatefulSet"],
                "apps/v1",
            ),
            (
                16,
                "apps/v1beta2",
                &["DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"],
                "apps/v1",
            ),
            (
                22,
                "admissionregistration.k8s.io/v1beta1",
                &[
                    "MutatingWebhookConfiguration",
                    "ValidatingWebhookConfiguration",
                ],
                "admissionregistration.k8s.io/v1",
            ),
            (
                22,
                "apiextensions.k8s.io/v1beta1",
                &["CustomResourceDefinition"],
                "apiextensions.k8s.io/v1",
            ),
            (
                22,
                "apiregistration.k8s.io/v1beta1",
                &["APIService"],
                "apiregistration.k8s.io/v1",
            ),
            (
                22,
                "authentication.k8s.io/v1beta1",
                &["TokenReview"],
                "authentication.k8s.io/v1",
            ),
            (
                22,
                "authorization.k8s.io/v1beta1",
                &[
                    "SubjectAccessReview",
                    "LocalSubjectAccessReview",
                    "SelfSubjectAccessReview",
                ],
                "authorization.k8s.io/v1",
            ),
            (
                22,
                "certificates.k8s.io/v1beta1",
                &["CertificateSigningRequest"],
                "certificates.k8s.io/v1",
            ),
            (
                22,
                "coordination.k8s.io/v1beta1",
                &["Lease"],
                "coordination.k8s.io/v1",
            ),
            (
                22,
                "extensions/v1beta1",
                &["Ingress"],
                "networking.k8s.io/v1",
            ),
            (
                22,
                "networking.k8s.io/v1beta1",
                &["Ingress", "IngressClass"],
                "networking.k8s.io/v1",
            ),
            (
                22,
                "rbac.authorization.k8s.io/v1beta1",
                &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
                "rbac.authorization.k8s.io/v1",
            ),
            (
                22,
                "scheduling.k8s.io/v1beta1",
                &["PriorityClass"],
                "scheduling.k8s.io/v1",
            ),
            (
                22,
                "storage.k8s.io/v1beta1",
                &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
                "storage.k8s.io/v1",
            ),
            (25, "batch/v1beta1", &["CronJob"], "batch/v1"),
            (
                25,
                "discovery.k8s.io/v1beta1",
                &["EndpointSlice"],
                "discovery.k8s.io/v1",
            ),
            (25, "events.k8s.io/v1beta1", &["Event"], "events.k8s.io/v1"),
            (
                25,
                "autoscaling/v2beta1",
                &["HorizontalPodAutoscaler"],
                "autoscaling/v2",
            ),
            (25, "policy/v1beta1", &["PodDisruptionBudget"], "policy/v1"),
            (25, "policy/v1beta1", &["PodSecurityPolicy"], ""),
            (
                25,
                "node.k8s.io/v1beta1",
                &["RuntimeClass"],
                "node.k8s.io/v1",
            ),
            (
                26,
                "flowcontrol.apiserver.k8s.io/v1beta1",
                &["FlowSchema", "PriorityLevelConfiguration"],
                "flowcontrol.apiserver.k8s.io/v1beta3",
            ),
            (
                26,
                "autoscaling/v2beta2",
                &["HorizontalPodAutoscaler"],
                "autoscaling/v2",
            ),
            (
                27,
                "storage.k8s.io/v1beta1",
                &["CSIStorageCapacity"],
                "storage.k8s.io/v1",
            ),
            (
                29,
                "flowcontrol.apiserver.k8s.io/v1beta2",
                &["FlowSchema", "PriorityLevelConfiguration"],
                "flowcontrol.apiserver.k8s.io/v1beta3",
            ),
            (
                32,
                "flowcontrol.apiserver.k8s.io/v1beta3",
                &["FlowSchema", "PriorityLevelConfiguration"],
                "flowcontrol.apiserver.k8s.io/v1",
            ),
        ];
        let mut wrong = Vec::new();
        for (release, gv, kinds, replacement) in guide {
            for k in *kinds {
                match TABLE
                    .rows
                    .iter()
                    .find(|r| r.group_version == *gv && r.kind == *k)
                {
                    None => wrong.push(format!("{gv} {k}: missing")),
                    Some(r) => {
                        if r.removed != Some(*release) {
                            wrong.push(format!(
                                "{gv} {k}: removed {:?}, the guide says 1.{release}",
                                r.removed
                            ));
                        }
                        let repl_gv = r.replacement.split(' ').next().unwrap_or("");
                        if repl_gv != *replacement {
                            wrong.push(format!(
                                "{gv} {k}: replacement {:?}, the guide says {replacement:?}",
                                r.replacement
                            ));
                        }
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn the_ecosystem_table_is_well_formed() {
        assert!(ECOSYSTEM.len() >= 50, "{}", ECOSYSTEM.len());
        let mut seen = std::collections::BTreeSet::new();
        for r in ECOSYSTEM.iter() {
            assert!(
                seen.insert((&r.group_version, &r.kind)),
                "duplicate {} {}",
                r.group_version,
                r.kind
            );
            assert!(KINDS.contains(&r.kind.as_str()), "{} not in KINDS", r.kind);
            assert!(
                r.source.starts_with("https://"),
                "{} {}: a source",
                r.group_version,
                r.kind
            );
            assert!(!r.deprecated.is_empty() || !r.removed.is_empty());
            assert!(
                r.group_version.contains('.'),
                "a CRD group: {}",
                r.group_version
            );
            // No built-in kind is shadowed.
            assert!(
                !TABLE
                    .rows
                    .iter()
                    .any(|b| b.group_version == r.group_version)
            );
        }
        let (removed, msg) = judge_ecosystem("cert-manager.io/v1alpha2", "Certificate").unwrap();
        assert!(removed);
        assert!(
            msg.contains("removed in cert-manager v1.6")
                && msg.contains("use cert-manager.io/v1 Certificate"),
            "{msg}"
        );
        let (removed, _) =
            judge_ecosystem("gateway.networking.k8s.io/v1alpha2", "TLSRoute").unwrap();
        assert!(!removed, "deprecated, still served");
        assert!(judge_ecosystem("cert-manager.io/v1", "Certificate").is_none());
    }

    #[test]
    fn versions() {
        assert_eq!(minor("v1.33"), Some(33));
        assert_eq!(minor("1.31.4-eks-1234"), Some(31));
        assert_eq!(minor("v1.30.2+k3s1"), Some(30));
        assert_eq!(minor("v2.0"), None);
        assert_eq!(minor("soon"), None);
    }
}
