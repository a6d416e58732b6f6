//! `stockade webhook manifests`: the Kubernetes objects that deploy `stockade webhook serve`,
//! as one multi-document YAML stream. Objects are built as JSON values and written by
//! serde-saphyr, so nothing is quoted or escaped by hand; the output depends only on the
//! arguments and on the kinds the webhook judges.

use crate::cli::{FailurePolicy, WebhookManifestsArgs};
use anyhow::{Context, bail};
use base64::Engine;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use stockade_model::escape::TermLine;
use stockade_model::kinds::{self, Resource};

/// The port the webhook listens on in its pod.
const PORT: u16 = 8443;
/// The webhook's name in the configuration.
pub const WEBHOOK: &str = "validate.stockade.dev";
/// User and group the container runs as (the distroless `nonroot` user).
const UID: u32 = 65532;

/// Kinds the webhook is never sent, whatever the rules read: Secrets (every credential value
/// written to the cluster would pass through it), and the API machinery that is written
/// constantly or that admission itself depends on (leases of controllers, events, reviews of
/// tokens and access).
pub const NEVER_SENT: [&str; 5] = [
    "Secret",
    "Lease",
    "Event",
    "TokenReview",
    "SubjectAccessReview",
];

/// Namespaces the webhook may not be deployed to: they hold the cluster's own components, or
/// everything (`default`), and the webhook's namespace is never judged.
const RESERVED_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Where the API server gets the CA that signed the webhook's serving certificate.
pub enum CaSource {
    /// cert-manager issues the certificate and injects its CA.
    CertManager,
    /// The PEM certificates given, base64-encoded into `caBundle`.
    Bundle(String),
}

/// What the manifests are made from.
pub struct Spec<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub image: &'a str,
    pub ca: CaSource,
    pub failure_policy: FailurePolicy,
    pub timeout_seconds: u8,
    /// The settings file's text, shipped in a ConfigMap; `None`: the built-in defaults.
    pub config: Option<String>,
}

/// Runs `webhook manifests`.
pub fn run(a: &WebhookManifestsArgs) -> anyhow::Result<u8> {
    for (what, value) in [("--namespace", &a.namespace), ("--name", &a.name)] {
        if !super::webhook::is_dns_label(value) {
            bail!(
                "{what} `{}` is not a DNS label (lowercase letters, digits and `-`, at most 63, starting and ending with a letter or digit)",
                TermLine(value)
            );
        }
    }
    if !a.name.starts_with(|c: char| c.is_ascii_lowercase()) || a.name.len() > 55 {
        // Service names start with a letter; NAME-cache and NAME-tls must stay labels too.
        bail!(
            "--name `{}` must start with a letter and be at most 55 characters (NAME-cache and NAME-tls are derived from it)",
            TermLine(&a.name)
        );
    }
    if RESERVED_NAMESPACES.contains(&a.namespace.as_str()) {
        bail!(
            "--namespace {} is not a namespace of the webhook's own: its namespace is never judged and gets Pod Security `restricted`; choose a new one (the default is `stockade`)",
            a.namespace
        );
    }
    let default_image = format!(
        "ghcr.io/stockade-dev/stockade:{}",
        env!("CARGO_PKG_VERSION")
    );
    let image = a.image.as_deref().unwrap_or(&default_image);
    if image.is_empty() || image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("--image `{}` is not an image reference", TermLine(image));
    }
    let ca = match (&a.ca_bundle, a.cert_manager) {
        (Some(path), false) => CaSource::Bundle(ca_bundle(path)?),
        (None, true) => CaSource::CertManager,
        // clap's group makes exactly one of them required.
        _ => bail!("give exactly one of --cert-manager and --ca-bundle FILE"),
    };
    let config = match &a.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", TermLine(p.display())))?;
            // Refused here rather than by a crash-looping webhook.
            stockade_engine::Settings::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", TermLine(p.display())))?;
            stockade_admission::AdmissionPolicy::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", TermLine(p.display())))?;
            Some(text)
        }
        None => None,
    };
    let spec = Spec {
        namespace: &a.namespace,
        name: &a.name,
        image,
        ca,
        failure_policy: a.failure_policy,
        timeout_seconds: a.timeout_seconds,
        config,
    };
    let text = render(&spec)?;
    match &a.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => super::print(format_args!("{text}"))?,
    }
    Ok(0)
}

