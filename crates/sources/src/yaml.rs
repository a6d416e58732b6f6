//! A budgeted YAML loader over `saphyr-parser` events.
//!
//! Why not a tree loader from a crate: we need a span on every node, scalars resolved the way
//! Kubernetes' decoder (YAML 1.1 booleans, Go integer syntax, merge keys) resolves them, and hard
//! limits that hostile input cannot get around: nesting depth is bounded by an explicit heap
//! stack, and alias expansion is charged against a node budget *before* anything is copied, so a
//! "billion laughs" document is refused after a few thousand events.

use crate::node::{Key, Node, Pos, Value};
use compact_str::CompactString;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;
use std::fmt;

/// Limits that keep hostile documents bounded in time and memory.
#[derive(Clone, Copy, Debug)]
pub struct YamlLimits {
    /// Deepest allowed nesting of mappings and sequences.
    pub max_depth: usize,
    /// Most nodes that alias expansion may add to one document.
    pub max_alias_nodes: usize,
    /// Most nodes (mapping keys, values, sequence items, alias expansions included) one
    /// document may hold. Every later step is linear in the nodes of a document, so this bounds
    /// the total work one document can cause, whatever its shape.
    pub max_nodes: usize,
}

/// The default node budget per document: twenty times the largest real manifests seen (CRDs
/// with big schemas hold around 100,000 keys and values), and twice what a Pod with 200,000
/// `env` entries holds (1,000,000: a mapping, two keys and two values each).
pub const DEFAULT_MAX_NODES: usize = 2_000_000;

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_depth: 256,
            max_alias_nodes: 100_000,
            max_nodes: DEFAULT_MAX_NODES,
        }
    }
}

/// Why a document could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// The YAML is malformed.
    Syntax(String),
    /// Nesting is deeper than the limit.
    TooDeep(usize),
    /// Aliases would expand to more nodes than the limit.
    AliasBudget(usize),
    /// An alias refers to an anchor that was not defined before it.
    UnknownAnchor,
    /// A mapping key is a mapping or a sequence.
    ComplexKey,
    /// The document holds more nodes than the limit.
    TooManyNodes(usize),
}

/// A document that could not be loaded, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// Where the problem was detected.
    pub pos: Pos,
    /// What the problem is.
    pub kind: LoadErrorKind,
}

impl LoadError {
    /// A short code for diagnostics.
    pub fn code(&self) -> &'static str {
        match self.kind {
            LoadErrorKind::Syntax(_) => "yaml-syntax",
            LoadErrorKind::TooDeep(_) => "nesting-limit",
            LoadErrorKind::AliasBudget(_) => "alias-budget",
            LoadErrorKind::UnknownAnchor => "yaml-unknown-anchor",
            LoadErrorKind::ComplexKey => "yaml-complex-key",
            LoadErrorKind::TooManyNodes(_) => "node-limit",
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            LoadErrorKind::Syntax(m) => write!(f, "invalid YAML: {m}"),
            LoadErrorKind::TooDeep(n) => write!(
                f,
                "document is nested deeper than {n} levels; no Kubernetes object needs that, so it was refused"
            ),
            LoadErrorKind::AliasBudget(n) => write!(
                f,
                "YAML aliases would expand to more than {n} nodes (an alias bomb?); the document was refused"
            ),
            LoadErrorKind::UnknownAnchor => {
                f.write_str("alias refers to an anchor that is not defined before it")
            }
            LoadErrorKind::ComplexKey => {
                f.write_str("mapping keys must be scalars; Kubernetes objects have no complex keys")
            }
            LoadErrorKind::TooManyNodes(n) => write!(
                f,
                "document holds more than {n} keys and values; it was refused to bound the work one document can cause (raise the limit with --max-document-nodes)"
            ),
        }
    }
}

/// Problems that do not stop a document from loading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadWarning {
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
    /// Whether it changes what is judged (a duplicate key with a different value): reported as
    /// an input error rather than a warning.
    pub changes_meaning: bool,
}

/// A loaded document stream.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The documents, in order (empty documents are left out).
    pub docs: Vec<Node>,
    /// Non-fatal problems, e.g. duplicate keys.
    pub warnings: Vec<LoadWarning>,
}

