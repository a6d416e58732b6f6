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
    /// Threads for parsing files and running rules (default: one per CPU; 1 runs everything on
    /// the main thread). Output does not depend on it.
    #[arg(
        short = 'j',
        long,
        global = true,
        env = "STOCKADE_JOBS",
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    pub jobs: Option<u16>,
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
    /// RBAC: who can do what, effective permissions and escalation paths, exactly as the API server's authorizer.
    #[command(
        after_help = "Examples:\n  stockade rbac who-can get secrets -n prod ./deploy\n  stockade rbac can sa:prod/api create pods -n prod ./deploy\n  stockade rbac access user:alice --group dev --cluster\n  stockade rbac paths --to cluster-admin ./deploy\n\nExit codes: can 0 allowed, 1 denied; paths 1 when a chain exists; 2 on usage or input errors.\nDocs: docs/rbac.md."
    )]
    Rbac(RbacArgs),
    /// Pod Security Standards: the PodSecurity admission's verdicts per object, per namespace, and readiness.
    #[command(
        after_help = "Examples:\n  stockade pss ./deploy --level restricted --version v1.33\n  helm template my-chart | stockade pss - --level baseline -o sarif\n  stockade pss ./deploy                      # by each Namespace's pod-security.kubernetes.io labels\n  stockade pss --cluster --readiness\n  stockade pss ./deploy --admission-config admission.yaml\n\nExit codes: 0 every object satisfies the level (or, without --level, none would be rejected by enforce); 1 otherwise; 2 on usage or input errors (wrongly typed fields included). --readiness exits 0 unless input errors.\nDocs: docs/pss.md."
    )]
    Pss(PssArgs),
    /// Audit logs: threat detection over Kubernetes audit events (analyze, serve) and audit policy checks.
    #[command(
        after_help = "Examples:\n  stockade audit-log analyze /var/log/kubernetes/audit/          # rotated set, oldest first\n  zcat audit.log.gz | stockade audit-log analyze - --since 24h -o json\n  stockade audit-log serve --listen 0.0.0.0:8443 --tls-cert tls.crt --tls-key tls.key\n  stockade audit-log policy /etc/kubernetes/audit-policy.yaml\n\nExit codes: 0 nothing at or above --fail-on; 1 alerts/findings at or above it; 2 on usage or input errors (unreadable lines included; results are still printed).\nDocs: docs/audit-log.md; rules: `stockade rules --family audit`."
    )]
    AuditLog(AuditLogArgs),
    /// Unused and orphaned objects (Secrets, ConfigMaps, ServiceAccounts, tokens, roles, volumes, Services, …), grouped by namespace.
    #[command(
        after_help = "Examples:\n  stockade unused --cluster\n  stockade unused --cluster -n shop -o json\n  stockade unused ./deploy\n  helm template my-chart | stockade unused -\n  stockade unused --cluster --fail-on low   # CI gate: fail on any leftover\n\nEach finding says why the object is believed unused and with what confidence (high, medium, low); lower confidence lowers the severity.\nExit codes: 0 nothing at or above --fail-on (no threshold unless given or configured); 1 findings at or above it; 2 usage, config or input error.\nDocs: docs/unused.md."
    )]
    Unused(Box<UnusedArgs>),
    /// De-provision a user, group, ServiceAccount, namespace, workload or node: plan, apply (journalled, with undo), verify, report.
    #[command(
        after_help = "Workflow:\n  stockade deprovision plan user:alice --cluster                      # review\n  stockade deprovision plan user:alice --cluster -o json > plan.json\n  stockade deprovision apply plan.json --cluster                      # checks + server-side dry-run\n  stockade deprovision apply plan.json --cluster --yes                # executes, journalled\n  stockade deprovision verify user:alice --cluster                    # proves no access remains\n  stockade deprovision history\n  stockade deprovision undo 3 --yes\n  stockade deprovision report 3 --audit-log /var/log/kubernetes/audit/ -o html --output-file record.html\n\nRetiring a node:\n  stockade deprovision plan node:worker-7 --cluster -o json > node.json  # cordon, drain, revoke, delete\n  stockade deprovision apply node.json --yes      # drains; stops before the Node delete while its kubelet runs\n  stockade deprovision apply node.json --yes      # again, once the machine is stopped\n  stockade deprovision verify node:worker-7 --cluster --plan node.json\n\nTARGET: user:NAME, group:NAME, sa:NAMESPACE/NAME, namespace:NAME, workload:NAMESPACE/KIND/NAME or node:NAME.\nExit codes: apply/undo 0 done (or would be), 1 refused or stopped; verify 0 no access remains, 1 access remains; 2 usage or input errors.\nDocs: docs/deprovision.md."
    )]
    Deprovision(DeprovisionArgs),
    /// Admission webhook: the rules of `scan` enforced, warned or audited as objects are created (`serve`), its manifests and certificates.
    #[command(
        after_help = "Examples:\n  stockade webhook certs ./tls --service stockade-webhook --namespace stockade\n  kubectl create namespace stockade && kubectl -n stockade create secret tls stockade-webhook-tls --cert tls/tls.crt --key tls/tls.key\n  stockade webhook manifests --ca-bundle tls/ca.crt | kubectl apply -f -\n  stockade webhook serve --no-cluster --listen 127.0.0.1:8443   # try it locally\n\nExit codes: serve runs until SIGINT/SIGTERM (0), 2 on start-up errors; certs and manifests 0 written, 2 usage errors or files that exist (pass --force).\nDocs: docs/webhook.md."
    )]
    Webhook(WebhookArgs),
    /// CIS Kubernetes Benchmark: every recommendation checked on this node (or a node snapshot) with no shell, section 5 from the cluster's objects.
    #[command(
        after_help = "Examples:\n  sudo stockade bench                                  # this node, benchmark by its Kubernetes version\n  stockade bench --node-root /mnt/node-snapshot -o json\n  stockade bench --cluster                             # node checks plus section 5 from the cluster\n  stockade bench --benchmark cis-1.11 --node-role worker --fail-on warn\n  stockade bench --list                                # the recommendations, without evaluating\n\nStatuses: PASS, FAIL, WARN (a threshold the benchmark leaves to judgement, or a file that could not be checked), MANUAL (a person checks it: the audit says how), SKIP (not about this node).\nExit codes: 0 nothing at or above --fail-on; 1 otherwise; 2 usage errors, or the node could not be read in full (unreadable or malformed files; results are still printed).\nDocs: docs/bench.md."
    )]
    Bench(Box<BenchArgs>),
    /// Exposure probe: read-only checks of the endpoints named (API server, kubelets, etcd, controller manager, scheduler) for anonymous access, plain HTTP, missing client certificates, debug endpoints and certificates.
    #[command(
        after_help = "Examples:\n  stockade probe apiserver=https://10.0.0.1:6443\n  stockade probe 10.0.0.5:10250 10.0.0.5:10255 etcd=10.0.0.1:2379\n  stockade probe 10.0.0.1:6443 -o sarif --output-file probe.sarif\n\nTARGET: KIND=ADDRESS or HOST:PORT, where KIND is apiserver, kubelet, kubelet-read-only, etcd, controller-manager or scheduler (guessed from the usual ports) and ADDRESS is HOST:PORT or http(s)://HOST:PORT.\nOnly the hosts named are contacted, with GET requests and TLS handshakes only: nothing is written or executed.\nExit codes: 0 nothing at or above --fail-on; 1 otherwise; 2 usage errors or an endpoint that could not be reached.\nDocs: docs/probe.md."
    )]
    Probe(ProbeArgs),
    /// Known vulnerabilities (CVEs) of a Kubernetes version, or of a cluster's API server, kubelets, kube-proxies and add-ons, from dated OSV data.
    #[command(
        after_help = "Examples:\n  stockade cves --version v1.29.3\n  stockade cves --cluster -o json\n  stockade cves --cluster --cve-data ./osv/          # newer OSV records, offline\n  kubectl get nodes -o yaml | stockade cves -\n\nVersions with vendor builds (v1.31.4-eks-…, +k3s1, -gke.…) compare as the release they build.\nExit codes: 0 nothing at or above --fail-on; 1 otherwise; 2 usage or input errors.\nDocs: docs/updates.md."
    )]
    Cves(Box<CvesArgs>),
    /// Secrets: who can read and who can mount each Secret (exact RBAC), what uses it, unused Secrets and legacy tokens, most exposed first.
    #[command(
        after_help = "Examples:\n  stockade secrets --cluster\n  stockade secrets --cluster -n shop -o json\n  stockade secrets ./deploy -o markdown\n  stockade secrets --encryption-config /etc/kubernetes/enc.yaml\n  stockade secrets --verify-encryption --etcd-endpoint https://127.0.0.1:2379 --etcd-ca ca.crt --etcd-cert client.crt --etcd-key client.key\n\nReaders: every User, Group and ServiceAccount that can get, list or watch the Secret; mounters: those that can create pods or workloads in its namespace (which reads any Secret there). Built-in system subjects are counted, not listed; members of system:masters can read everything.\nValues are never read: a live cluster's Secrets are listed as metadata only.\nExit codes: 0; 1 when an encryption check finds Secrets stored in plaintext, or with --fail-on-broad when a Secret is readable or mountable by a broad group (system:authenticated, system:unauthenticated, system:serviceaccounts[:NS]); 2 usage or input errors (etcd unreachable included).\nDocs: docs/secrets.md."
    )]
    Secrets(Box<SecretsArgs>),
    /// Upgrade readiness: what upgrading the control plane to a release breaks or changes — removed APIs in objects, their history and audit-log callers, Pod Security changes, skew left behind, end of life, CVEs fixed.
    #[command(
        name = "upgrade-check",
        after_help = "Examples:\n  stockade upgrade-check --to v1.37 --cluster\n  stockade upgrade-check --to v1.37 --cluster --audit-log /var/log/kubernetes/audit/ --helm-releases\n  stockade upgrade-check --to v1.34 --from v1.31.4 ./deploy\n  sudo stockade upgrade-check --to v1.37 --cluster --node-root /\n  stockade upgrade-check --to v1.37 --from v1.33.2 -o markdown --output-file upgrade.md\n\nThe current release is --from, else the API server's version (--cluster).\nExit codes: 0 nothing at or above --fail-on; 1 otherwise; 2 usage or input errors.\nDocs: docs/updates.md."
    )]
    UpgradeCheck(Box<UpgradeCheckArgs>),
    /// ValidatingAdmissionPolicies offline: what the API server would answer for each object (eval), and policy tests (test).
    #[command(
        after_help = "Examples:\n  stockade policy eval ./deploy --policy ./policies/\n  stockade policy eval new.yaml --old old.yaml --operation UPDATE --policy p.yaml --user alice\n  stockade policy eval --cluster -n shop -o json\n  stockade policy test ./policies/             # every *stockade-test.yaml below\n\n`stockade scan` judges with the same policies (rule ids VAP:<policy>).\nExit codes: eval 0 every object admitted, 1 some denied; test 0 every expected result holds, 1 some does not; 2 usage, input or policy errors.\nDocs: docs/policy.md."
    )]
    Policy(PolicyArgs),
    /// Export Stockade's rules for other enforcement points: `export vap` writes the rules CEL can express as ValidatingAdmissionPolicies and bindings.
    #[command(
        after_help = "Examples:\n  stockade export vap | kubectl apply -f -\n  stockade export vap --rules WL001,WL008 --action Warn --output-file policies.yaml\n\nEach exported policy denies exactly the workload objects on which its rule reports a finding.\nDocs: docs/policy.md."
    )]
    Export(ExportArgs),
    /// The version, and the versions of the data built in (rules, Pod Security, CIS benchmarks, Kubernetes releases, CVE snapshot, CEL environment).
    Version {
        /// Output format: text or json.
        #[arg(short, long, default_value = "text", value_parser = ["text", "json"])]
        output: String,
    },
    /// Write the man pages (stockade.1 and one page per subcommand) to a directory.
    #[command(
        after_help = "Example:\n  stockade man /usr/local/share/man/man1 && man stockade-scan"
    )]
    Man {
        /// Where to write them.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
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
    /// Files, directories (recursive: .yaml, .yml, .json; symbolic links followed, see
    /// docs/security.md), globs, or `-` for stdin [default: .].
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
    /// Most keys and values one YAML document may hold; bounds the work a single document can
    /// cause.
    #[arg(long, value_name = "N", default_value_t = stockade_sources::yaml::DEFAULT_MAX_NODES)]
    pub max_document_nodes: usize,
    /// Helm charts among the inputs: a values file (repeatable, in order).
    #[arg(
        long = "values",
        short = 'f',
        value_name = "FILE",
        help_heading = "Helm charts"
    )]
    pub values: Vec<PathBuf>,
    /// Helm charts among the inputs: a value, as `helm --set` takes it (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", help_heading = "Helm charts")]
    pub set: Vec<String>,
    /// Helm charts among the inputs: the release name [default: release-name].
    #[arg(long, value_name = "NAME", help_heading = "Helm charts")]
    pub release_name: Option<String>,
    /// Helm charts among the inputs: the release namespace.
    #[arg(long, value_name = "NS", help_heading = "Helm charts")]
    pub release_namespace: Option<String>,
    /// Helm charts among the inputs: the Kubernetes version they are rendered for (.Capabilities.KubeVersion).
    #[arg(long, value_name = "VERSION", help_heading = "Helm charts")]
    pub kube_version: Option<String>,
}

