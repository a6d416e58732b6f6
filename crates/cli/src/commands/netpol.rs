//! `stockade netpol reach|matrix|explain`: exact NetworkPolicy v1 reachability over the same
//! inputs as `scan` (manifests or `--cluster`).
//!
//! Parse → answer (`stockade_netpol::answer`) → render (`stockade_report::netpol`).
//!
//! Exit codes: `reach` 0 when allowed, 1 when denied; 2 for usage or input errors (results
//! for what could be read are still printed).

use super::inputs;
use crate::cli::{
    NetpolArgs, NetpolCommand, NetpolExplainArgs, NetpolMatrixArgs, NetpolReachArgs, TextFormat,
};
use anyhow::{Context, bail};
use std::io::Write;
use std::net::IpAddr;
use stockade_inventory::Inventory;
use stockade_model::Diagnostic;
use stockade_netpol::{Endpoint, Matrix, Model, Protocol, answer};
use stockade_report::netpol::{json, text};

pub fn run(args: NetpolArgs) -> anyhow::Result<u8> {
    match args.command {
        NetpolCommand::Reach(a) => reach(a),
        NetpolCommand::Matrix(a) => matrix(a),
        NetpolCommand::Explain(a) => explain(a),
        NetpolCommand::Diff(a) => super::netpol_diff::run(a),
        NetpolCommand::Test(a) => test(a),
        NetpolCommand::Suggest(a) => suggest(a),
    }
}

/// Loads the inputs; the model is built by the caller.
fn load(input: &crate::cli::InputArgs) -> anyhow::Result<(Inventory, Vec<Diagnostic>)> {
    let loaded = inputs::load(input)?;
    Ok((loaded.inv, loaded.diagnostics))
}

/// Prints diagnostics to stderr; returns whether any was an input error.
fn report_diagnostics(diags: &[Diagnostic]) -> bool {
    super::print_diagnostics(diags)
}