/// The certificates of a PEM file, re-encoded as PEM and then base64, as `caBundle` holds them.
/// A file with a private key in it is refused: the bundle is published in the configuration.
fn ca_bundle(path: &std::path::Path) -> anyhow::Result<String> {
    use rustls_pki_types::pem::{PemObject, SectionKind};
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read --ca-bundle {}", path.display()))?;
    let sections: Vec<(SectionKind, Vec<u8>)> = <(SectionKind, Vec<u8>)>::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("--ca-bundle {} is not valid PEM: {e}", path.display()))?;
    if sections.iter().any(|(k, _)| {
        matches!(
            k,
            SectionKind::PrivateKey | SectionKind::RsaPrivateKey | SectionKind::EcPrivateKey
        )
    }) {
        bail!(
            "--ca-bundle {} holds a private key; give the CA certificate only (ca.crt from `stockade webhook certs`)",
            path.display()
        );
    }
    let certs: Vec<&[u8]> = sections
        .iter()
        .filter(|(k, der)| *k == SectionKind::Certificate && der.first() == Some(&0x30))
        .map(|(_, der)| der.as_slice())
        .collect();
    if certs.is_empty() {
        bail!(
            "--ca-bundle {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        );
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut pem = String::new();
    for der in certs {
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        let body = b64.encode(der);
        for line in body.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    Ok(b64.encode(pem))
}

/// The kinds the webhook judges with the default rules, without [`NEVER_SENT`].
pub fn judged_kinds() -> Vec<&'static str> {
    let judge = stockade_admission::Judge::new(
        &stockade_engine::Settings::default(),
        stockade_admission::AdmissionPolicy::default(),
        stockade_pss::AdmissionConfig::default(),
    );
    judge
        .kinds()
        .iter()
        .copied()
        .filter(|k| !NEVER_SENT.contains(k))
        .collect()
}

/// The catalogue's resources of `kinds` (every group that serves a kind); an error names a
/// kind the catalogue does not know.
fn resources(kinds: &[&str]) -> anyhow::Result<Vec<&'static Resource>> {
    let mut out = Vec::new();
    for kind in kinds {
        let found: Vec<&'static Resource> = kinds::RESOURCES
            .iter()
            .filter(|r| r.kind == *kind)
            .collect();
        if found.is_empty() {
            bail!("internal error: kind {kind} is not in the resource catalogue");
        }
        out.extend(found);
    }
    Ok(out)
}

/// Resources grouped by API group (and version, for webhook rules), in a stable order.
fn by_group<'r>(
    rs: &[&'r Resource],
    with_version: bool,
) -> BTreeMap<(&'r str, &'r str), Vec<&'r str>> {
    let mut m: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for r in rs {
        let v = if with_version { r.version } else { "" };
        m.entry((r.group, v)).or_default().push(r.plural);
    }
    for plurals in m.values_mut() {
        plurals.sort_unstable();
        plurals.dedup();
    }
    m
}

