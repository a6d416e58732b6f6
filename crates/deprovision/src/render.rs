//! The plan's human forms: readable text, a reviewable kubectl script, and YAML of the deletes
//! and patches. The JSON form is the [`Plan`] itself (serde).

use crate::api::kubectl_resource;
use crate::plan::{Action, Op, Plan};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::fmt::Write;
use stockade_model::escape::{shell_comment, shell_printf_format, shell_word, terminal_line as t};

/// The readable plan.
pub fn text(plan: &Plan) -> String {
    let mut s = String::new();
    let from = match &plan.source.cluster {
        Some(c) => format!("cluster `{}`", t(c)),
        None => "manifests".into(),
    };
    let _ = writeln!(
        s,
        "De-provisioning plan for {} (from {from}, {})",
        t(&plan.target.to_string()),
        t(&plan.created_at)
    );
    let _ = writeln!(s);
    if plan.actions.is_empty() {
        let _ = writeln!(s, "Nothing to do.");
    } else {
        let _ = writeln!(s, "Actions ({}):", plan.actions.len());
        for (i, a) in plan.actions.iter().enumerate() {
            let _ = writeln!(s, "  {:>2}. {}", i + 1, t(&describe(a)));
            let _ = writeln!(s, "      why: {}", t(&a.reason));
            if let Some(w) = &a.warning {
                let _ = writeln!(s, "      ! {}", t(w));
            }
        }
    }
    if !plan.cascade.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Removed with their namespace or owner by the control plane ({}):",
            plan.cascade.len()
        );
        for o in &plan.cascade {
            let _ = writeln!(s, "  - {}", t(&o.display()));
        }
    }
    if !plan.kept.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Kept ({}):", plan.kept.len());
        for k in &plan.kept {
            let _ = writeln!(s, "  - {}: {}", t(&k.object.display()), t(&k.reason));
        }
    }
    let irreversible = plan.actions.iter().filter(|a| a.irreversible).count();
    if irreversible > 0 {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "WARNING: {irreversible} action(s) cannot be undone by `stockade deprovision undo` (marked !)."
        );
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Notes:");
        for n in &plan.notes {
            let _ = writeln!(s, "  - {}", t(n));
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Next: save the plan with `-o json > plan.json`, review it, then `stockade deprovision apply plan.json --cluster` (dry-run) and again with --yes."
    );
    s
}

/// One line for an action: `delete RoleBinding shop/x`.
pub fn describe(a: &Action) -> String {
    match a.op {
        Op::Delete => format!("delete {}", a.object.display()),
        Op::RemoveSubjects => {
            let who: Vec<String> = a.subjects.iter().map(|s| s.display()).collect();
            format!("remove {} from {}", who.join(", "), a.object.display())
        }
    }
}

/// The JSON patch that removes an action's subjects, as the plan recorded them.
pub fn subject_patch(a: &Action) -> Value {
    let mut ops = Vec::new();
    if let Some(rv) = &a.object.resource_version {
        ops.push(json!({"op": "test", "path": "/metadata/resourceVersion", "value": rv}));
    }
    let mut subjects: Vec<&crate::plan::Subject> = a.subjects.iter().collect();
    subjects.sort_by_key(|s| std::cmp::Reverse(s.index));
    for s in subjects {
        let path = format!("/subjects/{}", s.index);
        ops.push(json!({"op": "test", "path": path, "value": s.to_json()}));
        ops.push(json!({"op": "remove", "path": path}));
    }
    Value::Array(ops)
}

/// Shell words for a script: each value exact, and every line of the script readable.
#[derive(Default)]
struct Words {
    /// Assignments of the values that hold control characters, written before the command.
    assignments: Vec<String>,
    /// Variables used so far in the script.
    vars: usize,
}

impl Words {
    /// `s` as one shell word. A value with control characters (a newline, an escape sequence,
    /// a bidirectional override) is assigned to a variable first through `printf` with octal
    /// escapes, so the command gets it byte for byte while the script shows it on one line;
    /// every other value is [`shell_word`].
    fn word(&mut self, s: &str) -> String {
        if matches!(t(s), Cow::Borrowed(_)) {
            return shell_word(s).into_owned();
        }
        self.vars += 1;
        let var = format!("v{}", self.vars);
        // The sentinel `_` keeps trailing newlines, which command substitution would drop.
        self.assignments.push(format!(
            "{var}=$(printf {}); {var}=${{{var}%_}}",
            shell_printf_format(&format!("{s}_"))
        ));
        format!("\"${var}\"")
    }

    /// Writes the assignments the words of one command need, then the command.
    fn line(&mut self, out: &mut String, command: &str) {
        for a in self.assignments.drain(..) {
            let _ = writeln!(out, "{a}");
        }
        let _ = writeln!(out, "{command}");
    }
}

/// A reviewable shell script doing what the plan does with kubectl. Every value from the
/// cluster or the inputs is a quoted shell word (values with control characters pass through
/// `printf` with octal escapes) or sits in a one-line comment, so running the script runs only
/// the kubectl commands it shows, on exactly the objects the plan names.
pub fn kubectl(plan: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "#!/bin/sh");
    let _ = writeln!(
        s,
        "# Stockade de-provisioning plan for {}, made {} from {}.",
        shell_comment(&plan.target.to_string()),
        shell_comment(&plan.created_at),
        shell_comment(plan.source.cluster.as_deref().unwrap_or("manifests"))
    );
    let _ = writeln!(
        s,
        "# Review every line before running it. `stockade deprovision apply` does the same with\n# uid/resourceVersion preconditions on deletes, a server-side dry-run first and a journal\n# for undo; this script has only the patches' resourceVersion tests.\n# Names with control characters are shown escaped in comments and passed exactly through\n# printf (octal escapes such as \\012 for a newline)."
    );
    let _ = writeln!(s, "set -eu");
    let mut w = Words::default();
    for (i, a) in plan.actions.iter().enumerate() {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "# {}. {} — {}",
            i + 1,
            shell_comment(&describe(a)),
            shell_comment(&a.reason)
        );
        if let Some(warning) = &a.warning {
            let _ = writeln!(s, "# ! {}", shell_comment(warning));
        }
        let res = w.word(&kubectl_resource(&a.object));
        let name = w.word(&a.object.name);
        let ns = match a.object.namespace.as_deref() {
            Some(n) => format!(" -n {}", w.word(n)),
            None => String::new(),
        };
        let command = match a.op {
            Op::Delete => format!("kubectl delete {res} {name}{ns} --ignore-not-found"),
            Op::RemoveSubjects => {
                let patch = w.word(
                    &stockade_model::escape::json_compact(&subject_patch(a)).unwrap_or_default(),
                );
                format!("kubectl patch {res} {name}{ns} --type=json -p {patch}")
            }
        };
        w.line(&mut s, &command);
    }
    s
}

/// A value as pretty JSON with a final newline, through `stockade_model::escape::json_pretty`:
/// DEL, C1 controls, bidirectional overrides and line separators are `\uXXXX` escapes too, so a
/// plan file with such a name is safe on a terminal and decodes to the exact name.
pub fn json_pretty<T: serde::Serialize>(v: &T) -> Result<String, serde_json::Error> {
    Ok(stockade_model::escape::json_pretty(v)? + "\n")
}

/// The deletes and patches as YAML documents.
pub fn yaml(plan: &Plan) -> String {
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
                if let (Some(uid), Some(rv)) = (&a.object.uid, &a.object.resource_version) {
                    d["preconditions"] = json!({"uid": uid, "resourceVersion": rv});
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
