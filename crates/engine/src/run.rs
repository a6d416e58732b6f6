//! One run of the selected rules over an inventory.

use crate::settings::ConfigSuppression;
use crate::{Baseline, Settings};
use rayon::prelude::*;
use stockade_inventory::{Inventory, Object, ObjectOrigin};
use stockade_model::{
    Diagnostic, DiagnosticLevel, Finding, Suppression, SuppressionKind, fingerprint,
};
use stockade_rules::{Hit, Options};

/// The annotation that suppresses rules on one object: `RULE[,RULE] -- reason`.
pub const IGNORE_ANNOTATION: &str = "stockade.dev/ignore";

/// Findings and diagnostics of a run, sorted.
#[derive(Debug, Default)]
pub struct RunOutput {
    /// Unsuppressed findings.
    pub findings: Vec<Finding>,
    /// Suppressed findings, each with the suppression that applied.
    pub suppressed: Vec<Finding>,
    /// Diagnostics (expired suppressions, annotation problems).
    pub diagnostics: Vec<Diagnostic>,
    /// How many rules ran.
    pub rules_run: usize,
    /// The ValidatingAdmissionPolicies that judged the run, as rules (`VAP:<name>`).
    pub policy_rules: Vec<stockade_model::RuleInfo>,
    /// Enabled rules that did not run because a kind they need read completely
    /// ([`stockade_rules::Meta::needs`]) was not read, with those kinds, in registry order.
    pub not_assessed: Vec<NotAssessed>,
}

/// An enabled rule the run left out: it concludes absence from kinds that were not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAssessed {
    /// The rule's id.
    pub rule: &'static str,
    /// The kinds it needs that were not read.
    pub unread: Vec<&'static str>,
}

/// The enabled rules that cannot be assessed from what `inv` read, and why.
pub fn not_assessed(inv: &Inventory, settings: &Settings) -> Vec<NotAssessed> {
    let scope = inv.read_scope();
    settings
        .enabled
        .iter()
        .filter_map(|r| {
            let unread = scope.unread(r.needs);
            (!unread.is_empty()).then_some(NotAssessed { rule: r.id, unread })
        })
        .collect()
}

/// Runs the enabled rules. `today` is `YYYY-MM-DD` (for expiry).
pub fn run(
    inv: &Inventory,
    settings: &Settings,
    baseline: Option<&Baseline>,
    today: &str,
) -> RunOutput {
    let mut out = RunOutput::default();
    let empty = Options::new();
    let excluded: Vec<bool> = inv
        .objects()
        .iter()
        .map(|o| is_excluded(inv, settings, o))
        .collect();
    out.not_assessed = not_assessed(inv, settings);
    let skipped: Vec<&str> = out.not_assessed.iter().map(|n| n.rule).collect();
    let views = stockade_rules::Views::new(inv);
    // Rules are independent of each other: they run on the rayon pool (two threads on a
    // two-core machine) and their hits are concatenated in registry order, so the output does
    // not depend on scheduling.
    let per_rule: Vec<Vec<Hit<'_>>> = settings
        .enabled
        .par_iter()
        .map(|rule| {
            // A rule that would conclude absence from a kind that was not read does not run.
            if skipped.contains(&rule.id) {
                return Vec::new();
            }
            if !rule.kinds.iter().any(|k| inv.has_kind(k)) {
                return Vec::new();
            }
            let opts = settings.options.get(rule.id).unwrap_or(&empty);
            rule.run(&views, opts)
        })
        .collect();
    out.rules_run = settings.enabled.len() - skipped.len();
    let mut hits: Vec<Hit<'_>> = Vec::with_capacity(per_rule.iter().map(Vec::len).sum());
    for v in per_rule {
        hits.extend(v);
    }
    crate::same_fact::drop_repeated(&mut hits);
    // Building a finding (location, snippet, fingerprint, suppression) only reads the
    // inventory and settings: parallel too, in order. Each hit's path and message move into
    // its finding; one vector of findings is allocated at its final size.
    let snippets = crate::snippet::Cache::default();
    let built: Vec<Option<Finding>> = hits
        .into_par_iter()
        .map(|h| {
            if inv.index_of(h.object).is_some_and(|i| excluded[i]) {
                return None;
            }
            // Pods, ReplicaSets and Jobs that a workload controller made repeat their owner's
            // pod template: report the owner (which a user edits), not every copy of it.
            if h.rule.family == stockade_rules::Family::Workload
                && h.object.controlled_by_workload()
            {
                return None;
            }
            let object = h.object;
            let mut f = to_finding(inv, settings, &snippets, h);
            f.suppression = suppression_for(settings, baseline, today, Some(object), &f);
            Some(f)
        })
        .collect();
    // `filter_map` (unlike `flatten`) collects in place: the vector of options becomes the
    // vector of findings without a second allocation (`Option<Finding>` has Finding's size).
    #[allow(clippy::filter_map_identity)]
    let mut findings: Vec<Finding> = built.into_iter().filter_map(|f| f).collect();
    let skip = |o: &Object| inv.index_of(o).is_some_and(|i| excluded[i]);
    policy_findings(
        inv,
        settings,
        baseline,
        today,
        None,
        &skip,
        &snippets,
        &mut out,
        &mut findings,
    );
    expired_suppressions(settings, today, &findings, &mut out.diagnostics);
    out.suppressed = findings
        .extract_if(.., |f| f.suppression.is_some())
        .collect();
    out.findings = findings;
    annotation_diagnostics(inv, &mut out.diagnostics);
    sort(&mut out.findings);
    sort(&mut out.suppressed);
    out
}

