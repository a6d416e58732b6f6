//! What a check reads: a pod's metadata and spec, as the admission sees them, with exact field
//! paths back into the object the user wrote.
//!
//! The admission evaluates a Pod after the API server has defaulted it and prepared it for
//! creation; for workload kinds it evaluates the pod template as written (with defaulting only).
//! The two creation-time changes that alter what the checks see are modelled here, for `Pod`
//! objects only: host-network pods get `hostPort` defaulted to `containerPort`, and the
//! deprecated AppArmor annotations and the `appArmorProfile` fields are synced both ways.

use stockade_inventory::{ContainerKind, ContainerView, Object, PodSpecView};
use stockade_model::FieldPath;
use stockade_sources::{Node, Value};

/// A pod (or pod template) under evaluation.
#[derive(Clone, Debug)]
pub struct Pod<'a> {
    /// The pod spec view of the object.
    pub view: PodSpecView<'a>,
    /// Whether the object is a Pod (creation-time defaulting applies), not a template.
    pub is_pod: bool,
}

impl<'a> Pod<'a> {
    /// The pod of a workload object (any of the nine kinds with a pod spec).
    pub fn of(object: &'a Object) -> Option<Pod<'a>> {
        let view = PodSpecView::of(object)?;
        Some(Pod {
            is_pod: object.kind() == "Pod",
            view,
        })
    }

    /// The object.
    pub fn object(&self) -> &'a Object {
        self.view.object
    }

    /// Containers in the admission's visiting order: init, regular, then ephemeral.
    pub fn containers(&self) -> Vec<ContainerView<'a>> {
        self.view.containers_of(&[
            ContainerKind::Init,
            ContainerKind::Regular,
            ContainerKind::Ephemeral,
        ])
    }

    /// A pod-spec field (dotted path), when present and not null.
    pub fn spec(&self, rel: &str) -> Option<&'a Node> {
        self.view.spec.at(rel).filter(|n| !n.is_null())
    }

    /// A pod-spec boolean; wrongly typed values count as unset (they are diagnosed elsewhere).
    pub fn spec_bool(&self, rel: &str) -> Option<bool> {
        self.spec(rel).and_then(Node::as_bool)
    }

    /// A pod-spec string.
    pub fn spec_str(&self, rel: &str) -> Option<&'a str> {
        self.spec(rel).and_then(Node::as_str)
    }

    /// Path of a pod-spec field.
    pub fn spec_path(&self, rel: &str) -> FieldPath {
        self.view.path_of(rel)
    }

    /// `spec.os.name == windows`.
    pub fn is_windows(&self) -> bool {
        self.spec_str("os.name") == Some("windows")
    }

    /// `spec.hostUsers: false` (a user-namespaced pod).
    pub fn in_user_namespace(&self) -> bool {
        self.spec_bool("hostUsers") == Some(false)
    }

    /// The pod (template) annotations with string values, in document order; a key written
    /// twice keeps its last value, as Go's decoder does.
    pub fn annotations(&self) -> Vec<(&'a str, &'a str, FieldPath)> {
        let base = self.view.meta_path.key("annotations");
        let mut out: Vec<(&'a str, &'a str, FieldPath)> = Vec::new();
        let entries = self
            .view
            .meta
            .and_then(|m| m.get("annotations"))
            .map(Node::entries)
            .unwrap_or(&[]);
        for (k, v) in entries {
            if let Some(s) = v.as_str() {
                out.retain(|(x, _, _)| *x != &*k.name);
                out.push((&k.name, s, base.key(&k.name)));
            }
        }
        out
    }

    /// One annotation's value and path.
    pub fn annotation(&self, key: &str) -> Option<(&'a str, FieldPath)> {
        self.annotations()
            .into_iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, v, p)| (v, p))
    }
}

/// A field under a container (dotted path), when present and not null.
pub fn field<'a>(c: &ContainerView<'a>, rel: &str) -> Option<&'a Node> {
    c.node.at(rel).filter(|n| !n.is_null())
}

/// A string field under a container.
pub fn field_str<'a>(c: &ContainerView<'a>, rel: &str) -> Option<&'a str> {
    field(c, rel).and_then(Node::as_str)
}

/// A boolean field under a container.
pub fn field_bool(c: &ContainerView<'_>, rel: &str) -> Option<bool> {
    field(c, rel).and_then(Node::as_bool)
}

/// Whether a node is a mapping.
pub fn is_map(n: &Node) -> bool {
    matches!(n.value, Value::Map(_))
}

/// Go's `%q` for a string: double quotes, with Go's escapes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                if (c as u32) <= 0xffff {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Upstream's `joinQuote`: `"a", "b"` (plain quotes, no escaping), empty for no items.
pub fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let parts: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("\"{}\"", parts.join("\", \""))
}

/// Upstream's `pluralize`.
pub fn pluralize<'s>(singular: &'s str, plural: &'s str, count: usize) -> &'s str {
    if count == 1 { singular } else { plural }
}

/// A sorted, de-duplicated list (Go's `sets.String.List()`: byte order).
pub fn sorted_set<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut v: Vec<String> = items.into_iter().map(|s| s.as_ref().to_string()).collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_matches_go() {
        assert_eq!(go_quote("unconfined"), r#""unconfined""#);
        assert_eq!(go_quote("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(go_quote("\u{1}"), r#""\x01""#);
        assert_eq!(join_quote(&["a", "b"]), r#""a", "b""#);
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(sorted_set(["b", "a", "b", "B"]), ["B", "a", "b"]);
    }
}
