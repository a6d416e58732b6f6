//! A de-provisioning plan of leftovers: the unused objects `stockade unused` reports with
//! high confidence (medium too when asked), as delete actions that `deprovision apply` runs
//! with its preconditions, journal and undo. Low confidence is never planned: something the
//! inputs cannot show may use those objects.

use crate::target::Target;
use stockade_deprovision_model::plan::{API_VERSION, Action, KIND, ObjRef, Op, Plan, PlanSource};
use stockade_inventory::{Inventory, ObjectOrigin};
use stockade_model::Finding;

/// How sure a hygiene finding is that its object is unused, from the verdict the rule
/// appends to its message (`(confidence: high: …)`, `stockade_rules::hygiene::helpers`).
pub fn confidence(f: &Finding) -> Option<&str> {
    let i = f.message.rfind("(confidence: ")?;
    let rest = &f.message[i + "(confidence: ".len()..];
    let end = rest.find(':')?;
    Some(&rest[..end])
}

/// Kinds a leftover plan may delete: what the hygiene rules report as unused and a person
/// would remove (never Nodes, Namespaces with content, or cluster-wide roles).
const DELETABLE: &[&str] = &[
    "Secret",
    "ConfigMap",
    "ServiceAccount",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "Service",
    "Role",
    "RoleBinding",
    "HorizontalPodAutoscaler",
    "Namespace",
    "Job",
    "Pod",
    "ReplicaSet",
];

/// The plan of the leftovers among `findings` (objects of `inv`), in `namespace` when given.
pub fn plan(
    inv: &Inventory,
    findings: &[Finding],
    namespace: Option<&str>,
    include_medium: bool,
) -> Plan {
    let mut actions: Vec<Action> = Vec::new();
    let mut notes = Vec::new();
    let mut skipped = 0usize;
    for f in findings {
        let Some(c) = confidence(f) else { continue };
        if !(c == "high" || (include_medium && c == "medium")) {
            skipped += 1;
            continue;
        }
        if !DELETABLE.contains(&f.object.kind.as_str()) {
            continue;
        }
        let Some(o) = inv.get(
            &f.object.kind,
            f.object.namespace.as_deref(),
            &f.object.name,
        ) else {
            continue;
        };
        let r = ObjRef::of(o);
        if actions.iter().any(|a| a.object.identity() == r.identity()) {
            continue;
        }
        let secret = o.kind() == "Secret";
        actions.push(Action {
            op: Op::Delete,
            object: r,
            subjects: Vec::new(),
            reason: format!("{} {}: {}", f.rule_id, f.rule_name, f.message),
            irreversible: secret,
            warning: secret.then(|| {
                "IRREVERSIBLE: undo recreates the Secret without its values (Stockade never stores them)".to_string()
            }),
        });
    }
    if skipped > 0 {
        notes.push(format!(
            "{skipped} leftover(s) of lower confidence are not planned{}",
            if include_medium {
                ""
            } else {
                " (add --plan-medium for medium confidence; low confidence is never planned)"
            }
        ));
    }
    let cluster = inv.objects().iter().find_map(|o| match &o.origin {
        ObjectOrigin::Cluster { cluster } => Some(cluster.clone()),
        ObjectOrigin::File(_) => None,
    });
    if cluster.is_none() {
        notes.push(
            "made from manifests: no uid or resourceVersion is recorded, so apply can only check the objects as they are when it runs; make the plan with --cluster for preconditions".into(),
        );
    }
    if actions.is_empty() {
        notes.push("nothing to do: no leftover of the confidence asked for".into());
    }
    Plan {
        api_version: API_VERSION.into(),
        kind: KIND.into(),
        target: Target::Leftovers(namespace.map(str::to_string)).to_string(),
        source: PlanSource {
            kind: if cluster.is_some() {
                "cluster"
            } else {
                "manifests"
            }
            .into(),
            cluster,
        },
        created_at: stockade_model::time::now_rfc3339(),
        stockade_version: env!("CARGO_PKG_VERSION").into(),
        actions,
        kept: Vec::new(),
        cascade: Vec::new(),
        notes,
        node_reads: Vec::new(),
        certificates: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use stockade_model::{FieldPath, ObjectRef, Severity};

    fn finding(kind: &str, name: &str, confidence: &str) -> Finding {
        Finding {
            rule_id: Cow::Borrowed("HY003"),
            rule_name: Cow::Borrowed("unused-config-map"),
            severity: Severity::Low,
            message: format!(
                "nothing refers to this {kind} (confidence: {confidence}: every namespace was read)"
            ),
            object: ObjectRef {
                api_version: "v1".into(),
                kind: kind.into(),
                namespace: Some("shop".into()),
                name: name.into(),
            },
            location: None,
            field_path: FieldPath::root(),
            remediation: Cow::Borrowed(""),
            controls: Cow::Borrowed(&[]),
            fingerprint: String::new(),
            snippet: None,
            suppression: None,
        }
    }

    #[test]
    fn only_confident_leftovers_of_deletable_kinds_are_planned() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n}\n";
        let loaded = stockade_sources::manifest::load_texts(
            vec![("x.yaml".into(), text.as_bytes().to_vec())],
            &stockade_sources::Limits::default(),
        );
        let (inv, _) = Inventory::from_manifests(loaded);
        let findings = [
            finding("ConfigMap", "a", "high"),
            finding("ConfigMap", "b", "medium"),
            finding("Secret", "s", "high"),
            finding("Node", "n", "high"),
            finding("ConfigMap", "missing", "high"),
        ];
        let p = plan(&inv, &findings, Some("shop"), false);
        let names: Vec<&str> = p.actions.iter().map(|a| a.object.name.as_str()).collect();
        assert_eq!(names, ["a", "s"]);
        assert!(p.actions[1].irreversible && p.actions[1].warning.is_some());
        assert_eq!(p.target, "leftovers:shop");
        assert!(
            p.notes
                .iter()
                .any(|n| n.contains("1 leftover(s) of lower confidence"))
        );
        let p = plan(&inv, &findings, None, true);
        assert_eq!(p.actions.len(), 3);
        assert_eq!(p.target, "leftovers:*");
        assert_eq!(confidence(&findings[1]), Some("medium"));
        // The plan file reads back.
        let back = Plan::from_json(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back.actions.len(), 3);
    }
}