/// Runs the enabled rules over `inv` and keeps the findings on the objects at `targets`
/// (indexes into [`Inventory::objects`]) only: an admission request judges one object in the
/// context of others. Unlike [`run`], a finding on an object that names a workload controller
/// as its owner is kept (an owner reference is the requester's claim, not a proof), and
/// annotation diagnostics are left out (the requester sees the verdict, not lint).
pub fn run_on(inv: &Inventory, settings: &Settings, targets: &[usize], today: &str) -> RunOutput {
    let mut out = RunOutput {
        not_assessed: not_assessed(inv, settings),
        ..RunOutput::default()
    };
    let skipped: Vec<&str> = out.not_assessed.iter().map(|n| n.rule).collect();
    let target_kinds: Vec<&str> = targets
        .iter()
        .filter_map(|&i| inv.objects().get(i))
        .map(Object::kind)
        .collect();
    let views = stockade_rules::Views::new(inv);
    let empty = Options::new();
    let mut hits: Vec<Hit<'_>> = Vec::new();
    for rule in &settings.enabled {
        // A rule reads the kinds it lists; one that reads none of the targets' kinds cannot
        // report on them.
        if skipped.contains(&rule.id) || !rule.kinds.iter().any(|k| target_kinds.contains(k)) {
            continue;
        }
        out.rules_run += 1;
        let opts = settings.options.get(rule.id).unwrap_or(&empty);
        hits.extend(
            rule.run(&views, opts)
                .into_iter()
                .filter(|h| inv.index_of(h.object).is_some_and(|i| targets.contains(&i))),
        );
    }
    crate::same_fact::drop_repeated(&mut hits);
    let snippets = crate::snippet::Cache::default();
    let mut findings: Vec<Finding> = Vec::with_capacity(hits.len());
    for h in hits {
        if is_excluded(inv, settings, h.object) {
            continue;
        }
        let object = h.object;
        let mut f = to_finding(inv, settings, &snippets, h);
        f.suppression = suppression_for(settings, None, today, Some(object), &f);
        findings.push(f);
    }
    let skip = |o: &Object| is_excluded(inv, settings, o);
    policy_findings(
        inv,
        settings,
        None,
        today,
        Some(targets),
        &skip,
        &snippets,
        &mut out,
        &mut findings,
    );
    expired_suppressions(settings, today, &findings, &mut out.diagnostics);
    out.suppressed = findings
        .extract_if(.., |f| f.suppression.is_some())
        .collect();
    out.findings = findings;
    sort(&mut out.findings);
    sort(&mut out.suppressed);
    out
}

