//! One fact, one finding: a rule that declares `same_fact_as` yields where one of those rules
//! reports the same field of the same object (e.g. PSS013 where WL002 already says that
//! `allowPrivilegeEscalation` is not false). Matching on the exact field keeps every finding
//! whose condition differs: a PSS check that fires where the workload rule does not (or when the
//! workload rule is disabled) is still reported.

use std::collections::HashSet;
use stockade_model::FieldPath;
use stockade_rules::Hit;

/// Drops the hits that repeat a fact another enabled rule reported, keeping order.
pub fn drop_repeated(hits: &mut Vec<Hit<'_>>) {
    if !hits.iter().any(|h| !h.rule.same_fact_as.is_empty()) {
        return;
    }
    let reported: HashSet<(&str, *const stockade_inventory::Object, &FieldPath)> = hits
        .iter()
        .map(|h| (h.rule.id, std::ptr::from_ref(h.object), &h.path))
        .collect();
    let repeated: Vec<bool> = hits
        .iter()
        .map(|h| {
            h.rule
                .same_fact_as
                .iter()
                .any(|o| reported.contains(&(*o, std::ptr::from_ref(h.object), &h.path)))
        })
        .collect();
    drop(reported);
    let mut i = 0;
    hits.retain(|_| {
        i += 1;
        !repeated[i - 1]
    });
}
