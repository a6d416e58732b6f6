//! `stockade bench`: the CIS Kubernetes Benchmark on a node (or a node snapshot) and, with
//! `--cluster` or manifests, section 5 from the cluster's objects.
//!
//! Node read (`stockade_bench::node`) → benchmark chosen by version (`stockade_bench::data`) →
//! evaluated (`stockade_bench::eval`, the cluster's recommendations answered by the rules
//! mapped to them, audit policies by the audit-policy rules) → suppressions → render
//! (`stockade_report::bench`).

use super::inputs;
use crate::cli::{BenchArgs, PssFormat};
use anyhow::Context;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use stockade_bench::data::{self, Role};
use stockade_bench::eval::{self, ClusterAnswer, Engines, Evaluation, Roles, Status};
use stockade_bench::node::Node;
use stockade_model::escape::TermLine;
use stockade_model::{Finding, Framework};

pub fn run(args: BenchArgs, color: bool) -> anyhow::Result<u8> {
    let settings = inputs::settings(&args.input, args.config.as_deref(), args.no_config)?;
    if args.list {
        return list(&args);
    }
    let Some(every) = &args.every else {
        return once(&args, &settings, color);
    };
    let micros = stockade_model::time::parse_duration(every)
        .filter(|m| *m >= 1_000_000)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--every {}: expected a duration of at least a second, such as 24h or 30m",
                TermLine(every)
            )
        })?;
    let period = std::time::Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .enable_io()
        .build()?;
    rt.block_on(async {
        let stop = crate::serve::signal();
        tokio::pin!(stop);
        loop {
            let code = once(&args, &settings, color)?;
            eprintln!(
                "stockade bench: evaluated (exit status {code}); next run in {}",
                TermLine(every)
            );
            tokio::select! {
                _ = tokio::time::sleep(period) => {}
                _ = &mut stop => return Ok(0),
            }
        }
    })
}

/// One evaluation, rendered; the exit code.
fn once(args: &BenchArgs, settings: &stockade_engine::Settings, color: bool) -> anyhow::Result<u8> {
    let root = &args.node_root;
    if !root.is_dir() {
        anyhow::bail!(
            "--node-root {}: not a directory; give / on the node itself, or the directory of a node snapshot",
            TermLine(root.display())
        );
    }
    let node = Node::read(root);
    let version = match (&args.kubernetes_version, &node.version) {
        (Some(v), _) => (minor(v)?, "--kubernetes-version".to_string()),
        (None, Some(v)) => v.clone(),
        (None, None) => (
            String::new(),
            "unknown: the node shows no version; defaults of the newest release are assumed (give --kubernetes-version)".into(),
        ),
    };
    let id = match &args.benchmark {
        Some(b) => b.clone(),
        None if version.0.is_empty() => data::ids().last().unwrap_or("cis-1.12").to_string(),
        None => data::for_version(&version.0).to_string(),
    };
    let benchmark = data::benchmark(&id).map_err(|e| anyhow::anyhow!("--benchmark {e}"))?;
    let roles = roles(&args.node_role, &node)?;

    let engines = if args.input.cluster || !args.input.paths.is_empty() {
        let loaded = inputs::load(&args.input)?;
        let out = stockade_engine::run(&loaded.inv, settings, None, &stockade_engine::today());
        Cluster::new(Some(out.findings), loaded.partial, settings)
    } else {
        Cluster::new(None, false, settings)
    };
    let mut e = eval::evaluate(&benchmark, &node, &roles, version, &engines);
    if !args.only.is_empty() {
        e.outcomes.retain(|o| {
            args.only
                .iter()
                .any(|p| o.id == *p || o.id.starts_with(&format!("{p}.")))
        });
    }
    let warnings = suppress(&mut e, &settings.bench_suppressions);
    for w in &warnings {
        eprintln!("stockade bench: {}", TermLine(w));
    }
    // The table lists the problems itself; other formats carry them in the document.
    if args.output != PssFormat::Table || args.output_file.is_some() {
        for p in &e.problems {
            eprintln!("stockade bench: {}", TermLine(p));
        }
    }

    let mut out: Box<dyn Write> = match &args.output_file {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let color = color && args.output_file.is_none();
    let written = match args.output {
        PssFormat::Table => stockade_report::bench::text::render(&e, &mut out, color),
        PssFormat::Json => stockade_report::bench::json::render(&e, &mut out),
        PssFormat::Sarif => stockade_report::bench::sarif::render(&e, &mut out),
        PssFormat::Junit => stockade_report::bench::junit::render(&e, &mut out),
        PssFormat::Markdown => stockade_report::bench::markdown::render(&e, &mut out),
    };
    if let Err(err) = written.and_then(|_| out.flush())
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(err.into());
    }
    Ok(exit_code(&e, &args.fail_on))
}

/// 0, 1 by `--fail-on`, 2 when the node could not be read in full.
fn exit_code(e: &Evaluation, fail_on: &str) -> u8 {
    if !e.problems.is_empty() {
        return 2;
    }
    let counted = |s: Status| match fail_on {
        "never" => false,
        "warn" => matches!(s, Status::Fail | Status::Warn),
        _ => s == Status::Fail,
    };
    u8::from(
        e.outcomes
            .iter()
            .any(|o| o.suppressed.is_none() && counted(o.status)),
    )
}

/// `v1.36.3`, `1.36` → `1.36`.
fn minor(v: &str) -> anyhow::Result<String> {
    let t = v.trim().trim_start_matches('v');
    let mut it = t.split('.');
    match (
        it.next().and_then(|a| a.parse::<u32>().ok()),
        it.next().and_then(|b| b.parse::<u32>().ok()),
    ) {
        (Some(a), Some(b)) => Ok(format!("{a}.{b}")),
        _ => anyhow::bail!(
            "--kubernetes-version {}: expected a version such as v1.36",
            TermLine(v)
        ),
    }
}

