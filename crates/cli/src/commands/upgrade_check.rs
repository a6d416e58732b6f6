//! `stockade upgrade-check`: objects (manifests or `--cluster`, optionally Helm release
//! records) → the engine with HY013 (removed API versions, at the target) and HY012 (skew the
//! upgrade leaves behind) → plus `stockade_updates::upgrade` (end of life, upgrade path,
//! Pod Security changes, audit-log callers, CVEs fixed, flags removed on the nodes given) →
//! one standard report, every format.

use super::inputs;
use crate::cli::UpgradeCheckArgs;
use anyhow::Context;
use stockade_engine::{Settings, today};
use stockade_model::escape::TermLine;
use stockade_updates::osv::Db;
use stockade_updates::upgrade::{self, Target};
use stockade_updates::version::Version;

pub fn run(args: UpgradeCheckArgs) -> anyhow::Result<u8> {
    let to = Target::parse(&args.to).ok_or_else(|| {
        anyhow::anyhow!(
            "--to {}: expected a Kubernetes release such as v1.37 or v1.37.2",
            TermLine(&args.to)
        )
    })?;
    let from_arg = args
        .from
        .as_deref()
        .map(|f| {
            Version::parse(f).filter(|v| v.major == 1).ok_or_else(|| {
                anyhow::anyhow!(
                    "--from {}: expected a Kubernetes version such as v1.33.2",
                    TermLine(f)
                )
            })
        })
        .transpose()?;
    let db = match &args.cve_data {
        Some(p) => Db::load(p).map_err(|e| anyhow::anyhow!("--cve-data {}", TermLine(e)))?,
        None => Db::embedded(),
    };
    let audit_files = if args.audit_log.is_empty() {
        Vec::new()
    } else {
        let files = stockade_audit::reader::expand_inputs(&args.audit_log)
            .context("cannot list the audit logs")?;
        stockade_audit::reader::order_rotated(files)
    };

    // Objects: none unless asked for (the version checks need none).
    let read_objects = args.input.cluster || !args.input.paths.is_empty();
    let loaded = if read_objects {
        inputs::load(&args.input)?
    } else {
        inputs::Loaded::empty()
    };
    let helm = if args.helm_releases {
        Some(inputs::helm_releases(&args.input)?)
    } else {
        None
    };
    let from = from_arg.or_else(|| loaded.server_version.as_deref().and_then(Version::parse));
    let pss = match &from {
        Some(f) => upgrade::pod_security(
            &loaded.inv,
            u32::try_from(f.minor).unwrap_or(u32::MAX),
            to.minor(),
        ),
        None => upgrade::Outcome::default(),
    };

    let mut settings = Settings::default();
    settings
        .select_rules(&["HY013", "HY012"], &["all"])
        .map_err(|(what, m)| anyhow::anyhow!("{what}: {m}"))?;
    let target = format!("v1.{}", to.minor());
    settings
        .options
        .entry("HY013")
        .or_default()
        .insert("target-version".into(), target.clone().into());
    let skew = settings.options.entry("HY012").or_default();
    skew.insert("control-plane-version".into(), target.into());
    skew.insert("nodes-only".into(), true.into());
    let out = stockade_engine::run(&loaded.inv, &settings, None, &today());
    let mut report = inputs::report(loaded, out, &settings, None);
    if let Some(helm) = helm {
        // Each release's manifest: the removed API versions its next upgrade would send.
        let mut only_apis = Settings::default();
        only_apis
            .select_rules(&["HY013"], &["all"])
            .map_err(|(what, m)| anyhow::anyhow!("{what}: {m}"))?;
        only_apis.options = settings.options.clone();
        let out = stockade_engine::run(&helm.inv, &only_apis, None, &today());
        let files = helm.files_scanned;
        let helm_report = inputs::report(helm, out, &only_apis, None);
        report.findings.extend(helm_report.findings);
        report.suppressed.extend(helm_report.suppressed);
        report.diagnostics.extend(helm_report.diagnostics);
        report.summary.files_scanned += files;
    }

    let versions = upgrade::versions(from.as_ref(), &to, &db, &today());
    let audit = upgrade::audit(
        &audit_files,
        to.minor(),
        stockade_audit::reader::DEFAULT_MAX_LINE,
    );
    let flags = upgrade::removed_flags(
        &args.node_root,
        from.as_ref().and_then(|f| u32::try_from(f.minor).ok()),
        to.minor(),
    );
    if from.is_none() {
        report.diagnostics.push(stockade_model::Diagnostic::general(
            stockade_model::DiagnosticLevel::Warning,
            "no-current-version",
            "the current release is not known (give --from, or --cluster): the upgrade path, Pod Security changes, the current release's end of life and the CVEs fixed are not checked",
        ));
    }
    report.rules.extend(upgrade::rules());
    for o in [versions, pss, audit, flags] {
        report.findings.extend(o.findings);
        report.rules.extend(o.rules);
        report.diagnostics.extend(o.diagnostics);
    }
    stockade_engine::sort_findings(&mut report.findings);
    report.rules.sort_by(|a, b| a.id.cmp(&b.id));
    report.rules.dedup_by(|a, b| a.id == b.id);
    report.summary.rules_run += upgrade::CHECKS.len();
    report.summary.by_severity.clear();
    for f in &report.findings {
        *report.summary.by_severity.entry(f.severity).or_default() += 1;
    }

    super::write_report(&report, args.output, args.output_file.as_deref())?;
    Ok(report.exit_code(Some(args.fail_on), true))
}
