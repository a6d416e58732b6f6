//! One run of the selected rules over an inventory.

use crate::{Baseline, Settings};
use rayon::prelude::*;
use stockade_inventory::{Inventory, Object, ObjectOrigin};
use stockade_model::{
    Diagnostic, DiagnosticLevel, Finding, Suppression, SuppressionKind, fingerprint,
};
use stockade_rules::{Hit, Options, Rule};

/// The annotation that suppresses rules on one object: `RULE[,RULE] -- reason`.
pub const IGNORE_ANNOTATION: &str = "stockade.dev/ignore";

/// Findings and diagnostics of a run, sorted.
#[derive(Debug, Default)]
pub struct RunOutput {
    /// Unsuppressed findings.
    pub findings: Vec<Finding>,
    /// Suppressed findings, each with the suppression that applied.
    pub suppressed: Vec<Finding>,
    /// Diagnostics (expired suppressions, annotation problems).
    pub diagnostics: Vec<Diagnostic>,
    /// How many rules ran.
    pub rules_run: usize,
}

/// Runs the enabled rules. `today` is `YYYY-MM-DD` (for expiry).
pub fn run(
    inv: &Inventory,
    settings: &Settings,
    baseline: Option<&Baseline>,
    today: &str,
) -> RunOutput {
    let mut out = RunOutput::default();
    let empty = Options::new();
    let excluded: Vec<bool> = inv
        .objects()
        .iter()
        .map(|o| is_excluded(inv, settings, o))
        .collect();
    let views = stockade_rules::Views::new(inv);
    // Rules are independent of each other: they run on the rayon pool (two threads on a
    // two-core machine) and their hits are concatenated in registry order, so the output does
    // not depend on scheduling.
    let per_rule: Vec<Vec<Hit<'_>>> = settings
        .enabled
        .par_iter()
        .map(|rule| {
            if !rule.kinds.iter().any(|k| inv.has_kind(k)) {
                return Vec::new();
            }
            let opts = settings.options.get(rule.id).unwrap_or(&empty);
            rule.run(&views, opts)
        })
        .collect();
    out.rules_run = settings.enabled.len();
    let hits: Vec<Hit<'_>> = per_rule.into_iter().flatten().collect();
    // Building a finding (location, snippet, fingerprint) only reads the inventory: parallel
    // too, in order.
    let built: Vec<Option<(Finding, &'static Rule, &Object)>> = hits
        .into_par_iter()
        .map(|h| {
            if object_index(inv, h.object).is_some_and(|i| excluded[i]) {
                return None;
            }
            // Pods, ReplicaSets and Jobs that a workload controller made repeat their owner's
            // pod template: report the owner (which a user edits), not every copy of it.
            if h.rule.family == stockade_rules::Family::Workload
                && h.object.controlled_by_workload()
            {
                return None;
            }
            let (rule, object) = (h.rule, h.object);
            Some((to_finding(inv, settings, h), rule, object))
        })
        .collect();
    let mut expired_reported = vec![false; settings.suppressions.len()];
    for (finding, rule, object) in built.into_iter().flatten() {
        match suppression_for(
            settings,
            baseline,
            today,
            rule,
            object,
            &finding,
            &mut expired_reported,
            &mut out.diagnostics,
        ) {
            Some(s) => out.suppressed.push(Finding {
                suppression: Some(s),
                ..finding
            }),
            None => out.findings.push(finding),
        }
    }
    annotation_diagnostics(inv, &mut out.diagnostics);
    sort(&mut out.findings);
    sort(&mut out.suppressed);
    out
}

fn object_index(inv: &Inventory, o: &Object) -> Option<usize> {
    let base = inv.objects().as_ptr() as usize;
    let at = o as *const Object as usize;
    let size = std::mem::size_of::<Object>();
    let i = at.checked_sub(base)? / size.max(1);
    (i < inv.objects().len()).then_some(i)
}

fn is_excluded(inv: &Inventory, settings: &Settings, o: &Object) -> bool {
    if settings
        .exclude_objects
        .iter()
        .any(|p| p.matches(o.kind(), o.namespace(), o.name()))
    {
        return true;
    }
    if let ObjectOrigin::File(origin) = &o.origin
        && let Some(f) = inv.files().get(origin.file)
    {
        let p = f.path.strip_prefix("./").unwrap_or(&f.path);
        return settings.exclude_paths.is_match(p);
    }
    false
}

fn to_finding(inv: &Inventory, settings: &Settings, h: Hit<'_>) -> Finding {
    let location = inv.location(h.object, &h.path);
    let snippet = location
        .as_ref()
        .filter(|l| l.line > 0)
        .and_then(|l| inv.source_line(h.object, l.line))
        .map(|line| snippet_of(line, h.sensitive || h.object.kind() == "Secret"));
    Finding {
        rule_id: h.rule.id.to_string(),
        rule_name: h.rule.name.to_string(),
        severity: settings.severity_of(h.rule, h.severity),
        message: h.message,
        object: h.object.oref.clone(),
        location,
        fingerprint: fingerprint(h.rule.id, &h.object.oref, &h.path),
        field_path: h.path,
        remediation: h.rule.remediation.to_string(),
        controls: h.rule.controls.to_vec(),
        snippet,
        suppression: None,
    }
}

/// The source line for display: trimmed, bounded, and with the value redacted when the field
/// may hold secret material.
fn snippet_of(line: &str, redact: bool) -> String {
    let line = line.trim_end();
    if redact {
        // Keep the key (so the reader sees which field), never the value.
        return match line.find(':') {
            Some(i) => format!("{}: <redacted>", &line[..i]),
            None => "<redacted>".to_string(),
        };
    }
    if line.chars().count() > 200 {
        let cut: String = line.chars().take(200).collect();
        return cut + "…";
    }
    line.to_string()
}

/// Rule ids listed in an object's ignore annotation, and the reason.
fn ignore_annotation(o: &Object) -> Option<(Vec<String>, String)> {
    let raw = o.annotation(IGNORE_ANNOTATION)?;
    let (rules, reason) = match raw.split_once("--") {
        Some((r, why)) => (r, why.trim().to_string()),
        None => (raw, String::new()),
    };
    let ids = rules
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    Some((ids, reason))
}

fn annotation_diagnostics(inv: &Inventory, diags: &mut Vec<Diagnostic>) {
    for o in inv.objects() {
        let Some((ids, reason)) = ignore_annotation(o) else {
            continue;
        };
        let loc = inv.location(
            o,
            &stockade_model::FieldPath::parse("metadata.annotations").key(IGNORE_ANNOTATION),
        );
        let (path, line, col) = loc.map_or((None, 0, 0), |l| (Some(l.path), l.line, l.column));
        let mut push = |msg: String| {
            diags.push(Diagnostic {
                level: DiagnosticLevel::Warning,
                code: "suppression".into(),
                message: msg,
                path: path.clone(),
                line,
                column: col,
            })
        };
        for id in &ids {
            if id != "*" && stockade_rules::find(id).is_none() {
                push(format!(
                    "{} {}: `{IGNORE_ANNOTATION}` names unknown rule `{id}`",
                    o.kind(),
                    o.display_name()
                ));
            }
        }
        if reason.is_empty() {
            push(format!(
                "{} {}: `{IGNORE_ANNOTATION}` has no reason; write `RULE[,RULE] -- why it is acceptable`",
                o.kind(),
                o.display_name()
            ));
        }
    }
}

#[allow(clippy::too_many_arguments)] // one call site; the arguments are the run's state
fn suppression_for(
    settings: &Settings,
    baseline: Option<&Baseline>,
    today: &str,
    rule: &Rule,
    object: &Object,
    f: &Finding,
    expired_reported: &mut [bool],
    diags: &mut Vec<Diagnostic>,
) -> Option<Suppression> {
    if let Some((ids, reason)) = ignore_annotation(object)
        && ids.iter().any(|id| {
            id == "*" || id.eq_ignore_ascii_case(rule.id) || id.eq_ignore_ascii_case(rule.name)
        })
    {
        return Some(Suppression {
            kind: SuppressionKind::Annotation,
            reason: if reason.is_empty() {
                "(no reason given)".into()
            } else {
                reason
            },
        });
    }
    for (i, s) in settings.suppressions.iter().enumerate() {
        let rule_ok = s.rule == "*"
            || s.rule.eq_ignore_ascii_case(rule.id)
            || s.rule.eq_ignore_ascii_case(rule.name);
        let obj_ok = s
            .object
            .as_ref()
            .is_none_or(|p| p.matches(object.kind(), object.namespace(), object.name()));
        if !(rule_ok && obj_ok) {
            continue;
        }
        if let Some(exp) = &s.expires
            && exp.as_str() <= today
        {
            if !expired_reported[i] {
                expired_reported[i] = true;
                diags.push(Diagnostic {
                    level: DiagnosticLevel::Warning,
                    code: "suppression-expired".into(),
                    message: format!(
                        "suppression of {} ({}) expired on {exp}; its findings are reported again — renew it with a new date or fix them",
                        s.rule, s.reason
                    ),
                    path: settings.source.as_ref().map(|p| p.display().to_string()),
                    line: 0,
                    column: 0,
                });
            }
            continue;
        }
        return Some(Suppression {
            kind: SuppressionKind::Config,
            reason: s.reason.clone(),
        });
    }
    if baseline.is_some_and(|b| b.contains(&f.fingerprint)) {
        return Some(Suppression {
            kind: SuppressionKind::Baseline,
            reason: "in baseline".into(),
        });
    }
    None
}

fn sort(v: &mut [Finding]) {
    v.par_sort_by(|a, b| {
        let la = a.location.as_ref().map(|l| (&l.path, l.line, l.column));
        let lb = b.location.as_ref().map(|l| (&l.path, l.line, l.column));
        la.cmp(&lb)
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.field_path.cmp(&b.field_path))
            .then_with(|| a.message.cmp(&b.message))
    });
}

#[cfg(test)]
mod tests {
    use super::snippet_of;

    #[test]
    fn redacted_snippets_keep_the_key_only() {
        assert_eq!(
            snippet_of("      value: hunter2", true),
            "      value: <redacted>"
        );
        assert_eq!(snippet_of("  image: nginx", false), "  image: nginx");
    }
}
