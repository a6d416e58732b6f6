//! The analyzer: events in, alerts (as [`Finding`]s) and a summary out, one event at a time.
//!
//! It owns the rule state and the counters, never the events: each line is parsed, judged and
//! dropped, so memory does not grow with the log. Bad lines become diagnostics with their line
//! numbers (capped per file, the rest counted) and the stream goes on.

use crate::config::AuditSettings;
use crate::event::{self, Event, EventSummary};
use crate::reader::{Line, LineReader};
use crate::rule::{Alert, AuditRule, EventCx, RuleOptions, Source, matches_any};
use crate::state::{Limits, State};
use crate::summary::Summary;
use crate::time::{Micros, parse_rfc3339};
use std::io::{self, Read};
use stockade_model::{Diagnostic, DiagnosticLevel, Finding, Location, ObjectRef, fingerprint};

/// Diagnostics kept per input before the rest are only counted.
const MAX_DIAGNOSTICS_PER_INPUT: usize = 100;

/// How to analyse.
#[derive(Clone, Debug)]
pub struct AnalyzerOptions {
    /// Only requests received at or after this time.
    pub since: Option<Micros>,
    /// Only requests received before this time.
    pub until: Option<Micros>,
    /// Longest line read; longer ones are skipped and reported.
    pub max_line: usize,
    /// Caps on rule state.
    pub limits: Limits,
}

impl Default for AnalyzerOptions {
    fn default() -> Self {
        AnalyzerOptions {
            since: None,
            until: None,
            max_line: crate::reader::DEFAULT_MAX_LINE,
            limits: Limits::default(),
        }
    }
}

struct Active {
    rule: &'static AuditRule,
    options: RuleOptions,
    severity: stockade_model::Severity,
}

/// Streams events through the enabled event rules.
pub struct Analyzer {
    rules: Vec<Active>,
    trusted_users: Vec<String>,
    trusted_groups: Vec<String>,
    ignored_namespaces: Vec<String>,
    opts: AnalyzerOptions,
    /// Rule state (exposed so a state file can be saved after a run).
    pub state: State,
    /// Counters.
    pub summary: Summary,
    diagnostics: Vec<Diagnostic>,
    alerts: Vec<Alert>,
    /// Stage values kube-apiserver does not write, already reported.
    unknown_stages: Vec<String>,
}

impl Analyzer {
    /// An analyzer running the enabled event rules of `settings`.
    pub fn new(settings: &AuditSettings, opts: AnalyzerOptions) -> Self {
        let rules = settings
            .rules_for(Source::AuditEvents)
            .map(|r| Active {
                rule: r,
                options: RuleOptions::resolve(r, settings.options.get(r.id)),
                severity: settings.severity_of(r),
            })
            .collect();
        Analyzer {
            rules,
            trusted_users: settings.trusted_users.clone(),
            trusted_groups: settings.trusted_groups.clone(),
            ignored_namespaces: settings.ignored_namespaces.clone(),
            state: State::new(opts.limits),
            opts,
            summary: Summary::default(),
            diagnostics: Vec::new(),
            alerts: Vec::new(),
            unknown_stages: Vec::new(),
        }
    }

    /// How many event rules run.
    pub fn rules_run(&self) -> usize {
        self.rules.len()
    }

