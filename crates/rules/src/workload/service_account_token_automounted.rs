use crate::workload::helpers::{KINDS, service_account};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags pods that mount a service account API token automatically: the pod spec sets
    /// `automountServiceAccountToken: true`, or leaves it unset while the pod's ServiceAccount
    /// does not set it to `false`. The ServiceAccount is looked up among the scanned objects (same
    /// namespace, `serviceAccountName`, else the deprecated `serviceAccount`, else `default`);
    /// when it is not among them, Kubernetes' default — mount — is assumed.
    ///
    /// ## Why is this risky?
    /// The token is a credential for the Kubernetes API, readable by every process in every
    /// container of the pod. Most applications never call the API, yet an attacker who gets code
    /// execution or a file-read bug reads `/var/run/secrets/kubernetes.io/serviceaccount/token`
    /// and acts with the service account's permissions — often more than anyone intended,
    /// especially for shared or `default` accounts.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   serviceAccountName: web
    ///   containers:
    ///   - name: web
    ///     image: registry.example.com/web:1.8.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   serviceAccountName: web
    ///   automountServiceAccountToken: false
    ///   containers:
    ///   - name: web
    ///     image: registry.example.com/web:1.8.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Pods that do call the API (operators, controllers, CNI agents) need the token; suppress
    /// those objects with a reason, or mount a short-lived, audience-bound token through a
    /// projected `serviceAccountToken` volume instead. ServiceAccounts that were not scanned are
    /// assumed to mount the token.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.1.6
    /// - Kubernetes: "Configure Service Accounts for Pods", "Opt out of API credential automounting"
    /// - NSA-CISA Kubernetes Hardening Guide, "Protecting Pod service account tokens"
    pub static SERVICE_ACCOUNT_TOKEN_AUTOMOUNTED = Rule {
        id: "WL040",
        name: "service-account-token-automounted",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        needs: &["ServiceAccount"],
        controls: &[Control::cis("5.1.6"), Control::nsa("pod-security/service-account-tokens"), Control::mitre("T1528")],
        since: "0.1.0",
        summary: "pod automounts a service account token",
        remediation: "Set `automountServiceAccountToken: false` on the pod (or its ServiceAccount) unless it calls the Kubernetes API.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    let (sa, _) = service_account(&pod);
    let path = pod.path_of("automountServiceAccountToken");
    match pod.get("automountServiceAccountToken").and_then(Node::as_bool) {
        Some(false) => {}
        Some(true) => cx.report(
            o,
            path,
            format!("pod sets automountServiceAccountToken: true, mounting the API token of service account {sa:?}"),
        ),
        None => {
            // Every ServiceAccount of that identity counts (overlays may hold several): the
            // pod is quiet only when each one turns the token off.
            let accounts: Vec<_> = cx.inv.get_all("ServiceAccount", o.namespace(), sa).collect();
            let all_off = !accounts.is_empty()
                && accounts.iter().all(|a| {
                    a.root
                        .get("automountServiceAccountToken")
                        .and_then(Node::as_bool)
                        == Some(false)
                });
            if all_off {
                return;
            }
            let why = if !accounts.is_empty() {
                "neither the pod nor the service account sets automountServiceAccountToken: false"
            } else {
                "the pod does not set automountServiceAccountToken: false"
            };
            cx.report(o, path, format!("pod mounts the API token of service account {sa:?}: {why}"));
        }
    }
}
