use crate::hygiene::helpers::{Confidence, Verdict, is_live, ns};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports ReplicaSets scaled to zero whose Deployment is gone: the owner reference names
    /// a Deployment that is not among the inputs (usually deleted with
    /// `--cascade=orphan`), or there is no owner at all. The Deployment controller prunes old
    /// ReplicaSets beyond `revisionHistoryLimit` only for Deployments that still exist, so
    /// these stay forever.
    ///
    /// Confidence is high for a live cluster whose Deployments of that namespace were all
    /// read, medium from manifests (the Deployment may be in a file that was not given).
    ///
    /// ## Why is this risky?
    /// A leftover ReplicaSet keeps an old pod template, with its image, environment and the
    /// names of the Secrets it mounted. Scaling it up (by mistake or on purpose) runs old,
    /// unpatched code.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ReplicaSet
    /// metadata:
    ///   ownerReferences: [{kind: Deployment, name: api-old, controller: true}]
    /// spec: {replicas: 0}
    /// ```
    ///
    /// ## Use instead
    /// Delete it (`stockade unused --plan` plans it).
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// A ReplicaSet with no owner and zero replicas may be kept on purpose as a manual
    /// rollback point; suppress it with a reason.
    ///
    /// ## References
    /// - Kubernetes: Deployments, "Clean up Policy"; Garbage Collection, "Orphaned dependents"
    pub static ORPHANED_REPLICA_SET = Rule {
        id: "HY016",
        name: "orphaned-replica-set",
        family: Family::Hygiene,
        severity: Severity::Low,
        kinds: &["ReplicaSet"],
        controls: &[Control::nsa("upgrades")],
        since: "0.1.0",
        admission: false,
        summary: "a ReplicaSet scaled to zero whose Deployment is gone",
        remediation: "Delete the ReplicaSet.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let replicas = o.root.at("spec.replicas").and_then(Node::as_i64);
    if replicas != Some(0) {
        return;
    }
    let namespace = ns(o);
    let owner = o
        .owners()
        .find(|r| r.controller || r.kind == Some("Deployment"));
    let what = match owner {
        Some(r) if r.kind == Some("Deployment") => {
            let name = r.name.unwrap_or("");
            if cx.inv.get("Deployment", Some(namespace), name).is_some() {
                return;
            }
            format!("its Deployment {name} is not among the inputs")
        }
        Some(_) => return,
        None => "it has no owner".to_string(),
    };
    let mut v = Verdict::for_object(o);
    if is_live(o) && !cx.inv.read_scope().covers("Deployment", Some(namespace)) {
        v.cap(
            Confidence::Low,
            "the Deployments of its namespace could not all be read",
        );
    }
    v.report(
        cx,
        o,
        FieldPath::parse("spec.replicas"),
        Severity::Low,
        &format!("ReplicaSet is scaled to zero and {what}: nothing will ever prune it"),
    );
}
