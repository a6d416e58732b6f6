//! The report handed to reporters: findings, suppressed findings and diagnostics.

use crate::{Finding, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the JSON report format. Bumped on any incompatible change; see docs/json-report.md.
pub const SCHEMA_VERSION: &str = "1.0";

/// How serious a diagnostic about the input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    /// A note: something was skipped on purpose (e.g. a document without `kind`).
    Note,
    /// A warning: something looks wrong but the run is complete (e.g. an expired suppression).
    Warning,
    /// An error: an input or part of it could not be read; the exit code is 2.
    Error,
}

/// A message about the input rather than about security: unreadable files, malformed YAML,
/// wrong field types, skipped documents, expired suppressions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// How serious it is.
    pub level: DiagnosticLevel,
    /// A short machine-readable code, e.g. `yaml-syntax`, `alias-budget`, `wrong-type`.
    pub code: String,
    /// What happened and what to do about it.
    pub message: String,
    /// The file (`-` for stdin), when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
}

impl Diagnostic {
    /// A diagnostic about a position in a file.
    pub fn at(
        level: DiagnosticLevel,
        code: &str,
        path: &str,
        line: u32,
        column: u32,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            level,
            code: code.to_string(),
            message: message.into(),
            path: Some(path.to_string()),
            line,
            column,
        }
    }

    /// A diagnostic not tied to a file.
    pub fn general(level: DiagnosticLevel, code: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            level,
            code: code.to_string(),
            message: message.into(),
            path: None,
            line: 0,
            column: 0,
        }
    }

    /// `path:line:col` (or as much of it as is known).
    pub fn position(&self) -> String {
        match (&self.path, self.line) {
            (Some(p), 0) => p.clone(),
            (Some(p), l) => format!("{p}:{l}:{}", self.column.max(1)),
            (None, _) => String::new(),
        }
    }
}

/// Identifies the tool in reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ToolInfo {
    /// `stockade`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

/// Counts that summarise a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Files read (including stdin).
    pub files_scanned: usize,
    /// Files in scanned directories skipped because of their extension.
    pub files_skipped: usize,
    /// Kubernetes objects loaded.
    pub objects: usize,
    /// Rules that ran.
    pub rules_run: usize,
    /// Unsuppressed findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Findings that a suppression removed.
    pub suppressed: usize,
}

/// Whether a kind of object could be read from a live cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageStatus {
    /// Listed completely.
    Ok,
    /// The credentials may not list it (HTTP 403).
    Forbidden,
    /// The API server does not serve it (HTTP 404).
    NotFound,
    /// Listing failed part-way or entirely (connection lost, server error).
    Error,
}

impl CoverageStatus {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageStatus::Ok => "ok",
            CoverageStatus::Forbidden => "forbidden",
            CoverageStatus::NotFound => "not-found",
            CoverageStatus::Error => "error",
        }
    }
}

/// What a live scan could read of one resource type, and which checks it could not assess.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// `group/version/resource`, e.g. `apps/v1/deployments` (`v1/pods` for the core group).
    pub resource: String,
    /// Whether it was read.
    pub status: CoverageStatus,
    /// Objects read.
    pub count: usize,
    /// Why it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Rules that read this kind and ran without it: not fully assessed (nothing is reported
    /// about objects of this kind).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unassessed_rules: Vec<String>,
    /// Rules that need this kind read completely to conclude anything (they report something
    /// missing, unused or selecting nothing), and therefore did not run: not assessed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_rules: Vec<String>,
}

/// What reporters need to know about a rule that ran (SARIF lists these).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleInfo {
    /// Stable id.
    pub id: String,
    /// Kebab-case name.
    pub name: String,
    /// One-line summary.
    pub summary: String,
    /// Default severity (after config overrides).
    pub severity: Severity,
    /// Full documentation (markdown).
    pub help: String,
    /// Framework controls.
    pub controls: Vec<crate::Control>,
}

/// Everything one run produced, in a deterministic order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: String,
    /// The tool that made it.
    pub tool: ToolInfo,
    /// Unsuppressed findings, sorted by location, then rule.
    pub findings: Vec<Finding>,
    /// Findings removed by a suppression, each with its suppression.
    pub suppressed: Vec<Finding>,
    /// Messages about the input.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts.
    pub summary: Summary,
    /// For live scans: what could be read, per resource type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<Coverage>,
    /// True when some input could only be read in part: a live scan could not read every
    /// resource type (forbidden, not served, or the API server went away).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// The rules that ran (for formats that describe rules, such as SARIF).
    #[serde(skip)]
    pub rules: Vec<RuleInfo>,
}

impl Report {
    /// An empty report for this tool version.
    pub fn new(version: &str) -> Self {
        Report {
            schema_version: SCHEMA_VERSION.to_string(),
            tool: ToolInfo {
                name: "stockade".to_string(),
                version: version.to_string(),
            },
            findings: Vec::new(),
            suppressed: Vec::new(),
            diagnostics: Vec::new(),
            summary: Summary::default(),
            coverage: Vec::new(),
            partial: false,
            rules: Vec::new(),
        }
    }

    /// Whether any diagnostic is an error (an input could not be read).
    pub fn has_input_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
    }

    /// The resource types a live scan could not read completely.
    pub fn unread(&self) -> impl Iterator<Item = &Coverage> {
        self.coverage
            .iter()
            .filter(|c| c.status != CoverageStatus::Ok)
    }

    /// The exit code of a run: 2 when an input could not be read, or when the results are
    /// partial and `allow_partial` is false; else 1 when a finding is at or above `fail_on`
    /// (when given), else 0.
    pub fn exit_code(&self, fail_on: Option<Severity>, allow_partial: bool) -> u8 {
        if self.has_input_errors() || (self.partial && !allow_partial) {
            2
        } else if fail_on.is_some_and(|t| self.fails_at(t)) {
            1
        } else {
            0
        }
    }

    /// Whether any unsuppressed finding is at or above `threshold`.
    pub fn fails_at(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= threshold)
    }
}
