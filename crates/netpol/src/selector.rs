//! Label selectors (`matchLabels` and `matchExpressions`), as the API evaluates them.
//!
//! The requirements of a selector are ANDed; a selector without any matches everything. A
//! selector the API server would reject (an unknown operator, `In` without values, a non-string
//! label value) matches nothing here and is reported by the model as an input error.

use std::collections::BTreeMap;
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

/// A parsed label selector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    /// `matchLabels`, as (key, value) pairs.
    pub match_labels: Vec<(String, String)>,
    /// `matchExpressions`.
    pub exprs: Vec<Expr>,
    /// Set when the API server would reject the selector; it then matches nothing.
    pub invalid: bool,
}

/// Labels of a pod or namespace.
pub type Labels = BTreeMap<String, String>;

impl Selector {
    /// The empty selector, which matches everything.
    pub fn everything() -> Selector {
        Selector::default()
    }

    /// Whether the selector has no requirements (and so matches everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.exprs.is_empty() && !self.invalid
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.matches_ignoring(labels, &[])
    }

    /// Whether `labels` satisfy every requirement that does not name one of the `ignored`
    /// keys (the labels a controller adds to the pods it makes from a template).
    pub fn matches_ignoring(&self, labels: &Labels, ignored: &[&str]) -> bool {
        if self.invalid {
            return false;
        }
        self.match_labels
            .iter()
            .filter(|(k, _)| !ignored.contains(&k.as_str()))
            .all(|(k, v)| labels.get(k).is_some_and(|x| x == v))
            && self
                .exprs
                .iter()
                .filter(|e| !ignored.contains(&e.key.as_str()))
                .all(|e| {
                    let got = labels.get(&e.key);
                    match e.op {
                        Operator::In => got.is_some_and(|v| e.values.contains(v)),
                        Operator::NotIn => got.is_none_or(|v| !e.values.contains(v)),
                        Operator::Exists => got.is_some(),
                        Operator::DoesNotExist => got.is_none(),
                    }
                })
    }

    /// Parses a selector node at `path`; problems the API server would reject are pushed to
    /// `errors` and make the selector match nothing.
    pub fn parse(node: &Node, path: &FieldPath, errors: &mut Vec<(FieldPath, String)>) -> Selector {
        let mut sel = Selector::default();
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
                Value::Map(entries) => {
                    for (k, v) in entries {
                        match v.as_str() {
                            Some(s) => sel.match_labels.push((k.name.to_string(), s.to_string())),
                            None => {
                                errors.push((
                                    mp.key(&k.name),
                                    format!(
                                        "label value for {:?} must be a string, found {} {} (quote it)",
                                        &*k.name,
                                        v.type_name(),
                                        v.value
                                    ),
                                ));
                                sel.invalid = true;
                            }
                        }
                    }
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
                let p = ep.index(i);
                match parse_expr(e) {
                    Ok(x) => sel.exprs.push(x),
                    Err(m) => {
                        errors.push((p, m));
                        sel.invalid = true;
                    }
                }
            }
        }
        sel
    }
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

impl fmt::Display for Selector {
    /// kubectl's selector syntax: `app=web,tier in (a,b),!legacy`; `{}` for everything.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.invalid {
            return f.write_str("<invalid selector>");
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
    use stockade_sources::Pos;

