//! Renderers of de-provisioning ([`stockade_deprovision_model`]): plans, apply and undo
//! reports, the journal's history and verifications. One file per format: readable text,
//! JSON (the plan file among them), a reviewable kubectl script and YAML of the deletes and
//! patches.
//!
//! Every string from a cluster, the inputs or a plan file is escaped for where it goes
//! (`stockade_model::escape`): terminal text, shell words and comments, JSON and YAML
//! string escapes.

pub mod json;
pub mod kubectl;
pub mod record_html;
pub mod record_markdown;
pub mod text;
pub mod yaml;

use serde_json::{Value, json};
use stockade_deprovision_model::plan::{Action, Op, Subject};

/// One line for an action: `delete RoleBinding shop/x`.
pub fn describe(a: &Action) -> String {
    match a.op {
        Op::Delete => format!("delete {}", a.object.display()),
        Op::RemoveSubjects => {
            let who: Vec<String> = a.subjects.iter().map(|s| s.display()).collect();
            format!("remove {} from {}", who.join(", "), a.object.display())
        }
        Op::Cordon => format!("cordon {}", a.object.display()),
        Op::Evict => format!("evict {}", a.object.display()),
    }
}

/// The JSON patch that removes an action's subjects, as the plan recorded them.
pub fn subject_patch(a: &Action) -> Value {
    let mut ops = Vec::new();
    if let Some(rv) = &a.object.resource_version {
        ops.push(json!({"op": "test", "path": "/metadata/resourceVersion", "value": rv}));
    }
    let mut subjects: Vec<&Subject> = a.subjects.iter().collect();
    subjects.sort_by_key(|s| std::cmp::Reverse(s.index));
    for s in subjects {
        let path = format!("/subjects/{}", s.index);
        ops.push(json!({"op": "test", "path": path, "value": s.to_json()}));
        ops.push(json!({"op": "remove", "path": path}));
    }
    Value::Array(ops)
}

#[cfg(test)]
pub(crate) mod sample {
    //! The sample plan every format's snapshot renders: a delete and a subject removal, with a
    //! newline, an escape sequence and shell metacharacters in the names.
    use stockade_deprovision_model::plan::Plan;

    pub fn plan() -> Plan {
        let plan = serde_json::json!({
            "apiVersion": "stockade.dev/v1alpha1", "kind": "DeprovisionPlan",
            "target": "user:leaver\n$(touch PWNED)",
            "source": {"kind": "cluster", "cluster": "kind-dev"},
            "createdAt": "2026-12-01T00:00:00Z", "stockadeVersion": "0.1.0",
            "actions": [
                {"op": "delete",
                 "object": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "namespace": "shop", "name": "it's \u{1b}[2K", "uid": "u1",
                    "resourceVersion": "5"},
                 "reason": "grants only the target"},
                {"op": "removeSubjects",
                 "object": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "namespace": "shop", "name": "team", "uid": "u2", "resourceVersion": "7"},
                 "subjects": [{"index": 1, "kind": "User", "name": "leaver\n$(touch PWNED)",
                    "apiGroup": "rbac.authorization.k8s.io"}],
                 "reason": "the target is one of its subjects",
                 "warning": "others keep the binding"},
                {"op": "delete",
                 "object": {"apiVersion": "v1", "kind": "Secret", "namespace": "shop",
                    "name": "leaver-token"},
                 "reason": "a token only the target used", "irreversible": true,
                 "warning": "its values cannot be restored"},
            ],
            "kept": [{"object": {"apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole", "name": "view"}, "reason": "built-in role, kept"}],
            "cascade": [],
            "notes": ["groups are decided by the identity provider"],
        });
        Plan::from_json(&plan.to_string()).unwrap()
    }

    /// The sample record both record formats' snapshots render: a run with an audited action,
    /// an action without an audit event, a change by someone else, a verification, and hostile
    /// text (markup, an escape sequence) in names and messages.
    pub fn record() -> stockade_deprovision_model::record::Record {
        use stockade_deprovision_model::journal::{Run, VerificationRow};
        use stockade_deprovision_model::record::{ActionRecord, AuditMatch, Record, RunRecord};
        let p = plan();
        let ev = |user: &str, verb: &str, line: u32| AuditMatch {
            user: user.into(),
            verb: verb.into(),
            subresource: String::new(),
            time: "2026-12-01T00:05:00.123456Z".into(),
            code: 200,
            audit_id: format!("id-{line}"),
            location: format!("audit.log:{line}"),
        };
        Record {
            generated_at: "2026-12-02T00:00:00Z".into(),
            journal: "/home/ops/.local/state/stockade/journal.db".into(),
            audit_logs: vec!["audit.log".into()],
            audit_problems: vec![
                "audit.log: 1 line(s) are not audit events and were skipped".into(),
            ],
            runs: vec![RunRecord {
                run: Run {
                    id: 3,
                    kind: "apply".into(),
                    undo_of: None,
                    started_at: "2026-12-01T00:05:00Z".into(),
                    finished_at: Some("2026-12-01T00:05:01Z".into()),
                    kube_user: "ops-admin".into(),
                    local_user: "ops".into(),
                    cluster: "kind-dev".into(),
                    server: "https://127.0.0.1:6443".into(),
                    target: p.target.clone(),
                    status: "done".into(),
                    message: None,
                    counts: Default::default(),
                },
                plan_created_at: p.created_at.clone(),
                plan_source: "cluster kind-dev".into(),
                actions: vec![
                    ActionRecord {
                        seq: 0,
                        op: "delete".into(),
                        object: p.actions[0].object.clone(),
                        result: "done".into(),
                        message: String::new(),
                        at: "2026-12-01T00:05:00Z".into(),
                        before: "existed (uid u1, resourceVersion 5)".into(),
                        after: "deleted".into(),
                        before_image: serde_json::Value::Null,
                        audit: Some(ev("ops-admin", "delete", 7)),
                    },
                    ActionRecord {
                        seq: 1,
                        op: "removeSubjects".into(),
                        object: p.actions[1].object.clone(),
                        result: "done".into(),
                        message: "<script>alert(1)</script>".into(),
                        at: "2026-12-01T00:05:01Z".into(),
                        before: "subjects User leaver, User keeper (resourceVersion 7)".into(),
                        after: "without User leaver".into(),
                        before_image: serde_json::Value::Null,
                        audit: None,
                    },
                ],
                verifications: vec![VerificationRow {
                    target: p.target.clone(),
                    at: "2026-12-01T00:06:00Z".into(),
                    by: "ops".into(),
                    passed: true,
                    result: serde_json::json!({"checked": ["no RoleBinding or ClusterRoleBinding names the subject"], "remaining": [], "notes": ["groups *assumed*"]}),
                }],
                not_revoked: vec!["Secret shop/leaver-token: its values cannot be restored".into()],
                others: vec![(
                    p.actions[0].object.identity(),
                    ev("mallory <img src=x>", "create", 9),
                )],
                unmatched: vec![1],
            }],
        }
    }
}