    /// Reads every line of `input` (named `name` in locations); alerts go to `sink`.
    /// An IO error ends this input (it is returned, after the lines read so far were analysed).
    pub fn analyze_reader(
        &mut self,
        name: &str,
        input: impl Read,
        sink: &mut dyn FnMut(Finding),
    ) -> io::Result<u64> {
        let mut lines = LineReader::new(input, self.opts.max_line);
        let mut bad_here = 0usize;
        self.summary.inputs += 1;
        loop {
            let line = match lines.next() {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(e) => {
                    self.summary.bytes += lines.bytes_read();
                    return Err(e);
                }
            };
            let problem = match line {
                Line::TooLong { number, len } => Some((
                    number,
                    "audit-line-too-long",
                    DiagnosticLevel::Error,
                    format!(
                        "line of {len} bytes is longer than the {} MiB limit and was skipped (raise --max-line-size if events this large are expected)",
                        self.opts.max_line >> 20
                    ),
                )),
                Line::Text {
                    number,
                    bytes,
                    unterminated,
                } => {
                    self.summary.lines += 1;
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        None
                    } else {
                        match std::str::from_utf8(bytes) {
                            Err(e) => Some((
                                number,
                                "audit-invalid-utf8",
                                DiagnosticLevel::Error,
                                format!(
                                    "line is not UTF-8 (byte {}); skipped",
                                    e.valid_up_to() + 1
                                ),
                            )),
                            Ok(text) => match event::parse(text) {
                                Ok(ev) => {
                                    let loc = Location {
                                        path: name.to_string(),
                                        line: u32::try_from(number).unwrap_or(u32::MAX),
                                        column: 1,
                                        template: None,
                                        document: 0,
                                    };
                                    self.analyze_event(&ev, loc, sink);
                                    None
                                }
                                Err(e)
                                    if unterminated && matches!(e, event::EventError::Json(_)) =>
                                {
                                    Some((
                                        number,
                                        "audit-truncated-line",
                                        DiagnosticLevel::Warning,
                                        format!(
                                            "last line is incomplete (the file ends mid-event, e.g. while the API server was writing it); skipped: {e}"
                                        ),
                                    ))
                                }
                                Err(e) => Some((
                                    number,
                                    e.code(),
                                    DiagnosticLevel::Error,
                                    format!("{e}; skipped"),
                                )),
                            },
                        }
                    }
                }
            };
            if let Some((number, code, level, message)) = problem {
                self.summary.bad_lines += 1;
                bad_here += 1;
                if bad_here <= MAX_DIAGNOSTICS_PER_INPUT {
                    self.diagnostics.push(Diagnostic::at(
                        level,
                        code,
                        name,
                        u32::try_from(number).unwrap_or(u32::MAX),
                        1,
                        message,
                    ));
                }
            }
        }
        if bad_here > MAX_DIAGNOSTICS_PER_INPUT {
            self.diagnostics.push(Diagnostic::at(
                DiagnosticLevel::Error,
                "audit-more-bad-lines",
                name,
                0,
                0,
                format!(
                    "{} more unreadable line(s) not listed",
                    bad_here - MAX_DIAGNOSTICS_PER_INPUT
                ),
            ));
        }
        self.summary.bytes += lines.bytes_read();
        Ok(lines.bytes_read())
    }

    /// Records a diagnostic about an input (e.g. a file that cannot be opened).
    pub fn diagnose(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Analyses one event located at `loc`; alerts go to `sink`.
    pub fn analyze_event(&mut self, ev: &Event<'_>, loc: Location, sink: &mut dyn FnMut(Finding)) {
        self.summary.events += 1;
        if !ev.is_final() {
            // Intermediate stages are skipped on purpose; a stage kube-apiserver never writes
            // is reported (once per value) rather than dropped without a word.
            let stage = ev.stage.as_ref();
            if !matches!(stage, "RequestReceived" | "ResponseStarted")
                && self.unknown_stages.len() < MAX_DIAGNOSTICS_PER_INPUT
                && !self.unknown_stages.iter().any(|s| s == stage)
            {
                self.unknown_stages.push(stage.to_string());
                self.diagnostics.push(Diagnostic::at(
                    DiagnosticLevel::Warning,
                    "audit-unknown-stage",
                    &loc.path,
                    loc.line,
                    loc.column,
                    format!(
                        "stage `{}` is not one kube-apiserver writes (RequestReceived, ResponseStarted, ResponseComplete, Panic); events with it are not analysed",
                        stage
                    ),
                ));
            }
            return;
        }
        let time = parse_rfc3339(ev.timestamp());
        if let Some(t) = time {
            if self.opts.since.is_some_and(|s| t < s) || self.opts.until.is_some_and(|u| t >= u) {
                self.summary.out_of_range += 1;
                return;
            }
        } else if self.opts.since.is_some() || self.opts.until.is_some() {
            self.summary.out_of_range += 1;
            return;
        }
        self.summary.count(ev, time);
        if self.is_trusted(ev) {
            return;
        }
        for a in &self.rules {
            let mut cx = EventCx {
                rule: a.rule,
                options: &a.options,
                state: &mut self.state,
                time,
                alerts: &mut self.alerts,
            };
            (a.rule.check)(&mut cx, ev);
        }
        if self.alerts.is_empty() {
            return;
        }
        let summary = EventSummary::of(ev);
        let object = object_ref(ev);
        for alert in self.alerts.drain(..) {
            let severity = match alert.severity {
                // A rule's own escalation applies relative to the configured severity: when the
                // configured one is higher, it wins.
                Some(s) => s.max(
                    self.rules
                        .iter()
                        .find(|a| std::ptr::eq(a.rule, alert.rule))
                        .map_or(s, |a| a.severity),
                ),
                None => self
                    .rules
                    .iter()
                    .find(|a| std::ptr::eq(a.rule, alert.rule))
                    .map_or(alert.rule.severity, |a| a.severity),
            };
            *self
                .summary
                .alerts_by_rule
                .entry(alert.rule.id)
                .or_default() += 1;
            let message = format!(
                "{}: user {}{}, verb {}, object {}, sourceIPs {}, at {}, auditID {}",
                alert.message,
                summary.user,
                summary
                    .impersonated_user
                    .as_deref()
                    .map(|u| format!(" (as {u})"))
                    .unwrap_or_default(),
                summary.verb,
                summary.object,
                if summary.source_ips.is_empty() {
                    "-".to_string()
                } else {
                    summary.source_ips.join(",")
                },
                if summary.timestamp.is_empty() {
                    "-"
                } else {
                    &summary.timestamp
                },
                summary.audit_id,
            );
            let fp = fingerprint(alert.rule.id, &object, &alert.path.key(&summary.audit_id));
            sink(Finding {
                rule_id: alert.rule.id.into(),
                rule_name: alert.rule.name.into(),
                severity,
                message,
                object: object.clone(),
                location: Some(loc.clone()),
                field_path: alert.path,
                remediation: alert.rule.remediation.into(),
                controls: alert.rule.controls.into(),
                fingerprint: fp,
                snippet: None,
                suppression: None,
            });
        }
    }

    fn is_trusted(&self, ev: &Event<'_>) -> bool {
        (!self.trusted_users.is_empty() && matches_any(&self.trusted_users, &ev.user.username))
            || (!self.trusted_groups.is_empty()
                && ev
                    .user
                    .groups
                    .iter()
                    .any(|g| self.trusted_groups.iter().any(|t| t.as_str() == &**g)))
            || (!self.ignored_namespaces.is_empty()
                && !ev.namespace().is_empty()
                && matches_any(&self.ignored_namespaces, ev.namespace()))
    }

    /// The diagnostics so far.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Takes the diagnostics gathered so far (for long-running use).
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }
}