/// Whether two nodes hold the same value, wherever they are.
fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kp, p), (kq, q))| kp.name == kq.name && same_value(p, q))
        }
        (x, y) => x == y,
    }
}

/// An open collection. Its children so far are `Builder::items[start..]` (sequences) or
/// `Builder::entries[start..]` (mappings): one shared stack per kind instead of a growing
/// vector per collection, so a closed collection is allocated once at its exact size.
enum Frame {
    Seq {
        start: usize,
        pos: Pos,
        anchor: usize,
    },
    Map {
        start: usize,
        pos: Pos,
        anchor: usize,
        key: Option<Key>,
    },
}

struct Builder {
    line_offset: u32,
    limits: YamlLimits,
    stack: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<(Key, Node)>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    /// Nodes of the current document so far, charged against `limits.max_nodes`.
    nodes: usize,
    loaded: Loaded,
}

/// Loads every document of `text`. Lines are reported as `line_offset + line`.
pub fn load(text: &str, line_offset: u32, limits: YamlLimits) -> Result<Loaded, LoadError> {
    let mut b = Builder {
        line_offset,
        limits,
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        nodes: 0,
        loaded: Loaded::default(),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (ev, span) = next.map_err(|e| LoadError {
            pos: b.pos_of_marker(e.marker().line(), e.marker().col()),
            kind: LoadErrorKind::Syntax(e.info().to_string()),
        })?;
        b.event(ev, span)?;
    }
    Ok(b.loaded)
}

impl Builder {
    fn pos_of_marker(&self, line: usize, col: usize) -> Pos {
        Pos {
            line: self
                .line_offset
                .saturating_add(u32::try_from(line).unwrap_or(u32::MAX)),
            col: u32::try_from(col).unwrap_or(u32::MAX).saturating_add(1),
        }
    }