fn roles(given: &[String], node: &Node) -> anyhow::Result<Roles> {
    let mut out = std::collections::BTreeSet::new();
    for r in given {
        match r.trim() {
            "auto" => out.extend(Roles::detect(node).0),
            "master" | "control-plane" => {
                out.insert(Role::Master);
            }
            "etcd" => {
                out.insert(Role::Etcd);
            }
            "worker" | "node" => {
                out.insert(Role::Worker);
            }
            other => anyhow::bail!(
                "--node-role {}: expected auto, master, etcd or worker",
                TermLine(other)
            ),
        }
    }
    Ok(Roles(out))
}

/// Applies `bench.suppressions`; returns warnings (expired entries, entries that match
/// nothing).
fn suppress(e: &mut Evaluation, list: &[stockade_engine::BenchSuppression]) -> Vec<String> {
    let today = stockade_engine::today();
    let mut warnings = Vec::new();
    for s in list {
        if s.benchmark.as_deref().is_some_and(|b| b != e.benchmark) {
            continue;
        }
        if let Some(d) = &s.expires
            && d.as_str() <= today.as_str()
        {
            warnings.push(format!(
                "the suppression of {} expired on {d}; it no longer applies",
                s.check
            ));
            continue;
        }
        let mut hit = false;
        for o in &mut e.outcomes {
            if o.id == s.check || o.id.starts_with(&format!("{}.", s.check)) {
                o.suppressed = Some(s.reason.clone());
                hit = true;
            }
        }
        if !hit {
            warnings.push(format!(
                "the suppression of {} matches no recommendation of {}",
                s.check, e.benchmark
            ));
        }
    }
    warnings
}

fn list(args: &BenchArgs) -> anyhow::Result<u8> {
    let id = args
        .benchmark
        .clone()
        .unwrap_or_else(|| data::ids().last().unwrap_or("cis-1.12").to_string());
    let b = data::benchmark(&id).map_err(|e| anyhow::anyhow!("--benchmark {e}"))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "{} ({} recommendations)", b.title, b.checks.len())?;
    for c in &b.checks {
        fn cluster(t: &stockade_bench::data::Test) -> bool {
            t.cluster || t.any.iter().chain(t.all.iter()).flatten().any(cluster)
        }
        let how = match &c.check {
            None => "manual",
            Some(t) if t.show == Some(true) => "shown",
            Some(t) if cluster(t) => "cluster",
            Some(_) => "automated",
        };
        writeln!(
            out,
            "{:<7} {:<9} {:<10} {}",
            c.id,
            format!("{:?}", c.assessment).to_lowercase(),
            how,
            c.title
        )?;
    }
    out.flush()?;
    Ok(0)
}

/// A title as compared across releases: lowercase, without punctuation, and without a final
/// "in the Kubernetes cluster".
fn normal(title: &str) -> String {
    let t = title.to_ascii_lowercase();
    let t = t.trim_end_matches(" in the kubernetes cluster");
    t.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect()
}

/// The cluster's answers: the findings of the rules mapped to each CIS recommendation. Rules
/// cite controls by id in one release's numbering; recommendations are matched by title, which
/// stays the same when ids move between releases.
struct Cluster {
    given: bool,
    rules: BTreeMap<String, Vec<&'static str>>,
    findings: BTreeMap<String, Vec<String>>,
    partial: bool,
}

impl Cluster {
    /// `found`: the findings of the rules `settings` enables, on the cluster's objects.
    fn new(
        found: Option<Vec<Finding>>,
        partial: bool,
        settings: &stockade_engine::Settings,
    ) -> Cluster {
        let given = found.is_some();
        let found = found.unwrap_or_default();
        let mut rules: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
        for r in settings.enabled.iter().map(|r| &r.meta) {
            for c in r.controls.iter().filter(|c| c.framework == Framework::Cis) {
                if let Some(t) = stockade_framework::controls::title(c) {
                    rules.entry(normal(t)).or_default().push(r.id);
                }
            }
        }
        let mut findings: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in &found {
            for c in f.controls.iter().filter(|c| c.framework == Framework::Cis) {
                if let Some(t) = stockade_framework::controls::title(c) {
                    findings
                        .entry(normal(t))
                        .or_default()
                        .push(format!("{} {}: {}", f.rule_id, f.object, f.message));
                }
            }
        }
        Cluster {
            given,
            rules,
            findings,
            partial,
        }
    }
}

impl Engines for Cluster {
    fn cluster(&self, title: &str) -> Option<ClusterAnswer> {
        let key = normal(title);
        let rules = self.rules.get(&key)?;
        let mut ids: Vec<String> = rules.iter().map(|r| r.to_string()).collect();
        ids.sort();
        ids.dedup();
        let mut findings = self.findings.get(&key).cloned().unwrap_or_default();
        if self.partial && findings.is_empty() {
            findings.push("the cluster could not be read in full; no answer".into());
        }
        Some(ClusterAnswer {
            rules: ids,
            findings,
        })
    }
    fn has_cluster(&self) -> bool {
        self.given
    }
    fn audit_policy(&self, path: &Path, text: &str) -> Result<Vec<String>, String> {
        audit_policy(path, text)
    }
}

fn audit_policy(path: &Path, text: &str) -> Result<Vec<String>, String> {
    let settings = stockade_audit::config::AuditSettings::default();
    stockade_audit::policy::check_policy(&path.display().to_string(), text, &settings)
        .map(|f| {
            f.iter()
                .map(|f| format!("{} {}", f.rule_id, f.message))
                .collect()
        })
        .map_err(|d| d.message)
}