/// The object an alert is about, from the event's `objectRef` (kind from the resource name
/// for well-known resources); non-resource requests get kind `NonResourceURL`.
pub fn object_ref(ev: &Event<'_>) -> ObjectRef {
    match &ev.object_ref {
        Some(o) => ObjectRef {
            api_version: if o.api_group.is_empty() {
                o.api_version.to_string()
            } else {
                format!("{}/{}", o.api_group, o.api_version)
            },
            kind: kind_of(&o.resource).map_or_else(|| o.resource.to_string(), str::to_string),
            namespace: (!o.namespace.is_empty()).then(|| o.namespace.to_string()),
            name: o.name.to_string(),
        },
        None => ObjectRef {
            api_version: String::new(),
            kind: "NonResourceURL".to_string(),
            namespace: None,
            name: event::path_of(&ev.request_uri).to_string(),
        },
    }
}

/// The kind of a well-known resource.
pub fn kind_of(resource: &str) -> Option<&'static str> {
    Some(match resource {
        "pods" => "Pod",
        "secrets" => "Secret",
        "configmaps" => "ConfigMap",
        "services" => "Service",
        "serviceaccounts" => "ServiceAccount",
        "namespaces" => "Namespace",
        "nodes" => "Node",
        "endpoints" => "Endpoints",
        "componentstatuses" => "ComponentStatus",
        "deployments" => "Deployment",
        "statefulsets" => "StatefulSet",
        "daemonsets" => "DaemonSet",
        "replicasets" => "ReplicaSet",
        "replicationcontrollers" => "ReplicationController",
        "jobs" => "Job",
        "cronjobs" => "CronJob",
        "podtemplates" => "PodTemplate",
        "roles" => "Role",
        "rolebindings" => "RoleBinding",
        "clusterroles" => "ClusterRole",
        "clusterrolebindings" => "ClusterRoleBinding",
        "networkpolicies" => "NetworkPolicy",
        "mutatingwebhookconfigurations" => "MutatingWebhookConfiguration",
        "validatingwebhookconfigurations" => "ValidatingWebhookConfiguration",
        "validatingadmissionpolicies" => "ValidatingAdmissionPolicy",
        "validatingadmissionpolicybindings" => "ValidatingAdmissionPolicyBinding",
        "mutatingadmissionpolicies" => "MutatingAdmissionPolicy",
        "mutatingadmissionpolicybindings" => "MutatingAdmissionPolicyBinding",
        "certificatesigningrequests" => "CertificateSigningRequest",
        "tokenreviews" => "TokenReview",
        "persistentvolumes" => "PersistentVolume",
        "persistentvolumeclaims" => "PersistentVolumeClaim",
        "ingresses" => "Ingress",
        "customresourcedefinitions" => "CustomResourceDefinition",
        _ => return None,
    })
}
