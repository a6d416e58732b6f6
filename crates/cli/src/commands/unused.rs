//! `stockade unused`: unused and orphaned objects, grouped by namespace.
//!
//! Inputs are read exactly as `scan` reads them; the rules are the hygiene family (all of it,
//! including the rules that `scan` leaves off because they need a whole cluster or namespace)
//! plus the RBAC and network-policy rules about leftovers: bindings to missing subjects or
//! roles, unbound roles, policies that select nothing. Suppressions, severity overrides and
//! rule options from `.stockade.yaml` apply as in `scan`.
//!
//! Parse → load and run (`stockade_engine`) → render (`stockade_report::unused` for the
//! grouped table, the standard reporters otherwise).

use super::inputs;
use crate::cli::UnusedArgs;
use anyhow::Context;
use std::io::Write;
use stockade_engine::{Settings, today};
use stockade_model::escape::TermLine;
use stockade_report::Format;
use stockade_rules::{Family, RULES, Rule};

/// Rules of other families that report leftovers, run by `unused` besides the hygiene family.
pub const LEFTOVER_RULES: &[&str] = &[
    "binding-subject-missing",
    "binding-role-missing",
    "unbound-role",
    "policy-selects-no-pods",
    "policy-without-workloads",
];

/// The rules `unused` runs.
pub fn rules() -> Vec<&'static Rule> {
    RULES
        .iter()
        .copied()
        .filter(|r| r.family == Family::Hygiene || LEFTOVER_RULES.contains(&r.name))
        .collect()
}

pub fn run(args: UnusedArgs, color: bool) -> anyhow::Result<u8> {
    let format = args.output;
    let settings = load_settings(&args)?;
    let loaded = inputs::load_scoped(&args.input, args.namespace.as_deref())?;
    let out = stockade_engine::run(&loaded.inv, &settings, None, &today());
    if let Some(path) = &args.plan {
        let plan = stockade_deprovision::leftovers::plan(
            &loaded.inv,
            &out.findings,
            args.namespace.as_deref(),
            args.plan_medium,
        );
        let json = serde_json::to_string_pretty(&plan)?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "wrote a plan of {} deletion(s) to {}; review it, then `stockade deprovision apply {}{}` (a dry run first; --yes to execute, journalled and undoable)",
            plan.actions.len(),
            TermLine(path.display()),
            TermLine(path.display()),
            if args.input.cluster { " --cluster" } else { "" }
        );
    }
    let report = inputs::report(loaded, out, &settings, args.namespace.as_deref());

    let write = |w: &mut dyn Write, color: bool| -> std::io::Result<()> {
        match format {
            Format::Table => stockade_report::unused::render(&report, w, color),
            other => stockade_report::render(&report, other, w, color),
        }
    };
    match &args.output_file {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            );
            write(&mut f, false)?;
            f.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            if let Err(e) = write(&mut lock, color).and_then(|_| lock.flush()) {
                // A closed pipe (`stockade unused | head`) is not an error worth a message.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e.into());
                }
            }
        }
    }

    let allow_partial = args.allow_partial || settings.allow_partial;
    if report.partial && !allow_partial {
        eprintln!(
            "stockade: the listing is partial (could not read: {}); exit code 2 — pass --allow-partial (or set allow-partial: true) to accept partial results",
            TermLine(
                report
                    .unread()
                    .map(|c| c.resource.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
    }
    Ok(report.exit_code(args.fail_on.or(settings.fail_on), allow_partial))
}

fn load_settings(args: &UnusedArgs) -> anyhow::Result<Settings> {
    let mut settings = inputs::settings(&args.input, args.config.as_deref(), args.no_config)?;
    // `unused` runs its own rule set whatever the config enables for `scan`; `--disable`
    // still removes rules from it.
    settings.enabled = rules();
    for d in &args.disable {
        settings
            .disable(d)
            .map_err(|m| anyhow::anyhow!("--disable: {m}"))?;
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_set_is_the_hygiene_family_and_the_named_leftover_rules() {
        let names: Vec<&str> = rules().iter().map(|r| r.name).collect();
        for n in LEFTOVER_RULES {
            assert!(names.contains(n), "{n} is not a registered rule");
        }
        let hygiene = RULES.iter().filter(|r| r.family == Family::Hygiene).count();
        assert_eq!(names.len(), hygiene + LEFTOVER_RULES.len());
    }
}
