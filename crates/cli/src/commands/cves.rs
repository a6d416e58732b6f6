//! `stockade cves`: known vulnerabilities of a Kubernetes version (`--version`), or of a
//! cluster's components read from the cluster (`--cluster`) or from exported objects: the API
//! server, each node's kubelet and kube-proxy, and add-ons whose image tags name a version.
//!
//! Components found → matched against OSV data (`stockade_updates::osv`, the embedded dated
//! snapshot or `--cve-data`) → a standard report, every format.

use super::inputs;
use crate::cli::CvesArgs;
use stockade_model::escape::TermLine;
use stockade_model::{Diagnostic, DiagnosticLevel, Report};
use stockade_updates::components::{self, Component};
use stockade_updates::osv::Db;
use stockade_updates::vulns;

pub fn run(args: CvesArgs) -> anyhow::Result<u8> {
    let db = match &args.cve_data {
        Some(p) => Db::load(p).map_err(|e| anyhow::anyhow!("--cve-data {}", TermLine(e)))?,
        None => Db::embedded(),
    };
    let mut report = Report::new(env!("CARGO_PKG_VERSION"));
    let mut found: Vec<Component> = Vec::new();
    if let Some(v) = &args.version {
        found.push(components::release(v).ok_or_else(|| {
            anyhow::anyhow!(
                "--version {}: expected a Kubernetes version such as v1.31.4",
                TermLine(v)
            )
        })?);
    } else {
        let loaded = inputs::load(&args.input)?;
        report.diagnostics.extend(loaded.diagnostics.clone());
        report.summary.files_scanned = loaded.files_scanned;
        report.coverage = loaded.coverage.clone();
        report.partial = loaded.partial;
        if let Some(v) = &loaded.server_version {
            match components::api_server(v) {
                Some(c) => found.push(c),
                None => report.diagnostics.push(Diagnostic::general(
                    DiagnosticLevel::Warning,
                    "unknown-version",
                    format!("the API server's version {v:?} is not a version; not matched"),
                )),
            }
        }
        found.extend(components::discover(&loaded.inv));
        if found.is_empty() {
            report.diagnostics.push(Diagnostic::general(
                DiagnosticLevel::Warning,
                "no-components",
                "no component with a version was found: no API server version, no Node with status.nodeInfo, no add-on image with a version tag; give --version or --cluster",
            ));
        }
    }
    let components = found;

    // How old the data is.
    let today = stockade_engine::today();
    if let Some(age) = days_between(&db.newest, &today)
        && age > 90
    {
        report.diagnostics.push(Diagnostic::general(
            DiagnosticLevel::Warning,
            "cve-data-old",
            format!(
                "the vulnerability data ({}) is from {}, {age} days ago: vulnerabilities published since are not known; give newer OSV records with --cve-data FILE|DIR",
                db.source, db.newest
            ),
        ));
    }

    let (findings, mut rules) = vulns::findings(&db, &components);
    report.findings = findings;
    let eol = vulns::end_of_life(&components, &today);
    if !eol.is_empty() {
        rules.push(vulns::end_of_life_rule());
    }
    report.findings.extend(eol);
    report.rules = rules;
    report.summary.objects = components.len();
    report.summary.rules_run = db.records.len() + 1;
    for f in &report.findings {
        *report.summary.by_severity.entry(f.severity).or_default() += 1;
    }

    super::write_report(&report, args.output, args.output_file.as_deref())?;
    Ok(report.exit_code(Some(args.fail_on), false))
}

/// Whole days from `a` to `b` (`YYYY-MM-DD`).
fn days_between(a: &str, b: &str) -> Option<i64> {
    let day = |s: &str| -> Option<i64> {
        let ts = stockade_model::time::parse_rfc3339(&format!("{s}T00:00:00Z"))?;
        Some(ts / 86_400_000_000)
    };
    Some(day(b)? - day(a)?)
}
