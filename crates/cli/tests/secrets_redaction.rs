//! No output format ever shows a credential SC001 found, nor its base64: findings name the
//! detector, the field and a fingerprint, and snippets of the lines around are redacted.

mod common;

use common::stockade;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../rules/fixtures/secrets/hardcoded-credential/fail")
}

#[test]
fn no_format_shows_a_detected_credential() {
    let dir = fixtures();
    let mut values: Vec<String> = Vec::new();
    for f in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        // The credentials in the fixtures, and the base64 values that hold them.
        for needle in [
            "Vq7-pL2x9Rk",
            "AKIAZ7QJ3RTLWV2MNB4K",
            "Qx7Lm2Pw8Rk3J9vN4bT6yH1s",
            "k3J9x!Qz7Lm2Pw8R",
            "Zt8wQ3mN5p",
            "LS0tLS1CRUdJTiBSU0Eg",
            "eyJhdXRocyI6",
        ] {
            if text.contains(needle) {
                values.push(needle.to_string());
            }
        }
        for prefix in ["ghs_", "ghp_", "npm_"] {
            for (i, _) in text.match_indices(prefix) {
                values.push(text[i..i + 40].to_string());
            }
        }
        // The base64 values, as written: a binaryData key, a Secret's data in last-applied.
        if let Some(i) = text.find("\"token\":\"") {
            values.push(text[i + 9..i + 33].to_string());
        }
        if let Some(line) = text.lines().find(|l| l.trim_start().starts_with(".npmrc:")) {
            values.push(line.trim_start()[".npmrc: ".len()..][..24].to_string());
        }
    }
    assert!(values.len() >= 10, "{values:?}");
    for format in ["table", "json", "sarif", "junit", "markdown", "jsonl"] {
        let out = stockade()
            .args([
                "scan",
                "--no-config",
                "--enable",
                "SC001",
                "--disable",
                "all",
                "-o",
                format,
            ])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: findings are high");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("SC001"), "{format}: {all}");
        for v in &values {
            assert!(!all.contains(v.as_str()), "{format} shows {v}:\n{all}");
        }
    }
}
