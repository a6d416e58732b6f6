use crate::{Checker, Family, declare_rule};
use base64::Engine as _;
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_secrets::Confidence;
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Runs Stockade's credential detectors over the text objects carry, and reports each
    /// credential by its detector (`SD001` aws-access-key-id … `SD020` generic-secret), its
    /// field and a fingerprint, never the value. It looks at:
    ///
    /// - containers' `command` and `args` (every container, init and ephemeral included);
    /// - ConfigMap `data` and `binaryData` (decoded, when it is text);
    /// - a Secret manifest's `data` (base64-decoded) and `stringData`, `.dockerconfigjson`
    ///   registry passwords included: a Secret committed with its values is a credential in
    ///   the repository;
    /// - every object's annotations, with `kubectl.kubernetes.io/last-applied-configuration`
    ///   read as the JSON it is (it often carries a Secret's data).
    ///
    /// It leaves alone references (`secretKeyRef`, `secretName`, `envFrom`), placeholders and
    /// documentation examples (`changeme`, `${VAR}`, `<password>`, `…EXAMPLE…`), SOPS-encrypted
    /// Secrets, SealedSecrets, ExternalSecrets and SecretProviderClasses (other kinds), and
    /// Secrets read from a live cluster (their values are never read). Literal `env[].value`s
    /// are WL042's.
    ///
    /// The severity follows the detector's confidence: a format only credentials have is high,
    /// one shared with other values now and then medium, a random-looking value under a
    /// credential-like name low. The fingerprint is a keyed hash prefix of the value: the
    /// same leak has the same fingerprint in every scan, so it can be tracked and baselined.
    ///
    /// ## Why is this risky?
    /// A credential in a manifest is in Git history, CI logs and every rendered chart, and
    /// anyone who can read the ConfigMap, the workload or the repository can use it. Rotation
    /// needs a commit and a deploy.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   DATABASE_URL: postgres://app:hunter2-prod@db:5432/orders
    /// ```
    ///
    /// ## Use instead
    /// Keep the credential in a Secret created out of band (or by an external secret store)
    /// and reference it; rotate any value that was committed.
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Credential formats outside the detector list are found only under a credential-like
    /// name (`SD020`, low). Values split across fields or encoded twice are not reassembled.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.4.1
    /// - Kubernetes: "Good practices for Kubernetes Secrets"
    /// - MITRE ATT&CK T1552.001, "Unsecured Credentials: Credentials In Files"
    pub static HARDCODED_CREDENTIAL = Rule {
        id: "SC001",
        name: "hardcoded-credential",
        family: Family::Secrets,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.4.1"), Control::nsa("network/secrets"), Control::mitre("T1552.001")],
        since: "0.1.0",
        summary: "a credential is written into the object",
        remediation: "Move the credential into a Secret created out of band (or an external secret store), reference it, and rotate the committed value.",
        check: check,
    };
}

/// Kinds whose text is searched: everything that makes pods, ConfigMaps and Secrets, and the
/// kinds whose annotations commonly carry configuration.
const KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "PodTemplate",
    "ConfigMap",
    "Secret",
    "Service",
    "Ingress",
    "ServiceAccount",
    "Namespace",
];

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn severity(c: Confidence) -> Severity {
    match c {
        Confidence::High => Severity::High,
        Confidence::Medium => Severity::Medium,
        Confidence::Low => Severity::Low,
    }
}

/// Reports every detector hit in `value` (stored under `key`) at `path`.
fn scan(
    cx: &mut Checker<'_>,
    o: &Object,
    path: &FieldPath,
    key: Option<&str>,
    value: &str,
    what: &str,
) {
    for h in stockade_secrets::scan(key, value) {
        cx.report_sensitive_with_severity(
            o,
            path.clone(),
            severity(h.confidence),
            format!(
                "{what} holds {} ({} {}, {} confidence; fingerprint {})",
                summary(h.detector),
                h.detector,
                h.name,
                h.confidence.as_str(),
                h.fingerprint
            ),
        );
    }
}

