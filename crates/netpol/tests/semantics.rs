//! One test per rule of the NetworkPolicy v1 semantics the engine implements.

mod common;

use stockade_netpol::{Endpoint, Matrix, Model, Protocol};

use Protocol::{Sctp, Tcp, Udp};

const PODS: &str = "
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: app, labels: {role: client}}
spec:
  containers: [{name: c, image: c}]
status: {podIP: 10.1.0.1, podIPs: [{ip: 10.1.0.1}, {ip: 'fd00::1'}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: server, namespace: app}
spec:
  template:
    metadata: {labels: {role: server}}
    spec:
      containers:
      - name: s
        image: s
        ports:
        - {name: http, containerPort: 8080}
        - {name: dns, containerPort: 53, protocol: UDP}
        - {name: sig, containerPort: 3868, protocol: SCTP}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: other, namespace: elsewhere}
spec:
  template:
    metadata: {labels: {role: client}}
    spec:
      containers: [{name: o, image: o}]
";

fn world(policies: &str) -> String {
    format!("{PODS}---\n{policies}")
}

/// The ports `from` may use to reach `to`, from both the evaluator and the matrix (which must
/// agree).
fn ports(yaml: &str, from: &str, to: &str) -> stockade_netpol::PortSet {
    let inv = common::inventory(yaml);
    let m = Model::build(&inv);
    let (f, t) = (m.find(from).unwrap(), m.find(to).unwrap());
    let v = m
        .reach(&Endpoint::Workload(f), &Endpoint::Workload(t))
        .allowed;
    assert_eq!(&v, Matrix::compute(&m).get(f, t), "matrix disagrees");
    v
}

fn np(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {spec}\n---\n"
    )
}

#[test]
fn no_policy_means_everything_is_allowed() {
    assert!(ports(&world(""), "app/client", "app/server").is_all());
}

#[test]
fn policy_types_default_to_ingress_plus_egress_when_egress_rules_exist() {
    // No policyTypes, no egress rules: ingress only, so the selected server can still send.
    let y = world(&np("app", "p", "{podSelector: {}}"));
    assert!(ports(&y, "app/client", "app/server").is_empty());
    assert!(ports(&y, "app/server", "elsewhere/other").is_all());
    // `egress: []` is no egress rule: still ingress only.
    let y = world(&np("app", "p", "{podSelector: {}, egress: []}"));
    assert!(ports(&y, "app/server", "elsewhere/other").is_all());
    // Egress rules make Egress implied: the server may only send to port 443.
    let y = world(&np(
        "app",
        "p",
        "{podSelector: {matchLabels: {role: server}}, egress: [{ports: [{port: 443}]}]}",
    ));
    assert_eq!(
        ports(&y, "app/server", "elsewhere/other").to_string(),
        "TCP 443"
    );
    // Explicit [Egress] ignores ingress rules entirely (ingress stays open).
    let y = world(&np(
        "app",
        "p",
        "{podSelector: {}, policyTypes: [Egress], ingress: [{ports: [{port: 1}]}]}",
    ));
    assert!(ports(&y, "elsewhere/other", "app/server").is_all());
}

#[test]
fn missing_pod_selector_selects_every_pod() {
    let y = world(&np("app", "p", "{policyTypes: [Ingress]}"));
    assert!(ports(&y, "elsewhere/other", "app/client").is_empty());
    assert!(ports(&y, "elsewhere/other", "app/server").is_empty());
}

#[test]
fn isolation_is_per_direction_and_both_ends_must_allow() {
    let y = world(&format!(
        "{}{}",
        np(
            "app",
            "out",
            "{podSelector: {matchLabels: {role: client}}, policyTypes: [Egress], egress: [{ports: [{port: 8080}, {port: 9000}]}]}"
        ),
        np(
            "app",
            "in",
            "{podSelector: {matchLabels: {role: server}}, ingress: [{ports: [{port: 8080}, {port: 7000}]}]}"
        )
    ));
    assert_eq!(
        ports(&y, "app/client", "app/server").to_string(),
        "TCP 8080"
    );
}

