//! `stockade audit-log analyze | serve | policy`: audit events and audit policies in, findings
//! (alerts) out through the usual reporters.

use crate::cli::{
    AuditAnalyzeArgs, AuditLogArgs, AuditLogCommand, AuditPolicyArgs, AuditServeArgs,
    AuditSettingsArgs,
};
use anyhow::{Context, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use stockade_audit::analyzer::{Analyzer, AnalyzerOptions};
use stockade_audit::config::AuditSettings;
use stockade_audit::summary::Summary;
use stockade_audit::{AuditRule, reader, time};
use stockade_model::escape::{Term, TerminalWriter};
use stockade_model::{Diagnostic, DiagnosticLevel, Finding, Report, RuleInfo, Severity};
use stockade_report::Format;

pub fn run(args: AuditLogArgs, color: bool) -> anyhow::Result<u8> {
    match args.command {
        AuditLogCommand::Analyze(a) => analyze(a, color),
        AuditLogCommand::Serve(a) => serve(a),
        AuditLogCommand::Policy(a) => policy(a, color),
    }
}

fn load_settings(s: &AuditSettingsArgs, near: Option<&Path>) -> anyhow::Result<AuditSettings> {
    let mut settings = if s.no_config {
        AuditSettings::default()
    } else {
        let path = match &s.config {
            Some(p) => Some(p.clone()),
            None => stockade_engine::find_config(near.unwrap_or(Path::new("."))),
        };
        match path {
            Some(p) => AuditSettings::load(&p).map_err(|e| anyhow::anyhow!(e))?,
            None => AuditSettings::default(),
        }
    };
    // The same precedence as `scan`: rule over family over `all`, then disable, in any order.
    settings
        .select_rules(&s.enable, &s.disable)
        .map_err(|(what, m)| anyhow::anyhow!("--{what}: {m}"))?;
    Ok(settings)
}

/// The settings file the audit settings came from, for its `suppressions:` (the entries
/// `stockade scan` applies, which may name audit rules, and objects: the alert's target).
fn suppression_settings(
    audit: &AuditSettings,
) -> anyhow::Result<Option<stockade_engine::Settings>> {
    Ok(match &audit.source {
        Some(p) => Some(stockade_engine::Settings::load(p)?),
        None => None,
    })
}

/// Audit findings split by the settings' suppressions. Today's date on every call: `serve`
/// runs for days and entries expire.
fn suppress(
    settings: Option<&stockade_engine::Settings>,
    findings: impl IntoIterator<Item = Finding>,
) -> stockade_engine::Suppressed {
    stockade_engine::suppress(settings, None, None, &stockade_engine::today(), findings)
}

fn rule_infos(
    settings: &AuditSettings,
    rules: impl Iterator<Item = &'static AuditRule>,
) -> Vec<RuleInfo> {
    rules
        .map(|r| RuleInfo {
            id: r.id.to_string(),
            name: r.name.to_string(),
            summary: r.summary.to_string(),
            severity: settings.severity_of(r),
            help: stockade_framework::docs::body(r),
            controls: r.controls.to_vec(),
        })
        .collect()
}

fn write_report(
    report: &Report,
    format: Format,
    output_file: Option<&Path>,
    color: bool,
    trailer: Option<&str>,
) -> anyhow::Result<()> {
    match output_file {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            );
            stockade_report::render(report, format, &mut f, false)?;
            if let Some(t) = trailer {
                writeln!(TerminalWriter::new(&mut f, false), "\n{t}")?;
            }
            f.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            let r = stockade_report::render(report, format, &mut lock, color)
                .and_then(|_| match trailer {
                    Some(t) => writeln!(TerminalWriter::new(&mut lock, false), "\n{t}"),
                    None => Ok(()),
                })
                .and_then(|_| lock.flush());
            if let Err(e) = r
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e.into());
            }
        }
    }
    Ok(())
}

fn exit_code(report: &Report, fail_on: Severity) -> u8 {
    if report.has_input_errors() {
        2
    } else if report.fails_at(fail_on) {
        1
    } else {
        0
    }
}

