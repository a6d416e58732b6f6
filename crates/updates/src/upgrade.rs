//! `stockade upgrade-check`: what an upgrade of the control plane from one release to a
//! target breaks or changes, beyond what the object rules report (removed API versions,
//! HY013; skew the upgrade leaves behind, HY012):
//!
//! - UP001 end of life: of the current release and of the target;
//! - UP002 removed-api-caller: audit-log callers of API versions the target no longer serves;
//! - UP003 kubectl-skew: kubectl clients (audit-log user agents) more than one minor from the
//!   target;
//! - UP004 pod-security-tightens: Pods and workloads that namespaces enforcing (or warning,
//!   auditing) at `latest` admit today and reject after the upgrade;
//! - UP005 upgrade-path: the control plane moves one minor at a time;
//! - UP006 fixed-by-upgrade: known vulnerabilities of the current release the target fixes;
//!   those still affecting the target are reported as themselves;
//! - UP007 removed-flag: component flags a node passes that a release up to the target
//!   removed.

use crate::components::{self, Component};
use crate::osv::Db;
use crate::version::Version;
use crate::vulns;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use stockade_inventory::{Inventory, Object};
use stockade_model::{
    Diagnostic, DiagnosticLevel, FieldPath, Finding, Location, ObjectRef, RuleInfo, Severity,
    fingerprint,
};
use stockade_pss::{Level, LevelVersion, Pod, Policy, Version as PssVersion};

/// The checks of this module: (id, name, default severity, summary, help).
pub const CHECKS: &[(&str, &str, Severity, &str, &str)] = &[
    (
        vulns::END_OF_LIFE,
        "end-of-life",
        Severity::High,
        "a Kubernetes minor release is past (or within 90 days of) its end of life",
        "Upstream patches the three newest minor releases, each for about 14 months; past its end of life a release gets no fixes, security fixes included.",
    ),
    (
        "UP002",
        "removed-api-caller",
        Severity::High,
        "a client (audit log) calls an API version the target release no longer serves",
        "kube-apiserver marks each request to a deprecated API version with the k8s.io/deprecated audit annotation and the release that removes it with k8s.io/removed-release. A caller of a version the target removes breaks at the upgrade: move it to the replacement first. Calls of versions deprecated but still served by the target are low.",
    ),
    (
        "UP003",
        "kubectl-skew",
        Severity::Low,
        "a kubectl client (audit log) is more than one minor from the target release",
        "kubectl is supported within one minor version (older or newer) of kube-apiserver; older clients miss fields and behave differently against a newer API server.",
    ),
    (
        "UP004",
        "pod-security-tightens",
        Severity::Medium,
        "a Pod or workload that Pod Security admits today is rejected (or warned, audited) after the upgrade",
        "A namespace that sets pod-security.kubernetes.io/<mode> without a version (or at latest, or at a version newer than the cluster) follows the API server's newest policy: the upgrade brings the target's checks. Pods already running keep running; new and re-created ones (the next rollout) are rejected under enforce. Judged by the Pod Security Standards engine at both releases; medium for enforce, low for warn and audit.",
    ),
    (
        "UP005",
        "upgrade-path",
        Severity::Info,
        "the control plane is upgraded one minor at a time",
        "kube-apiserver supports upgrades from the previous minor only; skipping a minor is not supported. Each step's removals and policy changes apply on the way.",
    ),
    (
        "UP007",
        "removed-flag",
        Severity::High,
        "a control-plane or node component passes a flag the target release removed",
        "A component started with a flag its new release no longer accepts exits at start-up: the upgrade of that node fails. Read from the node (--node-root: static pod manifests, processes, k3s configuration) and matched against the flags each release's CHANGELOG removes (crates/bench/data/removed-flags.tsv).",
    ),
    (
        "UP006",
        "fixed-by-upgrade",
        Severity::Info,
        "a known vulnerability of the current release that the target fixes",
        "Matched from the same OSV data as stockade cves: the record affects the current release and not the target.",
    ),
];

/// The rule entries of the checks.
pub fn rules() -> Vec<RuleInfo> {
    CHECKS
        .iter()
        .map(|(id, name, severity, summary, help)| RuleInfo {
            id: (*id).into(),
            name: (*name).into(),
            summary: (*summary).into(),
            severity: *severity,
            help: (*help).into(),
            controls: Vec::new(),
        })
        .collect()
}

/// A release to upgrade to: `v1.37` (its newest patch) or `v1.37.2`.
#[derive(Clone, Debug)]
pub struct Target {
    /// As given.
    pub text: String,
    /// The version (patch 0 when only the minor was given; [`versions`] then matches
    /// vulnerabilities against the minor's newest patch).
    pub version: Version,
    /// Whether a patch was given.
    pub exact: bool,
}

