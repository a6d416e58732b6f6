//! Command-line definitions (clap derive). Help texts here are the CLI reference.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Kubernetes security from manifests to live clusters: one fast, exact, offline binary.
#[derive(Debug, Parser)]
#[command(
    name = "stockade",
    version,
    about,
    after_help = "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage, config or input error.\nDocs: docs/ in the repository; `stockade explain RULE` for one rule."
)]
pub struct Cli {
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour on a terminal unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan manifests (files, directories, globs or `-` for stdin) with every enabled rule.
    #[command(
        after_help = "Examples:\n  stockade scan ./deploy\n  helm template my-chart | stockade scan -\n  stockade scan 'k8s/**/*.yaml' -o sarif --output-file stockade.sarif\n  stockade scan . --baseline .stockade-baseline.json"
    )]
    Scan(Box<ScanArgs>),
    /// List the rules, with filters.
    Rules(RulesArgs),
    /// Show a rule's documentation.
    Explain {
        /// Rule id or name (e.g. WL001 or privileged-container).
        rule: String,
    },
    /// Write a commented default .stockade.yaml.
    Init {
        /// Where to write it.
        #[arg(default_value = ".stockade.yaml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Network policies: who can reach whom, exactly per NetworkPolicy v1 (reach, matrix, explain).
    #[command(
        after_help = "Examples:\n  stockade netpol reach --from prod/web --to prod/db --port 5432/TCP ./deploy\n  stockade netpol matrix -n prod ./deploy\n  stockade netpol explain prod/db --cluster\n\nExit codes: reach 0 allowed, 1 denied; every subcommand 2 on usage or input errors.\nDocs: docs/netpol.md."
    )]
    Netpol(NetpolArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Where objects come from; shared by every command that reads objects: manifests (trailing
/// paths, or `-` for stdin) or a live cluster (`--cluster`).
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Files, directories (recursive: .yaml, .yml, .json), globs, or `-` for stdin [default: .].
    pub paths: Vec<String>,
    /// Read objects from a live cluster instead of files (kubeconfig, or in-cluster config).
    #[arg(long, conflicts_with = "paths")]
    pub cluster: bool,
    /// Kubeconfig file for --cluster [default: $KUBECONFIG, then ~/.kube/config, then in-cluster].
    #[arg(long, value_name = "FILE", requires = "cluster")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context for --cluster [default: the current context].
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub context: Option<String>,
    /// Largest YAML document accepted, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_document_size: usize,
}

/// Arguments of `scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// With --cluster: only scan this namespace (cluster-scoped objects are still read for context).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        requires = "cluster",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// With --cluster: scan every namespace (the default).
    #[arg(short = 'A', long, requires = "cluster")]
    pub all_namespaces: bool,
    /// Output format: table, json, sarif, junit or markdown.
    #[arg(short, long, default_value = "table", value_parser = clap::builder::PossibleValuesParser::new(stockade_report::Format::NAMES))]
    pub output: String,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains [default: high, or the config's fail-on].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<stockade_model::Severity>,
    /// Settings file [default: .stockade.yaml in the scanned directory or a parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any .stockade.yaml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Enable a rule or family (repeatable; after the config).
    #[arg(long, value_name = "RULE")]
    pub enable: Vec<String>,
    /// Disable a rule or family (repeatable; after the config).
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,
    /// Only report findings not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the current findings' fingerprints to this baseline file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

fn parse_severity(s: &str) -> Result<stockade_model::Severity, String> {
    s.parse()
}

/// Arguments of `netpol`.
#[derive(Debug, Args)]
pub struct NetpolArgs {
    #[command(subcommand)]
    pub command: NetpolCommand,
}

/// `netpol` subcommands.
#[derive(Debug, Subcommand)]
pub enum NetpolCommand {
    /// Whether one workload (or address) can reach another, and which policies decide it.
    Reach(NetpolReachArgs),
    /// The connectivity matrix between workloads, with access to and from outside addresses.
    Matrix(NetpolMatrixArgs),
    /// Every policy selecting a workload, what it allows in and out, and who can reach it.
    Explain(NetpolExplainArgs),
}

/// Arguments of `netpol reach`.
#[derive(Debug, Args)]
pub struct NetpolReachArgs {
    /// Source: NS/NAME, NS/KIND/NAME (e.g. prod/deployment/web), or an IP address outside the cluster.
    #[arg(long, value_name = "WORKLOAD")]
    pub from: String,
    /// Destination: NS/NAME, NS/KIND/NAME, or an IP address outside the cluster.
    #[arg(long, value_name = "WORKLOAD")]
    pub to: String,
    /// Destination port and protocol, e.g. 5432/TCP, 53/UDP or 8080 (TCP) [default: any port].
    #[arg(long, value_name = "PORT[/PROTOCOL]")]
    pub port: Option<String>,
    /// Output format.
    #[arg(short, long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Arguments of `netpol matrix`.
#[derive(Debug, Args)]
pub struct NetpolMatrixArgs {
    /// Only show workloads of this namespace (every policy still applies).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Output format (text shows a grid up to 40 workloads, a list beyond).
    #[arg(short, long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Arguments of `netpol explain`.
#[derive(Debug, Args)]
pub struct NetpolExplainArgs {
    /// The workload: NS/NAME or NS/KIND/NAME.
    #[arg(value_name = "WORKLOAD")]
    pub workload: String,
    /// Output format.
    #[arg(short, long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Arguments of `rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Only this family (e.g. workload).
    #[arg(long)]
    pub family: Option<String>,
    /// Only rules at or above this severity.
    #[arg(long, value_parser = parse_severity)]
    pub severity: Option<stockade_model::Severity>,
    /// Only rules mapped to this framework (cis, nsa, mitre), optionally a control: `cis:5.2.2`.
    #[arg(long)]
    pub framework: Option<String>,
    /// Output format.
    #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
    pub output: String,
}
