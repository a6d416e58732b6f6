//! Credential detection by what a value is. Each [`Detector`] knows one credential format
//! (its id, name, confidence, documentation and true/false-positive examples); [`scan`] runs
//! all of them over a text behind one Aho-Corasick prefilter of their literal anchors, so a
//! text with none of the anchors costs one pass. A [`Hit`] holds where the credential is and a
//! keyed [`fingerprint`] of it, never the value: callers report the detector, the place and
//! the fingerprint.
//!
//! Values that stand for a credential rather than hold one — placeholders, examples,
//! references — are rejected here ([`placeholder`]), once for every detector.

mod detectors;
mod entropy;
pub mod etcd;
pub mod exposure;
pub mod names;

pub use detectors::DETECTORS;
pub use entropy::shannon;

use aho_corasick::AhoCorasick;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// How sure a detector is that a match is a live credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// A credential-like name with a random-looking value.
    Low,
    /// A format shared with non-secrets now and then.
    Medium,
    /// A format only credentials have.
    High,
}

impl Confidence {
    /// `high`, `medium`, `low`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// One credential format.
pub struct Detector {
    /// Stable id (`SD001`).
    pub id: &'static str,
    /// Kebab-case name (`aws-access-key-id`).
    pub name: &'static str,
    /// What it finds, one line.
    pub summary: &'static str,
    /// How sure a match is.
    pub confidence: Confidence,
    /// Literal strings one of which every match (or the name it is stored under) contains,
    /// case-insensitively, for the prefilter; empty means the detector always runs (it then
    /// must be cheap).
    pub anchors: &'static [&'static str],
    /// The matcher: byte ranges of the credentials in the value. `key` is the name the value
    /// is stored under (an env var, a ConfigMap key), when there is one.
    pub find: fn(key: Option<&str>, value: &str) -> Vec<std::ops::Range<usize>>,
    /// Values it must find (made-up credentials of the right shape).
    pub true_positives: &'static [(Option<&'static str>, &'static str)],
    /// Values it must leave alone.
    pub false_positives: &'static [(Option<&'static str>, &'static str)],
}

/// A credential found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The detector.
    pub detector: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Its confidence.
    pub confidence: Confidence,
    /// Byte range in the scanned text.
    pub range: std::ops::Range<usize>,
    /// A keyed hash prefix of the credential: the same leak has the same fingerprint in every
    /// scan, and the value cannot be recovered from it.
    pub fingerprint: String,
}

/// The prefilter: one automaton over every detector's anchors, and which detector owns each
/// anchor. `None` if it could not be built (a test checks it is): then every detector runs.
static PREFILTER: LazyLock<Option<(AhoCorasick, Vec<usize>)>> = LazyLock::new(|| {
    let mut patterns = Vec::new();
    let mut owner = Vec::new();
    for (i, d) in DETECTORS.iter().enumerate() {
        for a in d.anchors {
            patterns.push(*a);
            owner.push(i);
        }
    }
    let ac = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&patterns)
        .ok()?;
    Some((ac, owner))
});

/// The fingerprint key: fixed, so fingerprints are stable across machines and runs (a
/// baseline written on one is valid on another). It keeps a fingerprint from being a plain
/// hash of the value that a dictionary of known leaked values could be matched against.
const FINGERPRINT_KEY: &[u8] = b"stockade/secret-fingerprint/v1";

