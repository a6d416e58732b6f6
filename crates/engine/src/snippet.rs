//! Source snippets: the line a finding points at, shown only when it holds nothing but the
//! located node.
//!
//! A snippet must never show a value that is not the located node's, and never a value a
//! redaction rule covers. In block YAML a line holds one entry, and the line is shown as it is
//! (trimmed, bounded). On a line that holds other nodes too (flow-style YAML, one-line JSON, a
//! one-line `List`), or holds a credential-like value, the snippet is made from the tree
//! instead: the located key and its value (`{…}` / `[…]` for a collection), cut to
//! [`MAX_WIDTH`] characters. Secret objects, fields a rule marks sensitive and credential-like
//! values are shown as `key: <redacted>`.

use stockade_inventory::{Inventory, Object};
use stockade_model::{FieldPath, Segment};
use stockade_sources::{Key, Node, Value};

/// The widest snippet, in characters.
pub const MAX_WIDTH: usize = 200;
/// The widest snippet made from the tree, in characters.
const TREE_WIDTH: usize = 120;
const REDACTED: &str = "<redacted>";

/// The snippet of a finding at `path` of `o`, on source line `line`.
pub fn snippet(
    inv: &Inventory,
    o: &Object,
    path: &FieldPath,
    line: u32,
    sensitive: bool,
) -> Option<String> {
    let text = inv.source_line(o, line)?;
    let redact = sensitive || o.kind() == "Secret";
    let (key, node, path_keys) = located(&o.root, path);
    let mut others = false;
    let mut credential = false;
    let cx = Scan {
        line,
        target: node,
        path_keys: &path_keys,
    };
    cx.walk(&o.root, None, false, &mut others, &mut credential);
    // A flow collection (`{…}`, `[…]`) located here shows its children's values on the line:
    // only its key is shown then.
    let flow_collection = matches!(node.value, Value::Map(_) | Value::Seq(_))
        && node.pos.line == line
        && text
            .chars()
            .nth(node.pos.col.saturating_sub(1) as usize)
            .is_some_and(|c| c == '{' || c == '[');
    if !others && !credential && !flow_collection && !shared_with_neighbour(inv, o, line) {
        return Some(from_line(text, redact));
    }
    // From the tree, the located value is hidden only when it is itself secret material.
    let own_credential = matches!((&node.value, key), (Value::Str(v), Some(k)) if stockade_rules::looks_like_credential(k, v));
    Some(from_tree(key, node, redact || own_credential))
}

/// Whether the object next to `o` in its file (a `List` item, the next document) has nodes on
/// `line` too: a one-line `List` puts a Secret and a Pod on the same line.
fn shared_with_neighbour(inv: &Inventory, o: &Object, line: u32) -> bool {
    let stockade_inventory::ObjectOrigin::File(origin) = &o.origin else {
        return false;
    };
    let Some(i) = inv.index_of(o) else {
        return true;
    };
    let objects = inv.objects();
    [i.checked_sub(1), Some(i + 1)]
        .into_iter()
        .flatten()
        .filter_map(|j| objects.get(j))
        .any(|n| match &n.origin {
            stockade_inventory::ObjectOrigin::File(f) if f.file == origin.file => {
                n.root.pos.line <= line && line <= last_line(&n.root)
            }
            _ => false,
        })
}

/// The last line any node of the tree starts on.
fn last_line(n: &Node) -> u32 {
    match &n.value {
        Value::Map(entries) => entries
            .last()
            .map_or(n.pos.line, |(k, v)| k.pos.line.max(last_line(v))),
        Value::Seq(items) => items.last().map_or(n.pos.line, last_line),
        _ => n.pos.line,
    }
}

