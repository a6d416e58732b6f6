//! Names that say a value is a credential (`DB_PASSWORD`, `apiKey`, `webhookSecret`) and
//! names that only describe one (`PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`): the one
//! heuristic behind the generic detector and WL042's name check.

/// Last name words that make a variable describe a credential rather than hold one.
const DESCRIPTIVE_SUFFIXES: &[&str] = &[
    "FILE",
    "FILES",
    "PATH",
    "DIR",
    "NAME",
    "NAMES",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "DISABLE",
    "TTL",
    "EXPIRY",
    "EXPIRATION",
    "EXPIRES",
    "LENGTH",
    "LEN",
    "TIMEOUT",
    "TYPE",
    "MODE",
    "ID",
    "REF",
    "NAMESPACE",
    "REGION",
    "SIZE",
    "COUNT",
    "INTERVAL",
    "PERIOD",
    "DURATION",
    "ALGORITHM",
    "ALG",
    "HEADER",
    "FIELD",
    "LOCATION",
    "MOUNT",
    "VERSION",
    "PROVIDER",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "FORMAT",
    "LIFETIME",
    "AGE",
    "SECONDS",
    "MINUTES",
    "HOURS",
    "DAYS",
    "POLICY",
    "STORE",
    "BACKEND",
    "SOURCE",
    "KIND",
    "LIMIT",
    "RETRIES",
    "USER",
    "USERNAME",
    "LOGIN",
    "PREFIX",
    "SUFFIX",
    "LABEL",
    "METHOD",
    "STRATEGY",
    "REQUIRED",
    "FINGERPRINT",
    "HASH",
    "SHA",
    "DIGEST",
];

/// Compound words (names with separators removed) that name a key which is itself secret.
const SECRET_KEYS: &[&str] = &[
    "APIKEY",
    "ACCESSKEY",
    "PRIVATEKEY",
    "SIGNINGKEY",
    "ENCRYPTIONKEY",
    "AUTHKEY",
    "MASTERKEY",
];

/// Whether an env var name says it holds a credential.
pub fn credential_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if DESCRIPTIVE_SUFFIXES.contains(&last.as_str()) {
        return false;
    }
    let joined = words.concat();
    words.iter().any(|w| {
        ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "CREDENTIAL"]
            .iter()
            .any(|k| w.contains(k))
            || w.ends_with("TOKEN")
    }) || (words.len() > 1 && words.iter().any(|w| w == "PWD"))
        || SECRET_KEYS.iter().any(|k| joined.contains(k))
}

/// Upper-case words of a name split at `_`, `-`, `.` and camelCase boundaries.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
