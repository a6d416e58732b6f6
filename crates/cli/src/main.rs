//! The `stockade` binary: parse arguments, run one command, exit with its code.
//!
//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage, config or input error.

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

mod audit_server;
mod cli;
mod commands;
mod serve;
mod webhook_server;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = parse();
    if let Some(n) = args.jobs
        && let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global()
    {
        eprintln!("warning: --jobs {n} ignored: {e}");
    }
    match commands::run(args) {
        Ok(code) => ExitCode::from(code),
        // The reader of standard output went away (`stockade rules | head -1`): nothing more
        // can be said to it, and that is not a failure worth a message.
        Err(e) if commands::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let mut err = anstream::stderr();
            let style = anstyle::Style::new()
                .fg_color(Some(anstyle::AnsiColor::Red.into()))
                .effects(anstyle::Effects::BOLD);
            // Errors quote file names, object names and cluster messages: escaped, as in reports.
            let e = stockade_model::escape::Term(format!("{e:#}"));
            let _ =
                std::io::Write::write_fmt(&mut err, format_args!("{style}error{style:#}: {e}\n"));
            ExitCode::from(2)
        }
    }
}

/// The arguments. Run as `kubectl-stockade` (a kubectl plugin: `kubectl stockade …`), the help
/// and usage lines say `kubectl stockade`.
fn parse() -> cli::Cli {
    let plugin = std::env::args_os()
        .next()
        .and_then(|a| {
            std::path::Path::new(&a)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .is_some_and(|n| n == "kubectl-stockade");
    let mut cmd = cli::Cli::command();
    if plugin {
        cmd = cmd.bin_name("kubectl stockade").name("kubectl-stockade");
    }
    let matches = cmd.get_matches();
    cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}
