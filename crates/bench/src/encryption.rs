//! The API server's encryption at rest (`--encryption-provider-config`, an
//! `apiserver.config.k8s.io/v1` EncryptionConfiguration): for Secrets, which provider writes
//! new data. The first provider of the entry that covers a resource encrypts what is written;
//! the others only read. `identity` first stores Secrets in plaintext in etcd, whatever follows
//! it; KMS v1 is deprecated (KMS v2 replaces it); `aesgcm` needs key rotation every 200,000
//! writes; `aescbc` is open to padding-oracle attacks (the CIS benchmark still accepts it).

use std::path::Path;
use stockade_sources::Node;

/// How Secrets are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Encrypted by a recommended provider (`kms` v2, `secretbox`).
    Encrypted {
        /// The provider.
        provider: String,
    },
    /// Encrypted, with a caveat (KMS v1, `aesgcm`, `aescbc`).
    Weak {
        /// The provider.
        provider: String,
        /// Why it is not recommended.
        why: String,
    },
    /// Stored in plaintext: `identity` first, or no entry covers Secrets.
    Plaintext {
        /// Why.
        why: String,
    },
}

/// What was found, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The verdict for Secrets.
    pub verdict: Verdict,
    /// Line and column of the provider (or of the file's start).
    pub line: u32,
    /// Column.
    pub column: u32,
}

fn covers_secrets(resources: &Node) -> bool {
    resources
        .items()
        .iter()
        .filter_map(Node::as_str)
        .any(|r| matches!(r, "secrets" | "*.*" | "*."))
}

/// Judges an EncryptionConfiguration's text; `Err` says why it is not one.
pub fn secrets(path: &Path, text: &str) -> Result<Finding, String> {
    let loaded =
        stockade_sources::yaml::load(text, 0, stockade_sources::yaml::YamlLimits::default())
            .map_err(|e| format!("{}: {e}", path.display()))?;
    let doc = loaded
        .docs
        .first()
        .ok_or_else(|| format!("{}: empty file", path.display()))?;
    let kind = doc.get("kind").and_then(Node::as_str);
    if kind != Some("EncryptionConfiguration") {
        return Err(format!(
            "{}: kind is {}, not EncryptionConfiguration",
            path.display(),
            kind.map_or("missing".to_string(), |k| format!("{k:?}"))
        ));
    }
    // The first entry whose resources cover Secrets decides (later entries are not consulted).
    let entry = doc
        .get("resources")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .find(|e| e.get("resources").is_some_and(covers_secrets));
    let Some(entry) = entry else {
        return Ok(Finding {
            verdict: Verdict::Plaintext {
                why: "no entry covers secrets".into(),
            },
            line: doc.pos.line,
            column: doc.pos.col,
        });
    };
    let Some(first) = entry.get("providers").and_then(|p| p.items().first()) else {
        return Ok(Finding {
            verdict: Verdict::Plaintext {
                why: "the entry for secrets lists no provider".into(),
            },
            line: entry.pos.line,
            column: entry.pos.col,
        });
    };
    let Some((key, body)) = first.entries().first() else {
        return Err(format!(
            "{}:{}:{}: a provider must be a mapping such as `aescbc: {{keys: [...]}}`",
            path.display(),
            first.pos.line,
            first.pos.col
        ));
    };
    let provider = key.name.to_string();
    // A key-based provider with no usable key: the API server refuses the file.
    if matches!(provider.as_str(), "aescbc" | "aesgcm" | "secretbox") {
        let keys = body.get("keys").map(Node::items).unwrap_or(&[]);
        let usable = keys.iter().any(|k| {
            k.get("name")
                .and_then(Node::as_str)
                .is_some_and(|n| !n.is_empty())
                && k.get("secret")
                    .and_then(Node::as_str)
                    .is_some_and(|s| !s.is_empty())
        });
        if !usable {
            return Err(format!(
                "{}:{}:{}: {provider} lists no key with a name and a secret: the API server refuses this configuration",
                path.display(),
                key.pos.line,
                key.pos.col
            ));
        }
    }
    let verdict = match provider.as_str() {
        "identity" => Verdict::Plaintext {
            why: "identity is the first provider, so Secrets are written unencrypted".into(),
        },
        "kms" => {
            let v2 = body.get("apiVersion").and_then(Node::as_str) == Some("v2");
            if v2 {
                Verdict::Encrypted {
                    provider: "kms (v2)".into(),
                }
            } else {
                Verdict::Weak {
                    provider: "kms (v1)".into(),
                    why: "KMS v1 is deprecated and disabled by default since Kubernetes 1.29; use apiVersion: v2".into(),
                }
            }
        }
        "aesgcm" => Verdict::Weak {
            provider,
            why: "aesgcm keys must be rotated every 200,000 writes; prefer kms v2".into(),
        },
        "aescbc" => Verdict::Weak {
            provider,
            why: "aescbc is open to padding-oracle attacks and its key sits on the control-plane host; the CIS benchmark accepts it, kms v2 or secretbox are better".into(),
        },
        "secretbox" => Verdict::Encrypted { provider },
        other => {
            return Err(format!(
                "{}:{}:{}: unknown provider {other:?}",
                path.display(),
                key.pos.line,
                key.pos.col
            ));
        }
    };
    Ok(Finding {
        verdict,
        line: key.pos.line,
        column: key.pos.col,
    })
}

