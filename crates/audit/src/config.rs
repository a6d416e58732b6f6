//! Audit settings from `.stockade.yaml`: which audit rules run, severity overrides and options
//! (the same `rules:` keys as every rule, read here for `AU` rules only), plus an `audit:`
//! section for the identities and namespaces every audit rule trusts.
//!
//! ```yaml
//! rules:
//!   disable: [deprecated-api-used]
//!   severity: {AU005: high}
//!   options:
//!     exec-into-pod: {sensitive-namespaces: [kube-system, prod]}
//! audit:
//!   trusted-users: ["admin@example.com", "system:serviceaccount:ci:*"]
//!   trusted-groups: ["platform-admins"]
//!   ignored-namespaces: ["sandbox-*"]
//! ```
//!
//! Keys of other families are left to the engine; unknown audit rules, options and `audit:`
//! keys are errors.

use crate::registry::{AUDIT_RULES, find};
use crate::rule::{AuditRule, Source};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stockade_framework::Family;
use stockade_model::Severity;

/// Settings for audit rules.
#[derive(Clone, Debug)]
pub struct AuditSettings {
    /// Rules that run (event and policy rules), sorted by id.
    pub enabled: Vec<&'static AuditRule>,
    /// Severity overrides by rule id.
    pub severity: BTreeMap<&'static str, Severity>,
    /// Options by rule id.
    pub options: BTreeMap<&'static str, Map<String, Json>>,
    /// Users no event rule alerts on (`*` suffix: prefix).
    pub trusted_users: Vec<String>,
    /// Groups whose members no event rule alerts on.
    pub trusted_groups: Vec<String>,
    /// Namespaces whose objects no event rule alerts on (`*` suffix: prefix).
    pub ignored_namespaces: Vec<String>,
    /// `fail-on` from the file.
    pub fail_on: Option<Severity>,
    /// The file, if any.
    pub source: Option<PathBuf>,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            enabled: AUDIT_RULES
                .iter()
                .copied()
                .filter(|r| r.default_enabled)
                .collect(),
            severity: BTreeMap::new(),
            options: BTreeMap::new(),
            trusted_users: Vec::new(),
            trusted_groups: Vec::new(),
            ignored_namespaces: Vec::new(),
            fail_on: None,
            source: None,
        }
    }
}

/// Audit rules named by an entry, `None` when it names none (it may belong to another family).
fn select(entry: &str) -> Option<Vec<&'static AuditRule>> {
    if entry.eq_ignore_ascii_case("all") || Family::parse(entry) == Some(Family::Audit) {
        return Some(AUDIT_RULES.to_vec());
    }
    find(entry).map(|r| vec![r])
}

fn string_list(v: Option<&Json>, what: &str) -> Result<Vec<String>, String> {
    match v {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{what}: expected a list of strings"))
            })
            .collect(),
        Some(_) => Err(format!("{what}: expected a list of strings")),
    }
}

