//! Property tests for the manifest loader: whatever bytes arrive on standard input,
//! `load_inputs` must return (no panic, no abort, no hang) with a report that is internally
//! consistent, and well-formed documents must load exactly even next to malformed ones.
//!
//! The default case counts keep this file fast under `cargo test`; raise them for a longer run
//! with `PROPTEST_CASES=20000 cargo test -p stockade-sources --release --test loader_props`.
//! Inputs that once broke the loader live in `tests/regressions/` and are replayed by
//! `regressions_hold_the_invariants`.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use std::io::Cursor;
use std::time::{Duration, Instant};
use stockade_model::DiagnosticLevel;
use stockade_sources::{Input, Limits, LoadOutput, Node, Value, load_inputs};

/// Longest a single input of a few kilobytes may take, even in a debug build on a busy machine.
const CASE_BUDGET: Duration = Duration::from_secs(5);

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default_cases);
    // A fixed seed keeps `cargo test` (and CI) repeatable; set PROPTEST_RNG_SEED to explore.
    let rng_seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(
            proptest::test_runner::RngSeed::Fixed(0x5eed_10ad),
            proptest::test_runner::RngSeed::Fixed,
        );
    ProptestConfig {
        cases,
        rng_seed,
        // Minimised failures are kept by hand in tests/regressions/, not in a side directory.
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    }
}

fn load(bytes: &[u8]) -> LoadOutput {
    load_inputs(&[Input::Stdin], &Limits::default(), &mut Cursor::new(bytes))
}

/// Loads `bytes` and checks every invariant that holds for any input; returns the output.
fn check(bytes: &[u8]) -> LoadOutput {
    let start = Instant::now();
    let out = load(bytes);
    let took = start.elapsed();
    assert!(
        took < CASE_BUDGET,
        "loading {} bytes took {took:?}",
        bytes.len()
    );

    // Lines as an editor counts them (YAML also breaks lines at a lone `\r`); positions may
    // point one line past the end, where a parser notices a missing closer.
    let max_line = u32::try_from(
        bytes
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
            .count()
            + 2,
    )
    .unwrap_or(u32::MAX);

    assert!(
        out.files.len() <= 1,
        "one stdin input yields at most one file"
    );
    for f in &out.files {
        assert_eq!(f.path, "-");
    }
    assert_eq!(out.files_skipped, 0);

    for d in &out.diagnostics {
        assert_eq!(
            d.path.as_deref(),
            Some("-"),
            "diagnostic without the stdin path: {d:?}"
        );
        assert!(!d.code.is_empty() && !d.message.is_empty(), "{d:?}");
        if d.code != "io" {
            assert!(
                d.line >= 1 && d.column >= 1,
                "diagnostic without a position: {d:?}"
            );
            assert!(
                d.line <= max_line,
                "diagnostic past the end (max {max_line}): {d:?}"
            );
        }
        if matches!(d.code.as_str(), "binary" | "encoding") {
            assert!(out.files.is_empty() && out.objects.is_empty());
        }
    }
    if !out.objects.is_empty() {
        assert_eq!(out.files.len(), 1, "objects without their file");
    }

    let mut last_doc = 0usize;
    for o in &out.objects {
        assert_eq!(o.origin.file, 0);
        assert!(
            o.origin.document >= last_doc,
            "document indexes went backwards: {} after {last_doc}",
            o.origin.document
        );
        last_doc = o.origin.document;
        assert!(
            matches!(o.root.value, Value::Map(_)),
            "an object is not a mapping"
        );
        assert!(o.root.get("kind").and_then(Node::as_str).is_some());
        assert!(o.root.get("apiVersion").and_then(Node::as_str).is_some());
        assert!(
            o.root.pos.line >= 1 && o.root.pos.line <= max_line && o.root.pos.col >= 1,
            "object position {:?} outside the input (max line {max_line})",
            o.root.pos
        );
    }

    // The same bytes load the same way (Debug, not PartialEq: `.nan` is not equal to itself).
    let again = load(bytes);
    assert_eq!(format!("{:?}", out.objects), format!("{:?}", again.objects));
    assert_eq!(out.diagnostics, again.diagnostics);
    out
}

/// Pieces of YAML syntax, glued at random into inputs that stress the parser's edge cases.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    "- ",
    "-",
    "key: ",
    "kind: ",
    "apiVersion: ",
    "items:",
    ": ",
    ":",
    ", ",
    "? ",
    "&a ",
    "&b ",
    "*a",
    "*b",
    "<<: *a",
    "<<: [*a, *b]",
    "---",
    "--- ",
    "...",
    "\n",
    "\n",
    "\n",
    "  ",
    "    ",
    "\t",
    "\"",
    "'",
    "\\",
    "\"x\\u00e9\"",
    "'it''s'",
    "|",
    "|-",
    ">",
    ">+",
    "#",
    "# Source: chart/templates/x.yaml",
    "!!str ",
    "!!int ",
    "!!binary ",
    "!custom ",
    "%YAML 1.2",
    "%TAG ! tag:x,2000:",
    "~",
    "null",
    "yes",
    "0x1F",
    "0o17",
    "1e3",
    ".nan",
    "-.inf",
    "é",
    "日本語",
    "🦀",
    "\u{feff}",
    "\r\n",
    "\r",
    "v1",
    "Pod",
    "List",
    "DeploymentList",
    "metadata:",
    "name: x",
];

