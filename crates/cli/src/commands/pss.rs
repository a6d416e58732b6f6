//! `stockade pss`: the verdicts of the PodSecurity admission for every workload object, at a
//! level and version (`--level`), or by each namespace's `pod-security.kubernetes.io` labels,
//! and `--readiness` per namespace.
//!
//! The text output names objects, namespaces and offending values from the inputs: each goes
//! through [`TermLine`], and the whole output through a [`TerminalWriter`] as a backstop.

use super::inputs::{self, Loaded};
use crate::cli::PssArgs;
use anyhow::Context;
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use stockade_inventory::{Inventory, Object};
use stockade_model::escape::{TermLine, TerminalWriter};
use stockade_model::{
    Diagnostic, DiagnosticLevel, FieldPath, Finding, Location, Report, RuleInfo, Suppression,
    SuppressionKind,
};
use stockade_pss::readiness::{NamespaceReadiness, readiness};
use stockade_pss::{
    AdmissionConfig, Decision, Evaluation, Level, LevelVersion, Pod, TypeError, Version, decide,
    evaluate, type_errors,
};
use stockade_rules::Rule;

/// One workload object and what Stockade concluded about it.
struct Verdict<'a> {
    object: &'a Object,
    pod: Pod<'a>,
    namespace: String,
    type_errors: Vec<TypeError>,
    /// At `--level`, when given.
    at_level: Option<Evaluation>,
    /// What the namespace's admission policy does with it.
    decision: Decision,
}

impl Verdict<'_> {
    fn invalid(&self) -> bool {
        !self.type_errors.is_empty()
    }
}

/// The suppressions that apply to PSS findings, by fingerprint.
type Suppressions = HashMap<String, Suppression>;

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
    let Loaded {
        inv,
        mut diagnostics,
        files_scanned,
        files_skipped,
        coverage,
        partial,
    } = inputs::load(&args.input)?;

    let namespaces: BTreeMap<&str, &Object> =
        inv.of_kind("Namespace").map(|n| (n.name(), n)).collect();
    let mut verdicts = Vec::new();
    for o in inv.objects() {
        let Some(pod) = Pod::of(o) else { continue };
        let namespace = o.namespace().unwrap_or(&args.namespace).to_string();
        let type_errors = type_errors(&pod);
        let at_level = level.map(|l| evaluate(&pod, LevelVersion::new(l, version)));
        let labels = namespaces.get(namespace.as_str()).map(|n| n.labels());
        let decision = decide(&pod, &namespace, labels, &config, args.as_user.as_deref());
        verdicts.push(Verdict {
            object: o,
            pod,
            namespace,
            type_errors,
            at_level,
            decision,
        });
    }
    add_type_diagnostics(&inv, &verdicts, &mut diagnostics);
    for (name, ns) in &namespaces {
        let (_, errs) = stockade_pss::Policy::from_labels(ns.labels(), config.defaults);
        for e in errs {
            diagnostics.push(Diagnostic::general(
                DiagnosticLevel::Warning,
                "pss-label",
                format!(
                    "namespace {name}: label {e}; the admission falls back (enforce to restricted, audit and warn to privileged, versions to latest)"
                ),
            ));
        }
    }

    // The findings behind `-o sarif|junit|markdown`; the suppressions `scan` applies (the
    // objects' `stockade.dev/ignore` annotations, `.stockade.yaml` entries) apply to them, in
    // every format, and to the exit code.
    let (findings, rules) = findings(&inv, &verdicts);
    let split = stockade_engine::suppress(
        Some(&settings),
        Some(&inv),
        None,
        &stockade_engine::today(),
        findings,
    );
    diagnostics.extend(split.warnings);
    let sup: Suppressions = split
        .suppressed
        .iter()
        .filter_map(|f| Some((f.fingerprint.clone(), f.suppression.clone()?)))
        .collect();

    let input_error = diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error)
        || verdicts.iter().any(Verdict::invalid);

    let ready = args.readiness.then(|| {
        let pods: Vec<(String, Pod<'_>)> = verdicts
            .iter()
            .filter(|v| !v.invalid())
            .map(|v| (v.namespace.clone(), v.pod.clone()))
            .collect();
        let extra: Vec<String> = namespaces.keys().map(|s| s.to_string()).collect();
        readiness(&pods, &extra, version)
    });

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.output.as_str() {
        "json" => write_json(
            &mut out,
            &inv,
            &sup,
            &verdicts,
            ready.as_deref(),
            level,
            version,
            &diagnostics,
        ),
        "table" => write_text(
            &mut TerminalWriter::new(&mut out, false),
            &inv,
            &sup,
            &verdicts,
            ready.as_deref(),
            level,
            version,
            &diagnostics,
            &namespaces,
        ),
        other => {
            let report = to_report(
                &inv,
                &rules,
                split.kept,
                split.suppressed,
                diagnostics.clone(),
                files_scanned,
                files_skipped,
                coverage,
                partial,
            );
            let format = stockade_report::Format::parse(other).context("unknown output format")?;
            stockade_report::render(&report, format, &mut out, false)
        }
    };
    if let Err(e) = written.and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }

    Ok(if input_error {
        2
    } else if args.readiness {
        0
    } else {
        // An object fails unless every offending field of its failed checks is suppressed.
        let fails = |v: &Verdict<'_>| {
            let e = if level.is_some() {
                v.at_level.as_ref()
            } else {
                v.decision.enforce.as_ref()
            };
            e.is_some_and(|e| !e.allowed() && !all_suppressed(&sup, v.object, e))
        };
        u8::from(verdicts.iter().any(fails))
    })
}

