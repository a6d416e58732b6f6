//! Known vulnerabilities in OSV format (<https://ossf.github.io/osv-schema/>), matched to a
//! component's version: `SEMVER` ranges are evaluated as the schema says (events sorted by
//! version; `introduced` opens a range, `fixed` closes it before its version, `last_affected`
//! after), with versions compared as [`crate::version`] does (vendor builds are releases).
//!
//! The embedded data is the official Kubernetes CVE feed in OSV form, dated; `load` reads
//! newer records from a file (one record, an array, or `{"records": [...]}`) or a directory of
//! `*.json` files, offline.

use crate::version::Version;
use serde::Deserialize;
use std::path::Path;
use stockade_model::Severity;

/// The embedded snapshot.
const EMBEDDED: &str = include_str!("../data/kubernetes-cve-osv.json");

/// One OSV record.
#[derive(Clone, Debug, Deserialize)]
pub struct Record {
    /// `CVE-2024-7646`.
    pub id: String,
    /// One line.
    #[serde(default)]
    pub summary: String,
    /// When it last changed (RFC 3339).
    #[serde(default)]
    pub modified: String,
    /// What is affected.
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(default)]
    pub references: Vec<Reference>,
}

/// One affected package.
#[derive(Clone, Debug, Deserialize)]
pub struct Affected {
    /// The package.
    pub package: Package,
    /// Scores.
    #[serde(default)]
    pub severity: Vec<Score>,
    /// Version ranges.
    #[serde(default)]
    pub ranges: Vec<Range>,
}

/// A package.
#[derive(Clone, Debug, Deserialize)]
pub struct Package {
    /// `k8s.io/apiserver`.
    pub name: String,
}

/// A score.
#[derive(Clone, Debug, Deserialize)]
pub struct Score {
    /// `CVSS_V3`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector.
    pub score: String,
}

/// A range.
#[derive(Clone, Debug, Deserialize)]
pub struct Range {
    /// `SEMVER` (others are not evaluated).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its events.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One event of a range.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Event {
    /// Affected from this version.
    pub introduced: Option<String>,
    /// Fixed in this version.
    pub fixed: Option<String>,
    /// Affected up to and including this version.
    pub last_affected: Option<String>,
}

/// A reference.
#[derive(Clone, Debug, Deserialize)]
pub struct Reference {
    /// The link.
    pub url: String,
}

/// A set of records, with where they came from and how recent they are.
#[derive(Clone, Debug)]
pub struct Db {
    /// The records.
    pub records: Vec<Record>,
    /// Where they came from.
    pub source: String,
    /// The newest `modified` date among them (`YYYY-MM-DD`).
    pub newest: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FileShape {
    Wrapped {
        #[serde(default)]
        source: Option<String>,
        records: Vec<Record>,
    },
    Many(Vec<Record>),
    One(Box<Record>),
}

fn db(records: Vec<Record>, source: String) -> Db {
    let newest = records
        .iter()
        .map(|r| r.modified.get(..10).unwrap_or("").to_string())
        .max()
        .unwrap_or_default();
    Db {
        records,
        source,
        newest,
    }
}

fn parse(name: &str, text: &str) -> Result<(Vec<Record>, Option<String>), String> {
    match serde_json::from_str::<FileShape>(text) {
        Ok(FileShape::Wrapped { source, records }) => Ok((records, source)),
        Ok(FileShape::Many(v)) => Ok((v, None)),
        Ok(FileShape::One(r)) => Ok((vec![*r], None)),
        Err(e) => Err(format!(
            "{name}: not OSV JSON (a record, an array of records, or {{\"records\": [...]}}): {e}"
        )),
    }
}

/// The largest data file read.
const MAX_FILE: u64 = 64 << 20;

impl Db {
    /// The embedded snapshot.
    pub fn embedded() -> Db {
        let (records, source) = parse("embedded", EMBEDDED).unwrap_or_default();
        db(records, source.unwrap_or_else(|| "embedded".into()))
    }

    /// Records from a file or a directory of `*.json` files.
    pub fn load(path: &Path) -> Result<Db, String> {
        let read = |p: &Path| -> Result<String, String> {
            let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
            if meta.len() > MAX_FILE {
                return Err(format!("{}: larger than {MAX_FILE} bytes", p.display()));
            }
            std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
        };
        let mut records = Vec::new();
        if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            for f in files {
                let (r, _) = parse(&f.display().to_string(), &read(&f)?)?;
                records.extend(r);
            }
        } else {
            let (r, _) = parse(&path.display().to_string(), &read(path)?)?;
            records = r;
        }
        if records.is_empty() {
            return Err(format!("{}: no OSV record", path.display()));
        }
        Ok(db(records, path.display().to_string()))
    }

    /// The records affecting `package` at `version`.
    pub fn matches(&self, package: &str, version: &Version) -> Vec<Match> {
        let mut out = Vec::new();
        for r in &self.records {
            for a in r.affected.iter().filter(|a| a.package.name == package) {
                let semver: Vec<&Range> = a.ranges.iter().filter(|g| g.kind == "SEMVER").collect();
                if !semver.iter().any(|g| affected(g, version)) {
                    continue;
                }
                let fixed: Vec<Version> = semver
                    .iter()
                    .flat_map(|g| g.events.iter())
                    .filter_map(|e| e.fixed.as_deref().and_then(Version::parse))
                    .collect();
                let same_minor = fixed
                    .iter()
                    .filter(|f| {
                        f.major == version.major && f.minor == version.minor && *f > version
                    })
                    .min()
                    .cloned();
                let next = fixed.iter().filter(|f| *f > version).min().cloned();
                let score = a
                    .severity
                    .iter()
                    .filter(|s| s.kind.starts_with("CVSS_V3"))
                    .find_map(|s| crate::cvss::base_score(&s.score).map(|n| (n, s.score.clone())));
                out.push(Match {
                    id: r.id.clone(),
                    summary: r.summary.clone(),
                    package: package.to_string(),
                    severity: score
                        .as_ref()
                        .map_or(Severity::Medium, |(n, _)| crate::cvss::severity(*n)),
                    score,
                    fixed_same_minor: same_minor,
                    fixed_next: next,
                    references: r.references.iter().map(|x| x.url.clone()).collect(),
                });
            }
        }
        out.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        out
    }
}

