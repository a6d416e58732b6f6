//! Human-readable output: diagnostics first, then findings grouped by file and object, each
//! with the offending source line; colours only when asked (the CLI asks on a TTY without
//! `NO_COLOR`).
//!
//! Every value from the inputs is written through [`TermLine`] (one line, control characters
//! shown escaped), and the whole output goes through a [`TerminalWriter`], so a value this file
//! forgets to wrap still cannot move the cursor, erase lines or retitle the terminal.

use anstyle::{AnsiColor, Effects, Style};
use std::io::{self, Write};
use stockade_model::escape::{TermLine, TerminalWriter, terminal_line};
use stockade_model::{DiagnosticLevel, Finding, Report, Severity};

fn sev_style(s: Severity) -> Style {
    match s {
        Severity::Critical => Style::new()
            .fg_color(Some(AnsiColor::Magenta.into()))
            .effects(Effects::BOLD),
        Severity::High => Style::new()
            .fg_color(Some(AnsiColor::Red.into()))
            .effects(Effects::BOLD),
        Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Severity::Low => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        Severity::Info => Style::new().fg_color(Some(AnsiColor::BrightBlack.into())),
    }
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
}

/// Writes the text report.
pub fn render(report: &Report, w: &mut dyn Write, color: bool) -> io::Result<()> {
    let mut out = TerminalWriter::new(w, color);
    render_to(report, &mut out, color)?;
    out.finish()
}

fn render_to(report: &Report, w: &mut dyn Write, color: bool) -> io::Result<()> {
    let p = Painter { color };
    let bold = Style::new().effects(Effects::BOLD);
    let dim = Style::new().fg_color(Some(AnsiColor::BrightBlack.into()));
    for d in &report.diagnostics {
        let (label, style) = match d.level {
            DiagnosticLevel::Error => (
                "error",
                Style::new()
                    .fg_color(Some(AnsiColor::Red.into()))
                    .effects(Effects::BOLD),
            ),
            DiagnosticLevel::Warning => (
                "warning",
                Style::new()
                    .fg_color(Some(AnsiColor::Yellow.into()))
                    .effects(Effects::BOLD),
            ),
            DiagnosticLevel::Note => ("note", dim),
        };
        let pos = d.position();
        let message = TermLine(&d.message);
        if pos.is_empty() {
            writeln!(w, "{}: {message}", p.paint(style, label))?;
        } else {
            writeln!(w, "{}: {}: {message}", p.paint(style, label), TermLine(pos))?;
        }
    }
    if !report.diagnostics.is_empty() {
        writeln!(w)?;
    }
    let mut last_file: Option<&str> = None;
    let mut last_obj: Option<String> = None;
    for f in &report.findings {
        let file = f.location.as_ref().map_or("", |l| l.path.as_str());
        if last_file != Some(file) {
            if last_file.is_some() {
                writeln!(w)?;
            }
            writeln!(w, "{}", p.paint(bold.underline(), &terminal_line(file)))?;
            last_file = Some(file);
            last_obj = None;
        }
        let obj = TermLine(&f.object).to_string();
        if last_obj.as_deref() != Some(&obj) {
            let template = f
                .location
                .as_ref()
                .and_then(|l| l.template.as_deref())
                .map(|t| format!(" (from {})", TermLine(t)))
                .unwrap_or_default();
            writeln!(w, "  {}{}", p.paint(bold, &obj), p.paint(dim, &template))?;
            last_obj = Some(obj);
        }
        finding(w, &p, f, dim)?;
    }
    if !report.findings.is_empty() {
        writeln!(w)?;
    }
    summary(report, w, &p)
}

fn finding(w: &mut dyn Write, p: &Painter, f: &Finding, dim: Style) -> io::Result<()> {
    let pos = f
        .location
        .as_ref()
        .filter(|l| l.line > 0)
        .map(|l| format!("{}:{}", l.line, l.column))
        .unwrap_or_default();
    writeln!(
        w,
        "    {:<7} {} {} {}",
        pos,
        p.paint(
            sev_style(f.severity),
            &format!("{:<8}", f.severity.as_str())
        ),
        p.paint(
            dim,
            &format!("{} {}", TermLine(&f.rule_id), TermLine(&f.rule_name))
        ),
        TermLine(&f.message)
    )?;
    if let (Some(snippet), Some(l)) = (&f.snippet, &f.location) {
        writeln!(
            w,
            "            {} {}",
            p.paint(dim, &format!("{:>5} |", l.line)),
            TermLine(snippet.trim_end())
        )?;
    }
    // A finding about a whole object (a component's version, an endpoint) has no field.
    if f.field_path != stockade_model::FieldPath::root() {
        writeln!(
            w,
            "            {} {}",
            p.paint(dim, "at"),
            TermLine(&f.field_path)
        )?;
    }
    Ok(())
}