/// The suppression of the finding for one offending field of a check, if any.
fn suppression<'s>(
    sup: &'s Suppressions,
    o: &Object,
    check: &str,
    path: &FieldPath,
) -> Option<&'s Suppression> {
    let rule = stockade_rules::pss::rule_for_check(check)?;
    sup.get(&stockade_model::fingerprint(rule.id, &o.oref, path))
}

/// Whether every offending field of every failed check of `e` is suppressed.
fn all_suppressed(sup: &Suppressions, o: &Object, e: &Evaluation) -> bool {
    e.failures.iter().all(|f| {
        !f.forbidden.violations.is_empty()
            && f.forbidden
                .violations
                .iter()
                .all(|v| suppression(sup, o, f.check.id, &v.path).is_some())
    })
}

/// ` (suppressed, config: reason)` for the text output (escaped).
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

/// Wrong-type diagnostics for fields the PSS checks read that the inventory did not report.
fn add_type_diagnostics(inv: &Inventory, verdicts: &[Verdict<'_>], diags: &mut Vec<Diagnostic>) {
    for v in verdicts {
        for e in &v.type_errors {
            let loc = inv.location(v.object, &e.path);
            let (path, line, column) =
                loc.map_or((None, 0, 0), |l| (Some(l.path), l.line, l.column));
            let known = diags.iter().any(|d| {
                d.code == "wrong-type" && d.path == path && d.line == line && d.column == column
            });
            if known {
                continue;
            }
            diags.push(Diagnostic {
                level: DiagnosticLevel::Error,
                code: "wrong-type".into(),
                message: format!(
                    "{} {}: `{}` must be {}, found {}; the API server would reject this object, so Stockade gives it no Pod Security verdict",
                    v.object.kind(),
                    v.object.display_name(),
                    e.path,
                    e.expected,
                    e.found
                ),
                path,
                line,
                column,
            });
        }
    }
}

/// `Kind namespace/name` for the text output (escaped).
fn describe_object(o: &Object) -> String {
    match o.namespace() {
        Some(ns) => format!(
            "{} {}/{}",
            TermLine(o.kind()),
            TermLine(ns),
            TermLine(o.name())
        ),
        None => format!("{} {}", TermLine(o.kind()), TermLine(o.name())),
    }
}

/// A location for the text output (escaped).
fn location_text(inv: &Inventory, o: &Object, path: &stockade_model::FieldPath) -> String {
    inv.location(o, path)
        .map(|l| TermLine(l).to_string())
        .unwrap_or_default()
}

fn admission_text(v: &Verdict<'_>) -> Option<String> {
    let d = &v.decision;
    let ns = TermLine(&v.namespace);
    if let Some(e) = &d.exempt {
        return Some(format!("namespace {ns}: exempt ({})", TermLine(e)));
    }
    let is_pod = v.object.kind() == "Pod";
    let mut parts = Vec::new();
    if let Some(e) = &d.enforce {
        if e.allowed() {
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
    if let Some(e) = d.audit.as_ref().filter(|e| !e.allowed()) {
        parts.push(format!("audit annotation for {:?}", e.policy.to_string()));
    }
    if let Some(e) = d.warn.as_ref().filter(|e| !e.allowed()) {
        parts.push(format!("warning for {:?}", e.policy.to_string()));
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!("namespace {ns}: {}", parts.join("; ")))
}

#[allow(clippy::too_many_arguments)] // one call site; the pieces of one report
fn write_text(
    w: &mut dyn Write,
    inv: &Inventory,
    sup: &Suppressions,
    verdicts: &[Verdict<'_>],
    ready: Option<&[NamespaceReadiness]>,
    level: Option<Level>,
    version: Version,
    diagnostics: &[Diagnostic],
    namespaces: &BTreeMap<&str, &Object>,
) -> std::io::Result<()> {
    for d in diagnostics {
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
    if let Some(ready) = ready {
        return write_readiness(w, inv, verdicts, ready, namespaces);
    }
    let mut counts = [0usize; 3]; // ok, violating, invalid
    for v in verdicts {
        let head = describe_object(v.object);
        let at = inv
            .location(v.object, &stockade_model::FieldPath::root())
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
        match &v.at_level {
            Some(e) if !e.allowed() => {
                counts[1] += 1;
                writeln!(w, "FAIL    {head}{at}: violates {:?}", e.policy.to_string())?;
                write_failures(w, inv, sup, v.object, e)?;
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
                let tag = if v.decision.rejected() {
                    counts[1] += 1;
                    "REJECT "
                } else {
                    counts[0] += 1;
                    "ADMIT  "
                };
                writeln!(w, "{tag} {head}{at}")?;
                for e in [&v.decision.enforce, &v.decision.audit, &v.decision.warn]
                    .into_iter()
                    .flatten()
                    .filter(|e| !e.allowed())
                    .take(1)
                {
                    write_failures(w, inv, sup, v.object, e)?;
                }
            }
        }
        if let Some(t) = admission_text(v)
            && (level.is_none() || namespaces.contains_key(v.namespace.as_str()))
        {
            writeln!(w, "        {t}")?;
        }
    }
    let target = match level {
        Some(l) => format!("{:?}", LevelVersion::new(l, version).to_string()),
        None => "their namespace's enforce policy".to_string(),
    };
    writeln!(
        w,
        "\n{} workload object(s): {} satisfy {target}, {} {}, {} invalid",
        verdicts.len(),
        counts[0],
        counts[1],
        if level.is_some() {
            "violate it"
        } else {
            "would be rejected"
        },
        counts[2]
    )?;
    if !sup.is_empty() {
        writeln!(
            w,
            "{} offending field(s) suppressed; they do not fail the run",
            sup.len()
        )?;
    }
    if level.is_none() && namespaces.values().all(|n| n.labels().count() == 0) {
        writeln!(
            w,
            "note: no Namespace with pod-security.kubernetes.io labels was read; pass --level restricted (or baseline) to check a level, or --readiness"
        )?;
    }
    Ok(())
}

fn write_failures(
    w: &mut dyn Write,
    inv: &Inventory,
    sup: &Suppressions,
    o: &Object,
    e: &Evaluation,
) -> std::io::Result<()> {
    for f in &e.failures {
        writeln!(
            w,
            "        {}: {}",
            f.check.id,
            TermLine(f.forbidden.describe())
        )?;
        for v in &f.forbidden.violations {
            writeln!(
                w,
                "          at {} {}{}",
                location_text(inv, o, &v.path),
                TermLine(&v.path),
                suppression_text(suppression(sup, o, f.check.id, &v.path))
            )?;
        }
    }
    Ok(())
}

fn write_readiness(
    w: &mut dyn Write,
    inv: &Inventory,
    verdicts: &[Verdict<'_>],
    ready: &[NamespaceReadiness],
    namespaces: &BTreeMap<&str, &Object>,
) -> std::io::Result<()> {
    for r in ready {
        let current = namespaces
            .get(r.namespace.as_str())
            .and_then(|n| n.label(stockade_pss::api::labels::ENFORCE))
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
            let Some(v) = verdicts.get(b.index) else {
                continue;
            };
            let at = inv
                .location(v.object, &stockade_model::FieldPath::root())
                .map(|l| format!(" ({})", TermLine(l)))
                .unwrap_or_default();
            writeln!(
                w,
                "    {}{at}: {}",
                describe_object(v.object),
                TermLine(&b.detail)
            )?;
        }
    }
    Ok(())
}

fn eval_json(inv: &Inventory, sup: &Suppressions, o: &Object, e: &Evaluation) -> Json {
    json!({
        "policy": e.policy.to_string(),
        "allowed": e.allowed(),
        "message": (!e.allowed()).then(|| e.message()),
        "checks": e.failures.iter().map(|f| json!({
            "id": f.check.id,
            "level": f.check.level.as_str(),
            "rule": stockade_rules::pss::rule_for_check(f.check.id).map(|r| r.id),
            "reason": f.forbidden.reason,
            "detail": f.forbidden.detail,
            "violations": f.forbidden.violations.iter().map(|v| {
                let mut j = json!({
                    "path": v.path.to_string(),
                    "location": inv.location(o, &v.path),
                    "message": v.message,
                });
                if let Some(s) = suppression(sup, o, f.check.id, &v.path) {
                    j["suppression"] = json!(s);
                }
                j
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn write_json(
    w: &mut dyn Write,
    inv: &Inventory,
    sup: &Suppressions,
    verdicts: &[Verdict<'_>],
    ready: Option<&[NamespaceReadiness]>,
    level: Option<Level>,
    version: Version,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let objects: Vec<Json> = verdicts
        .iter()
        .map(|v| {
            let d = &v.decision;
            let verdict = if v.invalid() {
                "invalid"
            } else if let Some(e) = &v.at_level {
                if e.allowed() { "allowed" } else { "violates" }
            } else if d.rejected() {
                "rejected"
            } else {
                "admitted"
            };
            json!({
                "object": v.object.oref,
                "location": inv.location(v.object, &stockade_model::FieldPath::root()),
                "verdict": verdict,
                "evaluation": v.at_level.as_ref().filter(|_| !v.invalid()).map(|e| eval_json(inv, sup, v.object, e)),
                "admission": (!v.invalid()).then(|| json!({
                    "namespace": v.namespace,
                    "policy": {
                        "enforce": d.policy.enforce.to_string(),
                        "audit": d.policy.audit.to_string(),
                        "warn": d.policy.warn.to_string(),
                    },
                    "exempt": d.exempt.as_ref().map(|e| e.to_string()),
                    "rejected": d.rejected(),
                    "enforce": d.enforce.as_ref().map(|e| eval_json(inv, sup, v.object, e)),
                    "audit": d.audit.as_ref().map(|e| eval_json(inv, sup, v.object, e)),
                    "warn": d.warn.as_ref().map(|e| eval_json(inv, sup, v.object, e)),
                })),
            })
        })
        .collect();
    let readiness: Option<Vec<Json>> = ready.map(|r| {
        r.iter()
            .map(|n| {
                json!({
                    "namespace": n.namespace,
                    "objects": n.objects,
                    "strictest": n.strictest.to_string(),
                    "next": n.next.map(|x| x.to_string()),
                    "blockers": n.blockers.iter().filter_map(|b| {
                        let v = verdicts.get(b.index)?;
                        Some(json!({"object": v.object.oref, "checks": b.checks, "detail": b.detail}))
                    }).collect::<Vec<_>>(),
                })
            })
            .collect()
    });
    let doc = json!({
        "schemaVersion": "1.0",
        "tool": {"name": "stockade", "version": env!("CARGO_PKG_VERSION")},
        "level": level.map(Level::as_str),
        "version": version.to_string(),
        "objects": objects,
        "readiness": readiness,
        "diagnostics": diagnostics,
    });
    stockade_model::escape::json_to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

/// One finding per offending field of each failed check (at `--level`, else of the enforce
/// policy), under the PSS rule of the check, in verdict order; and the rules of those checks.
fn findings(inv: &Inventory, verdicts: &[Verdict<'_>]) -> (Vec<Finding>, Vec<&'static Rule>) {
    let mut out = Vec::new();
    let mut rules = BTreeMap::new();
    for v in verdicts {
        let Some(e) = v.at_level.as_ref().or(v.decision.enforce.as_ref()) else {
            continue;
        };
        for f in &e.failures {
            let Some(rule) = stockade_rules::pss::rule_for_check(f.check.id) else {
                continue;
            };
            rules.insert(rule.id, rule);
            for viol in &f.forbidden.violations {
                let location: Option<Location> = inv.location(v.object, &viol.path);
                out.push(Finding {
                    rule_id: rule.id.into(),
                    rule_name: rule.name.into(),
                    severity: rule.severity,
                    message: f.forbidden.violation_message(viol),
                    object: v.object.oref.clone(),
                    location,
                    field_path: viol.path.clone(),
                    remediation: rule.remediation.into(),
                    controls: rule.controls.into(),
                    fingerprint: stockade_model::fingerprint(rule.id, &v.object.oref, &viol.path),
                    snippet: None,
                    suppression: None,
                });
            }
        }
    }
    (out, rules.into_values().collect())
}

/// The findings as a standard report, for `-o sarif|junit|markdown`.
#[allow(clippy::too_many_arguments)] // one call site; the pieces of one report
fn to_report(
    inv: &Inventory,
    rules: &[&Rule],
    findings: Vec<Finding>,
    suppressed: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
    files_scanned: usize,
    files_skipped: usize,
    coverage: Vec<stockade_model::Coverage>,
    partial: bool,
) -> Report {
    let mut report = Report::new(env!("CARGO_PKG_VERSION"));
    report.rules = rules
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
    report.summary.files_scanned = files_scanned;
    report.summary.files_skipped = files_skipped;
    report.summary.objects = inv.objects().len();
    report.summary.rules_run = rules.len();
    for f in &findings {
        *report.summary.by_severity.entry(f.severity).or_default() += 1;
    }
    report.summary.suppressed = suppressed.len();
    report.findings = findings;
    report.suppressed = suppressed;
    report.diagnostics = diagnostics;
    report.coverage = coverage;
    report.partial = partial;
    report
}
