//! The CEL environment of admission policies: the standard library with optional syntax, and
//! the Kubernetes libraries (kube-cel: lists, sets, regex, URLs, quantity, IP and CIDR, format,
//! semver, strings, math, encoders, JSON patch), and the conversion of document trees to CEL
//! values.

use kube_cel::KubeCelExt;
use kube_cel::cel::objects::{Key, Map};
use kube_cel::cel::{Context, Env, Program, Value};
use std::collections::HashMap;
use std::sync::Arc;
use stockade_sources::node::{Node, Value as NodeValue};

/// Longest expression accepted, in bytes (the API server's limit for a CEL expression in a
/// policy is far above what anyone writes; this bounds parsing time on hostile input).
pub const MAX_EXPRESSION: usize = 16 * 1024;

/// A compiled expression, or why it did not compile.
pub type Compiled = Result<Arc<Program>, String>;

/// The environment: compiles expressions and evaluates them.
pub struct CelEnv {
    env: Arc<Env>,
    root: Context<'static, 'static>,
}

impl CelEnv {
    /// The admission environment.
    pub fn new() -> CelEnv {
        let mut env = Env::stdlib().with_optional_support(true);
        // Declared once, on a fresh Env: names no other overload has, so this cannot fail.
        let _ = kube_cel::register_env(&mut env);
        let env = Arc::new(env);
        let mut root = Context::with_env(Arc::clone(&env));
        root.register_all();
        // `matches` with its pattern compiled once (see `compile`).
        let _ = root.add_function(MATCHES, matches_cached);
        CelEnv { env, root }
    }

    /// Compiles `source`.
    pub fn compile(&self, source: &str) -> Compiled {
        if source.len() > MAX_EXPRESSION {
            return Err(format!(
                "expression is {} bytes, more than the {MAX_EXPRESSION} accepted",
                source.len()
            ));
        }
        if source.trim().is_empty() {
            return Err("expression is empty".into());
        }
        let program = self
            .env
            .compile(source)
            .map_err(|e| e.to_string().replace('\n', "; "))?;
        // The cel crate compiles the pattern of `matches` at every call, which costs more than
        // the rest of a typical validation: calls to `matches` are renamed to a function that
        // caches compiled patterns, at the places the syntax tree gives, and compiled again.
        let rewritten = rename_matches(&program, source);
        match rewritten.and_then(|s| self.env.compile(&s).ok()) {
            Some(p) => Ok(Arc::new(p)),
            None => Ok(Arc::new(program)),
        }
    }

    /// Evaluates `program` with `vars` bound.
    pub fn eval(&self, program: &Program, vars: &[(&str, &Value)]) -> Result<Value, String> {
        let ctx = self.scope(vars);
        program.execute(&ctx).map_err(|e| e.to_string())
    }

    /// A scope with `vars` bound, for several evaluations: binding a value converts it to the
    /// interpreter's representation, which for an object is a walk of the whole tree, so an
    /// object is bound once per request, not once per expression.
    pub fn scope(&self, vars: &[(&str, &Value)]) -> Context<'_, 'static> {
        let mut ctx = self.root.new_inner_scope();
        for (name, v) in vars {
            ctx.add_variable_from_value(*name, (*v).clone());
        }
        ctx
    }
}

/// The name `matches` is evaluated under (its pattern compiled once).
pub const MATCHES: &str = "stockadeMatches";

fn matches_cached(
    kube_cel::cel::extractors::This(this): kube_cel::cel::extractors::This<Arc<String>>,
    pattern: Arc<String>,
) -> kube_cel::cel::ResolveResult {
    match kube_cel::compiled_regex(&pattern) {
        Ok(re) => Ok(Value::Bool(re.is_match(&this))),
        Err(e) => Err(kube_cel::cel::ExecutionError::function_error(
            "matches",
            format!("'{pattern}' not a valid regex:\n{e}"),
        )),
    }
}

/// `source` with each call of `matches` renamed to [`MATCHES`], or `None` when it has none
/// or the places cannot be found exactly.
fn rename_matches(program: &Program, source: &str) -> Option<String> {
    use kube_cel::cel::common::ast::Expr;
    let mut starts: Vec<usize> = Vec::new();
    let mut ok = true;
    crate::ast::visit_calls(program, &mut |id, name| {
        if name != "matches" {
            return;
        }
        // The call's position is its opening parenthesis, counted in characters; the name
        // ends there, save for blanks.
        let Some((open, _)) = program.source_info().offset_for(id) else {
            ok = false;
            return;
        };
        let chars: Vec<(usize, char)> = source.char_indices().collect();
        let Some(mut i) = usize::try_from(open).ok().filter(|i| *i <= chars.len()) else {
            ok = false;
            return;
        };
        if chars.get(i).map(|c| c.1) != Some('(') {
            ok = false;
            return;
        }
        while i > 0 && chars[i - 1].1.is_whitespace() {
            i -= 1;
        }
        let end = chars.get(i).map_or(source.len(), |c| c.0);
        match end.checked_sub(7) {
            Some(start) if source.get(start..end) == Some("matches") => starts.push(start),
            _ => ok = false,
        }
    });
    let _ = Expr::Unspecified;
    if !ok || starts.is_empty() {
        return None;
    }
    starts.sort_unstable();
    let mut out = String::with_capacity(source.len() + starts.len() * 8);
    let mut last = 0;
    for s in starts {
        out.push_str(&source[last..s]);
        out.push_str(MATCHES);
        last = s + 7;
    }
    out.push_str(&source[last..]);
    Some(out)
}