impl InputArgs {
    /// The defaults, for files a command reads besides its inputs (policy tests, policy files).
    pub fn files() -> InputArgs {
        InputArgs {
            paths: Vec::new(),
            cluster: false,
            kubeconfig: None,
            context: None,
            max_document_size: 64,
            max_document_nodes: stockade_sources::yaml::DEFAULT_MAX_NODES,
            values: Vec::new(),
            set: Vec::new(),
            release_name: None,
            release_namespace: None,
            kube_version: None,
        }
    }
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
    /// Output format: table, json, sarif, junit, markdown or jsonl (one JSON object per line).
    #[arg(short, long, default_value = "table", value_parser = report_format())]
    pub output: stockade_report::Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains [default: high, or the config's fail-on].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<stockade_model::Severity>,
    /// With --cluster: accept a partial scan. A scan that could not read every resource type (forbidden, not served, listing failed) skips the checks that need them and exits 2; with this flag it exits by its findings instead (1 or 0). The report is still marked partial. Config: allow-partial: true.
    #[arg(long)]
    pub allow_partial: bool,
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
    /// The Kubernetes release to judge against, e.g. v1.33: the API versions it removed (HY013 deprecated-api-version) and the CEL functions its policies may use [default: the newest release Stockade knows, 1.37 for APIs, 1.36 for CEL].
    #[arg(long, value_name = "VERSION")]
    pub target_version: Option<String>,
    /// Only report findings not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the current findings' fingerprints to this baseline file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// ValidatingAdmissionPolicies and bindings to judge the inputs with, besides those among
    /// the inputs: a file or directory (repeatable); its other objects serve as params.
    #[arg(long, value_name = "PATH")]
    pub policy: Vec<String>,
}

/// `v1.33` (or `1.33`, `1.33.2`) as its minor, 33.
fn parse_release(s: &str) -> Result<u32, String> {
    let t = s.trim().trim_start_matches('v');
    let mut parts = t.split('.');
    match (
        parts.next(),
        parts.next().and_then(|m| m.parse::<u32>().ok()),
    ) {
        (Some("1"), Some(minor)) => Ok(minor),
        _ => Err(format!(
            "`{s}`: expected a Kubernetes release such as v1.33"
        )),
    }
}

fn parse_severity(s: &str) -> Result<stockade_model::Severity, String> {
    s.parse()
}

/// Arguments of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub command: ExportCommand,
}

