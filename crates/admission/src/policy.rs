//! What the webhook does with a finding: the `admission:` section of `.stockade.yaml`, and the
//! `stockade.dev/*` labels a namespace may carry.
//!
//! ```yaml
//! admission:
//!   enforce: high        # findings of this severity or worse deny the request (`none`: never)
//!   warn: low            # findings below `enforce` and at least this severe: a warning
//!   audit: info          # findings below `warn` and at least this severe: an audit annotation
//!   rules:               # per rule (id or name), over the thresholds: enforce | warn | audit | off
//!     WL012: warn
//!   exempt:
//!     namespaces: [kube-system]
//!     usernames: ["system:serviceaccount:ci:deployer"]
//!   annotation-suppressions: false
//!   failure: open        # when the decision cannot be made in time: open (allow) | closed (deny)
//!   deadline-ms: 2500
//! ```
//!
//! A namespace's labels override the three thresholds for the objects in it, as
//! `pod-security.kubernetes.io/*` labels override the PodSecurity admission's defaults:
//! `stockade.dev/enforce: critical`, `stockade.dev/warn: none`, `stockade.dev/audit: low`.
//! Per-rule modes from the file are the cluster administrator's and win over labels.

use serde::Deserialize;
use std::collections::BTreeMap;
use stockade_model::Severity;

/// What happens to a finding at admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Recorded only: an audit annotation and a log line.
    Audit,
    /// Returned to the client as a warning.
    Warn,
    /// The request is denied.
    Enforce,
}

impl Mode {
    /// The lowercase name, as in config and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Audit => "audit",
            Mode::Warn => "warn",
            Mode::Enforce => "enforce",
        }
    }
}

/// Which direction a decision that cannot be made (deadline passed, context missing for an
/// enforced rule) goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Allow, with a warning saying what was not judged.
    Open,
    /// Deny, saying why.
    Closed,
}

/// A severity threshold: findings at least this severe, or none.
pub type Threshold = Option<Severity>;

/// The three thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Deny at or above.
    pub enforce: Threshold,
    /// Warn at or above (below `enforce`).
    pub warn: Threshold,
    /// Audit at or above (below `warn`).
    pub audit: Threshold,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            enforce: Some(Severity::High),
            warn: Some(Severity::Low),
            audit: Some(Severity::Info),
        }
    }
}

impl Thresholds {
    /// The mode of a finding of severity `s`, `None` when it is below every threshold.
    pub fn mode(&self, s: Severity) -> Option<Mode> {
        let at = |t: Threshold| t.is_some_and(|t| s >= t);
        if at(self.enforce) {
            Some(Mode::Enforce)
        } else if at(self.warn) {
            Some(Mode::Warn)
        } else if at(self.audit) {
            Some(Mode::Audit)
        } else {
            None
        }
    }
}

/// The label prefix of namespace overrides.
pub const LABEL_PREFIX: &str = "stockade.dev/";

/// The namespace's thresholds: `base` with its `stockade.dev/{enforce,warn,audit}` labels
/// applied, and one message per label whose value is not a severity or `none` (such a label is
/// ignored).
pub fn thresholds_for<'a>(
    base: Thresholds,
    labels: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> (Thresholds, Vec<String>) {
    let mut t = base;
    let mut errors = Vec::new();
    for (k, v) in labels {
        let Some(which) = k.strip_prefix(LABEL_PREFIX) else {
            continue;
        };
        let slot = match which {
            "enforce" => &mut t.enforce,
            "warn" => &mut t.warn,
            "audit" => &mut t.audit,
            _ => continue,
        };
        match parse_threshold(v) {
            Ok(x) => *slot = x,
            Err(e) => errors.push(format!("namespace label {k}: {e}; the label is ignored")),
        }
    }
    (t, errors)
}

fn parse_threshold(v: &str) -> Result<Threshold, String> {
    if v.eq_ignore_ascii_case("none") || v.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    v.parse::<Severity>().map(Some).map_err(|_| {
        format!(
            "{} is not a severity (critical, high, medium, low, info) or none",
            quoted(v)
        )
    })
}

