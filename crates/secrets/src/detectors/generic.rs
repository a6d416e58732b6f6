//! The generic detector: a credential-like name with a random-looking value.

use crate::names::credential_name as credential_key;
use crate::{Confidence, Detector};
use std::ops::Range;

fn generic(key: Option<&str>, v: &str) -> Vec<Range<usize>> {
    let Some(key) = key else { return Vec::new() };
    let t = v.trim();
    if t.len() < 16 || t.len() > 512 || t.contains(char::is_whitespace) || !credential_key(key) {
        return Vec::new();
    }
    let classes = [
        t.bytes().any(|b| b.is_ascii_lowercase()),
        t.bytes().any(|b| b.is_ascii_uppercase()),
        t.bytes().any(|b| b.is_ascii_digit()),
        t.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if classes < 2 || crate::shannon(t) < 3.5 || t.starts_with('/') || t.contains("://") {
        return Vec::new();
    }
    let start = v.len() - v.trim_start().len();
    std::iter::once(start..start + t.len()).collect()
}

/// A value under a credential-like name (`…PASSWORD`, `…SECRET`, `…_TOKEN`, `API_KEY`) that
/// looks random: at least 16 characters, two character classes, 3.5 bits of entropy per
/// character.
pub static GENERIC_SECRET: Detector = Detector {
    id: "SD020",
    name: "generic-secret",
    summary: "a random-looking value under a credential-like name",
    confidence: Confidence::Low,
    anchors: &[],
    find: generic,
    true_positives: &[
        (Some("DB_PASSWORD"), "k3J9x!Qz7Lm2Pw8R"),
        (Some("webhookSecret"), "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c"),
    ],
    false_positives: &[
        (
            Some("DB_PASSWORD_FILE"),
            "/run/secrets/db/password-file-path",
        ),
        (Some("DB_PASSWORD"), "short"),
        (Some("LOG_LEVEL"), "k3J9x!Qz7Lm2Pw8R"),
        (Some("TOKEN_URL"), "https://auth.shop.internal/oauth/token"),
        (Some("API_KEY"), "aaaaaaaaaaaaaaaaaaaa"),
    ],
};