fn summary(report: &Report, w: &mut dyn Write, p: &Painter) -> io::Result<()> {
    let s = &report.summary;
    let total = report.findings.len();
    let parts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| {
            let n = s.by_severity.get(sev).copied().unwrap_or(0);
            (n > 0).then(|| p.paint(sev_style(*sev), &format!("{n} {sev}")))
        })
        .collect();
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .count();
    write!(w, "{} finding{}", total, if total == 1 { "" } else { "s" })?;
    if !parts.is_empty() {
        write!(w, " ({})", parts.join(", "))?;
    }
    write!(
        w,
        " in {} object{} from {} file{}",
        s.objects,
        if s.objects == 1 { "" } else { "s" },
        s.files_scanned,
        if s.files_scanned == 1 { "" } else { "s" }
    )?;
    if s.files_skipped > 0 {
        write!(
            w,
            ", {} other file{} skipped",
            s.files_skipped,
            if s.files_skipped == 1 { "" } else { "s" }
        )?;
    }
    writeln!(w, "; {} rules ran", s.rules_run)?;
    if !report.suppressed.is_empty() {
        writeln!(w, "{} suppressed:", report.suppressed.len())?;
        for f in &report.suppressed {
            if let Some(sup) = &f.suppression {
                let kind = match sup.kind {
                    stockade_model::SuppressionKind::Annotation => "annotation",
                    stockade_model::SuppressionKind::Config => "config",
                    stockade_model::SuppressionKind::Baseline => "baseline",
                };
                writeln!(
                    w,
                    "  {} on {} ({kind}: {})",
                    TermLine(&f.rule_id),
                    TermLine(&f.object),
                    TermLine(&sup.reason)
                )?;
            }
        }
    }
    let unread: Vec<_> = report
        .coverage
        .iter()
        .filter(|c| c.status != stockade_model::CoverageStatus::Ok)
        .collect();
    if !report.coverage.is_empty() {
        let read: usize = report
            .coverage
            .iter()
            .filter(|c| c.status == stockade_model::CoverageStatus::Ok)
            .count();
        writeln!(
            w,
            "coverage: {read} of {} resource types read",
            report.coverage.len()
        )?;
        for c in unread {
            let why = TermLine(c.message.as_deref().unwrap_or(""));
            writeln!(
                w,
                "  could not read {} ({}): {why}",
                TermLine(&c.resource),
                c.status.as_str()
            )?;
            if !c.skipped_rules.is_empty() {
                writeln!(
                    w,
                    "    not assessed (they need it read): {}",
                    TermLine(c.skipped_rules.join(", "))
                )?;
            }
            if !c.unassessed_rules.is_empty() {
                writeln!(
                    w,
                    "    not fully assessed: {}",
                    TermLine(c.unassessed_rules.join(", "))
                )?;
            }
        }
    }
    if report.partial {
        let unread: Vec<&str> = report.unread().map(|c| c.resource.as_str()).collect();
        let mut skipped: Vec<&str> = report
            .unread()
            .flat_map(|c| c.skipped_rules.iter().map(String::as_str))
            .collect();
        skipped.sort_unstable();
        skipped.dedup();
        if unread.is_empty() {
            writeln!(w, "PARTIAL RESULTS: some objects could not be read")?;
        } else {
            writeln!(
                w,
                "PARTIAL RESULTS: {} of {} resource types were not read ({}); {} check{} not assessed{}",
                unread.len(),
                report.coverage.len(),
                TermLine(unread.join(", ")),
                skipped.len(),
                if skipped.len() == 1 { " was" } else { "s were" },
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", TermLine(skipped.join(", ")))
                }
            )?;
        }
        writeln!(
            w,
            "findings about what was not read are missing: grant read access to every resource type (deploy/rbac.yaml) for a complete scan"
        )?;
    }
    if errors > 0 {
        writeln!(
            w,
            "{} input error{}: the results above cover only what could be read",
            errors,
            if errors == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::sample::report(), &mut out, false).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }
}