/// `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The rules CEL can express, as ValidatingAdmissionPolicies and bindings (YAML).
    Vap(ExportVapArgs),
}

/// Arguments of `export vap`.
#[derive(Debug, Args)]
pub struct ExportVapArgs {
    /// Rules to export, by id or name (repeatable or comma-separated) [default: every exportable rule].
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub rules: Vec<String>,
    /// The bindings' validation action: Deny, Warn or Audit.
    #[arg(long, default_value = "Deny", value_parser = ["Deny", "Warn", "Audit"])]
    pub action: String,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

/// Arguments of `policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// For each object: admitted or denied (with the API server's message), warnings and audit annotations, as a request creating (or updating, deleting) it would get.
    Eval(Box<PolicyEvalArgs>),
    /// Run policy tests: each test file's expected pass/fail/skip per policy, binding and resource.
    Test(PolicyTestArgs),
}

/// Arguments of `policy eval`.
#[derive(Debug, Args)]
pub struct PolicyEvalArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// With --cluster: only this namespace's objects.
    #[arg(short = 'n', long, value_name = "NS", requires = "cluster")]
    pub namespace: Option<String>,
    /// Policies, bindings and params besides those among the inputs: a file or directory (repeatable).
    #[arg(long, value_name = "PATH")]
    pub policy: Vec<String>,
    /// The operation each object is judged for.
    #[arg(long, default_value = "CREATE", value_parser = ["CREATE", "UPDATE", "DELETE"], ignore_case = true)]
    pub operation: String,
    /// The objects before (UPDATE, DELETE): a file or directory (repeatable), matched to the inputs by kind, namespace and name.
    #[arg(long, value_name = "PATH")]
    pub old: Vec<String>,
    /// request.userInfo.username.
    #[arg(long, value_name = "NAME", default_value = "")]
    pub user: String,
    /// request.userInfo.groups (repeatable).
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,
    /// Also list the objects no policy applies to.
    #[arg(long)]
    pub all: bool,
    /// Compile the policies in the CEL environment of this Kubernetes release, e.g. v1.33: a function a later release brought is an error [default: 1.36].
    #[arg(long, value_name = "VERSION", value_parser = parse_release)]
    pub target_version: Option<u32>,
    /// Output format: text or json.
    #[arg(short, long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

/// Arguments of `policy test`.
#[derive(Debug, Args)]
pub struct PolicyTestArgs {
    /// Test files, or directories searched for files named *stockade-test.yaml [default: .].
    pub paths: Vec<String>,
    /// Compile the policies in the CEL environment of this Kubernetes release, e.g. v1.33 [default: 1.36].
    #[arg(long, value_name = "VERSION", value_parser = parse_release)]
    pub target_version: Option<u32>,
    /// Output format: text or json.
    #[arg(short, long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

/// Arguments of `rbac`.
#[derive(Debug, Args)]
pub struct RbacArgs {
    #[command(subcommand)]
    pub command: RbacCommand,
}

/// `rbac` subcommands.
#[derive(Debug, Subcommand)]
pub enum RbacCommand {
    /// Every subject allowed a request, with the binding and role that allow it.
    WhoCan(RbacWhoCanArgs),
    /// A subject's effective permissions, cluster-wide and per namespace (like `kubectl auth can-i --list`).
    Access(RbacAccessArgs),
    /// Whether a subject may do something, and which binding allows it (exit 0 yes, 1 no).
    Can(RbacCanArgs),
    /// Shortest chains by which subjects can obtain cluster-admin (or secrets, nodes) power.
    Paths(RbacPathsArgs),
}

/// Options every `rbac` subcommand takes.
#[derive(Debug, Args)]
pub struct RbacCommon {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = TextFormat::Text)]
    pub output: TextFormat,
    /// Leave out the API server's bootstrap roles and bindings (cluster-admin, admin, edit, view, system:*), which are included by default so answers match a real cluster.
    #[arg(long)]
    pub no_defaults: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

