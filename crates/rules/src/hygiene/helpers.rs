//! Helpers shared by the hygiene family: how sure a finding is, and how that shows in its
//! message and severity.
//!
//! Every hygiene finding ends with `(confidence: high|medium|low: why)`. High confidence
//! reports the rule's own severity; medium one step lower; low two steps lower (never below
//! info). Objects read from a live cluster start at high confidence; objects from manifests
//! start at medium, because manifests outside the inputs can hold the reference. A custom
//! resource (a kind Stockade does not understand) that mentions the object's name lowers the
//! confidence to low instead of silencing the finding.

use crate::Checker;
use stockade_inventory::references::{ObjectKey, namespace_of};
use stockade_inventory::{Inventory, Object, ObjectOrigin};
use stockade_model::{FieldPath, Severity};
use stockade_sources::{Node, Value};

/// How sure a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// Something we cannot see may well use it.
    Low,
    /// Probably right; something outside the inputs could still use it.
    Medium,
    /// The inputs are complete for this question and nothing uses it.
    High,
}

impl Confidence {
    /// `high`, `medium` or `low`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// A rule's severity at a confidence: one step lower per step below high, never below info.
pub fn severity_at(base: Severity, c: Confidence) -> Severity {
    let steps = match c {
        Confidence::High => 0,
        Confidence::Medium => 1,
        Confidence::Low => 2,
    };
    let mut s = base;
    for _ in 0..steps {
        s = match s {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        };
    }
    s
}

/// How sure a finding is, and why.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The confidence.
    pub confidence: Confidence,
    /// Why, in short clauses.
    pub reasons: Vec<String>,
}

impl Verdict {
    /// The starting point for an object: high on a live cluster, medium from manifests.
    pub fn for_object(o: &Object) -> Verdict {
        if is_live(o) {
            Verdict {
                confidence: Confidence::High,
                reasons: vec!["read from a live cluster".to_string()],
            }
        } else {
            Verdict {
                confidence: Confidence::Medium,
                reasons: vec!["manifests outside the inputs could refer to it".to_string()],
            }
        }
    }

    /// A verdict with one reason.
    pub fn new(confidence: Confidence, reason: impl Into<String>) -> Verdict {
        Verdict {
            confidence,
            reasons: vec![reason.into()],
        }
    }

    /// Caps the confidence at `c`, with a reason.
    pub fn cap(&mut self, c: Confidence, reason: impl Into<String>) {
        if c < self.confidence {
            self.confidence = c;
            // The starting reason no longer explains the level: the new one does.
            self.reasons.retain(|r| {
                r != "read from a live cluster"
                    && r != "manifests outside the inputs could refer to it"
            });
        }
        self.reasons.push(reason.into());
    }

    /// Lowers the confidence to low when a custom resource mentions the object's name.
    pub fn check_mentions(&mut self, inv: &Inventory, key: &ObjectKey) {
        let mentions = inv.references().mentions(inv, key);
        let Some(first) = mentions.first() else {
            return;
        };
        let who = first
            .source(inv)
            .map(|o| format!("{} at {}", o.oref(), first.path))
            .unwrap_or_default();
        let more = match mentions.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        self.cap(
            Confidence::Low,
            format!("mentioned by {who}{more}, a custom resource Stockade cannot interpret"),
        );
    }

    /// `(confidence: medium: a; b)`.
    pub fn suffix(&self) -> String {
        format!(
            "(confidence: {}: {})",
            self.confidence.as_str(),
            self.reasons.join("; ")
        )
    }

    /// Reports `message` with this verdict: the suffix appended, the severity lowered.
    pub fn report(
        &self,
        cx: &mut Checker<'_>,
        o: &Object,
        path: FieldPath,
        base: Severity,
        message: &str,
    ) {
        cx.report_with_severity(
            o,
            path,
            severity_at(base, self.confidence),
            format!("{message} {}", self.suffix()),
        );
    }
}

/// Seconds since the Unix epoch now, for comparing with the API server's timestamps.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Whether the timestamp `at` (seconds since the epoch) is at least `hours` old.
pub fn older_than(at: i64, hours: f64) -> bool {
    #[allow(clippy::cast_possible_truncation)] // hours are small; seconds fit an i64
    let threshold = (hours * 3600.0) as i64;
    now_secs().saturating_sub(at) >= threshold
}

/// Whether the object was read from a live cluster.
pub fn is_live(o: &Object) -> bool {
    matches!(o.origin, ObjectOrigin::Cluster { .. })
}

/// The kinds that can refer to a Secret among those a live scan reads: every kind with a pod
/// spec, ServiceAccounts, Ingresses (TLS) and PersistentVolumes (volume sources).
pub const SECRET_USERS: &[&str] = &stockade_model::kinds::concat::<12>(&[
    stockade_model::kinds::WORKLOAD_KINDS,
    &["ServiceAccount", "Ingress", "PersistentVolume"],
]);

/// Every namespaced kind a live scan reads (a test checks it against the catalogue): what an
/// empty namespace is judged by.
pub use stockade_model::kinds::SCANNED_NAMESPACED_KINDS as NAMESPACED_KINDS;

/// Namespaces whose objects the control plane itself uses by name (not through references).
pub fn is_system_namespace(ns: &str) -> bool {
    matches!(ns, "kube-system" | "kube-public" | "kube-node-lease")
}

/// The normalized namespace of an object (`default` for a namespaced object that says none).
pub fn ns(o: &Object) -> &str {
    namespace_of(o).unwrap_or("")
}

