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
}
