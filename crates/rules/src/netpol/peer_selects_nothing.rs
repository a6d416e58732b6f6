use crate::netpol::helpers::{KINDS, NAMESPACES_AND_POD_MAKERS};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};
use stockade_netpol::PeerKind;

declare_rule! {
    /// ## What it does
    /// Flags `from`/`to` peers whose selectors match no pod. A peer with only a `podSelector`
    /// is judged when its namespace (the policy's) holds workloads among the inputs; a peer with
    /// a `namespaceSelector` is judged only on a live cluster, where every namespace is known,
    /// and only when the pods of every namespace it selects were read (a scan of one namespace
    /// does not judge peers in others). A workload's pod template stands for its pods: a
    /// requirement on a label its controller adds to each pod (`pod-template-hash`,
    /// `statefulset.kubernetes.io/pod-name`, …) is not held against the template.
    ///
    /// ## Why is this risky?
    /// A peer that matches nothing allows nothing: the traffic the author meant to allow is
    /// blocked, and the usual "fix" under pressure is to widen the policy until it allows
    /// everything. It is almost always a label typo, or a selector on the wrong level (a pod
    /// label in a `namespaceSelector`).
    ///
    /// ## Example
    /// ```yaml
    /// ingress:
    /// - from:
    ///   - podSelector:
    ///       matchLabels: {app: fronted}   # typo for frontend
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ingress:
    /// - from:
    ///   - podSelector:
    ///       matchLabels: {app: frontend}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Pods that do not exist yet (a client deployed later) are reported too; suppress with a
    /// reason. Manifests cannot show other namespaces' pods, so cross-namespace peers are only
    /// judged on a live cluster.
    ///
    /// ## References
    /// - Kubernetes: Network Policies, "Behavior of to and from selectors"
    pub static PEER_SELECTS_NOTHING = Rule {
        id: "NP005",
        name: "peer-selects-nothing",
        family: Family::Network,
        severity: Severity::Low,
        kinds: KINDS,
        needs: NAMESPACES_AND_POD_MAKERS,
        controls: &[Control::nsa("network/network-policies")],
        since: "0.1.0",
        admission: false,
        summary: "NetworkPolicy peer selects no pods (likely a label typo)",
        remediation: "Fix the peer's selectors so they match the labels of the intended pods (and namespaces), or remove the peer.",
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let m = cx.netpol();
    for p in &m.policies {
        for (ingress, dir) in [(true, "from"), (false, "to")] {
            for r in p.rules(ingress) {
                for peer in &r.peers {
                    let PeerKind::Pods { namespaces, .. } = &peer.kind else {
                        continue;
                    };
                    // Only from pods that were read: on a live cluster, every namespace the
                    // peer can select must have been read (`scan -n NS` reads one).
                    let judged = if m.live {
                        m.peer_complete(p, peer)
                    } else if namespaces.is_some() {
                        false
                    } else {
                        !m.workloads_in(&p.namespace).is_empty()
                    };
                    if !judged || m.peer_may_match_any(p, peer) {
                        continue;
                    }
                    cx.report(
                        p.object,
                        peer.path.clone(),
                        format!("`{dir}` peer ({peer}) matches no pod, so it allows nothing"),
                    );
                }
            }
        }
    }
}
