use crate::workload::helpers::{KINDS, describe_containers, is_privileged, is_windows};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::{ContainerView, Object, PodSpecView};
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers that run without a seccomp profile: either `seccompProfile.type:
    /// Unconfined` is set explicitly (reported as high), in the container's or the pod's
    /// security context, or no profile is set at all — neither in the container's nor the
    /// pod's security context, nor by the deprecated `seccomp.security.alpha.kubernetes.io/pod`
    /// and `container.seccomp.security.alpha.kubernetes.io/<container>` annotations.
    ///
    /// ## Why is this risky?
    /// Seccomp filters the system calls a container may make. The runtime's default profile
    /// blocks calls that containers do not need and that many kernel exploits and escapes rely
    /// on (`unshare`, `keyctl`, `bpf`, `mount`, `ptrace` on older kernels, …). Unless the
    /// kubelet runs with `seccompDefault: true`, a pod that sets no profile runs unconfined.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: RuntimeDefault
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Whether the kubelet defaults to `RuntimeDefault` (`seccompDefault`) is not known from
    /// manifests, so unset profiles are reported even on nodes that enable it. When no
    /// container and not the pod sets a profile, one finding is reported on the pod's security
    /// context. An explicit pod-level `Unconfined` is reported even if every container overrides
    /// it, as the restricted Pod Security Standard does. Privileged containers without a
    /// profile are skipped (the runtime does not filter their system calls anyway; WL001
    /// reports them), and so are Windows pods (`spec.os.name: windows`).
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline and restricted, "Seccomp"
    /// - Kubernetes: "Restrict a Container's Syscalls with seccomp"
    /// - CIS Kubernetes Benchmark 5.7.2
    pub static SECCOMP_UNCONFINED = Rule {
        id: "WL013",
        name: "seccomp-unconfined",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.7.2"), Control::nsa("pod-security/hardening-environments"), Control::mitre("T1611"), Control::nsa("pod-security/enforcement"), Control::pss("baseline/seccompProfile_baseline"), Control::pss("restricted/seccompProfile_restricted")],
        since: "0.1.0",
        summary: "container runs without a seccomp profile",
        remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` (or `Localhost` with a tested profile) in the pod security context.",
        check: check,
    };
}

/// The legacy annotation setting the pod's profile.
const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// The prefix of the legacy annotation setting a container's profile.
const CONTAINER_ANNOTATION: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// A seccomp profile as set in one place.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    /// `RuntimeDefault` or `Localhost` (or the annotations' `runtime/default`,
    /// `docker/default`, `localhost/…`).
    Confined,
    /// `Unconfined`.
    Unconfined,
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    let pod_profile = pod_level(&pod);
    if let Some((Profile::Unconfined, path, source)) = &pod_profile {
        cx.report_with_severity(
            o,
            path.clone(),
            Severity::High,
            format!("pod seccomp profile is Unconfined{source}"),
        );
    }
    let mut unset: Vec<ContainerView<'_>> = Vec::new();
    let mut checked = 0;
    for c in pod.all_containers() {
        match container_level(&pod, &c) {
            Some((Profile::Unconfined, path, source)) => {
                cx.report_with_severity(
                    o,
                    path,
                    Severity::High,
                    format!("{} seccomp profile is Unconfined{source}", c.describe()),
                );
            }
            Some((Profile::Confined, _, _)) => {}
            None if is_privileged(&c) => continue,
            None => unset.push(c),
        }
        checked += 1;
    }
    if pod_profile.is_some() || unset.is_empty() {
        return;
    }
    if unset.len() == checked {
        cx.report(
            o,
            pod.path_of("securityContext.seccompProfile"),
            format!(
                "no seccomp profile is set for the pod or for {}",
                describe_containers(&unset)
            ),
        );
    } else {
        for c in unset {
            cx.report(
                o,
                c.path_of("securityContext.seccompProfile"),
                format!(
                    "{} sets no seccomp profile and the pod sets none",
                    c.describe()
                ),
            );
        }
    }
}

/// Where a profile was set, and how messages name the source: nothing for the field,
/// ` (legacy annotation)` for an annotation.
type Setting = (Profile, FieldPath, &'static str);

/// Appended to messages about a profile set by annotation.
const FROM_ANNOTATION: &str = " (legacy annotation)";

/// The pod's profile: `securityContext.seccompProfile`, else the legacy pod annotation.
fn pod_level(pod: &PodSpecView<'_>) -> Option<Setting> {
    if let Some(p) = pod
        .pod_sc("seccompProfile.type")
        .and_then(Node::as_str)
        .and_then(field_profile)
    {
        return Some((p, pod.path_of("securityContext.seccompProfile.type"), ""));
    }
    let p = pod
        .pod_annotation(POD_ANNOTATION)
        .and_then(annotation_profile)?;
    Some((
        p,
        pod.meta_path.key("annotations").key(POD_ANNOTATION),
        FROM_ANNOTATION,
    ))
}

/// A container's own profile: its `securityContext.seccompProfile`, else its legacy annotation.
fn container_level(pod: &PodSpecView<'_>, c: &ContainerView<'_>) -> Option<Setting> {
    if let Some(p) = c
        .sc("seccompProfile.type")
        .and_then(Node::as_str)
        .and_then(field_profile)
    {
        return Some((p, c.path_of("securityContext.seccompProfile.type"), ""));
    }
    let key = format!("{CONTAINER_ANNOTATION}{}", c.name());
    let p = pod.pod_annotation(&key).and_then(annotation_profile)?;
    Some((
        p,
        pod.meta_path.key("annotations").key(&key),
        FROM_ANNOTATION,
    ))
}

/// `seccompProfile.type`; values the API would reject count as unset.
fn field_profile(t: &str) -> Option<Profile> {
    match t {
        "RuntimeDefault" | "Localhost" => Some(Profile::Confined),
        "Unconfined" => Some(Profile::Unconfined),
        _ => None,
    }
}

/// The legacy annotations' value.
fn annotation_profile(v: &str) -> Option<Profile> {
    match v {
        "runtime/default" | "docker/default" => Some(Profile::Confined),
        "unconfined" => Some(Profile::Unconfined),
        _ if v.starts_with("localhost/") => Some(Profile::Confined),
        _ => None,
    }
}
