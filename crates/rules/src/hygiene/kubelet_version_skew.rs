use crate::hygiene::helpers::minor_version;
use crate::{Checker, Family, RuleOption, declare_rule};
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Compares each Node's `status.nodeInfo.kubeletVersion` with the control plane's version
    /// and reports kubelets more than `max-minor-skew` minor versions older (3 by default, the
    /// Kubernetes version skew policy since 1.28) and kubelets newer than the control plane
    /// (never supported). The control plane's version is the `control-plane-version` option
    /// when set (the API server's version, which `stockade unused --cluster` fills in when it
    /// can), otherwise the newest kubelet's: a lower bound, so skew can only be under-reported.
    ///
    /// ## Why is this risky?
    /// A kubelet far behind the control plane is a node that missed years of security fixes
    /// (kubelet and container runtime CVEs) and is outside the versions upstream tests and
    /// supports; it is often a forgotten machine.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Node
    /// status:
    ///   nodeInfo: {kubeletVersion: v1.27.3}   # control plane at v1.31
    /// ```
    ///
    /// ## Use instead
    /// Upgrade the node (or replace it) to within the supported skew, or drain and delete it.
    ///
    /// ## Options
    /// - `control-plane-version` (default none): the API server's version, e.g. `v1.33.2`.
    /// - `max-minor-skew` (default `3`): how many minor versions a kubelet may lag.
    ///
    /// ## Known limitations
    /// Needs the Node's `status`, so it is for live clusters (and exported objects). Vendor
    /// suffixes (`-eks-…`, `+k3s1`) are ignored; only major.minor are compared.
    ///
    /// ## References
    /// - Kubernetes: Version Skew Policy, "kubelet"
    /// - NSA-CISA Kubernetes Hardening Guide, upgrading and application security practices
    pub static KUBELET_VERSION_SKEW = Rule {
        id: "HY012",
        name: "kubelet-version-skew",
        family: Family::Hygiene,
        severity: Severity::Medium,
        kinds: &["Node"],
        controls: &[Control::nsa("upgrades")],
        since: "0.1.0",
        admission: false,
        summary: "kubelet is outside the supported version skew",
        remediation: "Upgrade or replace the node to within the supported version skew.",
        options: &[
            RuleOption {
                name: "control-plane-version",
                help: "The API server's version (e.g. v1.33.2); default: the newest kubelet's.",
                default: "null",
            },
            RuleOption {
                name: "max-minor-skew",
                help: "How many minor versions a kubelet may lag behind the control plane.",
                default: "3",
            },
        ],
        inventory_check: Some(check),
    };
}

const PATH: &str = "status.nodeInfo.kubeletVersion";

fn check(cx: &mut Checker<'_>) {
    let inv = cx.inv;
    let max = cx
        .option("max-minor-skew")
        .and_then(|v| v.as_u64())
        .unwrap_or(3);
    let configured = cx
        .option("control-plane-version")
        .and_then(|v| v.as_str().map(str::to_string));
    let kubelets: Vec<(&stockade_inventory::Object, &str, (u64, u64))> = inv
        .of_kind("Node")
        .filter_map(|o| {
            let v = o.root.at(PATH).and_then(Node::as_str)?;
            Some((o, v, minor_version(v)?))
        })
        .collect();
    let (reference, what) = match configured
        .as_deref()
        .and_then(|v| Some((v, minor_version(v)?)))
    {
        Some((text, mm)) => (mm, format!("the control plane ({text})")),
        None => match kubelets.iter().max_by_key(|(_, _, mm)| *mm) {
            Some((_, text, mm)) => (
                *mm,
                format!("the newest kubelet ({text}; the API server's version was not given)"),
            ),
            None => return,
        },
    };
    for (o, text, (major, minor)) in &kubelets {
        let path = FieldPath::parse(PATH);
        if (*major, *minor) > reference {
            cx.report(
                o,
                path,
                format!("kubelet {text} is newer than {what}: kubelets must not be newer than kube-apiserver"),
            );
        } else if *major == reference.0 && reference.1.saturating_sub(*minor) > max {
            cx.report(
                o,
                path,
                format!(
                    "kubelet {text} is {} minor versions behind {what}; at most {max} are supported",
                    reference.1 - minor
                ),
            );
        } else if *major != reference.0 {
            cx.report(
                o,
                path,
                format!("kubelet {text} has a different major version than {what}"),
            );
        }
    }
}
