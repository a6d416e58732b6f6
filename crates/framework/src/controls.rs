//! The catalogue of framework controls rules may map to, with titles. Rules may only cite ids
//! listed here (a meta-test checks it), so a typo cannot invent a control.

use stockade_model::{Control, Framework};

/// Known controls: (framework, id, title).
pub const KNOWN: &[(Framework, &str, &str)] = &[
    (
        Framework::Cis,
        "5.1.1",
        "Ensure that the cluster-admin role is only used where required",
    ),
    (Framework::Cis, "5.1.2", "Minimize access to secrets"),
    (
        Framework::Cis,
        "5.1.3",
        "Minimize wildcard use in Roles and ClusterRoles",
    ),
    (Framework::Cis, "5.1.4", "Minimize access to create pods"),
    (
        Framework::Cis,
        "5.1.5",
        "Ensure that default service accounts are not actively used",
    ),
    (
        Framework::Cis,
        "5.1.6",
        "Ensure that Service Account Tokens are only mounted where necessary",
    ),
    (Framework::Cis, "5.1.7", "Avoid use of system:masters group"),
    (
        Framework::Cis,
        "5.1.8",
        "Limit use of the Bind, Impersonate and Escalate permissions",
    ),
    (
        Framework::Cis,
        "5.1.9",
        "Minimize access to create persistent volumes",
    ),
    (
        Framework::Cis,
        "5.1.10",
        "Minimize access to the proxy sub-resource of nodes",
    ),
    (
        Framework::Cis,
        "5.1.11",
        "Minimize access to the approval sub-resource of certificatesigningrequests objects",
    ),
    (
        Framework::Cis,
        "5.1.12",
        "Minimize access to webhook configuration objects",
    ),
    (
        Framework::Cis,
        "5.1.13",
        "Minimize access to the service account token creation",
    ),
    (
        Framework::Cis,
        "5.2.1",
        "Ensure that the cluster has at least one active policy control mechanism in place",
    ),
    (
        Framework::Cis,
        "5.2.2",
        "Minimize the admission of privileged containers",
    ),
    (
        Framework::Cis,
        "5.2.3",
        "Minimize the admission of containers wishing to share the host process ID namespace",
    ),
    (
        Framework::Cis,
        "5.2.4",
        "Minimize the admission of containers wishing to share the host IPC namespace",
    ),
    (
        Framework::Cis,
        "5.2.5",
        "Minimize the admission of containers wishing to share the host network namespace",
    ),
    (
        Framework::Cis,
        "5.2.6",
        "Minimize the admission of containers with allowPrivilegeEscalation",
    ),
    (
        Framework::Cis,
        "5.2.7",
        "Minimize the admission of root containers",
    ),
    (
        Framework::Cis,
        "5.2.8",
        "Minimize the admission of containers with the NET_RAW capability",
    ),
    (
        Framework::Cis,
        "5.2.9",
        "Minimize the admission of containers with added capabilities",
    ),
    (
        Framework::Cis,
        "5.2.10",
        "Minimize the admission of containers with capabilities assigned",
    ),
    (
        Framework::Cis,
        "5.2.11",
        "Minimize the admission of Windows HostProcess containers",
    ),
    (
        Framework::Cis,
        "5.2.12",
        "Minimize the admission of HostPath volumes",
    ),
    (
        Framework::Cis,
        "5.2.13",
        "Minimize the admission of containers which use HostPorts",
    ),
    (
        Framework::Cis,
        "5.3.1",
        "Ensure that the CNI in use supports NetworkPolicies",
    ),
    (
        Framework::Cis,
        "5.3.2",
        "Ensure that all Namespaces have NetworkPolicies defined",
    ),
    (
        Framework::Cis,
        "5.4.1",
        "Prefer using Secrets as files over Secrets as environment variables",
    ),
    (Framework::Cis, "5.4.2", "Consider external secret storage"),
    (
        Framework::Cis,
        "5.5.1",
        "Configure Image Provenance using ImagePolicyWebhook admission controller",
    ),
    (
        Framework::Cis,
        "5.7.1",
        "Create administrative boundaries between resources using namespaces",
    ),
    (
        Framework::Cis,
        "5.7.2",
        "Ensure that the seccomp profile is set to docker/default in your Pod definitions",
    ),
    (
        Framework::Cis,
        "5.7.3",
        "Apply SecurityContext to your Pods and Containers",
    ),
    (
        Framework::Cis,
        "5.7.4",
        "The default namespace should not be used",
    ),
    (
        Framework::NsaCisa,
        "pod-security/non-root",
        "Pod security: non-root containers and rootless container engines",
    ),
    (
        Framework::NsaCisa,
        "pod-security/immutable-filesystem",
        "Pod security: immutable container file systems",
    ),
    (
        Framework::NsaCisa,
        "pod-security/secure-images",
        "Pod security: building secure container images",
    ),
    (
        Framework::NsaCisa,
        "pod-security/enforcement",
        "Pod security: pod security enforcement",
    ),
    (
        Framework::NsaCisa,
        "pod-security/service-account-tokens",
        "Pod security: protecting pod service account tokens",
    ),
    (
        Framework::NsaCisa,
        "pod-security/hardening-environments",
        "Pod security: hardening container environments",
    ),
    (
        Framework::NsaCisa,
        "network/namespaces",
        "Network separation: namespaces",
    ),
    (
        Framework::NsaCisa,
        "network/network-policies",
        "Network separation: network policies",
    ),
    (
        Framework::NsaCisa,
        "network/resource-policies",
        "Network separation: resource policies",
    ),
    (
        Framework::NsaCisa,
        "network/control-plane",
        "Network separation: control plane hardening",
    ),
    (
        Framework::NsaCisa,
        "network/secrets",
        "Network separation: secrets",
    ),
    (
        Framework::NsaCisa,
        "authn-authz/authentication",
        "Authentication and authorization: authentication",
    ),
    (
        Framework::NsaCisa,
        "authn-authz/rbac",
        "Authentication and authorization: role-based access control",
    ),
    (
        Framework::NsaCisa,
        "audit-logging",
        "Audit logging and threat detection",
    ),
    (
        Framework::NsaCisa,
        "upgrades",
        "Upgrading and application security practices",
    ),
    (
        Framework::Mitre,
        "T1609",
        "Container Administration Command",
    ),
    (Framework::Mitre, "T1610", "Deploy Container"),
    (Framework::Mitre, "T1611", "Escape to Host"),
    (Framework::Mitre, "T1612", "Build Image on Host"),
    (
        Framework::Mitre,
        "T1613",
        "Container and Resource Discovery",
    ),
    (Framework::Mitre, "T1046", "Network Service Discovery"),
    (
        Framework::Mitre,
        "T1068",
        "Exploitation for Privilege Escalation",
    ),
    (Framework::Mitre, "T1078", "Valid Accounts"),
    (
        Framework::Mitre,
        "T1078.001",
        "Valid Accounts: Default Accounts",
    ),
    (Framework::Mitre, "T1098", "Account Manipulation"),
    (
        Framework::Mitre,
        "T1098.006",
        "Account Manipulation: Additional Container Cluster Roles",
    ),
    (Framework::Mitre, "T1133", "External Remote Services"),
    (
        Framework::Mitre,
        "T1190",
        "Exploit Public-Facing Application",
    ),
    (
        Framework::Mitre,
        "T1204.003",
        "User Execution: Malicious Image",
    ),
    (Framework::Mitre, "T1496", "Resource Hijacking"),
    (Framework::Mitre, "T1498", "Network Denial of Service"),
    (Framework::Mitre, "T1499", "Endpoint Denial of Service"),
    (Framework::Mitre, "T1525", "Implant Internal Image"),
    (Framework::Mitre, "T1528", "Steal Application Access Token"),
    (Framework::Mitre, "T1552", "Unsecured Credentials"),
    (
        Framework::Mitre,
        "T1552.001",
        "Unsecured Credentials: Credentials In Files",
    ),
    (
        Framework::Mitre,
        "T1552.007",
        "Unsecured Credentials: Container API",
    ),
    (Framework::Mitre, "T1557", "Adversary-in-the-Middle"),
    (
        Framework::Mitre,
        "T1562.001",
        "Impair Defenses: Disable or Modify Tools",
    ),
    (
        Framework::Mitre,
        "T1053.007",
        "Scheduled Task/Job: Container Orchestration Job",
    ),
    (Framework::Mitre, "T1070", "Indicator Removal"),
    (Framework::Mitre, "T1485", "Data Destruction"),
    (Framework::Mitre, "T1110", "Brute Force"),
    (
        Framework::Cis,
        "3.2.1",
        "Ensure that a minimal audit policy is created",
    ),
    (
        Framework::Cis,
        "3.2.2",
        "Ensure that the audit policy covers key security concerns",
    ),
    (
        Framework::Pss,
        "baseline/privileged",
        "Privileged Containers",
    ),
    (Framework::Pss, "baseline/hostNamespaces", "Host Namespaces"),
    (Framework::Pss, "baseline/hostPorts", "Host Ports"),
    (
        Framework::Pss,
        "baseline/hostPathVolumes",
        "HostPath Volumes",
    ),
    (
        Framework::Pss,
        "baseline/capabilities_baseline",
        "Capabilities",
    ),
    (Framework::Pss, "baseline/appArmorProfile", "AppArmor"),
    (Framework::Pss, "baseline/seLinuxOptions", "SELinux"),
    (Framework::Pss, "baseline/procMount", "/proc Mount Type"),
    (
        Framework::Pss,
        "baseline/seccompProfile_baseline",
        "Seccomp",
    ),
    (Framework::Pss, "baseline/sysctls", "Sysctls"),
    (Framework::Pss, "baseline/windowsHostProcess", "HostProcess"),
    (
        Framework::Pss,
        "baseline/hostProbesAndHostLifecycle",
        "Host Probes / Lifecycle Hooks",
    ),
    (
        Framework::Pss,
        "restricted/allowPrivilegeEscalation",
        "Privilege Escalation",
    ),
    (
        Framework::Pss,
        "restricted/capabilities_restricted",
        "Capabilities (restricted)",
    ),
    (
        Framework::Pss,
        "restricted/procMount_restricted",
        "/proc Mount Type (restricted)",
    ),
    (
        Framework::Pss,
        "restricted/restrictedVolumes",
        "Volume Types",
    ),
    (
        Framework::Pss,
        "restricted/runAsNonRoot",
        "Running as Non-root",
    ),
    (
        Framework::Pss,
        "restricted/runAsUser",
        "Running as Non-root user",
    ),
    (
        Framework::Pss,
        "restricted/seccompProfile_restricted",
        "Seccomp (restricted)",
    ),
];

/// The title of a control, when it is known.
pub fn title(c: &Control) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(f, id, _)| *f == c.framework && *id == c.id)
        .map(|(_, _, t)| *t)
}