    fn s(v: &str) -> Node {
        Node::new(Value::Str(v.into()), Pos::default())
    }
    fn map(entries: Vec<(&str, Node)>) -> Node {
        Node::new(
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            stockade_sources::Key {
                                name: k.into(),
                                pos: Pos::default(),
                            },
                            v,
                        )
                    })
                    .collect(),
            ),
            Pos::default(),
        )
    }
    fn seq(items: Vec<Node>) -> Node {
        Node::new(Value::Seq(items.into()), Pos::default())
    }
    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
    fn parse(n: &Node) -> (Selector, Vec<(FieldPath, String)>) {
        let mut errs = Vec::new();
        let sel = Selector::parse(n, &FieldPath::parse("spec.podSelector"), &mut errs);
        (sel, errs)
    }
    fn expr(key: &str, op: &str, values: &[&str]) -> Node {
        let mut e = vec![("key", s(key)), ("operator", s(op))];
        if !values.is_empty() {
            e.push(("values", seq(values.iter().map(|v| s(v)).collect())));
        }
        map(e)
    }

    #[test]
    fn empty_and_null_selectors_match_everything() {
        for n in [
            map(vec![]),
            Node::new(Value::Null, Pos::default()),
            map(vec![("matchLabels", map(vec![]))]),
        ] {
            let (sel, errs) = parse(&n);
            assert!(errs.is_empty());
            assert!(sel.is_empty());
            assert!(sel.matches(&labels(&[])));
            assert!(sel.matches(&labels(&[("a", "b")])));
        }
    }

    #[test]
    fn match_labels_need_every_pair() {
        let (sel, _) = parse(&map(vec![(
            "matchLabels",
            map(vec![("app", s("web")), ("tier", s("fe"))]),
        )]));
        assert!(sel.matches(&labels(&[("app", "web"), ("tier", "fe"), ("x", "y")])));
        assert!(!sel.matches(&labels(&[("app", "web")])));
        assert!(!sel.matches(&labels(&[("app", "web"), ("tier", "be")])));
        assert_eq!(sel.to_string(), "app=web,tier=fe");
    }

    #[test]
    fn in_notin_exists_doesnotexist() {
        // (operator, values, labels, matches)
        type Case<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)], bool);
        let cases: &[Case] = &[
            ("In", &["a", "b"], &[("k", "a")], true),
            ("In", &["a", "b"], &[("k", "c")], false),
            ("In", &["a", "b"], &[], false),
            ("NotIn", &["a"], &[("k", "b")], true),
            ("NotIn", &["a"], &[("k", "a")], false),
            // NotIn matches pods that lack the key entirely.
            ("NotIn", &["a"], &[], true),
            ("Exists", &[], &[("k", "")], true),
            ("Exists", &[], &[("j", "x")], false),
            ("DoesNotExist", &[], &[("j", "x")], true),
            ("DoesNotExist", &[], &[("k", "x")], false),
        ];
        for (op, values, l, want) in cases {
            let (sel, errs) = parse(&map(vec![(
                "matchExpressions",
                seq(vec![expr("k", op, values)]),
            )]));
            assert!(errs.is_empty(), "{op}: {errs:?}");
            assert_eq!(sel.matches(&labels(l)), *want, "{op} {values:?} on {l:?}");
        }
    }

    #[test]
    fn labels_and_expressions_are_anded() {
        let (sel, _) = parse(&map(vec![
            ("matchLabels", map(vec![("app", s("db"))])),
            (
                "matchExpressions",
                seq(vec![expr("env", "NotIn", &["dev"])]),
            ),
        ]));
        assert!(sel.matches(&labels(&[("app", "db"), ("env", "prod")])));
        assert!(!sel.matches(&labels(&[("app", "db"), ("env", "dev")])));
        assert!(!sel.matches(&labels(&[("app", "web")])));
        assert_eq!(sel.to_string(), "app=db,env notin (dev)");
    }

    #[test]
    fn invalid_selectors_match_nothing_and_say_why() {
        for n in [
            map(vec![(
                "matchExpressions",
                seq(vec![expr("k", "in", &["a"])]),
            )]),
            map(vec![("matchExpressions", seq(vec![expr("k", "In", &[])]))]),
            map(vec![(
                "matchExpressions",
                seq(vec![expr("k", "Exists", &["a"])]),
            )]),
            map(vec![(
                "matchLabels",
                map(vec![("v", Node::new(Value::Int(2), Pos::default()))]),
            )]),
            s("app=web"),
        ] {
            let (sel, errs) = parse(&n);
            assert_eq!(errs.len(), 1, "{n:?}");
            assert!(!sel.matches(&labels(&[("k", "a"), ("v", "2")])));
        }
    }
}
