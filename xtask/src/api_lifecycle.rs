//! `cargo xtask gen-api-lifecycle`: regenerates `crates/rules/data/api-lifecycle.tsv`, the
//! table of every API version of every built-in kind, from the upstream API source. For each
//! Kubernetes minor in range it takes the `k8s.io/api` module of that release from the Go module
//! proxy (`go mod download`), reads which kinds each group version registers (`register.go`)
//! and the prerelease-lifecycle data the API server itself serves by
//! (`zz_generated.prerelease-lifecycle.go`: introduced, deprecated, replacement, removed).
//! The API groups served from other modules come from those: `k8s.io/apiextensions-apiserver`
//! (CustomResourceDefinition) and `k8s.io/kube-aggregator` (APIService). Where upstream's tags
//! are wrong or missing, [`OVERRIDES`] corrects them, each with its reason.
//! A new release is one run with a higher `--to`.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One row: a kind at a group version.
#[derive(Default, Clone)]
struct Row {
    introduced: Option<(u32, u32)>,
    deprecated: Option<(u32, u32)>,
    removed: Option<(u32, u32)>,
    replacement: Option<(String, String, String)>,
    first_seen: u32,
    last_seen: u32,
}

/// The modules read, and the directory under each that holds `GROUP/VERSION` packages.
const MODULES: &[(&str, &str)] = &[
    ("k8s.io/api", ""),
    ("k8s.io/apiextensions-apiserver", "pkg/apis"),
    ("k8s.io/kube-aggregator", "pkg/apis"),
];

/// Corrections of upstream's lifecycle tags: (group, version, kind, replacement as
/// `GROUP/VERSION KIND`, why).
pub const OVERRIDES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "networking.k8s.io",
        "v1beta1",
        "IngressClass",
        "networking.k8s.io/v1 IngressClass",
        "upstream's tag names IngressClassList",
    ),
    (
        "events.k8s.io",
        "v1beta1",
        "Event",
        "events.k8s.io/v1 Event",
        "no replacement tag upstream; events.k8s.io/v1 is GA since 1.19",
    ),
    (
        "node.k8s.io",
        "v1beta1",
        "RuntimeClass",
        "node.k8s.io/v1 RuntimeClass",
        "no replacement tag upstream; node.k8s.io/v1 is GA since 1.20",
    ),
    (
        "policy",
        "v1beta1",
        "Eviction",
        "policy/v1 Eviction",
        "no replacement tag upstream; policy/v1 Eviction is GA since 1.22",
    ),
    (
        "batch",
        "v1beta1",
        "JobTemplate",
        "batch/v1 JobTemplate",
        "no replacement tag upstream; batch/v1 CronJob's jobTemplate since 1.21",
    ),
];