impl Target {
    /// Parses `v1.37` or `v1.37.2`.
    pub fn parse(s: &str) -> Option<Target> {
        let t = s.trim().trim_start_matches('v');
        let parts = t.split('.').count();
        let full = if parts == 2 {
            format!("{t}.0")
        } else {
            t.to_string()
        };
        let version = Version::parse(&full)?;
        (version.major == 1).then(|| Target {
            text: s.trim().to_string(),
            version,
            exact: parts >= 3,
        })
    }

    /// The minor.
    pub fn minor(&self) -> u32 {
        u32::try_from(self.version.minor).unwrap_or(u32::MAX)
    }
}

/// What the checks found, to add to a report.
#[derive(Default)]
pub struct Outcome {
    /// Findings.
    pub findings: Vec<Finding>,
    /// Rule entries of records matched (CVE ids).
    pub rules: Vec<RuleInfo>,
    /// Problems.
    pub diagnostics: Vec<Diagnostic>,
}

fn finding(
    id: &'static str,
    severity: Severity,
    object: ObjectRef,
    location: Option<Location>,
    path: FieldPath,
    message: String,
    remediation: &'static str,
) -> Finding {
    let name = CHECKS.iter().find(|c| c.0 == id).map_or("", |c| c.1);
    Finding {
        rule_id: Cow::Borrowed(id),
        rule_name: Cow::Borrowed(name),
        severity,
        fingerprint: fingerprint(id, &object, &path),
        message,
        object,
        location,
        field_path: path,
        remediation: Cow::Borrowed(remediation),
        controls: Cow::Borrowed(&[]),
        snippet: None,
        suppression: None,
    }
}

/// The version-only checks: the upgrade path, end of life, and vulnerabilities fixed or left.
pub fn versions(from: Option<&Version>, to: &Target, db: &Db, today: &str) -> Outcome {
    let mut out = Outcome::default();
    // A minor alone means its newest patch: what an upgrade installs. For matching, a patch
    // above any published one stands for it.
    let matched = if to.exact {
        format!("v{}", to.version)
    } else {
        format!("v1.{}.9999", to.version.minor)
    };
    let target = components::release(&matched).map(|mut c| {
        c.what = if to.exact {
            format!("Kubernetes {}", to.text)
        } else {
            format!("Kubernetes 1.{} (its newest patch)", to.version.minor)
        };
        c.object = components::object("Kubernetes", None, &to.text);
        c
    });
    let Some(target) = target else {
        return out;
    };
    let current: Option<Component> = from.and_then(|f| components::release(&format!("v{f}")));
    if let Some(f) = from {
        let (fm, tm) = (f.minor, to.version.minor);
        let object = components::object("Kubernetes", None, &to.text);
        if f.major != 1 {
            out.diagnostics.push(Diagnostic::general(
                DiagnosticLevel::Warning,
                "unknown-version",
                format!("the current version {f} is not a Kubernetes 1.x version"),
            ));
        } else if tm < fm {
            out.diagnostics.push(Diagnostic::general(
                DiagnosticLevel::Error,
                "downgrade",
                format!(
                    "the target 1.{tm} is older than the current 1.{fm}: Kubernetes does not support downgrades"
                ),
            ));
        } else if tm > fm + 1 {
            let steps: Vec<String> = (fm..=tm).map(|m| format!("1.{m}")).collect();
            out.findings.push(finding(
                "UP005",
                Severity::Info,
                object,
                None,
                FieldPath::root(),
                format!(
                    "the control plane moves one minor at a time: {} ({} upgrades); each step's removals and Pod Security changes apply on the way, and kubelets may lag at most three minors at each step",
                    steps.join(" → "),
                    tm - fm
                ),
                "Plan one control-plane upgrade per minor; run upgrade-check against each intermediate release.",
            ));
        }
    }
    // End of life of both ends.
    let mut ends = vec![target.clone()];
    if let Some(c) = &current {
        ends.insert(0, c.clone());
    }
    let eol = vulns::end_of_life(&ends, today);
    out.findings.extend(eol);
    if crate::eol::release(to.minor()).is_none() {
        out.diagnostics.push(Diagnostic::general(
            DiagnosticLevel::Note,
            "no-end-of-life-date",
            format!(
                "1.{} has no published end-of-life date in the embedded data",
                to.minor()
            ),
        ));
    }
    // Vulnerabilities: fixed by the upgrade, and left in the target.
    let left = vulns::matches(db, &target);
    if let Some(c) = &current {
        let left_ids: BTreeSet<&str> = left.iter().map(|m| m.id.as_str()).collect();
        for m in vulns::matches(db, c) {
            if left_ids.contains(m.id.as_str()) {
                continue;
            }
            let path = FieldPath::root();
            out.findings.push(Finding {
                rule_id: Cow::Borrowed("UP006"),
                rule_name: Cow::Borrowed("fixed-by-upgrade"),
                severity: Severity::Info,
                fingerprint: fingerprint(&format!("UP006/{}", m.id), &c.object, &path),
                message: format!(
                    "the upgrade fixes {} ({}, {}{}), which affects {}",
                    m.id,
                    m.summary,
                    m.severity.as_str(),
                    vulns::score(&m),
                    c.what
                ),
                object: c.object.clone(),
                location: None,
                field_path: path,
                remediation: Cow::Borrowed("Nothing to do beyond the upgrade."),
                controls: Cow::Borrowed(&[]),
                snippet: None,
                suppression: None,
            });
        }
    }
    let mut rules = BTreeMap::new();
    for m in left {
        let msg = vulns::describe(&target, &m);
        out.findings
            .push(vulns::finding(&target, &m, m.severity, &msg));
        rules
            .entry(m.id.clone())
            .or_insert_with(|| vulns::rule_info(&m));
    }
    out.rules = rules.into_values().collect();
    out
}

