//! Converts JSON values (objects read from a cluster or an admission request) into the same
//! [`Node`] tree manifests load into. Such nodes have no file positions (line and column 0).

use crate::node::{Key, Node, Pos, Value};

const NOWHERE: Pos = Pos { line: 0, col: 0 };

/// Converts a JSON value into a tree. Depth is bounded by the JSON parser that produced it
/// (serde_json stops at 128 levels).
pub fn node_from_json(v: serde_json::Value) -> Node {
    let value = match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::Str(s.into()),
        serde_json::Value::Array(items) => {
            Value::Seq(items.into_iter().map(node_from_json).collect())
        }
        serde_json::Value::Object(map) => Value::Map(
            map.into_iter()
                .map(|(k, v)| {
                    (
                        Key {
                            name: k.into(),
                            pos: NOWHERE,
                        },
                        node_from_json(v),
                    )
                })
                .collect(),
        ),
    };
    Node::new(value, NOWHERE)
}

#[cfg(test)]
mod tests {
    #[test]
    fn converts_scalars_and_collections() {
        let n = super::node_from_json(serde_json::json!({"a": [1, 1.5, "x", true, null]}));
        let items = n.get("a").unwrap().items();
        assert_eq!(items[0].as_i64(), Some(1));
        assert_eq!(items[2].as_str(), Some("x"));
        assert_eq!(items[3].as_bool(), Some(true));
        assert!(items[4].is_null());
    }
}
