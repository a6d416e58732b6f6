//! `stockade scan`: manifests → inventory → engine → report.

use super::inputs::{self, Loaded};
use crate::cli::ScanArgs;
use anyhow::Context;
use std::io::Write;
use std::path::Path;
use stockade_engine::{Baseline, Settings, find_config, today};
use stockade_model::{Report, RuleInfo, Severity};
use stockade_report::Format;

pub fn run(args: ScanArgs, color: bool) -> anyhow::Result<u8> {
    let format = Format::parse(&args.output).context("unknown output format")?;
    let settings = load_settings(&args)?;
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;

    let Loaded {
        inv,
        mut diagnostics,
        files_scanned,
        files_skipped,
        mut coverage,
        partial,
    } = inputs::load_scoped(&args.input, args.namespace.as_deref())?;
    let out = stockade_engine::run(&inv, &settings, baseline.as_ref(), &today());
    diagnostics.extend(out.diagnostics);

    let mut report = Report::new(env!("CARGO_PKG_VERSION"));
    report.summary.files_scanned = files_scanned;
    report.summary.files_skipped = files_skipped;
    report.summary.objects = inv.objects().len();
    report.summary.rules_run = out.rules_run;
    report.rules = settings
        .enabled
        .iter()
        .map(|r| RuleInfo {
            id: r.id.to_string(),
            name: r.name.to_string(),
            summary: r.summary.to_string(),
            severity: settings.severity_of(r, None),
            help: stockade_rules::docs::body(r),
            controls: r.controls.to_vec(),
        })
        .collect();
    // Name, per resource type that could not be read, the enabled rules that read its kind.
    for c in coverage
        .iter_mut()
        .filter(|c| c.status != stockade_model::CoverageStatus::Ok)
    {
        let kind = stockade_cluster::RESOURCES
            .iter()
            .find(|r| r.path_name() == c.resource)
            .map(|r| r.kind);
        c.unassessed_rules = settings
            .enabled
            .iter()
            .filter(|r| kind.is_some_and(|k| r.kinds.contains(&k)))
            .map(|r| r.id.to_string())
            .collect();
    }
    report.coverage = coverage;
    report.partial = partial;
    let in_scope = |f: &stockade_model::Finding| match &args.namespace {
        // Cluster-scoped objects were read for context only.
        Some(ns) => {
            f.object.namespace.as_deref() == Some(ns.as_str())
                || (f.object.kind == "Namespace" && f.object.name == *ns)
        }
        None => true,
    };
    report.findings = out.findings.into_iter().filter(|f| in_scope(f)).collect();
    report.suppressed = out.suppressed.into_iter().filter(|f| in_scope(f)).collect();
    report.summary.by_severity.clear();
    for f in &report.findings {
        *report.summary.by_severity.entry(f.severity).or_default() += 1;
    }
    report.summary.suppressed = report.suppressed.len();
    report.diagnostics = diagnostics;

    if let Some(path) = &args.write_baseline {
        Baseline::write(path, &report.findings)?;
        eprintln!(
            "wrote {} fingerprint(s) to {}",
            report.findings.len(),
            path.display()
        );
    }

    match &args.output_file {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            );
            stockade_report::render(&report, format, &mut f, false)?;
            f.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            if let Err(e) = stockade_report::render(&report, format, &mut lock, color)
                .and_then(|_| lock.flush())
            {
                // A closed pipe (`stockade scan | head`) is not an error worth a message.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e.into());
                }
            }
        }
    }

    let fail_on = args.fail_on.or(settings.fail_on).unwrap_or(Severity::High);
    Ok(if report.has_input_errors() {
        2
    } else if report.fails_at(fail_on) {
        1
    } else {
        0
    })
}

fn load_settings(args: &ScanArgs) -> anyhow::Result<Settings> {
    let mut settings = if args.no_config {
        Settings::default()
    } else {
        let path = match &args.config {
            Some(p) => Some(p.clone()),
            None => {
                let start = args
                    .input
                    .paths
                    .iter()
                    .find(|p| *p != "-" && Path::new(p).exists())
                    .map(String::as_str)
                    .unwrap_or(".");
                find_config(Path::new(start))
            }
        };
        match path {
            Some(p) => Settings::load(&p)?,
            None => Settings::default(),
        }
    };
    // Disables first, so `--disable all --enable WL001` runs exactly WL001.
    for d in &args.disable {
        settings
            .disable(d)
            .map_err(|m| anyhow::anyhow!("--disable: {m}"))?;
    }
    for e in &args.enable {
        settings
            .enable(e)
            .map_err(|m| anyhow::anyhow!("--enable: {m}"))?;
    }
    Ok(settings)
}
