use crate::hygiene::helpers::{SYSTEM_NAMESPACES_OPTION, report_unreferenced, skip_managed};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::Severity;

declare_rule! {
    /// ## What it does
    /// Reports ConfigMaps that nothing refers to: no pod volume (including projected volumes),
    /// `env` `configMapKeyRef`, `envFrom`, nor a well-known controller convention (ingress-nginx
    /// `--configmap`, `--tcp-services-configmap`, `--udp-services-configmap`; Stakater Reloader
    /// annotations). A custom resource that mentions the name lowers the confidence to low.
    ///
    /// Off by default in `stockade scan`; always on in `stockade unused`.
    ///
    /// ## Why is this risky?
    /// Configuration left behind by removed applications is clutter that hides what matters,
    /// and sometimes holds endpoints, feature flags or credentials that should have gone with
    /// the application.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: legacy-settings, namespace: shop}
    /// data: {endpoint: "http://old-billing:8080"}
    /// ```
    ///
    /// ## Use instead
    /// Delete the ConfigMap.
    ///
    /// ## Options
    /// - `include-system-namespaces` (default `false`): also judge kube-system, kube-public and
    ///   kube-node-lease, whose ConfigMaps control-plane components read by name.
    ///
    /// ## Known limitations
    /// Applications that read ConfigMaps through the API are invisible to the reference graph.
    /// `kube-root-ca.crt` (published into every namespace and mounted by the API server into
    /// every pod), leader-election records and ConfigMaps with `ownerReferences` are not judged.
    ///
    /// ## References
    /// - Kubernetes: ConfigMaps
    pub static UNUSED_CONFIG_MAP = Rule {
        id: "HY004",
        name: "unused-config-map",
        family: Family::Hygiene,
        severity: Severity::Low,
        default_enabled: false,
        kinds: &["ConfigMap"],
        needs: stockade_inventory::WORKLOAD_KINDS,
        controls: &[],
        since: "0.1.0",
        admission: false,
        summary: "ConfigMap is referenced by nothing",
        remediation: "Delete the ConfigMap if nothing reads it through the API.",
        options: &[SYSTEM_NAMESPACES_OPTION],
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if skip_managed(cx, o)
        || o.name() == "kube-root-ca.crt"
        || o.annotation("control-plane.alpha.kubernetes.io/leader")
            .is_some()
    {
        return;
    }
    report_unreferenced(
        cx,
        o,
        Severity::Low,
        "volume, env, envFrom or known controller reference",
    );
}
