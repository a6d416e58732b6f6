//! `stockade webhook certs`: a CA and a serving certificate for the admission webhook's Service,
//! for clusters without cert-manager. Written with rcgen (ECDSA P-256); the keys are created
//! with mode 0600 and never printed.

use crate::cli::{WebhookArgs, WebhookCertsArgs, WebhookCommand};
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
        WebhookCommand::Certs(a) => certs(&a),
        WebhookCommand::Manifests(a) => super::webhook_manifests::run(&a),
    }
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