/// A child scope of `parent` with `vars` bound.
pub fn child<'p>(
    parent: &'p Context<'p, 'static>,
    vars: &[(&str, &Value)],
) -> Context<'p, 'static> {
    let mut ctx = parent.new_inner_scope();
    for (name, v) in vars {
        ctx.add_variable_from_value(*name, (*v).clone());
    }
    ctx
}

/// Evaluates `program` in `ctx`.
pub fn eval_in(ctx: &Context<'_, 'static>, program: &Program) -> Result<Value, String> {
    program.execute(ctx).map_err(|e| e.to_string())
}

impl CelEnv {}

impl Default for CelEnv {
    fn default() -> Self {
        CelEnv::new()
    }
}

/// A document tree as a CEL value: integers are `int`, as the API server decodes JSON numbers
/// without a fraction.
pub fn value_of(node: &Node) -> Value {
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Int(i) => Value::Int(*i),
        NodeValue::Float(f) => Value::Float(*f),
        NodeValue::Str(s) => Value::String(Arc::new(s.to_string())),
        NodeValue::Seq(items) => Value::List(Arc::new(items.iter().map(value_of).collect())),
        NodeValue::Map(entries) => {
            let mut m: HashMap<Key, Value> = HashMap::with_capacity(entries.len());
            // The API server drops a field whose value is null when it decodes an object
            // (`hostPath: null` is no hostPath), so a policy never sees one.
            for (k, v) in entries.iter().filter(|(_, v)| !v.is_null()) {
                m.insert(Key::String(Arc::new(k.name.to_string())), value_of(v));
            }
            Value::Map(Map { map: Arc::new(m) })
        }
    }
}

/// A JSON value as a CEL value (for synthesized objects such as `request`).
pub fn value_of_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(value_of_json).collect())),
        serde_json::Value::Object(o) => {
            let m: HashMap<Key, Value> = o
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), value_of_json(v)))
                .collect();
            Value::Map(Map { map: Arc::new(m) })
        }
    }
}

/// A document tree as JSON.
pub fn json_of(node: &Node) -> serde_json::Value {
    match &node.value {
        NodeValue::Null => serde_json::Value::Null,
        NodeValue::Bool(b) => serde_json::Value::Bool(*b),
        NodeValue::Int(i) => serde_json::Value::from(*i),
        NodeValue::Float(f) => serde_json::Value::from(*f),
        NodeValue::Str(s) => serde_json::Value::String(s.to_string()),
        NodeValue::Seq(items) => serde_json::Value::Array(items.iter().map(json_of).collect()),
        NodeValue::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.name.to_string(), json_of(v)))
                .collect(),
        ),
    }
}

/// A CEL value as text for messages (`messageExpression` must give a string).
pub fn as_string(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> Result<Value, String> {
        let env = CelEnv::new();
        let p = env.compile(src)?;
        let obj = value_of_json(&serde_json::json!({"spec": {"replicas": 3, "x": null},
            "metadata": {"labels": {"team": "a"}}}));
        env.eval(&p, &[("object", &obj)])
    }

    #[test]
    fn matches_keeps_its_meaning_with_patterns_compiled_once() {
        assert_eq!(eval("'abc'.matches('^a.c$')"), Ok(Value::Bool(true)));
        assert_eq!(eval("matches('abc', 'z')"), Ok(Value::Bool(false)));
        assert_eq!(
            eval("'x.matches(y)'.matches ('matches') && 'q'.matches('q')"),
            Ok(Value::Bool(true))
        );
        assert!(
            eval("'a'.matches('(')")
                .unwrap_err()
                .contains("not a valid regex")
        );
        let p = CelEnv::new().compile("'abc'.matches('b')").unwrap();
        let mut names = Vec::new();
        crate::ast::visit_calls(&p, &mut |_, n| names.push(n.to_string()));
        assert!(names.contains(&MATCHES.to_string()), "{names:?}");
    }

    #[test]
    fn optional_syntax_kubernetes_libraries_and_ints() {
        assert_eq!(eval("object.spec.replicas > 2"), Ok(Value::Bool(true)));
        assert_eq!(
            eval("object.?spec.?missing.orValue(5) == 5"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval("object.metadata.?labels.?team == optional.of('a')"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval("quantity('1Gi').isGreaterThan(quantity('512Mi'))"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval("string(ip('10.0.0.1')) == '10.0.0.1'"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))"),
            Ok(Value::Bool(true))
        );
        assert_eq!(eval("'abc'.matches('^a')"), Ok(Value::Bool(true)));
        assert_eq!(eval("[1, 2].isSorted()"), Ok(Value::Bool(true)));
        assert!(eval("object.spec.nope > 1").is_err());
        assert!(eval("1 +").is_err());
    }
}
