//! Levels, policy versions and the namespace labels that select them, with the parsing rules of
//! the PodSecurity admission (k8s.io/pod-security-admission `api`).

use std::fmt;

/// The newest policy version whose checks Stockade knows (`v1.37`). `latest` evaluates as this
/// version, and so does any newer `v1.x` label, as upstream does for versions it does not know.
pub const NEWEST_MINOR: u32 = 37;

/// A Pod Security Standards level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Unrestricted.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Current pod hardening best practice.
    Restricted,
}

impl Level {
    /// Every level, least strict first.
    pub const ALL: [Level; 3] = [Level::Privileged, Level::Baseline, Level::Restricted];

    /// The name as written in labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }

    /// Parses a level exactly as the admission does (case-sensitive).
    pub fn parse(s: &str) -> Result<Level, String> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(format!(
                "must be one of privileged, baseline, restricted (found {s:?})"
            )),
        }
    }

    /// The next stricter level, if any.
    pub fn next(self) -> Option<Level> {
        match self {
            Level::Privileged => Some(Level::Baseline),
            Level::Baseline => Some(Level::Restricted),
            Level::Restricted => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy version: `latest` or `v1.<minor>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// The newest policy the evaluator knows.
    Latest,
    /// `v1.<minor>`.
    V1(u32),
}

impl Version {
    /// Parses `latest` or `v1.x` exactly as the admission does (`^v1\.(0|[1-9][0-9]*)$`).
    pub fn parse(s: &str) -> Result<Version, String> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let err = || format!(r#"must be "latest" or "v1.x" (found {s:?})"#);
        let minor = s.strip_prefix("v1.").ok_or_else(err)?;
        let well_formed = !minor.is_empty()
            && minor.bytes().all(|b| b.is_ascii_digit())
            && (minor == "0" || !minor.starts_with('0'));
        if !well_formed {
            return Err(err());
        }
        minor.parse::<u32>().map(Version::V1).map_err(|_| err())
    }

    /// The minor version whose checks apply: `latest` and versions newer than
    /// [`NEWEST_MINOR`] evaluate as the newest known policy.
    pub fn effective_minor(self) -> u32 {
        match self {
            Version::Latest => NEWEST_MINOR,
            Version::V1(m) => m.min(NEWEST_MINOR),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V1(m) => write!(f, "v1.{m}"),
        }
    }
}

/// A level at a version, written `level:version` as in the admission's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    /// The level.
    pub level: Level,
    /// The version.
    pub version: Version,
}

impl LevelVersion {
    /// `level` at `version`.
    pub fn new(level: Level, version: Version) -> Self {
        LevelVersion { level, version }
    }

    /// Whether two policies give the same verdicts (both privileged, or the same level and an
    /// equivalent version).
    pub fn equivalent(&self, other: &LevelVersion) -> bool {
        (self.level == Level::Privileged && other.level == Level::Privileged)
            || (self.level == other.level
                && self.version.effective_minor() == other.version.effective_minor())
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// Label keys on Namespace objects.
pub mod labels {
    /// `pod-security.kubernetes.io/enforce`.
    pub const ENFORCE: &str = "pod-security.kubernetes.io/enforce";
    /// `pod-security.kubernetes.io/enforce-version`.
    pub const ENFORCE_VERSION: &str = "pod-security.kubernetes.io/enforce-version";
    /// `pod-security.kubernetes.io/audit`.
    pub const AUDIT: &str = "pod-security.kubernetes.io/audit";
    /// `pod-security.kubernetes.io/audit-version`.
    pub const AUDIT_VERSION: &str = "pod-security.kubernetes.io/audit-version";
    /// `pod-security.kubernetes.io/warn`.
    pub const WARN: &str = "pod-security.kubernetes.io/warn";
    /// `pod-security.kubernetes.io/warn-version`.
    pub const WARN_VERSION: &str = "pod-security.kubernetes.io/warn-version";
}

/// The three modes of a namespace policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Violations are rejected.
    pub enforce: LevelVersion,
    /// Violations are recorded in the audit log.
    pub audit: LevelVersion,
    /// Violations are returned as warnings.
    pub warn: LevelVersion,
}

impl Default for Policy {
    /// The admission's own default: privileged at latest in every mode.
    fn default() -> Self {
        let p = LevelVersion::new(Level::Privileged, Version::Latest);
        Policy {
            enforce: p,
            audit: p,
            warn: p,
        }
    }
}

impl Policy {
    /// Whether all three modes are privileged.
    pub fn fully_privileged(&self) -> bool {
        self.enforce.level == Level::Privileged
            && self.audit.level == Level::Privileged
            && self.warn.level == Level::Privileged
    }

    /// Resolves namespace labels to a policy, falling back to `defaults` for unset labels, with
    /// the admission's rules: an unparsable enforce level means `restricted`, an unparsable
    /// audit or warn level means `privileged` (fail open), an unparsable version means `latest`;
    /// warn follows enforce when only enforce is set and is stricter. Returns the label errors.
    pub fn from_labels<'a>(
        labels: impl IntoIterator<Item = (&'a str, &'a str)>,
        defaults: Policy,
    ) -> (Policy, Vec<String>) {
        let mut p = defaults;
        let mut errs = Vec::new();
        let (mut has_enforce_level, mut has_warn_level, mut has_warn_version) =
            (false, false, false);
        let mut note = |key: &str, e: String| errs.push(format!("{key}: {e}"));
        // Labels are a map: the last value of a duplicated key wins, as with Go's decoder.
        let mut map: Vec<(&str, &str)> = Vec::new();
        for (k, v) in labels {
            map.retain(|(x, _)| *x != k);
            map.push((k, v));
        }
        let get = |k: &str| map.iter().find(|(x, _)| *x == k).map(|(_, v)| *v);
        if let Some(v) = get(labels::ENFORCE) {
            match Level::parse(v) {
                Ok(l) => {
                    p.enforce.level = l;
                    has_enforce_level = true;
                }
                Err(e) => {
                    p.enforce.level = Level::Restricted;
                    note(labels::ENFORCE, e);
                }
            }
        }
        if let Some(v) = get(labels::ENFORCE_VERSION) {
            p.enforce.version = Version::parse(v).unwrap_or_else(|e| {
                note(labels::ENFORCE_VERSION, e);
                Version::Latest
            });
        }
        if let Some(v) = get(labels::AUDIT) {
            p.audit.level = Level::parse(v).unwrap_or_else(|e| {
                note(labels::AUDIT, e);
                Level::Privileged
            });
        }
        if let Some(v) = get(labels::AUDIT_VERSION) {
            p.audit.version = Version::parse(v).unwrap_or_else(|e| {
                note(labels::AUDIT_VERSION, e);
                Version::Latest
            });
        }
        if let Some(v) = get(labels::WARN) {
            has_warn_level = true;
            p.warn.level = Level::parse(v).unwrap_or_else(|e| {
                note(labels::WARN, e);
                Level::Privileged
            });
        }
        if let Some(v) = get(labels::WARN_VERSION) {
            has_warn_version = true;
            p.warn.version = Version::parse(v).unwrap_or_else(|e| {
                note(labels::WARN_VERSION, e);
                Version::Latest
            });
        }
        if !has_warn_level && has_enforce_level && p.enforce.level > p.warn.level {
            p.warn.level = p.enforce.level;
            if !has_warn_version {
                p.warn.version = p.enforce.version;
            }
        }
        (p, errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_like_the_admission() {
        assert_eq!(Version::parse("latest"), Ok(Version::Latest));
        assert_eq!(Version::parse("v1.0"), Ok(Version::V1(0)));
        assert_eq!(Version::parse("v1.25"), Ok(Version::V1(25)));
        for bad in [
            "", "v1.", "v1.01", "v2.0", "1.25", "v1.25.0", "Latest", "v1.x",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Version::V1(99).effective_minor(), NEWEST_MINOR);
        assert_eq!(Version::Latest.to_string(), "latest");
    }

    #[test]
    fn levels_are_case_sensitive() {
        assert!(Level::parse("Baseline").is_err());
        assert_eq!(Level::parse("baseline"), Ok(Level::Baseline));
    }

    #[test]
    fn labels_resolve_like_the_admission() {
        let d = Policy::default();
        let (p, errs) = Policy::from_labels([(labels::ENFORCE, "baseline")], d);
        assert!(errs.is_empty());
        assert_eq!(p.enforce.level, Level::Baseline);
        // warn follows a stricter enforce level and its version
        assert_eq!(p.warn.level, Level::Baseline);
        assert_eq!(p.audit.level, Level::Privileged);

        let (p, _) = Policy::from_labels(
            [
                (labels::ENFORCE, "restricted"),
                (labels::ENFORCE_VERSION, "v1.24"),
            ],
            d,
        );
        assert_eq!(
            p.warn,
            LevelVersion::new(Level::Restricted, Version::V1(24))
        );

        // explicit warn wins
        let (p, _) = Policy::from_labels(
            [(labels::ENFORCE, "restricted"), (labels::WARN, "baseline")],
            d,
        );
        assert_eq!(p.warn.level, Level::Baseline);

        // bad enforce level fails closed, bad audit/warn fail open, bad version is latest
        let (p, errs) = Policy::from_labels(
            [
                (labels::ENFORCE, "strict"),
                (labels::AUDIT, "nope"),
                (labels::ENFORCE_VERSION, "1.25"),
            ],
            d,
        );
        assert_eq!(errs.len(), 3);
        assert_eq!(
            p.enforce,
            LevelVersion::new(Level::Restricted, Version::Latest)
        );
        assert_eq!(p.audit.level, Level::Privileged);
        // an enforce label that failed to parse does not raise warn
        assert_eq!(p.warn.level, Level::Privileged);
    }
}
