//! The findings of a `stockade pss` assessment: one per offending field, under the PSS rule of
//! its check, with the suppressions `scan` applies.

use crate::{Settings, Suppressed, suppress};
use std::collections::{BTreeMap, HashMap};
use stockade_inventory::Inventory;
use stockade_model::fingerprint;
use stockade_pss::answer::Assessment;
use stockade_rules::Rule;

/// What [`pss_findings`] gives: the findings split by suppression, and the rules they are
/// under (every rule of a failed check, in id order).
#[derive(Debug)]
pub struct PssFindings {
    /// The findings, split; `warnings` are for expired suppressions.
    pub split: Suppressed,
    /// The rules of the failed checks.
    pub rules: Vec<&'static Rule>,
}

/// One finding per offending field of each failed check (at `--level`, else of the enforce
/// policy), in verdict order, with annotation and config suppressions applied
/// ([`suppress`]). The assessment learns which fields are suppressed, its diagnostics get the
/// warnings for expired entries, and it counts the suppressed findings.
pub fn pss_findings(
    a: &mut Assessment,
    inv: &Inventory,
    settings: Option<&Settings>,
    today: &str,
) -> PssFindings {
    let mut findings = Vec::new();
    let mut rules = BTreeMap::new();
    let defaults = Settings::default();
    let settings_or_default = settings.unwrap_or(&defaults);
    let snippets = crate::snippet::Cache::default();
    for v in &a.objects {
        let Some(e) = v.evaluation.as_ref().or(v.admission.enforce.as_ref()) else {
            continue;
        };
        for c in &e.checks {
            let Some(rule) = stockade_rules::pss::rule_for_check(c.id) else {
                continue;
            };
            rules.insert(rule.id, rule);
            let Some(object) = inv.objects().get(v.index) else {
                continue;
            };
            for viol in &c.violations {
                // Through the constructor every finding of `scan` goes through: location,
                // snippet (redacted as everywhere), severity overrides, fingerprint.
                let hit = stockade_rules::Hit {
                    rule,
                    object,
                    path: viol.path.clone(),
                    message: viol.finding_message.clone(),
                    sensitive: false,
                    severity: None,
                };
                findings.push(crate::run::to_finding(
                    inv,
                    settings_or_default,
                    &snippets,
                    hit,
                ));
            }
        }
    }
    let split = suppress(settings, Some(inv), None, today, findings);
    let by_fingerprint: HashMap<&str, &stockade_model::Suppression> = split
        .suppressed
        .iter()
        .filter_map(|f| Some((f.fingerprint.as_str(), f.suppression.as_ref()?)))
        .collect();
    a.mark_suppressed(|object, rule, path| {
        by_fingerprint
            .get(fingerprint(rule, object, path).as_str())
            .map(|s| (*s).clone())
    });
    a.suppressed = by_fingerprint.len();
    a.diagnostics.extend(split.warnings.iter().cloned());
    PssFindings {
        rules: rules.into_values().collect(),
        split,
    }
}
