//! What an apply or undo did: a report with one step per action.

use crate::plan::ObjRef;
use serde::Serialize;

/// The result of one action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Checked and dry-run; would be done with `--yes`.
    WouldDo,
    /// Nothing to do: already gone or already removed (or, for undo, already present).
    AlreadyDone,
    /// Done.
    Done,
    /// The object changed since the plan (or between check and call): not touched.
    Refused,
    /// An unexpected API error.
    Failed,
    /// Not attempted because the run stopped earlier.
    NotAttempted,
    /// Undo: cannot be restored (a Secret's values are never stored).
    NotRestorable,
}

impl Outcome {
    /// The journal's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::WouldDo => "would-do",
            Outcome::AlreadyDone => "already-done",
            Outcome::Done => "done",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::NotAttempted => "not-attempted",
            Outcome::NotRestorable => "not-restorable",
        }
    }
}

/// One action's line in a report.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// `delete`, `removeSubjects`, `create`, `addSubjects`.
    pub op: String,
    /// The object.
    pub object: ObjRef,
    /// Subjects involved, as text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// What happened.
    pub outcome: Outcome,
    /// Details.
    pub message: String,
}

/// What an apply or undo did.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// The journal id (`None` for a dry run, which writes nothing).
    pub journal_id: Option<i64>,
    /// Whether real calls were made.
    pub executed: bool,
    /// `done`, `stopped`, `refused`, or `dry-run`.
    pub status: String,
    /// Why it stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Each action.
    pub steps: Vec<Step>,
    /// Things the user must know (new tokens, unrestorable Secrets).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl RunReport {
    /// Whether everything asked for is done (or would be).
    pub fn ok(&self) -> bool {
        matches!(self.status.as_str(), "done" | "dry-run")
    }
}