/// The policy minor a namespace's `version` evaluates at on an API server of minor `server`:
/// `latest`, and versions newer than the server, mean the server's newest.
fn effective(version: PssVersion, server: u32) -> u32 {
    match version {
        PssVersion::Latest => server,
        PssVersion::V1(m) => m.min(server),
    }
}

/// UP004: objects Pod Security admits at the current release and not at the target, in
/// namespaces whose labels follow the API server's newest policy.
pub fn pod_security(inv: &Inventory, from: u32, to: u32) -> Outcome {
    let mut out = Outcome::default();
    let mut policies: BTreeMap<&str, Policy> = BTreeMap::new();
    for ns in inv.of_kind("Namespace") {
        let (p, _) = Policy::from_labels(ns.labels(), Policy::default());
        policies.insert(ns.name(), p);
    }
    for o in inv.objects() {
        if !o.makes_pods() || (o.controlled_by_workload() && owner_listed(inv, o)) {
            continue;
        }
        let Some(ns) = o.namespace() else { continue };
        let Some(policy) = policies.get(ns) else {
            continue;
        };
        let Some(pod) = Pod::of(o) else { continue };
        // The strictest mode that changes its verdict: enforce, then warn, then audit.
        for (mode, lv, severity) in [
            ("enforce", policy.enforce, Severity::Medium),
            ("warn", policy.warn, Severity::Low),
            ("audit", policy.audit, Severity::Low),
        ] {
            if lv.level == Level::Privileged {
                continue;
            }
            let (now, after) = (effective(lv.version, from), effective(lv.version, to));
            if now == after {
                continue;
            }
            let before =
                stockade_pss::evaluate(&pod, LevelVersion::new(lv.level, PssVersion::V1(now)));
            if !before.allowed() {
                continue;
            }
            let later =
                stockade_pss::evaluate(&pod, LevelVersion::new(lv.level, PssVersion::V1(after)));
            if later.allowed() {
                continue;
            }
            let checks: Vec<&str> = later.failures.iter().map(|f| f.check.id).collect();
            let effect = match mode {
                "enforce" => "rejects new and re-created Pods of it",
                "warn" => "warns on it",
                _ => "records audit annotations for it",
            };
            let path = later
                .failures
                .first()
                .and_then(|f| f.forbidden.violations.first())
                .map_or_else(FieldPath::root, |v| v.path.clone());
            out.findings.push(finding(
                "UP004",
                severity,
                o.oref(),
                inv.location(o, &path),
                path,
                format!(
                    "namespace {ns} sets {mode}={}:{}, which follows the API server's newest policy: allowed at 1.{now}, after the upgrade to 1.{to} it {effect} ({}: {})",
                    lv.level.as_str(),
                    lv.version,
                    checks.join(", "),
                    later.forbidden_detail()
                ),
                "Fix the Pod spec before the upgrade, or pin the namespace's pod-security.kubernetes.io/<mode>-version to the current release until it is fixed.",
            ));
            break;
        }
    }
    out
}

/// Whether the controller that made `o` is among the inputs (then it is judged instead).
fn owner_listed(inv: &Inventory, o: &Object) -> bool {
    o.owners().any(|r| {
        r.controller
            && r.kind.is_some_and(|k| {
                inv.of_kind(k)
                    .any(|x| x.name() == r.name.unwrap_or("") && x.namespace() == o.namespace())
            })
    })
}

