//! One module per subcommand.

mod audit_log;
mod deprovision;
mod explain;
mod init;
mod inputs;
mod netpol;
mod pss;
mod rbac;
mod rules;
mod scan;
mod unused;

use crate::cli::{Cli, ColorChoice, Command};
use std::io::IsTerminal;

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
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "stockade", &mut std::io::stdout());
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