/// The fingerprint of a credential value: 16 hex digits of SHA-256(key, value).
pub fn fingerprint(value: &str) -> String {
    let mut h = Sha256::new();
    h.update(FINGERPRINT_KEY);
    h.update((value.len() as u64).to_le_bytes());
    h.update(value.as_bytes());
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every credential in `value` (stored under `key`, when named), at most one hit per range,
/// the most confident detector first.
pub fn scan(key: Option<&str>, value: &str) -> Vec<Hit> {
    if value.len() < 8 {
        return Vec::new();
    }
    let mut run = vec![false; DETECTORS.len()];
    match &*PREFILTER {
        Some((ac, owner)) => {
            for (i, d) in DETECTORS.iter().enumerate() {
                if d.anchors.is_empty() {
                    run[i] = true;
                }
            }
            // Detectors that judge a value by the name it is stored under anchor on the name.
            for text in std::iter::once(value).chain(key) {
                for m in ac.find_overlapping_iter(text) {
                    if let Some(&i) = owner.get(m.pattern().as_usize()) {
                        run[i] = true;
                    }
                }
            }
        }
        None => run.iter_mut().for_each(|r| *r = true),
    }
    let mut hits: Vec<Hit> = Vec::new();
    for (i, d) in DETECTORS.iter().enumerate() {
        if !run[i] {
            continue;
        }
        for r in (d.find)(key, value) {
            let Some(found) = value.get(r.clone()) else {
                continue;
            };
            if placeholder(found) {
                continue;
            }
            if hits
                .iter()
                .any(|h| h.range.start < r.end && r.start < h.range.end)
            {
                continue;
            }
            hits.push(Hit {
                detector: d.id,
                name: d.name,
                confidence: d.confidence,
                fingerprint: fingerprint(found),
                range: r,
            });
        }
    }
    hits.sort_by_key(|h| h.range.start);
    hits
}

/// Whether a matched value stands for a credential rather than holding one: documentation
/// examples (`EXAMPLE`, `example.com`), placeholders (`changeme`, `<password>`, `${VAR}`,
/// `{{ .Values.x }}`, `xxxx`), and masks.
pub fn placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    let t = lower.trim();
    t.is_empty()
        || lower.contains("example")
        || lower.contains("changeme")
        || lower.contains("change-me")
        || lower.contains("change_me")
        || lower.contains("placeholder")
        || lower.contains("dummy")
        || lower.contains("redacted")
        || lower.contains("${")
        || lower.contains("$(")
        || lower.contains("{{")
        || lower.contains("<")
        || lower.contains("xxxxxxxx")
        || lower.contains("********")
        || lower.contains("00000000000000")
        || lower.contains("your-")
        || lower.contains("your_")
        || lower.contains("insert")
        || lower.contains("replace")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_detector_finds_its_true_positives_and_leaves_its_false_positives() {
        let mut ids = std::collections::BTreeSet::new();
        for d in DETECTORS {
            assert!(ids.insert(d.id), "duplicate id {}", d.id);
            assert!(!d.true_positives.is_empty(), "{} has true positives", d.id);
            assert!(
                !d.false_positives.is_empty(),
                "{} has false positives",
                d.id
            );
            for (key, v) in d.true_positives {
                let hits = scan(*key, v);
                assert!(
                    hits.iter().any(|h| h.detector == d.id),
                    "{} {} misses {key:?}={v:?}: {hits:?}",
                    d.id,
                    d.name
                );
            }
            for (key, v) in d.false_positives {
                let hits = scan(*key, v);
                assert!(
                    hits.iter().all(|h| h.detector != d.id),
                    "{} {} flags {key:?}={v:?}",
                    d.id,
                    d.name
                );
            }
        }
    }

    #[test]
    fn fingerprints_are_stable_and_do_not_show_the_value() {
        let f = fingerprint("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        assert_eq!(f.len(), 16);
        assert_eq!(f, fingerprint("ghp_abcdefghijklmnopqrstuvwxyz0123456789"));
        assert_ne!(f, fingerprint("ghp_abcdefghijklmnopqrstuvwxyz0123456788"));
        assert!(!f.contains("ghp"));
    }

    #[test]
    fn the_prefilter_builds() {
        assert!(PREFILTER.is_some());
    }

    #[test]
    fn short_and_plain_text_costs_nothing() {
        assert!(scan(None, "hello").is_empty());
        assert!(
            scan(
                Some("description"),
                "the quick brown fox jumps over the lazy dog"
            )
            .is_empty()
        );
    }
}
