//! Evaluating a benchmark on a node: each recommendation's test ([`crate::data::Test`]) asked
//! of the [`Node`], with version-aware defaults for absent flags ([`crate::defaults`]), and the
//! cluster-level recommendations answered by whoever holds the cluster's objects
//! ([`Engines`]: Stockade's rules, RBAC, Pod Security and NetworkPolicy engines, wired by the
//! command). Every outcome carries the values observed and where each was read.

use crate::data::{Assessment, Benchmark, Check, Role, Test};
use crate::node::{Node, Target};
use crate::ops::Op;
use crate::process::Component;
use crate::{defaults, encryption, files};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The result of one recommendation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The node (or cluster) meets it.
    Pass,
    /// It does not.
    Fail,
    /// It does not, and the benchmark leaves the threshold to judgement; or it could not be
    /// checked (a file missing or unreadable).
    Warn,
    /// A person must check it (the audit procedure says how); observed values are shown.
    Manual,
    /// Not about this node (its role, or a component that does not run here).
    Skip,
}

impl Status {
    /// `PASS`, `FAIL`, … as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Warn => "WARN",
            Status::Manual => "MANUAL",
            Status::Skip => "SKIP",
        }
    }
}

/// One value looked at, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Observed {
    /// What (`kube-apiserver --anonymous-auth`, a file's mode).
    pub what: String,
    /// The value (`None`: not set and no default).
    pub value: Option<String>,
    /// Where it was read: `FILE:LINE:COL`, `flag … of pid N`, `default of … v1.36`, a path.
    pub source: String,
}

/// What the cluster says about one recommendation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterAnswer {
    /// The rules that answer it (their ids).
    pub rules: Vec<String>,
    /// One line per finding of those rules (`WL001 Pod default/web: …`).
    pub findings: Vec<String>,
}

/// What a node cannot answer alone, supplied by the command.
pub trait Engines {
    /// The answer to a cluster-level recommendation titled `title`, from the rules mapped to
    /// it; `None` when no rule answers it.
    fn cluster(&self, title: &str) -> Option<ClusterAnswer>;
    /// Whether the cluster's objects were given at all (`--cluster` or manifests).
    fn has_cluster(&self) -> bool;
    /// The audit-policy rules' findings on the policy file's text (one line each).
    fn audit_policy(&self, path: &Path, text: &str) -> Result<Vec<String>, String>;
}

/// No cluster given.
pub struct NoEngines;

impl Engines for NoEngines {
    fn cluster(&self, _: &str) -> Option<ClusterAnswer> {
        None
    }
    fn has_cluster(&self) -> bool {
        false
    }
    fn audit_policy(&self, _: &Path, _: &str) -> Result<Vec<String>, String> {
        Err("no audit-policy checker given".into())
    }
}

/// One recommendation's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// `1.2.1`.
    pub id: String,
    /// Published title.
    pub title: String,
    /// Section id (`1.2`).
    pub section: String,
    /// As published.
    pub assessment: Assessment,
    /// Whether Stockade answered it (a test ran and decided it).
    pub automated: bool,
    /// The result.
    pub status: Status,
    /// Why, in a line (`"true", expected "false"`).
    pub reason: String,
    /// What was looked at.
    pub observed: Vec<Observed>,
    /// What to change.
    pub remediation: String,
    /// How a person checks it.
    pub audit: String,
    /// Set when a suppression applies: its reason (the outcome no longer counts for the exit
    /// code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

/// Which roles to evaluate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roles(pub BTreeSet<Role>);

impl Roles {
    /// The roles this node plays: master when an API server runs or is configured, etcd when
    /// etcd does, worker when a kubelet does.
    pub fn detect(node: &Node) -> Roles {
        let mut r = BTreeSet::new();
        if node.runs(Component::ApiServer) {
            r.insert(Role::Master);
        }
        if node.runs(Component::Etcd) {
            r.insert(Role::Etcd);
        }
        if node.runs(Component::Kubelet) {
            r.insert(Role::Worker);
        }
        Roles(r)
    }
}

