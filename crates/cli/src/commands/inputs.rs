//! Loading the objects a command works on: manifests (files, directories, globs, stdin) or a
//! live cluster. Every command that reads objects goes through here, so inputs behave the same
//! everywhere.

use crate::cli::InputArgs;
use std::io::IsTerminal;
use stockade_cluster::{ClusterOptions, Progress};
use stockade_inventory::{Inventory, Object, ObjectOrigin};
use stockade_model::{Coverage, Diagnostic, DiagnosticLevel};
use stockade_sources::{Input, Limits, load_inputs, manifest::load_texts};

/// An inventory and what loading it said.
pub struct Loaded {
    /// The objects.
    pub inv: Inventory,
    /// Problems with the input (errors mean exit code 2).
    pub diagnostics: Vec<Diagnostic>,
    /// Files read.
    pub files_scanned: usize,
    /// Files skipped because of their extension.
    pub files_skipped: usize,
    /// For live scans: what could be read per resource type.
    pub coverage: Vec<Coverage>,
    /// For live scans: some resource type could not be read completely (forbidden, not
    /// served, or failed part-way).
    pub partial: bool,
    /// For live scans: the API server's version (`v1.36.3`).
    pub server_version: Option<String>,
}

impl Loaded {
    /// The resource types among `kinds` that could not be read completely (kinds are looked up
    /// in the catalogue of scanned resources; offline inputs read everything).
    pub fn unread_of(&self, kinds: &[&str]) -> Vec<String> {
        let scope = self.inv.read_scope();
        kinds
            .iter()
            .filter(|k| !scope.read(k))
            .map(|k| {
                stockade_cluster::RESOURCES
                    .iter()
                    .find(|r| r.kind == *k)
                    .map(|r| r.path_name())
                    .unwrap_or_else(|| k.to_string())
            })
            .collect()
    }
}

/// Loads the inputs named by `args`.
#[allow(dead_code)] // the entry point for commands without a namespace scope (pss, rbac, netpol)
pub fn load(args: &InputArgs) -> anyhow::Result<Loaded> {
    load_scoped(args, None)
}

/// Loads the inputs named by `args`; for a cluster, namespaced objects only from `namespace`
/// when one is given.
pub fn load_scoped(args: &InputArgs, namespace: Option<&str>) -> anyhow::Result<Loaded> {
    if args.cluster {
        return load_cluster(args, namespace);
    }
    let default = [".".to_string()];
    let paths: &[String] = if args.paths.is_empty() {
        &default
    } else {
        &args.paths
    };
    let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
    let mut loaded = load_inputs(&inputs, &limits(args), &mut std::io::stdin().lock());
    let files_scanned = loaded.files.len();
    let files_skipped = loaded.files_skipped;
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let (inv, type_diags) = Inventory::from_manifests(loaded);
    diagnostics.extend(type_diags);
    Ok(Loaded {
        inv,
        diagnostics,
        files_scanned,
        files_skipped,
        coverage: Vec::new(),
        partial: false,
        server_version: None,
    })
}

/// Loads the files or directories `paths` (policy files, old objects) with the limits of
/// `args`; what loading them said goes to `diagnostics`.
pub fn load_paths(
    paths: &[String],
    args: &InputArgs,
    diagnostics: &mut Vec<Diagnostic>,
) -> Inventory {
    let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
    let mut loaded = load_inputs(&inputs, &limits(args), &mut std::io::empty());
    diagnostics.append(&mut loaded.diagnostics);
    let (inv, type_diags) = Inventory::from_manifests(loaded);
    diagnostics.extend(type_diags);
    inv
}

/// Loads the policy files `paths` (`--policy`) into `settings.policy_files`.
pub fn load_policy_files(
    paths: &[String],
    args: &InputArgs,
    settings: &mut stockade_engine::Settings,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if paths.is_empty() {
        return;
    }
    let inv = load_paths(paths, args, diagnostics);
    settings.policy_files = stockade_engine::policies::PolicyFiles::new(inv);
}

fn limits(args: &InputArgs) -> Limits {
    Limits {
        max_document_bytes: args.max_document_size.saturating_mul(1 << 20),
        yaml: stockade_sources::yaml::YamlLimits {
            max_nodes: args.max_document_nodes,
            ..Default::default()
        },
        render: stockade_sources::render::RenderOptions {
            values: args.values.clone(),
            set: args.set.clone(),
            release_name: args.release_name.clone(),
            namespace: args.release_namespace.clone(),
            kube_version: args.kube_version.clone(),
            helm: None,
            kustomize: None,
        },
        ..Limits::default()
    }
}

