//! Feeds raw bytes to the manifest loader as standard input, exactly as `stockade scan -` does.
//!
//! Besides crashes and timeouts, it asserts the cheap invariants of the report (the property
//! tests in crates/sources/tests/loader_props.rs check the same ones and more): every diagnostic
//! names stdin and, unless it is an I/O error, has a 1-based position; objects come out in
//! document order and are mappings with `kind` and `apiVersion`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use stockade_sources::{Input, Limits, Node, Value, load_inputs};

fuzz_target!(|data: &[u8]| {
    let out = load_inputs(&[Input::Stdin], &Limits::default(), &mut Cursor::new(data));
    assert!(out.files.len() <= 1);
    for d in &out.diagnostics {
        assert_eq!(d.path.as_deref(), Some("-"));
        if d.code != "io" {
            assert!(d.line >= 1 && d.column >= 1, "{d:?}");
        }
    }
    let mut last = 0usize;
    for o in &out.objects {
        assert!(o.origin.document >= last);
        last = o.origin.document;
        assert!(matches!(o.root.value, Value::Map(_)));
        assert!(o.root.get("kind").and_then(Node::as_str).is_some());
        assert!(o.root.get("apiVersion").and_then(Node::as_str).is_some());
        assert!(o.root.pos.line >= 1);
    }
});
