//! `.stockade.yaml`: which rules run, severity overrides, rule options, exclusions,
//! suppressions and the fail-on threshold. Unknown keys are errors that name their location.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stockade_model::Severity;
use stockade_rules::{Family, RULES, Rule};

/// The config file name searched for.
pub const CONFIG_FILE_NAME: &str = ".stockade.yaml";

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error(
        "cannot read settings file {path}: {source}; make it readable, point --config at another file, or pass --no-config"
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The path exists but is not a regular file (a directory, a FIFO, a device).
    #[error(
        "{path} is {what}, not a settings file: give the settings file itself (`--config DIR/.stockade.yaml`), rename or remove it, or pass --no-config"
    )]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead (`a directory`).
        what: &'static str,
    },
    /// The file is not valid (syntax, unknown key, wrong type); the message has the location.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
}

/// Matches objects by kind, namespace and name; `*` matches anything, a trailing `*` a prefix.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ObjectPattern {
    /// Kind (`Deployment`), or `*`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Namespace, or `*`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Name, or `*`, or `prefix-*`.
    #[serde(default)]
    pub name: Option<String>,
}

fn glob_eq(pattern: Option<&str>, value: &str) -> bool {
    match pattern {
        None | Some("*") => true,
        Some(p) => match p.strip_suffix('*') {
            Some(prefix) => value.starts_with(prefix),
            None => p == value,
        },
    }
}