/// The settings of a command that reads `input`: `config` when given, nothing with
/// `no_config`, else the `.stockade.yaml` found from the first existing input path (or the
/// current directory) up. `scan`, `unused` and `pss` find their settings this way.
pub fn settings(
    input: &InputArgs,
    config: Option<&std::path::Path>,
    no_config: bool,
) -> anyhow::Result<stockade_engine::Settings> {
    if no_config {
        return Ok(stockade_engine::Settings::default());
    }
    let path = match config {
        Some(p) => Some(p.to_path_buf()),
        None => {
            let start = input
                .paths
                .iter()
                .find(|p| *p != "-" && std::path::Path::new(p).exists())
                .map(String::as_str)
                .unwrap_or(".");
            stockade_engine::find_config(std::path::Path::new(start))
        }
    };
    Ok(match path {
        Some(p) => stockade_engine::Settings::load(&p)?,
        None => stockade_engine::Settings::default(),
    })
}

/// A progress bar on stderr while resource types are listed; hidden when stderr is not a TTY.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: usize) {
        self.0.set_length(total as u64);
    }
    fn finished(&self, resource: &str, objects: usize) {
        self.0.set_message(format!("{resource}: {objects}"));
        self.0.inc(1);
    }
}

impl Loaded {
    /// The same inputs with more objects read from the cluster (JSON as the API server
    /// returns them), keeping what was read completely.
    pub fn with_objects(mut self, extra: Vec<serde_json::Value>) -> Loaded {
        if extra.is_empty() {
            return self;
        }
        let scope = self.inv.read_scope().clone();
        let cluster = self
            .inv
            .objects()
            .iter()
            .find_map(|o| match &o.origin {
                ObjectOrigin::Cluster { cluster } => Some(cluster.clone()),
                ObjectOrigin::File(_) => None,
            })
            .unwrap_or_default();
        let mut objects: Vec<Object> = self.inv.objects().to_vec();
        objects.extend(extra.into_iter().map(|v| {
            Object::new(
                stockade_sources::json::node_from_json(v),
                ObjectOrigin::Cluster {
                    cluster: cluster.clone(),
                },
            )
        }));
        let (inv, diags) = Inventory::from_objects(objects);
        self.inv = inv.with_read_scope(scope);
        self.diagnostics.extend(diags);
        self
    }

    /// No objects (a command run on versions alone).
    pub fn empty() -> Loaded {
        Loaded {
            inv: Inventory::from_objects(Vec::new()).0,
            diagnostics: Vec::new(),
            files_scanned: 0,
            files_skipped: 0,
            coverage: Vec::new(),
            partial: false,
            server_version: None,
        }
    }
}

/// The rendered manifests of the cluster's Helm releases (the newest deployed revision of
/// each), as documents named `helm-release:NAMESPACE/NAME` — Secret documents blanked first,
/// so no value of one reaches a snippet. Records that cannot be decoded are warnings.
pub fn helm_releases(args: &InputArgs) -> anyhow::Result<Loaded> {
    let opts = ClusterOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespace: None,
        page_size: 50,
    };
    let read = stockade_cluster::helm::helm_releases(&opts)?;
    let texts = read
        .releases
        .iter()
        .map(|r| {
            (
                format!("helm-release:{}/{}", r.namespace, r.name),
                stockade_cluster::helm::without_secrets(&r.manifest).into_bytes(),
            )
        })
        .collect();
    let limits = Limits {
        max_document_bytes: args.max_document_size.saturating_mul(1 << 20),
        yaml: stockade_sources::yaml::YamlLimits {
            max_nodes: args.max_document_nodes,
            ..Default::default()
        },
        ..Limits::default()
    };
    let mut loaded = load_texts(texts, &limits);
    let files_scanned = loaded.files.len();
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    for p in &read.problems {
        diagnostics.push(Diagnostic::general(
            DiagnosticLevel::Warning,
            "helm-release-unreadable",
            format!("Helm release record {p}; skipped"),
        ));
    }
    let (inv, type_diags) = Inventory::from_manifests(loaded);
    diagnostics.extend(type_diags);
    Ok(Loaded {
        inv,
        diagnostics,
        files_scanned,
        files_skipped: 0,
        coverage: Vec::new(),
        partial: false,
        server_version: None,
    })
}

