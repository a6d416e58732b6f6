//! One module per subcommand.

mod audit_log;
mod bench;
mod cves;
mod deprovision;
mod explain;
mod export;
mod init;
mod inputs;
mod man;
mod netpol;
mod netpol_diff;
mod policy;
mod probe;
mod pss;
mod rbac;
mod rules;
mod scan;
mod secrets;
mod unused;
mod upgrade_check;
mod version;
mod webhook;
mod webhook_manifests;

use crate::cli::{Cli, ColorChoice, Command};
use std::io::{IsTerminal, Write};
use stockade_model::{Diagnostic, DiagnosticLevel};

/// Writes to standard output, returning the error instead of panicking as `print!` does when
/// the reader has gone (a closed pipe); `main` ends quietly on that error.
pub fn print(args: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)?;
    out.flush()
}

/// Prints diagnostics to standard error, one line each
/// ([`stockade_report::diagnostics`]); returns whether any was an error. Every command that
/// reports diagnostics on standard error (rather than in its report) prints them here.
pub fn print_diagnostics(diags: &[Diagnostic]) -> bool {
    let mut err = std::io::stderr().lock();
    for d in diags {
        let _ = writeln!(err, "{}", stockade_report::diagnostics::line(d));
    }
    diags.iter().any(|d| d.level == DiagnosticLevel::Error)
}

/// Renders a standard report to `file` (created) or standard output; a closed pipe on
/// standard output is not an error.
pub fn write_report(
    report: &stockade_model::Report,
    format: stockade_report::Format,
    file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut out: Box<dyn Write> = match file {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match stockade_report::render(report, format, &mut out, false).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Whether an error is (caused by) writing to a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs the parsed command; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let color = use_color(cli.color);
    stockade_cluster::set_command(command_name(&cli.command));
    match cli.command {
        Command::Scan(args) => scan::run(*args, color),
        Command::Rules(args) => rules::run(args),
        Command::Explain { rule } => explain::run(&rule),
        Command::Netpol(args) => netpol::run(args),
        Command::Pss(args) => pss::run(args),
        Command::Rbac(args) => rbac::run(args),
        Command::AuditLog(args) => audit_log::run(args, color),
        Command::Init { path, force } => init::run(&path, force),
        Command::Unused(args) => unused::run(*args, color),
        Command::Deprovision(args) => deprovision::run(args),
        Command::Webhook(args) => webhook::run(args),
        Command::Bench(args) => bench::run(*args, color),
        Command::Probe(args) => probe::run(args),
        Command::Cves(args) => cves::run(*args),
        Command::UpgradeCheck(args) => upgrade_check::run(*args),
        Command::Secrets(args) => secrets::run(*args),
        Command::Policy(args) => policy::run(args),
        Command::Export(args) => export::run(args),
        Command::Man { dir } => man::run(&dir),
        Command::Version { output } => version::run(&output),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Generated into memory: `generate` panics when its writer fails.
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "stockade", &mut buf);
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
            Ok(0)
        }
    }
}

/// The subcommand's name, for the User-Agent of requests to an API server.
fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Scan(_) => "scan",
        Command::Rules(_) => "rules",
        Command::Explain { .. } => "explain",
        Command::Netpol(_) => "netpol",
        Command::Pss(_) => "pss",
        Command::Rbac(_) => "rbac",
        Command::AuditLog(_) => "audit-log",
        Command::Init { .. } => "init",
        Command::Unused(_) => "unused",
        Command::Deprovision(_) => "deprovision",
        Command::Webhook(_) => "webhook",
        Command::Bench(_) => "bench",
        Command::Probe(_) => "probe",
        Command::Cves(_) => "cves",
        Command::UpgradeCheck(_) => "upgrade-check",
        Command::Secrets(_) => "secrets",
        Command::Policy(_) => "policy",
        Command::Export(_) => "export",
        Command::Man { .. } => "man",
        Command::Version { .. } => "version",
        Command::Completions { .. } => "completions",
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
        }
    }
}
