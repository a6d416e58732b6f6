use crate::workload::helpers::strings;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::{Node, Value};

declare_rule! {
    /// ## What it does
    /// Flags Ingresses (`networking.k8s.io`, and the older `extensions` group) that have no
    /// `spec.tls`, and rules whose `host` is not listed in any `spec.tls` entry. A TLS host
    /// `*.example.com` covers `shop.example.com` but neither `example.com` nor
    /// `a.shop.example.com`; a TLS entry without `hosts` covers every host. Ingresses whose
    /// certificate is attached by the cloud load balancer (annotations of the AWS Load Balancer
    /// Controller, GKE and Azure Application Gateway) are skipped.
    ///
    /// ## Why is this risky?
    /// Hosts served without TLS travel in plain text between clients and the cluster: session
    /// cookies, bearer tokens, passwords and personal data can be read and rewritten by anyone
    /// on the path — a shared Wi-Fi network, a compromised router, a hostile ISP.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata: {name: shop, namespace: shop}
    /// spec:
    ///   ingressClassName: nginx
    ///   rules:
    ///   - host: shop.example.com
    ///     http:
    ///       paths:
    ///       - path: /
    ///         pathType: Prefix
    ///         backend: {service: {name: web, port: {number: 80}}}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: shop
    ///   namespace: shop
    ///   annotations:
    ///     cert-manager.io/cluster-issuer: letsencrypt
    /// spec:
    ///   ingressClassName: nginx
    ///   tls:
    ///   - hosts: [shop.example.com]
    ///     secretName: shop-tls
    ///   rules:
    ///   - host: shop.example.com
    ///     http:
    ///       paths:
    ///       - path: /
    ///         pathType: Prefix
    ///         backend: {service: {name: web, port: {number: 80}}}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// TLS terminated in front of the ingress controller by other means (a CDN, an external
    /// load balancer configured outside the cluster) is not visible; suppress those findings with
    /// a reason. A TLS entry without `secretName` is accepted, although it leaves the controller
    /// to serve its default certificate. Whether plain HTTP is redirected to HTTPS is not checked.
    ///
    /// ## References
    /// - Kubernetes: Ingress, "TLS"
    /// - MITRE ATT&CK for Containers T1557 (Adversary-in-the-Middle)
    pub static INGRESS_WITHOUT_TLS = Rule {
        id: "WL053",
        name: "ingress-without-tls",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: &["Ingress"],
        controls: &[Control::mitre("T1557")],
        since: "0.1.0",
        summary: "Ingress serves hosts over plain HTTP",
        remediation: "Add a `spec.tls` entry listing every host of the Ingress, with a certificate Secret (for example issued by cert-manager).",
        check: check,
    };
}

/// Annotations with which a cloud load balancer terminates TLS for an Ingress without `spec.tls`.
const CLOUD_CERT_ANNOTATIONS: &[&str] = &[
    "alb.ingress.kubernetes.io/certificate-arn",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "networking.gke.io/managed-certificates",
    "appgw.ingress.kubernetes.io/appgw-ssl-certificate",
];

fn check(cx: &mut Checker<'_>, o: &Object) {
    if !matches!(o.api_group(), "networking.k8s.io" | "extensions") {
        return;
    }
    if CLOUD_CERT_ANNOTATIONS
        .iter()
        .any(|a| o.annotation(a).is_some_and(|v| !v.trim().is_empty()))
    {
        return;
    }
    let rules = o.root.at("spec.rules").map(Node::items).unwrap_or(&[]);
    let hosts: Vec<(usize, &str)> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i, r.get("host").and_then(Node::as_str)?)))
        .filter(|(_, h)| !h.is_empty())
        .collect();
    let tls = o.root.at("spec.tls").map(Node::items).unwrap_or(&[]);
    if tls.is_empty() {
        let message = if hosts.is_empty() {
            "ingress has no tls section, so it serves plain HTTP".to_string()
        } else {
            let mut names: Vec<String> = Vec::new();
            for (_, h) in &hosts {
                let name = format!("{h:?}");
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let (noun, verb) = if names.len() == 1 {
                ("host", "is")
            } else {
                ("hosts", "are")
            };
            format!(
                "ingress has no tls section, so {noun} {} {verb} served over plain HTTP",
                names.join(", ")
            )
        };
        cx.report(o, FieldPath::parse("spec.tls"), message);
        return;
    }
    // An entry without hosts takes the controller's wildcard host: it covers everything.
    if tls.iter().any(|t| {
        matches!(t.value, Value::Map(_)) && t.get("hosts").is_none_or(|h| h.items().is_empty())
    }) {
        return;
    }
    let tls_hosts: Vec<&str> = tls
        .iter()
        .flat_map(|t| strings(t.get("hosts")).map(|(_, h)| h))
        .collect();
    for (i, host) in hosts {
        if !tls_hosts.iter().any(|t| covers(t, host)) {
            cx.report(
                o,
                FieldPath::parse("spec.rules").index(i).key("host"),
                format!(
                    "host {host:?} is not listed in any tls entry, so it is served over plain HTTP"
                ),
            );
        }
    }
}

/// Whether a TLS host (possibly a `*.` wildcard for one label) covers a rule's host.
fn covers(tls_host: &str, host: &str) -> bool {
    if tls_host.eq_ignore_ascii_case(host) {
        return true;
    }
    let Some(suffix) = tls_host.strip_prefix("*.") else {
        return false;
    };
    match host.split_once('.') {
        Some((label, rest)) => {
            !label.is_empty() && label != "*" && rest.eq_ignore_ascii_case(suffix)
        }
        None => false,
    }
}
