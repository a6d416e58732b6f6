use crate::hygiene::helpers::minor_version;
use crate::{Checker, Family, RuleOption, declare_rule};
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Checks the Kubernetes version skew policy between the components it can see:
    /// - each Node's kubelet (`status.nodeInfo.kubeletVersion`) and each kube-proxy (the image
    ///   tag of its Pods, or of its DaemonSet when no Pod is listed): never newer than the
    ///   oldest API server, at most `max-minor-skew` minors behind the newest (3 since 1.28, 2
    ///   before), and a kube-proxy within three minors of the kubelet on its node;
    /// - kube-controller-manager and kube-scheduler (their Pods' image tags): never newer than
    ///   the oldest API server, at most one minor behind the newest;
    /// - the API servers of an HA control plane (kube-apiserver Pods): at most one minor apart.
    ///
    /// The API servers' versions are the `control-plane-version` option (the API server's
    /// version, which `stockade scan --cluster` fills in) and every kube-apiserver Pod's image
    /// tag; with neither, the newest kubelet's version stands in: a lower bound, so skew can
    /// only be under-reported.
    ///
    /// ## Why is this risky?
    /// A kubelet far behind the control plane is a node that missed years of security fixes
    /// (kubelet and container runtime CVEs) and is outside the versions upstream tests and
    /// supports; it is often a forgotten machine. Components outside the policy break in ways
    /// nobody tested, typically during the next upgrade.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Node
    /// status:
    ///   nodeInfo: {kubeletVersion: v1.27.3}   # control plane at v1.31
    /// ```
    ///
    /// ## Use instead
    /// Upgrade the node (or replace it) to within the supported skew, or drain and delete it;
    /// upgrade the control plane's components together, one minor at a time.
    ///
    /// ## Options
    /// - `control-plane-version` (default none): the API server's version, e.g. `v1.33.2`.
    /// - `nodes-only` (default `false`): judge only kubelets and kube-proxies against
    ///   `control-plane-version`; `stockade upgrade-check` sets it, with the target release.
    /// - `max-minor-skew` (default `3`, or `2` for a control plane older than 1.28): how many
    ///   minor versions a kubelet or kube-proxy may lag.
    ///
    /// ## Known limitations
    /// Needs the Node's `status` and the control plane's Pods, so it is for live clusters (and
    /// exported objects); managed control planes (EKS, GKE, AKS) show no control-plane Pods,
    /// only the API server's version. Components are recognised by their image's repository
    /// name (`kube-apiserver`, `kube-controller-manager`, `kube-scheduler`, `kube-proxy`).
    /// Vendor suffixes (`-eks-…`, `+k3s1`) are ignored; only major.minor are compared.
    /// kubectl's skew is read from audit logs by `stockade upgrade-check`.
    ///
    /// ## References
    /// - Kubernetes: Version Skew Policy
    /// - NSA-CISA Kubernetes Hardening Guide, upgrading and application security practices
    pub static VERSION_SKEW = Rule {
        id: "HY012",
        name: "version-skew",
        family: Family::Hygiene,
        severity: Severity::Medium,
        kinds: &["Node", "Pod", "DaemonSet", "Deployment"],
        controls: &[Control::nsa("upgrades")],
        since: "0.1.0",
        admission: false,
        summary: "a kubelet, kube-proxy or control-plane component is outside the supported version skew",
        remediation: "Upgrade (or replace) the component to within the supported version skew; upgrade the control plane one minor at a time.",
        options: &[
            RuleOption {
                name: "control-plane-version",
                help: "The API server's version (e.g. v1.33.2); default: the newest kubelet's.",
                default: "null",
            },
            RuleOption {
                name: "nodes-only",
                help: "Judge only kubelets and kube-proxies against control-plane-version (what an upgrade of the control plane to that version leaves behind).",
                default: "false",
            },
            RuleOption {
                name: "max-minor-skew",
                help: "How many minor versions a kubelet or kube-proxy may lag behind the control plane (default 3; 2 before 1.28).",
                default: "null",
            },
        ],
        inventory_check: Some(check),
    };
}

