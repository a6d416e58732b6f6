//! The one finding type every analyzer produces and every reporter renders.

use crate::{Control, FieldPath, Severity};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt;

/// Which Kubernetes object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// `apiVersion` as written (`apps/v1`).
    pub api_version: String,
    /// `kind` (`Deployment`).
    pub kind: String,
    /// Namespace as written, when the object has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName` when only that is set; empty when neither is).
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// Where a finding or diagnostic points: a file position, or a live object in a cluster.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The file as given on the command line (`-` for stdin), or `cluster:<name>` for live objects.
    pub path: String,
    /// 1-based line; 0 when unknown (live objects).
    pub line: u32,
    /// 1-based column in characters; 0 when unknown.
    pub column: u32,
    /// The helm template the document came from (`# Source:` comment), when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Index of the YAML document in its file (0-based).
    pub document: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return f.write_str(&self.path);
        }
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// How a finding was suppressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    /// `stockade.dev/ignore` annotation on the object.
    Annotation,
    /// An entry in `.stockade.yaml` `suppressions:`.
    Config,
    /// The fingerprint is in the baseline file.
    Baseline,
}

/// A suppression that applied to a finding, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Suppression {
    /// Where the suppression came from.
    pub kind: SuppressionKind,
    /// The reason given by whoever suppressed it.
    pub reason: String,
}

/// One problem found by one rule on one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable rule id, e.g. `WL001` (borrowed from the rule's metadata for built-in rules).
    pub rule_id: Cow<'static, str>,
    /// Kebab-case rule name, e.g. `privileged-container`.
    pub rule_name: Cow<'static, str>,
    /// Severity after config overrides.
    pub severity: Severity,
    /// What is wrong, naming the offending items (lowercase, no trailing period).
    pub message: String,
    /// The object the finding is about.
    pub object: ObjectRef,
    /// Where the offending field (or its nearest existing parent) is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Path of the offending field within the object.
    pub field_path: FieldPath,
    /// How to fix it.
    pub remediation: Cow<'static, str>,
    /// Framework controls the rule maps to.
    pub controls: Cow<'static, [Control]>,
    /// Stable identity for baselines: rule + object identity + field path.
    pub fingerprint: String,
    /// The source line the location points at, with any secret material redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// Set when a suppression applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
}

/// The stable fingerprint of a finding: unchanged when documents move, lines shift or files are
/// renamed, changed when the rule, the object or the offending field changes.
pub fn fingerprint(rule_id: &str, object: &ObjectRef, path: &FieldPath) -> String {
    let mut h = Sha256::new();
    let path = path.to_string();
    for part in [
        rule_id,
        object.kind.as_str(),
        object.namespace.as_deref().unwrap_or(""),
        object.name.as_str(),
        path.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let d = h.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in d.iter().take(16) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}
