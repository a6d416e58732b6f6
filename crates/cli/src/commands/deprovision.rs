//! `stockade deprovision`: plan, apply, verify, history and undo, over the
//! `stockade-deprovision` crate. This module reads inputs, opens the journal, connects and
//! writes what `stockade_report::deprovision` renders; every decision is the crate's.

use super::inputs;
use crate::cli::{
    DeprovisionApplyArgs, DeprovisionArgs, DeprovisionCommand, DeprovisionHistoryArgs,
    DeprovisionPlanArgs, DeprovisionReportArgs, DeprovisionUndoArgs, DeprovisionVerifyArgs,
    JournalArgs, PlanFormat, RecordFormat, TextFormat,
};
use anyhow::{Context, bail};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use stockade_cluster::ClusterOptions;
use stockade_deprovision::api::Api;
use stockade_deprovision::apply::{self, ApplyOptions};
use stockade_deprovision::journal::{self, Journal};
use stockade_deprovision::{Plan, verify};
use stockade_report::deprovision::{json, kubectl, record_html, record_markdown, text, yaml};

pub fn run(args: DeprovisionArgs) -> anyhow::Result<u8> {
    match args.command {
        DeprovisionCommand::Plan(a) => plan(*a),
        DeprovisionCommand::Apply(a) => apply_cmd(a),
        DeprovisionCommand::Verify(a) => verify_cmd(*a),
        DeprovisionCommand::History(a) => history(a),
        DeprovisionCommand::Undo(a) => undo(a),
        DeprovisionCommand::Report(a) => report(a),
    }
}

fn print_diagnostics(loaded: &inputs::Loaded) -> bool {
    super::print_diagnostics(&loaded.diagnostics)
}

