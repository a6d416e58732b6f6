//! `stockade secrets`: objects (manifests or `--cluster`) → the RBAC model and the reference
//! graph → the exposure of each Secret (`stockade_secrets::exposure`) → table, JSON or
//! Markdown.

use super::inputs;
use crate::cli::{SecretsArgs, SecretsFormat};
use anyhow::Context;
use std::io::Write;
use stockade_model::DiagnosticLevel;
use stockade_model::escape::TermLine;
use stockade_rbac::{Model, ModelOptions};
use stockade_secrets::etcd::{AtRest, EncryptionCheck, EtcdOptions};

pub fn run(args: SecretsArgs) -> anyhow::Result<u8> {
    let mut encryption = Vec::new();
    if let Some(root) = &args.node_root {
        let node = stockade_bench::node::Node::read(root);
        match stockade_bench::encryption::from_node(&node)
            .map_err(|e| anyhow::anyhow!("--node-root: {}", TermLine(e)))?
        {
            None => encryption.push(EncryptionCheck {
                source: format!("kube-apiserver on {}", root.display()),
                verdict: "PLAINTEXT: the API server runs without --encryption-provider-config"
                    .into(),
                encrypted: false,
                caveat: None,
            }),
            Some((path, f)) => encryption.push(check_of(
                format!("{path}:{}:{}", f.line, f.column),
                f.verdict,
            )),
        }
    }
    if let Some(path) = &args.encryption_config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let f = stockade_bench::encryption::secrets(path, &text)
            .map_err(|e| anyhow::anyhow!("{}", TermLine(e)))?;
        encryption.push(check_of(
            format!("{}:{}:{}", path.display(), f.line, f.column),
            f.verdict,
        ));
    }
    if args.verify_encryption {
        let opts = EtcdOptions {
            endpoint: args.etcd_endpoint.clone().unwrap_or_default(),
            ca: args.etcd_ca.clone(),
            cert: args.etcd_cert.clone(),
            key: args.etcd_key.clone(),
            prefix: args.etcd_prefix.clone(),
            secret: args.etcd_secret.clone(),
            timeout: std::time::Duration::from_secs(10),
        };
        let v = stockade_secrets::etcd::verify(&opts)
            .map_err(|e| anyhow::anyhow!("{}", TermLine(e)))?;
        encryption.push(EncryptionCheck {
            source: format!("etcd {}", v.key),
            verdict: v.at_rest.describe(),
            encrypted: v.at_rest != AtRest::Plaintext,
            caveat: v.at_rest.caveat().map(str::to_string),
        });
    }
    // Objects: unless only encryption was asked about.
    let objects = args.input.cluster || !args.input.paths.is_empty() || encryption.is_empty();
    let loaded = if objects {
        inputs::load(&args.input)?
    } else {
        inputs::Loaded::empty()
    };
    super::print_diagnostics(&loaded.diagnostics);
    let unread = loaded.unread_of(&[
        "Secret",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
    ]);
    if !unread.is_empty() {
        eprintln!(
            "stockade: could not read {}: the answer is incomplete",
            TermLine(unread.join(", "))
        );
    }
    let m = Model::build(
        &loaded.inv,
        ModelOptions {
            defaults: !args.no_defaults,
        },
    );
    let secrets = stockade_secrets::exposure::exposure(&loaded.inv, &m, args.namespace.as_deref());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let r = match args.output {
        SecretsFormat::Table => {
            stockade_report::secrets::text::render(&secrets, &encryption, &mut out)
        }
        SecretsFormat::Json => {
            stockade_report::secrets::json::render(&secrets, &encryption, &mut out)
        }
        SecretsFormat::Markdown => {
            stockade_report::secrets::markdown::render(&secrets, &encryption, &mut out)
        }
    };
    if let Err(e) = r.and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    let errors = loaded
        .diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error);
    Ok(if errors || !unread.is_empty() {
        2
    } else if encryption.iter().any(|e| !e.encrypted)
        || (args.fail_on_broad && secrets.iter().any(|s| !s.broad.is_empty()))
    {
        1
    } else {
        0
    })
}

/// An encryption check from the benchmark's verdict on an EncryptionConfiguration.
fn check_of(source: String, v: stockade_bench::encryption::Verdict) -> EncryptionCheck {
    use stockade_bench::encryption::Verdict;
    let (verdict, encrypted, caveat) = match v {
        Verdict::Encrypted { provider } => (
            format!("new Secrets are encrypted by {provider}"),
            true,
            None,
        ),
        Verdict::Weak { provider, why } => (
            format!("new Secrets are encrypted by {provider}"),
            true,
            Some(why),
        ),
        Verdict::Plaintext { why } => (format!("PLAINTEXT: {why}"), false, None),
    };
    EncryptionCheck {
        source,
        verdict,
        encrypted,
        caveat,
    }
}
