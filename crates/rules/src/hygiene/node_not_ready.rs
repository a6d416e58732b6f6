use crate::hygiene::helpers::{older_than, parse_rfc3339};
use crate::{Checker, Family, RuleOption, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports Nodes whose `Ready` condition has been `False` or `Unknown` for longer than
    /// `not-ready-hours` (24 by default), judged from the condition's `lastTransitionTime`.
    ///
    /// ## Why is this risky?
    /// A node that has been gone for a day is usually a machine that was removed without
    /// draining and deleting its Node object. Its kubelet credentials (client certificate,
    /// bootstrap token) may still be valid, its pods keep their names, and when the machine or
    /// its IP address comes back unpatched it rejoins the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Node
    /// status:
    ///   conditions:
    ///   - {type: Ready, status: Unknown, reason: NodeStatusUnknown, lastTransitionTime: "2025-01-02T03:04:05Z"}
    /// ```
    ///
    /// ## Use instead
    /// Drain and delete the Node (`kubectl drain` then `kubectl delete node`), and revoke its
    /// kubelet credentials.
    ///
    /// ## Options
    /// - `not-ready-hours` (default `24`): how long a node must have been NotReady.
    ///
    /// ## Known limitations
    /// Needs the Node's `status`, so it is for live clusters (and exported objects). The clock of
    /// the machine running Stockade is compared with the API server's timestamps.
    ///
    /// ## References
    /// - Kubernetes: Nodes, "Node status" and "Graceful node shutdown"
    pub static NODE_NOT_READY = Rule {
        id: "HY011",
        name: "node-not-ready",
        family: Family::Hygiene,
        severity: Severity::Medium,
        kinds: &["Node"],
        controls: &[Control::nsa("upgrades")],
        since: "0.1.0",
        admission: false,
        summary: "node has been NotReady for a long time",
        remediation: "Drain and delete the node, and revoke its kubelet credentials.",
        options: &[RuleOption {
            name: "not-ready-hours",
            help: "How many hours a node must have been NotReady before it is reported.",
            default: "24",
        }],
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let hours = cx
        .option("not-ready-hours")
        .and_then(|v| v.as_f64())
        .filter(|h| h.is_finite() && *h >= 0.0)
        .unwrap_or(24.0);
    let Some(conds) = o.root.at("status.conditions") else {
        return;
    };
    for (i, c) in conds.items().iter().enumerate() {
        if c.get("type").and_then(Node::as_str) != Some("Ready") {
            continue;
        }
        let status = c.get("status").and_then(Node::as_str).unwrap_or("");
        if status == "True" {
            return;
        }
        let Some(since_text) = c.get("lastTransitionTime").and_then(Node::as_str) else {
            return;
        };
        let Some(since) = parse_rfc3339(since_text) else {
            return;
        };
        if !older_than(since, hours) {
            return;
        }
        let reason = c
            .get("reason")
            .and_then(Node::as_str)
            .map(|r| format!(", {r}"))
            .unwrap_or_default();
        cx.report(
            o,
            FieldPath::parse("status.conditions").index(i).key("status"),
            format!(
                "node has been NotReady (Ready={status}{reason}) since {since_text}, more than {hours} h; it is probably gone"
            ),
        );
        return;
    }
}
