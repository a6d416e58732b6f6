use crate::workload::helpers::{KINDS, service_account};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::{Object, PodSpecView};
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags pods that run as their namespace's `default` ServiceAccount — `serviceAccountName`
    /// (or the deprecated `serviceAccount`) unset, empty or `default` — and can use its
    /// identity: the token is automounted (the pod does not set
    /// `automountServiceAccountToken: false`, nor does the `default` ServiceAccount when it is
    /// among the scanned objects), or a projected `serviceAccountToken` volume mounts one.
    ///
    /// ## Why is this risky?
    /// Every pod in a namespace that names no account shares `default`. Any permission granted
    /// to it — often added for one workload — is granted to all of them, and audit logs cannot
    /// tell them apart. A dedicated ServiceAccount per workload keeps permissions minimal and
    /// attributable.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: registry.example.com/web:1.8.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   serviceAccountName: web
    ///   automountServiceAccountToken: false   # unless web calls the API
    ///   containers:
    ///   - name: web
    ///     image: registry.example.com/web:1.8.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// RBAC bindings of the `default` account are not inspected: a pod is flagged even when the
    /// account has no permissions, since a later binding would silently extend to it. A pod that
    /// mounts no token is not flagged, as it cannot use the identity.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.5
    /// - Kubernetes: "Service Accounts", "Default service accounts"
    /// - Kubernetes: "Role Based Access Control Good Practices"
    pub static DEFAULT_SERVICE_ACCOUNT = Rule {
        id: "WL041",
        name: "default-service-account",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        needs: &["ServiceAccount"],
        controls: &[Control::cis("5.1.5"), Control::nsa("authn-authz/rbac"), Control::mitre("T1078.001")],
        since: "0.1.0",
        summary: "pod uses the default service account",
        remediation: "Create a ServiceAccount for the workload and set `serviceAccountName`; disable token automounting if it does not call the API.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    let (sa, path) = service_account(&pod);
    if sa != "default" || !(token_automounted(cx, &pod) || projects_token(&pod)) {
        return;
    }
    let message = if pod
        .get("serviceAccountName")
        .and_then(Node::as_str)
        .is_some_and(|s| !s.is_empty())
        || pod
            .get("serviceAccount")
            .and_then(Node::as_str)
            .is_some_and(|s| !s.is_empty())
    {
        "pod runs as the \"default\" service account".to_string()
    } else {
        "pod sets no serviceAccountName, so it runs as the namespace's \"default\" service account"
            .to_string()
    };
    cx.report(o, path, message);
}

/// Whether the `default` account's token is mounted automatically: the pod's setting wins over
/// the ServiceAccount's.
fn token_automounted(cx: &Checker<'_>, pod: &PodSpecView<'_>) -> bool {
    if let Some(b) = pod
        .get("automountServiceAccountToken")
        .and_then(Node::as_bool)
    {
        return b;
    }
    cx.inv
        .get("ServiceAccount", pod.object.namespace(), "default")
        .and_then(|a| a.root.get("automountServiceAccountToken"))
        .and_then(Node::as_bool)
        != Some(false)
}

/// Whether a projected volume mounts a service account token explicitly.
fn projects_token(pod: &PodSpecView<'_>) -> bool {
    pod.volumes().any(|(_, v)| {
        v.at("projected.sources")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .any(|s| s.get("serviceAccountToken").is_some())
    })
}
