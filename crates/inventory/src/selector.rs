//! Label selectors, as the API server evaluates them.
//!
//! One type for both shapes Kubernetes uses:
//!
//! - a `metav1.LabelSelector` (`matchLabels` and `matchExpressions` with `In`, `NotIn`,
//!   `Exists` and `DoesNotExist`), parsed with [`LabelSelector::parse`]. Its requirements are
//!   ANDed; the empty selector `{}` selects everything, while a null or absent one selects
//!   nothing (`metav1.LabelSelectorAsSelector(nil)`). Fields whose Go type is a value rather
//!   than a pointer (a NetworkPolicy's `podSelector`, an aggregation rule's
//!   `clusterRoleSelectors` items) decode null as `{}`: parse those with
//!   [`LabelSelector::parse_value`].
//! - the plain map of a Service's or ReplicationController's `spec.selector`, parsed with
//!   [`LabelSelector::from_map`]: every pair must match, and an empty map selects nothing (the
//!   Service controller then leaves the endpoints to whoever manages them).
//!
//! A selector the API server would reject (an unknown operator, `In` without values, a
//! non-string label value, a part of the wrong type) is *invalid*: it matches nothing, and the
//! parser says why.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use stockade_model::FieldPath;
use stockade_sources::{Node, Value};

/// A `matchExpressions` operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// The label is set to one of the values.
    In,
    /// The label is unset, or set to none of the values.
    NotIn,
    /// The label is set.
    Exists,
    /// The label is unset.
    DoesNotExist,
}

/// One `matchExpressions` requirement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    /// The label key.
    pub key: String,
    /// The operator.
    pub op: Operator,
    /// The values (`In`/`NotIn`).
    pub values: Vec<String>,
}

impl Expr {
    fn holds(&self, got: Option<&str>) -> bool {
        match self.op {
            Operator::In => got.is_some_and(|v| self.values.iter().any(|x| x == v)),
            Operator::NotIn => got.is_none_or(|v| !self.values.iter().any(|x| x == v)),
            Operator::Exists => got.is_some(),
            Operator::DoesNotExist => got.is_none(),
        }
    }
}

/// Which shape a selector was written in, and so what it means without requirements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
enum Form {
    /// A `metav1.LabelSelector`: without requirements it selects everything.
    #[default]
    Selector,
    /// A null (or absent) `*metav1.LabelSelector`: selects nothing.
    Null,
    /// A Service-style map: without pairs it selects nothing.
    Map,
}

/// A parsed label selector. See the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    /// `matchLabels` (or a Service's map), as (key, value) pairs in the order written.
    pub match_labels: Vec<(String, String)>,
    /// `matchExpressions`.
    pub exprs: Vec<Expr>,
    /// Set when the API server would reject the selector; it then matches nothing.
    pub invalid: bool,
    form: Form,
}

/// The labels of a pod, a pod template or any object, as a selector reads them.
pub trait LabelLookup {
    /// The value of label `key`, when set.
    fn label(&self, key: &str) -> Option<&str>;
}

impl LabelLookup for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl LabelLookup for HashMap<&str, &str> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).copied()
    }
}

