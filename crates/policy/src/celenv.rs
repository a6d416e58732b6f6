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
        self.env
            .compile(source)
            .map(Arc::new)
            .map_err(|e| e.to_string().replace('\n', "; "))
    }

    /// Evaluates `program` with `vars` bound.
    pub fn eval(&self, program: &Program, vars: &[(&str, &Value)]) -> Result<Value, String> {
        let mut ctx = self.root.new_inner_scope();
        for (name, v) in vars {
            ctx.add_variable_from_value(*name, (*v).clone());
        }
        program.execute(&ctx).map_err(|e| e.to_string())
    }
}

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
