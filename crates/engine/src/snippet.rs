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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use stockade_inventory::{Inventory, Object};
use stockade_model::{FieldPath, Segment};
use stockade_sources::{Key, Node, Value};

/// Objects with more nodes than this, and more than [`WALKS_BEFORE_INDEX`] findings, get a
/// [`LineIndex`] built once instead of a walk of the whole object per finding: an object with
/// 200,000 env entries and a finding on each would otherwise cost findings × nodes.
const INDEX_ABOVE: usize = 2048;

/// Walks of one large object after which its [`LineIndex`] is built: a few findings on a large
/// object are cheaper walked than indexed.
const WALKS_BEFORE_INDEX: u32 = 16;

/// Per object with findings (by address): whether it is large, and the line index of a large
/// one with many findings.
#[derive(Default)]
pub struct Cache {
    objects: Mutex<HashMap<usize, Seen>>,
}

#[derive(Default)]
struct Seen {
    /// More than [`INDEX_ABOVE`] nodes: counted once per object, not per finding.
    large: bool,
    walks: u32,
    index: Option<Arc<LineIndex>>,
}

impl Cache {
    /// The object's index once it has had enough findings; `None` means walk it.
    fn index_of(&self, o: &Object) -> Option<Arc<LineIndex>> {
        let id = std::ptr::from_ref(o) as usize;
        {
            let mut map = self.objects.lock().ok()?;
            let seen = match map.get_mut(&id) {
                Some(seen) => seen,
                None => {
                    // Counted once per object (under the lock: at most `INDEX_ABOVE` nodes).
                    let large = count_capped(&o.root, INDEX_ABOVE + 1) > INDEX_ABOVE;
                    map.entry(id).or_insert(Seen {
                        large,
                        ..Seen::default()
                    })
                }
            };
            if !seen.large {
                return None;
            }
            if let Some(i) = &seen.index {
                return Some(Arc::clone(i));
            }
            seen.walks += 1;
            if seen.walks <= WALKS_BEFORE_INDEX {
                return None;
            }
        }
        let built = Arc::new(LineIndex::build(&o.root));
        let mut map = self.objects.lock().ok()?;
        let seen = map.entry(id).or_default();
        Some(Arc::clone(seen.index.get_or_insert(built)))
    }
}

/// Nodes of the tree, counting no further than `cap`: the cost is bounded by `cap`, however
/// wide a single mapping or sequence is (a 200,000-entry `env` list is not pushed whole).
fn count_capped(n: &Node, cap: usize) -> usize {
    let mut count = 1;
    let mut stack: Vec<&Node> = vec![n];
    while let Some(n) = stack.pop() {
        let (entries, items): (&[(Key, Node)], &[Node]) = match &n.value {
            Value::Map(entries) => (entries, &[]),
            Value::Seq(items) => (&[], items),
            _ => continue,
        };
        for v in entries.iter().map(|(_, v)| v).chain(items) {
            count += 1;
            if count >= cap {
                return count;
            }
            stack.push(v);
        }
    }
    count
}

/// What starts on each line of one object, with every node's place in a pre-order walk, so the
/// question [`Scan::walk`] answers is answered from one line's entries.
pub struct LineIndex {
    /// (node address, pre-order number, end of its subtree), sorted by address.
    spans: Vec<(usize, u32, u32)>,
    lines: HashMap<u32, LineEntries>,
}

#[derive(Default)]
struct LineEntries {
    /// Pre-order numbers of the scalars starting on the line.
    scalars: Vec<u32>,
    /// Keys starting on the line: (pre-order number of their mapping, value address, key address).
    keys: Vec<(u32, usize, usize)>,
    /// A credential-like scalar (or `name`/`value` pair) is on the line.
    credential: bool,
}

impl LineIndex {
    fn build(root: &Node) -> LineIndex {
        let mut ix = LineIndex {
            spans: Vec::new(),
            lines: HashMap::new(),
        };
        let mut next = 0u32;
        ix.add(root, None, &mut next);
        ix.spans.sort_unstable_by_key(|s| s.0);
        ix
    }

    fn add(&mut self, n: &Node, key: Option<&str>, next: &mut u32) {
        let pre = *next;
        *next += 1;
        if !matches!(n.value, Value::Map(_) | Value::Seq(_)) {
            self.lines.entry(n.pos.line).or_default().scalars.push(pre);
        }
        if let (Value::Str(s), Some(k)) = (&n.value, key)
            && stockade_rules::looks_like_credential(k, s)
        {
            self.lines.entry(n.pos.line).or_default().credential = true;
        }
        match &n.value {
            Value::Map(entries) => {
                let field = |f: &str| {
                    entries
                        .iter()
                        .find(|(k, _)| k.name == f)
                        .and_then(|(_, v)| v.as_str().map(|s| (s, v.pos.line)))
                };
                if let (Some((name, _)), Some((value, l))) = (field("name"), field("value"))
                    && stockade_rules::looks_like_credential(name, value)
                {
                    self.lines.entry(l).or_default().credential = true;
                }
                for (k, v) in entries {
                    self.lines.entry(k.pos.line).or_default().keys.push((
                        pre,
                        std::ptr::from_ref(v) as usize,
                        std::ptr::from_ref(k) as usize,
                    ));
                    self.add(v, Some(k.name.as_str()), next);
                }
            }
            Value::Seq(items) => {
                for v in items {
                    self.add(v, key, next);
                }
            }
            _ => {}
        }
        self.spans
            .push((std::ptr::from_ref(n) as usize, pre, *next));
    }