/// One caller of a deprecated API, as the audit log shows it.
struct Caller {
    count: u64,
    removed: Option<String>,
    sources: BTreeSet<String>,
    first: String,
    last: String,
    location: Location,
}

/// UP002 and UP003: callers of deprecated API versions, and kubectl clients, from audit logs.
pub fn audit(files: &[std::path::PathBuf], to: u32, max_line: usize) -> Outcome {
    let mut out = Outcome::default();
    let mut callers: BTreeMap<(String, String, String), Caller> = BTreeMap::new();
    let mut kubectl: BTreeMap<(String, String), (u64, Location)> = BTreeMap::new();
    for f in files {
        let name = f.display().to_string();
        if let Err(e) = read_log(
            f,
            &name,
            max_line,
            &mut callers,
            &mut kubectl,
            &mut out.diagnostics,
        ) {
            out.diagnostics.push(Diagnostic::at(
                DiagnosticLevel::Error,
                "audit-read-error",
                &name,
                0,
                0,
                format!("cannot read: {e} (lines before the error were read)"),
            ));
        }
    }
    for ((user, api, agent), c) in callers {
        let removed_minor = c
            .removed
            .as_deref()
            .and_then(|r| r.strip_prefix("1."))
            .and_then(|m| m.parse::<u32>().ok());
        let (severity, what) = match (removed_minor, &c.removed) {
            (Some(r), Some(text)) if r <= to => (
                Severity::High,
                format!("removed in {text}: the target, 1.{to}, no longer serves it"),
            ),
            (_, Some(text)) => (
                Severity::Low,
                format!("deprecated, removed in {text} (after the target)"),
            ),
            _ => (
                Severity::Low,
                "deprecated (no removal release announced)".into(),
            ),
        };
        let object = ObjectRef {
            api_version: String::new(),
            kind: "User".into(),
            namespace: None,
            name: user.clone(),
        };
        let path = FieldPath::parse("annotations").key("k8s.io/deprecated");
        let sources: Vec<&str> = c.sources.iter().map(String::as_str).collect();
        let mut f = finding(
            "UP002",
            severity,
            object,
            Some(c.location),
            path,
            format!(
                "{user} called {api} {} time(s), {what}; client {agent}, from {}; first {}, last {}",
                c.count,
                if sources.is_empty() {
                    "-".to_string()
                } else {
                    sources.join(", ")
                },
                c.first,
                c.last
            ),
            "Move the client (see its user agent) to the replacement API version before the upgrade.",
        );
        f.fingerprint = fingerprint(
            "UP002",
            &f.object,
            &FieldPath::parse(&format!("{api} {agent}")),
        );
        out.findings.push(f);
    }
    for ((user, version), (count, location)) in kubectl {
        let Some(v) = Version::parse(&version) else {
            continue;
        };
        let Ok(m) = u32::try_from(v.minor) else {
            continue;
        };
        if v.major != 1 || m.abs_diff(to) <= 1 {
            continue;
        }
        let object = ObjectRef {
            api_version: String::new(),
            kind: "User".into(),
            namespace: None,
            name: user.clone(),
        };
        let mut f = finding(
            "UP003",
            Severity::Low,
            object,
            Some(location),
            FieldPath::parse("userAgent"),
            format!(
                "{user} uses kubectl {version} ({count} request(s)): {} minors from the target 1.{to}; kubectl is supported within one minor of the API server",
                m.abs_diff(to)
            ),
            "Upgrade kubectl to within one minor of the target release.",
        );
        f.fingerprint = fingerprint("UP003", &f.object, &FieldPath::parse(&version));
        out.findings.push(f);
    }
    out
}

/// Callers and kubectl users kept per run; past this, further distinct ones are counted.
const MAX_KEYS: usize = 50_000;

