use crate::hygiene::helpers::{Confidence, Verdict, older_than, parse_rfc3339};
use crate::{Checker, Family, RuleOption, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports Jobs that finished (condition `Complete` or `Failed`) more than `retention-days`
    /// ago (7 by default) and that nothing will clean up: no `ttlSecondsAfterFinished`, and not
    /// made by a CronJob (whose history limits prune its Jobs). The finish time is
    /// `status.completionTime`, else the condition's `lastTransitionTime`.
    ///
    /// ## Why is this risky?
    /// Finished Jobs and their pods pile up: they keep their pods' logs, environment and
    /// mounted Secrets' names readable to anyone who can read pods, hold quota, and hide the
    /// Jobs that matter in every listing.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Job
    /// status:
    ///   completionTime: "2025-01-02T03:04:05Z"
    ///   conditions: [{type: Complete, status: "True"}]
    /// ```
    ///
    /// ## Use instead
    /// Delete it (`stockade unused --plan` plans it), and set `ttlSecondsAfterFinished` so
    /// the TTL controller removes finished Jobs and their pods.
    ///
    /// ## Options
    /// - `retention-days` (default `7`): how long a finished Job may stay.
    ///
    /// ## Known limitations
    /// Needs the Job's `status`, so it is for live clusters (and exported objects). The clock of
    /// the machine running Stockade is compared with the API server's timestamps.
    ///
    /// ## References
    /// - Kubernetes: Jobs, "Clean up finished jobs automatically" and "TTL-after-finished controller"
    pub static FINISHED_JOB = Rule {
        id: "HY014",
        name: "finished-job",
        family: Family::Hygiene,
        severity: Severity::Low,
        kinds: &["Job"],
        controls: &[Control::nsa("upgrades")],
        since: "0.1.0",
        admission: false,
        summary: "a Job finished long ago and nothing will clean it up",
        remediation: "Delete the Job (its pods go with it) and set ttlSecondsAfterFinished on Jobs.",
        options: &[RuleOption {
            name: "retention-days",
            help: "How many days a finished Job may stay before it is reported.",
            default: "7",
        }],
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if o.root.at("spec.ttlSecondsAfterFinished").is_some()
        || o.owners()
            .any(|r| r.controller && r.kind == Some("CronJob"))
    {
        return;
    }
    let days = cx
        .option("retention-days")
        .and_then(|v| v.as_f64())
        .filter(|d| d.is_finite() && *d >= 0.0)
        .unwrap_or(7.0);
    let conds = o
        .root
        .at("status.conditions")
        .map(Node::items)
        .unwrap_or(&[]);
    let Some((i, kind, c)) = conds.iter().enumerate().find_map(|(i, c)| {
        let t = c.get("type").and_then(Node::as_str)?;
        (matches!(t, "Complete" | "Failed")
            && c.get("status").and_then(Node::as_str) == Some("True"))
        .then_some((i, t, c))
    }) else {
        return;
    };
    let (when, path) = match o.root.at("status.completionTime").and_then(Node::as_str) {
        Some(t) => (t, FieldPath::parse("status.completionTime")),
        None => match c.get("lastTransitionTime").and_then(Node::as_str) {
            Some(t) => (
                t,
                FieldPath::parse("status.conditions").index(i).key("type"),
            ),
            None => return,
        },
    };
    let Some(at) = parse_rfc3339(when) else {
        return;
    };
    if !older_than(at, days * 24.0) {
        return;
    }
    let v = Verdict::new(
        Confidence::High,
        "the Job's own status says it finished, and neither a TTL nor a CronJob will remove it",
    );
    v.report(
        cx,
        o,
        path,
        Severity::Low,
        &format!("Job finished ({kind}) at {when}, more than {days} days ago"),
    );
}