fn summary(id: &str) -> &'static str {
    stockade_secrets::DETECTORS
        .iter()
        .find(|d| d.id == id)
        .map_or("a credential", |d| d.summary)
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if let Some(pod) = cx.pod_spec(o) {
        for c in pod.all_containers() {
            for field in ["command", "args"] {
                let Some(list) = c.node.get(field) else {
                    continue;
                };
                for (i, item) in list.items().iter().enumerate() {
                    if let Some(v) = item.as_str() {
                        let path = c.path_of(field).index(i);
                        let what = format!("{field}[{i}] of {}", c.describe());
                        scan(cx, o, &path, None, v, &what);
                    }
                }
            }
        }
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    match o.kind() {
        "ConfigMap" => {
            for (k, v) in o.root.get("data").map(Node::entries).unwrap_or(&[]) {
                if let Some(text) = v.as_str() {
                    let path = FieldPath::parse("data").key(&k.name);
                    scan(
                        cx,
                        o,
                        &path,
                        Some(&k.name),
                        text,
                        &format!("key {:?}", k.name.as_str()),
                    );
                }
            }
            for (k, v) in o.root.get("binaryData").map(Node::entries).unwrap_or(&[]) {
                if let Some(text) = v
                    .as_str()
                    .and_then(|s| b64.decode(s.trim()).ok())
                    .and_then(|d| String::from_utf8(d).ok())
                {
                    let path = FieldPath::parse("binaryData").key(&k.name);
                    scan(
                        cx,
                        o,
                        &path,
                        Some(&k.name),
                        &text,
                        &format!("binary key {:?} (decoded)", k.name.as_str()),
                    );
                }
            }
        }
        "Secret" if !sops_encrypted(o) => {
            for (k, v) in o.root.get("data").map(Node::entries).unwrap_or(&[]) {
                if let Some(text) = v
                    .as_str()
                    .and_then(|s| b64.decode(s.trim()).ok())
                    .and_then(|d| String::from_utf8(d).ok())
                {
                    let path = FieldPath::parse("data").key(&k.name);
                    scan(
                        cx,
                        o,
                        &path,
                        Some(&k.name),
                        &text,
                        &format!("committed Secret key {:?} (decoded)", k.name.as_str()),
                    );
                }
            }
            for (k, v) in o.root.get("stringData").map(Node::entries).unwrap_or(&[]) {
                if let Some(text) = v.as_str() {
                    let path = FieldPath::parse("stringData").key(&k.name);
                    scan(
                        cx,
                        o,
                        &path,
                        Some(&k.name),
                        text,
                        &format!("committed Secret key {:?}", k.name.as_str()),
                    );
                }
            }
        }
        _ => {}
    }
    let annotations = o
        .root
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .map(Node::entries)
        .unwrap_or(&[]);
    for (k, v) in annotations {
        let Some(text) = v.as_str() else { continue };
        let path = FieldPath::parse("metadata.annotations").key(&k.name);
        if k.name == LAST_APPLIED {
            if let Ok(applied) = serde_json::from_str::<serde_json::Value>(text) {
                let secret = applied["kind"] == "Secret";
                let mut hits = Vec::new();
                walk(&applied, None, secret, false, &mut hits);
                for (key, value) in hits {
                    scan(
                        cx,
                        o,
                        &path,
                        key.as_deref(),
                        &value,
                        &format!(
                            "the last-applied configuration (at {:?})",
                            key.as_deref().unwrap_or("")
                        ),
                    );
                }
            }
            continue;
        }
        scan(
            cx,
            o,
            &path,
            Some(&k.name),
            text,
            &format!("annotation {:?}", k.name.as_str()),
        );
    }
}

/// The string leaves of a JSON document with the key each is under; a Secret's `data` values
/// decoded.
fn walk(
    v: &serde_json::Value,
    key: Option<&str>,
    secret: bool,
    in_data: bool,
    out: &mut Vec<(Option<String>, String)>,
) {
    match v {
        serde_json::Value::String(s) => {
            let text = if in_data {
                base64::engine::general_purpose::STANDARD
                    .decode(s.trim())
                    .ok()
                    .and_then(|d| String::from_utf8(d).ok())
                    .unwrap_or_else(|| s.clone())
            } else {
                s.clone()
            };
            out.push((key.map(str::to_string), text));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, key, secret, in_data, out)),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let data = secret && key.is_none() && k == "data";
                walk(x, Some(k), secret, in_data || data, out);
            }
        }
        _ => {}
    }
}

/// Whether a Secret manifest is SOPS-encrypted (its values are ciphertext).
fn sops_encrypted(o: &Object) -> bool {
    o.root.get("sops").is_some()
}
