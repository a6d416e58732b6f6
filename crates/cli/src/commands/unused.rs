//! `stockade unused`: unused and orphaned objects, grouped by namespace.
//!
//! Inputs are read exactly as `scan` reads them; the rules are the hygiene family (all of it,
//! including the rules that `scan` leaves off because they need a whole cluster or namespace)
//! plus the RBAC and network-policy rules about leftovers: bindings to missing subjects or
//! roles, unbound roles, policies that select nothing. Suppressions, severity overrides and
//! rule options from `.stockade.yaml` apply as in `scan`.
//!
//! The text listing escapes every value from the inputs ([`TermLine`]) and writes through a
//! [`TerminalWriter`], like the table report.

use super::inputs;
use crate::cli::UnusedArgs;
use anstyle::{AnsiColor, Effects, Style};
use anyhow::Context;
use std::collections::BTreeMap;
use std::io::Write;
use stockade_engine::{Settings, today};
use stockade_model::escape::{TermLine, TerminalWriter};
use stockade_model::{Finding, Report, Severity};
use stockade_report::Format;
use stockade_rules::{Family, RULES, Rule};

/// Rules of other families that report leftovers, run by `unused` besides the hygiene family.
pub const LEFTOVER_RULES: &[&str] = &[
    "binding-subject-missing",
    "binding-role-missing",
    "unbound-role",
    "policy-selects-no-pods",
    "policy-without-workloads",
];

/// The rules `unused` runs.
pub fn rules() -> Vec<&'static Rule> {
    RULES
        .iter()
        .copied()
        .filter(|r| r.family == Family::Hygiene || LEFTOVER_RULES.contains(&r.name))
        .collect()
}

pub fn run(args: UnusedArgs, color: bool) -> anyhow::Result<u8> {
    let format = Format::parse(&args.output).context("unknown output format")?;
    let settings = load_settings(&args)?;
    let loaded = inputs::load_scoped(&args.input, args.namespace.as_deref())?;
    let out = stockade_engine::run(&loaded.inv, &settings, None, &today());
    let report = inputs::report(loaded, out, &settings, args.namespace.as_deref());

    let write = |w: &mut dyn Write, color: bool| -> std::io::Result<()> {
        match format {
            Format::Table => render_grouped(&report, w, color),
            other => stockade_report::render(&report, other, w, color),
        }
    };
    match &args.output_file {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            );
            write(&mut f, false)?;
            f.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            if let Err(e) = write(&mut lock, color).and_then(|_| lock.flush()) {
                // A closed pipe (`stockade unused | head`) is not an error worth a message.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e.into());
                }
            }
        }
    }

    Ok(if report.has_input_errors() {
        2
    } else if let Some(threshold) = args.fail_on.or(settings.fail_on)
        && report.fails_at(threshold)
    {
        1
    } else {
        0
    })
}

fn load_settings(args: &UnusedArgs) -> anyhow::Result<Settings> {
    let mut settings = inputs::settings(&args.input, args.config.as_deref(), args.no_config)?;
    // `unused` runs its own rule set whatever the config enables for `scan`; `--disable`
    // still removes rules from it.
    settings.enabled = rules();
    for d in &args.disable {
        settings
            .disable(d)
            .map_err(|m| anyhow::anyhow!("--disable: {m}"))?;
    }
    Ok(settings)
}

fn style_of(s: Severity) -> Style {
    match s {
        Severity::Critical | Severity::High => Style::new()
            .fg_color(Some(AnsiColor::Red.into()))
            .effects(Effects::BOLD),
        Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Severity::Low => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        Severity::Info => Style::new().fg_color(Some(AnsiColor::BrightBlack.into())),
    }
}

/// The text listing: diagnostics, then findings grouped by namespace (cluster-scoped objects
/// first), each with its rule, object, reason and confidence, then a summary.
pub fn render_grouped(report: &Report, w: &mut dyn Write, color: bool) -> std::io::Result<()> {
    let mut out = TerminalWriter::new(w, color);
    grouped(report, &mut out, color)?;
    out.finish()
}

