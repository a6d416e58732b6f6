//! Proof of encryption at rest: one Secret's value read raw from etcd (its v3 JSON gateway,
//! `POST /v3/kv/range`) and judged by its envelope. The API server writes encrypted values
//! with a `k8s:enc:<provider>:<version>:<key name>:` prefix; anything else is plaintext
//! (protobuf `k8s\0…` or JSON). The value itself is dropped at once: only the provider and
//! key name are kept.

use base64::Engine as _;
use std::path::PathBuf;
use std::time::Duration;

/// Where etcd is and how to authenticate.
#[derive(Clone, Debug, Default)]
pub struct EtcdOptions {
    /// `https://HOST:2379` (or `http://` for a loopback etcd without TLS).
    pub endpoint: String,
    /// CA that signs etcd's serving certificate.
    pub ca: Option<PathBuf>,
    /// Client certificate and key (etcd's `--client-cert-auth`).
    pub cert: Option<PathBuf>,
    /// The client key.
    pub key: Option<PathBuf>,
    /// The API server's `--etcd-prefix` (default `/registry`).
    pub prefix: String,
    /// `NAMESPACE/NAME` of the Secret to read; the first one etcd holds when `None`.
    pub secret: Option<String>,
    /// Request timeout.
    pub timeout: Duration,
}

/// How a value is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AtRest {
    /// Encrypted by `provider` (`aescbc`, `aesgcm`, `secretbox`, `kms`), envelope `version`,
    /// with the key named `key`.
    Encrypted {
        /// The provider.
        provider: String,
        /// `v1`, `v2`.
        version: String,
        /// The key's name in the EncryptionConfiguration.
        key: String,
    },
    /// Stored as written: anyone who can read etcd or its backups reads the Secret.
    Plaintext,
}

impl AtRest {
    /// One line: `encrypted (aescbc v1, key key1)` or `PLAINTEXT`.
    pub fn describe(&self) -> String {
        match self {
            AtRest::Encrypted {
                provider,
                version,
                key,
            } => format!("encrypted ({provider} {version}, key {key})"),
            AtRest::Plaintext => "PLAINTEXT: stored unencrypted in etcd".into(),
        }
    }

    /// A caveat about the provider, when there is one.
    pub fn caveat(&self) -> Option<&'static str> {
        match self {
            AtRest::Encrypted {
                provider, version, ..
            } => match (provider.as_str(), version.as_str()) {
                ("kms", "v1") => Some("KMS v1 is deprecated: move to KMS v2"),
                ("aescbc", _) => {
                    Some("aescbc is open to padding-oracle attacks: prefer KMS v2 or secretbox")
                }
                ("aesgcm", _) => {
                    Some("aesgcm needs its key rotated every 200,000 writes: prefer KMS v2")
                }
                _ => None,
            },
            AtRest::Plaintext => None,
        }
    }
}

/// Judges a raw etcd value by its envelope.
pub fn classify(value: &[u8]) -> AtRest {
    let Some(rest) = value.strip_prefix(b"k8s:enc:") else {
        return AtRest::Plaintext;
    };
    let mut parts = rest.splitn(4, |b| *b == b':');
    let field = |p: Option<&[u8]>| {
        p.map(|b| {
            String::from_utf8_lossy(b)
                .chars()
                .filter(|c| !c.is_control())
                .take(64)
                .collect::<String>()
        })
        .unwrap_or_default()
    };
    let provider = field(parts.next());
    let version = field(parts.next());
    let key = field(parts.next());
    AtRest::Encrypted {
        provider,
        version,
        key,
    }
}

/// One encryption-at-rest check, as reports show it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptionCheck {
    /// What was checked: `FILE:LINE:COL` of an EncryptionConfiguration, or `etcd KEY`.
    pub source: String,
    /// The verdict, one line.
    pub verdict: String,
    /// Whether new Secrets are (or this one is) encrypted.
    pub encrypted: bool,
    /// A caveat about the provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
}

/// What was read: the etcd key (`/registry/secrets/NS/NAME`) and how its value is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The etcd key.
    pub key: String,
    /// How the value is stored.
    pub at_rest: AtRest,
}