/// The findings of the ValidatingAdmissionPolicies among the inputs and policy files, with
/// their snippets and suppressions, and the policies' own problems as diagnostics.
#[allow(clippy::too_many_arguments)]
fn policy_findings(
    inv: &Inventory,
    settings: &Settings,
    baseline: Option<&Baseline>,
    today: &str,
    targets: Option<&[usize]>,
    skip: &(dyn Fn(&Object) -> bool + Sync),
    snippets: &crate::snippet::Cache,
    out: &mut RunOutput,
    findings: &mut Vec<Finding>,
) {
    let extra = settings.policy_files.inventory();
    let Some(loaded) = crate::policies::load_for(inv, settings) else {
        return;
    };
    out.diagnostics.extend(loaded.diagnostics());
    let (rules, diags) = loaded.rules();
    out.diagnostics.extend(diags);
    out.rules_run += rules.len();
    out.policy_rules = rules;
    for (object, mut f) in loaded.findings(inv, extra, targets, skip) {
        f.snippet = f.location.as_ref().filter(|l| l.line > 0).and_then(|l| {
            crate::snippet::snippet(inv, snippets, object, &f.field_path, l.line, false)
        });
        f.suppression = suppression_for(settings, baseline, today, Some(object), &f);
        findings.push(f);
    }
}

fn is_excluded(inv: &Inventory, settings: &Settings, o: &Object) -> bool {
    if settings
        .exclude_objects
        .iter()
        .any(|p| p.matches(o.kind(), o.namespace(), o.name()))
    {
        return true;
    }
    if let ObjectOrigin::File(origin) = &o.origin
        && let Some(f) = inv.files().get(origin.file)
    {
        let p = f.path.strip_prefix("./").unwrap_or(&f.path);
        return settings.exclude_paths.is_match(p);
    }
    false
}

pub(crate) fn to_finding(
    inv: &Inventory,
    settings: &Settings,
    snippets: &crate::snippet::Cache,
    h: Hit<'_>,
) -> Finding {
    let location = inv.location(h.object, &h.path);
    let snippet = location.as_ref().filter(|l| l.line > 0).and_then(|l| {
        crate::snippet::snippet(inv, snippets, h.object, &h.path, l.line, h.sensitive)
    });
    let object = h.object.oref();
    Finding {
        rule_id: h.rule.id.into(),
        rule_name: h.rule.name.into(),
        severity: settings.severity_of(h.rule, h.severity),
        message: h.message,
        fingerprint: fingerprint(h.rule.id, &object, &h.path),
        object,
        location,
        field_path: h.path,
        remediation: h.rule.remediation.into(),
        controls: h.rule.controls.into(),
        snippet,
        suppression: None,
    }
}

/// Rule ids listed in an object's ignore annotation, and the reason.
fn ignore_annotation(o: &Object) -> Option<(Vec<String>, String)> {
    let raw = o.annotation(IGNORE_ANNOTATION)?;
    let (rules, reason) = match raw.split_once("--") {
        Some((r, why)) => (r, why.trim().to_string()),
        None => (raw, String::new()),
    };
    let ids = rules
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    Some((ids, reason))
}

fn annotation_diagnostics(inv: &Inventory, diags: &mut Vec<Diagnostic>) {
    for o in inv.objects() {
        let Some((ids, reason)) = ignore_annotation(o) else {
            continue;
        };
        let loc = inv.location(
            o,
            &stockade_model::FieldPath::parse("metadata.annotations").key(IGNORE_ANNOTATION),
        );
        let (path, line, col) = loc.map_or((None, 0, 0), |l| (Some(l.path), l.line, l.column));
        let mut push = |msg: String| {
            diags.push(Diagnostic {
                level: DiagnosticLevel::Warning,
                code: "suppression".into(),
                message: msg,
                path: path.clone(),
                line,
                column: col,
            })
        };
        for id in &ids {
            if id != "*" && stockade_rules::find(id).is_none() {
                push(format!(
                    "{} {}: `{IGNORE_ANNOTATION}` names unknown rule `{id}`",
                    o.kind(),
                    o.display_name()
                ));
            }
        }
        if reason.is_empty() {
            push(format!(
                "{} {}: `{IGNORE_ANNOTATION}` has no reason; write `RULE[,RULE] -- why it is acceptable`",
                o.kind(),
                o.display_name()
            ));
        }
    }
}

/// Findings split by [`suppress`].
#[derive(Debug, Default)]
pub struct Suppressed {
    /// Findings no suppression applies to, in input order.
    pub kept: Vec<Finding>,
    /// Suppressed findings, each with the suppression that applied, in input order.
    pub suppressed: Vec<Finding>,
    /// One warning per expired config entry that would otherwise have suppressed a finding.
    pub warnings: Vec<Diagnostic>,
}

