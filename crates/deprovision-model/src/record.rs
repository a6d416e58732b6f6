//! The record of de-provisioning runs (`stockade deprovision report`), as its renderers read
//! it; built by `stockade_deprovision::record`.

use crate::journal::{Run, VerificationRow};
use crate::plan::ObjRef;
use serde::Serialize;
use serde_json::Value;

/// An audit event about a journalled object.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AuditMatch {
    /// Who made the request.
    pub user: String,
    /// The verb (`delete`, `patch`, `create`).
    pub verb: String,
    /// The subresource, when one (`eviction`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subresource: String,
    /// When the API server received it.
    pub time: String,
    /// The response code.
    pub code: u32,
    /// The audit ID.
    pub audit_id: String,
    /// Where in the audit log (`file:line`).
    pub location: String,
}

/// One action of a run, for the record.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRecord {
    /// Position in the run.
    pub seq: i64,
    /// What was done.
    pub op: String,
    /// To what.
    pub object: ObjRef,
    /// The outcome (`done`, `already-done`, `refused`, …).
    pub result: String,
    /// Details of the outcome.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// When the outcome was recorded.
    pub at: String,
    /// The state before, in words.
    pub before: String,
    /// The state after, in words.
    pub after: String,
    /// The before-image (credentials never held; see the journal).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub before_image: Value,
    /// The API server's audit event of this action, when audit logs were given and it is found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditMatch>,
}

/// One run, for the record.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    /// The run as `history` lists it.
    pub run: Run,
    /// When the plan it ran was made, and from what.
    pub plan_created_at: String,
    /// `cluster` or `manifests`, and the context.
    pub plan_source: String,
    /// Actions, in order.
    pub actions: Vec<ActionRecord>,
    /// Verifications of the target recorded after the run started.
    pub verifications: Vec<VerificationRow>,
    /// What could not be revoked or restored: the plan's notes on it, certificates, actions
    /// undo cannot reverse.
    pub not_revoked: Vec<String>,
    /// Changes to the run's objects by someone else, from the plan's creation on.
    pub others: Vec<(ObjRef, AuditMatch)>,
    /// Actions that changed something but have no audit event in the logs given.
    pub unmatched: Vec<i64>,
}

/// The record.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// When it was made.
    pub generated_at: String,
    /// The journal it was made from.
    pub journal: String,
    /// The audit logs read (empty when none).
    pub audit_logs: Vec<String>,
    /// Problems reading them (`file:line: why`), counted lines that are not events aside.
    pub audit_problems: Vec<String>,
    /// The runs.
    pub runs: Vec<RunRecord>,
}
