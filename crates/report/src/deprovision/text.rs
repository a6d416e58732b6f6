//! The readable forms: the plan, the offline dry run, apply and undo reports, the journal's
//! history and the verification. Every value from the cluster, the inputs or the journal is
//! escaped to one line ([`t`]).

use super::describe;
use std::fmt::Write;
use stockade_deprovision_model::journal::{ActionRow, Run};
use stockade_deprovision_model::plan::Plan;
use stockade_deprovision_model::run::RunReport;
use stockade_deprovision_model::target::Target;
use stockade_deprovision_model::verify::Verification;
use stockade_model::escape::terminal_line as t;

/// The readable plan.
pub fn plan(plan: &Plan) -> String {
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

/// `apply` without `--cluster` or `--yes`: what the plan would do, offline.
pub fn dry_run(plan: &Plan) -> String {
    let mut s = format!(
        "Dry run of the plan for {} (offline; add --cluster to check it against the cluster and server-side dry-run it, --yes to execute):\n",
        t(&plan.target)
    );
    for a in &plan.actions {
        s.push_str(&format!("  would {}", t(&describe(a))));
        if let Some(w) = &a.warning {
            s.push_str(&format!("\n      ! {}", t(w)));
        }
        s.push('\n');
    }
    s
}

/// What an apply of the plan for `target` did.
pub fn applied(target: &str, r: &RunReport) -> String {
    run_report(&format!("Apply of the plan for {}", t(target)), r)
}

/// What the undo of journal entry `id` (an apply for `target`) did.
pub fn undone(id: i64, target: &str, r: &RunReport) -> String {
    run_report(&format!("Undo of journal entry {id} ({})", t(target)), r)
}

fn run_report(title: &str, r: &RunReport) -> String {
    let mut s = String::new();
    let status = match r.status.as_str() {
        "dry-run" => "dry run, nothing changed".to_string(),
        "refused" => "REFUSED, nothing changed".to_string(),
        "stopped" => "STOPPED part-way".to_string(),
        other => other.to_string(),
    };
    match r.journal_id {
        Some(id) => s.push_str(&format!("{title} (journal entry {id}): {status}\n")),
        None => s.push_str(&format!("{title}: {status}\n")),
    }
    if r.steps.is_empty() {
        s.push_str("  nothing to do (for an undo: that run changed nothing)\n");
    }
    for step in &r.steps {
        let what = if step.subjects.is_empty() {
            format!("{} {}", step.op, step.object.display())
        } else {
            format!(
                "{} {} ({})",
                step.op,
                step.object.display(),
                t(&step.subjects.join(", "))
            )
        };
        s.push_str(&format!("  {:<15} {what}", step.outcome.as_str()));
        if !step.message.is_empty() {
            s.push_str(&format!(" — {}", t(&step.message)));
        }
        s.push('\n');
    }
    if let Some(m) = &r.message {
        s.push_str(&format!("\nStopped at: {}\n", t(m)));
        if r.status == "stopped" {
            s.push_str(
                "Fix the cause, then run the same apply again: what is done counts as done.\n",
            );
        }
    }
    if !r.warnings.is_empty() {
        s.push_str("\nWarnings:\n");
        for w in &r.warnings {
            s.push_str(&format!("  ! {}\n", t(w)));
        }
    }
    s
}

/// `history` when the journal file does not exist.
pub fn no_history(journal: &std::path::Path) -> String {
    format!(
        "The journal {} is empty: nothing was applied yet.\n",
        journal.display()
    )
}

/// `history ID`: one run and its actions.
pub fn run(run: &Run, actions: &[ActionRow]) -> String {
    let mut s = format!(
        "{} {} of {} by {} (local user {}) on {} ({}), {} → {}: {}\n",
        t(&run.kind),
        run.id,
        t(&run.target),
        t(&run.kube_user),
        t(&run.local_user),
        t(&run.cluster),
        t(&run.server),
        t(&run.started_at),
        t(run.finished_at.as_deref().unwrap_or("-")),
        t(&run.status)
    );
    if let Some(m) = &run.message {
        s.push_str(&format!("  stopped at: {}\n", t(m)));
    }
    for a in actions {
        s.push_str(&format!(
            "  {:>3} {:<15} {} {}{}\n",
            a.seq,
            t(&a.result),
            t(&a.op),
            a.object.display(),
            if a.message.is_empty() {
                String::new()
            } else {
                format!(" — {}", t(&a.message))
            }
        ));
    }
    s
}

/// `history`: a table of the journal's runs.
pub fn runs(runs: &[Run]) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    table.set_header([
        "ID", "WHEN", "KIND", "WHO", "TARGET", "CLUSTER", "ACTIONS", "STATUS",
    ]);
    for r in runs {
        // The journal is a local file: what it holds is escaped like anything read.
        let counts: Vec<String> = r
            .counts
            .iter()
            .map(|(k, n)| format!("{n} {}", t(k)))
            .collect();
        let kind = match r.undo_of {
            Some(of) => format!("undo of {of}"),
            None => t(&r.kind).into_owned(),
        };
        table.add_row([
            r.id.to_string(),
            t(&r.started_at).into_owned(),
            kind,
            format!("{} ({})", t(&r.kube_user), t(&r.local_user)),
            t(&r.target).into_owned(),
            t(&r.cluster).into_owned(),
            counts.join(", "),
            t(&r.status).into_owned(),
        ]);
    }
    format!("{table}\n")
}