impl ObjectPattern {
    /// Whether the pattern matches an object.
    pub fn matches(&self, kind: &str, namespace: Option<&str>, name: &str) -> bool {
        glob_eq(self.kind.as_deref(), kind)
            && glob_eq(self.namespace.as_deref(), namespace.unwrap_or(""))
            && glob_eq(self.name.as_deref(), name)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RulesSection {
    #[serde(default)]
    enable: Vec<String>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    options: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExcludeSection {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    objects: Vec<ObjectPattern>,
}

/// A suppression entry from the config file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSuppression {
    /// Rule id or name, or `*` for every rule.
    pub rule: String,
    /// Objects it applies to (all when absent).
    #[serde(default)]
    pub object: Option<ObjectPattern>,
    /// Why it is acceptable. Required.
    pub reason: String,
    /// `YYYY-MM-DD`; from that day on the entry stops applying and is reported.
    #[serde(default)]
    pub expires: Option<String>,
}

/// A suppression of a benchmark recommendation (`bench.suppressions` in the config file).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BenchSuppression {
    /// A recommendation (`1.2.9`) or a whole section (`1.2`).
    pub check: String,
    /// Only for this benchmark (`cis-1.12`); every benchmark when absent.
    #[serde(default)]
    pub benchmark: Option<String>,
    /// Why it is acceptable. Required.
    pub reason: String,
    /// `YYYY-MM-DD`; from that day on the entry stops applying and is reported.
    #[serde(default)]
    pub expires: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BenchSection {
    #[serde(default)]
    suppressions: Vec<BenchSuppression>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    fail_on: Option<String>,
    #[serde(default)]
    allow_partial: Option<bool>,
    #[serde(default)]
    rules: RulesSection,
    #[serde(default)]
    exclude: ExcludeSection,
    #[serde(default)]
    suppressions: Vec<ConfigSuppression>,
    /// Trusted identities and namespaces for audit rules; read by `stockade audit-log`
    /// (crates/audit/src/config.rs), which validates it.
    #[serde(default, rename = "audit")]
    _audit: Option<serde::de::IgnoredAny>,
    /// Enforcement modes for the admission webhook; read by `stockade webhook serve`
    /// (crates/admission/src/policy.rs), which validates it.
    #[serde(default, rename = "admission")]
    _admission: Option<serde::de::IgnoredAny>,
    /// Suppressions of benchmark recommendations, for `stockade bench`.
    #[serde(default)]
    bench: BenchSection,
    /// Rules of the organisation's own, in CEL.
    #[serde(default)]
    policies: Vec<RawPolicy>,
}

/// A policy as written under `policies:`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    id: String,
    name: String,
    #[serde(default)]
    severity: Option<String>,
    kinds: Vec<String>,
    expression: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    message_expression: Option<String>,
    #[serde(default)]
    when: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    remediation: Option<String>,
    #[serde(default)]
    controls: Vec<String>,
    #[serde(default)]
    docs: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// A rule written in `.stockade.yaml` (`policies:`): a CEL expression over each object of the
/// kinds named, evaluated as a ValidatingAdmissionPolicy validation; a finding wherever it is
/// false.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomRule {
    /// Its id (`ORG001`): letters, digits and dashes, not a built-in rule's.
    pub id: String,
    /// Kebab-case name.
    pub name: String,
    /// Severity of its findings (default medium).
    pub severity: Severity,
    /// Kinds it judges (`Deployment`, or `apps/Deployment`).
    pub kinds: Vec<String>,
    /// The CEL expression that must hold.
    pub expression: String,
    /// The message of a finding.
    pub message: Option<String>,
    /// A CEL expression for the message.
    pub message_expression: Option<String>,
    /// A CEL condition: the rule judges only the objects for which it is true.
    pub when: Option<String>,
    /// One-line summary.
    pub summary: String,
    /// How to fix a finding.
    pub remediation: String,
    /// Framework controls it maps to (`cis:5.2.2`).
    pub controls: Vec<stockade_model::Control>,
    /// Documentation (markdown).
    pub docs: String,
}

fn custom_rules(raw: Vec<RawPolicy>) -> Result<Vec<CustomRule>, String> {
    let mut out: Vec<CustomRule> = Vec::new();
    for (i, p) in raw.into_iter().enumerate() {
        if p.enabled == Some(false) {
            continue;
        }
        let at = format!("policies[{i}]");
        let id_ok = !p.id.is_empty()
            && p.id.len() <= 64
            && p.id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(format!(
                "{at}.id: `{}` must be letters, digits, `-` or `_` (e.g. ORG001)",
                p.id
            ));
        }
        if crate::registry::find(&p.id).is_some() || p.id.to_ascii_uppercase().starts_with("VAP") {
            return Err(format!("{at}.id: `{}` is the id of a built-in rule", p.id));
        }
        if out
            .iter()
            .any(|o| o.id.eq_ignore_ascii_case(&p.id) || o.name == p.name)
        {
            return Err(format!(
                "{at}: id `{}` or name `{}` is used twice",
                p.id, p.name
            ));
        }
        let name_ok = !p.name.is_empty()
            && p.name.len() <= 63
            && p.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(format!(
                "{at}.name: `{}` must be kebab-case (lowercase letters, digits and dashes)",
                p.name
            ));
        }
        if p.kinds.is_empty() {
            return Err(format!(
                "{at}.kinds: name at least one kind (e.g. [Deployment])"
            ));
        }
        if p.expression.trim().is_empty() {
            return Err(format!("{at}.expression: required"));
        }
        let severity: Severity = match &p.severity {
            Some(s) => s.parse().map_err(|e| format!("{at}.severity: {e}"))?,
            None => Severity::Medium,
        };
        let mut controls = Vec::new();
        for c in &p.controls {
            let (fw, id) = c.split_once(':').ok_or_else(|| {
                format!("{at}.controls: `{c}` is not FRAMEWORK:ID (e.g. cis:5.2.2)")
            })?;
            let framework = stockade_model::Framework::parse(fw).ok_or_else(|| {
                format!("{at}.controls: unknown framework `{fw}` (cis, nsa, mitre or pss)")
            })?;
            // Loaded once per run: the few bytes of each id live as long as the rule.
            let id: &'static str = Box::leak(id.to_string().into_boxed_str());
            controls.push(stockade_model::Control { framework, id });
        }
        let summary = p.summary.clone().unwrap_or_else(|| {
            p.message
                .clone()
                .unwrap_or_else(|| format!("`{}` must hold", p.expression))
        });
        out.push(CustomRule {
            remediation: p
                .remediation
                .unwrap_or_else(|| format!("Change the object so that `{}` holds.", p.expression)),
            docs: p.docs.unwrap_or_default(),
            id: p.id,
            name: p.name,
            severity,
            kinds: p.kinds,
            expression: p.expression,
            message: p.message,
            message_expression: p.message_expression,
            when: p.when,
            summary,
            controls,
        });
    }
    Ok(out)
}

