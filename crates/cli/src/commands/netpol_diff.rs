//! `stockade netpol diff`: two sets of inputs (manifests, or the live cluster on either side)
//! → two models and matrices → `stockade_netpol::diff` → findings (ND001 lost, ND002 gained,
//! ND003 workloads on one side only) in a standard report, every format.

use super::inputs;
use crate::cli::{DiffFailOn, NetpolDiffArgs};
use std::borrow::Cow;
use stockade_model::{FieldPath, Finding, ObjectRef, Report, RuleInfo, Severity, fingerprint};
use stockade_netpol::{Matrix, Model};

const CHECKS: &[(&str, &str, Severity, &str)] = &[
    (
        "ND001",
        "connectivity-lost",
        Severity::Medium,
        "traffic allowed before the change is denied after it",
    ),
    (
        "ND002",
        "connectivity-gained",
        Severity::Low,
        "traffic denied before the change is allowed after it",
    ),
    (
        "ND003",
        "workload-on-one-side",
        Severity::Info,
        "a workload is in only one of the two versions",
    ),
];

fn object(key: &str) -> ObjectRef {
    let mut it = key.splitn(3, '/');
    let (ns, kind, name) = (
        it.next().unwrap_or(""),
        it.next().unwrap_or(""),
        it.next().unwrap_or(""),
    );
    if name.is_empty() {
        return ObjectRef {
            api_version: String::new(),
            kind: "Outside".into(),
            namespace: None,
            name: key.to_string(),
        };
    }
    ObjectRef {
        api_version: String::new(),
        kind: kind.into(),
        namespace: Some(ns.into()),
        name: name.into(),
    }
}

fn finding(id: &'static str, object: ObjectRef, subject: &str, message: String) -> Finding {
    let (_, name, severity, _) = CHECKS
        .iter()
        .find(|c| c.0 == id)
        .copied()
        .unwrap_or(CHECKS[0]);
    let path = FieldPath::root();
    Finding {
        rule_id: Cow::Borrowed(id),
        rule_name: Cow::Borrowed(name),
        severity,
        fingerprint: fingerprint(&format!("{id}/{subject}"), &object, &path),
        message,
        object,
        location: None,
        field_path: path,
        remediation: Cow::Borrowed(match id {
            "ND001" => {
                "If the traffic is still needed, allow it in the new policies (the rules named are what decide now); otherwise this is the intended change."
            }
            "ND002" => {
                "Check the newly allowed traffic is intended; narrow the rules named if not."
            }
            _ => "Nothing to do unless the workload was not meant to change.",
        }),
        controls: Cow::Borrowed(&[]),
        snippet: None,
        suppression: None,
    }
}

pub fn run(a: NetpolDiffArgs) -> anyhow::Result<u8> {
    let mut old_args = a.input.clone();
    old_args.paths = a.old.clone();
    old_args.cluster = a.old_cluster;
    if a.old_cluster {
        old_args.kubeconfig = None;
        old_args.context = None;
    }
    let old = inputs::load(&old_args)?;
    let new = inputs::load(&a.input)?;
    let (old_m, new_m) = (Model::build(&old.inv), Model::build(&new.inv));
    let (old_mx, new_mx) = (Matrix::compute(&old_m), Matrix::compute(&new_m));
    let d = stockade_netpol::diff::diff(&old_m, &old_mx, &new_m, &new_mx);

    let mut report = Report::new(env!("CARGO_PKG_VERSION"));
    report.diagnostics.extend(old.diagnostics.iter().cloned());
    report.diagnostics.extend(new.diagnostics.iter().cloned());
    report.diagnostics.extend(old_m.diagnostics.iter().cloned());
    report.diagnostics.extend(new_m.diagnostics.iter().cloned());
    report.summary.files_scanned = old.files_scanned + new.files_scanned;
    report.summary.objects = d.common + d.added.len() + d.removed.len();
    report.summary.rules_run = CHECKS.len();
    report.partial = old.partial || new.partial;
    report.rules = CHECKS
        .iter()
        .map(|(id, name, severity, summary)| RuleInfo {
            id: (*id).into(),
            name: (*name).into(),
            summary: (*summary).into(),
            severity: *severity,
            help: format!("{summary}. See docs/netpol.md, \"Testing a change\"."),
            controls: Vec::new(),
        })
        .collect();
    for c in &d.changes {
        let reasons = |w: &stockade_netpol::diff::Why| {
            if w.rules.is_empty() && w.policies.is_empty() {
                "no policy isolates either end".to_string()
            } else if w.rules.is_empty() {
                format!("isolated by {} and no rule matches", w.policies.join(", "))
            } else {
                w.rules.join("; ")
            }
        };
        let detail = format!(
            "before: {} ({}); after: {} ({})",
            c.before,
            reasons(&c.why_before),
            c.after,
            reasons(&c.why_after)
        );
        let subject = format!("{} -> {}", c.from, c.to);
        let target = if c.to.starts_with("outside: ") {
            &c.from
        } else {
            &c.to
        };
        if c.has_lost {
            report.findings.push(finding(
                "ND001",
                object(target),
                &subject,
                format!("{} → {}: loses {}; {detail}", c.from, c.to, c.lost),
            ));
        }
        if c.has_gained {
            report.findings.push(finding(
                "ND002",
                object(target),
                &subject,
                format!("{} → {}: gains {}; {detail}", c.from, c.to, c.gained),
            ));
        }
    }
    for (list, what) in [
        (&d.removed, "only in the old inputs"),
        (&d.added, "only in the new inputs"),
    ] {
        for k in list {
            report
                .findings
                .push(finding("ND003", object(k), k, format!("{k} is {what}")));
        }
    }
    for f in &report.findings {
        *report.summary.by_severity.entry(f.severity).or_default() += 1;
    }
    super::write_report(&report, a.output, None)?;
    let lost = d.changes.iter().any(|c| c.has_lost);
    let gained = d.changes.iter().any(|c| c.has_gained);
    let fail = match a.fail_on {
        DiffFailOn::Lost => lost,
        DiffFailOn::Gained => gained,
        DiffFailOn::Any => lost || gained || !d.added.is_empty() || !d.removed.is_empty(),
        DiffFailOn::Never => false,
    };
    Ok(if report.has_input_errors() {
        2
    } else if fail {
        1
    } else {
        0
    })
}
