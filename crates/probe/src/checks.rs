//! The catalogue of exposure checks: id, name, severity, what it means and how to fix it.
//! docs/probe.md documents each.

use stockade_model::Severity;

/// One exposure check.
#[derive(Debug)]
pub struct Check {
    /// Stable id (`PR001`).
    pub id: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// Severity of a hit.
    pub severity: Severity,
    /// What a hit means, in a line.
    pub summary: &'static str,
    /// How to fix it.
    pub remediation: &'static str,
}

const fn c(
    id: &'static str,
    name: &'static str,
    severity: Severity,
    summary: &'static str,
    remediation: &'static str,
) -> Check {
    Check {
        id,
        name,
        severity,
        summary,
        remediation,
    }
}

/// Every check, by id.
pub const CHECKS: &[Check] = &[
    c(
        "PR001",
        "anonymous-requests-accepted",
        Severity::Medium,
        "the endpoint authenticates anonymous requests as system:anonymous (403 from the authorizer, not 401): one wrong binding of system:anonymous or system:unauthenticated opens it",
        "Start the component with --anonymous-auth=false (kubelet: authentication.anonymous.enabled: false); on kube-apiserver 1.32+ an AuthenticationConfiguration can allow anonymous access to /livez, /readyz and /healthz only.",
    ),
    c(
        "PR002",
        "version-disclosed",
        Severity::Low,
        "anyone who reaches the endpoint learns the exact component version, which names the CVEs to try",
        "Disable anonymous authentication, or remove system:unauthenticated from the system:public-info-viewer ClusterRoleBinding, and keep the API server off public networks.",
    ),
    c(
        "PR003",
        "anonymous-read",
        Severity::Critical,
        "anonymous requests may list cluster objects",
        "Remove the bindings that grant system:anonymous or system:unauthenticated access (stockade rbac who-can list secrets shows them) and disable anonymous authentication.",
    ),
    c(
        "PR004",
        "debug-endpoint-exposed",
        Severity::High,
        "a metrics, profiling, configuration or log endpoint answers anonymous requests",
        "Disable anonymous authentication, start the component with --profiling=false, and bind /metrics and /debug to authenticated monitoring identities only.",
    ),
    c(
        "PR005",
        "kubelet-api-open",
        Severity::Critical,
        "the kubelet API answers anonymous requests: pods, logs and, with the same authorization, exec, run and attach into every container on the node",
        "Set authentication.anonymous.enabled: false and authorization.mode: Webhook in the kubelet configuration, and restart the kubelet.",
    ),
    c(
        "PR006",
        "kubelet-read-only-port",
        Severity::High,
        "the kubelet's unauthenticated read-only port serves pod specifications (environment, images, volumes) and metrics",
        "Set readOnlyPort: 0 in the kubelet configuration (or --read-only-port=0) and restart the kubelet.",
    ),
    c(
        "PR007",
        "etcd-without-client-certificates",
        Severity::Critical,
        "etcd answers a client that presents no certificate: every Secret and object of the cluster can be read and written",
        "Start etcd with --client-cert-auth=true and --trusted-ca-file, serve TLS only, and firewall its ports to the API servers.",
    ),
    c(
        "PR008",
        "plaintext-http",
        Severity::Critical,
        "the endpoint answers over plain HTTP: credentials and data cross the network unencrypted, and nothing authenticates the client",
        "Serve TLS only: remove insecure ports (kube-apiserver --insecure-port was removed in 1.20; etcd: https:// listen URLs) and firewall what remains.",
    ),
    c(
        "PR009",
        "certificate-expired",
        Severity::High,
        "the serving certificate has expired: clients that verify fail, and clients that do not verify can be impersonated",
        "Renew the certificate (kubeadm certs renew all, or the kubelet's serverTLSBootstrap with CSR approval) and restart the component.",
    ),
    c(
        "PR010",
        "certificate-expires-soon",
        Severity::Medium,
        "the serving certificate expires within 30 days",
        "Renew the certificate before it expires (kubeadm certs check-expiration lists them) and automate its rotation.",
    ),
];

/// A check by id.
pub fn find(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique_and_ordered() {
        let ids: Vec<&str> = super::CHECKS.iter().map(|c| c.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert!(super::find("PR005").is_some() && super::find("PR999").is_none());
    }
}