/// `verify`: the verdict, what remains, what was checked, the groups assumed and the
/// SubjectAccessReview answers.
pub fn verification(target: &Target, v: &Verification) -> String {
    let groups = if v.groups.is_empty() {
        "no group".to_string()
    } else {
        v.groups.join(", ")
    };
    let unchecked = v.group_grants.iter().filter(|g| !g.assumed).count();
    let verdict = match (target.is_subject(), v.passed) {
        // Never "no access remains" without the groups it holds for.
        (true, true) => format!(
            "PASSED, no access remains for {} with the groups {groups} and no others (an assumption: group membership lives in the identity provider{})",
            t(&v.target),
            if unchecked > 0 {
                format!(
                    "; {unchecked} binding(s) to other groups could still grant access, see Groups"
                )
            } else {
                String::new()
            }
        ),
        (true, false) => format!("FAILED, access remains (checked with the groups {groups})"),
        (false, true) => "PASSED, nothing of the target remains".to_string(),
        (false, false) => "FAILED, some of the target remains".to_string(),
    };
    let mut s = format!("Verify {}: {verdict}\n", t(&v.target));
    if !v.remaining.is_empty() {
        s.push_str("\nRemaining:\n");
        for r in &v.remaining {
            s.push_str(&format!("  ✗ {}\n", t(r)));
        }
    }
    if !v.checked.is_empty() {
        s.push_str("\nChecked:\n");
        for c in &v.checked {
            s.push_str(&format!("  ✓ {}\n", t(c)));
        }
    }
    if !v.assumption.is_empty() {
        s.push_str(&format!("\nGroups:\n  {}\n", t(&v.assumption)));
        if !v.group_grants.is_empty() {
            s.push_str(&format!(
                "  Bindings to groups ({}; ✗ counted as remaining, ? applies if the subject is in that group, · a default every authenticated identity has):\n",
                v.group_grants.len()
            ));
        }
        for g in &v.group_grants {
            let mark = match (g.counted, g.assumed) {
                (true, _) => "✗",
                (false, true) => "·",
                (false, false) => "?",
            };
            let rules = if g.rules.is_empty() {
                String::new()
            } else {
                format!(": {}", t(&g.rules.join("; ")))
            };
            let tail = if !g.assumed {
                format!(" — not checked: pass --group {}", t(&g.group))
            } else if g.default {
                " (default)".to_string()
            } else {
                String::new()
            };
            s.push_str(&format!(
                "    {mark} {} grants {} to Group {}{rules}{tail}\n",
                t(&g.binding),
                t(&g.role),
                t(&g.group),
            ));
        }
    }
    if !v.answers.is_empty() {
        let allowed = v.answers.iter().filter(|a| a.allowed).count();
        s.push_str(&format!(
            "\nSubjectAccessReview ({} requests, cluster-wide{}; {allowed} allowed):\n",
            v.answers.len(),
            if v.namespaces.is_empty() {
                String::new()
            } else {
                format!(" and in {}", t(&v.namespaces.join(", ")))
            }
        ));
        for a in &v.answers {
            s.push_str(&format!(
                "  {:<7} {}{}\n",
                if a.allowed { "ALLOWED" } else { "denied" },
                t(&a.request),
                if a.allowed && !a.reason.is_empty() {
                    format!(" — {}", t(&a.reason))
                } else {
                    String::new()
                }
            ));
        }
    }
    if !v.notes.is_empty() {
        s.push_str("\nNotes:\n");
        for n in &v.notes {
            s.push_str(&format!("  - {}\n", t(n)));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let p = super::super::sample::plan();
        let text = [super::plan(&p), super::dry_run(&p)].concat();
        assert!(!text.contains('\u{1b}'), "{text}");
        insta::assert_snapshot!(text);
    }
}