fn quoted(v: &str) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The webhook's policy, from the `admission:` section.
#[derive(Clone, Debug)]
pub struct AdmissionPolicy {
    /// Cluster-wide thresholds (namespace labels may override them).
    pub thresholds: Thresholds,
    /// Per-rule modes by rule id; `None` turns the rule off at admission.
    pub rules: BTreeMap<&'static str, Option<Mode>>,
    /// Namespaces never judged (the webhook's own is added by the server).
    pub exempt_namespaces: Vec<String>,
    /// Requesting users never judged (`*` suffix: a prefix).
    pub exempt_usernames: Vec<String>,
    /// Whether `stockade.dev/ignore` on the object itself may suppress a finding.
    pub annotation_suppressions: bool,
    /// Where undecidable requests go.
    pub failure: Failure,
    /// How long a decision may take, in milliseconds.
    pub deadline_ms: u64,
}

/// Namespaces the webhook never judges unless a config names them in `judge-namespaces`.
pub const DEFAULT_EXEMPT_NAMESPACES: [&str; 1] = ["kube-system"];

/// Users never judged: the API server's own loopback client.
pub const DEFAULT_EXEMPT_USERNAMES: [&str; 1] = ["system:apiserver"];

impl Default for AdmissionPolicy {
    fn default() -> Self {
        AdmissionPolicy {
            thresholds: Thresholds::default(),
            rules: BTreeMap::new(),
            exempt_namespaces: DEFAULT_EXEMPT_NAMESPACES.map(String::from).to_vec(),
            exempt_usernames: DEFAULT_EXEMPT_USERNAMES.map(String::from).to_vec(),
            annotation_suppressions: false,
            failure: Failure::Open,
            deadline_ms: 2500,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSection {
    enforce: Option<String>,
    warn: Option<String>,
    audit: Option<String>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    exempt: Option<RawExempt>,
    #[serde(default)]
    judge_namespaces: Vec<String>,
    annotation_suppressions: Option<bool>,
    failure: Option<String>,
    deadline_ms: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExempt {
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    usernames: Vec<String>,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    admission: Option<RawSection>,
}

impl AdmissionPolicy {
    /// Reads the `admission:` section of a settings file's text (the rest is the engine's);
    /// the defaults when there is none.
    pub fn parse(text: &str) -> Result<AdmissionPolicy, String> {
        let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        let Some(sec) = raw.admission else {
            return Ok(AdmissionPolicy::default());
        };
        let mut p = AdmissionPolicy::default();
        let threshold = |v: &Option<String>, key: &str, d: Threshold| match v {
            None => Ok(d),
            Some(v) => parse_threshold(v).map_err(|e| format!("admission.{key}: {e}")),
        };
        p.thresholds = Thresholds {
            enforce: threshold(&sec.enforce, "enforce", p.thresholds.enforce)?,
            warn: threshold(&sec.warn, "warn", p.thresholds.warn)?,
            audit: threshold(&sec.audit, "audit", p.thresholds.audit)?,
        };
        for (entry, mode) in &sec.rules {
            let rule = stockade_rules::find(entry).ok_or_else(|| {
                format!(
                    "admission.rules: no rule {}; `stockade rules` lists them",
                    quoted(entry)
                )
            })?;
            let mode = match mode.as_str() {
                "enforce" => Some(Mode::Enforce),
                "warn" => Some(Mode::Warn),
                "audit" => Some(Mode::Audit),
                "off" => None,
                other => {
                    return Err(format!(
                        "admission.rules.{entry}: {} is not one of enforce, warn, audit, off",
                        quoted(other)
                    ));
                }
            };
            p.rules.insert(rule.id, mode);
        }
        if let Some(ex) = sec.exempt {
            p.exempt_namespaces.extend(ex.namespaces);
            p.exempt_usernames.extend(ex.usernames);
        }
        p.exempt_namespaces
            .retain(|n| !sec.judge_namespaces.contains(n));
        if let Some(a) = sec.annotation_suppressions {
            p.annotation_suppressions = a;
        }
        p.failure = match sec.failure.as_deref() {
            None | Some("open") => Failure::Open,
            Some("closed") => Failure::Closed,
            Some(other) => {
                return Err(format!(
                    "admission.failure: {} is not open or closed",
                    quoted(other)
                ));
            }
        };
        if let Some(ms) = sec.deadline_ms {
            if !(10..=29_000).contains(&ms) {
                return Err(format!(
                    "admission.deadline-ms: {ms} is outside 10..=29000 (the API server waits at most 30 s)"
                ));
            }
            p.deadline_ms = ms;
        }
        Ok(p)
    }

    /// Whether requests by `user` are judged.
    pub fn user_exempt(&self, user: &str) -> bool {
        self.exempt_usernames
            .iter()
            .any(|u| match u.strip_suffix('*') {
                Some(prefix) => user.starts_with(prefix),
                None => u == user,
            })
    }

    /// The mode of a finding of rule `id` with severity `s` under `t`.
    pub fn mode(&self, t: &Thresholds, id: &str, s: Severity) -> Option<Mode> {
        match self.rules.get(id) {
            Some(m) => *m,
            None => t.mode(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_pick_the_strongest_mode_that_applies() {
        let t = Thresholds::default();
        assert_eq!(t.mode(Severity::Critical), Some(Mode::Enforce));
        assert_eq!(t.mode(Severity::High), Some(Mode::Enforce));
        assert_eq!(t.mode(Severity::Medium), Some(Mode::Warn));
        assert_eq!(t.mode(Severity::Info), Some(Mode::Audit));
        let none = Thresholds {
            enforce: None,
            warn: None,
            audit: None,
        };
        assert_eq!(none.mode(Severity::Critical), None);
    }

    #[test]
    fn namespace_labels_override_and_bad_values_are_ignored_with_a_message() {
        let (t, errs) = thresholds_for(
            Thresholds::default(),
            [
                ("stockade.dev/enforce", "none"),
                ("stockade.dev/warn", "critical"),
                ("stockade.dev/audit", "loud"),
                ("app", "x"),
            ],
        );
        assert_eq!(t.enforce, None);
        assert_eq!(t.warn, Some(Severity::Critical));
        assert_eq!(t.audit, Some(Severity::Info));
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains("stockade.dev/audit") && errs[0].contains("\"loud\""));
    }

    #[test]
    fn the_section_is_parsed_and_validated() {
        let p = AdmissionPolicy::parse(
            "rules:\n  disable: [WL001]\nadmission:\n  enforce: critical\n  rules:\n    privileged-container: warn\n  exempt:\n    usernames: ['system:serviceaccount:ci:*']\n  judge-namespaces: [kube-system]\n  failure: closed\n",
        )
        .unwrap();
        assert_eq!(p.thresholds.enforce, Some(Severity::Critical));
        assert_eq!(p.failure, Failure::Closed);
        assert!(p.exempt_namespaces.is_empty());
        assert!(p.user_exempt("system:serviceaccount:ci:bot"));
        assert!(p.user_exempt("system:apiserver"));
        assert!(!p.user_exempt("alice"));
        assert_eq!(p.rules.len(), 1);
        for bad in [
            "admission:\n  enforce: loud\n",
            "admission:\n  rules: {NOPE1: warn}\n",
            "admission:\n  rules: {WL001: deny}\n",
            "admission:\n  surprise: 1\n",
            "admission:\n  deadline-ms: 60000\n",
            "admission:\n  failure: sideways\n",
        ] {
            assert!(AdmissionPolicy::parse(bad).is_err(), "{bad}");
        }
        assert!(AdmissionPolicy::parse("fail-on: high\n").is_ok());
    }
}