#[test]
fn policies_are_a_union() {
    let y = world(&format!(
        "{}{}",
        np(
            "app",
            "a",
            "{podSelector: {}, ingress: [{ports: [{port: 80}]}]}"
        ),
        np(
            "app",
            "b",
            "{podSelector: {matchLabels: {role: server}}, ingress: [{ports: [{port: 81, protocol: UDP}]}]}"
        )
    ));
    assert_eq!(
        ports(&y, "elsewhere/other", "app/server").to_string(),
        "TCP 80; UDP 81"
    );
    assert_eq!(
        ports(&y, "elsewhere/other", "app/client").to_string(),
        "TCP 80"
    );
}

#[test]
fn peers_pod_selector_alone_is_the_policy_namespace() {
    let y = world(&np(
        "app",
        "p",
        "{podSelector: {matchLabels: {role: server}}, ingress: [{from: [{podSelector: {matchLabels: {role: client}}}]}]}",
    ));
    assert!(ports(&y, "app/client", "app/server").is_all());
    // Same labels, other namespace: not matched.
    assert!(ports(&y, "elsewhere/other", "app/server").is_empty());
}

#[test]
fn peers_namespace_selector_and_pod_selector_combined_versus_separate() {
    let both = "{podSelector: {matchLabels: {role: server}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: elsewhere}}, podSelector: {matchLabels: {role: client}}}]}]}";
    let y = world(&np("app", "p", both));
    assert!(ports(&y, "elsewhere/other", "app/server").is_all());
    assert!(ports(&y, "app/client", "app/server").is_empty());
    let separate = "{podSelector: {matchLabels: {role: server}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: elsewhere}}}, {podSelector: {matchLabels: {role: client}}}]}]}";
    let y = world(&np("app", "p", separate));
    assert!(ports(&y, "elsewhere/other", "app/server").is_all());
    assert!(ports(&y, "app/client", "app/server").is_all());
}

#[test]
fn empty_from_and_empty_namespace_selector_match_everyone() {
    for peers in ["from: []", "from: [{namespaceSelector: {}}]"] {
        let y = world(&np(
            "app",
            "p",
            &format!("{{podSelector: {{}}, ingress: [{{{peers}}}]}}"),
        ));
        assert!(
            ports(&y, "elsewhere/other", "app/server").is_all(),
            "{peers}"
        );
    }
}

#[test]
fn implicit_namespace_name_label_exists_without_a_namespace_object() {
    let y = world(&np(
        "app",
        "p",
        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [elsewhere]}]}}]}]}",
    ));
    assert!(ports(&y, "elsewhere/other", "app/server").is_all());
    assert!(ports(&y, "app/client", "app/server").is_empty());
}

#[test]
fn named_ports_resolve_per_destination_with_their_protocol() {
    let y = world(&np(
        "app",
        "p",
        "{podSelector: {}, ingress: [{ports: [{port: http}, {port: dns, protocol: UDP}, {port: dns}]}]}",
    ));
    // `dns` with the default TCP matches no TCP port named dns.
    assert_eq!(
        ports(&y, "elsewhere/other", "app/server").to_string(),
        "TCP 8080; UDP 53"
    );
    // The client declares no ports: nothing resolves, so nothing is allowed.
    assert!(ports(&y, "elsewhere/other", "app/client").is_empty());
    // Egress named ports resolve against the destination too.
    let y = world(&np(
        "app",
        "p",
        "{podSelector: {matchLabels: {role: client}}, policyTypes: [Egress], egress: [{ports: [{port: http}]}]}",
    ));
    assert_eq!(
        ports(&y, "app/client", "app/server").to_string(),
        "TCP 8080"
    );
    assert!(ports(&y, "app/client", "elsewhere/other").is_empty());
}

#[test]
fn end_port_is_an_inclusive_range() {
    let y = world(&np(
        "app",
        "p",
        "{podSelector: {}, ingress: [{ports: [{port: 8000, endPort: 8080}, {protocol: SCTP}]}]}",
    ));
    let p = ports(&y, "elsewhere/other", "app/server");
    assert!(p.contains(Tcp, 8000) && p.contains(Tcp, 8080) && !p.contains(Tcp, 8081));
    assert!(!p.contains(Udp, 8000) && p.contains(Sctp, 1));
}