/// The located entry: the last key on the path that exists, its node (the nearest parent when
/// the field is missing), and the keys on the way to it.
fn located<'a>(root: &'a Node, path: &FieldPath) -> (Option<&'a str>, &'a Node, Vec<*const Key>) {
    let mut cur = root;
    let mut key = None;
    let mut keys = Vec::new();
    for seg in path.segments() {
        let next = match seg {
            Segment::Key(k) => cur.entry(k).map(|(kk, v)| (Some(kk), v)),
            Segment::Index(n) => cur.items().get(*n).map(|v| (None, v)),
        };
        match next {
            Some((k, v)) => {
                if let Some(k) = k {
                    key = Some(k.name.as_str());
                    keys.push(std::ptr::from_ref(k));
                }
                cur = v;
            }
            None => break,
        }
    }
    (key, cur, keys)
}

/// What a line may hold for the line itself to be shown: the located node, what is inside it,
/// and the keys of the path to it.
struct Scan<'a> {
    line: u32,
    target: &'a Node,
    path_keys: &'a [*const Key],
}

impl Scan<'_> {
    /// Walks the object: sets `others` when a key or scalar that is not allowed starts on the
    /// line, and `credential` when a scalar on the line looks like a credential.
    fn walk(
        &self,
        n: &Node,
        key: Option<&str>,
        inside: bool,
        others: &mut bool,
        credential: &mut bool,
    ) {
        let inside = inside || std::ptr::eq(n, self.target);
        if n.pos.line == self.line {
            if !inside && !matches!(n.value, Value::Map(_) | Value::Seq(_)) {
                *others = true;
            }
            if let (Value::Str(s), Some(k)) = (&n.value, key)
                && stockade_rules::looks_like_credential(k, s)
            {
                *credential = true;
            }
        }
        if *others && *credential {
            return;
        }
        match &n.value {
            Value::Map(entries) => {
                // An env var (or any `name`/`value` pair) is judged by its name.
                let field = |f: &str| {
                    entries
                        .iter()
                        .find(|(k, _)| k.name == f)
                        .and_then(|(_, v)| v.as_str().map(|s| (s, v.pos.line)))
                };
                if let (Some((name, _)), Some((value, l))) = (field("name"), field("value"))
                    && l == self.line
                    && stockade_rules::looks_like_credential(name, value)
                {
                    *credential = true;
                }
                for (k, v) in entries {
                    let allowed = inside
                        || std::ptr::eq(v, self.target)
                        || self.path_keys.contains(&std::ptr::from_ref(k));
                    if k.pos.line == self.line && !allowed {
                        *others = true;
                    }
                    self.walk(v, Some(k.name.as_str()), inside, others, credential);
                }
            }
            Value::Seq(items) => {
                for v in items {
                    self.walk(v, key, inside, others, credential);
                }
            }
            _ => {}
        }
    }
}

/// The source line itself: trimmed, bounded, the value redacted when it must be.
fn from_line(line: &str, redact: bool) -> String {
    let line = line.trim_end();
    if redact {
        // Keep the key (so the reader sees which field), never the value.
        return match line.find(':') {
            Some(i) => format!("{}: {REDACTED}", &line[..i]),
            None => REDACTED.to_string(),
        };
    }
    cut(line, MAX_WIDTH)
}

/// `key: value` from the tree, for a line shared with other nodes.
fn from_tree(key: Option<&str>, node: &Node, redact: bool) -> String {
    let value = match &node.value {
        Value::Map(_) => "{…}".to_string(),
        Value::Seq(_) => "[…]".to_string(),
        _ if redact => REDACTED.to_string(),
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => serde_json::to_string(s.as_str()).unwrap_or_default(),
    };
    let text = match key {
        Some(k) => format!("{k}: {value}"),
        None => value,
    };
    cut(&text, TREE_WIDTH)
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() > width {
        let c: String = s.chars().take(width).collect();
        return c + "…";
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_rules() {
        assert_eq!(
            from_line("      value: hunter2", true),
            "      value: <redacted>"
        );
        assert_eq!(from_line("  image: nginx", false), "  image: nginx");
        assert_eq!(
            from_line(&"x".repeat(300), false).chars().count(),
            MAX_WIDTH + 1
        );
    }
}