/// Whether `entry` names an audit rule: those are configured in the same file but run by
/// `stockade audit-log`, which validates their entries.
fn is_audit_rule(entry: &str) -> bool {
    crate::registry::find(entry).is_some_and(|r| r.family == stockade_framework::Family::Audit)
}

/// Settings for one run, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Rules that run, sorted by id.
    pub enabled: Vec<&'static Rule>,
    /// Severity overrides by rule id.
    pub severity: BTreeMap<&'static str, Severity>,
    /// Options by rule id.
    pub options: BTreeMap<&'static str, serde_json::Map<String, serde_json::Value>>,
    /// Files to skip (globs on the path as given).
    pub exclude_paths: globset::GlobSet,
    /// Objects to skip.
    pub exclude_objects: Vec<ObjectPattern>,
    /// Config suppressions.
    pub suppressions: Vec<ConfigSuppression>,
    /// Suppressions of benchmark recommendations (`bench.suppressions`).
    pub bench_suppressions: Vec<BenchSuppression>,
    /// Fail-on threshold from the file, if set.
    pub fail_on: Option<Severity>,
    /// `allow-partial: true`: a live scan that could not read every resource type exits by its
    /// findings instead of with code 2 (the report is still marked partial).
    pub allow_partial: bool,
    /// The file they came from, if any.
    pub source: Option<PathBuf>,
    /// ValidatingAdmissionPolicy files given besides the inputs (`--policy`).
    pub policy_files: crate::policies::PolicyFiles,
    /// The rules written in the file (`policies:`).
    pub custom: Vec<CustomRule>,
    /// The Kubernetes release (minor of 1.x) whose CEL environment policies compile in
    /// (`--target-version`); the newest Stockade knows when unset.
    pub policy_release: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: RULES
                .iter()
                .copied()
                .filter(|r| r.default_enabled)
                .collect(),
            severity: BTreeMap::new(),
            options: BTreeMap::new(),
            exclude_paths: globset::GlobSet::empty(),
            exclude_objects: Vec::new(),
            suppressions: Vec::new(),
            bench_suppressions: Vec::new(),
            fail_on: None,
            allow_partial: false,
            source: None,
            policy_files: Default::default(),
            custom: Vec::new(),
            policy_release: None,
        }
    }
}

/// Rules named by an entry: an id, a name, a family name/prefix, or `all`.
fn select(entry: &str) -> Option<Vec<&'static Rule>> {
    if entry.eq_ignore_ascii_case("all") {
        return Some(RULES.to_vec());
    }
    if let Some(f) = Family::parse(entry) {
        return Some(RULES.iter().copied().filter(|r| r.family == f).collect());
    }
    if let Some(r) = stockade_rules::find(entry) {
        return Some(vec![r]);
    }
    is_audit_rule(entry).then(Vec::new)
}

