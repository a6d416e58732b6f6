//! What `stockade pss` answers: the verdict of the PodSecurity admission for every workload
//! object (at a level, or by its namespace's policy) and, on request, per-namespace readiness.
//!
//! Plain data: [`assess`] computes it from an inventory, it serializes to the documented
//! `-o json` document (without its `schemaVersion` and `tool` envelope), and
//! `stockade_report::pss` renders it.

use crate::readiness::readiness;
use crate::{
    AdmissionConfig, Evaluation, Exemption, Level, LevelVersion, Pod, Version, decide, evaluate,
    type_errors,
};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use std::collections::BTreeMap;
use std::fmt::Display;
use stockade_inventory::{Inventory, Object};
use stockade_model::{Diagnostic, DiagnosticLevel, FieldPath, Location, ObjectRef, Suppression};

/// What [`assess`] looks at.
pub struct Options<'a> {
    /// Judge every object at this level (at `version`) instead of by its namespace's policy.
    pub level: Option<Level>,
    /// The policy version for `level` and readiness.
    pub version: Version,
    /// Cluster defaults and exemptions.
    pub config: &'a AdmissionConfig,
    /// The namespace of objects that set none.
    pub namespace: &'a str,
    /// Who submits the objects, for username exemptions.
    pub user: Option<&'a str>,
    /// Also compute per-namespace readiness.
    pub readiness: bool,
    /// The id of the rule that reports a check (`PSS017` for `runAsNonRoot`), if any.
    pub rule_of: &'a dyn Fn(&str) -> Option<&'static str>,
}

/// Every workload object's verdict, readiness, and what the inputs said.
#[derive(Debug, Serialize)]
pub struct Assessment {
    /// `--level`, when given.
    #[serde(serialize_with = "opt_display")]
    pub level: Option<Level>,
    /// The policy version.
    #[serde(serialize_with = "display")]
    pub version: Version,
    /// One verdict per workload object, in input order.
    pub objects: Vec<ObjectVerdict>,
    /// Per namespace, with `--readiness`.
    pub readiness: Option<Vec<Readiness>>,
    /// Problems with the inputs (wrongly typed fields are errors).
    pub diagnostics: Vec<Diagnostic>,
    /// The Namespace objects read, by name, with their enforce label.
    #[serde(skip)]
    pub namespaces: BTreeMap<String, Option<String>>,
    /// Whether any Namespace read has a label.
    #[serde(skip)]
    pub labelled: bool,
    /// How many offending fields a suppression covers.
    #[serde(skip)]
    pub suppressed: usize,
}

/// The verdict on one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictKind {
    /// It satisfies `--level`.
    Allowed,
    /// It violates `--level`.
    Violates,
    /// Its namespace's enforce policy admits it.
    Admitted,
    /// Its namespace's enforce policy rejects it (or its pods).
    Rejected,
    /// Wrongly typed fields: the API server would reject it, so it gets no verdict.
    Invalid,
}

/// One workload object and what the admission would do with it.
#[derive(Debug)]
pub struct ObjectVerdict {
    /// The object's index in the inventory it was assessed from (not serialized).
    pub index: usize,
    /// The object.
    pub object: ObjectRef,
    /// Where it is.
    pub location: Option<Location>,
    /// The verdict.
    pub verdict: VerdictKind,
    /// Its namespace (the default for objects without one).
    pub namespace: String,
    /// At `--level`, when given (also computed for invalid objects; not serialized for them).
    pub evaluation: Option<EvaluationAnswer>,
    /// What its namespace's admission policy does with it.
    pub admission: Admission,
}

impl ObjectVerdict {
    /// Whether it has wrongly typed fields.
    pub fn invalid(&self) -> bool {
        self.verdict == VerdictKind::Invalid
    }
}

impl Serialize for ObjectVerdict {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let valid = !self.invalid();
        let mut st = s.serialize_struct("ObjectVerdict", 5)?;
        st.serialize_field("object", &self.object)?;
        st.serialize_field("location", &self.location)?;
        st.serialize_field("verdict", &self.verdict)?;
        st.serialize_field("evaluation", &self.evaluation.as_ref().filter(|_| valid))?;
        st.serialize_field("admission", &valid.then_some(&self.admission))?;
        st.end()
    }
}

/// One evaluation of an object against one level and version.
#[derive(Clone, Debug, Serialize)]
pub struct EvaluationAnswer {
    /// What was evaluated.
    #[serde(serialize_with = "display")]
    pub policy: LevelVersion,
    /// Whether the object satisfies it.
    pub allowed: bool,
    /// The API server's message when it does not.
    pub message: Option<String>,
    /// The checks that forbid it, in upstream's order.
    pub checks: Vec<CheckAnswer>,
}

/// A check that forbids an object.
#[derive(Clone, Debug, Serialize)]
pub struct CheckAnswer {
    /// Upstream's check id.
    pub id: &'static str,
    /// The level it belongs to.
    #[serde(serialize_with = "display")]
    pub level: Level,
    /// The rule that reports it.
    pub rule: Option<&'static str>,
    /// Upstream's short reason.
    pub reason: String,
    /// Upstream's detail.
    pub detail: String,
    /// The offending fields.
    pub violations: Vec<ViolationAnswer>,
}

