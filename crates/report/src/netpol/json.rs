//! The `stockade netpol -o json` documents.

use serde::Serialize;
use std::io::{self, Write};
use stockade_model::escape::{json_compact, json_pretty};
use stockade_netpol::answer::{Explain, MatrixAnswer, Reach};

/// Pretty JSON with the keys of every object in name order.
fn pretty(w: &mut dyn Write, v: &impl Serialize) -> io::Result<()> {
    let v = serde_json::to_value(v)?;
    w.write_all((json_pretty(&v)? + "\n").as_bytes())
}

/// `netpol reach -o json`.
pub fn reach(a: &Reach, w: &mut dyn Write) -> io::Result<()> {
    pretty(w, a)
}

/// `netpol matrix -o json`: one compact line, as large matrices are.
pub fn matrix(a: &MatrixAnswer, w: &mut dyn Write) -> io::Result<()> {
    let mut text = json_compact(a)?;
    text.push('\n');
    w.write_all(text.as_bytes())
}

/// `netpol explain -o json`.
pub fn explain(a: &Explain, w: &mut dyn Write) -> io::Result<()> {
    pretty(w, a)
}
