use crate::hygiene::helpers::{Confidence, Verdict, name_path, older_than, parse_rfc3339};
use crate::{Checker, Family, RuleOption, declare_rule};
use stockade_inventory::Object;
use stockade_model::{FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports PersistentVolumes whose `status.phase` says no claim uses them: `Released` (the
    /// claim was deleted and the reclaim policy kept the volume), `Available` (bound to no
    /// claim) or `Failed` (automatic reclamation failed).
    ///
    /// ## Why is this risky?
    /// A released volume still holds the data of the claim that was deleted: often a database
    /// of an application that was removed. Nothing watches it, and an administrator who clears
    /// its `claimRef` (or a claim that names it in `volumeName`) hands that data to a new owner.
    /// Unbound volumes are also cost and clutter.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: PersistentVolume
    /// metadata: {name: pv-orders}
    /// spec: {persistentVolumeReclaimPolicy: Retain, claimRef: {namespace: shop, name: orders-db}}
    /// status: {phase: Released}
    /// ```
    ///
    /// ## Use instead
    /// Back up what must be kept, wipe or delete the volume in the storage system, then delete
    /// the PersistentVolume.
    ///
    /// ## Options
    /// - `released-days` (default `0`): report a volume only once it has been in its phase
    ///   for this many days, judged from `status.lastPhaseTransitionTime` (Kubernetes 1.29
    ///   and later). A volume without that field is reported whatever its age.
    ///
    /// ## Known limitations
    /// Manifests rarely carry `status`; the rule is for live clusters (and exported objects).
    /// Statically provisioned volumes waiting for a future claim are `Available` by design;
    /// suppress them with a reason.
    ///
    /// ## References
    /// - Kubernetes: Persistent Volumes, "Reclaiming" and "Phase"
    pub static RELEASED_PERSISTENT_VOLUME = Rule {
        id: "HY006",
        name: "released-persistent-volume",
        family: Family::Hygiene,
        severity: Severity::Medium,
        kinds: &["PersistentVolume"],
        controls: &[],
        since: "0.1.0",
        admission: false,
        summary: "PersistentVolume is Released or bound to no claim",
        remediation: "Back up or wipe the data, then delete the volume.",
        options: &[RuleOption {
            name: "released-days",
            help: "Report a volume only after this many days in its phase (from status.lastPhaseTransitionTime).",
            default: "0",
        }],
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(phase) = o.root.at("status.phase").and_then(Node::as_str) else {
        return;
    };
    let days = cx
        .option("released-days")
        .and_then(|v| v.as_f64())
        .filter(|d| d.is_finite() && *d > 0.0);
    if let Some(days) = days
        && let Some(since) = o
            .root
            .at("status.lastPhaseTransitionTime")
            .and_then(Node::as_str)
            .and_then(parse_rfc3339)
        && !older_than(since, days * 24.0)
    {
        return;
    }
    let path = FieldPath::parse("status.phase");
    let claim = o.root.at("spec.claimRef").map(|c| {
        let s = |k: &str| c.get(k).and_then(Node::as_str).unwrap_or("?");
        format!("{}/{}", s("namespace"), s("name"))
    });
    let policy = o
        .root
        .at("spec.persistentVolumeReclaimPolicy")
        .and_then(Node::as_str)
        .unwrap_or("Retain");
    let v = Verdict::new(Confidence::High, "the phase is the API server's own record");
    match phase {
        "Released" => v.report(
            cx,
            o,
            path,
            Severity::Medium,
            &format!(
                "volume is Released: its claim {} was deleted and reclaim policy {policy} kept the data",
                claim.as_deref().unwrap_or("(unknown)")
            ),
        ),
        "Failed" => v.report(
            cx,
            o,
            path,
            Severity::Medium,
            &format!("volume is Failed: automatic reclamation ({policy}) failed and the data may remain"),
        ),
        "Available" => v.report(
            cx,
            o,
            name_path(),
            Severity::Low,
            "volume is Available: no claim is bound to it",
        ),
        _ => {}
    }
}
