//! `stockade pss`: the verdicts of the PodSecurity admission for every workload object, at a
//! level and version (`--level`), or by each namespace's `pod-security.kubernetes.io` labels,
//! and `--readiness` per namespace.
//!
//! Parse → assess (`stockade_pss::answer`) → findings and suppressions (`stockade_engine`) →
//! render (`stockade_report::pss`, or the standard report for sarif, junit and markdown).

use super::inputs::{self, Loaded};
use crate::cli::{PssArgs, PssFormat};
use anyhow::Context;
use std::io::Write;
use stockade_engine::PssFindings;
use stockade_model::{Report, RuleInfo};
use stockade_pss::answer::{Assessment, Options, assess};
use stockade_pss::{AdmissionConfig, Level, Version};

pub fn run(args: PssArgs) -> anyhow::Result<u8> {
    let settings = inputs::settings(&args.input, args.config.as_deref(), args.no_config)?;
    let version = Version::parse(&args.version)
        .map_err(|e| anyhow::anyhow!("--version {e}; for example --version v1.33"))?;
    let level = args
        .level
        .as_deref()
        .map(Level::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--level {e}"))?;
    let config = match &args.admission_config {
        Some(p) => AdmissionConfig::load(p).context("--admission-config")?,
        None => AdmissionConfig::default(),
    };
    let loaded = inputs::load(&args.input)?;
    let rule_of = |check: &str| stockade_rules::pss::rule_for_check(check).map(|r| r.id);
    let opts = Options {
        level,
        version,
        config: &config,
        namespace: &args.namespace,
        user: args.as_user.as_deref(),
        readiness: args.readiness,
        rule_of: &rule_of,
    };
    let mut a = assess(&loaded.inv, loaded.diagnostics.clone(), &opts);
    // The findings behind `-o sarif|junit|markdown`; the suppressions `scan` applies (the
    // objects' `stockade.dev/ignore` annotations, `.stockade.yaml` entries) apply to them in
    // every format, and to the exit code.
    let found = stockade_engine::pss_findings(
        &mut a,
        &loaded.inv,
        Some(&settings),
        &stockade_engine::today(),
    );

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.output {
        PssFormat::Json => stockade_report::pss::json::render(&a, &mut out),
        PssFormat::Table => stockade_report::pss::text::render(&a, &mut out),
        PssFormat::Sarif | PssFormat::Junit | PssFormat::Markdown => {
            let format = match args.output {
                PssFormat::Sarif => stockade_report::Format::Sarif,
                PssFormat::Junit => stockade_report::Format::Junit,
                _ => stockade_report::Format::Markdown,
            };
            let report = to_report(&a, loaded, found);
            stockade_report::render(&report, format, &mut out, false)
        }
    };
    if let Err(e) = written.and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }

    Ok(if a.input_error() {
        2
    } else if args.readiness {
        0
    } else {
        u8::from(a.fails())
    })
}

/// The findings as a standard report, for `-o sarif|junit|markdown`.
fn to_report(a: &Assessment, loaded: Loaded, found: PssFindings) -> Report {
    let mut report = Report::new(env!("CARGO_PKG_VERSION"));
    report.rules = found
        .rules
        .iter()
        .map(|r| RuleInfo {
            id: r.id.to_string(),
            name: r.name.to_string(),
            summary: r.summary.to_string(),
            severity: r.severity,
            help: stockade_framework::docs::body(r),
            controls: r.controls.into(),
        })
        .collect();
    report.summary.files_scanned = loaded.files_scanned;
    report.summary.files_skipped = loaded.files_skipped;
    report.summary.objects = loaded.inv.objects().len();
    report.summary.rules_run = found.rules.len();
    for f in &found.split.kept {
        *report.summary.by_severity.entry(f.severity).or_default() += 1;
    }
    report.summary.suppressed = found.split.suppressed.len();
    report.findings = found.split.kept;
    report.suppressed = found.split.suppressed;
    report.diagnostics = a.diagnostics.clone();
    report.coverage = loaded.coverage;
    report.partial = loaded.partial;
    report
}