const PATH: &str = "status.nodeInfo.kubeletVersion";

/// Control-plane components and kube-proxy, known by their image's repository name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Component {
    ApiServer,
    ControllerManager,
    Scheduler,
    Proxy,
}

impl Component {
    fn of_image(image: &str) -> Option<(Component, &str)> {
        let image = image.split('@').next().unwrap_or(image);
        let (repo, tag) = image.rsplit_once(':').filter(|(r, _)| !r.ends_with('/'))?;
        let name = repo.rsplit('/').next().unwrap_or(repo);
        let c = match name {
            "kube-apiserver" | "kube-apiserver-amd64" | "kube-apiserver-arm64" => {
                Component::ApiServer
            }
            "kube-controller-manager" | "kube-controller-manager-amd64" => {
                Component::ControllerManager
            }
            "kube-scheduler" | "kube-scheduler-amd64" => Component::Scheduler,
            "kube-proxy" | "kube-proxy-amd64" => Component::Proxy,
            _ => return None,
        };
        Some((c, tag))
    }

    fn name(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Proxy => "kube-proxy",
        }
    }
}

/// One component's version, where it was read.
struct Seen<'o> {
    object: &'o stockade_inventory::Object,
    path: FieldPath,
    text: String,
    mm: (u64, u64),
    component: Component,
    /// The node a kube-proxy Pod runs on.
    node: Option<&'o str>,
}

/// Component versions from running Pods' images; from workload templates (DaemonSets,
/// Deployments) only for a component no Pod shows, so one version is not counted twice.
fn components(inv: &stockade_inventory::Inventory) -> Vec<Seen<'_>> {
    let mut pods = Vec::new();
    let mut templates = Vec::new();
    for o in inv.objects() {
        let is_pod = o.kind() == "Pod";
        if !is_pod && !matches!(o.kind(), "DaemonSet" | "Deployment") {
            continue;
        }
        let Some(view) = stockade_inventory::PodSpecView::of(o) else {
            continue;
        };
        for c in view.containers() {
            let Some((component, tag)) = c.image().and_then(Component::of_image) else {
                continue;
            };
            let Some(mm) = minor_version(tag) else {
                continue;
            };
            let seen = Seen {
                object: o,
                path: c.path_of("image"),
                text: tag.to_string(),
                mm,
                component,
                node: if is_pod {
                    o.root.at("spec.nodeName").and_then(Node::as_str)
                } else {
                    None
                },
            };
            if is_pod {
                pods.push(seen);
            } else {
                templates.push(seen);
            }
        }
    }
    templates.retain(|t| !pods.iter().any(|p| p.component == t.component));
    pods.extend(templates);
    pods
}

