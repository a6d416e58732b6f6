//! `stockade deprovision`: plan, apply, verify, history and undo, over the
//! `stockade-deprovision` crate. This module reads inputs, opens the journal, connects and
//! prints; every decision is the crate's.

use super::inputs;
use crate::cli::{
    DeprovisionApplyArgs, DeprovisionArgs, DeprovisionCommand, DeprovisionHistoryArgs,
    DeprovisionPlanArgs, DeprovisionUndoArgs, DeprovisionVerifyArgs, JournalArgs,
};
use anyhow::{Context, bail};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use stockade_cluster::ClusterOptions;
use stockade_deprovision::api::Api;
use stockade_deprovision::apply::{self, ApplyOptions, RunReport};
use stockade_deprovision::journal::{self, Journal};
use stockade_deprovision::{Plan, render, verify};

pub fn run(args: DeprovisionArgs) -> anyhow::Result<u8> {
    match args.command {
        DeprovisionCommand::Plan(a) => plan(*a),
        DeprovisionCommand::Apply(a) => apply_cmd(a),
        DeprovisionCommand::Verify(a) => verify_cmd(*a),
        DeprovisionCommand::History(a) => history(a),
        DeprovisionCommand::Undo(a) => undo(a),
    }
}

fn print_diagnostics(loaded: &inputs::Loaded) -> bool {
    super::print_diagnostics(&loaded.diagnostics, super::Layout::Code)
}

/// A value from the cluster or a journal, for one line of terminal text.
fn term(s: &str) -> std::borrow::Cow<'_, str> {
    stockade_model::escape::terminal_line(s)
}

/// Writes an answer. Its control characters are escaped once more, as a backstop: the text
/// renderers escape each value (newlines inside names too), and JSON
/// ([`render::json_pretty`]), YAML and the kubectl script hold none raw, so for them this
/// changes nothing.
fn write_out(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    let text: &str = &stockade_model::escape::terminal(text);
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
    }
}

fn plan(args: DeprovisionPlanArgs) -> anyhow::Result<u8> {
    let loaded = inputs::load(&args.input)?;
    let input_errors = print_diagnostics(&loaded);
    refuse_partial(
        &loaded,
        stockade_deprovision::plan::NEEDS,
        "a plan from a partial snapshot could leave access behind or delete something still in use, so none is made",
    )?;
    let plan = stockade_deprovision::compute(&loaded.inv, &args.target)?;
    let text = match args.output.as_str() {
        "json" => render::json_pretty(&plan)?,
        "kubectl" => render::kubectl(&plan),
        "yaml" => render::yaml(&plan),
        _ => render::text(&plan),
    };
    write_out(args.output_file.as_deref(), &text)?;
    Ok(if input_errors { 2 } else { 0 })
}

/// Refuses to go on when a kind of `needs` could not be read completely, or a listing failed
/// part-way, naming what was not read. `--allow-partial` does not exist here on purpose.
fn refuse_partial(loaded: &inputs::Loaded, needs: &[&str], why: &str) -> anyhow::Result<()> {
    let missing = loaded.unread_of(needs);
    let failed: Vec<&str> = loaded
        .coverage
        .iter()
        .filter(|c| c.status == stockade_model::CoverageStatus::Error)
        .map(|c| c.resource.as_str())
        .collect();
    if !missing.is_empty() {
        bail!(
            "the cluster could not be read completely (not read: {}); {why}. Grant get/list on them (deploy/rbac.yaml) and run again",
            missing.join(", ")
        );
    }
    if !failed.is_empty() {
        bail!(
            "the cluster could only be read in part (listing failed: {}); {why}",
            failed.join(", ")
        );
    }
    Ok(())
}

fn journal_path(j: &JournalArgs) -> anyhow::Result<PathBuf> {
    j.journal.clone().or_else(journal::default_path).context(
        "no journal location: pass --journal FILE or set STOCKADE_JOURNAL (HOME is not set)",
    )
}

fn open_journal(j: &JournalArgs) -> anyhow::Result<Journal> {
    Ok(Journal::open(&journal_path(j)?)?)
}

fn connect(kubeconfig: &Option<PathBuf>, context: &Option<String>) -> anyhow::Result<Api> {
    Ok(Api::connect(&ClusterOptions {
        kubeconfig: kubeconfig.clone(),
        context: context.clone(),
        namespace: None,
        page_size: 500,
    })?)
}

fn read_plan(path: &Path) -> anyhow::Result<Plan> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the plan {}", path.display()))?
    };
    Plan::from_json(&text).with_context(|| format!("{}", path.display()))
}