fn agent(o: &EtcdOptions) -> Result<ureq::Agent, String> {
    use ureq::tls::{Certificate, ClientCert, PemItem, RootCerts, TlsConfig, parse_pem};
    let read = |p: &PathBuf| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut tls = TlsConfig::builder().provider(ureq::tls::TlsProvider::Rustls);
    if let Some(ca) = &o.ca {
        let pem = read(ca)?;
        let certs: Vec<Certificate<'static>> = parse_pem(&pem)
            .filter_map(|i| match i {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(format!("{}: no certificate", ca.display()));
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    match (&o.cert, &o.key) {
        (Some(c), Some(k)) => {
            let cpem = read(c)?;
            let certs: Vec<Certificate<'static>> = parse_pem(&cpem)
                .filter_map(|i| match i {
                    Ok(PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            let kpem = read(k)?;
            let key = parse_pem(&kpem)
                .find_map(|i| match i {
                    Ok(PemItem::PrivateKey(k)) => Some(k),
                    _ => None,
                })
                .ok_or_else(|| format!("{}: no private key", k.display()))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
        }
        (None, None) => {}
        _ => return Err("--etcd-cert and --etcd-key go together".into()),
    }
    Ok(ureq::Agent::config_builder()
        .tls_config(tls.build())
        .http_status_as_error(false)
        .timeout_global(Some(o.timeout))
        .build()
        .into())
}

/// Reads one Secret's raw value from etcd and judges it; the value is never returned.
pub fn verify(o: &EtcdOptions) -> Result<Verified, String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let prefix = if o.prefix.is_empty() {
        "/registry"
    } else {
        o.prefix.trim_end_matches('/')
    };
    let (key, range_end) = match &o.secret {
        Some(s) => (format!("{prefix}/secrets/{s}"), None),
        None => {
            let k = format!("{prefix}/secrets/");
            let mut end = k.clone().into_bytes();
            if let Some(last) = end.last_mut() {
                *last += 1;
            }
            (k, Some(end))
        }
    };
    let mut body = serde_json::json!({"key": b64.encode(key.as_bytes()), "limit": 1});
    if let Some(end) = &range_end {
        body["range_end"] = b64.encode(end).into();
    }
    let url = format!("{}/v3/kv/range", o.endpoint.trim_end_matches('/'));
    let mut resp = agent(o)?
        .post(&url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .map_err(|e| format!("etcd at {}: {e}", o.endpoint))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .map_err(|e| format!("etcd at {}: {e}", o.endpoint))?;
    if status != 200 {
        return Err(format!(
            "etcd at {} answered {status} to the range request (is it etcd's client port, and do the client certificates match?)",
            o.endpoint
        ));
    }
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| format!("etcd at {} did not answer with JSON", o.endpoint))?;
    let kv = doc["kvs"]
        .as_array()
        .and_then(|a| a.first())
        .ok_or_else(|| match &o.secret {
            Some(s) => {
                format!("etcd has no key {prefix}/secrets/{s} (check --etcd-prefix and the name)")
            }
            None => format!("etcd has no Secret under {prefix}/secrets/ (check --etcd-prefix)"),
        })?;
    let found_key = kv["key"]
        .as_str()
        .and_then(|k| b64.decode(k).ok())
        .map(|k| String::from_utf8_lossy(&k).into_owned())
        .unwrap_or(key);
    let value = kv["value"]
        .as_str()
        .and_then(|v| b64.decode(v).ok())
        .ok_or("etcd's answer holds no value")?;
    let at_rest = classify(&value);
    drop(value);
    Ok(Verified {
        key: found_key,
        at_rest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes() {
        assert_eq!(
            classify(b"k8s:enc:aescbc:v1:key1:\x8f\x01binary"),
            AtRest::Encrypted {
                provider: "aescbc".into(),
                version: "v1".into(),
                key: "key1".into()
            }
        );
        let kms = classify(b"k8s:enc:kms:v2:vault:\x00\x01");
        assert_eq!(kms.caveat(), None);
        assert!(
            classify(b"k8s:enc:kms:v1:old:x")
                .caveat()
                .unwrap()
                .contains("deprecated")
        );
        assert_eq!(
            classify(b"k8s\x00\n\x0c\n\x02v1\x12\x06Secret"),
            AtRest::Plaintext
        );
        assert_eq!(classify(b"{\"kind\":\"Secret\"}"), AtRest::Plaintext);
        // A hostile key name cannot carry control characters into a terminal.
        let AtRest::Encrypted { key, .. } = classify(b"k8s:enc:secretbox:v1:\x1b[31mx:") else {
            panic!()
        };
        assert!(!key.contains('\u{1b}'));
    }
}