fn read_log(
    path: &Path,
    name: &str,
    max_line: usize,
    callers: &mut BTreeMap<(String, String, String), Caller>,
    kubectl: &mut BTreeMap<(String, String), (u64, Location)>,
    diagnostics: &mut Vec<Diagnostic>,
) -> std::io::Result<()> {
    use stockade_audit::reader::{Line, LineReader};
    let input = stockade_audit::reader::open(path)?;
    let mut lines = LineReader::new(input, max_line);
    let mut bad = 0u64;
    let mut dropped = 0u64;
    while let Some(line) = lines.next()? {
        let Line::Text { number, bytes, .. } = line else {
            bad += 1;
            continue;
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            bad += 1;
            continue;
        };
        let Ok(ev) = stockade_audit::event::parse(text) else {
            bad += 1;
            continue;
        };
        let location = Location {
            path: name.to_string(),
            line: u32::try_from(number).unwrap_or(u32::MAX),
            column: 0,
            template: None,
            document: 0,
        };
        let user = ev.user.username.to_string();
        if let Some(version) = ev
            .user_agent
            .strip_prefix("kubectl/")
            .and_then(|r| r.split([' ', '(']).next())
            .filter(|v| !v.is_empty())
        {
            let key = (user.clone(), version.to_string());
            if let Some(e) = kubectl.get_mut(&key) {
                e.0 += 1;
            } else if kubectl.len() < MAX_KEYS {
                kubectl.insert(key, (1, location.clone()));
            } else {
                dropped += 1;
            }
        }
        if ev.annotations.get("k8s.io/deprecated") != Some("true") {
            continue;
        }
        let Some(o) = &ev.object_ref else { continue };
        let api = if o.api_group.is_empty() {
            format!("{} {}", o.api_version, o.resource)
        } else {
            format!("{}/{} {}", o.api_group, o.api_version, o.resource)
        };
        let agent = if ev.user_agent.is_empty() {
            "-".to_string()
        } else {
            ev.user_agent.to_string()
        };
        let when = ev.request_received_timestamp.to_string();
        let key = (user, api, agent);
        if !callers.contains_key(&key) {
            if callers.len() >= MAX_KEYS {
                dropped += 1;
                continue;
            }
            callers.insert(
                key.clone(),
                Caller {
                    count: 0,
                    removed: None,
                    sources: BTreeSet::new(),
                    first: when.clone(),
                    last: when.clone(),
                    location: location.clone(),
                },
            );
        }
        let Some(c) = callers.get_mut(&key) else {
            continue;
        };
        c.count += 1;
        if let Some(r) = ev.annotations.get("k8s.io/removed-release") {
            c.removed = Some(r.to_string());
        }
        for ip in &ev.source_ips {
            if c.sources.len() < 8 {
                c.sources.insert(ip.0.to_string());
            }
        }
        if when < c.first {
            c.first = when.clone();
        }
        if when > c.last {
            c.last = when;
        }
    }
    if bad > 0 {
        diagnostics.push(Diagnostic::at(
            DiagnosticLevel::Warning,
            "audit-lines-skipped",
            name,
            0,
            0,
            format!("{bad} line(s) are not audit events (or too long) and were skipped; `stockade audit-log` names each"),
        ));
    }
    if dropped > 0 {
        diagnostics.push(Diagnostic::at(
            DiagnosticLevel::Warning,
            "audit-callers-capped",
            name,
            0,
            0,
            format!("more than {MAX_KEYS} distinct callers: {dropped} request(s) of further callers were not counted"),
        ));
    }
    Ok(())
}

/// UP007: the flags each node passes that a release after `from` and up to `to` removed.
pub fn removed_flags(roots: &[std::path::PathBuf], from: Option<u32>, to: u32) -> Outcome {
    use stockade_bench::removed::{component_name, still_set};
    let mut out = Outcome::default();
    for root in roots {
        let node = stockade_bench::node::Node::read(root);
        let name = root.display().to_string();
        for p in &node.problems {
            out.diagnostics.push(Diagnostic::at(
                DiagnosticLevel::Warning,
                "node-read",
                &name,
                0,
                0,
                p.clone(),
            ));
        }
        for s in still_set(&node, from, to) {
            let r = s.removal;
            let c = component_name(r.component);
            let object = ObjectRef {
                api_version: String::new(),
                kind: "Node".into(),
                namespace: None,
                name: format!("{name} ({c})"),
            };
            let location = s.at.as_ref().map(|(path, line, column)| Location {
                path: path.clone(),
                line: *line,
                column: *column,
                template: None,
                document: 0,
            });
            let deprecated = r
                .deprecated
                .map(|d| format!(", deprecated since 1.{d}"))
                .unwrap_or_default();
            let mut f = finding(
                "UP007",
                Severity::High,
                object,
                location,
                FieldPath::root(),
                format!(
                    "{c} is started with --{} ({}), which 1.{} removed{deprecated}: {c} 1.{to} refuses to start with it; instead: {} (source: {})",
                    r.flag, s.source, r.removed, r.replacement, r.source
                ),
                "Remove the flag (or move it to its replacement) on every node before upgrading that node.",
            );
            f.fingerprint = fingerprint("UP007", &f.object, &FieldPath::parse(&r.flag));
            out.findings.push(f);
        }
    }
    out
}
