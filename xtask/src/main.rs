//! Developer tasks, run as `cargo xtask <task>` (an alias in `.cargo/config.toml`).
//!
//! - `gen-corpus [--objects N] [--out DIR] [--force]`: writes the deterministic benchmark corpus.
//! - `bench [--objects N] [--runs R] [--real DIR] [--bin PATH] [--json] [--check]`: times the
//!   release scanner on that corpus and on the real-manifest corpus.
//! - `bench-netpol`, `bench-hostile`: the network-policy matrix and attacker-shaped inputs.
//! - `bench-webhook`: the admission webhook under load (vegeta, built by scripts/loadgen.sh).
//! - `gen-api-lifecycle`: regenerates the table of API versions from the k8s.io/api modules.
//!
//! This binary never builds the scanner: it measures whatever `cargo build --release -p
//! stockade` last produced, so the figures describe exactly that binary.

mod api_lifecycle;
mod bench;
mod bench_hostile;
mod bench_netpol;
mod bench_webhook;
mod corpus;
mod new_rule;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

const USAGE: &str = "\
usage: cargo xtask <task> [options]

tasks:
  gen-corpus [--objects N] [--out DIR] [--force]
      Generate the benchmark corpus (default 50000 objects) under
      target/bench-corpus/<N>/, or DIR; an existing complete corpus is reused.
  bench [--objects N] [--runs R] [--real DIR] [--no-real] [--bin PATH] [--json] [--check]
      Time `stockade scan` (1 warm-up + R measured runs, default 3) on the generated
      corpus and on a real-manifest corpus: --real DIR, else $STOCKADE_REAL_CORPUS,
      else that part is skipped (said so on stderr)
      --json prints the figures as JSON; --check exits 2 when a target is missed.
  bench-netpol [--workloads N] [--policies P] [--runs R] [--bin PATH] [--check]
      Time `stockade netpol matrix -o json` on a generated inventory (default 2000
      workloads, 1000 NetworkPolicies; 1 warm-up + R runs, default 3); target < 2 s.
  bench-hostile [--wide N] [--many M] [--runs R] [--bin PATH] [--check]
      Time `stockade scan` on attacker-shaped inputs: one object with up to N entries
      (default 200000; target < 1 s, or linear for the shape with a finding on every
      entry) and one file of M small documents (default 1000000; target < 1 GB peak
      RSS per million objects).
  bench-webhook [--rates R1,R2,...] [--seconds S] [--bin PATH] [--check]
      Serve `stockade webhook serve --no-cluster` over TLS on loopback and drive it with
      the vegeta load generator (built from its Go module by scripts/loadgen.sh, cached)
      at each fixed rate (default 250,500,1000,1500,2000,3000 per second) for S seconds
      (default 10): p50/p99/max latency and errors; target p99 < 5 ms at 1000/s.
  gen-api-lifecycle [--from 16] [--to 37]
      Regenerate crates/rules/data/api-lifecycle.tsv (every API version of every built-in
      kind: introduced, deprecated, removed, replacement) from the k8s.io/api module of
      each release, downloaded with `go mod download` from the Go module proxy.
  new-rule FAMILY NAME [--severity S] [--policy]
      Scaffold a rule: FAMILY is workload, pss, rbac, network, hygiene or audit; NAME is
      kebab-case. Writes the rule file (docs headings, metadata with the next id, an empty
      check), pass/fail fixtures, the mod line and the registry line. --policy makes an
      audit rule that judges an audit Policy.
";

