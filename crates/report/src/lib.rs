//! Reporters: one file per output format, each a function from a [`Report`] to a writer; and
//! the renderers of the commands whose answer is not a report, one module per answer and one
//! file per format (`pss`, `netpol`, `rbac`, `deprovision`, the `audit` summary), or of a listing of a report of their own (`unused`).
//!
//! Reporters only render. They never read files, never decide what fails, and never print
//! secret material: findings arrive with snippets already redacted by the engine.

pub mod audit;
pub mod bench;
pub mod deprovision;
pub mod diagnostics;
pub mod json;
pub mod jsonl;
pub mod junit;
pub mod markdown;
pub mod netpol;
pub mod probe;
pub mod pss;
pub mod rbac;
pub mod sarif;
pub mod secrets;
pub mod text;
pub mod unused;

use std::io::{self, Write};
use stockade_model::Report;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Human-readable text grouped by file and object (`table`).
    Table,
    /// The documented JSON report.
    Json,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// JUnit XML for CI test reports.
    Junit,
    /// Markdown for pull-request comments.
    Markdown,
    /// JSON Lines: one finding (or diagnostic, or the summary) per line.
    Jsonl,
}

impl Format {
    /// Every format name accepted by `-o`.
    pub const NAMES: &[&str] = &["table", "json", "sarif", "junit", "markdown", "jsonl"];

    /// Parses a format name.
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "table" | "text" => Format::Table,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "junit" => Format::Junit,
            "markdown" | "md" => Format::Markdown,
            "jsonl" => Format::Jsonl,
            _ => return None,
        })
    }
}

/// Renders `report` in `format`. `color` only affects the table format.
pub fn render(report: &Report, format: Format, w: &mut dyn Write, color: bool) -> io::Result<()> {
    match format {
        Format::Table => text::render(report, w, color),
        Format::Json => json::render(report, w),
        Format::Sarif => sarif::render(report, w),
        Format::Junit => junit::render(report, w),
        Format::Markdown => markdown::render(report, w),
        Format::Jsonl => jsonl::render(report, w),
    }
}

#[cfg(test)]
pub(crate) mod sample {
    //! The one sample report every reporter's snapshot renders.
    use stockade_model::*;

    pub fn report() -> Report {
        let mut r = Report::new("0.1.0");
        let obj = ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("prod".into()),
            name: "web".into(),
        };
        let f = |id: &'static str,
                 name: &'static str,
                 sev: Severity,
                 line: u32,
                 path: &str,
                 msg: &str,
                 snippet: &str| Finding {
            rule_id: id.into(),
            rule_name: name.into(),
            severity: sev,
            message: msg.into(),
            object: obj.clone(),
            location: Some(Location {
                path: "deploy/web.yaml".into(),
                line,
                column: 9,
                template: Some("web/templates/deployment.yaml".into()),
                document: 0,
            }),
            field_path: FieldPath::parse(path),
            remediation: "Fix it like the docs say.".into(),
            controls: vec![Control::cis("5.2.2"), Control::mitre("T1611")].into(),
            fingerprint: fingerprint(id, &obj, &FieldPath::parse(path)),
            snippet: Some(snippet.into()),
            suppression: None,
        };
        r.findings.push(f(
            "WL001",
            "privileged-container",
            Severity::Critical,
            21,
            "spec.template.spec.containers[0].securityContext.privileged",
            "container \"app\" runs privileged",
            "          privileged: true",
        ));
        r.findings.push(f(
            "WL042",
            "secret-in-env-value",
            Severity::High,
            25,
            "spec.template.spec.containers[0].env[0].value",
            "container \"app\" sets credential-like env var \"DB_PASSWORD\" to a literal value & <more>",
            "          value: <redacted>",
        ));
        let mut s = f(
            "WL005",
            "writable-root-filesystem",
            Severity::Low,
            19,
            "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem",
            "container \"app\" has a writable root filesystem",
            "        securityContext:",
        );
        s.suppression = Some(Suppression {
            kind: SuppressionKind::Annotation,
            reason: "legacy app writes to /var/cache".into(),
        });
        r.suppressed.push(s);
        r.diagnostics.push(Diagnostic::at(
            DiagnosticLevel::Error,
            "yaml-syntax",
            "deploy/broken.yaml",
            3,
            7,
            "document 0: invalid YAML: did not find expected node content; the document was skipped",
        ));
        r.summary = Summary {
            files_scanned: 2,
            files_skipped: 1,
            objects: 1,
            rules_run: 45,
            by_severity: [(Severity::Critical, 1), (Severity::High, 1)]
                .into_iter()
                .collect(),
            suppressed: 1,
        };
        r.rules = vec![
            RuleInfo {
                id: "WL001".into(),
                name: "privileged-container".into(),
                summary: "container runs in privileged mode".into(),
                severity: Severity::Critical,
                help: "## What it does\nFlags privileged containers.\n".into(),
                controls: vec![Control::cis("5.2.2"), Control::mitre("T1611")],
            },
            RuleInfo {
                id: "WL005".into(),
                name: "writable-root-filesystem".into(),
                summary: "container root filesystem is writable".into(),
                severity: Severity::Low,
                help: "## What it does\nFlags writable root filesystems.\n".into(),
                controls: vec![],
            },
            RuleInfo {
                id: "WL042".into(),
                name: "secret-in-env-value".into(),
                summary: "credential-like literal in an environment variable".into(),
                severity: Severity::High,
                help: "## What it does\nFlags secrets in env.\n".into(),
                controls: vec![Control::cis("5.4.1")],
            },
        ];
        r
    }
}
