//! The hostile-shape benchmark: inputs an attacker controls the shape of, timed end to end with
//! the release scanner (`stockade scan FILE -o json`, every default rule).
//!
//! - *Wide documents*: one object whose mapping or list has N entries (a ConfigMap with N keys,
//!   the same as one line of JSON, a Pod with N env variables, the same with a finding on each
//!   variable, a Deployment with N labels), for N
//!   from 10,000 to 200,000. Work must grow linearly: the target is **under 1 s** for 200,000.
//! - *Many small documents*: one file of M small ConfigMaps. Memory must not grow with one file
//!   beyond what the inventory needs: the target is **under 1 GB peak RSS per million objects**.
//!
//! Inputs are generated deterministically under `target/bench-corpus/hostile/`.

use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A 200,000-entry document must be scanned in under this.
const TARGET_WIDE: Duration = Duration::from_secs(1);
/// A shape with a finding on every entry writes one finding per entry, so it is held to being
/// linear instead: five times the entries of the 1/5 size may take at most this many times as
/// long.
const LINEAR_SLACK: f64 = 1.5;
/// Peak RSS per million small objects.
const TARGET_RSS_PER_MILLION: u64 = 1_000_000_000;

/// Benchmark settings.
pub struct Config {
    pub bin: PathBuf,
    /// Entries in the widest document (the sizes are 1/20, 1/5, 2/5, 4/5 and all of it).
    pub wide: usize,
    /// Small documents in the many-documents file.
    pub many: usize,
    pub runs: usize,
}