impl Settings {
    /// Loads settings from a file.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        let text = read_config_file(path)?;
        Settings::parse(&text)
            .map_err(|message| SettingsError::Invalid {
                path: path.to_path_buf(),
                message,
            })
            .map(|mut s| {
                s.source = Some(path.to_path_buf());
                s
            })
    }

    /// Parses settings text.
    pub fn parse(text: &str) -> Result<Settings, String> {
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?
        };
        let mut s = Settings {
            fail_on: raw.fail_on.as_deref().map(str::parse).transpose()?,
            allow_partial: raw.allow_partial.unwrap_or(false),
            custom: custom_rules(raw.policies)?,
            ..Settings::default()
        };
        // A rule beats a family beats `all`; at the same breadth, disable wins.
        s.select_rules(&raw.rules.enable, &raw.rules.disable)
            .map_err(|(what, m)| format!("rules.{what}: {m}"))?;
        for (k, v) in &raw.rules.severity {
            if is_audit_rule(k) {
                continue;
            }
            let r = stockade_rules::find(k)
                .ok_or_else(|| format!("rules.severity: unknown rule `{k}`"))?;
            let sev: Severity = v.parse().map_err(|e| format!("rules.severity.{k}: {e}"))?;
            s.severity.insert(r.id, sev);
        }
        for (k, opts) in raw.rules.options {
            if is_audit_rule(&k) {
                continue;
            }
            let r = stockade_rules::find(&k)
                .ok_or_else(|| format!("rules.options: unknown rule `{k}`"))?;
            for name in opts.keys() {
                if !r.options.iter().any(|o| o.name == name) {
                    let known: Vec<&str> = r.options.iter().map(|o| o.name).collect();
                    return Err(format!(
                        "rules.options.{k}: unknown option `{name}` (known: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ));
                }
            }
            s.options.insert(r.id, opts);
        }
        let mut gb = globset::GlobSetBuilder::new();
        for p in &raw.exclude.paths {
            gb.add(
                globset::Glob::new(p)
                    .map_err(|e| format!("exclude.paths: invalid glob `{p}`: {e}"))?,
            );
        }
        s.exclude_paths = gb.build().map_err(|e| e.to_string())?;
        s.exclude_objects = raw.exclude.objects;
        for (i, sup) in raw.suppressions.iter().enumerate() {
            let policy_rule = sup
                .rule
                .get(..crate::policies::RULE_PREFIX.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(crate::policies::RULE_PREFIX))
                || s.custom
                    .iter()
                    .any(|c| c.id.eq_ignore_ascii_case(&sup.rule) || c.name == sup.rule);
            if sup.rule != "*"
                && stockade_rules::find(&sup.rule).is_none()
                && !is_audit_rule(&sup.rule)
                && !policy_rule
            {
                return Err(format!("suppressions[{i}]: unknown rule `{}`", sup.rule));
            }
            if sup.reason.trim().is_empty() {
                return Err(format!("suppressions[{i}]: a reason is required"));
            }
            if let Some(d) = &sup.expires
                && !stockade_model::time::is_valid_date(d)
            {
                return Err(format!(
                    "suppressions[{i}].expires: `{d}` is not a YYYY-MM-DD date"
                ));
            }
        }
        s.suppressions = raw.suppressions;
        for (i, sup) in raw.bench.suppressions.iter().enumerate() {
            let id_ok = !sup.check.is_empty()
                && sup
                    .check
                    .split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            if !id_ok {
                return Err(format!(
                    "bench.suppressions[{i}].check: `{}` is not a recommendation or section id such as 1.2.9",
                    sup.check
                ));
            }
            if sup.reason.trim().is_empty() {
                return Err(format!("bench.suppressions[{i}]: a reason is required"));
            }
            if let Some(d) = &sup.expires
                && !stockade_model::time::is_valid_date(d)
            {
                return Err(format!(
                    "bench.suppressions[{i}].expires: `{d}` is not a YYYY-MM-DD date"
                ));
            }
        }
        s.bench_suppressions = raw.bench.suppressions;
        Ok(s)
    }

    /// Applies `enable` and `disable` entries (rule ids or names, families, `all`) on top of the
    /// rules selected so far: a rule beats a family beats `all`, and at the same breadth
    /// `disable` wins, whatever the order (see [`stockade_framework::selection`]). The
    /// command line's `--enable`/`--disable` go through here after the file's lists. The error
    /// says which list (`enable` or `disable`) held the unknown entry.
    pub fn select_rules<S: AsRef<str>>(
        &mut self,
        enable: &[S],
        disable: &[S],
    ) -> Result<(), (&'static str, String)> {
        let mut state: BTreeMap<&'static str, bool> = RULES
            .iter()
            .map(|r| (r.id, self.enabled.iter().any(|x| x.id == r.id)))
            .collect();
        stockade_framework::selection::apply(&mut state, enable, disable, |e| {
            select(e)
                .map(|rules| rules.iter().map(|r| r.id).collect())
                .ok_or_else(|| format!("unknown rule or family `{e}` (see `stockade rules`)"))
        })
        .map_err(|(a, m)| (a.as_str(), m))?;
        self.enabled = RULES
            .iter()
            .copied()
            .filter(|r| state.get(r.id) == Some(&true))
            .collect();
        self.enabled.sort_by_key(|r| r.id);
        Ok(())
    }

    /// Turns on a rule, a family or `all`.
    pub fn enable(&mut self, entry: &str) -> Result<(), String> {
        self.select_rules(&[entry], &[] as &[&str])
            .map_err(|(_, m)| m)
    }

    /// Turns off a rule, a family or `all`.
    pub fn disable(&mut self, entry: &str) -> Result<(), String> {
        self.select_rules(&[] as &[&str], &[entry])
            .map_err(|(_, m)| m)
    }

    /// The severity a rule's findings get (config override, else the hit's, else the rule's).
    pub fn severity_of(&self, rule: &Rule, hit: Option<Severity>) -> Severity {
        self.severity
            .get(rule.id)
            .copied()
            .or(hit)
            .unwrap_or(rule.severity)
    }
}