impl CheckAnswer {
    /// `reason (detail)`, or the reason alone.
    pub fn describe(&self) -> String {
        if self.detail.is_empty() {
            self.reason.clone()
        } else {
            format!("{} ({})", self.reason, self.detail)
        }
    }
}

/// One offending field.
#[derive(Clone, Debug, Serialize)]
pub struct ViolationAnswer {
    /// The field.
    #[serde(serialize_with = "display")]
    pub path: FieldPath,
    /// Where it is.
    pub location: Option<Location>,
    /// Upstream's detail were this the only offender.
    pub message: String,
    /// The suppression that covers its finding, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// The message of its finding: `reason (message)`.
    #[serde(skip)]
    pub finding_message: String,
}

/// What an object's namespace's admission policy does with it.
#[derive(Clone, Debug, Serialize)]
pub struct Admission {
    /// The namespace.
    pub namespace: String,
    /// Its policy.
    pub policy: PolicyAnswer,
    /// Why it is not evaluated, if so.
    #[serde(serialize_with = "opt_display")]
    pub exempt: Option<Exemption>,
    /// Whether enforce rejects it.
    pub rejected: bool,
    /// The enforce evaluation.
    pub enforce: Option<EvaluationAnswer>,
    /// The audit evaluation.
    pub audit: Option<EvaluationAnswer>,
    /// The warn evaluation.
    pub warn: Option<EvaluationAnswer>,
}

/// A namespace's three modes.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyAnswer {
    /// Enforce.
    #[serde(serialize_with = "display")]
    pub enforce: LevelVersion,
    /// Audit.
    #[serde(serialize_with = "display")]
    pub audit: LevelVersion,
    /// Warn.
    #[serde(serialize_with = "display")]
    pub warn: LevelVersion,
}

/// The readiness of one namespace.
#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    /// The namespace.
    pub namespace: String,
    /// Objects evaluated.
    pub objects: usize,
    /// The strictest level every object satisfies.
    #[serde(serialize_with = "display")]
    pub strictest: LevelVersion,
    /// The next stricter level, when there is one.
    #[serde(serialize_with = "opt_display")]
    pub next: Option<LevelVersion>,
    /// Objects that fail the next level.
    pub blockers: Vec<Blocker>,
}

/// An object that fails the next level.
#[derive(Clone, Debug, Serialize)]
pub struct Blocker {
    /// The object.
    pub object: ObjectRef,
    /// Upstream ids of the failing checks.
    pub checks: Vec<&'static str>,
    /// Upstream's aggregate detail.
    pub detail: String,
    /// Where the object is.
    #[serde(skip)]
    pub location: Option<Location>,
}

fn display<T: Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn opt_display<T: Display, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

impl Assessment {
    /// Whether the inputs had errors (wrongly typed fields included).
    pub fn input_error(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
            || self.objects.iter().any(ObjectVerdict::invalid)
    }

    /// Whether an object fails `--level` (without it, would be rejected by enforce) with an
    /// offending field that no suppression covers.
    pub fn fails(&self) -> bool {
        self.objects.iter().any(|v| {
            let e = if self.level.is_some() {
                v.evaluation.as_ref()
            } else {
                v.admission.enforce.as_ref()
            };
            e.is_some_and(|e| !e.allowed && !all_suppressed(e))
        })
    }

    /// Sets the suppression of every offending field, in every evaluation, to what
    /// `suppression(object, rule, field)` says.
    pub fn mark_suppressed(
        &mut self,
        suppression: impl Fn(&ObjectRef, &str, &FieldPath) -> Option<Suppression>,
    ) {
        for v in &mut self.objects {
            let a = &mut v.admission;
            let evaluations = v
                .evaluation
                .iter_mut()
                .chain(a.enforce.iter_mut())
                .chain(a.audit.iter_mut())
                .chain(a.warn.iter_mut());
            for c in evaluations.flat_map(|e| e.checks.iter_mut()) {
                let Some(rule) = c.rule else { continue };
                for viol in &mut c.violations {
                    viol.suppression = suppression(&v.object, rule, &viol.path);
                }
            }
        }
    }
}

/// Whether every offending field of every failed check of `e` is suppressed.
fn all_suppressed(e: &EvaluationAnswer) -> bool {
    e.checks
        .iter()
        .all(|c| !c.violations.is_empty() && c.violations.iter().all(|v| v.suppression.is_some()))
}