fn load_cluster(args: &InputArgs, namespace: Option<&str>) -> anyhow::Result<Loaded> {
    let opts = ClusterOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespace: namespace.map(str::to_string),
        page_size: 500,
    };
    let bar = if std::io::stderr().is_terminal() {
        let pb = indicatif::ProgressBar::new(0);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} reading cluster [{bar:30}] {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(Bar(pb))
    } else {
        None
    };
    let snapshot = stockade_cluster::fetch(&opts, bar.as_ref().map(|b| b as &dyn Progress))?;
    if let Some(b) = &bar {
        b.0.finish_and_clear();
    }
    let mut diagnostics = Vec::new();
    let unread: Vec<&stockade_model::Coverage> = snapshot.unread().collect();
    let failed = unread
        .iter()
        .any(|c| c.status == stockade_model::CoverageStatus::Error);
    if unread.len() == snapshot.coverage.len() && !failed {
        anyhow::bail!(
            "the credentials of `{}` cannot list any of the {} resource types Stockade reads; grant the ClusterRole in deploy/rbac.yaml",
            snapshot.cluster,
            snapshot.coverage.len()
        );
    }
    if !unread.is_empty() {
        let names: Vec<String> = unread
            .iter()
            .map(|c| format!("{} ({})", c.resource, c.status.as_str()))
            .collect();
        diagnostics.push(Diagnostic::general(
            DiagnosticLevel::Warning,
            "partial",
            format!(
                "the results are partial: {} of {} resource type(s) could not be read from `{}`: {}; checks that need them were not assessed (see coverage; deploy/rbac.yaml grants what a full scan needs)",
                unread.len(),
                snapshot.coverage.len(),
                snapshot.cluster,
                names.join(", ")
            ),
        ));
    }
    let cluster = snapshot.cluster.clone();
    let server_version = Some(snapshot.server_version.clone()).filter(|v| !v.is_empty());
    let objects: Vec<Object> = snapshot
        .objects
        .into_iter()
        .map(|root| {
            Object::new(
                root,
                ObjectOrigin::Cluster {
                    cluster: cluster.clone(),
                },
            )
        })
        .collect();
    let (inv, type_diags) = Inventory::from_objects(objects);
    let inv = inv.with_read_scope(snapshot.scope);
    diagnostics.extend(type_diags);
    Ok(Loaded {
        inv,
        diagnostics,
        files_scanned: 0,
        files_skipped: 0,
        coverage: snapshot.coverage,
        partial: snapshot.partial,
        server_version,
    })
}

/// Assembles the report of a run over loaded inputs: counts, the rules that ran, coverage (with
/// the rules a missing resource type leaves unassessed), and findings. With `namespace`, only
/// findings on objects in it (and on the Namespace itself) are kept: cluster-scoped objects were
/// read for context only.
pub fn report(
    loaded: Loaded,
    out: stockade_engine::RunOutput,
    settings: &stockade_engine::Settings,
    namespace: Option<&str>,
) -> stockade_model::Report {
    let Loaded {
        inv,
        mut diagnostics,
        files_scanned,
        files_skipped,
        mut coverage,
        partial,
        ..
    } = loaded;
    diagnostics.extend(out.diagnostics);
    let mut report = stockade_model::Report::new(env!("CARGO_PKG_VERSION"));
    report.summary.files_scanned = files_scanned;
    report.summary.files_skipped = files_skipped;
    report.summary.objects = inv.objects().len();
    report.summary.rules_run = out.rules_run;
    report.rules = settings
        .enabled
        .iter()
        .map(|r| stockade_model::RuleInfo {
            id: r.id.to_string(),
            name: r.name.to_string(),
            summary: r.summary.to_string(),
            severity: settings.severity_of(r, None),
            help: stockade_framework::docs::body(r),
            controls: r.controls.to_vec(),
        })
        .collect();
    report.rules.extend(out.policy_rules);
    for c in coverage
        .iter_mut()
        .filter(|c| c.status != stockade_model::CoverageStatus::Ok)
    {
        let kind = stockade_cluster::RESOURCES
            .iter()
            .find(|r| r.path_name() == c.resource)
            .map(|r| r.kind);
        let skipped = |id: &str| {
            out.not_assessed
                .iter()
                .find(|n| n.rule == id)
                .is_some_and(|n| kind.is_some_and(|k| n.unread.contains(&k)))
        };
        let not_run = |id: &str| out.not_assessed.iter().any(|n| n.rule == id);
        c.skipped_rules = settings
            .enabled
            .iter()
            .filter(|r| skipped(r.id))
            .map(|r| r.id.to_string())
            .collect();
        c.unassessed_rules = settings
            .enabled
            .iter()
            .filter(|r| kind.is_some_and(|k| r.kinds.contains(&k)) && !not_run(r.id))
            .map(|r| r.id.to_string())
            .collect();
    }
    report.coverage = coverage;
    report.partial = partial;
    let in_scope = |f: &stockade_model::Finding| match namespace {
        Some(ns) => {
            f.object.namespace.as_deref() == Some(ns)
                || (f.object.kind == "Namespace" && f.object.name == ns)
        }
        None => true,
    };
    report.findings = out.findings.into_iter().filter(|f| in_scope(f)).collect();
    report.suppressed = out.suppressed.into_iter().filter(|f| in_scope(f)).collect();
    for f in &report.findings {
        *report.summary.by_severity.entry(f.severity).or_default() += 1;
    }
    report.summary.suppressed = report.suppressed.len();
    report.diagnostics = diagnostics;
    // Freeing millions of tree nodes takes a noticeable time on large inputs: do it on the
    // thread pool while the caller renders the report.
    rayon::spawn(move || drop(inv));
    report
}
