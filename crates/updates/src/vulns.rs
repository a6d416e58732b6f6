//! Findings from components: the known vulnerabilities that affect each (OSV records matched
//! by package and version), and releases past their end of life.

use crate::components::{Component, Role};
use crate::eol::{self, Support};
use crate::osv::{Db, Match};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use stockade_model::{FieldPath, Finding, RuleInfo, Severity, fingerprint};

/// The id of the end-of-life check.
pub const END_OF_LIFE: &str = "UP001";

/// The vulnerabilities of `components`, one finding per component and record, with the rule
/// entry of each record.
pub fn findings(db: &Db, components: &[Component]) -> (Vec<Finding>, Vec<RuleInfo>) {
    let mut out = Vec::new();
    let mut rules = BTreeMap::new();
    for c in components {
        for m in matches(db, c) {
            out.push(finding(c, &m, m.severity, &describe(c, &m)));
            rules.entry(m.id.clone()).or_insert_with(|| rule_info(&m));
        }
    }
    (out, rules.into_values().collect())
}

/// The records affecting `c`, each once however many of its packages it names.
pub fn matches(db: &Db, c: &Component) -> Vec<Match> {
    let mut ids = BTreeSet::new();
    let mut out = Vec::new();
    for p in &c.packages {
        for m in db.matches(p, &c.version) {
            if ids.insert(m.id.clone()) {
                out.push(m);
            }
        }
    }
    out
}

/// `CVE-… affects kubelet v1.29.3 (summary, CVSS 8.8): fixed in 1.29.4 (same minor)`.
pub fn describe(c: &Component, m: &Match) -> String {
    let fix = match (&m.fixed_same_minor, &m.fixed_next) {
        (Some(f), _) => format!("fixed in {f} (same minor)"),
        (None, Some(f)) => format!("no fix on {}; first fixed in {f}", c.version.minor_string()),
        (None, None) => "no fixed version known".into(),
    };
    format!(
        "{} affects {} ({}{}): {fix}",
        m.id,
        c.what,
        m.summary,
        score(m)
    )
}

/// `, CVSS 8.8`, or nothing.
pub fn score(m: &Match) -> String {
    m.score
        .as_ref()
        .map(|(s, _)| format!(", CVSS {s}"))
        .unwrap_or_default()
}

/// A finding of record `m` on component `c`.
pub fn finding(c: &Component, m: &Match, severity: Severity, message: &str) -> Finding {
    let path = FieldPath::root();
    Finding {
        rule_id: Cow::Owned(m.id.clone()),
        rule_name: Cow::Owned(m.package.clone()),
        severity,
        message: message.to_string(),
        fingerprint: fingerprint(&m.id, &c.object, &path),
        object: c.object.clone(),
        location: None,
        field_path: path,
        remediation: Cow::Owned(format!(
            "Upgrade {} to a fixed version; see {}",
            c.what,
            m.references.first().map_or("the advisory", String::as_str)
        )),
        controls: Cow::Borrowed(&[]),
        snippet: None,
        suppression: None,
    }
}

/// The rule entry of record `m`.
pub fn rule_info(m: &Match) -> RuleInfo {
    RuleInfo {
        id: m.id.clone(),
        name: m.package.clone(),
        summary: m.summary.clone(),
        severity: m.severity,
        help: format!(
            "{}\n\nAffected package: {}. References: {}",
            m.summary,
            m.package,
            m.references.join(", ")
        ),
        controls: Vec::new(),
    }
}

/// Releases past their end of life (high) or within 90 days of it (low), once per minor
/// release and role: the API server's (or the version given), then the kubelets'.
pub fn end_of_life(components: &[Component], today: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for c in components {
        if matches!(c.role, Role::Proxy | Role::Image) {
            continue;
        }
        let minor = u32::try_from(c.version.minor).unwrap_or(u32::MAX);
        if c.version.major != 1 || !seen.insert((minor, c.object.clone())) {
            continue;
        }
        let (severity, message) = match eol::support(minor, today) {
            Support::Ended {
                end_of_life,
                days_ago,
            } => (
                Severity::High,
                format!(
                    "Kubernetes 1.{minor} ({}) reached its end of life on {end_of_life}, {days_ago} days ago: upstream publishes no fixes for it, security fixes included",
                    c.what
                ),
            ),
            Support::Supported {
                end_of_life,
                days_left,
            } if days_left <= 90 => (
                Severity::Low,
                format!(
                    "Kubernetes 1.{minor} ({}) reaches its end of life on {end_of_life}, in {days_left} days: plan the upgrade",
                    c.what
                ),
            ),
            _ => continue,
        };
        out.push(eol_finding(c, severity, message));
    }
    out
}

fn eol_finding(c: &Component, severity: Severity, message: String) -> Finding {
    let path = FieldPath::root();
    Finding {
        rule_id: Cow::Borrowed(END_OF_LIFE),
        rule_name: Cow::Borrowed("end-of-life"),
        severity,
        message,
        fingerprint: fingerprint(END_OF_LIFE, &c.object, &path),
        object: c.object.clone(),
        location: None,
        field_path: path,
        remediation: Cow::Borrowed(
            "Upgrade to a supported minor release (one of the three newest), one minor at a time; `stockade upgrade-check --to` lists what the upgrade breaks.",
        ),
        controls: Cow::Borrowed(&[]),
        snippet: None,
        suppression: None,
    }
}

/// The rule entry of the end-of-life check.
pub fn end_of_life_rule() -> RuleInfo {
    RuleInfo {
        id: END_OF_LIFE.into(),
        name: "end-of-life".into(),
        summary: "a Kubernetes minor release is past (or within 90 days of) its end of life".into(),
        severity: Severity::High,
        help: "Upstream patches the three newest minor releases, each for about 14 months. A release past its end of life gets no fixes, security fixes included. Dates: the release team's published history, embedded (crates/updates/data/kubernetes-releases.tsv).".into(),
        controls: Vec::new(),
    }
}
