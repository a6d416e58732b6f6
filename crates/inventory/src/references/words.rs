//! The word index over objects of kinds Stockade does not understand (custom resources): a
//! name mentioned in one of their string values lowers confidence rather than counting as use.

use std::collections::{HashMap, HashSet};
use stockade_model::FieldPath;
use stockade_sources::{Node, Value};

/// Splits a string value into the words a name could appear as.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'))
        .filter(|w| !w.is_empty())
}

pub(super) fn index_words(root: &Node, i: usize, out: &mut HashMap<Box<str>, Vec<usize>>) {
    let mut seen: HashSet<&str> = HashSet::new();
    for (k, v) in root.entries() {
        if &*k.name == "metadata" {
            continue;
        }
        collect_words(v, &mut seen);
    }
    for w in seen {
        out.entry(w.into()).or_default().push(i);
    }
}

fn collect_words<'a>(n: &'a Node, seen: &mut HashSet<&'a str>) {
    // A heap stack rather than recursion: custom resources can be arbitrarily deep.
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Str(s) => {
                seen.insert(s);
                seen.extend(words(s));
            }
            Value::Seq(v) => stack.extend(v.iter()),
            Value::Map(m) => stack.extend(m.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// The path of the first string value under `n` that mentions `name`.
pub(super) fn find_word(n: &Node, name: &str, at: FieldPath, top: bool) -> Option<FieldPath> {
    let mut stack = vec![(n, at, top)];
    while let Some((n, at, top)) = stack.pop() {
        match &n.value {
            Value::Str(s) if (&**s == name || words(s).any(|w| w == name)) => {
                return Some(at);
            }
            Value::Seq(v) => {
                for (i, item) in v.iter().enumerate().rev() {
                    stack.push((item, at.index(i), false));
                }
            }
            Value::Map(m) => {
                for (k, v) in m.iter().rev() {
                    if top && &*k.name == "metadata" {
                        continue;
                    }
                    stack.push((v, at.key(&k.name), false));
                }
            }
            _ => {}
        }
    }
    None
}
