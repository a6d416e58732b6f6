//! What a compiled expression says about itself: the object field it reads (where a finding is
//! located), and an upper bound of what evaluating it costs on given inputs (so a hostile
//! expression is refused before it runs, not after it hangs a scan).
//!
//! The cel crate evaluates a program with no hook to count steps, so the bound is computed
//! from the program's syntax tree and the size of the values it is evaluated with: every
//! comprehension multiplies the cost of its body by the length of what it iterates, every
//! function that builds a value (concatenation, `replace`, `join`, `lists.range`, …) grows the
//! size bound by what it can build. The bound is never below the work the evaluation does.

use kube_cel::cel::Program;
use kube_cel::cel::Value;
use kube_cel::cel::common::ast::{EntryExpr, Expr, LiteralValue};
use kube_cel::cel::parser::Expression;

/// The estimated cost above which an expression is not evaluated. The API server stops an
/// evaluation at a runtime cost of 10^7 per policy; the estimate here is an upper bound of a
/// similar unit (one per operation, one per element or byte a function walks), so the limit
/// leaves room for the bound's slack while keeping the worst case to a few seconds.
pub const COST_LIMIT: f64 = 1e8;

/// The variables an expression is evaluated with.
const INPUTS: &[&str] = &[
    "object",
    "oldObject",
    "params",
    "request",
    "namespaceObject",
    "variables",
    "authorizer",
];

/// The longest list `lists.range` builds (the function refuses more; see the vendored crate).
pub const RANGE_LIMIT: f64 = 100_000.0;

/// The field of `object` an expression reads, as path segments: the longest chain of field
/// selections (and constant-key indexes) rooted at `object`, e.g. `["spec", "replicas"]` for
/// `object.spec.replicas > 1`. Empty when it reads none.
pub fn object_path(program: &Program) -> Vec<String> {
    let mut best = Vec::new();
    visit(program.expression(), &mut |e| {
        if let Some(p) = chain(e)
            && p.len() > best.len()
        {
            best = p;
        }
    });
    best
}

/// Calls `f(id, function name)` for every call in `program`.
pub fn visit_calls(program: &Program, f: &mut impl FnMut(u64, &str)) {
    visit(program.expression(), &mut |e| {
        if let Expr::Call(c) = &e.expr {
            f(e.id, &c.func_name);
        }
    });
}

/// `object.a.b['c']` as `["a", "b", "c"]`.
fn chain(e: &Expression) -> Option<Vec<String>> {
    let mut segs = Vec::new();
    let mut cur = e;
    loop {
        match &cur.expr {
            Expr::Ident(n) if n == "object" => {
                segs.reverse();
                return Some(segs);
            }
            Expr::Select(s) => {
                segs.push(s.field.clone());
                cur = &s.operand;
            }
            Expr::Call(c)
                if matches!(c.func_name.as_str(), "_[_]" | "_?._" | "_[?_]")
                    && c.args.len() == 2 =>
            {
                match &c.args[1].expr {
                    Expr::Literal(LiteralValue::String(k)) => segs.push(k.inner().to_string()),
                    Expr::Literal(LiteralValue::Int(i)) => segs.push(i.inner().to_string()),
                    _ => return None,
                }
                cur = &c.args[0];
            }
            _ => return None,
        }
    }
}