/// The whole evaluation.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// Benchmark id.
    pub benchmark: String,
    /// Benchmark title.
    pub title: String,
    /// The Kubernetes minor version used for defaults, and where it came from.
    pub version: (String, String),
    /// Roles evaluated.
    pub roles: Vec<Role>,
    /// The layout detected.
    pub distribution: String,
    /// Outcomes, in the benchmark's order.
    pub outcomes: Vec<Outcome>,
    /// Section ids and titles, in order.
    #[serde(skip)]
    pub sections: Vec<(String, String)>,
    /// What could not be read on the node (each names its file); any makes the run partial.
    pub problems: Vec<String>,
}

impl Evaluation {
    /// Outcomes counted by status, suppressed ones apart.
    pub fn counts(&self, section: Option<&str>) -> Counts {
        let mut c = Counts::default();
        for o in &self.outcomes {
            if section.is_some_and(|s| o.section != s) {
                continue;
            }
            if o.suppressed.is_some() {
                c.suppressed += 1;
                continue;
            }
            match o.status {
                Status::Pass => c.pass += 1,
                Status::Fail => c.fail += 1,
                Status::Warn => c.warn += 1,
                Status::Manual => c.manual += 1,
                Status::Skip => c.skip += 1,
            }
        }
        c
    }
}

/// Outcomes by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// PASS.
    pub pass: usize,
    /// FAIL.
    pub fail: usize,
    /// WARN.
    pub warn: usize,
    /// MANUAL.
    pub manual: usize,
    /// SKIP.
    pub skip: usize,
    /// Suppressed, whatever their status.
    pub suppressed: usize,
}

enum Answer {
    Pass(String),
    Fail(String),
    /// Only shown; a person judges.
    Show,
    /// Not about this node.
    NotHere(String),
    /// Could not be checked.
    Cannot(String),
    /// No test answers it.
    Manual(String),
}

struct Ctx<'a> {
    node: &'a Node,
    engines: &'a dyn Engines,
    minor: u32,
    title: &'a str,
    seen: Vec<Observed>,
}

/// Evaluates `b` on `node` for `roles` (Kubernetes `version` `1.36` for defaults).
pub fn evaluate(
    b: &Benchmark,
    node: &Node,
    roles: &Roles,
    version: (String, String),
    engines: &dyn Engines,
) -> Evaluation {
    let minor = version
        .0
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or(u32::MAX);
    let mut outcomes = Vec::with_capacity(b.checks.len());
    for c in &b.checks {
        let section = crate::data::section_of(b, &c.id);
        let role = section.map(|s| s.role).unwrap_or(Role::Cluster);
        let mut ctx = Ctx {
            node,
            engines,
            minor,
            title: &c.title,
            seen: Vec::new(),
        };
        let answer = if role != Role::Cluster && !roles.0.contains(&role) {
            Answer::NotHere(format!("this node is not evaluated as {}", role.as_str()))
        } else if role != Role::Cluster
            && role != Role::Worker
            && node.distribution.managed()
            && !node.runs(Component::ApiServer)
        {
            Answer::NotHere(format!(
                "the {} control plane is run by the provider and cannot be inspected from a node",
                node.distribution.as_str()
            ))
        } else {
            match &c.check {
                None => Answer::Manual("only a person can check this".into()),
                Some(t) => ctx.test(t),
            }
        };
        outcomes.push(outcome(c, section.map(|s| s.id.clone()), answer, ctx.seen));
    }
    Evaluation {
        benchmark: b.id.clone(),
        title: b.title.clone(),
        version,
        roles: roles.0.iter().copied().collect(),
        distribution: node.distribution.as_str().to_string(),
        outcomes,
        sections: b
            .sections
            .iter()
            .map(|s| (s.id.clone(), s.title.clone()))
            .collect(),
        problems: node.problems.clone(),
    }
}