fn report_text(title: &str, r: &RunReport) -> String {
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
                term(&step.subjects.join(", "))
            )
        };
        s.push_str(&format!("  {:<15} {what}", step.outcome.as_str()));
        if !step.message.is_empty() {
            s.push_str(&format!(" — {}", term(&step.message)));
        }
        s.push('\n');
    }
    if let Some(m) = &r.message {
        s.push_str(&format!("\nStopped at: {}\n", term(m)));
        if r.status == "stopped" {
            s.push_str(
                "Fix the cause, then run the same apply again: what is done counts as done.\n",
            );
        }
    }
    if !r.warnings.is_empty() {
        s.push_str("\nWarnings:\n");
        for w in &r.warnings {
            s.push_str(&format!("  ! {}\n", term(w)));
        }
    }
    s
}

fn apply_cmd(args: DeprovisionApplyArgs) -> anyhow::Result<u8> {
    let plan = read_plan(&args.plan)?;
    if !args.cluster && !args.yes {
        // Offline: show what the plan would do.
        let mut s = format!(
            "Dry run of the plan for {} (offline; add --cluster to check it against the cluster and server-side dry-run it, --yes to execute):\n",
            term(&plan.target)
        );
        for a in &plan.actions {
            s.push_str(&format!("  would {}", term(&render::describe(a))));
            if let Some(w) = &a.warning {
                s.push_str(&format!("\n      ! {}", term(w)));
            }
            s.push('\n');
        }
        if args.output == "json" {
            write_out(None, &render::json_pretty(&plan)?)?;
        } else {
            write_out(None, &s)?;
        }
        return Ok(0);
    }
    let journal = open_journal(&args.journal)?;
    let api = connect(&args.kubeconfig, &args.context)?;
    let report = apply::apply(
        &api,
        &journal,
        &plan,
        &ApplyOptions {
            execute: args.yes,
            fail_after: args.fail_after,
        },
    )?;
    let text = if args.output == "json" {
        render::json_pretty(&report)?
    } else {
        report_text(
            &format!("Apply of the plan for {}", term(&plan.target)),
            &report,
        )
    };
    write_out(None, &text)?;
    Ok(if report.ok() { 0 } else { 1 })
}

fn undo(args: DeprovisionUndoArgs) -> anyhow::Result<u8> {
    let journal = open_journal(&args.journal)?;
    let run = journal.run(args.id)?;
    let api = connect(&args.kubeconfig, &args.context)?;
    let report = apply::undo(&api, &journal, args.id, args.yes)?;
    let text = if args.output == "json" {
        render::json_pretty(&report)?
    } else {
        report_text(
            &format!("Undo of journal entry {} ({})", args.id, term(&run.target)),
            &report,
        )
    };
    write_out(None, &text)?;
    Ok(if report.ok() { 0 } else { 1 })
}

fn history(args: DeprovisionHistoryArgs) -> anyhow::Result<u8> {
    let path = journal_path(&args.journal)?;
    if !path.exists() {
        if args.output == "json" {
            write_out(None, "[]\n")?;
        } else {
            write_out(
                None,
                &format!(
                    "The journal {} is empty: nothing was applied yet.\n",
                    path.display()
                ),
            )?;
        }
        return Ok(0);
    }
    let journal = Journal::open(&path)?;
    if let Some(id) = args.id {
        let run = journal.run(id)?;
        let actions = journal.actions(id)?;
        if args.output == "json" {
            let v = serde_json::json!({"run": run, "actions": actions});
            write_out(None, &render::json_pretty(&v)?)?;
        } else {
            let mut s = format!(
                "{} {} of {} by {} (local user {}) on {} ({}), {} → {}: {}\n",
                term(&run.kind),
                run.id,
                term(&run.target),
                term(&run.kube_user),
                term(&run.local_user),
                term(&run.cluster),
                term(&run.server),
                term(&run.started_at),
                term(run.finished_at.as_deref().unwrap_or("-")),
                term(&run.status)
            );
            if let Some(m) = &run.message {
                s.push_str(&format!("  stopped at: {}\n", term(m)));
            }
            for a in actions {
                s.push_str(&format!(
                    "  {:>3} {:<15} {} {}{}\n",
                    a.seq,
                    term(&a.result),
                    term(&a.op),
                    a.object.display(),
                    if a.message.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", term(&a.message))
                    }
                ));
            }
            write_out(None, &s)?;
        }
        return Ok(0);
    }
    let runs = journal.runs()?;
    if args.output == "json" {
        write_out(None, &render::json_pretty(&runs)?)?;
        return Ok(0);
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    table.set_header([
        "ID", "WHEN", "KIND", "WHO", "TARGET", "CLUSTER", "ACTIONS", "STATUS",
    ]);
    for r in &runs {
        // The journal is a local file: what it holds is escaped like anything read.
        let counts: Vec<String> = r
            .counts
            .iter()
            .map(|(k, n)| format!("{n} {}", term(k)))
            .collect();
        let kind = match r.undo_of {
            Some(of) => format!("undo of {of}"),
            None => term(&r.kind).into_owned(),
        };
        table.add_row([
            r.id.to_string(),
            term(&r.started_at).into_owned(),
            kind,
            format!("{} ({})", term(&r.kube_user), term(&r.local_user)),
            term(&r.target).into_owned(),
            term(&r.cluster).into_owned(),
            counts.join(", "),
            term(&r.status).into_owned(),
        ]);
    }
    write_out(None, &format!("{table}\n"))?;
    Ok(0)
}