impl AuditSettings {
    /// Loads settings from a file.
    pub fn load(path: &Path) -> Result<AuditSettings, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut s = AuditSettings::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        s.source = Some(path.to_path_buf());
        Ok(s)
    }

    /// Parses settings text.
    pub fn parse(text: &str) -> Result<AuditSettings, String> {
        let mut s = AuditSettings::default();
        if text.trim().is_empty() {
            return Ok(s);
        }
        let root: Json = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        let empty = Map::new();
        let root = match &root {
            Json::Object(m) => m,
            Json::Null => &empty,
            _ => return Err("expected a mapping at the top level".into()),
        };
        if let Some(f) = root.get("fail-on").and_then(Json::as_str) {
            s.fail_on = Some(f.parse().map_err(|e| format!("fail-on: {e}"))?);
        }
        let rules = root
            .get("rules")
            .and_then(Json::as_object)
            .unwrap_or(&empty);
        // A rule beats `audit` beats `all`; at the same breadth, disable wins. Entries of other
        // families are left to the engine.
        let enable = string_list(rules.get("enable"), "rules.enable")?;
        let disable = string_list(rules.get("disable"), "rules.disable")?;
        let mut state: BTreeMap<&'static str, bool> = AUDIT_RULES
            .iter()
            .map(|r| (r.id, r.default_enabled))
            .collect();
        let _ = stockade_framework::selection::apply(&mut state, &enable, &disable, |e| {
            Ok(select(e)
                .map(|rules| rules.iter().map(|r| r.id).collect())
                .unwrap_or_default())
        });
        s.enabled = AUDIT_RULES
            .iter()
            .copied()
            .filter(|r| state.get(r.id) == Some(&true))
            .collect();
        if let Some(sev) = rules.get("severity").and_then(Json::as_object) {
            for (k, v) in sev {
                let Some(r) = find(k) else { continue };
                let v = v
                    .as_str()
                    .ok_or_else(|| format!("rules.severity.{k}: expected a severity"))?;
                s.severity.insert(
                    r.id,
                    v.parse().map_err(|e| format!("rules.severity.{k}: {e}"))?,
                );
            }
        }
        if let Some(opts) = rules.get("options").and_then(Json::as_object) {
            for (k, v) in opts {
                let Some(r) = find(k) else { continue };
                let m = v
                    .as_object()
                    .ok_or_else(|| format!("rules.options.{k}: expected a mapping of options"))?;
                for name in m.keys() {
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
                s.options.insert(r.id, m.clone());
            }
        }
        if let Some(audit) = root.get("audit") {
            let audit = audit
                .as_object()
                .ok_or_else(|| "audit: expected a mapping".to_string())?;
            for (k, v) in audit {
                let list = string_list(Some(v), &format!("audit.{k}"))?;
                match k.as_str() {
                    "trusted-users" => s.trusted_users = list,
                    "trusted-groups" => s.trusted_groups = list,
                    "ignored-namespaces" => s.ignored_namespaces = list,
                    _ => {
                        return Err(format!(
                            "audit: unknown key `{k}` (known: trusted-users, trusted-groups, ignored-namespaces)"
                        ));
                    }
                }
            }
        }
        Ok(s)
    }

    /// Applies `enable` and `disable` entries on top of the rules selected so far, with the
    /// precedence of every family: a rule beats `audit` beats `all`, and at the same breadth
    /// `disable` wins, whatever the order. The error names the list of the unknown entry.
    pub fn select_rules<S: AsRef<str>>(
        &mut self,
        enable: &[S],
        disable: &[S],
    ) -> Result<(), (&'static str, String)> {
        let mut state: BTreeMap<&'static str, bool> = AUDIT_RULES
            .iter()
            .map(|r| (r.id, self.enabled.iter().any(|x| x.id == r.id)))
            .collect();
        stockade_framework::selection::apply(&mut state, enable, disable, |e| {
            select(e)
                .map(|rules| rules.iter().map(|r| r.id).collect())
                .ok_or_else(|| {
                    format!("unknown audit rule `{e}` (see `stockade rules --family audit`)")
                })
        })
        .map_err(|(a, m)| (a.as_str(), m))?;
        self.enabled = AUDIT_RULES
            .iter()
            .copied()
            .filter(|r| state.get(r.id) == Some(&true))
            .collect();
        Ok(())
    }

    /// Turns on an audit rule, `audit` or `all` (for `--enable`).
    pub fn enable(&mut self, entry: &str) -> Result<(), String> {
        self.select_rules(&[entry], &[] as &[&str])
            .map_err(|(_, m)| m)
    }

    /// Turns off an audit rule, `audit` or `all` (for `--disable`).
    pub fn disable(&mut self, entry: &str) -> Result<(), String> {
        self.select_rules(&[] as &[&str], &[entry])
            .map_err(|(_, m)| m)
    }

    /// The severity of a rule after overrides.
    pub fn severity_of(&self, rule: &AuditRule) -> Severity {
        self.severity.get(rule.id).copied().unwrap_or(rule.severity)
    }

    /// Enabled rules reading `source`.
    pub fn rules_for(&self, source: Source) -> impl Iterator<Item = &'static AuditRule> + '_ {
        self.enabled
            .iter()
            .copied()
            .filter(move |r| r.source == source)
    }

    /// Settings that run only `rule`, with the given options (for fixtures and tests).
    pub fn only(rule: &'static AuditRule, options: Map<String, Json>) -> AuditSettings {
        let mut s = AuditSettings {
            enabled: vec![rule],
            ..AuditSettings::default()
        };
        s.options.insert(rule.id, options);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_audit_keys_and_leaves_the_rest_to_the_engine() {
        let s = AuditSettings::parse(
            "fail-on: medium\nrules:\n  disable: [WL001, deprecated-api-used]\n  severity: {AU001: critical, WL002: low}\n  options:\n    exec-into-pod: {sensitive-namespaces: [prod]}\naudit:\n  trusted-users: [admin]\n",
        )
        .unwrap();
        assert_eq!(s.fail_on, Some(Severity::Medium));
        assert!(!s.enabled.iter().any(|r| r.name == "deprecated-api-used"));
        assert!(s.enabled.iter().any(|r| r.name == "exec-into-pod"));
        assert_eq!(s.severity.get("AU001"), Some(&Severity::Critical));
        assert!(s.options.contains_key("AU001"));
        assert_eq!(s.trusted_users, ["admin"]);
    }

    #[test]
    fn rejects_unknown_audit_options_and_keys() {
        let e = AuditSettings::parse("rules:\n  options:\n    AU001: {nope: 1}\n").unwrap_err();
        assert!(e.contains("unknown option `nope`"), "{e}");
        let e = AuditSettings::parse("audit:\n  trusted: [x]\n").unwrap_err();
        assert!(e.contains("unknown key `trusted`"), "{e}");
    }

    #[test]
    fn family_then_rule_entries() {
        let s = AuditSettings::parse("rules:\n  disable: [audit]\n  enable: [AU001]\n").unwrap();
        assert_eq!(
            s.enabled.iter().map(|r| r.id).collect::<Vec<_>>(),
            ["AU001"]
        );
    }
}