/// The objects, in the order they should be applied: the webhook configuration last, once
/// what it calls exists.
pub fn objects(s: &Spec<'_>) -> anyhow::Result<Vec<Value>> {
    let (ns, name) = (s.namespace, s.name);
    let cache_role = format!("{name}-cache");
    let tls_secret = format!("{name}-tls");
    let labels = json!({
        "app.kubernetes.io/name": "stockade",
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/component": "admission-webhook",
    });
    let selector = json!({
        "app.kubernetes.io/name": "stockade",
        "app.kubernetes.io/instance": name,
    });
    let meta = |n: &str, namespaced: bool| {
        let mut m = json!({ "name": n, "labels": labels });
        if namespaced {
            m["namespace"] = json!(ns);
        }
        m
    };
    let mut out = Vec::new();

    let mut ns_meta = meta(ns, false);
    for mode in ["enforce", "warn", "audit"] {
        ns_meta["labels"][format!("pod-security.kubernetes.io/{mode}")] = json!("restricted");
    }
    out.push(json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": ns_meta }));

    // The token is mounted by the pod spec, which says so itself; other pods that would use
    // this account get none.
    out.push(json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": meta(name, true),
        "automountServiceAccountToken": false,
    }));

    let context = resources(&stockade_admission::CONTEXT_KINDS)?;
    let rules: Vec<Value> = by_group(&context, false)
        .into_iter()
        .map(|((group, _), plurals)| {
            json!({ "apiGroups": [group], "resources": plurals, "verbs": ["get", "list", "watch"] })
        })
        .collect();
    out.push(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": meta(&cache_role, false),
        "rules": rules,
    }));
    out.push(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": meta(&cache_role, false),
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cache_role },
        "subjects": [{ "kind": "ServiceAccount", "name": name, "namespace": ns }],
    }));

    if matches!(s.ca, CaSource::CertManager) {
        let (selfsigned, ca) = (format!("{name}-selfsigned"), format!("{name}-ca"));
        let key = json!({ "algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always" });
        out.push(json!({
            "apiVersion": "cert-manager.io/v1",
            "kind": "Issuer",
            "metadata": meta(&selfsigned, true),
            "spec": { "selfSigned": {} },
        }));
        out.push(json!({
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": meta(&ca, true),
            "spec": {
                "isCA": true,
                "commonName": format!("stockade webhook CA ({ns})"),
                "secretName": ca,
                "duration": "43800h",
                "privateKey": key,
                "issuerRef": { "group": "cert-manager.io", "kind": "Issuer", "name": selfsigned },
            },
        }));
        out.push(json!({
            "apiVersion": "cert-manager.io/v1",
            "kind": "Issuer",
            "metadata": meta(&ca, true),
            "spec": { "ca": { "secretName": ca } },
        }));
        out.push(json!({
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": meta(&tls_secret, true),
            "spec": {
                "secretName": tls_secret,
                "commonName": format!("{name}.{ns}.svc"),
                "dnsNames": [
                    name,
                    format!("{name}.{ns}"),
                    format!("{name}.{ns}.svc"),
                    format!("{name}.{ns}.svc.cluster.local"),
                ],
                "usages": ["server auth", "digital signature", "key encipherment"],
                "duration": "2160h",
                "renewBefore": "720h",
                "privateKey": key,
                "issuerRef": { "group": "cert-manager.io", "kind": "Issuer", "name": ca },
            },
        }));
    }

    out.push(json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name, true),
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{ "name": "https", "port": 443, "targetPort": PORT, "protocol": "TCP" }],
        },
    }));

    let pod_selector = json!({ "matchLabels": selector });
    let probe = |path: &str, period: u32, failures: u32| {
        json!({
            "httpGet": { "path": path, "port": PORT, "scheme": "HTTPS" },
            "periodSeconds": period,
            "timeoutSeconds": 2,
            "failureThreshold": failures,
        })
    };
    let mut container = json!({
        "name": "webhook",
        "image": s.image,
        "imagePullPolicy": "IfNotPresent",
        "args": [
            "webhook", "serve",
            "--listen", format!("0.0.0.0:{PORT}"),
            "--tls-cert", "/tls/tls.crt",
            "--tls-key", "/tls/tls.key",
            "--namespace", "$(POD_NAMESPACE)",
        ],
        "env": [{
            "name": "POD_NAMESPACE",
            "valueFrom": { "fieldRef": { "fieldPath": "metadata.namespace" } },
        }],
        "ports": [{ "name": "https", "containerPort": PORT, "protocol": "TCP" }],
        "readinessProbe": probe("/readyz", 5, 3),
        "livenessProbe": probe("/healthz", 10, 6),
        "resources": {
            "requests": { "cpu": "100m", "memory": "64Mi" },
            "limits": { "memory": "256Mi" },
        },
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "capabilities": { "drop": ["ALL"] },
            "privileged": false,
            "readOnlyRootFilesystem": true,
            "runAsNonRoot": true,
            "runAsUser": UID,
            "runAsGroup": UID,
            "seccompProfile": { "type": "RuntimeDefault" },
        },
        "volumeMounts": [{ "name": "tls", "mountPath": "/tls", "readOnly": true }],
    });
    let mut volumes = vec![json!({
        "name": "tls",
        // 0440, group fsGroup: readable by the webhook's user only.
        "secret": { "secretName": tls_secret, "defaultMode": 0o440 },
    })];
    let mut template_annotations = serde_json::Map::new();
    if let Some(text) = &s.config {
        let cm = format!("{name}-config");
        out.push(json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta(&cm, true),
            "data": { "stockade.yaml": text },
        }));
        if let Some(args) = container["args"].as_array_mut() {
            args.extend([json!("--config"), json!("/etc/stockade/stockade.yaml")]);
        }
        if let Some(m) = container["volumeMounts"].as_array_mut() {
            m.push(json!({ "name": "config", "mountPath": "/etc/stockade", "readOnly": true }));
        }
        volumes
            .push(json!({ "name": "config", "configMap": { "name": cm, "defaultMode": 0o440 } }));
        // The settings are read at start: a changed file rolls the pods.
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        text.hash(&mut h);
        template_annotations.insert(
            "stockade.dev/config-hash".into(),
            json!(format!("{:016x}", h.finish())),
        );
    }
    let mut template_meta = json!({ "labels": labels });
    if !template_annotations.is_empty() {
        template_meta["annotations"] = serde_json::Value::Object(template_annotations);
    }
    out.push(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, true),
        "spec": {
            "replicas": 2,
            "revisionHistoryLimit": 3,
            "selector": pod_selector,
            "strategy": { "type": "RollingUpdate", "rollingUpdate": { "maxUnavailable": 0, "maxSurge": 1 } },
            "template": {
                "metadata": template_meta,
                "spec": {
                    "serviceAccountName": name,
                    // The watch cache lists and watches its context kinds with this token.
                    "automountServiceAccountToken": true,
                    "enableServiceLinks": false,
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": UID,
                        "runAsGroup": UID,
                        "fsGroup": UID,
                        "seccompProfile": { "type": "RuntimeDefault" },
                    },
                    "affinity": { "podAntiAffinity": {
                        "preferredDuringSchedulingIgnoredDuringExecution": [{
                            "weight": 100,
                            "podAffinityTerm": {
                                "labelSelector": pod_selector,
                                "topologyKey": "kubernetes.io/hostname",
                            },
                        }],
                    }},
                    "topologySpreadConstraints": [{
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": pod_selector,
                    }],
                    "terminationGracePeriodSeconds": 30,
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }));

    out.push(json!({
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta(name, true),
        "spec": { "minAvailable": 1, "selector": pod_selector },
    }));

    // Nothing else runs in the namespace: deny all ingress there, then admit the API server,
    // whose source address cannot be known in advance, on the webhook's port.
    out.push(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta("default-deny-ingress", true),
        "spec": { "podSelector": {}, "policyTypes": ["Ingress"] },
    }));
    out.push(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta(name, true),
        "spec": {
            "podSelector": pod_selector,
            "policyTypes": ["Ingress"],
            "ingress": [{ "ports": [{ "port": PORT, "protocol": "TCP" }] }],
        },
    }));

    out.push(webhook_configuration(s)?);
    Ok(out)
}

