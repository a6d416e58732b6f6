//! The `stockade pss` listing: diagnostics, one verdict per object with the offending fields,
//! and a summary; or, with `--readiness`, per namespace what it is ready for.
//!
//! Objects, namespaces and offending values come from the inputs: each goes through
//! [`TermLine`], and the whole output through a [`TerminalWriter`] as a backstop.

use std::io::{self, Write};
use stockade_model::escape::{TermLine, TerminalWriter};
use stockade_model::{ObjectRef, Suppression, SuppressionKind};
use stockade_pss::answer::{Assessment, EvaluationAnswer, ObjectVerdict, Readiness};
use stockade_pss::{Level, LevelVersion};

/// Writes the listing.
pub fn render(a: &Assessment, w: &mut dyn Write) -> io::Result<()> {
    let mut w = TerminalWriter::new(w, false);
    write(a, &mut w)
}

fn write(a: &Assessment, w: &mut dyn Write) -> io::Result<()> {
    for d in &a.diagnostics {
        let pos = d.position();
        let sep = if pos.is_empty() { "" } else { ": " };
        writeln!(
            w,
            "{:?}: {}{sep}{}",
            d.level,
            TermLine(&pos),
            TermLine(&d.message)
        )?;
    }
    if let Some(ready) = &a.readiness {
        return write_readiness(w, a, ready);
    }
    let mut counts = [0usize; 3]; // ok, violating, invalid
    for v in &a.objects {
        let head = describe_object(&v.object);
        let at = v
            .location
            .as_ref()
            .map(|l| format!("  ({})", TermLine(l)))
            .unwrap_or_default();
        if v.invalid() {
            counts[2] += 1;
            writeln!(
                w,
                "INVALID {head}{at}: wrongly typed fields (see the errors above)"
            )?;
            continue;
        }
        match &v.evaluation {
            Some(e) if !e.allowed => {
                counts[1] += 1;
                writeln!(w, "FAIL    {head}{at}: violates {:?}", e.policy.to_string())?;
                write_failures(w, e)?;
            }
            Some(e) => {
                counts[0] += 1;
                writeln!(
                    w,
                    "PASS    {head}{at}: satisfies {:?}",
                    e.policy.to_string()
                )?;
            }
            None => {
                let d = &v.admission;
                let tag = if d.rejected {
                    counts[1] += 1;
                    "REJECT "
                } else {
                    counts[0] += 1;
                    "ADMIT  "
                };
                writeln!(w, "{tag} {head}{at}")?;
                for e in [&d.enforce, &d.audit, &d.warn]
                    .into_iter()
                    .flatten()
                    .filter(|e| !e.allowed)
                    .take(1)
                {
                    write_failures(w, e)?;
                }
            }
        }
        if let Some(t) = admission_text(v)
            && (a.level.is_none() || a.namespaces.contains_key(v.namespace.as_str()))
        {
            writeln!(w, "        {t}")?;
        }
    }
    let target = match a.level {
        Some(l) => format!("{:?}", LevelVersion::new(l, a.version).to_string()),
        None => "their namespace's enforce policy".to_string(),
    };
    writeln!(
        w,
        "\n{} workload object(s): {} satisfy {target}, {} {}, {} invalid",
        a.objects.len(),
        counts[0],
        counts[1],
        if a.level.is_some() {
            "violate it"
        } else {
            "would be rejected"
        },
        counts[2]
    )?;
    if a.suppressed > 0 {
        writeln!(
            w,
            "{} offending field(s) suppressed; they do not fail the run",
            a.suppressed
        )?;
    }
    if a.level.is_none() && !a.labelled {
        writeln!(
            w,
            "note: no Namespace with pod-security.kubernetes.io labels was read; pass --level restricted (or baseline) to check a level, or --readiness"
        )?;
    }
    Ok(())
}

/// `Kind namespace/name` (escaped).
fn describe_object(o: &ObjectRef) -> String {
    match &o.namespace {
        Some(ns) => format!(
            "{} {}/{}",
            TermLine(&o.kind),
            TermLine(ns),
            TermLine(&o.name)
        ),
        None => format!("{} {}", TermLine(&o.kind), TermLine(&o.name)),
    }
}

fn admission_text(v: &ObjectVerdict) -> Option<String> {
    let d = &v.admission;
    let ns = TermLine(&v.namespace);
    if let Some(e) = &d.exempt {
        return Some(format!("namespace {ns}: exempt ({})", TermLine(e)));
    }
    let is_pod = v.object.kind == "Pod";
    let mut parts = Vec::new();
    if let Some(e) = &d.enforce {
        if e.allowed {
            if e.policy.level != Level::Privileged {
                parts.push(format!("admitted by enforce {:?}", e.policy.to_string()));
            }
        } else if is_pod {
            parts.push(format!("REJECTED by enforce {:?}", e.policy.to_string()));
        } else {
            parts.push(format!(
                "its pods would be REJECTED by enforce {:?}",
                e.policy.to_string()
            ));
        }
    }
    if let Some(e) = d.audit.as_ref().filter(|e| !e.allowed) {
        parts.push(format!("audit annotation for {:?}", e.policy.to_string()));
    }
    if let Some(e) = d.warn.as_ref().filter(|e| !e.allowed) {
        parts.push(format!("warning for {:?}", e.policy.to_string()));
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!("namespace {ns}: {}", parts.join("; ")))
}

fn write_failures(w: &mut dyn Write, e: &EvaluationAnswer) -> io::Result<()> {
    for c in &e.checks {
        writeln!(w, "        {}: {}", c.id, TermLine(c.describe()))?;
        for v in &c.violations {
            writeln!(
                w,
                "          at {} {}{}",
                v.location
                    .as_ref()
                    .map(|l| TermLine(l).to_string())
                    .unwrap_or_default(),
                TermLine(&v.path),
                suppression_text(v.suppression.as_ref())
            )?;
        }
    }
    Ok(())
}

/// ` (suppressed, config: reason)` (escaped).
fn suppression_text(s: Option<&Suppression>) -> String {
    let Some(s) = s else {
        return String::new();
    };
    let kind = match s.kind {
        SuppressionKind::Annotation => "annotation",
        SuppressionKind::Config => "config",
        SuppressionKind::Baseline => "baseline",
    };
    format!(" (suppressed, {kind}: {})", TermLine(&s.reason))
}

fn write_readiness(w: &mut dyn Write, a: &Assessment, ready: &[Readiness]) -> io::Result<()> {
    for r in ready {
        let current = a
            .namespaces
            .get(r.namespace.as_str())
            .and_then(Option::as_deref)
            .map(|l| format!(" (enforce label: {})", TermLine(l)))
            .unwrap_or_default();
        writeln!(
            w,
            "namespace {}{current}: {} workload object(s) all satisfy {:?}",
            TermLine(&r.namespace),
            r.objects,
            r.strictest.to_string()
        )?;
        let Some(next) = r.next else {
            writeln!(w, "  ready for enforce={}", r.strictest.level)?;
            continue;
        };
        if r.strictest.level != Level::Privileged {
            writeln!(w, "  ready for enforce={}", r.strictest.level)?;
        }
        writeln!(
            w,
            "  blocking {:?}: {} object(s)",
            next.to_string(),
            r.blockers.len()
        )?;
        for b in &r.blockers {
            let at = b
                .location
                .as_ref()
                .map(|l| format!(" ({})", TermLine(l)))
                .unwrap_or_default();
            writeln!(
                w,
                "    {}{at}: {}",
                describe_object(&b.object),
                TermLine(&b.detail)
            )?;
        }
    }
    Ok(())
}