/// What a request is about (besides its verb).
#[derive(Debug, Args)]
pub struct RbacRequestArgs {
    /// RESOURCE[.GROUP][/SUBRESOURCE] (e.g. secrets, pods/exec, deployments.apps, deployments.apps/scale, */scale; RESOURCE/SUBRESOURCE.GROUP works too) or a non-resource URL such as /healthz. The part after `/` is a subresource, not an object name (use --name).
    #[arg(value_name = "RESOURCE")]
    pub resource: String,
    /// Subresource, as kubectl auth can-i takes it (same as RESOURCE/SUBRESOURCE).
    #[arg(long, value_name = "SUB")]
    pub subresource: Option<String>,
    /// Namespace of the request [default: none: cluster-wide, which only ClusterRoleBindings grant].
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Name of the object (rules with resourceNames only match a named request).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// API group [default: the group of a well-known resource, else the core group].
    #[arg(long, value_name = "GROUP")]
    pub api_group: Option<String>,
}

/// Arguments of `rbac who-can`.
#[derive(Debug, Args)]
pub struct RbacWhoCanArgs {
    /// Verb: get, list, watch, create, update, patch, delete, deletecollection, bind, escalate, impersonate, … or *.
    #[arg(value_name = "VERB")]
    pub verb: String,
    #[command(flatten)]
    pub request: RbacRequestArgs,
    #[command(flatten)]
    pub common: RbacCommon,
}

/// Arguments of `rbac can`.
#[derive(Debug, Args)]
pub struct RbacCanArgs {
    /// Subject: user:NAME, group:NAME or sa:NAMESPACE/NAME.
    #[arg(value_name = "SUBJECT")]
    pub subject: String,
    /// Verb, as for who-can.
    #[arg(value_name = "VERB")]
    pub verb: String,
    #[command(flatten)]
    pub request: RbacRequestArgs,
    /// Extra group the subject belongs to (repeatable; system:authenticated and ServiceAccount groups are implied).
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    #[command(flatten)]
    pub common: RbacCommon,
}

/// Arguments of `rbac access`.
#[derive(Debug, Args)]
pub struct RbacAccessArgs {
    /// Subject: user:NAME, group:NAME or sa:NAMESPACE/NAME.
    #[arg(value_name = "SUBJECT")]
    pub subject: String,
    /// Extra group the subject belongs to (repeatable; system:authenticated and ServiceAccount groups are implied).
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    /// Only show cluster-wide grants and those in this namespace.
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub common: RbacCommon,
}

/// Arguments of `rbac paths`.
#[derive(Debug, Args)]
pub struct RbacPathsArgs {
    /// What to reach: cluster-admin, secrets (list every Secret) or nodes (nodes/proxy).
    #[arg(long, default_value = "cluster-admin", value_parser = ["cluster-admin", "secrets", "nodes"])]
    pub to: String,
    /// Only this subject (user:NAME, group:NAME or sa:NAMESPACE/NAME) [default: every subject of a non-default binding].
    #[arg(long, value_name = "SUBJECT")]
    pub from: Option<String>,
    /// Longest chain looked for, in identity changes.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub max_steps: usize,
    /// Also start from system: users and groups and kube-system ServiceAccounts.
    #[arg(long)]
    pub include_system: bool,
    #[command(flatten)]
    pub common: RbacCommon,
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
    /// What changes between two versions: every workload pair and outside range whose allowed ports are lost or gained, with the policies and rules on each side.
    #[command(
        after_help = "Examples:\n  stockade netpol diff --old ./main-checkout ./pr-checkout\n  stockade netpol diff --old-cluster ./deploy            # the live state against proposed manifests\n  stockade netpol diff --old before.yaml after.yaml -o markdown\n\nExit codes: 1 when a change of the kind --fail-on names is found (default: lost connectivity); 0 otherwise; 2 on usage or input errors."
    )]
    Diff(NetpolDiffArgs),
    /// Check connectivity assertions (a YAML file of expected allow/deny flows) against the inputs: a CI gate for policy changes.
    #[command(
        after_help = "Examples:\n  stockade netpol test flows.yaml ./deploy\n  stockade netpol test flows.yaml --cluster -o json\n\nFile format (docs/netpol.md, \"Connectivity assertions\"):\n  flows:\n  - name: frontend reaches api\n    from: shop/web\n    to: shop/api\n    port: 8080/TCP\n    expect: allow\n    reason: the storefront calls the API\n\nExit codes: 0 every assertion holds; 1 one fails; 2 usage or input errors (an unknown workload included)."
    )]
    Test(NetpolTestArgs),
    /// Propose connectivity assertions from today's reachability (YAML for `netpol test`), for a team to curate.
    Suggest(NetpolSuggestArgs),
}

/// Arguments of `netpol test`.
#[derive(Debug, Args)]
pub struct NetpolTestArgs {
    /// The flows file.
    #[arg(value_name = "FLOWS")]
    pub flows: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = TextFormat::Text)]
    pub output: TextFormat,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Arguments of `netpol suggest`.
#[derive(Debug, Args)]
pub struct NetpolSuggestArgs {
    #[command(flatten)]
    pub input: InputArgs,
}

/// What makes `netpol diff` fail.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiffFailOn {
    /// Connectivity lost (a port no longer allowed).
    Lost,
    /// Connectivity gained (a port newly allowed).
    Gained,
    /// Any change.
    Any,
    /// Never.
    Never,
}