fn main() {
    if let Err(e) = run() {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(task) = args.next() else {
        eprint!("{USAGE}");
        std::process::exit(2);
    };
    let rest: Vec<String> = args.collect();
    match task.as_str() {
        "new-rule" => {
            let (mut positional, mut severity, mut policy) =
                (Vec::new(), "medium".to_string(), false);
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--policy" => policy = true,
                    "--severity" => {
                        severity = it.next().cloned().context("--severity expects a value")?
                    }
                    s if s.starts_with("--severity=") => severity = s["--severity=".len()..].into(),
                    s if s.starts_with("--") => bail!("unexpected argument `{s}`\n{USAGE}"),
                    _ => positional.push(a.clone()),
                }
            }
            let [family, name] = positional.as_slice() else {
                bail!("usage: cargo xtask new-rule FAMILY NAME [--severity S] [--policy]");
            };
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let c = new_rule::create(&root, family, name, &severity, policy)?;
            println!("{} {name}: wrote", c.id);
            for f in &c.files {
                println!("  {}", f.strip_prefix(&root).unwrap_or(f).display());
            }
            println!(
                "next: write the docs and check, real fixtures, controls and summary; `cargo test` says what is missing"
            );
            Ok(())
        }
        "gen-corpus" => {
            let mut opts = Opts::parse(&rest, &["--objects", "--out"], &["--force"])?;
            let objects = opts.objects()?;
            let out = opts
                .value("--out")
                .map(PathBuf::from)
                .unwrap_or_else(|| corpus::default_dir(objects));
            let stats = corpus::ensure(&out, objects, opts.flag("--force"))?;
            println!(
                "{}: {} objects in {} files, {:.1} MB{}",
                out.display(),
                stats.objects,
                stats.files,
                stats.bytes as f64 / 1e6,
                if stats.reused { " (reused)" } else { "" }
            );
            Ok(())
        }
        "bench" => {
            let mut opts = Opts::parse(
                &rest,
                &["--objects", "--runs", "--real", "--bin"],
                &["--json", "--check", "--no-real"],
            )?;
            let objects = opts.objects()?;
            let runs = match opts.value("--runs") {
                Some(r) => r.parse().context("--runs expects a number")?,
                None => 3,
            };
            if runs == 0 {
                bail!("--runs must be at least 1");
            }
            // The real corpus is optional data kept outside the repository: named by --real
            // or STOCKADE_REAL_CORPUS, never looked for at a fixed place.
            let real = if opts.flag("--no-real") {
                None
            } else {
                let named = opts
                    .value("--real")
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("STOCKADE_REAL_CORPUS").map(PathBuf::from));
                if named.is_none() {
                    eprintln!(
                        "xtask: real corpus skipped: pass --real DIR or set STOCKADE_REAL_CORPUS"
                    );
                }
                named
            };
            let config = bench::Config {
                objects,
                runs,
                real,
                bin: opts
                    .value("--bin")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| target_dir().join("release/stockade")),
                json: opts.flag("--json"),
            };
            let met = bench::run(&config)?;
            if opts.flag("--check") && !met {
                std::process::exit(2);
            }
            Ok(())
        }
        "bench-netpol" => {
            let mut opts = Opts::parse(
                &rest,
                &["--workloads", "--policies", "--runs", "--bin"],
                &["--check"],
            )?;
            let num = |v: Option<String>, d: usize, what: &str| -> Result<usize> {
                v.map_or(Ok(d), |v| {
                    v.parse()
                        .with_context(|| format!("{what} expects a number"))
                })
            };
            let config = bench_netpol::Config {
                workloads: num(opts.value("--workloads"), 2000, "--workloads")?.max(1),
                policies: num(opts.value("--policies"), 1000, "--policies")?,
                runs: num(opts.value("--runs"), 3, "--runs")?.max(1),
                bin: opts
                    .value("--bin")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| target_dir().join("release/stockade")),
            };
            let met = bench_netpol::run(&config)?;
            if opts.flag("--check") && !met {
                std::process::exit(2);
            }
            Ok(())
        }
        "bench-hostile" => {
            let mut opts = Opts::parse(
                &rest,
                &["--wide", "--many", "--runs", "--bin"],
                &["--check"],
            )?;
            let num = |v: Option<String>, d: usize, what: &str| -> Result<usize> {
                v.map_or(Ok(d), |v| {
                    v.parse()
                        .with_context(|| format!("{what} expects a number"))
                })
            };
            let config = bench_hostile::Config {
                wide: num(opts.value("--wide"), 200_000, "--wide")?.max(20),
                many: num(opts.value("--many"), 1_000_000, "--many")?.max(1),
                runs: num(opts.value("--runs"), 3, "--runs")?.max(1),
                bin: opts
                    .value("--bin")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| target_dir().join("release/stockade")),
            };
            let met = bench_hostile::run(&config)?;
            if opts.flag("--check") && !met {
                std::process::exit(2);
            }
            Ok(())
        }
        "bench-webhook" => {
            let mut opts = Opts::parse(&rest, &["--rates", "--seconds", "--bin"], &["--check"])?;
            let rates = match opts.value("--rates") {
                Some(r) => r
                    .split(',')
                    .map(|x| {
                        x.trim()
                            .parse::<u32>()
                            .context("--rates expects numbers like 500,1000")
                    })
                    .collect::<Result<Vec<_>>>()?,
                None => vec![250, 500, 1000, 1500, 2000, 3000],
            };
            if rates.is_empty() || rates.contains(&0) {
                bail!("--rates must list rates above 0");
            }
            let seconds = match opts.value("--seconds") {
                Some(s) => s.parse().context("--seconds expects a number")?,
                None => 10,
            };
            if seconds == 0 {
                bail!("--seconds must be at least 1");
            }
            let config = bench_webhook::Config {
                rates,
                seconds,
                bin: opts
                    .value("--bin")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| target_dir().join("release/stockade")),
            };
            let met = bench_webhook::run(&config)?;
            if opts.flag("--check") && !met {
                std::process::exit(2);
            }
            Ok(())
        }
        "gen-api-lifecycle" => {
            let mut opts = Opts::parse(&rest, &["--from", "--to"], &[])?;
            let from = match opts.value("--from") {
                Some(v) => v
                    .parse()
                    .context("--from expects a minor version such as 16")?,
                None => 16,
            };
            let to = match opts.value("--to") {
                Some(v) => v
                    .parse()
                    .context("--to expects a minor version such as 37")?,
                None => 37,
            };
            api_lifecycle::run(&repo_root(), from, to)
        }
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task `{other}`\n{USAGE}"),
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, else `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                repo_root().join(d)
            }
        }
        None => repo_root().join("target"),
    }
}

/// A tiny option parser: `--name value`, `--name=value` and boolean `--flag`s.
struct Opts {
    values: Vec<(String, String)>,
    flags: Vec<String>,
}

impl Opts {
    fn parse(args: &[String], valued: &[&str], flags: &[&str]) -> Result<Opts> {
        let mut o = Opts {
            values: Vec::new(),
            flags: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (a.as_str(), None),
            };
            if valued.contains(&name) {
                let v = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .cloned()
                        .with_context(|| format!("{name} expects a value"))?,
                };
                o.values.push((name.to_string(), v));
            } else if flags.contains(&name) && inline.is_none() {
                o.flags.push(name.to_string());
            } else {
                bail!("unexpected argument `{a}`\n{USAGE}");
            }
        }
        Ok(o)
    }

    /// The last value given for `name`.
    fn value(&mut self, name: &str) -> Option<String> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    fn objects(&mut self) -> Result<usize> {
        let n: usize = match self.value("--objects") {
            Some(v) => v
                .replace('_', "")
                .parse()
                .context("--objects expects a number")?,
            None => corpus::DEFAULT_OBJECTS,
        };
        if n == 0 {
            bail!("--objects must be at least 1");
        }
        Ok(n)
    }
}