fn webhook_configuration(s: &Spec<'_>) -> anyhow::Result<Value> {
    let (ns, name) = (s.namespace, s.name);
    let judged = resources(&judged_kinds())?;
    let mut rules: Vec<Value> = by_group(&judged, true)
        .into_iter()
        .map(|((group, version), plurals)| {
            json!({
                "apiGroups": [group],
                "apiVersions": [version],
                "operations": ["CREATE", "UPDATE"],
                "resources": plurals,
                "scope": "*",
            })
        })
        .collect();
    // Ephemeral containers are added to a running Pod through this subresource.
    rules.push(json!({
        "apiGroups": [""],
        "apiVersions": ["v1"],
        "operations": ["UPDATE"],
        "resources": ["pods/ephemeralcontainers"],
        "scope": "*",
    }));
    let mut client = json!({
        "service": { "namespace": ns, "name": name, "path": "/validate", "port": 443 },
    });
    let mut metadata = json!({
        "name": name,
        "labels": {
            "app.kubernetes.io/name": "stockade",
            "app.kubernetes.io/instance": name,
            "app.kubernetes.io/component": "admission-webhook",
        },
    });
    match &s.ca {
        CaSource::Bundle(b) => client["caBundle"] = json!(b),
        CaSource::CertManager => {
            metadata["annotations"] =
                json!({ "cert-manager.io/inject-ca-from": format!("{ns}/{name}-tls") });
        }
    }
    let failure_policy = match s.failure_policy {
        FailurePolicy::Ignore => "Ignore",
        FailurePolicy::Fail => "Fail",
    };
    Ok(json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": metadata,
        "webhooks": [{
            "name": WEBHOOK,
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "timeoutSeconds": s.timeout_seconds,
            "failurePolicy": failure_policy,
            "matchPolicy": "Equivalent",
            "clientConfig": client,
            "rules": rules,
            "namespaceSelector": { "matchExpressions": [{
                "key": "kubernetes.io/metadata.name",
                "operator": "NotIn",
                "values": ["kube-system", ns],
            }]},
            "matchConditions": [{
                "name": "not-the-api-server",
                "expression": "request.userInfo.username != 'system:apiserver'",
            }],
        }],
    }))
}