/// Arguments of `netpol diff`.
#[derive(Debug, Args)]
pub struct NetpolDiffArgs {
    /// The old inputs: files, directories or globs (repeatable).
    #[arg(long, value_name = "PATH", required_unless_present = "old_cluster")]
    pub old: Vec<String>,
    /// The old side is the live cluster (kubeconfig and context as for --cluster).
    #[arg(long, conflicts_with = "old")]
    pub old_cluster: bool,
    /// The new inputs: PATHS, or --cluster.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format: table, json, sarif, junit, markdown or jsonl (one JSON object per line).
    #[arg(short, long, default_value = "table", value_parser = report_format())]
    pub output: stockade_report::Format,
    /// Which changes fail the command.
    #[arg(long, value_enum, default_value_t = DiffFailOn::Lost)]
    pub fail_on: DiffFailOn,
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
    #[arg(short, long, value_enum, default_value_t = TextFormat::Text)]
    pub output: TextFormat,
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
    #[arg(short, long, value_enum, default_value_t = TextFormat::Text)]
    pub output: TextFormat,
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
    #[arg(short, long, value_enum, default_value_t = TextFormat::Text)]
    pub output: TextFormat,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Text or JSON, for commands whose answer is not a report.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
#[allow(missing_docs)] // help texts of the values would change `--help`
pub enum TextFormat {
    Text,
    Json,
}

/// The forms of a de-provisioning plan.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
#[allow(missing_docs)] // help texts of the values would change `--help`
pub enum PlanFormat {
    Text,
    Json,
    Kubectl,
    Yaml,
}

/// Arguments of `pss`.
#[derive(Debug, Args)]
pub struct PssArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Judge every object at this level (privileged, baseline, restricted) [default: each object's namespace policy].
    #[arg(long, value_name = "LEVEL", value_parser = ["privileged", "baseline", "restricted"])]
    pub level: Option<String>,
    /// Policy version for --level and --readiness: `latest` or `v1.N` (e.g. v1.33).
    #[arg(long, value_name = "VERSION", default_value = "latest")]
    pub version: String,
    /// Per namespace: the strictest level every pod already satisfies, and what blocks the next.
    #[arg(long)]
    pub readiness: bool,
    /// The API server's AdmissionConfiguration (or a PodSecurityConfiguration): cluster defaults and exemptions.
    #[arg(long, value_name = "FILE")]
    pub admission_config: Option<PathBuf>,
    /// Namespace of objects that do not set metadata.namespace (as `kubectl apply -n`).
    #[arg(short = 'n', long, value_name = "NS", default_value = "default")]
    pub namespace: String,
    /// The user who submits the objects, for the configuration's username exemptions.
    #[arg(long = "as", value_name = "USER")]
    pub as_user: Option<String>,
    /// Output format: table, json, sarif, junit, markdown or jsonl (one JSON object per line).
    #[arg(short, long, value_enum, default_value_t = PssFormat::Table)]
    pub output: PssFormat,
    /// Settings file for suppressions [default: .stockade.yaml in the scanned directory or a parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any .stockade.yaml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

/// Arguments of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The node's filesystem: `/` on the node itself, or a copied or mounted snapshot
    /// (`DIR/etc/kubernetes`, `DIR/var/lib/kubelet`, `DIR/proc/<pid>/cmdline`).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub node_root: PathBuf,
    /// Benchmark release (cis-1.10, cis-1.11, cis-1.12) [default: by the node's Kubernetes version, else the newest].
    #[arg(long, value_name = "ID")]
    pub benchmark: Option<String>,
    /// Which sections to evaluate: auto (by the components found), master, etcd, worker; repeatable or comma-separated.
    #[arg(
        long,
        value_name = "ROLE",
        value_delimiter = ',',
        default_value = "auto"
    )]
    pub node_role: Vec<String>,
    /// Kubernetes version for defaults and the benchmark choice, when the node does not show it (v1.36).
    #[arg(long, value_name = "VERSION")]
    pub kubernetes_version: Option<String>,
    /// Only these sections or recommendations (1.2, 4.2.1); repeatable or comma-separated.
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub only: Vec<String>,
    /// List the benchmark's recommendations without evaluating anything.
    #[arg(long)]
    pub list: bool,
    /// Keep running and evaluate again after each interval (`24h`, `30m`), one report per run,
    /// until SIGTERM or Ctrl-C: for a DaemonSet whose logs collect the results.
    #[arg(long, value_name = "DURATION", conflicts_with_all = ["list", "output_file"])]
    pub every: Option<String>,
    /// Section 5 (policies) from these objects: manifests, or --cluster.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format: table, json, sarif, junit, markdown or jsonl (one JSON object per line).
    #[arg(short, long, value_enum, default_value_t = PssFormat::Table)]
    pub output: PssFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Exit 1 when an outcome at or above this remains: fail, warn, or never.
    #[arg(long, value_name = "STATUS", default_value = "fail", value_parser = ["fail", "warn", "never"])]
    pub fail_on: String,
    /// Settings file for `bench.suppressions` [default: .stockade.yaml in the current directory or a parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any .stockade.yaml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

/// Arguments of `cves`.
#[derive(Debug, Args)]
pub struct CvesArgs {
    /// A Kubernetes version to check (every component at it), instead of the inputs.
    #[arg(long, value_name = "VERSION", conflicts_with_all = ["cluster", "paths"])]
    pub version: Option<String>,
    /// The cluster's components: --cluster, or objects (Nodes, workloads) as files.
    #[command(flatten)]
    pub input: InputArgs,
    /// OSV records to use instead of the embedded snapshot: a file (a record, an array, or {"records": [...]}) or a directory of *.json.
    #[arg(long, value_name = "FILE|DIR")]
    pub cve_data: Option<PathBuf>,
    /// Output format: table, json, sarif, junit, markdown or jsonl (one JSON object per line).
    #[arg(short, long, default_value = "table", value_parser = report_format())]
    pub output: stockade_report::Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Exit 1 when a vulnerability at or above this severity is found.
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
    pub fail_on: stockade_model::Severity,
}

/// Output forms of `secrets`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
#[allow(missing_docs)] // help texts of the values would change `--help`
pub enum SecretsFormat {
    Table,
    Json,
    Markdown,
}

/// Arguments of `secrets`.
#[derive(Debug, Args)]
pub struct SecretsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only the Secrets of this namespace (RBAC is still read cluster-wide).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = SecretsFormat::Table)]
    pub output: SecretsFormat,
    /// Leave out the API server's bootstrap roles and bindings.
    #[arg(long)]
    pub no_defaults: bool,
    /// Exit 1 when a Secret is readable or mountable by a broad group.
    #[arg(long)]
    pub fail_on_broad: bool,
    /// Judge an EncryptionConfiguration (the API server's --encryption-provider-config): whether new Secrets are encrypted, by what.
    #[arg(long, value_name = "FILE")]
    pub encryption_config: Option<PathBuf>,
    /// Find the API server's --encryption-provider-config on this node root (`/`, or a snapshot) and judge it.
    #[arg(long, value_name = "DIR")]
    pub node_root: Option<PathBuf>,
    /// Prove encryption at rest: read one Secret's raw value from etcd and check its envelope (the value is never printed). Needs --etcd-endpoint.
    #[arg(long, requires = "etcd_endpoint")]
    pub verify_encryption: bool,
    /// etcd's client URL, e.g. https://10.0.0.1:2379.
    #[arg(long, value_name = "URL")]
    pub etcd_endpoint: Option<String>,
    /// CA of etcd's serving certificate.
    #[arg(long, value_name = "FILE")]
    pub etcd_ca: Option<PathBuf>,
    /// Client certificate for etcd (e.g. /etc/kubernetes/pki/apiserver-etcd-client.crt).
    #[arg(long, value_name = "FILE", requires = "etcd_key")]
    pub etcd_cert: Option<PathBuf>,
    /// Its key.
    #[arg(long, value_name = "FILE", requires = "etcd_cert")]
    pub etcd_key: Option<PathBuf>,
    /// The API server's --etcd-prefix.
    #[arg(long, value_name = "PREFIX", default_value = "/registry")]
    pub etcd_prefix: String,
    /// The Secret to read from etcd, NAMESPACE/NAME [default: the first one etcd holds].
    #[arg(long, value_name = "NS/NAME")]
    pub etcd_secret: Option<String>,
}

