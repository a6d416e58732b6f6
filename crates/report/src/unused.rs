//! The `stockade unused` listing: diagnostics, then findings grouped by namespace
//! (cluster-scoped objects first), each with its rule, object, reason and confidence, then a
//! summary. The other formats of `unused` are the standard reporters.
//!
//! Every value from the inputs is escaped ([`TermLine`]) and the whole listing goes through a
//! [`TerminalWriter`], like the table report.

use anstyle::{AnsiColor, Effects, Style};
use std::collections::BTreeMap;
use std::io::Write;
use stockade_model::escape::{TermLine, TerminalWriter};
use stockade_model::{Finding, Report, Severity};

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
pub fn render(report: &Report, w: &mut dyn Write, color: bool) -> std::io::Result<()> {
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
        let mut rules: Vec<&str> = c
            .skipped_rules
            .iter()
            .chain(&c.unassessed_rules)
            .map(String::as_str)
            .collect();
        rules.sort_unstable();
        writeln!(
            w,
            "not read: {} ({}){}",
            TermLine(&c.resource),
            c.status.as_str(),
            if rules.is_empty() {
                String::new()
            } else {
                format!("; not assessed: {}", rules.join(", "))
            }
        )?;
    }
    if report.partial {
        writeln!(
            w,
            "PARTIAL: {} resource type(s) were not read; the rules that need them did not run, so unused objects may be missing from this listing",
            report.unread().count()
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
