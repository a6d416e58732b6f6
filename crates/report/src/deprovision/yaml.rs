//! The plan's deletes and patches as YAML documents.

use super::subject_patch;
use serde_json::{Value, json};
use std::fmt::Write;
use stockade_deprovision_model::plan::{Op, Plan};
use stockade_model::escape::shell_comment;

/// The deletes and patches as YAML documents.
pub fn plan(plan: &Plan) -> String {
    let mut s = format!(
        "# Stockade de-provisioning plan for {}\n",
        shell_comment(&plan.target.to_string())
    );
    for a in &plan.actions {
        let mut obj = json!({
            "apiVersion": a.object.api_version,
            "kind": a.object.kind,
            "name": a.object.name,
        });
        if let Some(ns) = &a.object.namespace {
            obj["namespace"] = json!(ns);
        }
        let doc = match a.op {
            Op::Delete => {
                let mut d = json!({"op": "delete", "object": obj, "reason": a.reason});
                match (&a.object.uid, &a.object.resource_version) {
                    (Some(uid), Some(rv)) => {
                        d["preconditions"] = json!({"uid": uid, "resourceVersion": rv})
                    }
                    (Some(uid), None) => d["preconditions"] = json!({"uid": uid}),
                    _ => {}
                }
                if let Some(w) = &a.warning {
                    d["warning"] = json!(w);
                }
                d
            }
            Op::Cordon => json!({
                "op": "patch",
                "object": obj,
                "reason": a.reason,
                "patchType": "application/merge-patch+json",
                "patch": {"spec": {"unschedulable": true}},
            }),
            Op::Evict => {
                let mut d = json!({"op": "evict", "object": obj, "reason": a.reason});
                if let Some(uid) = &a.object.uid {
                    d["preconditions"] = json!({"uid": uid});
                }
                if let Some(w) = &a.warning {
                    d["warning"] = json!(w);
                }
                d
            }
            Op::RemoveSubjects => json!({
                "op": "patch",
                "object": obj,
                "reason": a.reason,
                "patchType": "application/json-patch+json",
                "patch": subject_patch(a),
            }),
        };
        s.push_str("---\n");
        emit(&doc, 0, &mut s);
    }
    s
}

/// A YAML scalar: strings double-quoted with JSON's escapes (which YAML's double-quoted style
/// shares), every control character and bidirectional override escaped.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(x) => stockade_model::escape::json_compact(x).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                match x {
                    Value::Object(mm) if !mm.is_empty() => {
                        let _ = writeln!(out, "{pad}{k}:");
                        emit(x, indent + 2, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        let _ = writeln!(out, "{pad}{k}:");
                        emit(x, indent, out);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{k}: {}", scalar(x));
                    }
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for x in a {
                match x {
                    Value::Object(m) if !m.is_empty() => {
                        let mut inner = String::new();
                        emit(x, indent + 2, &mut inner);
                        let trimmed = inner.trim_start_matches(' ');
                        let _ = write!(out, "{pad}- {trimmed}");
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}- {}", scalar(x));
                    }
                }
            }
        }
        Value::Object(_) => {
            let _ = writeln!(out, "{pad}{{}}");
        }
        Value::Array(_) => {
            let _ = writeln!(out, "{pad}[]");
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let p = super::super::sample::plan();
        let text = super::plan(&p);
        assert!(!text.contains('\u{1b}'), "{text}");
        insta::assert_snapshot!(text);
    }
}