/// The API server's encryption configuration on `node`, judged: `(path, finding)`, or
/// `Ok(None)` when the API server runs without `--encryption-provider-config` (Secrets in
/// plaintext). `Err` when no API server runs there, or the file cannot be read or judged.
pub fn from_node(node: &crate::node::Node) -> Result<Option<(String, Finding)>, String> {
    let Some((flags, _)) = node.flags_of(crate::process::Component::ApiServer) else {
        return Err(format!(
            "{}: no kube-apiserver found (static pod manifest or process): run on a control-plane node, or give --encryption-config",
            node.root().display()
        ));
    };
    let Some(f) = flags
        .iter()
        .rev()
        .find(|f| f.name == "encryption-provider-config")
    else {
        return Ok(None);
    };
    let text = node.read_file(Path::new(&f.value))?;
    secrets(Path::new(&f.value), &text).map(|found| Some((f.value.clone(), found)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(text: &str) -> Result<Finding, String> {
        secrets(Path::new("/etc/kubernetes/enc.yaml"), text)
    }

    const HEAD: &str =
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n";

    #[test]
    fn the_first_provider_of_the_entry_for_secrets_decides() {
        assert!(
            judge(&format!(
                "{HEAD}- resources: [secrets]\n  providers:\n  - secretbox:\n      keys: []\n"
            ))
            .unwrap_err()
            .contains("no key")
        );
        let f = judge(&format!("{HEAD}- resources: [secrets]\n  providers:\n  - identity: {{}}\n  - aescbc:\n      keys: [{{name: k, secret: c2VjcmV0}}]\n")).unwrap();
        assert!(matches!(f.verdict, Verdict::Plaintext { .. }), "{f:?}");
        assert_eq!((f.line, f.column), (6, 5));
        let f = judge(&format!("{HEAD}- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{{name: k, secret: c2VjcmV0}}]\n  - identity: {{}}\n")).unwrap();
        assert!(
            matches!(&f.verdict, Verdict::Weak { provider, .. } if provider == "aescbc"),
            "{f:?}"
        );
        let f = judge(&format!("{HEAD}- resources: [secrets]\n  providers:\n  - kms:\n      name: vault\n      endpoint: unix:///kms.sock\n")).unwrap();
        assert!(matches!(f.verdict, Verdict::Weak { .. }));
        let f = judge(&format!("{HEAD}- resources: [secrets]\n  providers:\n  - kms:\n      apiVersion: v2\n      name: vault\n")).unwrap();
        assert_eq!(
            f.verdict,
            Verdict::Encrypted {
                provider: "kms (v2)".into()
            }
        );
        // An earlier entry for secrets wins over a later one.
        let f = judge(&format!("{HEAD}- resources: [configmaps]\n  providers: [{{aescbc: {{}}}}]\n- resources: [secrets]\n  providers: [{{identity: {{}}}}]\n- resources: ['*.*']\n  providers: [{{aescbc: {{}}}}]\n")).unwrap();
        assert!(matches!(f.verdict, Verdict::Plaintext { .. }));
        let f = judge(&format!(
            "{HEAD}- resources: [configmaps]\n  providers: [{{aescbc: {{}}}}]\n"
        ))
        .unwrap();
        assert_eq!(
            f.verdict,
            Verdict::Plaintext {
                why: "no entry covers secrets".into()
            }
        );
        let f = judge(&format!(
            "{HEAD}- resources: ['*.*']\n  providers: [{{secretbox: {{keys: [{{name: k, secret: c2VjcmV0}}]}}}}]\n"
        ))
        .unwrap();
        assert_eq!(
            f.verdict,
            Verdict::Encrypted {
                provider: "secretbox".into()
            }
        );
    }

    #[test]
    fn files_that_are_not_encryption_configurations_are_errors() {
        assert!(judge("").unwrap_err().contains("empty"));
        assert!(
            judge("kind: Pod\n")
                .unwrap_err()
                .contains("not EncryptionConfiguration")
        );
        assert!(
            judge(&format!(
                "{HEAD}- resources: [secrets]\n  providers: [rot13]\n"
            ))
            .unwrap_err()
            .contains("must be a mapping")
        );
        assert!(
            judge(&format!(
                "{HEAD}- resources: [secrets]\n  providers: [{{rot13: {{}}}}]\n"
            ))
            .unwrap_err()
            .contains("unknown provider")
        );
        assert!(judge("kind: [\n").unwrap_err().contains("enc.yaml"));
    }
}
