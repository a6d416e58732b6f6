use crate::workload::helpers::{KINDS, is_windows};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags pods and containers that turn AppArmor off: `appArmorProfile.type: Unconfined` in
    /// the pod's or a container's security context, or the deprecated annotation
    /// `container.apparmor.security.beta.kubernetes.io/<container>: unconfined`.
    ///
    /// ## Why is this risky?
    /// On nodes with AppArmor, the runtime's default profile denies containers writes to
    /// `/proc` and `/sys` files that control the host, mounting filesystems and other actions
    /// used in container escapes. Running unconfined removes that layer, so a capability or
    /// kernel bug the profile would have contained becomes exploitable.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     appArmorProfile:
    ///       type: Unconfined
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   securityContext:
    ///     appArmorProfile:
    ///       type: RuntimeDefault
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// An unset profile is not reported: the runtime then applies its default profile. A
    /// pod-level `Unconfined` is reported even if every container overrides it, as the baseline
    /// Pod Security Standard does. A container's annotation is only read when its
    /// `appArmorProfile` field is unset, as the API server does. Windows pods
    /// (`spec.os.name: windows`) are skipped.
    ///
    /// ## References
    /// - Kubernetes: Pod Security Standards, baseline, "AppArmor"
    /// - Kubernetes: "Restrict a Container's Access to Resources with AppArmor"
    pub static APPARMOR_UNCONFINED = Rule {
        id: "WL014",
        name: "apparmor-unconfined",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/hardening-environments"), Control::cis("5.7.3"), Control::nsa("pod-security/enforcement"), Control::mitre("T1562.001"), Control::pss("baseline/appArmorProfile")],
        since: "0.1.0",
        summary: "pod or container sets the AppArmor profile Unconfined",
        remediation: "Remove the `Unconfined` AppArmor profile; use `RuntimeDefault` or a `Localhost` profile.",
        check: check,
    };
}

/// The prefix of the legacy annotation setting a container's profile.
const CONTAINER_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    if is_windows(&pod) {
        return;
    }
    if pod.pod_sc("appArmorProfile.type").and_then(Node::as_str) == Some("Unconfined") {
        cx.report(
            o,
            pod.path_of("securityContext.appArmorProfile.type"),
            "pod AppArmor profile is Unconfined",
        );
    }
    for c in pod.all_containers() {
        if let Some(t) = c.sc("appArmorProfile.type").and_then(Node::as_str) {
            if t == "Unconfined" {
                cx.report(
                    o,
                    c.path_of("securityContext.appArmorProfile.type"),
                    format!("{} AppArmor profile is Unconfined", c.describe()),
                );
            }
            continue;
        }
        let key = format!("{CONTAINER_ANNOTATION}{}", c.name());
        if pod.pod_annotation(&key) == Some("unconfined") {
            cx.report(
                o,
                pod.meta_path.key("annotations").key(&key),
                format!(
                    "{} AppArmor profile is unconfined (legacy annotation)",
                    c.describe()
                ),
            );
        }
    }
}