/// Applies the suppressions [`run`] applies to findings that other analyzers made (PSS
/// verdicts, audit-log alerts, audit-policy findings): the object's `stockade.dev/ignore`
/// annotation when `inv` holds the object, then the first unexpired matching entry of the
/// settings' `suppressions:`, then the baseline. `settings` `None` is a run without a settings
/// file (annotations and the baseline still apply). `today` is `YYYY-MM-DD` (for expiry).
pub fn suppress(
    settings: Option<&Settings>,
    inv: Option<&Inventory>,
    baseline: Option<&Baseline>,
    today: &str,
    findings: impl IntoIterator<Item = Finding>,
) -> Suppressed {
    static NONE: std::sync::LazyLock<Settings> = std::sync::LazyLock::new(Settings::default);
    let settings = settings.unwrap_or(&NONE);
    let mut findings: Vec<Finding> = findings
        .into_iter()
        .map(|mut f| {
            let object = inv.and_then(|inv| object_of(inv, &f));
            f.suppression = suppression_for(settings, baseline, today, object, &f);
            f
        })
        .collect();
    let mut out = Suppressed::default();
    expired_suppressions(settings, today, &findings, &mut out.warnings);
    out.suppressed = findings
        .extract_if(.., |f| f.suppression.is_some())
        .collect();
    out.kept = findings;
    out
}

/// The object a finding is about: the one of its kind, namespace and name (of several with
/// that identity, the one at the finding's location).
fn object_of<'i>(inv: &'i Inventory, f: &Finding) -> Option<&'i Object> {
    let o = &f.object;
    let mut all = inv.get_all(&o.kind, o.namespace.as_deref(), &o.name);
    let first = all.next()?;
    std::iter::once(first)
        .chain(all)
        .find(|c| inv.location(c, &f.field_path) == f.location)
        .or(Some(first))
}

/// The suppression that applies to a finding, if any: the object's ignore annotation, then
/// the first unexpired config entry that matches, then the baseline.
fn suppression_for(
    settings: &Settings,
    baseline: Option<&Baseline>,
    today: &str,
    object: Option<&Object>,
    f: &Finding,
) -> Option<Suppression> {
    if let Some((ids, reason)) = object.and_then(ignore_annotation)
        && ids.iter().any(|id| {
            id == "*"
                || id.eq_ignore_ascii_case(&f.rule_id)
                || id.eq_ignore_ascii_case(&f.rule_name)
        })
    {
        return Some(Suppression {
            kind: SuppressionKind::Annotation,
            reason: if reason.is_empty() {
                "(no reason given)".into()
            } else {
                reason
            },
        });
    }
    config_suppression(settings, baseline, today, f)
}

/// The suppression a config entry or the baseline gives a finding: the first unexpired
/// matching entry, else the baseline. Expired entries are reported by
/// [`expired_suppressions`].
fn config_suppression(
    settings: &Settings,
    baseline: Option<&Baseline>,
    today: &str,
    f: &Finding,
) -> Option<Suppression> {
    let live = config_matches(settings, f).find(|(_, s)| !is_expired(s, today));
    if let Some((_, s)) = live {
        return Some(Suppression {
            kind: SuppressionKind::Config,
            reason: s.reason.clone(),
        });
    }
    if baseline.is_some_and(|b| b.contains(&f.fingerprint)) {
        return Some(Suppression {
            kind: SuppressionKind::Baseline,
            reason: "in baseline".into(),
        });
    }
    None
}

/// Config suppressions (with their index) whose rule and object match the finding, in file
/// order.
fn config_matches<'s>(
    settings: &'s Settings,
    f: &'s Finding,
) -> impl Iterator<Item = (usize, &'s ConfigSuppression)> {
    let o = &f.object;
    settings
        .suppressions
        .iter()
        .enumerate()
        .filter(move |(_, s)| {
            let rule_ok = s.rule == "*"
                || s.rule.eq_ignore_ascii_case(&f.rule_id)
                || s.rule.eq_ignore_ascii_case(&f.rule_name);
            rule_ok
                && s.object
                    .as_ref()
                    .is_none_or(|p| p.matches(&o.kind, o.namespace.as_deref(), &o.name))
        })
}

fn is_expired(s: &ConfigSuppression, today: &str) -> bool {
    s.expires.as_deref().is_some_and(|exp| exp <= today)
}

