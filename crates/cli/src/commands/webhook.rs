//! `stockade webhook certs`: a CA and a serving certificate for the admission webhook's Service,
//! for clusters without cert-manager. Written with rcgen (ECDSA P-256); the keys are created
//! with mode 0600 and never printed.

use crate::cli::{WebhookArgs, WebhookCertsArgs, WebhookCommand, WebhookServeArgs};
use crate::webhook_server::{ServeConfig, Server, SharedContext, log};
use anyhow::{Context, bail};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use std::io::Write;
use std::path::Path;
use stockade_model::escape::TermLine;

/// Runs `webhook`.
pub fn run(args: WebhookArgs) -> anyhow::Result<u8> {
    match args.command {
        WebhookCommand::Serve(a) => serve(*a),
        WebhookCommand::Certs(a) => certs(&a),
        WebhookCommand::Manifests(a) => super::webhook_manifests::run(&a),
    }
}

fn serve(a: WebhookServeArgs) -> anyhow::Result<u8> {
    let listen: std::net::SocketAddr = a.listen.parse().map_err(|_| {
        anyhow::anyhow!(
            "--listen {}: expected ADDRESS:PORT, e.g. 0.0.0.0:8443",
            TermLine(&a.listen)
        )
    })?;
    let (settings, policy) = match &a.config {
        Some(p) => {
            let settings = stockade_engine::Settings::load(p)?;
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", TermLine(p.display())))?;
            let policy = stockade_admission::AdmissionPolicy::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", TermLine(p.display())))?;
            (settings, policy)
        }
        None => (
            stockade_engine::Settings::default(),
            stockade_admission::AdmissionPolicy::default(),
        ),
    };
    let pod_security = match &a.pod_security_config {
        Some(p) => stockade_pss::AdmissionConfig::load(p)?,
        None => stockade_pss::AdmissionConfig::default(),
    };
    let mut settings = settings;
    if !a.policy.is_empty() {
        let limits = crate::cli::InputArgs::files();
        let mut diags = Vec::new();
        super::inputs::load_policy_files(&a.policy, &limits, &mut settings, &mut diags);
        if let Some(inv) = settings.policy_files.inventory() {
            let empty = stockade_inventory::Inventory::default();
            match stockade_engine::policies::load(inv, Some(&empty)) {
                None => anyhow::bail!(
                    "--policy: no ValidatingAdmissionPolicy in {}",
                    TermLine(a.policy.join(", "))
                ),
                Some(l) => diags.extend(l.diagnostics()),
            }
        }
        if super::print_diagnostics(&diags) {
            anyhow::bail!("--policy: the policies above have errors; fix them before serving");
        }
    }
    let judge = stockade_admission::Judge::new(&settings, policy, pod_security);
    let own_namespace = a.namespace.clone().filter(|n| !n.is_empty());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let context = SharedContext::new(a.no_cluster);
        if !a.no_cluster {
            start_cache(&a, std::sync::Arc::clone(&context)).await?;
        }
        let rules: Vec<&str> = judge.rules().iter().map(|r| r.id).collect();
        let server = Server::bind(ServeConfig {
            listen,
            tls: a.tls_cert.clone().zip(a.tls_key.clone()),
            judge,
            context,
            own_namespace: own_namespace.clone(),
            has_cluster: !a.no_cluster,
        })
        .await?;
        let addr = server.local_addr().unwrap_or(listen);
        log(serde_json::json!({
            "ts": stockade_model::time::now_rfc3339(),
            "level": "info",
            "msg": "listening",
            "address": addr.to_string(),
            "tls": a.tls_cert.is_some(),
            "namespace": own_namespace,
            "rules": rules,
            "cluster": !a.no_cluster,
        }));
        server.run(crate::serve::signal()).await?;
        log(serde_json::json!({"ts": stockade_model::time::now_rfc3339(), "level": "info", "msg": "stopped"}));
        anyhow::Ok(0u8)
    })
}

/// Connects to the API server and keeps the context cache: rebuilt at most every 100 ms
/// after a watch event, and marked ready once every context kind has been listed.
async fn start_cache(
    a: &WebhookServeArgs,
    context: std::sync::Arc<SharedContext>,
) -> anyhow::Result<()> {
    let opts = stockade_cluster::ClusterOptions {
        kubeconfig: a.kubeconfig.clone(),
        context: a.context.clone(),
        ..stockade_cluster::ClusterOptions::default()
    };
    let conn = stockade_cluster::connect(&opts).await?;
    let resources: Vec<stockade_model::kinds::Resource> = stockade_admission::CONTEXT_KINDS
        .iter()
        .filter_map(|k| {
            stockade_model::kinds::RESOURCES
                .iter()
                .find(|r| r.kind == *k)
                .copied()
        })
        .collect();
    let cache = stockade_cluster::watch::WatchCache::start(conn.client, &resources, |r, e| {
        log(serde_json::json!({
            "ts": stockade_model::time::now_rfc3339(),
            "level": "warning",
            "msg": "watch failed; retrying",
            "resource": r.path_name(),
            "error": e,
        }));
    });
    tokio::spawn(async move {
        let mut was_synced = false;
        loop {
            cache.changed().await;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let synced = cache.synced();
            let kinds = cache.synced_kinds();
            let cx = stockade_admission::Context::new(cache.objects(), &kinds);
            context.set(cx, synced);
            if synced && !was_synced {
                log(serde_json::json!({
                    "ts": stockade_model::time::now_rfc3339(),
                    "level": "info",
                    "msg": "context cache synced",
                    "kinds": kinds,
                }));
                was_synced = true;
            }
        }
    });
    Ok(())
}

