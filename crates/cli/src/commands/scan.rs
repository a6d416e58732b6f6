//! `stockade scan`: manifests → inventory → engine → report.

use super::inputs;
use crate::cli::ScanArgs;
use anyhow::Context;
use std::io::Write;
use stockade_engine::{Baseline, Settings, today};
use stockade_model::Severity;

pub fn run(args: ScanArgs, color: bool) -> anyhow::Result<u8> {
    let format = args.output;
    let settings = load_settings(&args)?;
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;

    let mut loaded = inputs::load_scoped(&args.input, args.namespace.as_deref())?;
    let mut settings = settings;
    inputs::load_policy_files(
        &args.policy,
        &args.input,
        &mut settings,
        &mut loaded.diagnostics,
    );
    let out = stockade_engine::run(&loaded.inv, &settings, baseline.as_ref(), &today());
    let report = inputs::report(loaded, out, &settings, args.namespace.as_deref());

    if let Some(path) = &args.write_baseline {
        Baseline::write(path, &report.findings)?;
        eprintln!(
            "wrote {} fingerprint(s) to {}",
            report.findings.len(),
            stockade_model::escape::TermLine(path.display())
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
    let allow_partial = args.allow_partial || settings.allow_partial;
    if report.partial && !allow_partial {
        eprintln!(
            "stockade: the scan is partial (could not read: {}); exit code 2 — pass --allow-partial (or set allow-partial: true) to accept partial results",
            stockade_model::escape::TermLine(
                report
                    .unread()
                    .map(|c| c.resource.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
    }
    Ok(report.exit_code(Some(fail_on), allow_partial))
}

fn load_settings(args: &ScanArgs) -> anyhow::Result<Settings> {
    let mut settings = inputs::settings(&args.input, args.config.as_deref(), args.no_config)?;
    // A named rule beats a family beats `all`, and disable wins at the same breadth, whatever
    // the order of the flags: `--enable all --disable WL011` runs everything but WL011.
    settings
        .select_rules(&args.enable, &args.disable)
        .map_err(|(what, m)| anyhow::anyhow!("--{what}: {m}"))?;
    if let Some(v) = &args.target_version {
        let t = v.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let ok = parts.next() == Some("1")
            && parts
                .next()
                .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            anyhow::bail!(
                "--target-version {}: expected a Kubernetes release such as v1.33",
                stockade_model::escape::TermLine(v)
            );
        }
        settings.policy_release = t.split('.').nth(1).and_then(|m| m.parse().ok());
        settings.options.entry("HY013").or_default().insert(
            "target-version".into(),
            serde_json::Value::String(v.clone()),
        );
    }
    Ok(settings)
}