/// Renders to stdout; a closed pipe is not an error.
fn print(render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    let mut lock = std::io::stdout().lock();
    match render(&mut lock).and_then(|_| lock.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn parse_port(s: &str) -> anyhow::Result<(Protocol, u16)> {
    let (num, proto) = match s.split_once('/') {
        Some((n, p)) => (
            n,
            Protocol::parse_lenient(p)
                .with_context(|| format!("--port {s:?}: protocol must be TCP, UDP or SCTP"))?,
        ),
        None => (s, Protocol::Tcp),
    };
    let n: u16 = num.parse().ok().filter(|n| *n > 0).with_context(|| {
        format!("--port {s:?}: expected a port number from 1 to 65535, e.g. 5432/TCP")
    })?;
    Ok((proto, n))
}

fn endpoint(m: &Model<'_>, spec: &str, flag: &str) -> anyhow::Result<Endpoint> {
    if let Ok(ip) = spec.parse::<IpAddr>() {
        return Ok(Endpoint::External(ip));
    }
    m.find(spec)
        .map(Endpoint::Workload)
        .map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}

fn reach(a: NetpolReachArgs) -> anyhow::Result<u8> {
    let port = a.port.as_deref().map(parse_port).transpose()?;
    let (inv, mut diags) = load(&a.input)?;
    let m = Model::build(&inv);
    diags.extend(m.diagnostics.iter().cloned());
    let input_errors = report_diagnostics(&diags);
    let from = endpoint(&m, &a.from, "--from")?;
    let to = endpoint(&m, &a.to, "--to")?;
    if matches!((from, to), (Endpoint::External(_), Endpoint::External(_))) {
        bail!("--from and --to are both addresses; at least one must be a workload");
    }
    let r = answer::reach(&m, &inv, &from, &to, port, diags);
    match a.output {
        TextFormat::Json => print(|w| json::reach(&r, w))?,
        TextFormat::Text => print(|w| text::reach(&r, w))?,
    }
    Ok(if input_errors {
        2
    } else if r.allowed {
        0
    } else {
        1
    })
}

fn matrix(a: NetpolMatrixArgs) -> anyhow::Result<u8> {
    let (inv, mut diags) = load(&a.input)?;
    let m = Model::build(&inv);
    diags.extend(m.diagnostics.iter().cloned());
    let input_errors = report_diagnostics(&diags);
    let mx = Matrix::compute(&m);
    let shown: Vec<usize> = (0..m.workloads.len())
        .filter(|&i| {
            a.namespace
                .as_deref()
                .is_none_or(|n| m.workloads[i].namespace == n)
        })
        .collect();
    if let Some(ns) = &a.namespace
        && shown.is_empty()
    {
        bail!("no workload in namespace {ns:?}");
    }
    let r = answer::matrix(&m, &mx, &shown, diags);
    match a.output {
        TextFormat::Json => print(|w| json::matrix(&r, w))?,
        TextFormat::Text => print(|w| text::matrix(&r, w))?,
    }
    Ok(if input_errors { 2 } else { 0 })
}

fn explain(a: NetpolExplainArgs) -> anyhow::Result<u8> {
    let (inv, mut diags) = load(&a.input)?;
    let m = Model::build(&inv);
    diags.extend(m.diagnostics.iter().cloned());
    let input_errors = report_diagnostics(&diags);
    let wi = m.find(&a.workload).map_err(|e| anyhow::anyhow!("{e}"))?;
    let r = answer::explain(&m, &inv, wi, diags);
    match a.output {
        TextFormat::Json => print(|w| json::explain(&r, w))?,
        TextFormat::Text => print(|w| text::explain(&r, w))?,
    }
    Ok(if input_errors { 2 } else { 0 })
}

fn test(a: crate::cli::NetpolTestArgs) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&a.flows)
        .with_context(|| format!("cannot read {}", a.flows.display()))?;
    let file = stockade_netpol::flows::parse(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: {}",
            a.flows.display(),
            stockade_model::escape::TermLine(e)
        )
    })?;
    let (inv, mut diags) = load(&a.input)?;
    let m = Model::build(&inv);
    diags.extend(m.diagnostics.iter().cloned());
    let input_errors = report_diagnostics(&diags);
    let outcomes = stockade_netpol::flows::check(&m, &file);
    match a.output {
        TextFormat::Json => print(|w| {
            stockade_model::escape::json_to_writer_pretty(
                &mut *w,
                &serde_json::json!({
                    "schemaVersion": "1.0",
                    "flows": outcomes,
                    "passed": outcomes.iter().filter(|o| o.passed).count(),
                    "failed": outcomes.iter().filter(|o| !o.passed).count(),
                }),
            )?;
            writeln!(w)
        })?,
        TextFormat::Text => print(|w| {
            use stockade_model::escape::TermLine;
            for o in &outcomes {
                let status = match (&o.error, o.passed) {
                    (Some(_), _) => "ERROR",
                    (None, true) => "PASS",
                    (None, false) => "FAIL",
                };
                writeln!(w, "{status} {}", TermLine(&o.name))?;
                if let Some(e) = &o.error {
                    writeln!(w, "  {}", TermLine(e))?;
                }
                if !o.passed && o.error.is_none() {
                    if let Some(r) = &o.reason {
                        writeln!(
                            w,
                            "  expected: {} because {}",
                            if o.expect == stockade_netpol::flows::Expect::Allow {
                                "allow"
                            } else {
                                "deny"
                            },
                            TermLine(r)
                        )?;
                    }
                    for f in &o.failures {
                        writeln!(w, "  {}", TermLine(f))?;
                    }
                }
            }
            writeln!(
                w,
                "{} of {} assertions hold",
                outcomes.iter().filter(|o| o.passed).count(),
                outcomes.len()
            )
        })?,
    }
    Ok(
        if input_errors || outcomes.iter().any(|o| o.error.is_some()) {
            2
        } else if outcomes.iter().all(|o| o.passed) {
            0
        } else {
            1
        },
    )
}

fn suggest(a: crate::cli::NetpolSuggestArgs) -> anyhow::Result<u8> {
    let (inv, mut diags) = load(&a.input)?;
    let m = Model::build(&inv);
    diags.extend(m.diagnostics.iter().cloned());
    let input_errors = report_diagnostics(&diags);
    let mx = Matrix::compute(&m);
    let file = stockade_netpol::flows::suggest(&m, &mx);
    let yaml = serde_saphyr::to_string(&file).map_err(|e| anyhow::anyhow!("{e}"))?;
    print(|w| {
        writeln!(
            w,
            "# Proposed by `stockade netpol suggest` from today's reachability: curate before use."
        )?;
        w.write_all(yaml.as_bytes())
    })?;
    Ok(if input_errors { 2 } else { 0 })
}