/// The verdicts of the PodSecurity admission for every workload object of `inv`, with the
/// diagnostics of loading it (`diagnostics`) and those of the assessment: wrongly typed fields
/// the checks read, and namespace labels the admission cannot parse.
pub fn assess(inv: &Inventory, mut diagnostics: Vec<Diagnostic>, opts: &Options<'_>) -> Assessment {
    let namespaces: BTreeMap<&str, &Object> =
        inv.of_kind("Namespace").map(|n| (n.name(), n)).collect();
    let mut pods = Vec::new();
    let mut objects = Vec::new();
    for (index, o) in inv.objects().iter().enumerate() {
        let Some(pod) = Pod::of(o) else { continue };
        let namespace = o.namespace().unwrap_or(opts.namespace).to_string();
        let errors = type_errors(&pod);
        for e in &errors {
            type_diagnostic(inv, o, e, &mut diagnostics);
        }
        let at_level = opts
            .level
            .map(|l| evaluate(&pod, LevelVersion::new(l, opts.version)));
        let labels = namespaces.get(namespace.as_str()).map(|n| n.labels());
        let d = decide(&pod, &namespace, labels, opts.config, opts.user);
        let verdict = if !errors.is_empty() {
            VerdictKind::Invalid
        } else if let Some(e) = &at_level {
            if e.allowed() {
                VerdictKind::Allowed
            } else {
                VerdictKind::Violates
            }
        } else if d.rejected() {
            VerdictKind::Rejected
        } else {
            VerdictKind::Admitted
        };
        let answer = |e: &Evaluation| evaluation(inv, o, e, opts.rule_of);
        objects.push(ObjectVerdict {
            index,
            object: o.oref(),
            location: inv.location(o, &FieldPath::root()),
            verdict,
            namespace: namespace.clone(),
            evaluation: at_level.as_ref().map(answer),
            admission: Admission {
                namespace: namespace.clone(),
                policy: PolicyAnswer {
                    enforce: d.policy.enforce,
                    audit: d.policy.audit,
                    warn: d.policy.warn,
                },
                exempt: d.exempt.clone(),
                rejected: d.rejected(),
                enforce: d.enforce.as_ref().map(answer),
                audit: d.audit.as_ref().map(answer),
                warn: d.warn.as_ref().map(answer),
            },
        });
        pods.push((namespace, pod, errors.is_empty()));
    }
    for (name, ns) in &namespaces {
        let (_, errs) = crate::Policy::from_labels(ns.labels(), opts.config.defaults);
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
    let ready = opts.readiness.then(|| {
        let valid: Vec<(String, Pod<'_>)> = pods
            .iter()
            .filter(|p| p.2)
            .map(|(ns, pod, _)| (ns.clone(), pod.clone()))
            .collect();
        let extra: Vec<String> = namespaces.keys().map(|s| s.to_string()).collect();
        readiness(&valid, &extra, opts.version)
            .into_iter()
            .map(|r| Readiness {
                namespace: r.namespace,
                objects: r.objects,
                strictest: r.strictest,
                next: r.next,
                // The index is into every object's verdict, as the listing has always had it.
                blockers: r
                    .blockers
                    .into_iter()
                    .filter_map(|b| {
                        let v = objects.get(b.index)?;
                        Some(Blocker {
                            object: v.object.clone(),
                            checks: b.checks,
                            detail: b.detail,
                            location: v.location.clone(),
                        })
                    })
                    .collect(),
            })
            .collect()
    });
    Assessment {
        level: opts.level,
        version: opts.version,
        objects,
        readiness: ready,
        diagnostics,
        namespaces: namespaces
            .iter()
            .map(|(name, n)| {
                let enforce = n.label(crate::api::labels::ENFORCE).map(str::to_string);
                (name.to_string(), enforce)
            })
            .collect(),
        labelled: namespaces.values().any(|n| n.labels().count() > 0),
        suppressed: 0,
    }
}

fn evaluation(
    inv: &Inventory,
    o: &Object,
    e: &Evaluation,
    rule_of: &dyn Fn(&str) -> Option<&'static str>,
) -> EvaluationAnswer {
    EvaluationAnswer {
        policy: e.policy,
        allowed: e.allowed(),
        message: (!e.allowed()).then(|| e.message()),
        checks: e
            .failures
            .iter()
            .map(|f| CheckAnswer {
                id: f.check.id,
                level: f.check.level,
                rule: rule_of(f.check.id),
                reason: f.forbidden.reason.clone(),
                detail: f.forbidden.detail.clone(),
                violations: f
                    .forbidden
                    .violations
                    .iter()
                    .map(|v| ViolationAnswer {
                        path: v.path.clone(),
                        location: inv.location(o, &v.path),
                        message: v.message.clone(),
                        suppression: None,
                        finding_message: f.forbidden.violation_message(v),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// A wrong-type error for a field the checks read that the inventory did not report.
fn type_diagnostic(inv: &Inventory, o: &Object, e: &crate::TypeError, diags: &mut Vec<Diagnostic>) {
    let loc = inv.location(o, &e.path);
    let (path, line, column) = loc.map_or((None, 0, 0), |l| (Some(l.path), l.line, l.column));
    let known = diags
        .iter()
        .any(|d| d.code == "wrong-type" && d.path == path && d.line == line && d.column == column);
    if known {
        return;
    }
    diags.push(Diagnostic {
        level: DiagnosticLevel::Error,
        code: "wrong-type".into(),
        message: format!(
            "{} {}: `{}` must be {}, found {}; the API server would reject this object, so Stockade gives it no Pod Security verdict",
            o.kind(),
            o.display_name(),
            e.path,
            e.expected,
            e.found
        ),
        path,
        line,
        column,
    });
}