/// Arguments of `upgrade-check`.
#[derive(Debug, Args)]
pub struct UpgradeCheckArgs {
    /// The release to upgrade to: v1.37 (its first patch) or v1.37.2.
    #[arg(long, value_name = "VERSION")]
    pub to: String,
    /// The current release [default: the API server's version, with --cluster].
    #[arg(long, value_name = "VERSION")]
    pub from: Option<String>,
    /// Objects to judge: --cluster, or manifests (none: version checks only).
    #[command(flatten)]
    pub input: InputArgs,
    /// Audit logs (files or directories; rotated and .gz files read in order): callers of removed APIs, kubectl versions.
    #[arg(long, value_name = "PATH")]
    pub audit_log: Vec<PathBuf>,
    /// Node roots to read component flags from (`/` on a node, or snapshots; as `stockade bench --node-root`): flags the target removed.
    #[arg(long, value_name = "DIR")]
    pub node_root: Vec<PathBuf>,
    /// With --cluster: also read Helm release records (Secrets of type helm.sh/release.v1; needs list on secrets) and judge each release's manifest.
    #[arg(long, requires = "cluster")]
    pub helm_releases: bool,
    /// OSV records to use instead of the embedded snapshot (as for `stockade cves`).
    #[arg(long, value_name = "FILE|DIR")]
    pub cve_data: Option<PathBuf>,
    /// Output format: table, json, sarif, junit, markdown or jsonl (one JSON object per line).
    #[arg(short, long, default_value = "table", value_parser = report_format())]
    pub output: stockade_report::Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity is found.
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
    pub fail_on: stockade_model::Severity,
}

/// Arguments of `probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Endpoints: KIND=ADDRESS or HOST:PORT (see below).
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Per-request timeout, in whole seconds or more (`5s`, `1m`).
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub timeout: String,
    /// Output format: table, json, sarif, junit, markdown or jsonl (one JSON object per line).
    #[arg(short, long, value_enum, default_value_t = PssFormat::Table)]
    pub output: PssFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Exit 1 when an exposure at or above this severity is found.
    #[arg(long, value_name = "SEVERITY", default_value = "medium", value_parser = parse_severity)]
    pub fail_on: stockade_model::Severity,
}

/// Output formats of `pss`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
#[allow(missing_docs)] // help texts of the values would change `--help`
pub enum PssFormat {
    Table,
    Json,
    Sarif,
    Junit,
    Markdown,
}

/// Arguments of `audit-log`.
#[derive(Debug, Args)]
pub struct AuditLogArgs {
    #[command(subcommand)]
    pub command: AuditLogCommand,
}

/// `audit-log` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditLogCommand {
    /// Analyse audit log files (JSON lines; plain or gzip; rotated sets oldest first) or stdin.
    Analyze(AuditAnalyzeArgs),
    /// Run the audit webhook backend: receive EventList posts from kube-apiserver and alert live.
    Serve(AuditServeArgs),
    /// Check an audit Policy file: secrets logged with bodies, RBAC/exec/auth failures missed, no catch-all.
    Policy(AuditPolicyArgs),
}

/// Which audit rules run, shared by the `audit-log` subcommands.
#[derive(Debug, Args)]
pub struct AuditSettingsArgs {
    /// Settings file [default: .stockade.yaml next to the first input or a parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any .stockade.yaml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Enable an audit rule, or `audit` for all (repeatable; after the config).
    #[arg(long, value_name = "RULE")]
    pub enable: Vec<String>,
    /// Disable an audit rule, or `audit` for all (repeatable; after the config).
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,
}

/// Arguments of `audit-log analyze`.
#[derive(Debug, Args)]
pub struct AuditAnalyzeArgs {
    /// Audit log files or directories (one JSON event per line, plain or gzip), or `-` for stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Only requests received at or after this time: RFC 3339 (2026-01-02T15:04:05Z), a date, or a duration back from now (30m, 24h, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only requests received before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Output format: table, json, sarif, junit, markdown or jsonl (one JSON object per line).
    #[arg(short, long, default_value = "table", value_parser = report_format())]
    pub output: stockade_report::Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Write the summary (events, users, top verbs and resources, denials, alerts by rule) as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub summary_file: Option<PathBuf>,
    /// Do not print the summary on stderr for machine-readable formats.
    #[arg(short, long)]
    pub quiet: bool,
    /// Exit 1 when an alert at or above this severity remains [default: high, or the config's fail-on].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<stockade_model::Severity>,
    /// Load and save what new-source-for-user has learned (source addresses and clients per user) in this JSON file.
    #[arg(long, value_name = "FILE")]
    pub state_file: Option<PathBuf>,
    /// Longest line read, in MiB; longer lines are skipped and reported.
    #[arg(long, value_name = "MIB", default_value_t = 16)]
    pub max_line_size: usize,
    /// Most alerts listed in the report (the summary counts all of them).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_alerts: usize,
    #[command(flatten)]
    pub settings: AuditSettingsArgs,
}

/// Arguments of `audit-log serve`.
#[derive(Debug, Args)]
pub struct AuditServeArgs {
    /// Address to listen on; plain HTTP (without --tls-cert) only on loopback addresses.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8443")]
    pub listen: String,
    /// Serving certificate chain (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Private key of the serving certificate (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Also append alerts (one JSON finding per line) to this file; they always go to stdout.
    #[arg(long, value_name = "FILE")]
    pub alerts_file: Option<PathBuf>,
    /// Largest EventList body accepted, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_body_size: usize,
    #[command(flatten)]
    pub settings: AuditSettingsArgs,
}

