//! SARIF 2.1.0, as GitHub code scanning and other SARIF consumers read it: rules with help,
//! results with regions on the offending line, partial fingerprints that survive line shifts,
//! suppressions, and input errors as tool notifications.

use serde_json::{Value, json};
use std::io::{self, Write};
use stockade_model::{DiagnosticLevel, Finding, Report, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub maps `security-severity` to critical (≥9), high (≥7), medium (≥4) and low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// A relative URI for a path as given on the command line.
fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let p = p.strip_prefix("./").unwrap_or(&p).to_string();
    p.split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| match b {
                    b'A'..=b'Z'
                    | b'a'..=b'z'
                    | b'0'..=b'9'
                    | b'-'
                    | b'.'
                    | b'_'
                    | b'~'
                    | b':'
                    | b'@' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut r = json!({
        "ruleId": f.rule_id,
        "level": level(f.severity),
        "message": {"text": format!("{} ({}): {}", f.message, f.object, f.remediation)},
        "partialFingerprints": {"stockadeFingerprint/v1": f.fingerprint},
        "properties": {
            "severity": f.severity.as_str(),
            "fieldPath": f.field_path.to_string(),
            "object": f.object,
        },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    let mut loc = json!({
        "logicalLocations": [{"fullyQualifiedName": f.object.to_string(), "kind": "object"}],
    });
    if let Some(l) = &f.location
        && l.path != "-"
        && !l.path.starts_with("cluster:")
    {
        let mut phys = json!({"artifactLocation": {"uri": uri(&l.path)}});
        if l.line > 0 {
            phys["region"] = json!({"startLine": l.line, "startColumn": l.column.max(1)});
            if let Some(s) = &f.snippet {
                phys["region"]["snippet"] = json!({"text": s});
            }
        }
        loc["physicalLocation"] = phys;
    }
    r["locations"] = json!([loc]);
    if let Some(s) = &f.suppression {
        let kind = match s.kind {
            stockade_model::SuppressionKind::Annotation => "inSource",
            _ => "external",
        };
        r["suppressions"] = json!([{"kind": kind, "justification": s.reason}]);
    }
    r
}

/// Builds the SARIF document.
pub fn to_value(report: &Report) -> Value {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|r| {
            let tags: Vec<String> = std::iter::once("security".to_string())
                .chain(r.controls.iter().map(|c| c.to_string()))
                .collect();
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.help, "markdown": r.help},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"tags": tags, "security-severity": security_severity(r.severity), "precision": "high"},
            })
        })
        .collect();
    let index_of = |id: &str| report.rules.iter().position(|r| r.id == id);
    let results: Vec<Value> = report
        .findings
        .iter()
        .chain(report.suppressed.iter())
        .map(|f| result(f, index_of(&f.rule_id)))
        .collect();
    let notifications: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut n = json!({
                "level": match d.level { DiagnosticLevel::Error => "error", DiagnosticLevel::Warning => "warning", DiagnosticLevel::Note => "note" },
                "message": {"text": d.message},
                "descriptor": {"id": d.code},
            });
            if let Some(p) = d.path.as_deref().filter(|p| *p != "-") {
                let mut phys = json!({"artifactLocation": {"uri": uri(p)}});
                if d.line > 0 {
                    phys["region"] = json!({"startLine": d.line, "startColumn": d.column.max(1)});
                }
                n["locations"] = json!([{"physicalLocation": phys}]);
            }
            n
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules,
            }},
            "invocations": [{
                // A partial live scan did not do what was asked: not successful, whatever the
                // exit code (the notifications name what could not be read).
                "executionSuccessful": !report.has_input_errors() && !report.partial,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    })
}

/// Writes the SARIF report.
pub fn render(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    // Escapes C1 controls and bidi overrides as well as C0 (serde_json escapes only C0).
    stockade_model::escape::json_to_writer_pretty(&mut *w, &to_value(report))
        .map_err(io::Error::other)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::sample::report(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn valid_against_the_official_schema() {
        // The OASIS schema, carried in the repository (see schemas/README.md).
        let schema_path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/sarif-schema-2.1.0.json");
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&schema_path).expect("schemas/sarif-schema-2.1.0.json"),
        )
        .unwrap();
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let doc = super::to_value(&crate::sample::report());
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
