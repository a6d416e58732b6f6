//! Benchmarks as data: one YAML file per release under `crates/bench/data/`, embedded in the
//! binary. A file lists the sections (each for a node role) and every recommendation with its
//! id, title and assessment as published, the question Stockade asks of the node (`check`),
//! and the rationale, remediation and manual audit procedure in our own words. The operators a
//! check names are code ([`crate::ops`]); the checks are data a reviewer can read next to the
//! benchmark.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The embedded benchmarks, oldest first: (id, text).
const EMBEDDED: &[(&str, &str)] = &[
    ("cis-1.10", include_str!("../data/cis-1.10.yaml")),
    ("cis-1.11", include_str!("../data/cis-1.11.yaml")),
    ("cis-1.12", include_str!("../data/cis-1.12.yaml")),
];

/// Which nodes a section is about.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Control-plane nodes (API server, controller manager, scheduler).
    Master,
    /// Nodes running etcd.
    Etcd,
    /// Every node with a kubelet (control-plane nodes included).
    Worker,
    /// The cluster's objects (RBAC, pod security, network policies): answered with `--cluster`
    /// or manifests, not from a node.
    Cluster,
}

impl Role {
    /// As written in the data and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Etcd => "etcd",
            Role::Worker => "worker",
            Role::Cluster => "cluster",
        }
    }
}

/// As published: whether the benchmark calls the recommendation automated or manual.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Assessment {
    /// The benchmark gives a procedure a tool can follow.
    Automated,
    /// The benchmark leaves it to a person.
    Manual,
}

/// One benchmark release.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Benchmark {
    /// `cis-1.12`.
    pub id: String,
    /// `CIS Kubernetes Benchmark v1.12.0`.
    pub title: String,
    /// The Kubernetes minor versions it is written for (`1.32`); the newest benchmark also
    /// covers later versions until one is published for them.
    pub kubernetes: Vec<String>,
    /// Sections, in order.
    pub sections: Vec<Section>,
    /// Recommendations, in order.
    pub checks: Vec<Check>,
}

/// A section (`1.2 API Server`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Section {
    /// `1.2`.
    pub id: String,
    /// `API Server`.
    pub title: String,
    /// Which nodes it is about.
    pub role: Role,
}

/// One recommendation.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Check {
    /// `1.2.1`.
    pub id: String,
    /// The title as published, without the assessment in parentheses.
    pub title: String,
    /// As published.
    pub assessment: Assessment,
    /// What Stockade asks; absent when only a person can answer.
    #[serde(default)]
    pub check: Option<Test>,
    /// Set when the benchmark leaves the threshold to judgement: a failed test is a WARN, not
    /// a FAIL, and this says why.
    #[serde(default)]
    pub judgement: Option<String>,
    /// Why it matters.
    pub rationale: String,
    /// What to change.
    pub remediation: String,
    /// How a person checks it.
    pub audit: String,
}

/// What a check asks: exactly one subject, with one comparison (or `any`/`all` of tests).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Test {
    /// `kube-apiserver --anonymous-auth`: a component's flag.
    pub flag: Option<String>,
    /// `authentication.anonymous.enabled`: a kubelet setting, effective value.
    pub kubelet: Option<String>,
    /// One file or several (each that exists is checked).
    pub file: Option<OneOrMany>,
    /// The file a flag or kubelet setting names: `kubelet --kubeconfig`,
    /// `kubelet authentication.x509.clientCAFile`.
    pub file_of: Option<String>,
    /// Path used by `file-of` when the flag is not given.
    pub default: Option<String>,
    /// A directory and everything below it (`glob` narrows to names like `*.key`).
    pub tree: Option<String>,
    /// `*.crt`: only files whose name ends so (with `tree`).
    pub glob: Option<String>,
    /// A missing file passes (the benchmark says "if it exists").
    #[serde(default)]
    pub if_exists: bool,
    /// An admission plugin, with `enabled`.
    pub admission_plugin: Option<String>,
    /// Whether the plugin must be enabled.
    pub enabled: Option<bool>,
    /// `secrets`: the encryption provider writing Secrets, with `in`.
    pub encryption: Option<String>,
    /// Two files that must differ in content (each named as for `file-of`).
    pub distinct_files: Option<Vec<String>>,
    /// The API server's audit policy file, judged by Stockade's audit-policy rules.
    #[serde(default)]
    pub audit_policy: bool,
    /// The PodSecurity admission's cluster-wide default `enforce` level (from
    /// `--admission-control-config-file`): passes when it is one of these, else only shown.
    pub pod_security_defaults: Option<Vec<String>>,
    /// Answered by the rules that map to this recommendation, on the cluster's objects.
    #[serde(default)]
    pub cluster: bool,
    /// Passes when any passes.
    pub any: Option<Vec<Test>>,
    /// Passes when all pass.
    pub all: Option<Vec<Test>>,

    /// Comparisons (see [`crate::ops::Op`]).
    pub eq: Option<Scalar>,
    /// Not equal (absent passes).
    pub ne: Option<Scalar>,
    /// A number at least.
    pub gte: Option<i64>,
    /// A number at most.
    pub lte: Option<i64>,
    /// A comma-separated list holding this element.
    pub has: Option<String>,
    /// A comma-separated list not holding it (absent passes).
    pub has_not: Option<String>,
    /// One of these.
    #[serde(rename = "in")]
    pub one_of: Option<Vec<String>>,
    /// None of these (absent passes).
    pub not_in: Option<Vec<String>>,
    /// Every element one of these.
    pub valid_elements: Option<Vec<String>>,
    /// Must be given.
    pub present: Option<bool>,
    /// Must not be given.
    pub absent: Option<bool>,
    /// A file mode allowing at most these bits (`"600"`).
    pub mode: Option<String>,
    /// `user:group`.
    pub owner: Option<String>,
    /// An address (or `host:port`) on the loopback interface.
    pub loopback: Option<bool>,
    /// Only show the value: a person judges it.
    pub show: Option<bool>,
}

