//! The plan as a reviewable shell script of kubectl commands.

use super::{describe, subject_patch};
use std::borrow::Cow;
use std::fmt::Write;
use stockade_deprovision_model::plan::{Op, Plan};
use stockade_deprovision_model::resource::kubectl_resource;
use stockade_model::escape::{shell_comment, shell_printf_format, shell_word, terminal_line as t};

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
pub fn plan(plan: &Plan) -> String {
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
            Op::Cordon => format!("kubectl cordon {name}"),
            // kubectl has no command for one eviction; the Eviction API honours the pod's
            // PodDisruptionBudgets as `kubectl drain` does.
            Op::Evict => {
                let path = match a.object.namespace.as_deref() {
                    Some(n) => w.word(&format!(
                        "/api/v1/namespaces/{}/pods/{}/eviction",
                        stockade_model::escape::url_path_segment(n),
                        stockade_model::escape::url_path_segment(&a.object.name)
                    )),
                    None => String::new(),
                };
                let body = w.word(
                    &stockade_model::escape::json_compact(&serde_json::json!({
                        "apiVersion": "policy/v1", "kind": "Eviction",
                        "metadata": {"name": a.object.name, "namespace": a.object.namespace},
                    }))
                    .unwrap_or_default(),
                );
                format!("printf '%s' {body} | kubectl create --raw {path} -f -")
            }
        };
        w.line(&mut s, &command);
    }
    s
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