/// A record that affects a version.
#[derive(Clone, Debug)]
pub struct Match {
    /// `CVE-…`.
    pub id: String,
    /// One line.
    pub summary: String,
    /// The package it was matched as.
    pub package: String,
    /// From the CVSS score (medium when there is none).
    pub severity: Severity,
    /// The CVSS base score and its vector.
    pub score: Option<(f64, String)>,
    /// The first fixed version on the same minor, when there is one.
    pub fixed_same_minor: Option<Version>,
    /// The first fixed version above this one on any minor.
    pub fixed_next: Option<Version>,
    /// Links.
    pub references: Vec<String>,
}

/// Whether `v` is in a SEMVER range: its events sorted by version, `introduced` turns it on,
/// `fixed` off at its version, `last_affected` off after its version.
pub fn affected(range: &Range, v: &Version) -> bool {
    let zero = Version::parse("0").unwrap_or(Version {
        major: 0,
        minor: 0,
        patch: 0,
        pre: None,
        build: None,
    });
    let mut events: Vec<(Version, u8)> = range
        .events
        .iter()
        .filter_map(|e| {
            if let Some(i) = &e.introduced {
                let at = if i == "0" {
                    Some(zero.clone())
                } else {
                    Version::parse(i)
                };
                at.map(|a| (a, 0))
            } else if let Some(f) = &e.fixed {
                Version::parse(f).map(|a| (a, 1))
            } else {
                e.last_affected
                    .as_deref()
                    .and_then(Version::parse)
                    .map(|a| (a, 2))
            }
        })
        .collect();
    events.sort();
    let mut on = false;
    for (at, kind) in events {
        match kind {
            0 if at <= *v => on = true,
            1 if at <= *v => on = false,
            2 if at < *v => on = false,
            _ => {}
        }
    }
    on
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn the_embedded_feed_loads_and_is_dated() {
        let db = Db::embedded();
        assert_eq!(db.records.len(), 47);
        assert_eq!(db.newest, "2024-08-16");
        assert!(db.source.contains("cve-feed-osv"));
    }

    #[test]
    fn ranges_with_vendor_builds_and_unsorted_events() {
        let db = Db::embedded();
        // CVE-2024-3177: fixed in 1.27.13, 1.28.9 and 1.29.4.
        let hit = |p: &str, ver: &str| {
            db.matches(p, &v(ver))
                .iter()
                .any(|m| m.id == "CVE-2024-3177")
        };
        assert!(hit("k8s.io/apiserver", "v1.29.3"));
        assert!(hit("k8s.io/apiserver", "1.29.3-eks-abc"));
        assert!(
            !hit("k8s.io/apiserver", "1.29.4-eks-abc"),
            "a patched EKS build is not vulnerable"
        );
        assert!(!hit("k8s.io/apiserver", "v1.29.4+k3s1"));
        assert!(hit("k8s.io/apiserver", "1.28.8"));
        assert!(!hit("k8s.io/apiserver", "1.30.0"));
        let m = db.matches("k8s.io/apiserver", &v("1.28.2"));
        let m = m.iter().find(|m| m.id == "CVE-2024-3177").unwrap();
        assert_eq!(m.fixed_same_minor, Some(v("1.28.9")));
        // CVE-2020-8564 lists its ranges newest first.
        let hit = |ver: &str| {
            db.matches("k8s.io/kubernetes", &v(ver))
                .iter()
                .any(|m| m.id == "CVE-2020-8564")
        };
        assert!(hit("1.18.5") && hit("1.19.2") && !hit("1.19.3") && !hit("1.16.0"));
        // Scores from the vector.
        let m = db.matches("k8s.io/ingress-nginx", &v("v1.11.1"));
        let m = m.iter().find(|m| m.id == "CVE-2024-7646").unwrap();
        assert_eq!(m.score.as_ref().map(|s| s.0), Some(8.8));
        assert_eq!(m.severity, Severity::High);
    }

    #[test]
    fn last_affected_is_inclusive() {
        let r = Range {
            kind: "SEMVER".into(),
            events: vec![
                Event {
                    introduced: Some("1.2.0".into()),
                    ..Event::default()
                },
                Event {
                    last_affected: Some("1.2.5".into()),
                    ..Event::default()
                },
            ],
        };
        assert!(
            affected(&r, &v("1.2.5")) && !affected(&r, &v("1.2.6")) && !affected(&r, &v("1.1.9"))
        );
    }

    #[test]
    fn bad_data_files_are_named() {
        let d = std::env::temp_dir().join(format!("stockade-osv-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("a.json"),
            "{\"id\": \"X-1\", \"modified\": \"2026-11-30T00:00:00Z\", \"affected\": []}",
        )
        .unwrap();
        let db = Db::load(&d).unwrap();
        assert_eq!((db.records.len(), db.newest.as_str()), (1, "2026-11-30"));
        std::fs::write(d.join("b.json"), "[{\"nope\": 1}").unwrap();
        let e = Db::load(&d).unwrap_err();
        assert!(e.contains("b.json") && e.contains("not OSV JSON"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
        assert!(Db::load(Path::new("/nonexistent/osv.json")).is_err());
    }
}
