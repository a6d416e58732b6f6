//! Helpers for the audit-policy rules: probing a policy with the requests that matter and
//! finding rules that could log a resource's bodies.

use crate::policy::{
    Decision, GroupResources, Level, Policy, PolicyRule, Request, group_resource_matches,
};
use crate::rule::PolicyCx;
use stockade_model::FieldPath;

/// The identity used for probes: an ordinary authenticated user named in no policy rule.
pub const PROBE_USER: &str = "stockade:audit-policy-probe";
/// Its groups.
pub const PROBE_GROUPS: &[&str] = &["system:authenticated"];

/// A resource target: (group, resource, subresource, namespace).
pub type Target<'a> = (&'a str, &'a str, &'a str, &'a str);

/// Decides a resource request by the probe user.
pub fn decide(policy: &Policy, verb: &str, t: Target<'_>) -> Decision {
    policy.decide(&Request {
        user: PROBE_USER,
        groups: PROBE_GROUPS,
        verb,
        resource: Some((t.0, t.1, t.2, t.3, "")),
        path: "",
    })
}

/// `verb group/resource[/sub]` for messages.
pub fn describe(verb: &str, t: Target<'_>) -> String {
    let mut s = format!("{verb} ");
    if !t.0.is_empty() {
        s.push_str(t.0);
        s.push('/');
    }
    s.push_str(t.1);
    if !t.2.is_empty() {
        s.push('/');
        s.push_str(t.2);
    }
    s
}

/// Reports every probe whose ResponseComplete event would not be written, at the rule that
/// decided it (or at `rules` when no rule matched). One finding per deciding rule.
pub fn report_unlogged(cx: &mut PolicyCx<'_>, probes: &[(&str, Target<'_>)], what: &str) {
    // Per deciding rule: (resource, verbs) in probe order.
    type Unlogged = Vec<(String, Vec<String>)>;
    let mut by_rule: Vec<(Option<usize>, Unlogged, Option<Level>)> = Vec::new();
    for (verb, t) in probes {
        let d = decide(cx.policy, verb, *t);
        if d.logs_stage("ResponseComplete") {
            continue;
        }
        let level = d.rule.map(|_| d.level);
        let res = describe("", *t).trim_start().to_string();
        let entry = match by_rule.iter_mut().position(|(r, _, _)| *r == d.rule) {
            Some(i) => &mut by_rule[i].1,
            None => {
                by_rule.push((d.rule, Vec::new(), level));
                let last = by_rule.len() - 1;
                &mut by_rule[last].1
            }
        };
        match entry.iter_mut().find(|(r, _)| *r == res) {
            Some((_, verbs)) => verbs.push(verb.to_string()),
            None => entry.push((res, vec![verb.to_string()])),
        }
    }
    for (rule, requests, level) in by_rule {
        let (path, why) = match (rule, level) {
            (Some(i), Some(Level::None)) => (
                Policy::rule_path(i).key("level"),
                format!("rule {i} sets level None"),
            ),
            (Some(i), _) => (
                Policy::rule_path(i).key("omitStages"),
                format!("rule {i} omits stage ResponseComplete"),
            ),
            (None, _)
                if cx
                    .policy
                    .omit_stages
                    .iter()
                    .any(|s| s == "ResponseComplete") =>
            {
                (
                    FieldPath::root().key("omitStages"),
                    "the policy omits stage ResponseComplete".to_string(),
                )
            }
            (None, _) => (
                FieldPath::root().key("rules"),
                "no rule matches them".to_string(),
            ),
        };
        let list: Vec<String> = requests
            .iter()
            .map(|(r, verbs)| format!("{} {r}", verbs.join("/")))
            .collect();
        cx.report(
            path,
            format!("{what} are not logged ({}): {why}", list.join(", ")),
        );
    }
}

/// Whether a rule could match some request to the target (ignoring users, groups and verbs,
/// which some request satisfies, and object names).
pub fn could_match(r: &PolicyRule, group: &str, resource: &str, sub: &str) -> bool {
    if r.resources.is_empty() {
        return r.non_resource_urls.is_empty() || !r.namespaces.is_empty();
    }
    r.resources
        .iter()
        .any(|gr| group_resource_matches(gr, group, resource, sub, None))
}

/// Whether a rule matches every request to the target, whoever makes it, whatever its name.
pub fn matches_all(r: &PolicyRule, group: &str, resource: &str, sub: &str) -> bool {
    if r.filters_requests() || !r.namespaces.is_empty() {
        return false;
    }
    if r.resources.is_empty() {
        return r.non_resource_urls.is_empty();
    }
    r.resources.iter().any(|gr: &GroupResources| {
        gr.resource_names.is_empty() && group_resource_matches(gr, group, resource, sub, None)
    })
}
