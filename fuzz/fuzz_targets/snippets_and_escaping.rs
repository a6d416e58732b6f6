//! Feeds raw bytes through the whole scan (loader, inventory, every rule, findings with
//! snippets) and the human-readable renderers, and through the escaping functions, asserting
//! what docs/security.md promises:
//!
//! - no snippet of a finding on a Secret holds any of the Secret's data values;
//! - no snippet is wider than the bound;
//! - table and Markdown output hold no raw control character but newline and tab;
//! - every escaping function's output is safe for its sink.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use stockade_model::escape;
use stockade_sources::{Input, Limits, Node, Value, load_inputs};

fn secret_values(o: &Node, out: &mut Vec<String>) {
    for field in ["data", "stringData"] {
        if let Some(Value::Map(entries)) = o.get(field).map(|n| &n.value) {
            for (_, v) in entries {
                if let Some(s) = v.as_str().filter(|s| s.len() >= 4) {
                    out.push(s.to_string());
                }
            }
        }
    }
}

fn safe_for_terminal(s: &str) -> bool {
    !s.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fuzz_target!(|data: &[u8]| {
    // Escaping, on the input as a string.
    let s = String::from_utf8_lossy(data);
    assert!(safe_for_terminal(&escape::terminal(&s)));
    let line = escape::terminal_line(&s);
    assert!(safe_for_terminal(&line) && !line.contains('\n'));
    assert!(!escape::shell_comment(&s).contains('\n'));
    let word = escape::shell_word(&s);
    assert!(!word.contains('\n'));
    if word.starts_with('\'') {
        assert!(word.ends_with('\''));
    } else {
        assert!(!word.is_empty() && word.bytes().all(|b| b.is_ascii_graphic()));
    }
    let seg = escape::url_path_segment(&s);
    assert!(seg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    assert!(seg != "." && seg != "..");
    let html = escape::html_text(&s);
    assert!(!html.contains(['<', '>', '"']));

    // The scan.
    let load = load_inputs(&[Input::Stdin], &Limits::default(), &mut Cursor::new(data));
    let (inv, _) = stockade_inventory::Inventory::from_manifests(load);
    let settings = stockade_engine::Settings::default();
    let out = stockade_engine::run(&inv, &settings, None, "2026-01-01");
    let mut secrets = Vec::new();
    for o in inv.objects().iter().filter(|o| o.kind() == "Secret") {
        secret_values(&o.root, &mut secrets);
    }
    for f in &out.findings {
        if let Some(snippet) = &f.snippet {
            assert!(snippet.chars().count() <= 201, "{snippet}");
            if f.object.kind == "Secret" {
                for v in &secrets {
                    assert!(!snippet.contains(v.as_str()), "{snippet} shows {v}");
                }
            }
        }
    }
    let mut report = stockade_model::Report::new("fuzz");
    report.findings = out.findings;
    for format in [stockade_report::Format::Table, stockade_report::Format::Markdown] {
        let mut buf = Vec::new();
        stockade_report::render(&report, format, &mut buf, false).unwrap();
        let text = String::from_utf8_lossy(&buf);
        assert!(safe_for_terminal(&text), "{format:?}: {text}");
    }
});
