//! The document tree: YAML/JSON values with positions.

use compact_str::CompactString;
use std::fmt;
use stockade_model::{FieldPath, Segment};

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

/// A mapping key with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The key text (non-string keys are kept as written). Keys and strings of up to 24
    /// bytes — nearly all of them in manifests — are stored inline, without an allocation.
    pub name: CompactString,
    /// Where the key starts.
    pub pos: Pos,
}

/// A value in the tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty value.
    Null,
    /// A boolean (YAML 1.1 spellings included, as Kubernetes' decoder accepts them).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string (inline up to 24 bytes).
    Str(CompactString),
    /// A sequence. Boxed slices, not vectors: a tree never grows once built, and the saved
    /// capacity word makes a `Value` 24 bytes instead of 32 (a `Node` 32 instead of 40).
    Seq(Box<[Node]>),
    /// A mapping, in document order.
    Map(Box<[(Key, Node)]>),
}

/// A value and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value starts.
    pub pos: Pos,
}

impl Node {
    /// A node holding `value` at `pos`.
    pub fn new(value: Value, pos: Pos) -> Self {
        Node { value, pos }
    }

    /// The value under mapping key `k`, if this is a mapping that has it.
    pub fn get(&self, k: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(key, _)| &*key.name == k)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entry (key and value) for `k`.
    pub fn entry(&self, k: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(key, _)| &*key.name == k)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follows a dotted path (`spec.template.spec`); `None` when any step is missing.
    pub fn at(&self, path: &str) -> Option<&Node> {
        let mut cur = self;
        for part in path.split('.') {
            if part.is_empty() {
                continue;
            }
            cur = cur.get(part)?;
        }
        Some(cur)
    }

    /// The string value, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean value, when this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The integer value, when this is an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    /// The items, when this is a sequence (empty otherwise).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(v) => v,
            _ => &[],
        }
    }

    /// The entries, when this is a mapping (empty otherwise).
    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Map(v) => v,
            _ => &[],
        }
    }

    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The name of this value's type, for messages: `string`, `boolean`, ….
    pub fn type_name(&self) -> &'static str {
        self.value.type_name()
    }

    /// Resolves a field path to the position of the field (its key, for mapping entries, so the
    /// position is on the line a reader looks for). When the path does not exist, returns the
    /// position of the nearest existing parent and how many leading segments were found.
    pub fn locate(&self, path: &FieldPath) -> (Pos, usize) {
        let mut cur = self;
        let mut pos = self.pos;
        for (i, seg) in path.segments().iter().enumerate() {
            let next = match seg {
                Segment::Key(k) => cur.entry(k).map(|(key, v)| (key.pos, v)),
                Segment::Index(n) => cur.items().get(*n).map(|v| (v.pos, v)),
            };
            match next {
                Some((p, v)) => {
                    pos = p;
                    cur = v;
                }
                None => return (pos, i),
            }
        }
        (pos, path.segments().len())
    }

    /// Resolves a field path to the node it names.
    pub fn lookup(&self, path: &FieldPath) -> Option<&Node> {
        let mut cur = self;
        for seg in path.segments() {
            cur = match seg {
                Segment::Key(k) => cur.get(k)?,
                Segment::Index(n) => cur.items().get(*n)?,
            };
        }
        Some(cur)
    }
}

impl Value {
    /// The name of this value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
    }
}

impl fmt::Display for Value {
    /// Short rendering for messages; collections are summarised, never dumped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Seq(v) => write!(f, "[{} items]", v.len()),
            Value::Map(v) => write!(f, "{{{} keys}}", v.len()),
        }
    }
}