/// A YAML scalar compared as text.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Scalar {
    /// Text.
    Text(String),
    /// A number.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Text(s) => f.write_str(s),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// One path or a list.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The paths.
    pub fn paths(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(p) => vec![p.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

impl Test {
    /// How many subjects the test names (valid tests name exactly one).
    fn subjects(&self) -> usize {
        [
            self.flag.is_some(),
            self.kubelet.is_some(),
            self.file.is_some(),
            self.file_of.is_some(),
            self.tree.is_some(),
            self.admission_plugin.is_some(),
            self.encryption.is_some(),
            self.distinct_files.is_some(),
            self.audit_policy,
            self.pod_security_defaults.is_some(),
            self.cluster,
            self.any.is_some(),
            self.all.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }

    /// How many comparisons it makes.
    fn comparisons(&self) -> usize {
        [
            self.eq.is_some(),
            self.ne.is_some(),
            self.gte.is_some(),
            self.lte.is_some(),
            self.has.is_some(),
            self.has_not.is_some(),
            self.one_of.is_some(),
            self.not_in.is_some(),
            self.valid_elements.is_some(),
            self.present.is_some(),
            self.absent.is_some(),
            self.mode.is_some(),
            self.owner.is_some(),
            self.loopback.is_some(),
            self.show.is_some(),
            self.enabled.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }

    /// Checks the test's shape; `Err` says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.subjects() != 1 {
            return Err("a test names exactly one subject (flag, kubelet, file, file-of, tree, admission-plugin, encryption, distinct-files, audit-policy, cluster, any, all)".into());
        }
        if let Some(list) = self.any.as_ref().or(self.all.as_ref()) {
            if list.is_empty() {
                return Err("any/all needs at least one test".into());
            }
            for t in list {
                t.validate()?;
            }
            return if self.comparisons() == 0 {
                Ok(())
            } else {
                Err("any/all takes no comparison of its own".into())
            };
        }
        let wanted = usize::from(
            !(self.cluster
                || self.audit_policy
                || self.pod_security_defaults.is_some()
                || self.distinct_files.is_some()
                || self.encryption.is_some() && self.one_of.is_none()),
        );
        let is_file = self.file.is_some() || self.file_of.is_some() || self.tree.is_some();
        if self.comparisons() != wanted {
            return Err(format!(
                "a test makes {wanted} comparison(s), this one {}",
                self.comparisons()
            ));
        }
        if is_file && self.mode.is_none() && self.owner.is_none() {
            return Err("a file test compares mode or owner".into());
        }
        if !is_file && (self.mode.is_some() || self.owner.is_some()) {
            return Err("mode and owner are for files".into());
        }
        if let Some(m) = &self.mode
            && crate::ops::parse_mode(m).is_none()
        {
            return Err(format!("mode {m:?} is not octal"));
        }
        if self.admission_plugin.is_some() != self.enabled.is_some() {
            return Err("admission-plugin goes with enabled".into());
        }
        if self.glob.is_some() && self.tree.is_none() {
            return Err("glob goes with tree".into());
        }
        if self.default.is_some() && self.file_of.is_none() {
            return Err("default goes with file-of".into());
        }
        if self.if_exists && !is_file {
            return Err("if-exists is for files".into());
        }
        Ok(())
    }
}

/// Parses and checks one benchmark file.
pub fn parse(name: &str, text: &str) -> Result<Benchmark, String> {
    let b: Benchmark = serde_saphyr::from_str(text).map_err(|e| format!("{name}: {e}"))?;
    let mut ids = BTreeSet::new();
    for c in &b.checks {
        if !ids.insert(c.id.as_str()) {
            return Err(format!("{name}: {} is listed twice", c.id));
        }
        if section_of(&b, &c.id).is_none() {
            return Err(format!("{name}: {} belongs to no section", c.id));
        }
        if let Some(t) = &c.check {
            t.validate().map_err(|e| format!("{name}: {}: {e}", c.id))?;
        }
        for (what, text) in [
            ("rationale", &c.rationale),
            ("remediation", &c.remediation),
            ("audit", &c.audit),
        ] {
            if text.trim().is_empty() {
                return Err(format!("{name}: {} has no {what}", c.id));
            }
        }
    }
    Ok(b)
}

/// The section a check id belongs to: the longest section id that prefixes it.
pub fn section_of<'a>(b: &'a Benchmark, check: &str) -> Option<&'a Section> {
    b.sections
        .iter()
        .filter(|s| {
            check
                .strip_prefix(s.id.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
        })
        .max_by_key(|s| s.id.len())
}

/// Every embedded benchmark's id, oldest first.
pub fn ids() -> impl Iterator<Item = &'static str> {
    EMBEDDED.iter().map(|(id, _)| *id)
}