fn verify_cmd(args: DeprovisionVerifyArgs) -> anyhow::Result<u8> {
    let loaded = inputs::load(&args.input)?;
    let input_errors = print_diagnostics(&loaded);
    refuse_partial(
        &loaded,
        stockade_deprovision::plan::VERIFY_NEEDS,
        "absence of access cannot be proven from a partial snapshot",
    )?;
    let mut plan = match &args.plan {
        Some(p) => Some(read_plan(p)?),
        None => None,
    };
    let mut namespaces = args.namespaces.clone();
    let mut from_journal = None;
    // Namespaces where journalled applies removed the target's grants, and without --plan the
    // plan of the latest apply for the target (best effort: a missing journal only means there
    // are none).
    if let Ok(path) = journal_path(&args.journal)
        && path.exists()
        && let Ok(j) = Journal::open(&path)
    {
        let target = args.target.to_string();
        if let Ok(ns) = j.namespaces_of_target(&target) {
            namespaces.extend(ns);
        }
        if plan.is_none()
            && let Ok(runs) = j.runs()
            && let Some(last) = runs
                .iter()
                .rev()
                .find(|r| r.kind == "apply" && r.target == target && r.status != "refused")
            && let Ok(text) = j.plan_of(last.id)
            && let Ok(p) = Plan::from_json(&text)
        {
            plan = Some(p);
            from_journal = Some(last.id);
        }
    }
    if let Some(p) = &plan {
        namespaces.extend(
            p.actions
                .iter()
                .filter(|a| a.object.kind == "RoleBinding")
                .filter_map(|a| a.object.namespace.clone()),
        );
    }
    let api = if args.input.cluster {
        Some(connect(&args.input.kubeconfig, &args.input.context)?)
    } else {
        None
    };
    let mut v = verify::verify(
        &loaded.inv,
        &args.target,
        plan.as_ref(),
        api.as_ref(),
        &namespaces,
        &args.groups,
    );
    if let Some(id) = from_journal {
        v.notes.push(format!(
            "the objects listed by the plan of journal entry {id} (the latest apply for this target) were checked; pass --plan to check another"
        ));
    }
    if args.output == "json" {
        write_out(None, &render::json_pretty(&v)?)?;
    } else {
        let groups = if v.groups.is_empty() {
            "no group".to_string()
        } else {
            v.groups.join(", ")
        };
        let unchecked = v.group_grants.iter().filter(|g| !g.assumed).count();
        let verdict = match (args.target.is_subject(), v.passed) {
            // Never "no access remains" without the groups it holds for.
            (true, true) => format!(
                "PASSED, no access remains for {} with the groups {groups} and no others (an assumption: group membership lives in the identity provider{})",
                term(&v.target),
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
        let mut s = format!("Verify {}: {verdict}\n", term(&v.target));
        if !v.remaining.is_empty() {
            s.push_str("\nRemaining:\n");
            for r in &v.remaining {
                s.push_str(&format!("  ✗ {}\n", term(r)));
            }
        }
        if !v.checked.is_empty() {
            s.push_str("\nChecked:\n");
            for c in &v.checked {
                s.push_str(&format!("  ✓ {}\n", term(c)));
            }
        }
        if !v.assumption.is_empty() {
            s.push_str(&format!("\nGroups:\n  {}\n", term(&v.assumption)));
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
                    format!(": {}", term(&g.rules.join("; ")))
                };
                let tail = if !g.assumed {
                    format!(" — not checked: pass --group {}", term(&g.group))
                } else if g.default {
                    " (default)".to_string()
                } else {
                    String::new()
                };
                s.push_str(&format!(
                    "    {mark} {} grants {} to Group {}{rules}{tail}\n",
                    term(&g.binding),
                    term(&g.role),
                    term(&g.group),
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
                    format!(" and in {}", term(&v.namespaces.join(", ")))
                }
            ));
            for a in &v.answers {
                s.push_str(&format!(
                    "  {:<7} {}{}\n",
                    if a.allowed { "ALLOWED" } else { "denied" },
                    term(&a.request),
                    if a.allowed && !a.reason.is_empty() {
                        format!(" — {}", term(&a.reason))
                    } else {
                        String::new()
                    }
                ));
            }
        }
        if !v.notes.is_empty() {
            s.push_str("\nNotes:\n");
            for n in &v.notes {
                s.push_str(&format!("  - {}\n", term(n)));
            }
        }
        write_out(None, &s)?;
    }
    Ok(if input_errors {
        2
    } else if v.passed {
        0
    } else {
        1
    })
}