#[derive(Clone, Copy)]
enum Shape {
    ConfigMapKeys,
    OneLineJson,
    PodEnv,
    EnvSecrets,
    Labels,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::ConfigMapKeys => "configmap-keys",
            Shape::OneLineJson => "one-line-json-configmap",
            Shape::PodEnv => "pod-env",
            Shape::EnvSecrets => "pod-env-finding-each",
            Shape::Labels => "deployment-labels",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Shape::OneLineJson => "json",
            _ => "yaml",
        }
    }

    fn write(self, n: usize) -> String {
        let mut s = String::with_capacity(n * 32);
        match self {
            Shape::ConfigMapKeys => {
                s.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\n  namespace: bench\ndata:\n");
                for i in 0..n {
                    let _ = writeln!(s, "  key-{i:07}: value-{i}");
                }
            }
            Shape::OneLineJson => {
                s.push_str(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"wide","namespace":"bench"},"data":{"#);
                for i in 0..n {
                    if i > 0 {
                        s.push(',');
                    }
                    let _ = write!(s, r#""key-{i:07}":"value-{i}""#);
                }
                s.push_str("}}\n");
            }
            Shape::PodEnv => {
                s.push_str("apiVersion: v1\nkind: Pod\nmetadata:\n  name: wide\n  namespace: bench\nspec:\n  containers:\n  - name: c\n    image: registry.example.com/app:1.0.0\n    env:\n");
                for i in 0..n {
                    let _ = writeln!(s, "    - name: VAR_{i:07}\n      value: v{i}");
                }
            }
            Shape::EnvSecrets => {
                s.push_str("apiVersion: v1\nkind: Pod\nmetadata:\n  name: wide\n  namespace: bench\nspec:\n  containers:\n  - name: c\n    image: registry.example.com/app:1.0.0\n    env:\n");
                for i in 0..n {
                    let _ = writeln!(
                        s,
                        "    - name: DB_PASSWORD_{i:07}\n      value: Sup3rS3cret-{i}"
                    );
                }
            }
            Shape::Labels => {
                s.push_str("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: wide\n  namespace: bench\nspec:\n  selector:\n    matchLabels:\n      app: wide\n  template:\n    metadata:\n      labels:\n        app: wide\n");
                for i in 0..n {
                    let _ = writeln!(s, "        label-{i:07}: v{i}");
                }
                s.push_str("    spec:\n      containers:\n      - name: c\n        image: registry.example.com/app:1.0.0\n");
            }
        }
        s
    }
}

fn write_if_missing(
    path: &Path,
    make: impl FnOnce(&mut dyn std::io::Write) -> Result<()>,
) -> Result<()> {
    if path.is_file() {
        return Ok(());
    }
    let tmp = path.with_extension("partial");
    let f = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut w = std::io::BufWriter::new(f);
    make(&mut w)?;
    w.flush()?;
    drop(w);
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Runs the benchmark; returns whether both targets were met.
pub fn run(cfg: &Config) -> Result<bool> {
    if !cfg.bin.is_file() {
        bail!(
            "{} not found: build it first with `cargo build --release -p stockade`",
            cfg.bin.display()
        );
    }
    let dir = crate::target_dir().join("bench-corpus/hostile");
    std::fs::create_dir_all(&dir)?;
    let report = dir.join("last-report.json");
    let median = |bin: &Path, input: &Path| -> Result<crate::bench::Run> {
        let mut runs = Vec::new();
        crate::bench::scan_with(bin, input, &report)?;
        for _ in 0..cfg.runs {
            runs.push(crate::bench::scan_with(bin, input, Path::new("/dev/null"))?);
        }
        runs.sort_by_key(|r| r.wall);
        Ok(runs[runs.len() / 2])
    };

    println!("binary: {}", cfg.bin.display());
    println!(
        "wide documents (median of {} runs; target: {} entries under {:.1} s; {} — a finding on every entry — linear: 5x the entries of the 1/5 size in at most {:.1}x the time)",
        cfg.runs,
        cfg.wide,
        TARGET_WIDE.as_secs_f64(),
        Shape::EnvSecrets.name(),
        5.0 * LINEAR_SLACK
    );
    println!("| shape | entries | MB | wall | CPU | peak RSS |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let mut wide_ok = true;
    let sizes = [
        cfg.wide / 20,
        cfg.wide / 5,
        cfg.wide * 2 / 5,
        cfg.wide * 4 / 5,
        cfg.wide,
    ];
    for shape in [
        Shape::ConfigMapKeys,
        Shape::OneLineJson,
        Shape::PodEnv,
        Shape::EnvSecrets,
        Shape::Labels,
    ] {
        let mut fifth = None;
        for &n in &sizes {
            let path = dir.join(format!("{}-{n}.{}", shape.name(), shape.extension()));
            write_if_missing(&path, |w| Ok(w.write_all(shape.write(n).as_bytes())?))?;
            let bytes = std::fs::metadata(&path)?.len();
            let r = median(&cfg.bin, &path)?;
            if n == cfg.wide / 5 {
                fifth = Some(r.wall);
            }
            if n == cfg.wide {
                let ok = match (shape, fifth) {
                    (Shape::EnvSecrets, Some(f)) => {
                        r.wall.as_secs_f64() <= f.as_secs_f64() * 5.0 * LINEAR_SLACK
                    }
                    _ => r.wall < TARGET_WIDE,
                };
                wide_ok &= ok;
            }
            println!(
                "| {} | {n} | {:.1} | {:.3} s | {:.3} s | {:.0} MiB |",
                shape.name(),
                bytes as f64 / 1e6,
                r.wall.as_secs_f64(),
                r.cpu.as_secs_f64(),
                r.max_rss_bytes as f64 / f64::from(1u32 << 20)
            );
        }
    }

    let path = dir.join(format!("many-small-{}.yaml", cfg.many));
    write_if_missing(&path, |w| {
        for i in 0..cfg.many {
            write!(
                w,
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: ns-{}\ndata:\n  key: value-{i}\n",
                i % 100
            )?;
        }
        Ok(())
    })?;
    let bytes = std::fs::metadata(&path)?.len();
    let r = median(&cfg.bin, &path)?;
    let per_million = r.max_rss_bytes as f64 * 1e6 / cfg.many.max(1) as f64;
    let rss_ok = per_million < TARGET_RSS_PER_MILLION as f64;
    println!();
    println!(
        "many small documents in one file: {} objects, {:.1} MB: {:.3} s wall, {:.3} s CPU, peak RSS {:.0} MB = {:.0} MB per million objects (target < {} MB): {}",
        cfg.many,
        bytes as f64 / 1e6,
        r.wall.as_secs_f64(),
        r.cpu.as_secs_f64(),
        r.max_rss_bytes as f64 / 1e6,
        per_million / 1e6,
        TARGET_RSS_PER_MILLION / 1_000_000,
        if rss_ok { "met" } else { "MISSED" }
    );
    println!("wide documents: {}", if wide_ok { "met" } else { "MISSED" });
    Ok(wide_ok && rss_ok)
}
