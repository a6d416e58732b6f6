use crate::netpol::helpers::{KINDS, POLICIES, namespace_anchor, namespaces_with_workloads};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags system and monitoring namespaces (`kube-system`, `monitoring`, … or the
    /// `namespaces` option) that run workloads no NetworkPolicy isolates for ingress. It names
    /// the open workloads. Pods with `hostNetwork: true` are not counted (policies do not apply
    /// to them).
    ///
    /// ## Why is this risky?
    /// These namespaces run the cluster's most privileged components: DNS, controllers with
    /// broad RBAC, metrics servers and exporters that see every node, dashboards. Reachable from
    /// every pod, they are the first targets for lateral movement — scraping secrets from
    /// metrics, abusing an unauthenticated admin port, or poisoning DNS.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// metadata:
    ///   name: grafana
    ///   namespace: monitoring   # no NetworkPolicy in monitoring
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny-ingress
    ///   namespace: monitoring
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    ///
    /// ## Options
    /// - `namespaces` (list of strings): the namespaces to treat as system namespaces.
    ///
    /// ## Known limitations
    /// Managed control planes run some components outside the cluster; only pods are judged.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.3.2
    /// - NSA-CISA Kubernetes Hardening Guide, "Network policies" and "Control plane hardening"
    pub static SYSTEM_NAMESPACE_OPEN = Rule {
        id: "NP011",
        name: "system-namespace-open",
        family: Family::Network,
        severity: Severity::High,
        kinds: KINDS,
        needs: POLICIES,
        controls: &[Control::cis("5.3.2"), Control::nsa("network/control-plane"), Control::mitre("T1046")],
        since: "0.1.0",
        summary: "system or monitoring namespace runs workloads open to every pod",
        remediation: "Add a default-deny ingress policy to the namespace and allow only the clients each component needs (DNS on 53 from every namespace, metrics from the monitoring namespace).",
        options: &[crate::RuleOption {
            name: "namespaces",
            help: "namespaces that hold cluster or monitoring components",
            default: "[\"kube-system\", \"kube-public\", \"kube-node-lease\", \"monitoring\", \"observability\", \"prometheus\", \"logging\"]",
        }],
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let system = cx.option_strings("namespaces");
    let m = cx.netpol();
    for ns in namespaces_with_workloads(m) {
        if !system.iter().any(|s| s == ns) {
            continue;
        }
        let open: Vec<String> = m
            .workloads_in(ns)
            .iter()
            .filter(|&&wi| !m.workloads[wi].host_network && m.ingress_policies[wi].is_empty())
            .map(|&wi| m.workloads[wi].name.clone())
            .collect();
        if open.is_empty() {
            continue;
        }
        if let Some((o, path)) = namespace_anchor(m, ns) {
            cx.report(
                o,
                path,
                format!(
                    "{} workload(s) in {ns:?} accept connections from every pod: {}",
                    open.len(),
                    open.join(", ")
                ),
            );
        }
    }
}