#[test]
fn ip_blocks_with_except_match_external_addresses_and_known_pod_ips() {
    let inv = common::inventory(&world(&format!(
        "{}{}",
        np(
            "app",
            "in",
            "{podSelector: {matchLabels: {role: server}}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.2.0.0/16]}}]}]}"
        ),
        np(
            "elsewhere",
            "out",
            "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 'fd00::/64'}}]}]}"
        )
    )));
    let m = Model::build(&inv);
    let server = Endpoint::Workload(m.find("app/server").unwrap());
    let ext = |s: &str| Endpoint::External(s.parse().unwrap());
    assert!(m.reach(&ext("10.9.9.9"), &server).allowed.is_all());
    assert!(m.reach(&ext("10.2.3.4"), &server).allowed.is_empty());
    assert!(m.reach(&ext("192.0.2.1"), &server).allowed.is_empty());
    // The client pod's known IP 10.1.0.1 is in the block.
    let client = Endpoint::Workload(m.find("app/client").unwrap());
    assert!(m.reach(&client, &server).allowed.is_all());
    // `other` may only send to fd00::/64: the client's second IP is in it; the server's IP is
    // unknown (a template), so no ipBlock can match the server.
    let other = Endpoint::Workload(m.find("elsewhere/other").unwrap());
    assert!(m.reach(&other, &client).allowed.is_all());
    assert!(m.reach(&other, &server).allowed.is_empty());
}

#[test]
fn host_network_pods_are_neither_selected_nor_matched() {
    let y = format!(
        "{}---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent, namespace: app}}\nspec:\n  template:\n    metadata: {{labels: {{role: client}}}}\n    spec:\n      hostNetwork: true\n      containers: [{{name: a, image: a}}]\n---\n{}",
        PODS,
        np(
            "app",
            "p",
            "{podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {role: client}}}]}]}"
        )
    );
    assert!(ports(&y, "app/agent", "app/server").is_empty());
    assert!(ports(&y, "elsewhere/other", "app/agent").is_all());
}

#[test]
fn controllers_represent_their_pods_and_missing_namespaces_are_default() {
    let y = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: w, image: w}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d9c
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u, controller: true}]
spec:
  template:
    metadata: {labels: {app: web, pod-template-hash: 5d9c}}
    spec: {containers: [{name: w, image: w}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5d9c-x1
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, uid: u, controller: true}]
spec: {containers: [{name: w, image: w}]}
---
apiVersion: v1
kind: PodTemplate
metadata: {name: tmpl}
template:
  metadata: {labels: {app: t}}
  spec: {containers: [{name: t, image: t}]}
";
    let inv = common::inventory(y);
    let m = Model::build(&inv);
    let ids: Vec<String> = m
        .workloads
        .iter()
        .map(|w| format!("{}/{}", w.kind, w.id()))
        .collect();
    assert_eq!(ids, ["Deployment/default/web"]);
    assert_eq!(m.namespaces.len(), 1);
    assert_eq!(
        m.namespaces[0]
            .labels
            .get("kubernetes.io/metadata.name")
            .map(String::as_str),
        Some("default")
    );
}

#[test]
fn invalid_policies_are_diagnosed_and_allow_nothing() {
    let y = world(&np(
        "app",
        "bad",
        "{podSelector: {}, policyTypes: [ingress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}, {}], ports: [{port: 80, endPort: 70}, {port: '80'}, {protocol: ICMP}]}]}",
    ));
    let inv = common::inventory(&y);
    let m = Model::build(&inv);
    let msgs: Vec<&str> = m.diagnostics.iter().map(|d| d.message.as_str()).collect();
    for want in [
        "policy type must be \"Ingress\" or \"Egress\"",
        "ipBlock` or selectors, not both",
        "must set `podSelector`, `namespaceSelector` or `ipBlock`",
        "endPort 70 must be at least port 80",
        "a named port must contain a letter",
        "protocol must be TCP, UDP or SCTP",
    ] {
        assert!(
            msgs.iter().any(|m| m.contains(want)),
            "missing {want:?} in {msgs:#?}"
        );
    }
    assert!(m.diagnostics.iter().all(|d| d.line > 0));
    // policyTypes held only an invalid value, so the policy isolates nothing.
    assert!(ports(&y, "elsewhere/other", "app/server").is_all());
}

#[test]
fn sctp_and_udp_are_distinct_from_tcp() {
    let y = world(&np(
        "app",
        "p",
        "{podSelector: {}, ingress: [{ports: [{port: 53, protocol: UDP}, {port: 3868, protocol: SCTP}]}]}",
    ));
    let p = ports(&y, "elsewhere/other", "app/server");
    assert!(p.contains(Udp, 53) && p.contains(Sctp, 3868));
    assert!(!p.contains(Tcp, 53) && !p.contains(Tcp, 3868));
}