fn grouped(report: &Report, w: &mut dyn Write, color: bool) -> std::io::Result<()> {
    let paint = |style: Style, text: &str| {
        if color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    };
    let bold = Style::new().effects(Effects::BOLD);
    for d in &report.diagnostics {
        let pos = d.position();
        let level = format!("{:?}", d.level).to_lowercase();
        let message = TermLine(&d.message);
        if pos.is_empty() {
            writeln!(w, "{level}: {message}")?;
        } else {
            writeln!(w, "{level}: {}: {message}", TermLine(pos))?;
        }
    }
    if !report.diagnostics.is_empty() {
        writeln!(w)?;
    }
    let mut groups: BTreeMap<Option<&str>, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        // A finding about a Namespace belongs with that namespace's other leftovers.
        let ns = if f.object.kind == "Namespace" {
            Some(f.object.name.as_str())
        } else {
            f.object.namespace.as_deref()
        };
        groups.entry(ns).or_default().push(f);
    }
    for (ns, findings) in &groups {
        let title = match ns {
            Some(ns) => format!("namespace {}", TermLine(ns)),
            None => "cluster-scoped".to_string(),
        };
        writeln!(w, "{} ({})", paint(bold, &title), findings.len())?;
        for f in findings {
            let sev = format!("{:<6}", f.severity.as_str());
            let object = match &f.object.namespace {
                Some(_) => format!("{}/{}", f.object.kind, f.object.name),
                None => f.object.to_string(),
            };
            writeln!(
                w,
                "  {} {} {:<34} {}",
                paint(style_of(f.severity), &sev),
                TermLine(&f.rule_id),
                TermLine(&f.rule_name),
                TermLine(object)
            )?;
            writeln!(w, "         {}", TermLine(&f.message))?;
            if let Some(loc) = f.location.as_ref().filter(|l| l.line > 0) {
                writeln!(
                    w,
                    "         at {} {}",
                    TermLine(loc),
                    TermLine(&f.field_path)
                )?;
            }
        }
        writeln!(w)?;
    }
    for c in report
        .coverage
        .iter()
        .filter(|c| c.status != stockade_model::CoverageStatus::Ok)
    {
        writeln!(
            w,
            "not read: {} ({}){}",
            TermLine(&c.resource),
            c.status.as_str(),
            if c.unassessed_rules.is_empty() {
                String::new()
            } else {
                format!("; not assessed: {}", c.unassessed_rules.join(", "))
            }
        )?;
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|s| {
            report
                .summary
                .by_severity
                .get(s)
                .filter(|n| **n > 0)
                .map(|n| format!("{n} {s}"))
        })
        .collect();
    let namespaces = groups.keys().filter(|k| k.is_some()).count();
    if report.findings.is_empty() {
        writeln!(
            w,
            "no unused or orphaned objects among {} object(s)",
            report.summary.objects
        )?;
    } else {
        writeln!(
            w,
            "{} unused or orphaned object finding(s) ({}) in {namespaces} namespace(s){}; {} object(s) read",
            report.findings.len(),
            counts.join(", "),
            if groups.contains_key(&None) {
                " and cluster-scoped"
            } else {
                ""
            },
            report.summary.objects
        )?;
    }
    if report.summary.suppressed > 0 {
        writeln!(w, "{} suppressed", report.summary.suppressed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_set_is_the_hygiene_family_and_the_named_leftover_rules() {
        let names: Vec<&str> = rules().iter().map(|r| r.name).collect();
        for n in LEFTOVER_RULES {
            assert!(names.contains(n), "{n} is not a registered rule");
        }
        let hygiene = RULES.iter().filter(|r| r.family == Family::Hygiene).count();
        assert_eq!(names.len(), hygiene + LEFTOVER_RULES.len());
    }
}
