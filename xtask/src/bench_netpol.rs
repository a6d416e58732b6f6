//! The network-policy benchmark: generates a synthetic inventory of 2,000 workloads and 1,000
//! NetworkPolicies (deterministic) and times `stockade netpol matrix -o json` on it with the
//! release binary: loading, building the model and computing every one of the 4,000,000 cells.

use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The target from issue 5: the whole matrix in under 2 s.
const TARGET: Duration = Duration::from_secs(2);

/// Benchmark settings.
pub struct Config {
    pub workloads: usize,
    pub policies: usize,
    pub runs: usize,
    pub bin: PathBuf,
}

/// Writes the synthetic manifests: namespaces of 40 workloads, 20 policies per 40 workloads
/// (a default deny plus allow rules by tier, namespace labels, numeric and named ports, port
/// ranges and ipBlocks).
pub fn generate(dir: &Path, workloads: usize, policies: usize) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let per_ns = 40;
    let namespaces = workloads.div_ceil(per_ns).max(1);
    let tiers = ["web", "api", "db", "cache", "worker"];
    let mut text = String::new();
    for n in 0..namespaces {
        let _ = write!(
            text,
            "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: ns-{n:03}, labels: {{team: t{}, env: {}}}}}\n",
            n % 7,
            if n % 3 == 0 { "dev" } else { "prod" }
        );
    }
    for w in 0..workloads {
        let ns = w / per_ns;
        let tier = tiers[w % tiers.len()];
        let port = match tier {
            "db" => 5432,
            "cache" => 6379,
            _ => 8080,
        };
        let _ = write!(
            text,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{w:04}, namespace: ns-{ns:03}}}\nspec:\n  selector: {{matchLabels: {{app: app-{w:04}}}}}\n  template:\n    metadata: {{labels: {{app: app-{w:04}, tier: {tier}, shard: s{}}}}}\n    spec:\n      containers:\n      - {{name: main, image: registry.example.com/app:1.0.0, ports: [{{name: serve, containerPort: {port}}}, {{name: metrics, containerPort: 9090}}]}}\n",
            w % 4
        );
    }
    for p in 0..policies {
        let ns = (p * namespaces / policies.max(1)).min(namespaces - 1);
        let k = p % 20;
        let spec = if k == 0 {
            "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n".to_string()
        } else {
            let tier = tiers[k % tiers.len()];
            let from = tiers[(k + 1) % tiers.len()];
            format!(
                "  podSelector:\n    matchExpressions: [{{key: tier, operator: In, values: [{tier}]}}, {{key: shard, operator: NotIn, values: [s{}]}}]\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from:\n    - podSelector: {{matchLabels: {{tier: {from}}}}}\n    - namespaceSelector: {{matchLabels: {{team: t{}}}}}\n      podSelector: {{matchLabels: {{tier: {from}}}}}\n    ports: [{{port: serve}}, {{port: 9090}}]\n  - from:\n    - namespaceSelector: {{matchExpressions: [{{key: env, operator: In, values: [prod]}}]}}\n    ports: [{{port: 8000, endPort: {}}}]\n  egress:\n  - to:\n    - namespaceSelector: {{}}\n      podSelector: {{matchLabels: {{tier: db}}}}\n    ports: [{{port: 5432}}]\n  - to:\n    - ipBlock: {{cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}\n    ports: [{{port: 443}}, {{port: 53, protocol: UDP}}]\n",
                p % 4,
                p % 7,
                8080 + (p % 16)
            )
        };
        let _ = write!(
            text,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np-{p:04}, namespace: ns-{ns:03}}}\nspec:\n{spec}"
        );
    }
    let file = dir.join("netpol-bench.yaml");
    std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(())
}