/// Reads a settings file, refusing anything that is not a regular file: a directory (which
/// would otherwise be skipped without a word), and a FIFO or device (which could block).
pub fn read_config_file(path: &Path) -> Result<String, SettingsError> {
    let io = |source: std::io::Error| SettingsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && path.is_symlink() => {
            return Err(io(std::io::Error::new(
                e.kind(),
                "it is a symbolic link to a file that does not exist",
            )));
        }
        Err(e) => return Err(io(e)),
    };
    let what = if meta.is_dir() {
        "a directory"
    } else if meta.is_file() {
        return std::fs::read_to_string(path).map_err(io);
    } else {
        "not a regular file (a FIFO, socket or device)"
    };
    Err(SettingsError::NotAFile {
        path: path.to_path_buf(),
        what,
    })
}

/// Finds `.stockade.yaml` in `start` or its ancestors: the nearest entry of that name,
/// whatever it is, so that a directory or a dangling link of that name is reported when it is
/// loaded rather than skipped in favour of a file further up.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(start).ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(CONFIG_FILE_NAME);
        if std::fs::symlink_metadata(&candidate).is_ok() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// The commented default file `stockade init` writes.
pub fn default_config_text() -> String {
    let mut s = String::from(
        r#"# Stockade settings. Found in the scanned directory or any parent, or passed with --config.
# Every key is optional; unknown keys are errors.

# Exit with code 1 when a finding at or above this severity remains (critical, high, medium, low, info).
fail-on: high

# A live scan that could not read every resource type is partial and exits with code 2; set
# this to exit by its findings instead (the report still says it is partial).
allow-partial: false

rules:
  # Turn on rules that are off by default, by id, name or family (workload, …).
  enable: []
  # Turn off rules or whole families.
  disable: []
  # Change a rule's severity.
  severity: {}
    # WL036: high
  # Rule options (see `stockade explain RULE`).
  options: {}
    # WL038:
    #   allowed-registries: [registry.example.com, ghcr.io/my-org]

exclude:
  # Files to skip (globs on the path as given on the command line).
  paths: []
    # - "charts/*/tests/**"
  # Objects to skip entirely.
  objects: []
    # - {kind: Secret, namespace: kube-system, name: "*"}

# Accepted risks. Each needs a reason; an expired entry stops applying and is reported.
suppressions: []
  # - rule: WL001
  #   object: {kind: DaemonSet, namespace: kube-system, name: calico-node}
  #   reason: the CNI agent must configure host networking
  #   expires: 2027-06-30

# Rules and their defaults:
"#,
    );
    for r in RULES {
        s.push_str(&format!(
            "#   {} {:<40} {:<8} {}\n",
            r.id,
            r.name,
            r.severity.as_str(),
            if r.default_enabled { "on" } else { "off" }
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_or_dangling_link_is_found_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join(CONFIG_FILE_NAME);
        std::fs::create_dir(&cfg).unwrap();
        assert_eq!(find_config(dir.path()).as_deref(), Some(cfg.as_path()));
        let e = Settings::load(&cfg).unwrap_err().to_string();
        assert!(e.contains("is a directory, not a settings file"), "{e}");
        assert!(e.contains("--no-config"), "{e}");
        std::fs::remove_dir(&cfg).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("gone.yaml"), &cfg).unwrap();
            assert_eq!(find_config(dir.path()).as_deref(), Some(cfg.as_path()));
            let e = Settings::load(&cfg).unwrap_err().to_string();
            assert!(
                e.contains("symbolic link to a file that does not exist"),
                "{e}"
            );
        }
    }

    #[test]
    fn default_text_parses() {
        Settings::parse(&default_config_text()).expect("default config parses");
    }

    #[test]
    fn unknown_keys_name_their_location() {
        let err = Settings::parse("fail-on: high\nrulez:\n  enable: []\n").unwrap_err();
        assert!(err.contains("rulez"), "{err}");
        assert!(err.contains('2'), "line missing: {err}");
    }

    #[test]
    fn enable_disable_and_overrides() {
        let s = Settings::parse(
            "rules:\n  disable: [all]\n  enable: [WL001]\n  severity: {WL001: low}\n",
        )
        .unwrap();
        assert_eq!(
            s.enabled.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec!["WL001"]
        );
        assert_eq!(s.severity.get("WL001"), Some(&Severity::Low));
        assert!(Settings::parse("rules:\n  enable: [nope]\n").is_err());
        assert!(Settings::parse("rules:\n  options: {WL001: {bogus: 1}}\n").is_err());
    }

    #[test]
    fn audit_settings_share_the_file() {
        let s = Settings::parse(
            "rules:\n  disable: [AU017, deprecated-api-used]\n  severity: {AU005: high}\n  options:\n    exec-into-pod: {sensitive-namespaces: [prod]}\naudit:\n  trusted-users: [admin]\n",
        )
        .expect("audit entries are left to `stockade audit-log`");
        assert!(s.enabled.iter().all(|r| !r.id.starts_with("AU")));
        assert!(Settings::parse("rules:\n  disable: [AU999]\n").is_err());
    }

    #[test]
    fn suppressions_need_reasons_and_valid_dates() {
        assert!(Settings::parse("suppressions:\n- {rule: WL001, reason: ''}\n").is_err());
        assert!(
            Settings::parse("bench:\n  suppressions:\n  - {check: 1.2.x, reason: ok}\n").is_err()
        );
        assert!(
            Settings::parse("bench:\n  suppressions:\n  - {check: 1.2.9, reason: \" \"}\n")
                .is_err()
        );
        assert_eq!(
            Settings::parse(
                "bench:\n  suppressions:\n  - {check: \"1.2.9\", reason: ok, expires: 2030-01-01}\n"
            )
            .unwrap()
            .bench_suppressions
            .len(),
            1
        );
        assert!(
            Settings::parse("suppressions:\n- {rule: WL001, reason: ok, expires: tomorrow}\n")
                .is_err()
        );
        assert!(
            Settings::parse("suppressions:\n- {rule: WL001, reason: ok, expires: 2030-01-01}\n")
                .is_ok()
        );
    }
}
