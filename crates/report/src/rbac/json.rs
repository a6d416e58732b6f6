//! The `stockade rbac -o json` documents: each answer, keys of every object in name order,
//! control characters and bidirectional overrides as `\u` escapes.

use serde::Serialize;
use std::io::{self, Write};
use stockade_model::escape::json_pretty;
use stockade_rbac::answer::{Access, Can, Paths, WhoCan};

/// Pretty JSON with the keys of every object in name order.
fn pretty(w: &mut dyn Write, v: &impl Serialize) -> io::Result<()> {
    let v = serde_json::to_value(v)?;
    w.write_all((json_pretty(&v)? + "\n").as_bytes())
}

/// `rbac who-can -o json`.
pub fn who_can(a: &WhoCan, w: &mut dyn Write) -> io::Result<()> {
    pretty(w, a)
}

/// `rbac can -o json`.
pub fn can(a: &Can, w: &mut dyn Write) -> io::Result<()> {
    pretty(w, a)
}

/// `rbac access -o json`.
pub fn access(a: &Access, w: &mut dyn Write) -> io::Result<()> {
    pretty(w, a)
}

/// `rbac paths -o json`.
pub fn paths(a: &Paths, w: &mut dyn Write) -> io::Result<()> {
    pretty(w, a)
}

#[cfg(test)]
mod tests {
    use super::super::sample;

    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::who_can(&sample::who_can(), &mut out).unwrap();
        super::can(&sample::can(), &mut out).unwrap();
        super::access(&sample::access(), &mut out).unwrap();
        super::paths(&sample::paths(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1b}'), "{text}");
        insta::assert_snapshot!(text);
    }
}