/// The header comment: what the stream holds and the failurePolicy trade-off.
fn header(s: &Spec<'_>) -> String {
    let (ns, name) = (s.namespace, s.name);
    let chosen = match s.failure_policy {
        FailurePolicy::Ignore => {
            "This stream uses failurePolicy: Ignore (--failure-policy Fail to change it)."
        }
        FailurePolicy::Fail => {
            "This stream uses failurePolicy: Fail (--failure-policy Ignore to change it)."
        }
    };
    let tls = match s.ca {
        CaSource::CertManager => format!(
            "# TLS: cert-manager issues the serving certificate into the Secret {ns}/{name}-tls from a\n\
             # self-signed CA (Issuers {name}-selfsigned and {name}-ca) and injects that CA into the\n\
             # webhook configuration (cert-manager.io/inject-ca-from). cert-manager must be installed.\n"
        ),
        CaSource::Bundle(_) => format!(
            "# TLS: caBundle holds the CA given with --ca-bundle. Before applying, create the serving\n\
             # certificate's Secret, e.g. from `stockade webhook certs`:\n\
             #   kubectl create namespace {ns} --dry-run=client -o yaml | kubectl apply -f -\n\
             #   kubectl -n {ns} create secret tls {name}-tls --cert tls/tls.crt --key tls/tls.key\n"
        ),
    };
    format!(
        "# Stockade admission webhook ({name} in namespace {ns}), printed by `stockade webhook manifests`.\n\
         # Apply: kubectl apply -f FILE (the webhook configuration comes last, after what it calls).\n\
         #\n\
         # failurePolicy decides what the API server does when the webhook cannot be reached (no\n\
         # ready pod, a timeout, a TLS error):\n\
         # - Ignore: the request is admitted unjudged. An outage of the webhook admits everything\n\
         #   it would have judged, silently.\n\
         # - Fail: the request is rejected. An outage of the webhook blocks every matching create\n\
         #   and update in the cluster, which is why kube-system and the webhook's own namespace\n\
         #   ({ns}) are excluded: the webhook and the control plane can always be repaired.\n\
         # {chosen}\n\
         #\n\
         {tls}"
    )
}

/// The whole stream: the header, then one document per object.
pub fn render(s: &Spec<'_>) -> anyhow::Result<String> {
    let options = serde_saphyr::ser_options! { prefer_block_scalars: false };
    let mut text = header(s);
    for o in objects(s)? {
        text.push_str("---\n");
        text.push_str(
            &serde_saphyr::to_string_with_options(&o, options.clone())
                .context("internal error: writing YAML")?,
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(ca: CaSource) -> Spec<'static> {
        Spec {
            namespace: "sec",
            name: "guard",
            image: "ghcr.io/stockade-dev/stockade:0.1.0",
            ca,
            failure_policy: FailurePolicy::Fail,
            timeout_seconds: 7,
            config: None,
        }
    }

    #[test]
    fn every_judged_and_context_kind_is_in_the_catalogue() {
        assert!(resources(&judged_kinds()).is_ok());
        assert!(resources(&stockade_admission::CONTEXT_KINDS).is_ok());
        assert!(judged_kinds().contains(&"Pod"));
    }

    #[test]
    fn the_stream_reads_back_as_the_objects() {
        for ca in [CaSource::CertManager, CaSource::Bundle("QUJD".into())] {
            let s = spec(ca);
            let text = render(&s).unwrap();
            let objects = objects(&s).unwrap();
            let docs: Vec<&str> = text.split("\n---\n").skip(1).collect();
            assert_eq!(docs.len(), objects.len());
            for (doc, want) in docs.iter().zip(&objects) {
                let got: Value = serde_saphyr::from_str(doc).unwrap();
                assert_eq!(&got, want, "{doc}");
            }
            assert_eq!(render(&s).unwrap(), text, "deterministic");
        }
    }
}