fn analyze(args: AuditAnalyzeArgs, color: bool) -> anyhow::Result<u8> {
    let format = args.output;
    let now = time::now();
    let since = args
        .since
        .as_deref()
        .map(|s| time::parse_bound(s, now))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--since: {e}"))?;
    let until = args
        .until
        .as_deref()
        .map(|s| time::parse_bound(s, now))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--until: {e}"))?;
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        bail!("--since must be before --until");
    }
    let stdin = args.files.iter().any(|f| f.as_os_str() == "-");
    if stdin && args.files.len() > 1 {
        bail!("`-` (stdin) cannot be combined with files");
    }
    let files = if stdin {
        vec![PathBuf::from("-")]
    } else {
        reader::expand_inputs(&args.files).context("cannot list the inputs")?
    };
    let near = files
        .iter()
        .find(|f| f.as_os_str() != "-")
        .and_then(|f| f.parent())
        .map(Path::to_path_buf);
    let settings = load_settings(&args.settings, near.as_deref())?;
    let opts = AnalyzerOptions {
        since,
        until,
        max_line: args.max_line_size.saturating_mul(1 << 20).max(1),
        ..AnalyzerOptions::default()
    };
    let mut analyzer = Analyzer::new(&settings, opts);
    if let Some(state) = &args.state_file
        && state.exists()
    {
        let text = std::fs::read_to_string(state)
            .with_context(|| format!("cannot read {}", state.display()))?;
        analyzer
            .state
            .load_seen(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", state.display()))?;
    }
    let suppressions = suppression_settings(&settings)?;
    let mut findings: Vec<Finding> = Vec::new();
    let mut suppressed: Vec<Finding> = Vec::new();
    let mut dropped = 0u64;
    let max = args.max_alerts;
    let mut sink = |f: Finding| {
        let s = suppress(suppressions.as_ref(), [f]);
        for (list, fs) in [(&mut findings, s.kept), (&mut suppressed, s.suppressed)] {
            for f in fs {
                if list.len() < max {
                    list.push(f);
                } else {
                    dropped += 1;
                }
            }
        }
    };
    for f in &files {
        let name = f.display().to_string();
        let result = if f.as_os_str() == "-" {
            reader::maybe_gunzip(std::io::stdin().lock())
                .and_then(|r| analyzer.analyze_reader("-", r, &mut sink))
        } else {
            reader::open(f).and_then(|r| analyzer.analyze_reader(&name, r, &mut sink))
        };
        if let Err(e) = result {
            analyzer.diagnose(Diagnostic::at(
                DiagnosticLevel::Error,
                "audit-read-error",
                &name,
                0,
                0,
                format!("cannot read: {e} (lines before the error were analysed)"),
            ));
        }
    }
    if let Some(state) = &args.state_file {
        std::fs::write(state, analyzer.state.save_seen())
            .with_context(|| format!("cannot write {}", state.display()))?;
    }
    let summary = analyzer.summary.clone();
    let mut diagnostics = analyzer.diagnostics().to_vec();
    // Once more over the alerts listed (each was split as it came, to cap both lists): the
    // same split, and the warnings for expired entries that would have suppressed them.
    let listed = suppress(
        suppressions.as_ref(),
        findings.into_iter().chain(suppressed),
    );
    let (findings, suppressed) = (listed.kept, listed.suppressed);
    diagnostics.extend(listed.warnings);
    if dropped > 0 {
        diagnostics.push(Diagnostic::general(
            DiagnosticLevel::Warning,
            "audit-alerts-capped",
            format!("{dropped} more alert(s) not listed (--max-alerts {max} each for reported and suppressed alerts); the summary counts them all"),
        ));
    }
    let report = build_report(
        &settings,
        findings,
        suppressed,
        diagnostics,
        &summary,
        analyzer.rules_run(),
    );
    if let Some(path) = &args.summary_file {
        std::fs::write(path, stockade_report::audit::json::summary(&summary)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let rule_name = |id: &str| {
        stockade_audit::find(id)
            .map(|r| r.name.to_string())
            .unwrap_or_default()
    };
    match format {
        Format::Table | Format::Markdown => {
            let trailer = if format == Format::Markdown {
                stockade_report::audit::markdown::summary(&summary, rule_name)
            } else {
                stockade_report::audit::text::summary(&summary, rule_name)
            };
            write_report(
                &report,
                format,
                args.output_file.as_deref(),
                color,
                Some(&trailer),
            )?;
        }
        _ => {
            write_report(&report, format, args.output_file.as_deref(), color, None)?;
            if !args.quiet {
                let text = stockade_report::audit::text::summary(&summary, rule_name);
                eprint!("{}", Term(&text));
            }
        }
    }
    let fail_on = args.fail_on.or(settings.fail_on).unwrap_or(Severity::High);
    Ok(exit_code(&report, fail_on))
}

fn build_report(
    settings: &AuditSettings,
    mut findings: Vec<Finding>,
    mut suppressed: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
    summary: &Summary,
    rules_run: usize,
) -> Report {
    let mut report = Report::new(env!("CARGO_PKG_VERSION"));
    report.summary.files_scanned = summary.inputs;
    report.summary.objects = usize::try_from(summary.requests).unwrap_or(usize::MAX);
    report.summary.rules_run = rules_run;
    report.rules = rule_infos(
        settings,
        settings.rules_for(stockade_framework::Source::AuditEvents),
    );
    // Alerts stay in log order (file, line); the reporters group by location.
    for list in [&mut findings, &mut suppressed] {
        list.sort_by(|a, b| {
            let key = |f: &Finding| f.location.as_ref().map(|l| (l.path.clone(), l.line));
            key(a).cmp(&key(b)).then_with(|| a.rule_id.cmp(&b.rule_id))
        });
    }
    for f in &findings {
        *report.summary.by_severity.entry(f.severity).or_default() += 1;
    }
    report.summary.suppressed = suppressed.len();
    report.findings = findings;
    report.suppressed = suppressed;
    report.diagnostics = diagnostics;
    report
}

fn serve(args: AuditServeArgs) -> anyhow::Result<u8> {
    let settings = load_settings(&args.settings, None)?;
    let listen: std::net::SocketAddr = args.listen.parse().with_context(|| {
        format!(
            "--listen `{}` is not an address such as 127.0.0.1:8443",
            args.listen
        )
    })?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => Some((c.clone(), k.clone())),
        (None, None) => None,
        _ => bail!("--tls-cert and --tls-key go together"),
    };
    let mut alerts_file = match &args.alerts_file {
        Some(p) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .with_context(|| format!("cannot open {}", p.display()))?,
        ),
        None => None,
    };
    let suppressions = suppression_settings(&settings)?;
    let sink: crate::audit_server::AlertSink = Box::new(move |f: &Finding| {
        // Suppressed alerts are not written (the metrics still count every alert).
        if suppress(suppressions.as_ref(), [f.clone()]).kept.is_empty() {
            return;
        }
        // One line per alert, with control characters and bidi overrides as `\u` escapes.
        let Ok(line) = stockade_model::escape::json_compact(f) else {
            return;
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        if let Some(file) = alerts_file.as_mut() {
            let _ = writeln!(file, "{line}");
        }
    });
    let cfg = crate::audit_server::ServeConfig {
        listen,
        tls,
        max_body: args.max_body_size.saturating_mul(1 << 20),
        settings,
        options: AnalyzerOptions::default(),
    };
    let scheme = if args.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    crate::audit_server::run_until_signal(cfg, sink, |addr| {
        eprintln!(
            "stockade audit-log serve: listening on {scheme}://{addr} (POST EventList batches; GET /metrics, /healthz); Ctrl-C to stop"
        );
    })?;
    eprintln!("stockade audit-log serve: stopped");
    Ok(0)
}

fn policy(args: AuditPolicyArgs, color: bool) -> anyhow::Result<u8> {
    let format = args.output;
    let settings = load_settings(&args.settings, args.file.parent())?;
    let name = args.file.display().to_string();
    let mut report = Report::new(env!("CARGO_PKG_VERSION"));
    report.rules = rule_infos(
        &settings,
        settings.rules_for(stockade_framework::Source::AuditPolicy),
    );
    report.summary.rules_run = report.rules.len();
    match std::fs::read_to_string(&args.file) {
        Err(e) => report.diagnostics.push(Diagnostic::at(
            DiagnosticLevel::Error,
            "io",
            &name,
            0,
            0,
            format!("cannot read: {e}"),
        )),
        Ok(text) => {
            report.summary.files_scanned = 1;
            match stockade_audit::policy::check_policy(&name, &text, &settings) {
                Ok(findings) => {
                    report.summary.objects = 1;
                    let split = suppress(suppression_settings(&settings)?.as_ref(), findings);
                    report.diagnostics.extend(split.warnings);
                    let (findings, suppressed) = (split.kept, split.suppressed);
                    for f in &findings {
                        *report.summary.by_severity.entry(f.severity).or_default() += 1;
                    }
                    report.summary.suppressed = suppressed.len();
                    report.findings = findings;
                    report.suppressed = suppressed;
                }
                Err(d) => report.diagnostics.push(d),
            }
        }
    }
    write_report(&report, format, args.output_file.as_deref(), color, None)?;
    let fail_on = args.fail_on.or(settings.fail_on).unwrap_or(Severity::High);
    Ok(exit_code(&report, fail_on))
}