/// Generates the inventory under `target/bench-netpol/`, then times the binary.
pub fn run(cfg: &Config) -> Result<bool> {
    if !cfg.bin.exists() {
        bail!(
            "{} not found; build it first with `cargo build --release -p stockade`",
            cfg.bin.display()
        );
    }
    let dir = crate::target_dir()
        .join("bench-netpol")
        .join(format!("{}-{}", cfg.workloads, cfg.policies));
    generate(&dir, cfg.workloads, cfg.policies)?;
    let mut times = Vec::new();
    for i in 0..=cfg.runs {
        let start = Instant::now();
        let out = Command::new(&cfg.bin)
            .args(["netpol", "matrix", "-o", "json"])
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("cannot run {}", cfg.bin.display()))?;
        let took = start.elapsed();
        if !out.status.success() {
            bail!("stockade netpol matrix exited with {}", out.status);
        }
        if i == 0 {
            let v: serde_json::Value =
                serde_json::from_slice(&out.stdout).context("matrix output is not JSON")?;
            let n = v["workloads"].as_array().map_or(0, Vec::len);
            let sets = v["portSets"].as_array().map_or(0, Vec::len);
            println!(
                "netpol matrix: {n} workloads, {} policies, {} cells, {sets} distinct port sets, {:.1} MB of JSON",
                cfg.policies,
                n * n,
                out.stdout.len() as f64 / 1e6
            );
            continue; // warm-up
        }
        times.push(took);
    }
    times.sort();
    let best = times.first().copied().unwrap_or_default();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let ok = median < TARGET;
    let diff_ok = time_diff(cfg, &dir)?;
    println!(
        "wall time over {} run(s): best {:.3} s, median {:.3} s (target < {:.0} s: {})",
        times.len(),
        best.as_secs_f64(),
        median.as_secs_f64(),
        TARGET.as_secs_f64(),
        if ok { "met" } else { "MISSED" }
    );
    Ok(ok && diff_ok)
}

/// Times `stockade netpol diff` between the inventory and a copy without the allowing
/// policies of one namespace (a pull request rewriting one team's policies): both matrices,
/// every cell compared, the deciding rules of each changed pair. Target: under 2 s.
fn time_diff(cfg: &Config, dir: &Path) -> Result<bool> {
    let text = std::fs::read_to_string(dir.join("netpol-bench.yaml"))?;
    // The first namespace's policies that allow anything are dropped (its default deny
    // stays): everything they allowed is lost.
    let mut changed = 0;
    let mut out = String::with_capacity(text.len());
    for doc in text.split_inclusive("\n---\n") {
        if doc.contains("kind: NetworkPolicy")
            && doc.contains("namespace: ns-000}")
            && doc.contains("ingress:")
        {
            changed += 1;
        } else {
            out.push_str(doc);
        }
    }
    let variant = dir.with_extension("changed");
    std::fs::create_dir_all(&variant)?;
    std::fs::write(variant.join("netpol-bench.yaml"), out)?;
    let mut times = Vec::new();
    for i in 0..=cfg.runs {
        let start = Instant::now();
        let o = Command::new(&cfg.bin)
            .args([
                "netpol",
                "diff",
                "-o",
                "json",
                "--fail-on",
                "never",
                "--old",
            ])
            .arg(dir)
            .arg(&variant)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("cannot run {}", cfg.bin.display()))?;
        let took = start.elapsed();
        if !o.status.success() {
            bail!("stockade netpol diff exited with {}", o.status);
        }
        if i == 0 {
            let v: serde_json::Value =
                serde_json::from_slice(&o.stdout).context("diff output is not JSON")?;
            println!(
                "netpol diff: {changed} policies changed, {} findings",
                v["findings"].as_array().map_or(0, Vec::len)
            );
            continue;
        }
        times.push(took);
    }
    times.sort();
    let best = times.first().copied().unwrap_or_default();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let ok = median < TARGET;
    println!(
        "diff wall time over {} run(s): best {:.3} s, median {:.3} s (target < {:.0} s: {})",
        times.len(),
        best.as_secs_f64(),
        median.as_secs_f64(),
        TARGET.as_secs_f64(),
        if ok { "met" } else { "MISSED" }
    );
    Ok(ok)
}