fn outcome(c: &Check, section: Option<String>, a: Answer, observed: Vec<Observed>) -> Outcome {
    let (status, reason, automated) = match a {
        Answer::Pass(r) => (Status::Pass, r, true),
        Answer::Fail(r) => match &c.judgement {
            Some(j) => (Status::Warn, format!("{r}; {j}"), true),
            None => (Status::Fail, r, true),
        },
        Answer::Show => (
            Status::Manual,
            c.judgement
                .clone()
                .unwrap_or_else(|| "shown for you to judge".into()),
            false,
        ),
        Answer::NotHere(r) => (Status::Skip, r, false),
        Answer::Cannot(r) => (Status::Warn, format!("cannot be checked: {r}"), false),
        Answer::Manual(r) => (Status::Manual, r, false),
    };
    Outcome {
        id: c.id.clone(),
        title: c.title.clone(),
        section: section.unwrap_or_default(),
        assessment: c.assessment,
        automated,
        status,
        reason,
        observed,
        remediation: c.remediation.clone(),
        audit: c.audit.clone(),
        suppressed: None,
    }
}

/// Whether a value named so is a credential (shown as `<redacted>`): no check asks for one,
/// but a distribution's command line may carry one (`k3s server --token`).
fn sensitive(what: &str) -> bool {
    let w = what.to_ascii_lowercase();
    let name = w.rsplit(' ').next().unwrap_or(&w);
    (name.contains("token") || name.contains("secret") || name.contains("password"))
        && !name.ends_with("-file")
        && !name.ends_with("file")
        && !name.contains("expiration")
}

/// `kube-apiserver --profiling` → (component, `profiling`); `kubelet authentication.x` →
/// (kubelet, setting).
enum Ref {
    Flag(Component, String),
    Setting(String),
}

fn component(name: &str) -> Option<Component> {
    Some(match name {
        "kube-apiserver" => Component::ApiServer,
        "kube-controller-manager" => Component::ControllerManager,
        "kube-scheduler" => Component::Scheduler,
        "etcd" => Component::Etcd,
        "kubelet" => Component::Kubelet,
        "kube-proxy" => Component::Proxy,
        _ => return None,
    })
}

/// The name of a component as written in the data.
pub fn component_name(c: Component) -> &'static str {
    match c {
        Component::ApiServer => "kube-apiserver",
        Component::ControllerManager => "kube-controller-manager",
        Component::Scheduler => "kube-scheduler",
        Component::Etcd => "etcd",
        Component::Kubelet => "kubelet",
        Component::Proxy => "kube-proxy",
    }
}

fn parse_ref(s: &str) -> Result<Ref, String> {
    let (c, rest) = s
        .split_once(' ')
        .ok_or_else(|| format!("{s:?}: expected `COMPONENT --flag`"))?;
    let comp = component(c).ok_or_else(|| format!("{s:?}: unknown component {c}"))?;
    match rest.strip_prefix("--") {
        Some(f) => Ok(Ref::Flag(comp, f.to_string())),
        None if comp == Component::Kubelet => Ok(Ref::Setting(rest.to_string())),
        None => Err(format!("{s:?}: expected `COMPONENT --flag`")),
    }
}

fn op_of(t: &Test) -> Option<Op> {
    let list = |v: &Vec<String>| v.clone();
    Some(if let Some(v) = &t.eq {
        Op::Eq(v.to_string())
    } else if let Some(v) = &t.ne {
        Op::Ne(v.to_string())
    } else if let Some(n) = t.gte {
        Op::Gte(n)
    } else if let Some(n) = t.lte {
        Op::Lte(n)
    } else if let Some(v) = &t.has {
        Op::Has(v.clone())
    } else if let Some(v) = &t.has_not {
        Op::HasNot(v.clone())
    } else if let Some(v) = &t.one_of {
        Op::In(list(v))
    } else if let Some(v) = &t.not_in {
        Op::NotIn(list(v))
    } else if let Some(v) = &t.valid_elements {
        Op::ValidElements(list(v))
    } else if t.present == Some(true) || t.absent == Some(false) {
        Op::Present
    } else if t.absent == Some(true) || t.present == Some(false) {
        Op::Absent
    } else if let Some(m) = &t.mode {
        Op::ModeAtMost(crate::ops::parse_mode(m)?)
    } else if let Some(o) = &t.owner {
        Op::Owner(o.clone())
    } else if t.loopback == Some(true) {
        Op::Loopback
    } else {
        return None;
    })
}

