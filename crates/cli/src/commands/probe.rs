//! `stockade probe`: targets parsed (`stockade_probe::target`) → each probed with GETs and a
//! TLS handshake (`stockade_probe::run`) → rendered (`stockade_report::probe`, or the standard
//! report for SARIF, JUnit and Markdown).

use crate::cli::{ProbeArgs, PssFormat};
use anyhow::Context;
use std::io::Write;
use stockade_model::escape::TermLine;

pub fn run(args: ProbeArgs) -> anyhow::Result<u8> {
    let mut targets = Vec::new();
    for t in &args.targets {
        targets.push(
            stockade_probe::target::parse(t).map_err(|e| anyhow::anyhow!("{}", TermLine(e)))?,
        );
    }
    let secs = stockade_model::time::parse_duration(&args.timeout)
        .filter(|m| *m >= 1_000_000)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--timeout {}: expected whole seconds such as 5s",
                TermLine(&args.timeout)
            )
        })?;
    let timeout = std::time::Duration::from_micros(u64::try_from(secs).unwrap_or(u64::MAX));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let mut results = Vec::new();
    for t in &targets {
        eprintln!("stockade probe: {}", TermLine(t));
        results.push(stockade_probe::probe(t, timeout, now));
    }

    let mut out: Box<dyn Write> = match &args.output_file {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let written = match args.output {
        PssFormat::Table => stockade_report::probe::text::render(&results, &mut out),
        PssFormat::Json => stockade_report::probe::json::render(&results, &mut out),
        other => {
            let format = match other {
                PssFormat::Sarif => stockade_report::Format::Sarif,
                PssFormat::Junit => stockade_report::Format::Junit,
                _ => stockade_report::Format::Markdown,
            };
            stockade_report::render(
                &stockade_report::probe::to_report(&results),
                format,
                &mut out,
                false,
            )
        }
    };
    if let Err(e) = written.and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    if results.iter().any(|(p, _)| p.error.is_some()) {
        return Ok(2);
    }
    Ok(u8::from(
        results
            .iter()
            .flat_map(|(_, h)| h)
            .any(|h| h.check.severity >= args.fail_on),
    ))
}