/// One warning per expired config suppression that would otherwise have suppressed a finding
/// (one that no annotation and no earlier unexpired entry already suppressed), in finding
/// order.
fn expired_suppressions<'f>(
    settings: &Settings,
    today: &str,
    findings: impl IntoIterator<Item = &'f Finding>,
    diags: &mut Vec<Diagnostic>,
) {
    if !settings.suppressions.iter().any(|s| is_expired(s, today)) {
        return;
    }
    let mut reported = vec![false; settings.suppressions.len()];
    for f in findings {
        if f.suppression
            .as_ref()
            .is_some_and(|s| s.kind == SuppressionKind::Annotation)
        {
            continue;
        }
        for (i, s) in config_matches(settings, f) {
            if !is_expired(s, today) {
                break;
            }
            if reported[i] {
                continue;
            }
            reported[i] = true;
            let exp = s.expires.as_deref().unwrap_or_default();
            diags.push(Diagnostic {
                level: DiagnosticLevel::Warning,
                code: "suppression-expired".into(),
                message: format!(
                    "suppression of {} ({}) expired on {exp}; its findings are reported again — renew it with a new date or fix them",
                    s.rule, s.reason
                ),
                path: settings.source.as_ref().map(|p| p.display().to_string()),
                line: 0,
                column: 0,
            });
        }
    }
}

/// Sorts findings by location, object, rule, field path and message (stable). The order is
/// computed on indices and applied by swapping, so no second array of findings is allocated.
pub fn sort(v: &mut [Finding]) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.par_sort_by(|&i, &j| {
        let (a, b) = (&v[i], &v[j]);
        let la = a.location.as_ref().map(|l| (&l.path, l.line, l.column));
        let lb = b.location.as_ref().map(|l| (&l.path, l.line, l.column));
        la.cmp(&lb)
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.field_path.cmp(&b.field_path))
            .then_with(|| a.message.cmp(&b.message))
    });
    permute(v, &mut order);
}

