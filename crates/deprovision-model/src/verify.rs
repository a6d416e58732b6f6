//! The verdict of `stockade deprovision verify` (computed by `stockade_deprovision::verify`).

use serde::Serialize;

/// One SubjectAccessReview answer.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    /// `get pods in namespace shop`.
    pub request: String,
    /// The verdict.
    pub allowed: bool,
    /// The API server's reason (names the binding and role when allowed).
    pub reason: String,
}

/// A binding that grants to a group, with what it grants.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupGrant {
    /// The group.
    pub group: String,
    /// `RoleBinding ns/name` or `ClusterRoleBinding name`.
    pub binding: String,
    /// `Role ns/name`, `ClusterRole name` (or `… (not found)`).
    pub role: String,
    /// The first rules it grants, described.
    pub rules: Vec<String>,
    /// One of the defaults every API server creates (built in, or labelled
    /// `kubernetes.io/bootstrapping: rbac-defaults`).
    pub default: bool,
    /// Whether the subject was checked as a member of the group (an implicit group or one
    /// given with `--group`).
    pub assumed: bool,
    /// Whether it counts as remaining access (a grant to an assumed group, other than the
    /// defaults every authenticated identity has).
    pub counted: bool,
}

/// The verdict.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// The target.
    pub target: String,
    /// True when no access remains (and every planned object is gone) for the subject with
    /// [`Verification::groups`] as its groups: see [`Verification::assumption`].
    pub passed: bool,
    /// The groups the subject was checked with: implicit ones and those given with `--group`
    /// (empty for namespace and workload targets).
    pub groups: Vec<String>,
    /// What was assumed about the subject's groups, in words (empty for namespace and workload
    /// targets).
    pub assumption: String,
    /// Bindings to groups: for a user, every one (any could apply, membership lives in the
    /// identity provider); for a ServiceAccount or group, those to the groups it was checked
    /// with.
    pub group_grants: Vec<GroupGrant>,
    /// What remains, each with the binding and role that grant it.
    pub remaining: Vec<String>,
    /// What was checked and found clean.
    pub checked: Vec<String>,
    /// SubjectAccessReview answers (live only).
    pub answers: Vec<Answer>,
    /// Namespaces asked about.
    pub namespaces: Vec<String>,
    /// Remarks (what the check cannot see).
    pub notes: Vec<String>,
}
