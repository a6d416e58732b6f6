use crate::hygiene::helpers::{Confidence, Verdict, older_than, parse_rfc3339};
use crate::{Checker, Family, RuleOption, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports Pods that ended (phase `Failed`, evicted ones included, or `Succeeded`) more
    /// than `retention-hours` ago (24 by default) and that no Job owns (a Job's pods go with
    /// the Job, see `HY014`). The end is the latest container `finishedAt`, else the pod's
    /// `startTime`.
    ///
    /// ## Why is this risky?
    /// The pod garbage collector only removes ended pods past its threshold (12,500 by
    /// default), so evicted and failed pods stay for months: their specs, environment and logs
    /// stay readable, and they hide real failures in every listing.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Pod
    /// status: {phase: Failed, reason: Evicted, startTime: "2025-01-02T03:04:05Z"}
    /// ```
    ///
    /// ## Use instead
    /// Delete ended pods (`stockade unused --plan` plans them), or lower the controller
    /// manager's `--terminated-pod-gc-threshold`.
    ///
    /// ## Options
    /// - `retention-hours` (default `24`): how long an ended pod may stay.
    ///
    /// ## Known limitations
    /// Needs the Pod's `status`, so it is for live clusters (and exported objects).
    ///
    /// ## References
    /// - Kubernetes: Pod Lifecycle, "Garbage collection of Pods"
    pub static FINISHED_POD = Rule {
        id: "HY015",
        name: "finished-pod",
        family: Family::Hygiene,
        severity: Severity::Low,
        kinds: &["Pod"],
        controls: &[Control::nsa("upgrades")],
        since: "0.1.0",
        admission: false,
        summary: "a Pod ended (failed, evicted or succeeded) long ago and stays",
        remediation: "Delete the ended pod; lower --terminated-pod-gc-threshold if they pile up.",
        options: &[RuleOption {
            name: "retention-hours",
            help: "How many hours an ended Pod may stay before it is reported.",
            default: "24",
        }],
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(phase) = o.root.at("status.phase").and_then(Node::as_str) else {
        return;
    };
    if !matches!(phase, "Failed" | "Succeeded")
        || o.owners().any(|r| r.controller && r.kind == Some("Job"))
    {
        return;
    }
    let hours = cx
        .option("retention-hours")
        .and_then(|v| v.as_f64())
        .filter(|h| h.is_finite() && *h >= 0.0)
        .unwrap_or(24.0);
    let finished = o
        .root
        .at("status.containerStatuses")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|c| c.at("state.terminated.finishedAt").and_then(Node::as_str))
        .filter_map(|t| parse_rfc3339(t).map(|s| (s, t)))
        .max_by_key(|(s, _)| *s);
    let Some((at, when)) = finished.or_else(|| {
        let t = o.root.at("status.startTime").and_then(Node::as_str)?;
        Some((parse_rfc3339(t)?, t))
    }) else {
        return;
    };
    if !older_than(at, hours) {
        return;
    }
    let reason = o
        .root
        .at("status.reason")
        .and_then(Node::as_str)
        .map(|r| format!(", {r}"))
        .unwrap_or_default();
    let v = Verdict::new(Confidence::High, "the Pod's own status says it ended");
    v.report(
        cx,
        o,
        FieldPath::parse("status.phase"),
        Severity::Low,
        &format!("Pod ended ({phase}{reason}) at {when}, more than {hours} h ago"),
    );
}