const FILES: [&str; 4] = ["ca.crt", "ca.key", "tls.crt", "tls.key"];

fn certs(a: &WebhookCertsArgs) -> anyhow::Result<u8> {
    for part in [&a.service, &a.namespace] {
        if !is_dns_label(part) {
            bail!(
                "`{}` is not a DNS label (lowercase letters, digits and `-`, at most 63, starting and ending with a letter or digit)",
                TermLine(part)
            );
        }
    }
    let mut names = vec![
        a.service.clone(),
        format!("{}.{}", a.service, a.namespace),
        format!("{}.{}.svc", a.service, a.namespace),
        format!("{}.{}.svc.cluster.local", a.service, a.namespace),
    ];
    names.extend(a.sans.iter().cloned());
    if !a.force
        && let Some(f) = FILES.iter().find(|f| a.dir.join(f).exists())
    {
        bail!(
            "{} exists; pass --force to overwrite it",
            TermLine(a.dir.join(f).display())
        );
    }
    // From yesterday (clock skew between machines) to `days` after today, at midnight UTC.
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs() / 86_400).unwrap_or(0));
    let at = |day: i64| {
        let (y, m, d) = stockade_model::time::civil_from_days(day);
        rcgen::date_time_ymd(
            i32::try_from(y).unwrap_or(2000),
            u8::try_from(m).unwrap_or(1),
            u8::try_from(d).unwrap_or(1),
        )
    };
    let (not_before, not_after) = (at(today - 1), at(today + i64::from(a.days)));

    let ca_key = KeyPair::generate().context("generating the CA key")?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name = dn(&format!("stockade webhook CA ({})", a.namespace));
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = not_before;
    ca.not_after = not_after;
    let ca_cert = ca.self_signed(&ca_key).context("signing the CA")?;
    let issuer = rcgen::Issuer::new(ca, &ca_key);

    let key = KeyPair::generate().context("generating the serving key")?;
    let mut leaf = CertificateParams::default();
    leaf.distinguished_name = dn(&names[2]);
    leaf.subject_alt_names = names
        .iter()
        .map(|n| match n.parse::<std::net::IpAddr>() {
            Ok(ip) => Ok(SanType::IpAddress(ip)),
            Err(_) if n.split('.').all(is_dns_label) => n
                .clone()
                .try_into()
                .map(SanType::DnsName)
                .map_err(|_| anyhow::anyhow!("`{}` is not a DNS name", TermLine(n))),
            Err(_) => Err(anyhow::anyhow!(
                "--san `{}` is neither an IP address nor a DNS name (lowercase labels of letters, digits and `-`, separated by dots)",
                TermLine(n)
            )),
        })
        .collect::<anyhow::Result<_>>()?;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let cert = leaf
        .signed_by(&key, &issuer)
        .context("signing the serving certificate")?;

    std::fs::create_dir_all(&a.dir)
        .with_context(|| format!("cannot create {}", a.dir.display()))?;
    write(&a.dir.join("ca.crt"), ca_cert.pem().as_bytes(), false)?;
    write(
        &a.dir.join("ca.key"),
        ca_key.serialize_pem().as_bytes(),
        true,
    )?;
    write(&a.dir.join("tls.crt"), cert.pem().as_bytes(), false)?;
    write(&a.dir.join("tls.key"), key.serialize_pem().as_bytes(), true)?;
    eprintln!(
        "wrote ca.crt, ca.key, tls.crt and tls.key to {} for {} (valid {} days); put ca.crt in the webhook's caBundle",
        TermLine(a.dir.display()),
        TermLine(&names[2]),
        a.days
    );
    Ok(0)
}

fn dn(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

pub(super) fn is_dns_label(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Writes a file; keys are created with mode 0600 (on Unix) before any byte is written.
fn write(path: &Path, bytes: &[u8], secret: bool) -> anyhow::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = o
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        // An existing file keeps its mode on open: tighten it.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(bytes)?;
    Ok(())
}
