use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags ports of remote-administration and infrastructure services that do not belong in an
    /// application pod: 22 (SSH), 23 (Telnet), 2375 (Docker API without TLS), 2376 (Docker API),
    /// 2379 and 2380 (etcd client and peer), 3389 (RDP), 10250 (kubelet API) and 10255 (kubelet
    /// read-only API). It reads
    ///
    /// - workloads: `containerPort` of containers and init containers (the port the service
    ///   listens on; publishing any port on the node with `hostPort` is WL012 `host-port`'s
    ///   concern);
    /// - Services: `port`, or `targetPort` when the port itself is not sensitive (Services of type
    ///   `ExternalName` proxy nothing and are skipped).
    ///
    /// Telnet and the plain Docker API are high severity, as is any sensitive port published by
    /// a `LoadBalancer` Service.
    ///
    /// ## Why is this risky?
    /// These services hand out shells, container control or cluster state. An SSH or RDP server
    /// in a container is a second, unmonitored way in that bypasses `kubectl exec` auditing; a
    /// Docker or kubelet API lets whoever reaches it start containers on the node; etcd holds
    /// every Secret of the cluster. A `hostPort`, `hostNetwork` or a `LoadBalancer` puts them on
    /// the node's or the internet's network.
    ///
    /// 6443 (the Kubernetes API server) is not flagged: the API server authenticates every
    /// request and the built-in `kubernetes` Service targets it.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   ports:
    ///   - containerPort: 22
    ///     hostPort: 2222
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.4.2
    ///   ports:
    ///   - containerPort: 8080
    /// # and use `kubectl exec` or `kubectl debug` for shell access
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Only declared ports are seen: a process may listen on a port the manifest does not
    /// declare, and a service may run on a non-standard port. Named `targetPort`s are not
    /// resolved. etcd and node agents that legitimately use these ports should be suppressed with
    /// a reason.
    ///
    /// ## References
    /// - Kubernetes: "Controlling Access to the Kubernetes API" and "Kubelet authentication/authorization"
    /// - Kubernetes: "Operating etcd clusters for Kubernetes", "Securing etcd clusters"
    /// - MITRE ATT&CK T1133, "External Remote Services"
    pub static SENSITIVE_PORT_EXPOSED = Rule {
        id: "WL045",
        name: "sensitive-port-exposed",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: &stockade_model::kinds::concat::<10>(&[
            stockade_model::kinds::WORKLOAD_KINDS,
            &["Service"],
        ]),
        controls: &[Control::nsa("network/network-policies"), Control::mitre("T1133"), Control::mitre("T1609")],
        since: "0.1.0",
        summary: "remote-administration or infrastructure port exposed",
        remediation: "Remove the port (use `kubectl exec`/`kubectl debug` instead of SSH/RDP) or keep the service off application pods and Services.",
        check: check,
    };
}

/// Sensitive ports: number, service, and a severity when it differs from the rule's.
const PORTS: &[(i64, &str, Option<Severity>)] = &[
    (22, "SSH", None),
    (23, "Telnet", Some(Severity::High)),
    (2375, "Docker API without TLS", Some(Severity::High)),
    (2376, "Docker API", None),
    (2379, "etcd client API", None),
    (2380, "etcd peer API", None),
    (3389, "RDP", None),
    (10250, "kubelet API", None),
    (10255, "kubelet read-only API", None),
];

fn sensitive(port: Option<&Node>) -> Option<(i64, &'static str, Option<Severity>)> {
    let p = port?.as_i64()?;
    PORTS
        .iter()
        .find(|(n, _, _)| *n == p)
        .map(|&(n, what, sev)| (n, what, sev))
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if o.kind() == "Service" {
        check_service(cx, o);
        return;
    }
    let Some(pod) = cx.pod_spec(o) else { return };
    let host_network = pod.get("hostNetwork").and_then(Node::as_bool) == Some(true);
    for c in pod.containers() {
        let base = c.path.key("ports");
        for (i, p) in c
            .node
            .get("ports")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let Some((n, what, sev)) = sensitive(p.get("containerPort")) else {
                continue;
            };
            let on = match p.get("hostPort").and_then(Node::as_i64).filter(|h| *h > 0) {
                _ if host_network => " on the node's network (hostNetwork)".to_string(),
                Some(h) => format!(", published on the node as host port {h}"),
                None => String::new(),
            };
            let message = format!("{} exposes port {n} ({what}){on}", c.describe());
            report(cx, o, base.index(i).key("containerPort"), sev, message);
        }
    }
}

fn check_service(cx: &mut Checker<'_>, o: &Object) {
    let kind = o
        .root
        .at("spec.type")
        .and_then(Node::as_str)
        .unwrap_or("ClusterIP");
    if kind == "ExternalName" {
        return;
    }
    let public = kind == "LoadBalancer";
    let scope = if public {
        " through a LoadBalancer"
    } else {
        ""
    };
    let base = FieldPath::parse("spec.ports");
    for (i, p) in o
        .root
        .at("spec.ports")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let (path, sev, message) = if let Some((n, what, sev)) = sensitive(p.get("port")) {
            (
                base.index(i).key("port"),
                sev,
                format!("service exposes port {n} ({what}){scope}"),
            )
        } else if let Some((n, what, sev)) = sensitive(p.get("targetPort")) {
            let port = p.get("port").and_then(Node::as_i64).unwrap_or(n);
            let message = format!("service exposes target port {n} ({what}) as port {port}{scope}");
            (base.index(i).key("targetPort"), sev, message)
        } else {
            continue;
        };
        report(
            cx,
            o,
            path,
            if public { Some(Severity::High) } else { sev },
            message,
        );
    }
}

fn report(
    cx: &mut Checker<'_>,
    o: &Object,
    path: FieldPath,
    sev: Option<Severity>,
    message: String,
) {
    match sev {
        Some(s) => cx.report_with_severity(o, path, s, message),
        None => cx.report(o, path, message),
    }
}