    /// The walk's answer (others, credential) for `line` and the located node, or `None` when
    /// the node is not in this tree.
    fn scan(&self, line: u32, target: &Node, path_keys: &[*const Key]) -> Option<(bool, bool)> {
        let t = std::ptr::from_ref(target) as usize;
        let i = self.spans.binary_search_by_key(&t, |s| s.0).ok()?;
        let (_, start, end) = self.spans[i];
        let inside = |p: u32| start <= p && p < end;
        let Some(e) = self.lines.get(&line) else {
            return Some((false, false));
        };
        let others = e.scalars.iter().any(|&p| !inside(p))
            || e.keys.iter().any(|&(map, v, k)| {
                !inside(map) && v != t && !path_keys.iter().any(|&pk| pk as usize == k)
            });
        Some((others, e.credential))
    }
}

/// The widest snippet, in characters.
pub const MAX_WIDTH: usize = 200;
/// The widest snippet made from the tree, in characters.
const TREE_WIDTH: usize = 120;
const REDACTED: &str = "<redacted>";

/// The snippet of a finding at `path` of `o`, on source line `line`.
pub fn snippet(
    inv: &Inventory,
    cache: &Cache,
    o: &Object,
    path: &FieldPath,
    line: u32,
    sensitive: bool,
) -> Option<String> {
    let text = inv.source_line(o, line)?;
    let redact = sensitive || o.kind() == "Secret";
    let (key, node, path_keys) = located(&o.root, path);
    let (others, credential) = match cache
        .index_of(o)
        .and_then(|ix| ix.scan(line, node, &path_keys))
    {
        Some(answer) => answer,
        None => walk(&o.root, line, node, &path_keys),
    };
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

/// Whether a node that is not allowed, and a credential-like value, start on `line`.
fn walk(root: &Node, line: u32, target: &Node, path_keys: &[*const Key]) -> (bool, bool) {
    let mut others = false;
    let mut credential = false;
    let cx = Scan {
        line,
        target,
        path_keys,
    };
    cx.walk(root, None, false, &mut others, &mut credential);
    (others, credential)
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
    fn counting_stops_at_the_cap_inside_one_wide_collection() {
        let leaf = || Node::new(Value::Int(1), stockade_sources::Pos::default());
        let wide = Node::new(
            Value::Seq((0..100_000).map(|_| leaf()).collect()),
            stockade_sources::Pos::default(),
        );
        let mut all = Vec::new();
        nodes(&wide, &mut Vec::new(), &mut all);
        assert_eq!(count_capped(&wide, usize::MAX), all.len());
        assert_eq!(count_capped(&wide, 2049), 2049);
        let small = Node::new(
            Value::Seq((0..10).map(|_| leaf()).collect()),
            stockade_sources::Pos::default(),
        );
        assert_eq!(count_capped(&small, 2049), 11);
    }

    /// Every node of a tree, with the keys of the path to it.
    fn nodes<'a>(
        n: &'a Node,
        keys: &mut Vec<*const Key>,
        out: &mut Vec<(&'a Node, Vec<*const Key>)>,
    ) {
        out.push((n, keys.clone()));
        match &n.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    keys.push(std::ptr::from_ref(k));
                    nodes(v, keys, out);
                    keys.pop();
                }
            }
            Value::Seq(items) => {
                for v in items {
                    nodes(v, keys, out);
                }
            }
            _ => {}
        }
    }

    /// The line index answers exactly what the walk answers, for every node as the located
    /// one and every line, on a tree mixing block and flow styles, aliases and credentials.
    #[test]
    fn the_line_index_agrees_with_the_walk() {
        let mut text = String::from(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: &l {a: b, c: d}}\nspec:\n  x: *l\n  containers:\n  - name: c\n    env:\n",
        );
        for i in 0..400 {
            match i % 4 {
                0 => text.push_str(&format!("    - name: V{i}\n      value: v{i}\n")),
                1 => text.push_str(&format!(
                    "    - {{name: DB_PASSWORD{i}, value: hunter{i}}}\n"
                )),
                2 => text.push_str(&format!(
                    "    - name: K{i}\n      value: AKIAIOSFODNN7EXAMPL{}\n",
                    i % 10
                )),
                _ => text.push_str(&format!("    - [{i}, {{k: v}}, null, true]\n")),
            }
        }
        let loaded =
            stockade_sources::yaml::load(&text, 0, stockade_sources::yaml::YamlLimits::default())
                .expect("loads");
        let root = &loaded.docs[0];
        let ix = LineIndex::build(root);
        let mut all = Vec::new();
        nodes(root, &mut Vec::new(), &mut all);
        let last = text.lines().count() as u32 + 1;
        let mut checked = 0;
        for (target, keys) in all.iter().step_by(29) {
            for line in 1..=last {
                assert_eq!(
                    ix.scan(line, target, keys),
                    Some(walk(root, line, target, keys)),
                    "line {line}, node at {:?}",
                    target.pos
                );
                checked += 1;
            }
        }
        assert!(checked > 5_000, "{checked}");
    }

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