/// An embedded benchmark by id (`cis-1.12`).
pub fn benchmark(id: &str) -> Result<Benchmark, String> {
    let (name, text) = EMBEDDED.iter().find(|(n, _)| *n == id).ok_or_else(|| {
        format!(
            "unknown benchmark {id:?}; known: {}",
            ids().collect::<Vec<_>>().join(", ")
        )
    })?;
    parse(name, text)
}

/// The benchmark written for Kubernetes `minor` (`1.33`): the one listing it, else the newest
/// written for an older version.
pub fn for_version(minor: &str) -> &'static str {
    let key = |v: &str| -> (u32, u32) {
        let mut it = v.trim_start_matches('v').split('.');
        let a = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
        let b = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
        (a, b)
    };
    let want = key(minor);
    let mut best = EMBEDDED[EMBEDDED.len() - 1].0;
    let mut best_min = (0, 0);
    for (id, text) in EMBEDDED {
        let Ok(b) = parse(id, text) else { continue };
        if b.kubernetes.iter().any(|v| key(v) == want) {
            return id;
        }
        let min = b.kubernetes.iter().map(|v| key(v)).min().unwrap_or((0, 0));
        if min <= want && min >= best_min {
            best = id;
            best_min = min;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_benchmark_parses_and_is_complete() {
        let counts = [
            ("cis-1.10", 130, 60),
            ("cis-1.11", 133, 68),
            ("cis-1.12", 131, 66),
        ];
        for (id, total, manual) in counts {
            let b = benchmark(id).unwrap();
            assert_eq!(b.id, id);
            assert_eq!(b.checks.len(), total, "{id}");
            let m = b
                .checks
                .iter()
                .filter(|c| c.assessment == Assessment::Manual)
                .count();
            assert_eq!(m, manual, "{id} manual");
        }
    }

    #[test]
    fn versions_choose_benchmarks() {
        assert_eq!(for_version("1.28"), "cis-1.10");
        assert_eq!(for_version("1.30"), "cis-1.11");
        assert_eq!(for_version("v1.33"), "cis-1.12");
        assert_eq!(for_version("1.36"), "cis-1.12");
        assert!(benchmark("cis-9").unwrap_err().contains("cis-1.12"));
    }

    #[test]
    fn bad_tests_are_refused() {
        let bad = [
            "{flag: kube-apiserver --x}",
            "{flag: kube-apiserver --x, eq: a, ne: b}",
            "{flag: kube-apiserver --x, kubelet: y, eq: a}",
            "{file: /a, eq: a}",
            "{file: /a, mode: \"9\"}",
            "{flag: kube-apiserver --x, mode: \"600\"}",
            "{all: []}",
            "{admission-plugin: X}",
        ];
        for t in bad {
            let t: Test = serde_saphyr::from_str(t).unwrap();
            assert!(t.validate().is_err(), "{t:?}");
        }
        let good: Test = serde_saphyr::from_str(
            "{any: [{kubelet: a, eq: \"0\"}, {file-of: kubelet --config, default: /x, mode: \"600\", if-exists: true}]}",
        )
        .unwrap();
        good.validate().unwrap();
    }
}