/// Reorders `v` so that position `i` holds what was at `order[i]` (`order` is a permutation;
/// it is consumed).
fn permute<T>(v: &mut [T], order: &mut [usize]) {
    for i in 0..v.len() {
        // Follow the cycle through `i`, carrying the element that was at `i` along it.
        let mut j = i;
        loop {
            let k = order[j];
            order[j] = j;
            if k == i {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;
    use stockade_model::{KindRead, ReadScope};

    /// Objects as a live scan returns them.
    fn live(objects: Vec<serde_json::Value>, scope: ReadScope) -> Inventory {
        let objects = objects
            .into_iter()
            .map(|v| {
                Object::new(
                    stockade_sources::node_from_json(v),
                    ObjectOrigin::Cluster {
                        cluster: "test".into(),
                    },
                )
            })
            .collect();
        Inventory::from_objects(objects).0.with_read_scope(scope)
    }

    fn all_rules() -> Settings {
        let mut s = Settings::default();
        s.enable("all").unwrap();
        s
    }

    fn ids(out: &RunOutput) -> Vec<&str> {
        out.findings.iter().map(|f| &*f.rule_id).collect()
    }

    /// Every scanned kind read cluster-wide, except `unread`; namespaced kinds only in
    /// `namespace` when given.
    fn listed(unread: &[&str], namespace: Option<&str>) -> ReadScope {
        ReadScope::Listed(
            stockade_model::kinds::scanned()
                .filter(|r| !unread.contains(&r.kind))
                .map(|r| {
                    let read = match namespace {
                        Some(ns) if r.namespaced => KindRead::Namespace(ns.into()),
                        _ => KindRead::ClusterWide,
                    };
                    (r.kind.to_string(), read)
                })
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn namespace(name: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}})
    }

    #[test]
    fn a_rule_whose_needs_were_not_read_does_not_run_and_is_listed() {
        let objects = vec![namespace("team")];
        // Read completely: an empty namespace is reported.
        let full = live(objects.clone(), listed(&[], None));
        let out = run(&full, &all_rules(), None, "2025-01-01");
        assert!(ids(&out).contains(&"HY009"), "{:?}", ids(&out));
        assert!(out.not_assessed.is_empty(), "{:?}", out.not_assessed);
        // Only Namespaces readable: nothing is concluded from the unread kinds.
        let only_ns = ReadScope::Listed(BTreeMap::from([(
            "Namespace".to_string(),
            KindRead::ClusterWide,
        )]));
        let inv = live(objects, only_ns);
        let settings = all_rules();
        let out = run(&inv, &settings, None, "2025-01-01");
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        let hy009 = out.not_assessed.iter().find(|n| n.rule == "HY009").unwrap();
        assert!(hy009.unread.contains(&"Pod") && !hy009.unread.contains(&"Namespace"));
        for id in [
            "NP001", "NP004", "NP005", "HY001", "HY007", "RB016", "RB018", "WL055",
        ] {
            assert!(
                out.not_assessed.iter().any(|n| n.rule == id),
                "{id} must not run without what it needs"
            );
        }
        // A rule that needs nothing still runs; the count says how many ran.
        assert!(!out.not_assessed.iter().any(|n| n.rule == "WL001"));
        assert_eq!(
            out.rules_run,
            settings.enabled.len() - out.not_assessed.len()
        );
    }

    #[test]
    fn manifests_are_complete_and_skip_nothing() {
        let inv = Inventory::from_objects(Vec::new()).0;
        assert_eq!(inv.read_scope(), &ReadScope::Complete);
        assert!(not_assessed(&inv, &all_rules()).is_empty());
    }

    fn policy_with_peer_in(ns: &str, peer_ns: &str) -> serde_json::Value {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "from-b", "namespace": ns},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": peer_ns}},
                                               "podSelector": {"matchLabels": {"app": "client"}}}]}]}})
    }

    fn pod(ns: &str, app: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": app, "namespace": ns, "labels": {"app": app}},
               "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    }

    #[test]
    fn a_namespace_scoped_read_concludes_nothing_about_other_namespaces() {
        // Policy in `a` admits pods of `b`; the scan read only `a` (pods of `b` exist but
        // were not listed).
        let objects = vec![
            namespace("a"),
            namespace("b"),
            pod("a", "server"),
            policy_with_peer_in("a", "b"),
        ];
        let mut s = Settings::default();
        s.enable("NP005").unwrap();
        s.enable("NP009").unwrap();
        let scoped = live(objects.clone(), listed(&[], Some("a")));
        let out = run(&scoped, &s, None, "2025-01-01");
        assert!(out.not_assessed.is_empty());
        assert!(!ids(&out).contains(&"NP005"), "{:?}", ids(&out));
        // The same objects read cluster-wide: `b` really has no such pod.
        let full = live(objects, listed(&[], None));
        let out = run(&full, &s, None, "2025-01-01");
        assert!(ids(&out).contains(&"NP005"), "{:?}", ids(&out));
    }

    #[test]
    fn a_binding_to_a_service_account_of_an_unread_namespace_is_not_called_missing() {
        let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "rb", "namespace": "a"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "ServiceAccount", "name": "ghost", "namespace": "b"}]});
        let sa = |ns: &str, name: &str| {
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": name, "namespace": ns}})
        };
        let objects = vec![
            namespace("a"),
            namespace("b"),
            binding,
            sa("a", "default"),
            sa("b", "default"),
        ];
        let mut s = Settings::default();
        s.enable("RB016").unwrap();
        let full = live(objects.clone(), listed(&[], None));
        assert!(ids(&run(&full, &s, None, "2025-01-01")).contains(&"RB016"));
        // Read in `a` only: `b`'s ServiceAccounts (including its default) were not listed.
        let objects: Vec<_> = objects
            .into_iter()
            .filter(|o| o["metadata"]["namespace"] != "b")
            .collect();
        let scoped = live(objects, listed(&[], Some("a")));
        assert!(!ids(&run(&scoped, &s, None, "2025-01-01")).contains(&"RB016"));
    }

    /// A rule can only ever run on a live cluster when what it needs is something a scan lists.
    #[test]
    fn every_needed_kind_is_a_scanned_kind() {
        let scanned: Vec<&str> = stockade_model::kinds::scanned().map(|r| r.kind).collect();
        for r in stockade_rules::RULES {
            for k in r.needs {
                assert!(
                    scanned.contains(k),
                    "{} needs {k}, which no scan lists",
                    r.id
                );
            }
        }
    }

    #[test]
    fn permute_applies_an_order() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        let mut order = vec![3, 0, 4, 1, 2, 5];
        super::permute(&mut v, &mut order);
        assert_eq!(v, vec!['d', 'a', 'e', 'b', 'c', 'f']);
        let mut v: Vec<u32> = (0..50).collect();
        let mut order: Vec<usize> = (0..50).map(|i| (i * 7) % 50).collect();
        let want: Vec<u32> = order.iter().map(|&i| i as u32).collect();
        super::permute(&mut v, &mut order);
        assert_eq!(v, want);
    }
}
