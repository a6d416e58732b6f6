//! Helpers shared by the RBAC family: the model of the inventory (with the API server's
//! bootstrap roles, so bindings to `edit` or `admin` are understood) and the one way every
//! "who is granted X" rule reports.
//!
//! Objects carrying `kubernetes.io/bootstrapping: rbac-defaults` (the API server's own, as a
//! live scan reads them) are never reported: they are the platform, not the user's grants.

use crate::Checker;
use stockade_inventory::Object;
use stockade_model::{FieldPath, Severity};
use stockade_rbac::defaults::is_bootstrap;
use stockade_rbac::{Binding, BindingKind, Model, PolicyRule, RoleKind};

/// The kinds every RBAC rule reads.
pub const KINDS: &[&str] = &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

/// The RBAC model of the inventory, with the built-in defaults (built once per run).
pub fn model<'a>(cx: &Checker<'a>) -> &'a Model<'a> {
    cx.rbac()
}

/// Whether an object is the user's (loaded, and not an API-server default).
pub fn is_users(o: &Object, builtin: bool) -> bool {
    !builtin && !is_bootstrap(o)
}

/// The subjects of a binding, for messages: `User alice, ServiceAccount prod/api`.
pub fn subjects(b: &Binding<'_>) -> String {
    let v: Vec<String> = b.subjects.iter().map(|s| s.display()).collect();
    if v.is_empty() {
        "no subjects".to_string()
    } else {
        v.join(", ")
    }
}

/// What a grant rule looks for.
pub struct Grant<'r> {
    /// Checks one rule; returns what it grants (e.g. `get,list secrets`) when it matches.
    pub matches: &'r dyn Fn(&PolicyRule) -> Option<String>,
    /// The resources are cluster-scoped: a RoleBinding cannot grant them.
    pub cluster_scoped: bool,
    /// Severity when granted cluster-wide (ClusterRoleBinding).
    pub cluster_severity: Severity,
    /// Severity when granted in one namespace (RoleBinding), or by an unbound role.
    pub namespace_severity: Severity,
}

/// Reports every user binding whose role grants what `g` looks for (at `roleRef`), and every
/// user role that grants it but is bound by no loaded binding (at the rule).
pub fn report_grants(cx: &mut Checker<'_>, g: &Grant<'_>) {
    let m = model(cx);
    let mut bound = vec![false; m.roles.len()];
    for b in &m.bindings {
        for &r in &b.roles {
            bound[r] = true;
        }
    }
    for b in &m.bindings {
        if !is_users(b.object, b.builtin) || b.subjects.is_empty() {
            continue;
        }
        if g.cluster_scoped && b.kind == BindingKind::RoleBinding {
            continue;
        }
        let hit = m
            .binding_rules(b)
            .iter()
            .find_map(|rr| (g.matches)(m.rule(*rr)).map(|what| (what, *rr)));
        let Some((what, rr)) = hit else { continue };
        let Some(ri) = m.granting_role(b, rr) else {
            continue;
        };
        let role = &m.roles[ri];
        let src = &m.roles[rr.role];
        let rule_at = if src.name == role.name && src.kind == role.kind {
            format!("rules[{}]", rr.rule)
        } else {
            format!("{} rules[{}], aggregated", src.display(), rr.rule)
        };
        let (scope, sev) = match &b.namespace {
            Some(ns) => (format!("in namespace {ns}"), g.namespace_severity),
            None => ("cluster-wide".to_string(), g.cluster_severity),
        };
        cx.report_with_severity(
            b.object,
            FieldPath::root().key("roleRef"),
            sev,
            format!(
                "grants {what} {scope} to {} through {} ({rule_at})",
                subjects(b),
                role.display()
            ),
        );
    }
    for (ri, r) in m.roles.iter().enumerate() {
        if bound[ri] || !is_users(r.object, r.builtin) {
            continue;
        }
        if g.cluster_scoped && r.kind == RoleKind::Role {
            continue;
        }
        for (i, rule) in r.rules.iter().enumerate() {
            if let Some(what) = (g.matches)(rule) {
                cx.report_with_severity(
                    r.object,
                    FieldPath::root().key("rules").index(i),
                    g.namespace_severity,
                    format!(
                        "{} grants {what} (no loaded binding uses it yet)",
                        r.display()
                    ),
                );
                break;
            }
        }
    }
}

/// A matcher for "any of `verbs` on any of `resources` (group, resource, subresource)":
/// returns e.g. `get,list secrets`, naming the verbs of the rule that match, and `named …` when
/// the rule is restricted to some names.
pub fn covers_any(
    rule: &PolicyRule,
    verbs: &[&str],
    resources: &[(&str, &str, &str)],
) -> Option<String> {
    let vs: Vec<&str> = verbs
        .iter()
        .copied()
        .filter(|v| rule.verb_matches(v))
        .collect();
    if vs.is_empty() {
        return None;
    }
    let rs: Vec<String> = resources
        .iter()
        .filter(|(g, r, s)| rule.api_group_matches(g) && rule.resource_matches(r, s))
        .map(|(_, r, s)| {
            if s.is_empty() {
                r.to_string()
            } else {
                format!("{r}/{s}")
            }
        })
        .collect();
    if rs.is_empty() {
        return None;
    }
    let mut what = format!("{} {}", vs.join(","), rs.join(","));
    if !rule.resource_names.is_empty() {
        what.push_str(&format!(" (named {})", rule.resource_names.join(",")));
    }
    Some(what)
}