fn visit<'e>(e: &'e Expression, f: &mut impl FnMut(&'e Expression)) {
    f(e);
    match &e.expr {
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                visit(t, f);
            }
            for a in &c.args {
                visit(a, f);
            }
        }
        Expr::Comprehension(c) => {
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                visit(x, f);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(|x| visit(x, f)),
        Expr::Map(m) => m.entries.iter().for_each(|x| match &x.expr {
            EntryExpr::MapEntry(me) => {
                visit(&me.key, f);
                visit(&me.value, f);
            }
            EntryExpr::StructField(sf) => visit(&sf.value, f),
        }),
        Expr::Struct(s) => s.entries.iter().for_each(|x| match &x.expr {
            EntryExpr::MapEntry(me) => {
                visit(&me.key, f);
                visit(&me.value, f);
            }
            EntryExpr::StructField(sf) => visit(&sf.value, f),
        }),
        Expr::Select(s) => visit(&s.operand, f),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// The newest Kubernetes minor release whose CEL environment Stockade knows (1.36).
pub const NEWEST_MINOR: u32 = 36;

/// The release (minor of 1.x) that introduced a function to the API server's CEL environment
/// for admission policies (k8s.io/apiserver `pkg/cel/environment/base.go`), or `None` when the
/// environment has no such function at any release (`math.*` and `base64.*` are cel-go
/// extensions the API server does not load; the Kubernetes CEL libraries otherwise came in
/// 1.0 to 1.34). Member names shared by two libraries take the earlier one.
fn introduced(name: &str, namespaced: bool) -> Option<u32> {
    Some(match name {
        // cel-go extensions the API server's environment does not load, and the JSON patch
        // library of mutating policies.
        n if n.starts_with("math.") || n.starts_with("base64.") || n.starts_with("jsonpatch.") => {
            return None;
        }
        // Optional types, the quantity library (1.28).
        "optional.of"
        | "optional.ofNonZeroValue"
        | "optional.none"
        | "_?._"
        | "_[?_]"
        | "orValue"
        | "hasValue"
        | "or"
        | "quantity"
        | "isQuantity"
        | "asInteger"
        | "asApproximateFloat"
        | "isInteger"
        | "sign"
        | "add"
        | "sub"
        | "compareTo"
        | "isGreaterThan"
        | "isLessThan" => 28,
        // ext.Strings version 2 and ext.Sets (1.29).
        "format" if !namespaced => 29,
        "strings.quote" => 29,
        "sets.contains" | "sets.equivalent" | "sets.intersects" => 29,
        // IP and CIDR (1.30).
        "ip"
        | "isIP"
        | "ip.isCanonical"
        | "family"
        | "isUnspecified"
        | "isLoopback"
        | "isLinkLocalMulticast"
        | "isLinkLocalUnicast"
        | "isGlobalUnicast"
        | "cidr"
        | "isCIDR"
        | "containsIP"
        | "containsCIDR"
        | "prefixLength"
        | "masked" => 30,
        // Named formats (1.31).
        n if n.starts_with("format.") => 31,
        "validate" => 31,
        // Two-variable comprehensions (1.32).
        "transformList" | "transformMap" | "transformMapEntry" => 32,
        // Semver (1.33).
        "semver" | "isSemver" | "major" | "minor" | "patch" => 33,
        // ext.Lists version 3 (1.34).
        "lists.range" | "slice" | "flatten" | "distinct" | "sort" | "sortBy" | "first" | "last" => {
            34
        }
        // `reverse` of ext.Strings version 3 and ext.Lists: 1.34 either way.
        "reverse" => 34,
        _ => 0,
    })
}

/// Whether `program` may be used in the CEL environment of Kubernetes 1.`minor`: the first
/// function or syntax it uses that the release does not have, and the release that brought
/// it (`None` for a function no release has).
pub fn unavailable(program: &Program, minor: u32) -> Option<(String, Option<u32>)> {
    let mut found = None;
    visit(program.expression(), &mut |e| {
        if found.is_some() {
            return;
        }
        let (name, since) = match &e.expr {
            Expr::Call(c) => {
                let ns = match c.target.as_deref().map(|t| &t.expr) {
                    Some(Expr::Ident(t)) if !INPUTS.contains(&t.as_str()) => Some(t.as_str()),
                    _ => None,
                };
                let name = match ns {
                    Some(ns) => format!("{ns}.{}", c.func_name),
                    None => c.func_name.clone(),
                };
                let two_var = matches!(
                    c.func_name.as_str(),
                    "all" | "exists" | "exists_one" | "existsOne"
                ) && c.args.len() == 3;
                if two_var {
                    ("two-variable comprehension".to_string(), Some(32))
                } else {
                    let since = introduced(&name, ns.is_some());
                    (name, since)
                }
            }
            Expr::Comprehension(c) if c.iter_var2.is_some() => {
                ("two-variable comprehension".to_string(), Some(32))
            }
            Expr::Select(s) if s.operand.expr == Expr::Ident("optional".into()) => {
                (format!("optional.{}", s.field), Some(28))
            }
            _ => return,
        };
        match since {
            // Two-variable comprehensions are said even where the release has them: the cel
            // crate cannot evaluate them.
            Some(v) if v <= minor && name != "two-variable comprehension" => {}
            other => found = Some((name, other)),
        }
    });
    found
}

/// The size bound of a value: the longest list, map or string anywhere in it (at least 1).
pub fn size_bound(v: &Value) -> f64 {
    fn walk(v: &Value, best: &mut usize) {
        match v {
            Value::List(l) => {
                *best = (*best).max(l.len());
                l.iter().for_each(|x| walk(x, best));
            }
            Value::Map(m) => {
                *best = (*best).max(m.map.len());
                m.map.values().for_each(|x| walk(x, best));
            }
            Value::String(s) => *best = (*best).max(s.len()),
            Value::Bytes(b) => *best = (*best).max(b.len()),
            _ => {}
        }
    }
    let mut best = 1;
    walk(v, &mut best);
    best as f64
}

/// An upper bound of the cost of evaluating `program` when every input value has a size
/// bound of at most `n` and `variables.NAME` has the size bound `vars(NAME)`.
pub fn estimate(program: &Program, n: f64, vars: &dyn Fn(&str) -> Option<f64>) -> f64 {
    let mut est = Estimator {
        n,
        vars,
        scope: Vec::new(),
    };
    est.walk(program.expression()).0
}

struct Estimator<'a> {
    n: f64,
    vars: &'a dyn Fn(&str) -> Option<f64>,
    /// Comprehension variables in scope, innermost last, with their size bounds.
    scope: Vec<(String, f64)>,
}