    /// Charges `n` nodes to the document's budget.
    fn charge(&mut self, n: usize, pos: Pos) -> Result<(), LoadError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(LoadError {
                pos,
                kind: LoadErrorKind::TooManyNodes(self.limits.max_nodes),
            });
        }
        Ok(())
    }

    fn pos(&self, span: &Span) -> Pos {
        self.pos_of_marker(span.start.line(), span.start.col())
    }

    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<(), LoadError> {
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => {}
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.alias_nodes = 0;
                self.nodes = 0;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let pos = self.pos(&span);
                self.charge(1, pos)?;
                // Keys are kept as written: `y:` stays `y`, not the YAML 1.1 boolean `true`.
                if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
                    let name = CompactString::from(text.as_ref());
                    if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                        *key = Some(Key { name, pos });
                    }
                    return Ok(());
                }
                let tag_suffix = tag.as_ref().and_then(|t| {
                    (t.handle == "!!" || t.handle == "tag:yaml.org,2002:").then(|| t.suffix.clone())
                });
                let value = resolve_scalar(&text, style, tag_suffix.as_deref());
                let node = Node::new(value, pos);
                if anchor != 0 {
                    self.anchors.insert(anchor, (node.clone(), 1));
                }
                self.push_node(node)?;
            }
            Event::Alias(id) => {
                let pos = self.pos(&span);
                let Some(size) = self.anchors.get(&id).map(|(_, size)| *size) else {
                    return Err(LoadError {
                        pos,
                        kind: LoadErrorKind::UnknownAnchor,
                    });
                };
                // Charge the budgets before copying anything.
                self.alias_nodes = self.alias_nodes.saturating_add(size);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(LoadError {
                        pos,
                        kind: LoadErrorKind::AliasBudget(self.limits.max_alias_nodes),
                    });
                }
                self.charge(size, pos)?;
                if let Some((node, _)) = self.anchors.get(&id) {
                    let node = node.clone();
                    self.push_node(node)?;
                }
            }
            Event::SequenceStart(anchor, _) => {
                let pos = self.pos(&span);
                self.open(
                    Frame::Seq {
                        start: self.items.len(),
                        pos,
                        anchor,
                    },
                    pos,
                )?;
            }
            Event::MappingStart(anchor, _) => {
                let pos = self.pos(&span);
                self.open(
                    Frame::Map {
                        start: self.entries.len(),
                        pos,
                        anchor,
                        key: None,
                    },
                    pos,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (node, anchor) = match frame {
                    Frame::Seq { start, pos, anchor } => {
                        let items: Box<[Node]> = self.items.drain(start..).collect();
                        (Node::new(Value::Seq(items), pos), anchor)
                    }
                    Frame::Map {
                        start, pos, anchor, ..
                    } => {
                        let entries: Vec<(Key, Node)> = self.entries.drain(start..).collect();
                        let entries = self.last_value_wins(entries);
                        (
                            Node::new(Value::Map(self.merge_keys(entries).into_boxed_slice()), pos),
                            anchor,
                        )
                    }
                };
                if anchor != 0 {
                    let size = count_nodes(&node);
                    self.anchors.insert(anchor, (node.clone(), size));
                }
                self.push_node(node)?;
            }
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, pos: Pos) -> Result<(), LoadError> {
        self.charge(1, pos)?;
        if self.stack.len() >= self.limits.max_depth {
            return Err(LoadError {
                pos,
                kind: LoadErrorKind::TooDeep(self.limits.max_depth),
            });
        }
        // A collection used as a mapping key is refused when it is opened.
        if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
            return Err(LoadError {
                pos,
                kind: LoadErrorKind::ComplexKey,
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    fn push_node(&mut self, node: Node) -> Result<(), LoadError> {
        match self.stack.last_mut() {
            None => {
                if !node.is_null() {
                    self.loaded.docs.push(node);
                }
            }
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map { key, .. }) => match key.take() {
                None => {
                    let name: CompactString = match &node.value {
                        Value::Str(s) => s.clone(),
                        Value::Null => "null".into(),
                        Value::Bool(b) => b.to_string().into(),
                        Value::Int(i) => i.to_string().into(),
                        Value::Float(x) => x.to_string().into(),
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(LoadError {
                                pos: node.pos,
                                kind: LoadErrorKind::ComplexKey,
                            });
                        }
                    };
                    *key = Some(Key {
                        name,
                        pos: node.pos,
                    });
                }
                Some(k) => self.entries.push((k, node)),
            },
        }
        Ok(())
    }

    /// Keeps the last of repeated keys, as the API server's JSON decoding and kubectl's YAML
    /// conversion do (checked against kube-apiserver v1.36: a Pod posted with `privileged: false`
    /// then `privileged: true` is stored privileged). Each repeat is reported with both
    /// positions; one with a different value changes what is judged and is an input error.
    /// Linear: a hash of the names for all but small mappings.
    fn last_value_wins(&mut self, entries: Vec<(Key, Node)>) -> Vec<(Key, Node)> {
        let n = entries.len();
        if n < 2 {
            return entries;
        }
        let any_dup = if n <= 16 {
            (1..n).any(|i| {
                entries[..i]
                    .iter()
                    .any(|(k, _)| k.name == entries[i].0.name)
            })
        } else {
            let mut seen = std::collections::HashSet::with_capacity(n);
            !entries.iter().all(|(k, _)| seen.insert(k.name.as_str()))
        };
        if !any_dup {
            return entries;
        }
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, (k, _)) in entries.iter().enumerate() {
            if &*k.name != "<<" {
                last.insert(k.name.as_str(), i);
            }
        }
        let mut keep = vec![true; n];
        for (i, (k, v)) in entries.iter().enumerate() {
            let Some(&j) = last.get(k.name.as_str()) else {
                continue;
            };
            if j == i {
                continue;
            }
            keep[i] = false;
            let (later, lv) = (&entries[j].0, &entries[j].1);
            let changes_meaning = !same_value(v, lv);
            self.loaded.warnings.push(LoadWarning {
                pos: later.pos,
                message: format!(
                    "duplicate key `{}` (first at line {}, column {}){}: the API server keeps the last value, and Stockade judges that one; remove the other",
                    k.name,
                    k.pos.line,
                    k.pos.col,
                    if changes_meaning { " with a different value" } else { "" }
                ),
                changes_meaning,
            });
        }
        drop(last);
        let mut i = 0;
        let mut entries = entries;
        entries.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        entries
    }

    /// Applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`): explicit keys win, then earlier
    /// merged mappings win over later ones.
    fn merge_keys(&mut self, entries: Vec<(Key, Node)>) -> Vec<(Key, Node)> {
        if !entries.iter().any(|(k, _)| &*k.name == "<<") {
            return entries;
        }
        let mut out: Vec<(Key, Node)> = Vec::with_capacity(entries.len());
        let mut merged: Vec<(Key, Node)> = Vec::new();
        for (k, v) in entries {
            if &*k.name == "<<" {
                let sources: Vec<Node> = match v.value {
                    Value::Map(_) => vec![v],
                    Value::Seq(items) => items.into_vec(),
                    _ => Vec::new(),
                };
                for src in sources {
                    if let Value::Map(es) = src.value {
                        for (mk, mv) in es {
                            if !merged.iter().any(|(k2, _)| k2.name == mk.name) {
                                merged.push((mk, mv));
                            }
                        }
                    }
                }
            } else {
                out.push((k, v));
            }
        }
        for (mk, mv) in merged {
            if !out.iter().any(|(k2, _)| k2.name == mk.name) {
                out.push((mk, mv));
            }
        }
        out
    }
}