/// Arguments of `audit-log policy`.
#[derive(Debug, Args)]
pub struct AuditPolicyArgs {
    /// The audit Policy file (audit.k8s.io/v1, as passed to kube-apiserver --audit-policy-file).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Output format: table, json, sarif, junit, markdown or jsonl (one JSON object per line).
    #[arg(short, long, default_value = "table", value_parser = report_format())]
    pub output: stockade_report::Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains [default: high, or the config's fail-on].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<stockade_model::Severity>,
    #[command(flatten)]
    pub settings: AuditSettingsArgs,
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
    /// Only rules mapped to this framework (cis, nsa, mitre, pss), optionally a control: `cis:5.2.2`, `pss:restricted/runAsNonRoot`.
    #[arg(long)]
    pub framework: Option<String>,
    /// Output format.
    #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
    pub output: String,
}

/// Arguments of `unused`.
#[derive(Debug, Args)]
pub struct UnusedArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// With --cluster: only list leftovers in this namespace (cluster-scoped objects are still read, since they refer to namespaced ones).
    #[arg(short = 'n', long, value_name = "NS", requires = "cluster")]
    pub namespace: Option<String>,
    /// Output format: table (grouped by namespace), json, sarif, junit or markdown.
    #[arg(short, long, default_value = "table", value_parser = report_format())]
    pub output: stockade_report::Format,
    /// Write the listing to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains [default: the config's fail-on, else never].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<stockade_model::Severity>,
    /// With --cluster: accept a partial listing. When some resource type could not be read, the rules that would call objects unused from it are skipped and the exit code is 2; with this flag it is 1 or 0 by the findings. The listing is still marked partial. Config: allow-partial: true.
    #[arg(long)]
    pub allow_partial: bool,
    /// Settings file for suppressions, severities and rule options [default: .stockade.yaml in the scanned directory or a parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any .stockade.yaml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Also write a de-provisioning plan of the high-confidence leftovers to FILE, for `stockade deprovision apply` (journalled, undoable).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// With --plan: include medium-confidence leftovers too (low confidence never is).
    #[arg(long, requires = "plan")]
    pub plan_medium: bool,
    /// Leave a rule or family out (repeatable), e.g. --disable empty-namespace.
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,
}

/// Arguments of `deprovision`.
#[derive(Debug, Args)]
pub struct DeprovisionArgs {
    #[command(subcommand)]
    pub command: DeprovisionCommand,
}

/// `deprovision` subcommands.
#[derive(Debug, Subcommand)]
pub enum DeprovisionCommand {
    /// Compute everything to revoke or remove for TARGET, and what is kept because something still uses it.
    Plan(Box<DeprovisionPlanArgs>),
    /// Apply a plan file: dry-run (checks + server-side dry-run) unless --yes; journalled, with before-images.
    Apply(DeprovisionApplyArgs),
    /// Prove that TARGET has no access left (RBAC engine offline; SubjectAccessReview with --cluster).
    Verify(Box<DeprovisionVerifyArgs>),
    /// List the journal: every apply and undo, who ran it, when, and the results.
    History(DeprovisionHistoryArgs),
    /// Restore what journal entry ID changed, from its before-images (dry-run unless --yes).
    Undo(DeprovisionUndoArgs),
    /// The record for auditors: who ran what, when, from which plan, every action before and after, what verify proved, what could not be revoked; with --audit-log, each action matched to its audit event.
    #[command(
        after_help = "Examples:\n  stockade deprovision report 12 -o markdown\n  stockade deprovision report --since 30d --audit-log /var/log/kubernetes/audit/ -o html --output-file deprovision.html\n\nExit codes: 0 written; 1 with --audit-log when an applied action has no audit event or someone else changed the same objects; 2 on usage errors.\nDocs: docs/deprovision.md#report."
    )]
    Report(DeprovisionReportArgs),
}

fn parse_deprovision_target(s: &str) -> Result<stockade_deprovision::Target, String> {
    stockade_deprovision::Target::parse(s).map_err(|e| e.to_string())
}

/// The journal file, shared by apply, undo, history and verify.
#[derive(Debug, Args, Clone)]
pub struct JournalArgs {
    /// Journal database [default: $XDG_STATE_HOME/stockade/journal.db or ~/.local/state/stockade/journal.db].
    #[arg(long, value_name = "FILE", env = "STOCKADE_JOURNAL")]
    pub journal: Option<PathBuf>,
}

/// Arguments of `deprovision plan`.
#[derive(Debug, Args)]
pub struct DeprovisionPlanArgs {
    /// user:NAME, group:NAME, sa:NAMESPACE/NAME, namespace:NAME, workload:NAMESPACE/KIND/NAME or node:NAME.
    #[arg(value_name = "TARGET", value_parser = parse_deprovision_target)]
    pub target: stockade_deprovision::Target,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output: text, json (the plan file apply reads), kubectl (a reviewable script) or yaml (the deletes and patches).
    #[arg(short, long, value_enum, default_value_t = PlanFormat::Text)]
    pub output: PlanFormat,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

/// Arguments of `deprovision apply`.
#[derive(Debug, Args)]
pub struct DeprovisionApplyArgs {
    /// The plan file (`deprovision plan -o json`), or `-` for stdin.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Check the plan against the live cluster and server-side dry-run it (implied by --yes).
    #[arg(long)]
    pub cluster: bool,
    /// Execute the plan (otherwise nothing is changed).
    #[arg(long)]
    pub yes: bool,
    /// Kubeconfig file [default: $KUBECONFIG, then ~/.kube/config, then in-cluster].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: the current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Output: text or json.
    #[arg(short, long, value_enum, default_value_t = TextFormat::Text)]
    pub output: TextFormat,
    /// Delete a pod whose eviction a PodDisruptionBudget refuses, instead of stopping before any change (node plans). Without it Stockade never forces a drain.
    #[arg(long)]
    pub force_drain: bool,
    /// Testing aid: fail the real call after N successful ones, as a crash part-way would.
    #[arg(long, value_name = "N", hide = true)]
    pub fail_after: Option<usize>,
}

/// Arguments of `deprovision verify`.
#[derive(Debug, Args)]
pub struct DeprovisionVerifyArgs {
    /// user:NAME, group:NAME, sa:NAMESPACE/NAME, namespace:NAME, workload:NAMESPACE/KIND/NAME or node:NAME.
    #[arg(value_name = "TARGET", value_parser = parse_deprovision_target)]
    pub target: stockade_deprovision::Target,
    #[command(flatten)]
    pub input: InputArgs,
    /// Also check that every object this plan file deletes is gone and every subject it removes is absent.
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    /// Also ask SubjectAccessReview in this namespace (repeatable; namespaces of current bindings and of journalled applies for TARGET are always asked).
    #[arg(short = 'n', long = "namespace", value_name = "NS")]
    pub namespaces: Vec<String>,
    /// A group the subject is in (repeatable): checked too, with SubjectAccessReview and the RBAC engine. Group membership lives in the identity provider; without --group only the implicit groups (system:authenticated, …) are assumed, and the verdict says so.
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Output: text or json.
    #[arg(short, long, value_enum, default_value_t = TextFormat::Text)]
    pub output: TextFormat,
}

/// Arguments of `deprovision history`.
#[derive(Debug, Args)]
pub struct DeprovisionHistoryArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Show the actions of this entry too.
    #[arg(value_name = "ID")]
    pub id: Option<i64>,
    /// Output: text or json.
    #[arg(short, long, value_enum, default_value_t = TextFormat::Text)]
    pub output: TextFormat,
}

/// The forms of the de-provisioning record.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
#[allow(missing_docs)] // help texts of the values would change `--help`
pub enum RecordFormat {
    Markdown,
    Html,
    Json,
}