/// At most this many findings are listed under a cluster-level recommendation.
const MAX_CLUSTER_SHOWN: usize = 20;

/// At most this many entries of a directory tree are checked.
const MAX_TREE: usize = 10_000;

impl Ctx<'_> {
    fn test(&mut self, t: &Test) -> Answer {
        if let Some(list) = &t.all {
            let mut reasons = Vec::new();
            for sub in list {
                match self.test(sub) {
                    Answer::Pass(r) => reasons.push(r),
                    other => return other,
                }
            }
            return Answer::Pass(reasons.join("; "));
        }
        if let Some(list) = &t.any {
            let mut fails = Vec::new();
            let mut worst: Option<Answer> = None;
            // With no pass and no fail, the most telling other answer: a check that could
            // not be made, then one for a person, then one not about this node.
            let rank = |a: &Answer| match a {
                Answer::Cannot(_) => 3,
                Answer::Manual(_) | Answer::Show => 2,
                _ => 1,
            };
            for sub in list {
                match self.test(sub) {
                    Answer::Pass(r) => return Answer::Pass(r),
                    Answer::Fail(r) => fails.push(r),
                    other => {
                        if worst.as_ref().is_none_or(|w| rank(&other) > rank(w)) {
                            worst = Some(other);
                        }
                    }
                }
            }
            return match worst {
                Some(w) if fails.is_empty() => w,
                _ => Answer::Fail(fails.join("; and ")),
            };
        }
        if t.cluster {
            return self.cluster();
        }
        if let Some(f) = &t.flag {
            return self.flag(f, t);
        }
        if let Some(s) = &t.kubelet {
            return self.kubelet(s, t);
        }
        if let Some(p) = &t.admission_plugin {
            return self.plugin(p, t.enabled.unwrap_or(true));
        }
        if t.encryption.is_some() {
            return self.encryption(t);
        }
        if t.audit_policy {
            return self.audit_policy();
        }
        if let Some(levels) = &t.pod_security_defaults {
            return self.pod_security(levels);
        }
        if let Some(refs) = &t.distinct_files {
            return self.distinct(refs);
        }
        self.files(t)
    }

    fn see(&mut self, what: impl Into<String>, value: Option<String>, source: impl Into<String>) {
        let what = what.into();
        let value = if sensitive(&what) {
            value.map(|_| "<redacted>".to_string())
        } else {
            value
        };
        let mut source = source.into();
        if sensitive(&what) && source.starts_with("flag --") {
            source = "flag (value redacted)".into();
        }
        self.seen.push(Observed {
            what,
            value,
            source,
        });
    }

    fn compare(&self, t: &Test, what: &str, value: Option<&str>) -> Answer {
        if t.show == Some(true) {
            return Answer::Show;
        }
        let Some(op) = op_of(t) else {
            return Answer::Cannot(format!("{what}: the test makes no comparison"));
        };
        match op.check(value) {
            Ok(()) => Answer::Pass(match value {
                Some(v) => format!("{what} is {v:?}"),
                None => format!("{what} is not set"),
            }),
            Err(e) => Answer::Fail(format!("{what}: {}", e.0)),
        }
    }

    /// A flag's effective value: as written, else its default for the version.
    fn flag_value(&mut self, c: Component, name: &str) -> Result<Option<String>, Answer> {
        if !self.node.runs(c) {
            return Err(Answer::NotHere(format!(
                "{} does not run on this node",
                component_name(c)
            )));
        }
        let what = format!("{} --{name}", component_name(c));
        let o = self
            .node
            .observe(&Target::Flag(c, name.to_string()))
            .map_err(|u| Answer::Cannot(u.0))?;
        if o.value.is_some() {
            self.see(&what, o.value.clone(), o.source);
            return Ok(o.value);
        }
        if c == Component::ApiServer
            && name == "authorization-mode"
            && let Some(v) = self.authorizers()?
        {
            return Ok(Some(v));
        }
        if self.node.distribution == crate::node::Distribution::K3s
            && let Some(d) = crate::k3s::builtin(c, name)
        {
            self.see(
                &what,
                Some(d.to_string()),
                format!("k3s built-in argument ({})", o.source),
            );
            return Ok(Some(d.to_string()));
        }
        match defaults::flag(c, name, self.minor) {
            Some(d) => {
                self.see(
                    &what,
                    Some(d.to_string()),
                    format!(
                        "default of {} {} ({})",
                        component_name(c),
                        self.version_text(),
                        o.source
                    ),
                );
                Ok(Some(d.to_string()))
            }
            None => {
                self.see(&what, None, o.source);
                Ok(None)
            }
        }
    }

    fn version_text(&self) -> String {
        if self.minor == u32::MAX {
            "(version unknown)".into()
        } else {
            format!("v1.{}", self.minor)
        }
    }

    /// With `--authorization-config`, the authorizers come from that file (and
    /// `--authorization-mode` cannot be given): their types, in order.
    fn authorizers(&mut self) -> Result<Option<String>, Answer> {
        let o = self
            .node
            .observe(&Target::Flag(
                Component::ApiServer,
                "authorization-config".into(),
            ))
            .map_err(|u| Answer::Cannot(u.0))?;
        let Some(path) = o.value else { return Ok(None) };
        let text = self
            .node
            .read_file(Path::new(&path))
            .map_err(Answer::Cannot)?;
        let loaded =
            stockade_sources::yaml::load(&text, 0, stockade_sources::yaml::YamlLimits::default())
                .map_err(|e| Answer::Cannot(format!("{path}: {e}")))?;
        let Some(list) = loaded.docs.first().and_then(|d| d.get("authorizers")) else {
            return Err(Answer::Cannot(format!("{path}: no authorizers")));
        };
        let types: Vec<&str> = list
            .items()
            .iter()
            .filter_map(|a| a.get("type").and_then(stockade_sources::Node::as_str))
            .collect();
        let v = types.join(",");
        self.see(
            "kube-apiserver authorizers",
            Some(v.clone()),
            format!("{path}:{}:{}", list.pos.line, list.pos.col),
        );
        Ok(Some(v))
    }

    fn flag(&mut self, r: &str, t: &Test) -> Answer {
        let (c, name) = match parse_ref(r) {
            Ok(Ref::Flag(c, n)) => (c, n),
            Ok(Ref::Setting(_)) | Err(_) => {
                return Answer::Cannot(format!("{r:?} is not a flag"));
            }
        };
        match self.flag_value(c, &name) {
            Ok(v) => self.compare(t, &format!("{} --{name}", component_name(c)), v.as_deref()),
            Err(a) => a,
        }
    }

    fn kubelet(&mut self, setting: &str, t: &Test) -> Answer {
        if !self.node.runs(Component::Kubelet) {
            return Answer::NotHere("no kubelet runs on this node".into());
        }
        match self.node.observe(&Target::Kubelet(setting.to_string())) {
            Ok(o) => {
                let what = format!("kubelet {setting}");
                self.see(&what, o.value.clone(), o.source);
                self.compare(t, &what, o.value.as_deref())
            }
            Err(u) => Answer::Cannot(u.0),
        }
    }

    fn plugin(&mut self, name: &str, want: bool) -> Answer {
        let on = match self.flag_value(Component::ApiServer, "enable-admission-plugins") {
            Ok(v) => v,
            Err(a) => return a,
        };
        let off = match self.flag_value(Component::ApiServer, "disable-admission-plugins") {
            Ok(v) => v,
            Err(a) => return a,
        };
        let listed = |v: &Option<String>| {
            v.as_deref()
                .is_some_and(|l| l.split(',').any(|p| p.trim() == name))
        };
        let (enabled, why) = if listed(&on) {
            (true, "named by --enable-admission-plugins")
        } else if listed(&off) {
            (false, "named by --disable-admission-plugins")
        } else if defaults::DEFAULT_ON_PLUGINS.contains(&name) {
            (true, "enabled by default")
        } else {
            (false, "not enabled by default and not named")
        };
        let state = if enabled { "enabled" } else { "not enabled" };
        if enabled == want {
            Answer::Pass(format!("admission plugin {name} is {state} ({why})"))
        } else {
            Answer::Fail(format!("admission plugin {name} is {state} ({why})"))
        }
    }

    fn encryption(&mut self, t: &Test) -> Answer {
        let path = match self.flag_value(Component::ApiServer, "encryption-provider-config") {
            Ok(Some(p)) => p,
            Ok(None) => {
                return Answer::Fail(
                    "no --encryption-provider-config: Secrets are stored in plaintext".into(),
                );
            }
            Err(a) => return a,
        };
        let text = match self.node.read_file(Path::new(&path)) {
            Ok(t) => t,
            Err(e) => return Answer::Cannot(e),
        };
        let f = match encryption::secrets(Path::new(&path), &text) {
            Ok(f) => f,
            Err(e) => return Answer::Cannot(e),
        };
        let source = format!("{path}:{}:{}", f.line, f.column);
        let (provider, note) = match &f.verdict {
            encryption::Verdict::Encrypted { provider } => (provider.clone(), String::new()),
            encryption::Verdict::Weak { provider, why } => (provider.clone(), format!(" ({why})")),
            encryption::Verdict::Plaintext { why } => {
                self.see("provider writing Secrets", Some("identity".into()), source);
                return Answer::Fail(format!("Secrets are stored in plaintext: {why}"));
            }
        };
        self.see("provider writing Secrets", Some(provider.clone()), source);
        let family = provider.split_whitespace().next().unwrap_or(&provider);
        let allowed = t.one_of.clone().unwrap_or_default();
        if allowed.iter().any(|a| a == family) || allowed.is_empty() {
            Answer::Pass(format!("Secrets are written by {provider}{note}"))
        } else {
            Answer::Fail(format!(
                "Secrets are written by {provider}{note}, not one of {}",
                allowed.join(", ")
            ))
        }
    }

    fn audit_policy(&mut self) -> Answer {
        let path = match self.flag_value(Component::ApiServer, "audit-policy-file") {
            Ok(Some(p)) => p,
            Ok(None) => return Answer::Fail("no --audit-policy-file: nothing is audited".into()),
            Err(a) => return a,
        };
        let text = match self.node.read_file(Path::new(&path)) {
            Ok(t) => t,
            Err(e) => return Answer::Cannot(e),
        };
        match self.engines.audit_policy(Path::new(&path), &text) {
            Ok(f) if f.is_empty() => Answer::Pass(format!(
                "{path}: no finding of Stockade's audit-policy rules"
            )),
            Ok(f) => Answer::Fail(format!("{path}: {}", f.join("; "))),
            Err(e) => Answer::Cannot(e),
        }
    }

    /// The PodSecurity admission's default enforce level for namespaces without labels, read
    /// by the PSS engine from the API server's admission configuration below the node root.
    fn pod_security(&mut self, levels: &[String]) -> Answer {
        if let Answer::Fail(why) = self.plugin("PodSecurity", true) {
            return Answer::Fail(why);
        }
        let path = match self.flag_value(Component::ApiServer, "admission-control-config-file") {
            Ok(p) => p,
            Err(a) => return a,
        };
        let (level, source) = match &path {
            None => (
                "privileged".to_string(),
                "no --admission-control-config-file: the built-in defaults".to_string(),
            ),
            Some(p) => {
                let node = self.node;
                let read = |f: &Path| {
                    node.read_file(f)
                        .map_err(|message| stockade_pss::ConfigError::Parse {
                            path: f.to_path_buf(),
                            message,
                        })
                };
                match stockade_pss::AdmissionConfig::read_with(Path::new(p), &read) {
                    Ok(cfg) => (cfg.defaults.enforce.to_string(), p.clone()),
                    Err(stockade_pss::ConfigError::Parse { message, .. })
                        if message.contains("no `PodSecurity` plugin entry") =>
                    {
                        (
                            "privileged".to_string(),
                            format!("{p}: no PodSecurity entry"),
                        )
                    }
                    Err(e) => return Answer::Cannot(e.to_string()),
                }
            }
        };
        self.see("PodSecurity default enforce", Some(level.clone()), source);
        let name = level.split(':').next().unwrap_or(&level);
        if levels.iter().any(|l| l == name) {
            Answer::Pass(format!(
                "the PodSecurity admission enforces {level} in every namespace without its own label"
            ))
        } else {
            Answer::Show
        }
    }

    fn cluster(&mut self) -> Answer {
        if !self.engines.has_cluster() {
            return Answer::Manual(
                "answered from the cluster's objects: run with --cluster (or give manifests)"
                    .into(),
            );
        }
        match self.engines.cluster(self.title) {
            None => Answer::Manual("no Stockade rule answers this; follow the audit".into()),
            Some(a) if a.findings.is_empty() => Answer::Pass(format!(
                "no finding of {} on the cluster's objects",
                a.rules.join(", ")
            )),
            Some(a) => {
                for f in a.findings.iter().take(MAX_CLUSTER_SHOWN) {
                    self.see(f.clone(), None, "cluster");
                }
                if a.findings.len() > MAX_CLUSTER_SHOWN {
                    self.see(
                        format!(
                            "and {} more finding(s): `stockade scan` lists them all",
                            a.findings.len() - MAX_CLUSTER_SHOWN
                        ),
                        None,
                        "cluster",
                    );
                }
                Answer::Fail(format!(
                    "{} finding(s) of {}",
                    a.findings.len(),
                    a.rules.join(", ")
                ))
            }
        }
    }

    /// The path a reference names (`kubelet --kubeconfig`, `etcd --data-dir`).
    fn path_of(&mut self, r: &str, default: Option<&str>) -> Result<Option<PathBuf>, Answer> {
        let v = match parse_ref(r).map_err(Answer::Cannot)? {
            Ref::Flag(c, name) => self.flag_value(c, &name)?,
            Ref::Setting(s) => {
                if !self.node.runs(Component::Kubelet) {
                    return Err(Answer::NotHere("no kubelet runs on this node".into()));
                }
                let o = self
                    .node
                    .observe(&Target::Kubelet(s.clone()))
                    .map_err(|u| Answer::Cannot(u.0))?;
                self.see(format!("kubelet {s}"), o.value.clone(), o.source);
                o.value
            }
        };
        Ok(v.or_else(|| default.map(str::to_string)).map(PathBuf::from))
    }

    fn distinct(&mut self, refs: &[String]) -> Answer {
        let mut contents = Vec::new();
        for r in refs {
            let p = match self.path_of(r, None) {
                Ok(Some(p)) => p,
                Ok(None) => return Answer::Cannot(format!("{r} is not set")),
                Err(a) => return a,
            };
            match files::resolve(self.node.root(), &p)
                .and_then(|real| std::fs::read(&real).map_err(|e| format!("{}: {e}", p.display())))
            {
                Ok(b) => contents.push((r.clone(), p, b)),
                Err(e) => return Answer::Cannot(e),
            }
        }
        for (i, a) in contents.iter().enumerate() {
            for b in &contents[i + 1..] {
                if a.2 == b.2 {
                    return Answer::Fail(format!(
                        "{} ({}) and {} ({}) are the same certificate authority",
                        a.0,
                        a.1.display(),
                        b.0,
                        b.1.display()
                    ));
                }
            }
        }
        Answer::Pass("the certificate authorities differ".into())
    }

    fn files(&mut self, t: &Test) -> Answer {
        let Some(op) = op_of(t) else {
            return Answer::Cannot("the file test makes no comparison".into());
        };
        let kind = if t.mode.is_some() { "mode" } else { "owner" };
        let mut paths: Vec<PathBuf> = Vec::new();
        if let Some(f) = &t.file {
            paths.extend(f.paths().into_iter().map(PathBuf::from));
        } else if let Some(r) = &t.file_of {
            match self.path_of(r, t.default.as_deref()) {
                Ok(Some(p)) => paths.push(p),
                Ok(None) if t.if_exists => {
                    return Answer::Pass(format!("{r} is not set: no such file"));
                }
                Ok(None) => return Answer::Cannot(format!("{r} is not set")),
                Err(a) => return a,
            }
        } else if let Some(dir) = &t.tree {
            match self.tree(Path::new(dir), t.glob.as_deref(), t.owner.is_some()) {
                Ok(list) => paths = list,
                Err(_) if t.if_exists => {
                    return Answer::Pass(format!("{dir} does not exist"));
                }
                Err(e) => return Answer::Cannot(e),
            }
            if paths.is_empty() {
                return if t.if_exists || t.glob.is_some() {
                    Answer::Pass(format!("no file to check under {dir}"))
                } else {
                    Answer::Cannot(format!("{dir} is empty"))
                };
            }
        }
        let mut bad = Vec::new();
        let mut checked = 0;
        let mut missing = Vec::new();
        for p in &paths {
            match files::stat(self.node.root(), p) {
                Ok(info) => {
                    checked += 1;
                    let value = if t.mode.is_some() {
                        format!("{:o}", info.mode & 0o7777)
                    } else {
                        info.owner.clone()
                    };
                    if let Err(e) = op.check(Some(&value)) {
                        bad.push(format!("{}: {}", p.display(), e.0));
                    }
                    if paths.len() <= 5 || bad.len() <= 5 {
                        self.see(
                            format!("{kind} of {}", p.display()),
                            Some(value),
                            p.display().to_string(),
                        );
                    }
                }
                Err(e) if e.contains("No such file") || e.contains("not found") => {
                    missing.push(p.display().to_string());
                }
                Err(e) => return Answer::Cannot(e),
            }
        }
        if !bad.is_empty() {
            let more = if bad.len() > 5 {
                format!(" (and {} more)", bad.len() - 5)
            } else {
                String::new()
            };
            bad.truncate(5);
            return Answer::Fail(format!("{}{more}", bad.join("; ")));
        }
        if checked == 0 {
            return if t.if_exists {
                Answer::Pass(format!("{} does not exist", missing.join(", ")))
            } else {
                Answer::Cannot(format!("not found: {}", missing.join(", ")))
            };
        }
        Answer::Pass(format!("{checked} file(s) checked, {kind} as required"))
    }

    /// The files below `dir` (only those ending as `glob`'s suffix), and with `dirs` the
    /// directories too, `dir` included (an owner applies to both; a file mode such as 600
    /// to files only: a directory needs its execute bit).
    fn tree(&self, dir: &Path, glob: Option<&str>, dirs: bool) -> Result<Vec<PathBuf>, String> {
        let suffix = glob.map(|g| g.trim_start_matches('*'));
        let dirs = dirs && suffix.is_none();
        let real = files::resolve(self.node.root(), dir)?;
        if !real.exists() {
            return Err(format!("{}: not found", dir.display()));
        }
        if !real.is_dir() {
            return Err(format!("{}: not a directory", dir.display()));
        }
        let mut out = Vec::new();
        if dirs {
            out.push(dir.to_path_buf());
        }
        let mut stack = vec![(dir.to_path_buf(), real)];
        while let Some((on_node, real)) = stack.pop() {
            let rd = std::fs::read_dir(&real).map_err(|e| format!("{}: {e}", on_node.display()))?;
            let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                if out.len() >= MAX_TREE {
                    return Ok(out);
                }
                let name = e.file_name();
                let p = on_node.join(&name);
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    if dirs {
                        out.push(p.clone());
                    }
                    stack.push((p, e.path()));
                } else if suffix.is_none_or(|s| name.to_string_lossy().ends_with(s)) {
                    out.push(p);
                }
            }
        }
        out.sort();
        Ok(out)
    }
}
