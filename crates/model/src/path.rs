//! Field paths inside a Kubernetes object, such as
//! `spec.template.spec.containers[0].securityContext.privileged`.

use compact_str::CompactString;
use serde::{Serialize, Serializer};
use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A mapping key (stored inline up to 24 bytes).
    Key(CompactString),
    /// A sequence index.
    Index(usize),
}

/// A path from an object's root to one of its fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The empty path: the object itself.
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// Parses a dotted path such as `spec.containers[0].image`; keys that contain dots or
    /// brackets are written `metadata.annotations["a.b/c"]`.
    pub fn parse(s: &str) -> Self {
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        let mut cur = CompactString::default();
        while i < b.len() {
            match b[i] {
                b'.' => {
                    if !cur.is_empty() {
                        out.push(Segment::Key(std::mem::take(&mut cur)));
                    }
                    i += 1;
                }
                b'[' => {
                    if !cur.is_empty() {
                        out.push(Segment::Key(std::mem::take(&mut cur)));
                    }
                    let end = s[i..].find(']').map(|e| i + e).unwrap_or(b.len());
                    let inner = &s[i + 1..end.min(s.len())];
                    if let Some(q) = inner.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                        out.push(Segment::Key(q.into()));
                    } else if let Ok(n) = inner.parse() {
                        out.push(Segment::Index(n));
                    } else {
                        out.push(Segment::Key(inner.into()));
                    }
                    i = end + 1;
                }
                _ => {
                    // Push the whole UTF-8 character starting here.
                    let ch = s[i..].chars().next().unwrap_or('?');
                    cur.push(ch);
                    i += ch.len_utf8();
                }
            }
        }
        if !cur.is_empty() {
            out.push(Segment::Key(cur));
        }
        FieldPath(out)
    }

    /// This path with a key appended.
    pub fn key(&self, k: &str) -> Self {
        let mut v = Vec::with_capacity(self.0.len() + 1);
        v.extend_from_slice(&self.0);
        v.push(Segment::Key(k.into()));
        FieldPath(v)
    }

    /// This path with an index appended.
    pub fn index(&self, i: usize) -> Self {
        let mut v = Vec::with_capacity(self.0.len() + 1);
        v.extend_from_slice(&self.0);
        v.push(Segment::Index(i));
        FieldPath(v)
    }

    /// This path followed by a dotted relative path.
    pub fn join(&self, rel: &str) -> Self {
        let mut v = self.0.clone();
        v.extend(FieldPath::parse(rel).0);
        FieldPath(v)
    }

    /// The segments of the path.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<Segment>> for FieldPath {
    fn from(v: Vec<Segment>) -> Self {
        FieldPath(v)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Segment::Key(k) => {
                    let plain = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
                    if plain {
                        if !first {
                            f.write_str(".")?;
                        }
                        f.write_str(k)?;
                    } else {
                        write!(f, "[{k:?}]")?;
                    }
                }
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

impl Serialize for FieldPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dotted_and_bracketed_paths() {
        for p in [
            "spec.template.spec.containers[0].securityContext.privileged",
            "metadata.annotations[\"stockade.dev/ignore\"]",
            "items[3].spec",
        ] {
            assert_eq!(FieldPath::parse(p).to_string(), p);
        }
        assert!(FieldPath::parse("").is_root());
    }
}