/// Number of nodes in a tree, counted without recursion.
fn count_nodes(root: &Node) -> usize {
    let mut n = 0usize;
    let mut todo: Vec<&Node> = vec![root];
    while let Some(node) = todo.pop() {
        n += 1;
        match &node.value {
            Value::Seq(items) => todo.extend(items.iter()),
            Value::Map(entries) => todo.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    n
}

/// Resolves a scalar as Kubernetes' YAML decoder (sigs.k8s.io/yaml over yaml.v2) does: quoted
/// and block scalars are strings; plain scalars may be null, YAML 1.1 booleans, Go-syntax
/// integers or floats.
pub fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::Str(text.into()),
        Some("null") => return Value::Null,
        Some("bool") => {
            if let Some(b) = parse_bool(text) {
                return Value::Bool(b);
            }
        }
        Some("int") => {
            if let Some(i) = parse_int(text) {
                return Value::Int(i);
            }
        }
        Some("float") => {
            if let Some(x) = parse_float(text) {
                return Value::Float(x);
            }
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::Str(text.into());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = parse_bool(text) {
        return Value::Bool(b);
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        if let Some(i) = parse_int(text) {
            return Value::Int(i);
        }
        if let Some(x) = parse_float(text) {
            return Value::Float(x);
        }
    }
    Value::Str(text.into())
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let cleaned: String;
    let body = if body.contains('_') {
        cleaned = body.replace('_', "");
        cleaned.as_str()
    } else {
        body
    };
    let (radix, digits) =
        if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, h)
        } else if let Some(o) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, o)
        } else if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, b)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i64::from_str_radix(digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // Only decimal syntax: Rust would also accept "inf", "nan" and "infinity", which YAML does not.
    let ok = s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+' | b'_'))
        && s.bytes().any(|c| c.is_ascii_digit());
    if !ok {
        return None;
    }
    s.replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Node {
        load(src, 0, YamlLimits::default())
            .expect("loads")
            .docs
            .remove(0)
    }

    #[test]
    fn resolves_scalars_like_kubernetes() {
        let n = one(
            "a: yes\nb: \"yes\"\nc: 0644\nd: 1.5\ne: ~\nf: 0x1F\ng: '12'\nh: -3\ni: 1e3\nj: abc\n",
        );
        assert_eq!(n.get("a").unwrap().value, Value::Bool(true));
        assert_eq!(n.get("b").unwrap().value, Value::Str("yes".into()));
        assert_eq!(n.get("c").unwrap().value, Value::Int(0o644));
        assert_eq!(n.get("d").unwrap().value, Value::Float(1.5));
        assert_eq!(n.get("e").unwrap().value, Value::Null);
        assert_eq!(n.get("f").unwrap().value, Value::Int(31));
        assert_eq!(n.get("g").unwrap().value, Value::Str("12".into()));
        assert_eq!(n.get("h").unwrap().value, Value::Int(-3));
        assert_eq!(n.get("i").unwrap().value, Value::Float(1000.0));
        assert_eq!(n.get("j").unwrap().value, Value::Str("abc".into()));
    }

    #[test]
    fn positions_are_one_based_and_offset() {
        let docs = load("a:\n  b: 1\n", 10, YamlLimits::default())
            .unwrap()
            .docs;
        let (k, v) = docs[0].get("a").unwrap().entry("b").unwrap();
        assert_eq!(k.pos, Pos { line: 12, col: 3 });
        assert_eq!(v.pos, Pos { line: 12, col: 6 });
    }

    #[test]
    fn merge_keys_apply_with_explicit_keys_winning() {
        let n = one("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        let m = n.get("m").unwrap();
        assert_eq!(m.get("x").unwrap().value, Value::Int(1));
        assert_eq!(m.get("y").unwrap().value, Value::Int(3));
        assert!(m.get("<<").is_none());
    }

    #[test]
    fn node_budget_bounds_one_document_and_resets_per_document() {
        let limits = YamlLimits {
            max_nodes: 100,
            ..YamlLimits::default()
        };
        // 40 entries = 1 mapping + 40 keys + 40 values = 81 nodes: under the budget.
        let small: String = (0..40).map(|i| format!("k{i}: v\n")).collect();
        assert!(load(&small, 0, limits).is_ok());
        // Three such documents load: the budget is per document.
        let three = format!("{small}---\n{small}---\n{small}");
        assert_eq!(load(&three, 0, limits).unwrap().docs.len(), 3);
        // 60 entries = 121 nodes: refused, with the position where the budget ran out.
        let big: String = (0..60).map(|i| format!("k{i}: v\n")).collect();
        let err = load(&big, 0, limits).unwrap_err();
        assert_eq!(err.code(), "node-limit");
        assert_eq!(err.pos.line, 50);
        assert!(err.to_string().contains("--max-document-nodes"), "{err}");
        // Alias expansion counts at its full size.
        let aliased =
            "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
        assert_eq!(load(aliased, 0, limits).unwrap_err().code(), "node-limit");
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let t = std::time::Instant::now();
        let err = load(&s, 0, YamlLimits::default()).unwrap_err();
        assert_eq!(err.code(), "alias-budget");
        assert!(t.elapsed().as_millis() < 500);
    }

    #[test]
    fn deep_nesting_is_refused_without_stack_overflow() {
        let s = "[".repeat(100_000);
        let err = load(&s, 0, YamlLimits::default()).unwrap_err();
        assert!(
            matches!(err.code(), "nesting-limit" | "yaml-syntax"),
            "{err:?}"
        );
        let mut block = String::new();
        for i in 0..2_000 {
            block.push_str(&" ".repeat(i));
            block.push_str("- \n");
        }
        assert!(load(&block, 0, YamlLimits::default()).is_err());
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_and_say_where_both_are() {
        let l = load("a: 1\nb: x\na: 2\n", 0, YamlLimits::default()).unwrap();
        assert_eq!(l.warnings.len(), 1);
        assert_eq!(l.warnings[0].pos.line, 3);
        assert!(l.warnings[0].changes_meaning);
        assert!(l.warnings[0].message.contains("first at line 1, column 1"));
        assert_eq!(l.docs[0].get("a").and_then(Node::as_i64), Some(2));
        assert!(matches!(&l.docs[0].value, Value::Map(e) if e.len() == 2));
        // Same value twice: a warning only; nested and flow mappings too.
        let l = load("s: {p: true, p: true}\n", 0, YamlLimits::default()).unwrap();
        assert!(!l.warnings[0].changes_meaning);
        let l = load("s: {p: false, p: true}\n", 0, YamlLimits::default()).unwrap();
        assert_eq!(
            l.docs[0]
                .get("s")
                .and_then(|s| s.get("p"))
                .and_then(Node::as_bool),
            Some(true)
        );
    }

    #[test]
    fn a_huge_mapping_loads_in_linear_time() {
        let doc = |n: usize| {
            let mut s = String::from("data:\n");
            for i in 0..n {
                s.push_str(&format!("  k{i}: v\n"));
            }
            s
        };
        let limits = YamlLimits::default();
        let time = |n: usize| {
            let d = doc(n);
            let t = std::time::Instant::now();
            let l = load(&d, 0, limits).unwrap();
            assert!(l.warnings.is_empty());
            t.elapsed().as_secs_f64()
        };
        let (small, big) = (time(25_000), time(200_000));
        // 8x the keys: about 8x the time when linear, 64x when quadratic.
        assert!(
            big < small * 24.0 + 0.05,
            "25k keys {small:.3}s, 200k keys {big:.3}s"
        );
    }
}