impl Estimator<'_> {
    /// (cost, size bound of the result).
    fn walk(&mut self, e: &Expression) -> (f64, f64) {
        match &e.expr {
            Expr::Literal(l) => (
                1.0,
                match l {
                    LiteralValue::String(s) => (s.inner().len() as f64).max(1.0),
                    LiteralValue::Bytes(b) => (b.inner().len() as f64).max(1.0),
                    _ => 1.0,
                },
            ),
            Expr::Ident(name) => {
                let size = self
                    .scope
                    .iter()
                    .rev()
                    .find(|(v, _)| v == name)
                    .map_or(self.n, |(_, s)| *s);
                (1.0, size)
            }
            Expr::Select(s) => {
                if let Expr::Ident(root) = &s.operand.expr
                    && root == "variables"
                    && !self.scope.iter().any(|(v, _)| v == root)
                {
                    return (2.0, (self.vars)(&s.field).unwrap_or(self.n));
                }
                let (c, size) = self.walk(&s.operand);
                (c + 1.0, size)
            }
            Expr::List(l) => {
                let mut cost = 1.0;
                let mut size = l.elements.len() as f64;
                for x in &l.elements {
                    let (c, s) = self.walk(x);
                    cost += c;
                    size = size.max(s);
                }
                (cost, size.max(1.0))
            }
            Expr::Map(m) => self.entries(m.entries.iter().map(|x| &x.expr)),
            Expr::Struct(s) => self.entries(s.entries.iter().map(|x| &x.expr)),
            Expr::Comprehension(c) => {
                let (rc, rs) = self.walk(&c.iter_range);
                let (ac, asz) = self.walk(&c.accu_init);
                let depth = self.scope.len();
                self.scope.push((c.iter_var.clone(), rs));
                if let Some(v2) = &c.iter_var2 {
                    self.scope.push((v2.clone(), rs));
                }
                self.scope.push((c.accu_var.clone(), asz.max(rs)));
                let (cc, _) = self.walk(&c.loop_cond);
                let (sc, ss) = self.walk(&c.loop_step);
                // What the accumulator can grow to: one element per iteration, each no larger
                // than what a step yields.
                let accu = asz.max(rs).max(ss);
                if let Some(last) = self.scope.last_mut() {
                    last.1 = accu;
                }
                let (resc, ress) = self.walk(&c.result);
                self.scope.truncate(depth);
                (rc + ac + rs * (cc + sc + 1.0) + resc, ress)
            }
            Expr::Call(call) => {
                let mut cost = 1.0;
                let mut sizes = Vec::with_capacity(call.args.len() + 1);
                // `lists.range(n)` parses as `range` called on the identifier `lists`: a
                // namespaced function, whose "target" is no value.
                let namespace = match call.target.as_deref().map(|t| &t.expr) {
                    Some(Expr::Ident(t))
                        if !INPUTS.contains(&t.as_str())
                            && !self.scope.iter().any(|(v, _)| v == t) =>
                    {
                        Some(t.as_str())
                    }
                    _ => None,
                };
                let qualified;
                let func = match namespace {
                    Some(ns) => {
                        qualified = format!("{ns}.{}", call.func_name);
                        qualified.as_str()
                    }
                    None => call.func_name.as_str(),
                };
                if let Some(t) = call.target.as_deref().filter(|_| namespace.is_none()) {
                    let (c, s) = self.walk(t);
                    cost += c;
                    sizes.push(s);
                }
                for a in &call.args {
                    let (c, s) = self.walk(a);
                    cost += c;
                    sizes.push(s);
                }
                let sum: f64 = sizes.iter().sum();
                let max = sizes.iter().copied().fold(1.0, f64::max);
                let arg = |i: usize| sizes.get(i).copied().unwrap_or(1.0);
                let size = match func {
                    "_+_" => sum,
                    // target.replace(old, new[, n]): every position can take `new`.
                    "replace" => arg(0) * (arg(2) + 1.0) + arg(0),
                    "join" => arg(0) * (arg(0) + arg(1)),
                    "strings.quote" => 2.0 * max + 2.0,
                    "format" => (arg(0) + 1.0) * (arg(1) + 1.0) * 2.0,
                    "lists.range" => match call.args.first().map(|a| &a.expr) {
                        Some(Expr::Literal(LiteralValue::Int(k))) => {
                            (*k.inner() as f64).clamp(1.0, RANGE_LIMIT)
                        }
                        _ => RANGE_LIMIT,
                    },
                    "flatten" => max * max,
                    _ => max,
                };
                let work = match func {
                    "sets.contains" | "sets.equivalent" | "sets.intersects" => arg(0) * arg(1),
                    "matches" | "stockadeMatches" | "find" | "findAll" => arg(0) * arg(1),
                    "sort" | "distinct" => max * max.log2().max(1.0),
                    _ => sum + size,
                };
                (cost + work, size)
            }
            Expr::Unspecified => (1.0, 1.0),
        }
    }

    fn entries<'e>(&mut self, entries: impl Iterator<Item = &'e EntryExpr>) -> (f64, f64) {
        let mut cost = 1.0;
        let mut count = 0.0;
        let mut size: f64 = 1.0;
        for x in entries {
            count += 1.0;
            let parts: Vec<&Expression> = match x {
                EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
                EntryExpr::StructField(sf) => vec![&sf.value],
            };
            for p in parts {
                let (c, s) = self.walk(p);
                cost += c;
                size = size.max(s);
            }
        }
        (cost, size.max(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::celenv::CelEnv;

    fn program(src: &str) -> std::sync::Arc<Program> {
        CelEnv::new().compile(src).unwrap()
    }

    #[test]
    fn functions_are_available_from_the_release_that_brought_them() {
        let at = |src: &str, minor: u32| unavailable(&program(src), minor);
        assert_eq!(at("object.spec.replicas > 1", 27), None);
        assert_eq!(
            at("object.?spec.?replicas.orValue(1) > 1", 27).map(|x| x.1),
            Some(Some(28))
        );
        assert_eq!(at("object.?spec.?replicas.orValue(1) > 1", 28), None);
        assert_eq!(
            at("isSemver(object.metadata.name)", 32),
            Some(("isSemver".to_string(), Some(33)))
        );
        assert_eq!(at("isSemver(object.metadata.name)", 33), None);
        assert_eq!(
            at("lists.range(3).size() == 3", 33),
            Some(("lists.range".to_string(), Some(34)))
        );
        assert_eq!(at("ip('10.0.0.1').family() == 4", 30), None);
        assert_eq!(
            at("ip('10.0.0.1').family() == 4", 29).map(|x| x.1),
            Some(Some(30))
        );
        assert_eq!(
            at("math.abs(-1) == 1", NEWEST_MINOR),
            Some(("math.abs".to_string(), None))
        );
        assert_eq!(
            at("[1, 2].all(i, v, v > 0)", 31).map(|x| x.1),
            Some(Some(32))
        );
    }

    #[test]
    fn the_field_an_expression_reads() {
        let p = |s: &str| object_path(&program(s)).join(".");
        assert_eq!(p("object.spec.replicas <= 5"), "spec.replicas");
        assert_eq!(
            p("has(object.metadata.labels) && object.metadata.labels['owner'] != ''"),
            "metadata.labels.owner"
        );
        assert_eq!(
            p("object.spec.template.spec.containers.all(c, c.image.startsWith('r/'))"),
            "spec.template.spec.containers"
        );
        assert_eq!(p("object.?spec.?replicas.orValue(1) < 3"), "spec.replicas");
        assert_eq!(p("request.operation == 'CREATE'"), "");
    }

    #[test]
    fn the_cost_bound_grows_with_nesting_and_refuses_hostile_expressions() {
        let none = |_: &str| None;
        let simple = estimate(&program("object.spec.replicas <= 5"), 100.0, &none);
        assert!(simple < 1_000.0, "{simple}");
        let one = estimate(
            &program("object.spec.containers.all(c, c.image.startsWith('r/'))"),
            100.0,
            &none,
        );
        let two = estimate(
            &program(
                "object.spec.containers.all(c, object.spec.containers.all(d, c.name != d.name || c == d))",
            ),
            100.0,
            &none,
        );
        assert!(one > 100.0 && one < 100_000.0, "{one}");
        assert!(two > one * 10.0 && two < COST_LIMIT, "{two}");
        // Five nested comprehensions over a range of a thousand: 10^15 steps.
        let hostile = "lists.range(1000).all(a, lists.range(1000).all(b, lists.range(1000).all(c, lists.range(1000).all(d, lists.range(1000).all(e, a + b + c + d + e >= 0)))))";
        assert!(estimate(&program(hostile), 1.0, &none) > COST_LIMIT);
        let four = "lists.range(1000).all(a, lists.range(1000).all(b, lists.range(1000).all(c, lists.range(1000).all(e, a + b + c + e >= 0))))";
        assert!(estimate(&program(four), 1.0, &none) > COST_LIMIT);
        assert!(estimate(&program("lists.range(10).all(a, a >= 0)"), 1.0, &none) < 1000.0);
        // Doubling a string by replacement, nested: the size bound multiplies.
        let blowup = "'aaaaaaaaaa'.replace('', 'aaaaaaaaaa').replace('', 'aaaaaaaaaa'.replace('', 'aaaaaaaaaa')).replace('', 'aaaaaaaaaa'.replace('', 'aaaaaaaaaa').replace('', 'aaaaaaaaaa'.replace('', 'aaaaaaaaaa'))).size() > 0";
        assert!(estimate(&program(blowup), 1.0, &none) > 1e4);
        // Variables carry the size of their value.
        let v = estimate(
            &program("variables.big.all(x, variables.big.all(y, x != y))"),
            10.0,
            &|n: &str| (n == "big").then_some(1e5),
        );
        assert!(v > COST_LIMIT, "{v}");
    }
}