impl LabelLookup for [(&str, &str)] {
    fn label(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

impl LabelLookup for Vec<(&str, &str)> {
    fn label(&self, key: &str) -> Option<&str> {
        self.as_slice().label(key)
    }
}

/// Labels that workload controllers add to the pods they create (not in the template).
pub const CONTROLLER_POD_LABELS: &[&str] = &[
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-revision-hash",
    "pod-template-hash",
    "pod-template-generation",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-completion-index",
    "job-name",
    "controller-uid",
];

impl LabelSelector {
    /// The empty selector `{}`, which selects everything.
    pub fn everything() -> LabelSelector {
        LabelSelector::default()
    }

    /// The null selector, which selects nothing.
    pub fn nothing() -> LabelSelector {
        LabelSelector {
            form: Form::Null,
            ..LabelSelector::default()
        }
    }

    /// Whether the selector is valid and has no requirements. For a `metav1.LabelSelector`
    /// that means it selects everything; for a null one or an empty Service map, nothing (see
    /// [`LabelSelector::selects_everything`]).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.exprs.is_empty() && !self.invalid
    }

    /// Whether it was null or absent (and so selects nothing).
    pub fn is_null(&self) -> bool {
        self.form == Form::Null
    }

    /// Whether it selects every set of labels: a valid `metav1.LabelSelector` without
    /// requirements.
    pub fn selects_everything(&self) -> bool {
        self.form == Form::Selector && self.is_empty()
    }

    /// Whether it selects no set of labels whatever they are: invalid, null, or an empty
    /// Service-style map.
    pub fn selects_nothing(&self) -> bool {
        self.invalid
            || match self.form {
                Form::Selector => false,
                Form::Null => true,
                Form::Map => self.match_labels.is_empty(),
            }
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches<L: LabelLookup + ?Sized>(&self, labels: &L) -> bool {
        self.matches_ignoring(labels, &[])
    }

    /// Whether a pod template's labels satisfy every requirement that does not name a label
    /// the controller adds to each pod it creates ([`CONTROLLER_POD_LABELS`]): a selector on
    /// those still selects the controller's pods.
    pub fn matches_template<L: LabelLookup + ?Sized>(&self, labels: &L) -> bool {
        self.matches_ignoring(labels, CONTROLLER_POD_LABELS)
    }

    /// Whether `labels` satisfy every requirement that does not name one of the `ignored`
    /// keys. A selector that selects nothing ([`LabelSelector::selects_nothing`]) matches
    /// nothing, whichever keys are ignored.
    pub fn matches_ignoring<L: LabelLookup + ?Sized>(&self, labels: &L, ignored: &[&str]) -> bool {
        if self.selects_nothing() {
            return false;
        }
        self.match_labels
            .iter()
            .filter(|(k, _)| !ignored.contains(&k.as_str()))
            .all(|(k, v)| labels.label(k) == Some(v.as_str()))
            && self
                .exprs
                .iter()
                .filter(|e| !ignored.contains(&e.key.as_str()))
                .all(|e| e.holds(labels.label(&e.key)))
    }

    /// Parses a `*metav1.LabelSelector` at `path`: null selects nothing. Problems the API
    /// server would reject are pushed to `errors` and make the selector invalid.
    pub fn parse(node: &Node, path: &FieldPath, errors: &mut Vec<(FieldPath, String)>) -> Self {
        if node.is_null() {
            return LabelSelector::nothing();
        }
        LabelSelector::parse_value(node, path, errors)
    }

    /// Parses a selector field that is a value, not a pointer, in the Go API (a
    /// NetworkPolicy's `podSelector`, an aggregation rule's selectors): null decodes as `{}`
    /// and selects everything. Otherwise as [`LabelSelector::parse`].
    pub fn parse_value(
        node: &Node,
        path: &FieldPath,
        errors: &mut Vec<(FieldPath, String)>,
    ) -> Self {
        let mut sel = LabelSelector::default();
        match &node.value {
            Value::Null => return sel,
            Value::Map(_) => {}
            _ => {
                errors.push((
                    path.clone(),
                    format!(
                        "a label selector must be a mapping, found {}",
                        node.type_name()
                    ),
                ));
                sel.invalid = true;
                return sel;
            }
        }
        if let Some(ml) = node.get("matchLabels") {
            let mp = path.key("matchLabels");
            match &ml.value {
                Value::Null => {}
                Value::Map(_) => {
                    sel.invalid |= !label_pairs(ml, &mp, &mut sel.match_labels, errors);
                }
                _ => {
                    errors.push((
                        mp,
                        format!("matchLabels must be a mapping, found {}", ml.type_name()),
                    ));
                    sel.invalid = true;
                }
            }
        }
        if let Some(me) = node.get("matchExpressions") {
            let ep = path.key("matchExpressions");
            if !matches!(me.value, Value::Seq(_) | Value::Null) {
                errors.push((
                    ep.clone(),
                    format!("matchExpressions must be a list, found {}", me.type_name()),
                ));
                sel.invalid = true;
            }
            for (i, e) in me.items().iter().enumerate() {
                match parse_expr(e) {
                    Ok(x) => sel.exprs.push(x),
                    Err(m) => {
                        errors.push((ep.index(i), m));
                        sel.invalid = true;
                    }
                }
            }
        }
        sel
    }

    /// A Service- or ReplicationController-style selector: a plain map of labels, every pair
    /// required; empty or null selects nothing. A value that is not a string, or a selector
    /// that is not a map, makes it invalid.
    pub fn from_map(node: &Node) -> LabelSelector {
        let mut sel = LabelSelector {
            form: Form::Map,
            ..LabelSelector::default()
        };
        match &node.value {
            Value::Null => {}
            Value::Map(_) => {
                // A Service's selector has no field path of its own to report at: callers
                // that diagnose it do so themselves.
                let mut unreported = Vec::new();
                let root = FieldPath::root();
                sel.invalid = !label_pairs(node, &root, &mut sel.match_labels, &mut unreported);
            }
            _ => sel.invalid = true,
        }
        sel
    }
}

/// Reads a map of label pairs into `out`; `false` when a value is not a string (said in
/// `errors`).
fn label_pairs(
    map: &Node,
    path: &FieldPath,
    out: &mut Vec<(String, String)>,
    errors: &mut Vec<(FieldPath, String)>,
) -> bool {
    let mut ok = true;
    for (k, v) in map.entries() {
        match v.as_str() {
            Some(s) => out.push((k.name.to_string(), s.to_string())),
            None => {
                errors.push((
                    path.key(&k.name),
                    format!(
                        "label value for {:?} must be a string, found {} {} (quote it)",
                        &*k.name,
                        v.type_name(),
                        v.value
                    ),
                ));
                ok = false;
            }
        }
    }
    ok
}

fn parse_expr(e: &Node) -> Result<Expr, String> {
    let key = e
        .get("key")
        .and_then(Node::as_str)
        .ok_or("a match expression needs a string `key`")?
        .to_string();
    let op = match e.get("operator").and_then(Node::as_str) {
        Some("In") => Operator::In,
        Some("NotIn") => Operator::NotIn,
        Some("Exists") => Operator::Exists,
        Some("DoesNotExist") => Operator::DoesNotExist,
        Some(other) => {
            return Err(format!(
                "unknown operator {other:?}: use In, NotIn, Exists or DoesNotExist (case matters)"
            ));
        }
        None => return Err("a match expression needs an `operator`".into()),
    };
    let mut values = Vec::new();
    for v in e.get("values").map(Node::items).unwrap_or(&[]) {
        match v.as_str() {
            Some(s) => values.push(s.to_string()),
            None => {
                return Err(format!(
                    "values must be strings, found {} {} (quote it)",
                    v.type_name(),
                    v.value
                ));
            }
        }
    }
    match op {
        Operator::In | Operator::NotIn if values.is_empty() => {
            Err(format!("operator {op:?} needs at least one value"))
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
            Err(format!("operator {op:?} takes no values"))
        }
        _ => Ok(Expr { key, op, values }),
    }
}

impl fmt::Display for LabelSelector {
    /// kubectl's selector syntax: `app=web,tier in (a,b),!legacy`; `{}` for everything,
    /// `<null>` for a null selector.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.invalid {
            return f.write_str("<invalid selector>");
        }
        if self.form == Form::Null {
            return f.write_str("<null>");
        }
        if self.is_empty() {
            return f.write_str("{}");
        }
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for e in &self.exprs {
            parts.push(match e.op {
                Operator::In => format!("{} in ({})", e.key, e.values.join(",")),
                Operator::NotIn => format!("{} notin ({})", e.key, e.values.join(",")),
                Operator::Exists => e.key.clone(),
                Operator::DoesNotExist => format!("!{}", e.key),
            });
        }
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stockade_sources::{Input, Limits, load_inputs};

    /// The node `yaml` decodes to (as the value of a field, so flow and block styles both work).
    fn node(yaml: &str) -> Node {
        let doc = format!("apiVersion: v1\nkind: X\nmetadata: {{name: x}}\ns: {yaml}\n");
        let load = load_inputs(
            &[Input::Stdin],
            &Limits::default(),
            &mut std::io::Cursor::new(doc.into_bytes()),
        );
        load.objects[0].root.get("s").expect("field s").clone()
    }

    fn parse(yaml: &str) -> (LabelSelector, Vec<(FieldPath, String)>) {
        let mut errs = Vec::new();
        let sel = LabelSelector::parse(&node(yaml), &FieldPath::parse("spec.selector"), &mut errs);
        (sel, errs)
    }

    fn labels(s: &str) -> Vec<(&str, &str)> {
        s.split(',')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .collect()
    }

    #[test]
    fn metav1_selectors_match_as_the_api_server_does() {
        // (selector, labels as `k=v,k2=v2`, matches)
        let cases: &[(&str, &str, bool)] = &[
            // The empty selector selects everything; null selects nothing.
            ("{}", "", true),
            ("{}", "app=web", true),
            ("null", "", false),
            ("null", "app=web", false),
            ("{matchLabels: {}}", "app=web", true),
            (
                "{matchLabels: null, matchExpressions: null}",
                "app=web",
                true,
            ),
            ("{matchExpressions: []}", "", true),
            // matchLabels: every pair.
            ("{matchLabels: {app: web}}", "app=web,x=y", true),
            ("{matchLabels: {app: web, tier: fe}}", "app=web", false),
            ("{matchLabels: {app: web}}", "app=db", false),
            ("{matchLabels: {app: ''}}", "app=", true),
            ("{matchLabels: {app: ''}}", "", false),
            // In / NotIn / Exists / DoesNotExist.
            (
                "{matchExpressions: [{key: k, operator: In, values: [a, b]}]}",
                "k=b",
                true,
            ),
            (
                "{matchExpressions: [{key: k, operator: In, values: [a, b]}]}",
                "k=c",
                false,
            ),
            (
                "{matchExpressions: [{key: k, operator: In, values: [a]}]}",
                "",
                false,
            ),
            (
                "{matchExpressions: [{key: k, operator: NotIn, values: [a]}]}",
                "k=b",
                true,
            ),
            (
                "{matchExpressions: [{key: k, operator: NotIn, values: [a]}]}",
                "k=a",
                false,
            ),
            // NotIn matches labels that lack the key entirely.
            (
                "{matchExpressions: [{key: k, operator: NotIn, values: [a]}]}",
                "",
                true,
            ),
            (
                "{matchExpressions: [{key: k, operator: Exists}]}",
                "k=",
                true,
            ),
            (
                "{matchExpressions: [{key: k, operator: Exists}]}",
                "j=x",
                false,
            ),
            (
                "{matchExpressions: [{key: k, operator: DoesNotExist}]}",
                "j=x",
                true,
            ),
            (
                "{matchExpressions: [{key: k, operator: DoesNotExist}]}",
                "k=x",
                false,
            ),
            // The same key in matchLabels and matchExpressions: both must hold.
            (
                "{matchLabels: {k: a}, matchExpressions: [{key: k, operator: In, values: [a, b]}]}",
                "k=a",
                true,
            ),
            (
                "{matchLabels: {k: a}, matchExpressions: [{key: k, operator: In, values: [b]}]}",
                "k=a",
                false,
            ),
            (
                "{matchLabels: {k: a}, matchExpressions: [{key: k, operator: NotIn, values: [a]}]}",
                "k=a",
                false,
            ),
            (
                "{matchLabels: {k: a}, matchExpressions: [{key: k, operator: DoesNotExist}]}",
                "",
                false,
            ),
            // Several expressions are ANDed too.
            (
                "{matchExpressions: [{key: a, operator: Exists}, {key: b, operator: NotIn, values: [x]}]}",
                "a=1,b=y",
                true,
            ),
            (
                "{matchExpressions: [{key: a, operator: Exists}, {key: b, operator: NotIn, values: [x]}]}",
                "a=1,b=x",
                false,
            ),
        ];
        for (yaml, l, want) in cases {
            let (sel, errs) = parse(yaml);
            assert!(errs.is_empty(), "{yaml}: {errs:?}");
            assert!(!sel.invalid, "{yaml}");
            assert_eq!(sel.matches(&labels(l)), *want, "{yaml} on {l:?}");
            let map: BTreeMap<String, String> = labels(l)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(sel.matches(&map), *want, "{yaml} on {l:?} (map)");
        }
    }

    #[test]
    fn empty_and_null_are_different_selectors() {
        let (empty, _) = parse("{}");
        let (null, _) = parse("null");
        assert!(empty.is_empty() && empty.selects_everything() && !empty.selects_nothing());
        assert!(null.is_empty() && null.is_null() && null.selects_nothing());
        assert!(!null.selects_everything());
        assert_eq!(empty.to_string(), "{}");
        assert_eq!(null.to_string(), "<null>");
        // A value-typed field (NetworkPolicy podSelector) decodes null as `{}`.
        let mut errs = Vec::new();
        let v = LabelSelector::parse_value(&node("null"), &FieldPath::root(), &mut errs);
        assert!(v.selects_everything() && errs.is_empty());
        assert_eq!(LabelSelector::everything(), empty);
        assert_eq!(LabelSelector::nothing(), null);
    }

    #[test]
    fn invalid_selectors_match_nothing_and_say_why() {
        // (selector, the path and message reported)
        let cases: &[(&str, &str, &str)] = &[
            (
                "{matchExpressions: [{key: k, operator: in, values: [a]}]}",
                "spec.selector.matchExpressions[0]",
                "unknown operator \"in\": use In, NotIn, Exists or DoesNotExist (case matters)",
            ),
            (
                "{matchExpressions: [{key: k, operator: Bogus}]}",
                "spec.selector.matchExpressions[0]",
                "unknown operator \"Bogus\": use In, NotIn, Exists or DoesNotExist (case matters)",
            ),
            (
                "{matchExpressions: [{key: k}]}",
                "spec.selector.matchExpressions[0]",
                "a match expression needs an `operator`",
            ),
            (
                "{matchExpressions: [{operator: Exists}]}",
                "spec.selector.matchExpressions[0]",
                "a match expression needs a string `key`",
            ),
            (
                "{matchExpressions: [{key: k, operator: In}]}",
                "spec.selector.matchExpressions[0]",
                "operator In needs at least one value",
            ),
            (
                "{matchExpressions: [{key: k, operator: NotIn, values: []}]}",
                "spec.selector.matchExpressions[0]",
                "operator NotIn needs at least one value",
            ),
            (
                "{matchExpressions: [{key: k, operator: Exists, values: [a]}]}",
                "spec.selector.matchExpressions[0]",
                "operator Exists takes no values",
            ),
            (
                "{matchExpressions: [{key: k, operator: In, values: [2]}]}",
                "spec.selector.matchExpressions[0]",
                "values must be strings, found integer 2 (quote it)",
            ),
            (
                "{matchLabels: {v: 2}}",
                "spec.selector.matchLabels.v",
                "label value for \"v\" must be a string, found integer 2 (quote it)",
            ),
            (
                "{matchLabels: [a]}",
                "spec.selector.matchLabels",
                "matchLabels must be a mapping, found list",
            ),
            (
                "{matchExpressions: {key: k}}",
                "spec.selector.matchExpressions",
                "matchExpressions must be a list, found mapping",
            ),
            (
                "app=web",
                "spec.selector",
                "a label selector must be a mapping, found string",
            ),
        ];
        for (yaml, path, msg) in cases {
            let (sel, errs) = parse(yaml);
            assert!(sel.invalid && sel.selects_nothing(), "{yaml}");
            assert!(!sel.is_empty() && !sel.selects_everything(), "{yaml}");
            assert_eq!(errs.len(), 1, "{yaml}: {errs:?}");
            assert_eq!(errs[0].0.to_string(), *path, "{yaml}");
            assert_eq!(errs[0].1, *msg, "{yaml}");
            assert!(!sel.matches(&labels("k=a,v=2,app=web")), "{yaml}");
            assert!(!sel.matches(&labels("")), "{yaml}");
            assert_eq!(sel.to_string(), "<invalid selector>");
        }
    }

    #[test]
    fn service_maps_need_every_pair_and_select_nothing_when_empty() {
        let cases: &[(&str, &str, bool)] = &[
            ("{app: web}", "app=web,tier=fe", true),
            ("{app: web, tier: fe}", "app=web", false),
            ("{app: web}", "app=db", false),
            // An empty or null Service selector selects no pods.
            ("{}", "app=web", false),
            ("{}", "", false),
            ("null", "app=web", false),
        ];
        for (yaml, l, want) in cases {
            let sel = LabelSelector::from_map(&node(yaml));
            assert!(!sel.invalid, "{yaml}");
            assert_eq!(sel.matches(&labels(l)), *want, "{yaml} on {l:?}");
            assert!(!sel.selects_everything(), "{yaml}");
        }
        assert!(LabelSelector::from_map(&node("{}")).is_empty());
        for bad in ["{app: 1}", "[app]", "web"] {
            let sel = LabelSelector::from_map(&node(bad));
            assert!(sel.invalid && !sel.matches(&labels("app=1")), "{bad}");
        }
        assert_eq!(
            LabelSelector::from_map(&node("{app: web, tier: fe}")).to_string(),
            "app=web,tier=fe"
        );
    }

    #[test]
    fn template_matching_ignores_labels_controllers_add_to_pods() {
        let (sel, _) = parse(
            "{matchLabels: {app: redis, statefulset.kubernetes.io/pod-name: redis-0}, \
             matchExpressions: [{key: pod-template-hash, operator: Exists}]}",
        );
        assert!(sel.matches_template(&labels("app=redis")));
        assert!(!sel.matches(&labels("app=redis")));
        assert!(!sel.matches_template(&labels("app=db")));
        let svc = LabelSelector::from_map(&node("{pod-template-hash: abc}"));
        // Every pair ignored: the rest (nothing) holds, as for the selector it was.
        assert!(svc.matches_template(&labels("")));
        assert!(!LabelSelector::from_map(&node("{}")).matches_template(&labels("")));
        assert!(!LabelSelector::nothing().matches_template(&labels("")));
    }

    #[test]
    fn displays_in_kubectl_syntax() {
        let (sel, _) = parse(
            "{matchLabels: {app: db}, matchExpressions: [{key: env, operator: NotIn, values: [dev, qa]}, \
             {key: tier, operator: In, values: [a]}, {key: x, operator: Exists}, {key: w, operator: DoesNotExist}]}",
        );
        assert_eq!(
            sel.to_string(),
            "app=db,env notin (dev,qa),tier in (a),x,!w"
        );
    }
}