fn yamlish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..160).prop_map(|t| t.concat())
}

/// Arbitrary text without NUL (a NUL in the first 8 KiB makes the whole input "binary", which
/// would hide the document under test).
fn garbage() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>().prop_map(|s| s.replace('\0', "")),
        yamlish().prop_map(|s| s.replace('\0', "")),
    ]
}

/// Names that need care in YAML: multi-byte UTF-8, quotes, colons, `#`.
fn name() -> impl Strategy<Value = String> {
    "[a-z0-9é日🦀 :#'\"-]{1,24}"
}

/// A well-formed object written in one of the styles real manifests use, with `name`
/// double-quoted so any character is safe. Returns the text; its first line holds `apiVersion`.
fn object_text(kind: &str, name: &str, style: u8) -> String {
    let quoted = serde_json::to_string(name).expect("a string serialises");
    match style % 3 {
        0 => format!(
            "apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {quoted}\n  labels: {{app: x, tier: \"web\"}}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    args: [\"a\", 'b']\n"
        ),
        1 => format!(
            "apiVersion: v1\nkind: {kind}\nmetadata: &m\n  name: {quoted}\ndata:\n  copy: *m\n  script: |\n    echo \"日本\"\n    exit 0\n"
        ),
        _ => format!(
            "{{\"apiVersion\": \"v1\", \"kind\": \"{kind}\", \"metadata\": {{\"name\": {quoted}}}}}\n"
        ),
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Any bytes at all.
    #[test]
    fn arbitrary_bytes_never_break_the_loader(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    /// Bytes that are mostly YAML syntax, so the parser gets past its first few tokens.
    #[test]
    fn yamlish_text_never_breaks_the_loader(text in yamlish()) {
        check(text.as_bytes());
    }

    /// Random nesting of flow and block collections, anchors and aliases.
    #[test]
    fn nested_collections_never_break_the_loader(
        opens in prop::collection::vec((0u8..6, 0usize..5), 0..300),
        close in any::<bool>(),
    ) {
        let mut s = String::new();
        let mut closers = Vec::new();
        for (k, indent) in &opens {
            match k {
                0 => { s.push('['); closers.push(']'); }
                1 => { s.push_str("{k: "); closers.push('}'); }
                2 => { s.push('\n'); s.push_str(&" ".repeat(*indent)); s.push_str("- "); }
                3 => { s.push('\n'); s.push_str(&" ".repeat(*indent)); s.push_str("key: &a "); }
                4 => s.push_str("*a, "),
                _ => s.push_str("\n---\n"),
            }
        }
        if close {
            while let Some(c) = closers.pop() { s.push(c); }
        }
        check(s.as_bytes());
    }

    /// Well-formed documents all load, in order, with their names intact and no diagnostics.
    #[test]
    fn well_formed_documents_load_exactly(
        docs in prop::collection::vec((name(), 0u8..3, any::<bool>()), 1..12),
    ) {
        let mut text = String::new();
        for (i, (n, style, comment)) in docs.iter().enumerate() {
            if i > 0 || *comment {
                text.push_str("---\n");
            }
            if *comment {
                text.push_str("# Source: chart/templates/x.yaml\n");
            }
            text.push_str(&object_text("ConfigMap", n, *style));
        }
        let out = check(text.as_bytes());
        prop_assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        prop_assert_eq!(out.objects.len(), docs.len());
        for (i, (o, (n, _, _))) in out.objects.iter().zip(&docs).enumerate() {
            // A leading `---` opens the first document rather than ending an empty one.
            prop_assert_eq!(o.origin.document, i);
            let got = o.root.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str);
            prop_assert_eq!(got, Some(n.as_str()));
        }
    }

    /// A malformed document never hides the well-formed one after it, and positions in the
    /// later document stay exact.
    #[test]
    fn garbage_does_not_hide_a_later_document(junk in garbage(), n in name(), style in 0u8..3) {
        let text = format!("{junk}\n---\n{}", object_text("Secret", &n, style));
        let out = check(text.as_bytes());
        let ours: Vec<_> = out
            .objects
            .iter()
            .filter(|o| o.root.get("kind").and_then(Node::as_str) == Some("Secret")
                && o.root.pos.line as usize == junk.matches('\n').count() + 3)
            .collect();
        prop_assert_eq!(ours.len(), 1, "{:?}", out.diagnostics);
        let got = ours[0].root.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str);
        prop_assert_eq!(got, Some(n.as_str()));
    }
}

/// Inputs that once broke the loader (or that probe a known limit), replayed on every run.
#[test]
fn regressions_hold_the_invariants() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/regressions exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    entries.sort();
    assert!(!entries.is_empty());
    for p in entries {
        let bytes = std::fs::read(&p).expect("regression input is readable");
        let result = std::panic::catch_unwind(|| check(&bytes));
        assert!(result.is_ok(), "regression input {} failed", p.display());
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for open in ["[", "{a: ", "- "] {
        let text = open.repeat(100_000);
        let out = check(text.as_bytes());
        assert!(out.objects.is_empty());
    }
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let mut text =
        String::from("apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let out = check(text.as_bytes());
    assert!(out.objects.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].code, "alias-budget");
    assert_eq!(out.diagnostics[0].level, DiagnosticLevel::Error);
}
