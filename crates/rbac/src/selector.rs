//! Label selectors (`matchLabels`, `matchExpressions`) as `metav1.LabelSelectorAsSelector`
//! evaluates them for ClusterRole aggregation: an empty selector selects everything, and an
//! invalid one (unknown operator, values where none are allowed or none where some are
//! required) is an error, which leaves the aggregated ClusterRole unchanged.

use stockade_sources::Node;

/// One requirement of a selector.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Req {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed label selector.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Selector {
    reqs: Vec<Req>,
}

impl Selector {
    /// Parses a selector; `Err` says why the API machinery would reject it.
    pub fn parse(n: &Node) -> Result<Selector, String> {
        let mut reqs = Vec::new();
        for (k, v) in n.get("matchLabels").map(Node::entries).unwrap_or(&[]) {
            let value = match &v.value {
                stockade_sources::Value::Str(s) => s.to_string(),
                other => other.to_string(),
            };
            reqs.push(Req::In(k.name.to_string(), vec![value]));
        }
        for e in n.get("matchExpressions").map(Node::items).unwrap_or(&[]) {
            let key = e
                .get("key")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string();
            let values: Vec<String> = e
                .get("values")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let op = e.get("operator").and_then(Node::as_str).unwrap_or("");
            let r = match op {
                "In" | "NotIn" if values.is_empty() => {
                    return Err(format!("operator {op} on `{key}` needs values"));
                }
                "In" => Req::In(key, values),
                "NotIn" => Req::NotIn(key, values),
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    return Err(format!("operator {op} on `{key}` takes no values"));
                }
                "Exists" => Req::Exists(key),
                "DoesNotExist" => Req::DoesNotExist(key),
                other => return Err(format!("unknown operator {other:?} on `{key}`")),
            };
            reqs.push(r);
        }
        Ok(Selector { reqs })
    }

    /// Whether labels (looked up by `get`) satisfy every requirement.
    pub fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.reqs.iter().all(|r| match r {
            Req::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Req::NotIn(k, vs) => get(k).is_none_or(|v| !vs.iter().any(|x| x == v)),
            Req::Exists(k) => get(k).is_some(),
            Req::DoesNotExist(k) => get(k).is_none(),
        })
    }
}