/// The versions of `module` the proxy lists.
fn listed(module: &str) -> Vec<String> {
    Command::new("go")
        .args(["list", "-m", "-versions", module])
        .env("GO111MODULE", "on")
        .current_dir(std::env::temp_dir())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .skip(1)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The module of release 1.`minor`: its newest listed patch, else the first of a few patches
/// the proxy serves.
fn download(module: &str, minor: u32, listed: &[String]) -> Result<(String, PathBuf)> {
    let prefix = format!("v0.{minor}.");
    let mut candidates: Vec<String> = listed
        .iter()
        .filter(|v| v.starts_with(&prefix) && !v.contains('-'))
        .cloned()
        .collect();
    candidates.sort_by_key(|v| std::cmp::Reverse(v[prefix.len()..].parse::<u32>().unwrap_or(0)));
    candidates.extend([0, 1, 2, 3, 5, 10].iter().map(|p| format!("{prefix}{p}")));
    let mut last = String::new();
    for version in candidates {
        let out = Command::new("go")
            .args(["mod", "download", "-json", &format!("{module}@{version}")])
            .current_dir(std::env::temp_dir())
            .output()
            .context("running `go mod download` (Go ≥ 1.26 is needed)")?;
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if let Some(d) = v["Dir"].as_str() {
            return Ok((version, PathBuf::from(d)));
        }
        last = format!("{version}: {}", v["Error"]);
    }
    bail!("no {module} release of 1.{minor} could be downloaded (last: {last})")
}

/// `return 1, 22` after `func (in *KIND) NAME()`, for each KIND.
fn lifecycle(text: &str, func: &str) -> BTreeMap<String, (u32, u32)> {
    let mut out = BTreeMap::new();
    let marker = format!(") {func}() (major, minor int) {{");
    for (i, _) in text.match_indices(&marker) {
        let head = &text[..i];
        let Some(kind) = head.rsplit("func (in *").next() else {
            continue;
        };
        let body = &text[i + marker.len()..];
        let Some(ret) = body.trim_start().strip_prefix("return ") else {
            continue;
        };
        let nums: Vec<u32> = ret
            .split('\n')
            .next()
            .unwrap_or("")
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        if let [a, b] = nums[..] {
            out.insert(kind.to_string(), (a, b));
        }
    }
    out
}

fn replacements(text: &str) -> BTreeMap<String, (String, String, String)> {
    let mut out = BTreeMap::new();
    let marker = ") APILifecycleReplacement() schema.GroupVersionKind {";
    for (i, _) in text.match_indices(marker) {
        let Some(kind) = text[..i].rsplit("func (in *").next() else {
            continue;
        };
        let body = &text[i + marker.len()..];
        let line = body
            .lines()
            .find(|l| l.contains("GroupVersionKind{"))
            .unwrap_or("");
        let field = |name: &str| {
            line.split(&format!("{name}: \""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("")
                .to_string()
        };
        out.insert(
            kind.to_string(),
            (field("Group"), field("Version"), field("Kind")),
        );
    }
    out
}

/// The kinds `register.go` adds with `scheme.AddKnownTypes`.
fn registered(text: &str) -> Vec<String> {
    let Some(start) = text.find("AddKnownTypes(") else {
        return Vec::new();
    };
    let rest = &text[start..];
    let end = rest
        .find("\n\t)")
        .or_else(|| rest.find(")\n"))
        .unwrap_or(rest.len());
    rest[..end]
        .split("&")
        .skip(1)
        .filter_map(|s| s.split('{').next())
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric()))
        .filter(|k| !k.ends_with("List") && !k.ends_with("Options"))
        .collect()
}

fn group_of(register: &str) -> Option<String> {
    let line = register.lines().find(|l| l.contains("GroupName = \""))?;
    Some(line.split('"').nth(1)?.to_string())
}

fn scan(dir: &Path, minor: u32, table: &mut BTreeMap<(String, String, String), Row>) -> Result<()> {
    for group_dir in std::fs::read_dir(dir)?.filter_map(Result::ok) {
        if !group_dir.path().is_dir() {
            continue;
        }
        for version_dir in std::fs::read_dir(group_dir.path())?.filter_map(Result::ok) {
            let p = version_dir.path();
            let Ok(register) = std::fs::read_to_string(p.join("register.go")) else {
                continue;
            };
            let version = version_dir.file_name().to_string_lossy().to_string();
            let group = if group_dir.file_name() == "core" {
                String::new()
            } else {
                match group_of(&register) {
                    Some(g) => g,
                    None => continue,
                }
            };
            let life = std::fs::read_to_string(p.join("zz_generated.prerelease-lifecycle.go"))
                .unwrap_or_default();
            let intro = lifecycle(&life, "APILifecycleIntroduced");
            let dep = lifecycle(&life, "APILifecycleDeprecated");
            let rem = lifecycle(&life, "APILifecycleRemoved");
            let repl = replacements(&life);
            for kind in registered(&register) {
                let row = table
                    .entry((group.clone(), version.clone(), kind.clone()))
                    .or_insert_with(|| Row {
                        first_seen: minor,
                        ..Row::default()
                    });
                row.last_seen = minor;
                // The newest release's data wins: tags are corrected over time.
                if let Some(v) = intro.get(&kind) {
                    row.introduced = Some(*v);
                }
                if let Some(v) = dep.get(&kind) {
                    row.deprecated = Some(*v);
                }
                if let Some(v) = rem.get(&kind) {
                    row.removed = Some(*v);
                }
                if let Some(v) = repl.get(&kind) {
                    row.replacement = Some(v.clone());
                }
            }
        }
    }
    Ok(())
}

fn v(x: Option<(u32, u32)>) -> String {
    x.map(|(a, b)| format!("{a}.{b}")).unwrap_or_default()
}

/// Regenerates the table for Kubernetes 1.`from` to 1.`to`.
pub fn run(root: &Path, from: u32, to: u32) -> Result<()> {
    let mut table = BTreeMap::new();
    let mut used = Vec::new();
    for (module, sub) in MODULES {
        let listed = listed(module);
        let mut versions = Vec::new();
        for minor in from..=to {
            let (version, dir) = download(module, minor, &listed)?;
            eprintln!("gen-api-lifecycle: {module} {version}");
            scan(&dir.join(sub), minor, &mut table)?;
            versions.push(version);
        }
        used.push(format!("{module} {}", versions.join(" ")));
    }
    // A kind a release's module no longer has is no longer served from that release, when the
    // lifecycle tags do not say (alpha packages deleted before they were tagged).
    for r in table.values_mut() {
        if r.removed.is_none() && r.last_seen < to {
            r.removed = Some((1, r.last_seen + 1));
        }
    }
    // Without a replacement tag, the GA version of the same group and kind, when there is one.
    let ga: Vec<(String, String, String)> = table
        .keys()
        .filter(|(_, v, _)| !v.contains("alpha") && !v.contains("beta"))
        .cloned()
        .collect();
    for ((g, v, k), r) in table.iter_mut() {
        if r.replacement.is_none()
            && (v.contains("alpha") || v.contains("beta"))
            && let Some((_, gv, _)) = ga.iter().find(|(gg, _, kk)| gg == g && kk == k)
        {
            r.replacement = Some((g.clone(), gv.clone(), k.clone()));
        }
    }
    for (g, ver, k, repl, _) in OVERRIDES {
        if let Some(row) = table.get_mut(&(g.to_string(), ver.to_string(), k.to_string()))
            && let Some((gv, rk)) = repl.split_once(' ')
        {
            let (rg, rv) = gv.rsplit_once('/').unwrap_or(("", gv));
            row.replacement = Some((rg.to_string(), rv.to_string(), rk.to_string()));
        }
    }
    let first_of = |g: &str, ver: &str, k: &str, t: &BTreeMap<(String, String, String), Row>| {
        t.get(&(g.to_string(), ver.to_string(), k.to_string()))
            .map(|r| r.introduced.unwrap_or((1, r.first_seen)))
    };
    let mut out = String::new();
    out.push_str(&format!(
        "# Every API version of every built-in kind, Kubernetes 1.{from} to 1.{to}: generated by\n\
         # `cargo xtask gen-api-lifecycle --from {from} --to {to}` from the k8s.io/api modules\n\
         # (register.go and zz_generated.prerelease-lifecycle.go of each release). Do not edit.\n\
         # Modules read: {}.\n\
         # Corrections of upstream's tags (xtask/src/api_lifecycle.rs OVERRIDES): {}.\n\
         # introduced: from the lifecycle data, else the first release in range that has the kind\n\
         # (`{from}` then means `{from} or earlier`); replacement-available: when the replacement\n\
         # was introduced. Where upstream's tags are silent: removed = the first release whose\n\
         # module no longer has the kind; replacement = the GA version of the same group and kind.\n",
        used.join("; "),
        OVERRIDES
            .iter()
            .map(|(g, v, k, r, why)| format!("{g}/{v} {k} -> {r} ({why})"))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    out.push_str("group\tversion\tkind\tintroduced\tdeprecated\tremoved\treplacement\treplacement-available\n");
    for ((g, ver, k), r) in &table {
        let introduced = r.introduced.unwrap_or((1, r.first_seen));
        let (repl, avail) = match &r.replacement {
            Some((rg, rv, rk)) => {
                let gv = if rg.is_empty() {
                    rv.clone()
                } else {
                    format!("{rg}/{rv}")
                };
                (format!("{gv} {rk}"), v(first_of(rg, rv, rk, &table)))
            }
            None => (String::new(), String::new()),
        };
        out.push_str(&format!(
            "{g}\t{ver}\t{k}\t{}\t{}\t{}\t{repl}\t{avail}\n",
            v(Some(introduced)),
            v(r.deprecated),
            v(r.removed),
        ));
    }
    let path = root.join("crates/rules/data/api-lifecycle.tsv");
    std::fs::create_dir_all(path.parent().unwrap_or(root))?;
    std::fs::write(&path, out)?;
    eprintln!(
        "gen-api-lifecycle: wrote {} rows to {}",
        table.len(),
        path.display()
    );
    Ok(())
}
