//! The detectors, grouped by who issues the credential. Each is a [`Detector`] with its
//! anchors for the prefilter, its matcher, and its true- and false-positive examples (checked
//! by the crate's tests). Example values are made up: right shape, no real credential.

mod cloud;
mod generic;
mod keys;
mod packages;
mod saas;
mod vcs;

use crate::Detector;
use regex::Regex;
use std::ops::Range;

/// Every detector, in id order.
pub static DETECTORS: &[&Detector] = &[
    &cloud::AWS_ACCESS_KEY_ID,
    &cloud::AWS_SECRET_ACCESS_KEY,
    &cloud::GCP_SERVICE_ACCOUNT_KEY,
    &cloud::AZURE_STORAGE_KEY,
    &cloud::GOOGLE_API_KEY,
    &vcs::GITHUB_TOKEN,
    &vcs::GITLAB_TOKEN,
    &saas::SLACK_TOKEN,
    &saas::SLACK_WEBHOOK,
    &saas::STRIPE_KEY,
    &saas::TWILIO_API_KEY,
    &saas::SENDGRID_API_KEY,
    &packages::NPM_TOKEN,
    &packages::PYPI_TOKEN,
    &packages::DOCKER_REGISTRY_AUTH,
    &keys::PRIVATE_KEY,
    &keys::JWT,
    &keys::URL_PASSWORD,
    &keys::KUBECONFIG_CREDENTIAL,
    &generic::GENERIC_SECRET,
];

/// The ranges of `re`'s matches in `v`: of its first capture group when it has one. A
/// pattern that did not compile (a test checks that none fails) matches nothing.
pub(crate) fn matches(re: &Option<Regex>, v: &str) -> Vec<Range<usize>> {
    let Some(re) = re else { return Vec::new() };
    re.captures_iter(v)
        .filter_map(|c| c.get(1).or_else(|| c.get(0)).map(|m| m.range()))
        .collect()
}

/// A lazily compiled regular expression (the patterns are constants; a test compiles each).
macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: std::sync::LazyLock<Option<regex::Regex>> =
            std::sync::LazyLock::new(|| regex::Regex::new($pat).ok());
    };
}
pub(crate) use re;

pub(crate) use crate::names::words;