/// Writes an answer. Its control characters are escaped once more, as a backstop: the text
/// renderers escape each value (newlines inside names too), and JSON
/// ([`json::pretty`]), YAML and the kubectl script hold none raw, so for them this
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
    let loaded = with_node_objects(loaded, &args.input, &args.target)?;
    let plan = stockade_deprovision::compute(&loaded.inv, &args.target)?;
    let text = match args.output {
        PlanFormat::Json => json::pretty(&plan)?,
        PlanFormat::Kubectl => kubectl::plan(&plan),
        PlanFormat::Yaml => yaml::plan(&plan),
        PlanFormat::Text => text::plan(&plan),
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

/// For a node target read from a cluster: adds what a scan does not read (the node's Lease and
/// CSINode, VolumeAttachments, CertificateSigningRequests). What cannot be read is a warning:
/// the plan then says less about certificates and attachments, and nothing of it is deleted.
fn with_node_objects(
    loaded: inputs::Loaded,
    input: &crate::cli::InputArgs,
    target: &stockade_deprovision::Target,
) -> anyhow::Result<inputs::Loaded> {
    let stockade_deprovision::Target::Node(name) = target else {
        return Ok(loaded);
    };
    if !input.cluster {
        return Ok(loaded);
    }
    let api = connect(&input.kubeconfig, &input.context)?;
    let (extra, problems) = stockade_deprovision::node::extras(&api, name);
    for p in &problems {
        eprintln!(
            "warning: {}; the plan leaves it out",
            stockade_model::escape::terminal_line(p)
        );
    }
    Ok(loaded.with_objects(extra))
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

fn apply_cmd(args: DeprovisionApplyArgs) -> anyhow::Result<u8> {
    let plan = read_plan(&args.plan)?;
    if !args.cluster && !args.yes {
        // Offline: show what the plan would do.
        let text = match args.output {
            TextFormat::Json => json::pretty(&plan)?,
            TextFormat::Text => text::dry_run(&plan),
        };
        write_out(None, &text)?;
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
            force_drain: args.force_drain,
        },
    )?;
    let text = match args.output {
        TextFormat::Json => json::pretty(&report)?,
        TextFormat::Text => text::applied(&plan.target, &report),
    };
    write_out(None, &text)?;
    Ok(if report.ok() { 0 } else { 1 })
}

fn undo(args: DeprovisionUndoArgs) -> anyhow::Result<u8> {
    let journal = open_journal(&args.journal)?;
    let run = journal.run(args.id)?;
    let api = connect(&args.kubeconfig, &args.context)?;
    let report = apply::undo(&api, &journal, args.id, args.yes)?;
    let text = match args.output {
        TextFormat::Json => json::pretty(&report)?,
        TextFormat::Text => text::undone(args.id, &run.target, &report),
    };
    write_out(None, &text)?;
    Ok(if report.ok() { 0 } else { 1 })
}

fn history(args: DeprovisionHistoryArgs) -> anyhow::Result<u8> {
    let path = journal_path(&args.journal)?;
    if !path.exists() {
        let text = match args.output {
            TextFormat::Json => json::pretty(&[] as &[journal::Run])?,
            TextFormat::Text => text::no_history(&path),
        };
        write_out(None, &text)?;
        return Ok(0);
    }
    let journal = Journal::open(&path)?;
    let text = if let Some(id) = args.id {
        let run = journal.run(id)?;
        let actions = journal.actions(id)?;
        match args.output {
            TextFormat::Json => json::run(&run, &actions)?,
            TextFormat::Text => text::run(&run, &actions),
        }
    } else {
        let runs = journal.runs()?;
        match args.output {
            TextFormat::Json => json::pretty(&runs)?,
            TextFormat::Text => text::runs(&runs),
        }
    };
    write_out(None, &text)?;
    Ok(0)
}

fn verify_cmd(args: DeprovisionVerifyArgs) -> anyhow::Result<u8> {
    if matches!(args.target, stockade_deprovision::Target::Leftovers(_)) {
        anyhow::bail!(
            "verify proves that a subject's access or a namespace or workload is gone; for leftovers, `deprovision apply` already checked each deletion, and `stockade unused` shows what remains"
        );
    }
    let loaded = inputs::load(&args.input)?;
    let input_errors = print_diagnostics(&loaded);
    refuse_partial(
        &loaded,
        stockade_deprovision::plan::VERIFY_NEEDS,
        "absence of access cannot be proven from a partial snapshot",
    )?;
    let loaded = with_node_objects(loaded, &args.input, &args.target)?;
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
    record_verification(&args.journal, &args.target.to_string(), &v);
    let text = match args.output {
        TextFormat::Json => json::pretty(&v)?,
        TextFormat::Text => text::verification(&args.target, &v),
    };
    write_out(None, &text)?;
    Ok(if input_errors {
        2
    } else if v.passed {
        0
    } else {
        1
    })
}

/// Keeps the verification in the journal, for `deprovision report`, when there is a journal
/// (something was applied from here). Failing to record is a warning: the answer stands.
fn record_verification(j: &JournalArgs, target: &str, v: &verify::Verification) {
    let Ok(path) = journal_path(j) else { return };
    if !path.exists() {
        return;
    }
    let result = serde_json::to_value(v)
        .map_err(|e| e.to_string())
        .and_then(|body| {
            Journal::open(&path)
                .and_then(|jr| {
                    jr.record_verification(target, &journal::local_user(), v.passed, &body)
                })
                .map_err(|e| e.to_string())
        });
    if let Err(e) = result {
        eprintln!(
            "warning: the verification was not recorded in the journal {}: {}",
            path.display(),
            stockade_model::escape::terminal_line(&e)
        );
    }
}

fn report(args: DeprovisionReportArgs) -> anyhow::Result<u8> {
    use stockade_deprovision::record::{self, Selection};
    let path = journal_path(&args.journal)?;
    if !path.exists() {
        bail!(
            "no journal at {}: nothing has been applied from here (pass --journal FILE for another)",
            path.display()
        );
    }
    let journal = Journal::open(&path)?;
    let selection = match (args.id, &args.since) {
        (Some(id), _) => Selection::Id(id),
        (None, Some(s)) => Selection::Since(
            stockade_model::time::parse_bound(s, stockade_model::time::now())
                .map_err(|e| anyhow::anyhow!("--since: {e}"))?,
        ),
        (None, None) => bail!("name a journal id or pass --since"),
    };
    let logs = stockade_audit::reader::order_rotated(
        stockade_audit::reader::expand_inputs(&args.audit_log)
            .context("cannot list the audit logs")?,
    );
    let rec = record::build(&journal, &path.display().to_string(), &selection, &logs)?;
    for p in &rec.audit_problems {
        eprintln!("warning: {}", stockade_model::escape::terminal_line(p));
    }
    let text = match args.output {
        RecordFormat::Json => json::pretty(&rec)?,
        RecordFormat::Markdown => record_markdown::record(&rec),
        RecordFormat::Html => record_html::record(&rec),
    };
    write_out(args.output_file.as_deref(), &text)?;
    let discrepancy = !logs.is_empty()
        && rec
            .runs
            .iter()
            .any(|r| !r.unmatched.is_empty() || !r.others.is_empty());
    Ok(if discrepancy { 1 } else { 0 })
}