/// Arguments of `deprovision report`.
#[derive(Debug, Args)]
pub struct DeprovisionReportArgs {
    /// The journal id of one run (see `deprovision history`).
    #[arg(
        value_name = "ID",
        required_unless_present = "since",
        conflicts_with = "since"
    )]
    pub id: Option<i64>,
    /// Every run started at or after this time (2026-01-02T15:04:05Z, 2026-01-02) or this long ago (30m, 2h, 7d).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// API server audit log (file, .gz, or a directory of rotated files; repeatable): match each action to its audit event and report changes to the same objects by anyone else.
    #[arg(long = "audit-log", value_name = "PATH")]
    pub audit_log: Vec<PathBuf>,
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Output: markdown, html (one self-contained page) or json.
    #[arg(short, long, value_enum, default_value_t = RecordFormat::Markdown)]
    pub output: RecordFormat,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

/// Arguments of `deprovision undo`.
#[derive(Debug, Args)]
pub struct DeprovisionUndoArgs {
    /// The journal id of the apply to undo (see `deprovision history`).
    #[arg(value_name = "ID")]
    pub id: i64,
    /// Execute the undo (otherwise checks and server-side dry-run only).
    #[arg(long)]
    pub yes: bool,
    /// Kubeconfig file [default: $KUBECONFIG, then ~/.kube/config, then in-cluster].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: the current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Output: text or json.
    #[arg(short, long, value_enum, default_value_t = TextFormat::Text)]
    pub output: TextFormat,
}

/// `-o` of the report commands: the names of [`stockade_report::Format`], listed in `--help`
/// and completions, parsed into the enum.
fn report_format() -> impl clap::builder::TypedValueParser<Value = stockade_report::Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(stockade_report::Format::NAMES).map(|s| {
        // Every name PossibleValuesParser accepts parses.
        stockade_report::Format::parse(&s).unwrap_or(stockade_report::Format::Table)
    })
}

/// Arguments of `webhook`.
#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: WebhookCommand,
}

/// `webhook` subcommands.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Serve the validating admission webhook: POST /validate (AdmissionReview v1), /healthz, /readyz, /metrics.
    Serve(Box<WebhookServeArgs>),
    /// Write `ca.crt`, `ca.key`, `tls.crt` and `tls.key` (keys mode 0600) for a cluster without cert-manager.
    Certs(WebhookCertsArgs),
    /// Print the manifests that deploy the webhook: Namespace, ServiceAccount, RBAC for its watch
    /// cache, Service, Deployment, PodDisruptionBudget, NetworkPolicy and the
    /// ValidatingWebhookConfiguration.
    Manifests(WebhookManifestsArgs),
}

/// Arguments of `webhook serve`.
#[derive(Debug, Args)]
pub struct WebhookServeArgs {
    /// Address to listen on; plain HTTP (without --tls-cert) only on loopback addresses.
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:8443")]
    pub listen: String,
    /// Serving certificate chain (PEM); re-read when it changes on disk.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Private key of the serving certificate (PEM); re-read when it changes on disk.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The webhook's own namespace, never judged [default: $POD_NAMESPACE].
    #[arg(long, value_name = "NS", env = "POD_NAMESPACE")]
    pub namespace: Option<String>,
    /// Settings file: rules, severities, options, suppressions and the `admission:` section
    /// [default: none; the built-in defaults].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The PodSecurity admission configuration the API server uses (AdmissionConfiguration or
    /// PodSecurityConfiguration): its defaults and exemptions [default: privileged, no exemptions].
    #[arg(long, value_name = "FILE")]
    pub pod_security_config: Option<PathBuf>,
    /// Do not watch the cluster: rules that need other objects (namespace labels,
    /// ServiceAccounts, NetworkPolicies) are not judged, and /readyz is ready at once.
    #[arg(long, conflicts_with_all = ["kubeconfig", "context"])]
    pub no_cluster: bool,
    /// ValidatingAdmissionPolicies and bindings (with their params) to judge requests with, besides the rules: a file or directory (repeatable). Deny denies, Warn warns, Audit records.
    #[arg(long, value_name = "PATH")]
    pub policy: Vec<String>,
    /// Kubeconfig for the watch cache [default: $KUBECONFIG, then ~/.kube/config, then in-cluster].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: the current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

/// Arguments of `webhook certs`.
#[derive(Debug, Args)]
pub struct WebhookCertsArgs {
    /// Directory to write to (created if missing).
    pub dir: PathBuf,
    /// The webhook's Service name; the certificate names NAME, NAME.NS, NAME.NS.svc and NAME.NS.svc.cluster.local.
    #[arg(long, default_value = "stockade-webhook")]
    pub service: String,
    /// The webhook's namespace.
    #[arg(long, default_value = "stockade")]
    pub namespace: String,
    /// Extra subject alternative names: DNS names or IP addresses (repeatable).
    #[arg(long = "san", value_name = "NAME|IP")]
    pub sans: Vec<String>,
    /// Validity of both certificates, in days.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `webhook manifests`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("ca").required(true).args(["cert_manager", "ca_bundle"])))]
pub struct WebhookManifestsArgs {
    /// The namespace the webhook runs in (created by the manifests; never judged).
    #[arg(long, default_value = "stockade")]
    pub namespace: String,
    /// Name of the Service, Deployment and webhook configuration (the TLS Secret is NAME-tls).
    #[arg(long, default_value = "stockade-webhook")]
    pub name: String,
    /// Container image [default: ghcr.io/stockade-dev/stockade:VERSION, this binary's version].
    #[arg(long)]
    pub image: Option<String>,
    /// Let cert-manager issue the serving certificate (a self-signed CA Issuer and a
    /// Certificate) and inject the CA into the webhook configuration.
    #[arg(long)]
    pub cert_manager: bool,
    /// The CA certificate (PEM) that signed the serving certificate, for the caBundle (e.g.
    /// ca.crt from `webhook certs`).
    #[arg(long, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,
    /// What the API server does when the webhook cannot be reached: Ignore admits the request
    /// unjudged, Fail rejects it.
    #[arg(long, value_enum, default_value_t = FailurePolicy::Ignore)]
    pub failure_policy: FailurePolicy,
    /// How long the API server waits for a decision, in seconds.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u8).range(1..=30))]
    pub timeout_seconds: u8,
    /// Write to FILE instead of standard output.
    /// A settings file (`.stockade.yaml` with its `admission:` section) for the webhook: checked,
    /// shipped in a ConfigMap and passed with --config; pods restart when it changes.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// A webhook's `failurePolicy`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Admit requests unjudged while the webhook is unreachable.
    #[value(name = "Ignore")]
    Ignore,
    /// Reject matching requests while the webhook is unreachable.
    #[value(name = "Fail")]
    Fail,
}
