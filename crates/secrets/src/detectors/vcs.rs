//! Source hosting: GitHub and GitLab tokens.

use super::{matches, re};
use crate::{Confidence, Detector};

re!(
    GITHUB,
    r"\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?:[^A-Za-z0-9_]|$)"
);
re!(GITLAB, r"\b(glpat-[A-Za-z0-9_-]{20})(?:[^A-Za-z0-9_-]|$)");

/// GitHub tokens: classic personal (`ghp_`), OAuth (`gho_`), user-to-server (`ghu_`), app
/// installation (`ghs_`), refresh (`ghr_`) and fine-grained (`github_pat_`).
pub static GITHUB_TOKEN: Detector = Detector {
    id: "SD006",
    name: "github-token",
    summary: "a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
    confidence: Confidence::High,
    anchors: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
    find: |_, v| matches(&GITHUB, v),
    true_positives: &[
        (
            Some("GITHUB_TOKEN"),
            "ghp_c3j27xdcg2lMLzgeonyLGcTJFiz4soCmZ9cp",
        ),
        (
            None,
            "https://x-access-token:ghs_vnpKnA1hEDCM4PmBxdUcl1MhOoSfAqFdpRaj@github.com/o/r",
        ),
        (
            None,
            "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",
        ),
    ],
    false_positives: &[
        (None, "ghp_short"),
        (None, "ghp_c3j27xdcg2lMLzgeonyLGcTJFiz4soCmZ9cpTOOLONG"),
    ],
};

/// GitLab personal, project and group access tokens (`glpat-`).
pub static GITLAB_TOKEN: Detector = Detector {
    id: "SD007",
    name: "gitlab-token",
    summary: "a GitLab access token (glpat-)",
    confidence: Confidence::High,
    anchors: &["glpat-"],
    find: |_, v| matches(&GITLAB, v),
    true_positives: &[(Some("GITLAB_TOKEN"), "glpat-3zlT4BNLZ2mpkGCJNcQA")],
    false_positives: &[(None, "glpat-short"), (None, "glpat-<token>")],
};

#[cfg(test)]
mod tests {
    #[test]
    fn every_pattern_compiles() {
        for re in [&super::GITHUB, &super::GITLAB] {
            assert!(re.is_some());
        }
    }
}
