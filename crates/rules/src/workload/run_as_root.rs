use crate::workload::helpers::{KINDS, container_sc_path, effective, is_windows};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers that may run as root: `runAsUser: 0` (in the container's or the pod's
    /// security context), or neither `runAsNonRoot: true` nor a non-zero `runAsUser`, so the
    /// image's default user — root for most images — is used.
    ///
    /// ## Why is this risky?
    /// Root in a container is root on the host's kernel, limited only by capabilities and LSMs.
    /// A kernel or runtime vulnerability, a writable hostPath or a mis-set capability turns a
    /// compromised root process into a compromised node.
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
    ///     runAsNonRoot: true
    ///     runAsUser: 10001
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// The image's `USER` is not inspected, so an image that already runs as a non-root user
    /// is still flagged until `runAsNonRoot: true` makes the kubelet enforce it. Windows pods
    /// (`spec.os.name: windows`) are skipped.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, restricted, "Running as Non-root" and "Running as Non-root user"
    /// - CIS Kubernetes Benchmark 5.2.7
    pub static RUN_AS_ROOT = Rule {
        id: "WL003",
        name: "run-as-root",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.2.7"), Control::nsa("pod-security/non-root"), Control::mitre("T1611"), Control::nsa("pod-security/enforcement"), Control::pss("restricted/runAsNonRoot"), Control::pss("restricted/runAsUser")],
        since: "0.1.0",
        summary: "container may run as root",
        remediation: "Set `runAsNonRoot: true` and a non-zero `runAsUser` in the pod or container security context.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    for c in pod.all_containers() {
        let user = effective(&pod, &c, "runAsUser");
        if let Some((n, path)) = &user
            && n.as_i64() == Some(0)
        {
            cx.report(
                o,
                path.clone(),
                format!("{} runs as UID 0 (root)", c.describe()),
            );
            continue;
        }
        let non_root = effective(&pod, &c, "runAsNonRoot").and_then(|(n, _)| n.as_bool());
        let nonzero_user = user.and_then(|(n, _)| n.as_i64()).is_some_and(|u| u != 0);
        if non_root != Some(true) && !nonzero_user {
            cx.report(
                o,
                container_sc_path(&c, "runAsNonRoot"),
                format!("{} sets neither runAsNonRoot: true nor a non-zero runAsUser, so it may run as root", c.describe()),
            );
        }
    }
}
