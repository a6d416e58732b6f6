//! A journal's runs and actions, as `stockade deprovision history` lists them (the journal
//! itself is `stockade_deprovision::journal`).

use serde::Serialize;
use serde_json::Value;

/// One apply or undo, as `history` lists it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    /// Journal id.
    pub id: i64,
    /// `apply` or `undo`.
    pub kind: String,
    /// For an undo: the run it undid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo_of: Option<i64>,
    /// Start time (RFC 3339 UTC).
    pub started_at: String,
    /// End time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// The kube user the credentials authenticated as.
    pub kube_user: String,
    /// The local user.
    pub local_user: String,
    /// The kubeconfig context.
    pub cluster: String,
    /// The API server URL.
    pub server: String,
    /// The target.
    pub target: String,
    /// `running`, `done`, `stopped` (an action was refused or failed part-way), `refused`
    /// (checks failed, nothing changed).
    pub status: String,
    /// Why it stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Action counts by result.
    pub counts: std::collections::BTreeMap<String, i64>,
}

/// One recorded action.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRow {
    /// Position in the run.
    pub seq: i64,
    /// `delete`, `removeSubjects`, `create`, `addSubjects`.
    pub op: String,
    /// The object.
    pub object: crate::plan::ObjRef,
    /// The subjects removed or added.
    pub subjects: Value,
    /// The before-image (see `stockade_deprovision::journal::before_image`); null when nothing was changed.
    pub before: Value,
    /// `pending`, `done`, `already-done`, `refused`, `failed`, `not-attempted`,
    /// `not-restorable`.
    pub result: String,
    /// Details.
    pub message: String,
    /// When the result was recorded.
    pub at: String,
}

/// A recorded `verify`: what it proved, for the audit record.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationRow {
    /// The target verified.
    pub target: String,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Who ran it (the local user; the kube user when asked live).
    pub by: String,
    /// Whether it passed.
    pub passed: bool,
    /// The verification as `verify -o json` prints it.
    pub result: Value,
}
