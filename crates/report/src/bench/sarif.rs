//! `stockade bench -o sarif`: each recommendation of the benchmark is a SARIF rule
//! (`CIS-1.2.1`), each FAIL and WARN a result — at the flag's `file:line:col` when the value
//! was read from a file, else at the node as a whole; suppressed ones carry their
//! suppression. GitHub code scanning and other SARIF consumers list them as alerts.

use serde_json::{Value, json};
use std::io::{self, Write};
use stockade_bench::eval::{Evaluation, Status};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn uri(path: &str) -> String {
    let mut out = String::from("file://");
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Writes the SARIF log.
pub fn render(e: &Evaluation, w: &mut dyn Write) -> io::Result<()> {
    let rule_id = |id: &str| format!("CIS-{id}");
    let rules: Vec<Value> = e
        .outcomes
        .iter()
        .map(|o| {
            json!({
                "id": rule_id(&o.id),
                "name": o.title,
                "shortDescription": {"text": o.title},
                "help": {"text": format!("{}\n\nAudit: {}", o.remediation, o.audit)},
                "properties": {"tags": ["cis", e.benchmark.as_str(), format!("section-{}", o.section)]},
            })
        })
        .collect();
    let mut results = Vec::new();
    for (i, o) in e.outcomes.iter().enumerate() {
        if !matches!(o.status, Status::Fail | Status::Warn) {
            continue;
        }
        let observed: Vec<String> = o
            .observed
            .iter()
            .map(|ob| {
                format!(
                    "{} = {} ({})",
                    ob.what,
                    ob.value.as_deref().unwrap_or("(not set)"),
                    ob.source
                )
            })
            .collect();
        let mut r = json!({
            "ruleId": rule_id(&o.id),
            "ruleIndex": i,
            "level": if o.status == Status::Fail { "error" } else { "warning" },
            "message": {"text": format!("{} {}: {}. Observed: {}. Fix: {}", o.status.as_str(), o.id, o.reason, if observed.is_empty() { "nothing".to_string() } else { observed.join("; ") }, o.remediation)},
            "partialFingerprints": {"stockadeBench/v1": format!("{}/{}", e.benchmark, o.id)},
        });
        if let Some((path, line, col)) = super::position(o) {
            r["locations"] = json!([{"physicalLocation": {
                "artifactLocation": {"uri": uri(&path)},
                "region": {"startLine": line, "startColumn": col},
            }}]);
        }
        if let Some(reason) = &o.suppressed {
            r["suppressions"] = json!([{"kind": "external", "justification": reason}]);
        }
        results.push(r);
    }
    let notifications: Vec<Value> = e
        .problems
        .iter()
        .map(|p| json!({"level": "error", "message": {"text": p}}))
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "stockade",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
            "invocations": [{"executionSuccessful": e.problems.is_empty(), "toolExecutionNotifications": notifications}],
        }],
    });
    stockade_model::escape::json_to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot_and_valid() {
        let mut out = Vec::new();
        super::render(&crate::bench::sample::evaluation(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schemas/sarif-schema-2.1.0.json")).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        insta::assert_snapshot!(text);
    }
}