/// Whether the inputs hold an object of `kind` in namespace `ns` (normalized).
pub fn has_kind_in(cx: &Checker<'_>, kind: &str, ns_name: &str) -> bool {
    if ns_name.is_empty() {
        return cx.inv.of_kind(kind).any(|o| ns(o) == ns_name);
    }
    // An object normalized into a named namespace says that namespace, or (`default`) says
    // none: two lookups in the run's namespace index instead of a scan per call, which made
    // rules asking once per object quadratic.
    [Some(ns_name), None]
        .into_iter()
        .any(|raw| cx.in_namespace(kind, raw).iter().any(|o| ns(o) == ns_name))
}

/// The first owner of an object, as `Kind/name`, when it has `ownerReferences`.
pub fn owner(o: &Object) -> Option<String> {
    let r = o.owners().next()?;
    Some(format!(
        "{}/{}",
        r.kind.unwrap_or("?"),
        r.name.unwrap_or("?")
    ))
}

/// The path of `metadata.name`, where findings about a whole object point.
pub fn name_path() -> FieldPath {
    FieldPath::root().key("metadata").key("name")
}

/// The `include-system-namespaces` option every "unused" rule takes.
pub const SYSTEM_NAMESPACES_OPTION: crate::RuleOption = crate::RuleOption {
    name: "include-system-namespaces",
    help: "Also judge objects in kube-system, kube-public and kube-node-lease, which control-plane components use by name rather than through references.",
    default: "false",
};

/// Whether a custom resource in `ns_name` has a `labels` mapping (anywhere, such as a pod
/// template of a custom workload) that a Service-style selector matches.
pub fn custom_labels_match(
    inv: &Inventory,
    ns_name: &str,
    selector: &[(&str, &str)],
) -> Option<String> {
    for &i in inv.references().unknown_objects() {
        let Some(o) = inv.objects().get(i) else {
            continue;
        };
        if o.namespace().unwrap_or("default") != ns_name {
            continue;
        }
        let mut stack = vec![&o.root];
        while let Some(n) = stack.pop() {
            match &n.value {
                Value::Map(m) => {
                    for (k, v) in m {
                        if &*k.name == "labels" {
                            let ok = selector
                                .iter()
                                .all(|(sk, sv)| v.get(sk).and_then(Node::as_str) == Some(*sv));
                            if ok && !selector.is_empty() {
                                return Some(o.oref().to_string());
                            }
                        }
                        stack.push(v);
                    }
                }
                Value::Seq(v) => stack.extend(v.iter()),
                _ => {}
            }
        }
    }
    None
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp (`2024-05-01T12:00:00Z`, with an
/// optional fraction and `Z` or `±hh:mm` offset); `None` when it is not one.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    stockade_model::time::parse_timestamp(s).map(|us| us.div_euclid(1_000_000))
}

/// `major.minor` of a Kubernetes version such as `v1.31.4-eks-1234` or `1.30`.
pub fn minor_version(v: &str) -> Option<(u64, u64)> {
    let v = v.trim().trim_start_matches('v');
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Reports `o` when nothing refers to it, with the confidence the inputs allow. `kinds_of_use`
/// names, for the message, the references that were looked for.
pub fn report_unreferenced(cx: &mut Checker<'_>, o: &Object, base: Severity, kinds_of_use: &str) {
    let inv = cx.inv;
    let key = ObjectKey::of(o);
    if inv.references().users_of(&key).next().is_some() {
        return;
    }
    let mut v = Verdict::for_object(o);
    v.check_mentions(inv, &key);
    v.report(
        cx,
        o,
        name_path(),
        base,
        &format!(
            "nothing refers to this {}: no {kinds_of_use} names it",
            o.kind()
        ),
    );
}

/// Common guards of the "unused" rules: owned objects and (unless the option says otherwise)
/// system namespaces are not judged.
pub fn skip_managed(cx: &Checker<'_>, o: &Object) -> bool {
    owner(o).is_some()
        || (is_system_namespace(ns(o)) && !cx.option_bool("include-system-namespaces"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_kinds_are_the_scanned_namespaced_kinds() {
        let want: Vec<&str> = stockade_model::kinds::scanned()
            .filter(|r| r.namespaced)
            .map(|r| r.kind)
            .collect();
        assert_eq!(NAMESPACED_KINDS, want.as_slice());
    }

    #[test]
    fn severity_drops_a_step_per_confidence_level() {
        assert_eq!(
            severity_at(Severity::Medium, Confidence::High),
            Severity::Medium
        );
        assert_eq!(
            severity_at(Severity::Medium, Confidence::Medium),
            Severity::Low
        );
        assert_eq!(
            severity_at(Severity::Medium, Confidence::Low),
            Severity::Info
        );
        assert_eq!(severity_at(Severity::Low, Confidence::Low), Severity::Info);
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2024-03-01T00:00:00Z"), Some(1_709_251_200));
        assert_eq!(
            parse_rfc3339("2024-03-01T01:00:00.123+01:00"),
            Some(1_709_251_200)
        );
        assert_eq!(parse_rfc3339("2024-03-01"), None);
        assert_eq!(parse_rfc3339("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2024-03-01T00:00:00+1"), None);
        assert_eq!(parse_rfc3339("2024-03-01T00:00:00ZZ"), None);
        assert_eq!(parse_rfc3339("２０２４-03-01T00:00:00Z"), None);
    }

    #[test]
    fn versions() {
        assert_eq!(minor_version("v1.31.4-eks-1234"), Some((1, 31)));
        assert_eq!(minor_version("1.30"), Some((1, 30)));
        assert_eq!(minor_version("v1.36.0+k3s1"), Some((1, 36)));
        assert_eq!(minor_version("garbage"), None);
        assert_eq!(minor_version("v1"), None);
    }
}
