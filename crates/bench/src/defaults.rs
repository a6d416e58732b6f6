//! What an absent flag means: the compiled default of each component flag the benchmark
//! checks, by Kubernetes version, and the admission plugins the API server enables when
//! `--enable-admission-plugins` does not name them. Read from the components' option code
//! (kube-apiserver `pkg/kubeapiserver/options`, the controller manager's and scheduler's
//! `options`, etcd's `embed.Config`, kube-proxy's v1alpha1 defaults) for each version listed.

use crate::process::Component;

/// (component, flag, value, first minor version with this default).
const FLAGS: &[(Component, &str, &str, u32)] = &[
    (Component::ApiServer, "anonymous-auth", "true", 0),
    (Component::ApiServer, "profiling", "true", 0),
    (Component::ApiServer, "authorization-mode", "AlwaysAllow", 0),
    (Component::ApiServer, "service-account-lookup", "true", 0),
    (
        Component::ApiServer,
        "service-account-extend-token-expiration",
        "true",
        20,
    ),
    (Component::ApiServer, "request-timeout", "1m0s", 0),
    (Component::ApiServer, "audit-log-maxage", "0", 0),
    (Component::ApiServer, "audit-log-maxbackup", "0", 0),
    (Component::ApiServer, "audit-log-maxsize", "0", 0),
    (Component::ControllerManager, "profiling", "true", 0),
    (
        Component::ControllerManager,
        "use-service-account-credentials",
        "false",
        0,
    ),
    (Component::ControllerManager, "bind-address", "0.0.0.0", 0),
    (
        Component::ControllerManager,
        "terminated-pod-gc-threshold",
        "12500",
        0,
    ),
    (Component::Scheduler, "profiling", "true", 0),
    (Component::Scheduler, "bind-address", "0.0.0.0", 0),
    (Component::Etcd, "client-cert-auth", "false", 0),
    (Component::Etcd, "auto-tls", "false", 0),
    (Component::Etcd, "peer-client-cert-auth", "false", 0),
    (Component::Etcd, "peer-auto-tls", "false", 0),
    (
        Component::Proxy,
        "metrics-bind-address",
        "127.0.0.1:10249",
        0,
    ),
];

/// The compiled default of `flag` for component `c` in Kubernetes `1.minor`.
pub fn flag(c: Component, name: &str, minor: u32) -> Option<&'static str> {
    FLAGS
        .iter()
        .filter(|(fc, n, _, since)| *fc == c && *n == name && *since <= minor)
        .max_by_key(|(_, _, _, since)| *since)
        .map(|(_, _, v, _)| *v)
}

/// Admission plugins the API server enables unless `--disable-admission-plugins` names them
/// (kube-apiserver's `DefaultOffAdmissionPlugins` complement). The security-relevant ones the
/// benchmark checks (`NodeRestriction`, `AlwaysAdmit`, `AlwaysPullImages`, `EventRateLimit`,
/// `DenyServiceExternalIPs` off; `NamespaceLifecycle`, `ServiceAccount` on) have had these
/// defaults in every version since 1.16.
pub const DEFAULT_ON_PLUGINS: &[&str] = &[
    "NamespaceLifecycle",
    "LimitRanger",
    "ServiceAccount",
    "DefaultStorageClass",
    "PersistentVolumeClaimResize",
    "DefaultTolerationSeconds",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionWebhook",
    "ResourceQuota",
    "StorageObjectInUseProtection",
    "Priority",
    "TaintNodesByCondition",
    "RuntimeClass",
    "CertificateApproval",
    "CertificateSigning",
    "ClusterTrustBundleAttest",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "PodSecurity",
    "ValidatingAdmissionPolicy",
    "MutatingAdmissionPolicy",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_by_version() {
        assert_eq!(flag(Component::ApiServer, "profiling", 36), Some("true"));
        assert_eq!(
            flag(
                Component::ApiServer,
                "service-account-extend-token-expiration",
                19
            ),
            None
        );
        assert_eq!(
            flag(
                Component::ApiServer,
                "service-account-extend-token-expiration",
                30
            ),
            Some("true")
        );
        assert_eq!(flag(Component::Etcd, "token-auth-file", 36), None);
        assert!(!DEFAULT_ON_PLUGINS.contains(&"NodeRestriction"));
    }
}