fn check(cx: &mut Checker<'_>) {
    let inv = cx.inv;
    let configured_max = cx.option("max-minor-skew").and_then(|v| v.as_u64());
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
    let nodes_only = cx.option_bool("nodes-only");
    let mut seen = components(inv);
    if nodes_only {
        seen.retain(|s| s.component == Component::Proxy);
    }
    let apiservers: Vec<&Seen<'_>> = seen
        .iter()
        .filter(|s| s.component == Component::ApiServer)
        .collect();

    // The API servers: the version given, and every kube-apiserver Pod. An HA set may span
    // one minor; the oldest bounds what may be newer, the newest what may lag.
    let mut api: Vec<((u64, u64), String)> = apiservers
        .iter()
        .map(|s| (s.mm, format!("kube-apiserver {}", s.text)))
        .collect();
    if let Some((text, mm)) = configured
        .as_deref()
        .and_then(|v| Some((v, minor_version(v)?)))
    {
        api.push((mm, format!("the control plane ({text})")));
    }
    let (oldest, newest) = match (
        api.iter().min_by_key(|(mm, _)| *mm),
        api.iter().max_by_key(|(mm, _)| *mm),
    ) {
        (Some(o), Some(n)) => (o.clone(), n.clone()),
        _ => match kubelets.iter().max_by_key(|(_, _, mm)| *mm) {
            Some((_, text, mm)) => {
                let r = (
                    *mm,
                    format!("the newest kubelet ({text}; the API server's version was not given)"),
                );
                (r.clone(), r)
            }
            None => return,
        },
    };
    // Since 1.28 nodes may lag three minors; before, two.
    let max = configured_max.unwrap_or(if newest.0.1 >= 28 { 3 } else { 2 });

    if newest.0.0 == oldest.0.0 && newest.0.1.saturating_sub(oldest.0.1) > 1 {
        for s in apiservers.iter().filter(|s| s.mm == oldest.0) {
            cx.report(
                s.object,
                s.path.clone(),
                format!(
                    "kube-apiserver {} is {} minor versions behind {}: the API servers of an HA control plane may differ by at most one",
                    s.text,
                    newest.0 .1 - s.mm.1,
                    newest.1
                ),
            );
        }
    }

    // kubelets and kube-proxies: never newer than the oldest API server, at most `max`
    // behind the newest.
    let node_lag = |cx: &mut Checker<'_>,
                    o: &stockade_inventory::Object,
                    path: FieldPath,
                    what: &str,
                    text: &str,
                    mm: (u64, u64)| {
        if mm.0 != newest.0.0 {
            cx.report(
                o,
                path,
                format!(
                    "{what} {text} has a different major version than {}",
                    newest.1
                ),
            );
        } else if mm > oldest.0 {
            cx.report(
                o,
                path,
                format!(
                    "{what} {text} is newer than {}: {what} must not be newer than kube-apiserver",
                    oldest.1
                ),
            );
        } else if newest.0.1.saturating_sub(mm.1) > max {
            cx.report(
                o,
                path,
                format!(
                    "{what} {text} is {} minor versions behind {}; at most {max} are supported",
                    newest.0.1 - mm.1,
                    newest.1
                ),
            );
        }
    };
    for (o, text, mm) in &kubelets {
        node_lag(cx, o, FieldPath::parse(PATH), "kubelet", text, *mm);
    }
    for s in &seen {
        match s.component {
            Component::ApiServer => {}
            Component::Proxy => {
                node_lag(cx, s.object, s.path.clone(), "kube-proxy", &s.text, s.mm);
                // And within three minors of the kubelet beside it.
                if let Some((_, ktext, kmm)) = s
                    .node
                    .and_then(|n| kubelets.iter().find(|(o, _, _)| o.name() == n))
                    && kmm.0 == s.mm.0
                    && kmm.1.abs_diff(s.mm.1) > 3
                {
                    cx.report(
                        s.object,
                        s.path.clone(),
                        format!(
                            "kube-proxy {} is {} minor versions from the kubelet beside it ({ktext}); at most 3 are supported",
                            s.text,
                            kmm.1.abs_diff(s.mm.1)
                        ),
                    );
                }
            }
            Component::ControllerManager | Component::Scheduler => {
                let name = s.component.name();
                if s.mm.0 != newest.0.0 {
                    cx.report(
                        s.object,
                        s.path.clone(),
                        format!(
                            "{name} {} has a different major version than {}",
                            s.text, newest.1
                        ),
                    );
                } else if s.mm > oldest.0 {
                    cx.report(
                        s.object,
                        s.path.clone(),
                        format!(
                            "{name} {} is newer than {}: it must not be newer than the API servers it talks to",
                            s.text, oldest.1
                        ),
                    );
                } else if newest.0.1.saturating_sub(s.mm.1) > 1 {
                    cx.report(
                        s.object,
                        s.path.clone(),
                        format!(
                            "{name} {} is {} minor versions behind {}; at most one is supported",
                            s.text,
                            newest.0.1 - s.mm.1,
                            newest.1
                        ),
                    );
                }
            }
        }
    }
}
