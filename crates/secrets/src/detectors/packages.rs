//! Package and image registries: npm, PyPI, Docker registry credentials.

use super::{matches, re};
use crate::{Confidence, Detector};
use base64::Engine as _;
use std::ops::Range;

re!(NPM, r"\b(npm_[A-Za-z0-9]{36})\b");
re!(PYPI, r"\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})");
re!(DOCKER_AUTH, r#""auth"\s*:\s*"([A-Za-z0-9+/=]{8,})""#);

/// npm access tokens (`npm_`).
pub static NPM_TOKEN: Detector = Detector {
    id: "SD013",
    name: "npm-token",
    summary: "an npm access token (npm_)",
    confidence: Confidence::High,
    anchors: &["npm_"],
    find: |_, v| matches(&NPM, v),
    true_positives: &[(
        Some(".npmrc"),
        "//registry.npmjs.org/:_authToken=npm_R7kQ2mX9vL4pN8wZ1cB6hJ0fG5yKs2T3aDqR",
    )],
    false_positives: &[(None, "npm_config_cache"), (None, "npm_short")],
};

/// PyPI API tokens (macaroons for pypi.org).
pub static PYPI_TOKEN: Detector = Detector {
    id: "SD014",
    name: "pypi-token",
    summary: "a PyPI API token (pypi-AgEIcHlwaS5vcmc…)",
    confidence: Confidence::High,
    anchors: &["pypi-AgEIcHlwaS5vcmc"],
    find: |_, v| matches(&PYPI, v),
    true_positives: &[(
        Some("TWINE_PASSWORD"),
        "pypi-AgEIcHlwaS5vcmcCJGI3ZjM5YTI2LTQxZWQtNDk0Ny1hNzY4LTA0ZGE1NjE4NjQ4ZQACKlsz",
    )],
    false_positives: &[(None, "pypi-AgEIcHlwaS5vcmc"), (None, "pypi-token")],
};

fn docker_auth(_: Option<&str>, v: &str) -> Vec<Range<usize>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    matches(&DOCKER_AUTH, v)
        .into_iter()
        .filter(|r| {
            b64.decode(&v[r.clone()])
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .and_then(|s| {
                    s.split_once(':')
                        .map(|(_, p)| !p.is_empty() && !crate::placeholder(p))
                })
                .unwrap_or(false)
        })
        .collect()
}

/// Registry credentials in a Docker config (`auths.*.auth`: base64 of `user:password`).
pub static DOCKER_REGISTRY_AUTH: Detector = Detector {
    id: "SD015",
    name: "docker-registry-auth",
    summary: "a registry password in a Docker config (.dockerconfigjson auths.*.auth)",
    confidence: Confidence::High,
    anchors: &["\"auth\""],
    find: docker_auth,
    true_positives: &[(
        Some(".dockerconfigjson"),
        r#"{"auths":{"registry.shop.internal":{"auth":"Y2k6czNjcjN0LVBhc3N3MHJkIQ=="}}}"#,
    )],
    false_positives: &[
        (
            None,
            r#"{"auths":{"registry.shop.internal":{"auth":"Y2k6"}}}"#,
        ),
        (
            None,
            r#"{"auths":{"registry.shop.internal":{"auth":"bm90LWJhc2U2NA"}}}"#,
        ),
    ],
};

#[cfg(test)]
mod tests {
    #[test]
    fn every_pattern_compiles() {
        for re in [&super::NPM, &super::PYPI, &super::DOCKER_AUTH] {
            assert!(re.is_some());
        }
    }
}
