//! The Kubernetes e2e network-policy scenarios (test/e2e/network/netpol/network_policy.go),
//! re-expressed as our own table-driven tests.
//!
//! As upstream: namespaces x, y and z; pods named a, b, c labelled `pod: <name>`, each with one
//! container per probed (port, protocol) whose port is named `serve-<port>-<protocol>`; every
//! pair of pods starts out reachable and each scenario states what its policies change. A pod's
//! traffic to itself is not judged (upstream ignores loopback too). Each pod has an IP,
//! `10.96.<namespace index>.<pod index + 1>`, for the ipBlock scenarios. Multi-step scenarios
//! (updated policies or labels, deleted policies) become one check per step. Every check also
//! compares the connectivity matrix with the single-pair evaluator on every pair.

mod common;

use stockade_netpol::{Endpoint, Matrix, Model, Protocol};

const NAMESPACES: [&str; 3] = ["x", "y", "z"];

/// A world: pods, the ports and protocols they serve, extra labels, and policies.
struct World {
    pods: Vec<(String, String)>,
    protocols: Vec<&'static str>,
    ports: Vec<u16>,
    policies: Vec<String>,
    ns_labels: Vec<(&'static str, &'static str, &'static str)>,
    pod_labels: Vec<(&'static str, &'static str, &'static str)>,
}

impl World {
    fn new(pods: &[&str], protocols: &[&'static str], ports: &[u16]) -> World {
        World {
            pods: pods
                .iter()
                .map(|p| {
                    let (ns, name) = p.split_once('/').unwrap();
                    (ns.to_string(), name.to_string())
                })
                .collect(),
            protocols: protocols.to_vec(),
            ports: ports.to_vec(),
            policies: Vec::new(),
            ns_labels: Vec::new(),
            pod_labels: Vec::new(),
        }
    }

    /// Adds a policy; `spec` is a YAML flow mapping.
    fn policy(mut self, ns: &str, name: &str, spec: &str) -> World {
        self.policies.push(format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: \"{ns}\"}}\nspec: {spec}\n"
        ));
        self
    }

    fn ip(&self, ns: &str, pod: &str) -> String {
        let n = NAMESPACES.iter().position(|x| *x == ns).unwrap();
        let p = (pod.as_bytes()[0] - b'a') as usize;
        format!("10.96.{n}.{}", p + 1)
    }

    fn yaml(&self) -> String {
        let mut out = String::new();
        for ns in NAMESPACES {
            let mut labels = String::new();
            for (n, k, v) in &self.ns_labels {
                if *n == ns {
                    labels.push_str(&format!(", {k}: \"{v}\""));
                }
            }
            out.push_str(&format!(
                "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: \"{ns}\", labels: {{ns: \"{ns}\"{labels}}}}}\n"
            ));
        }
        for (ns, pod) in &self.pods {
            let mut labels = format!("pod: \"{pod}\"");
            for (p, k, v) in &self.pod_labels {
                if *p == format!("{ns}/{pod}") {
                    labels.push_str(&format!(", {k}: \"{v}\""));
                }
            }
            let mut containers = String::new();
            for port in &self.ports {
                for proto in &self.protocols {
                    let l = proto.to_lowercase();
                    containers.push_str(&format!(
                        "  - {{name: cont-{port}-{l}, image: agnhost, ports: [{{name: serve-{port}-{l}, containerPort: {port}, protocol: {proto}}}]}}\n"
                    ));
                }
            }
            out.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: \"{pod}\", namespace: \"{ns}\", labels: {{{labels}}}}}\nspec:\n  containers:\n{containers}status: {{podIP: {}}}\n",
                self.ip(ns, pod)
            ));
        }
        for p in &self.policies {
            out.push_str("---\n");
            out.push_str(p);
        }
        out
    }
}

/// Expected reachability between every pair of pods (upstream's `Reachability`).
struct Truth {
    pods: Vec<(String, String)>,
    allowed: Vec<Vec<bool>>,
}

/// A selection of pods: by namespace, by pod name, or both (`None` is any).
type Sel = (Option<&'static str>, Option<&'static str>);
const ALL: Sel = (None, None);

fn ns(n: &'static str) -> Sel {
    (Some(n), None)
}
fn pod(p: &'static str) -> Sel {
    let (n, name) = p.split_once('/').unwrap();
    (Some(n), Some(name))
}

impl Truth {
    fn new(w: &World) -> Truth {
        let n = w.pods.len();
        Truth {
            pods: w.pods.clone(),
            allowed: vec![vec![true; n]; n],
        }
    }
    fn hits(&self, s: Sel) -> Vec<usize> {
        (0..self.pods.len())
            .filter(|&i| {
                let (ns, name) = &self.pods[i];
                s.0.is_none_or(|x| x == ns) && s.1.is_none_or(|x| x == name)
            })
            .collect()
    }
    fn peer(mut self, from: Sel, to: Sel, v: bool) -> Truth {
        for f in self.hits(from) {
            for t in self.hits(to) {
                self.allowed[f][t] = v;
            }
        }
        self
    }
    fn all_ingress(self, to: &'static str, v: bool) -> Truth {
        self.peer(ALL, pod(to), v)
    }
    fn all_egress(self, from: &'static str, v: bool) -> Truth {
        self.peer(pod(from), ALL, v)
    }
    fn one(self, from: &'static str, to: &'static str, v: bool) -> Truth {
        self.peer(pod(from), pod(to), v)
    }
}

/// Checks one probe (port/protocol) of a world against the truth table.
fn check(name: &str, w: &World, port: u16, proto: &str, truth: Truth) {
    let inv = common::inventory(&w.yaml());
    let m = Model::build(&inv);
    assert!(m.diagnostics.is_empty(), "{name}: {:?}", m.diagnostics);
    let matrix = Matrix::compute(&m);
    let protocol = Protocol::parse(proto).unwrap();
    let idx: Vec<usize> = truth
        .pods
        .iter()
        .map(|(ns, p)| m.find(&format!("{ns}/{p}")).unwrap())
        .collect();
    let mut wrong = Vec::new();
    for (f, &fi) in idx.iter().enumerate() {
        for (t, &ti) in idx.iter().enumerate() {
            let v = m.reach(&Endpoint::Workload(fi), &Endpoint::Workload(ti));
            assert_eq!(
                &v.allowed,
                matrix.get(fi, ti),
                "{name}: matrix and evaluator disagree on {:?} -> {:?}",
                truth.pods[f],
                truth.pods[t]
            );
            if f == t {
                continue; // loopback is not judged
            }
            let got = v.allowed.contains(protocol, port);
            if got != truth.allowed[f][t] {
                wrong.push(format!(
                    "{}/{} -> {}/{}: expected {}, got {}",
                    truth.pods[f].0,
                    truth.pods[f].1,
                    truth.pods[t].0,
                    truth.pods[t].1,
                    truth.allowed[f][t],
                    got
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{name} on {port}/{proto}:\n{}",
        wrong.join("\n")
    );
    // The same truth as connectivity assertions: every one holds, and every one negated fails.
    use stockade_netpol::flows::{Expect, Flow, FlowFile, Peer, check as check_flows};
    let mut flows = Vec::new();
    for (f, (fns, fp)) in truth.pods.iter().enumerate() {
        for (t, (tns, tp)) in truth.pods.iter().enumerate() {
            if f == t {
                continue;
            }
            flows.push(Flow {
                name: format!("{fns}/{fp} -> {tns}/{tp}"),
                from: Peer::Name(format!("{fns}/{fp}")),
                to: Peer::Name(format!("{tns}/{tp}")),
                port: Some(format!("{port}/{proto}")),
                expect: if truth.allowed[f][t] {
                    Expect::Allow
                } else {
                    Expect::Deny
                },
                reason: None,
            });
        }
    }
    let outcomes = check_flows(
        &m,
        &FlowFile {
            flows: flows.clone(),
        },
    );
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| o.name.as_str())
        .collect();
    assert!(failed.is_empty(), "{name}: assertions fail: {failed:?}");
    for f in &mut flows {
        f.expect = if f.expect == Expect::Allow {
            Expect::Deny
        } else {
            Expect::Allow
        };
    }
    let negated = check_flows(&m, &FlowFile { flows });
    assert!(
        negated
            .iter()
            .all(|o| !o.passed && o.error.is_none() && !o.failures.is_empty()),
        "{name}: a negated assertion holds"
    );
}

const TCP: &[&str] = &["TCP"];

#[test]
fn default_deny_ingress() {
    for proto in ["TCP", "UDP", "SCTP"] {
        let w = World::new(&["x/a", "x/b", "y/a", "y/b"], &[proto], &[80]).policy(
            "x",
            "deny-ingress",
            "{podSelector: {}, policyTypes: [Ingress], ingress: []}",
        );
        let t = Truth::new(&w).peer(ALL, ns("x"), false);
        check("default-deny-ingress", &w, 80, proto, t);
    }
}

#[test]
fn default_deny_all() {
    let w = World::new(&["x/a", "x/b", "y/a"], TCP, &[80]).policy(
        "x",
        "deny-all",
        "{podSelector: {}, policyTypes: [Ingress, Egress], ingress: [], egress: []}",
    );
    let t = Truth::new(&w)
        .peer(ALL, ns("x"), false)
        .peer(ns("x"), ALL, false);
    check("default-deny-all", &w, 80, "TCP", t);
}

#[test]
fn allow_from_pods_within_namespace_by_pod_selector() {
    let w = World::new(&["x/a", "x/b", "x/c", "y/a"], TCP, &[80]).policy(
        "x",
        "x-a-allows-x-b",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}",
    );
    let t = Truth::new(&w)
        .all_ingress("x/a", false)
        .one("x/b", "x/a", true);
    check("pod-selector", &w, 80, "TCP", t);
}

#[test]
fn allow_ingress_for_a_target() {
    let w = World::new(&["x/a", "x/b", "y/a"], TCP, &[80])
        .policy("x", "deny-all", "{podSelector: {}, policyTypes: [Ingress], ingress: []}")
        .policy(
            "x",
            "allow-all-to-a",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]}",
        );
    let t = Truth::new(&w)
        .all_ingress("x/a", true)
        .all_ingress("x/b", false);
    check("ingress-for-a-target", &w, 80, "TCP", t);
}

#[test]
fn allow_ingress_from_pods_in_all_namespaces() {
    let w = World::new(&["x/a", "x/b", "y/a", "z/a"], TCP, &[80]).policy(
        "x",
        "allow-from-another-ns",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {}}}]}]}",
    );
    check("all-namespaces", &w, 80, "TCP", Truth::new(&w));
}

#[test]
fn allow_only_from_a_different_namespace_by_namespace_selector() {
    for (label, name) in [
        ("ns", "custom label"),
        ("kubernetes.io/metadata.name", "default name label"),
    ] {
        for proto in ["TCP", "UDP", "SCTP"] {
            let w = World::new(&["x/a", "x/b", "y/a", "z/a"], &[proto], &[80]).policy(
                "x",
                "allow-client-a-via-ns-selector",
                &format!("{{podSelector: {{matchLabels: {{pod: a}}}}, policyTypes: [Ingress], ingress: [{{from: [{{namespaceSelector: {{matchLabels: {{{label}: 'y'}}}}}}]}}]}}"),
            );
            let t =
                Truth::new(&w)
                    .peer(ns("x"), pod("x/a"), false)
                    .peer(ns("z"), pod("x/a"), false);
            check(name, &w, 80, proto, t);
        }
    }
}

#[test]
fn pod_selector_with_match_expressions() {
    let w = World::new(&["x/a", "x/b", "y/a"], TCP, &[80]).policy(
        "x",
        "x-a-allows-x-b",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {matchExpressions: [{key: pod, operator: In, values: [b]}]}}]}]}",
    );
    let t = Truth::new(&w)
        .all_ingress("x/a", false)
        .one("x/b", "x/a", true);
    check("pod-match-expressions", &w, 80, "TCP", t);
}

#[test]
fn namespace_selector_with_match_expressions() {
    let w = World::new(&["x/a", "x/b", "y/a", "z/a"], TCP, &[80]).policy(
        "x",
        "allow-ns-y-match-selector",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: ['y']}]}}]}]}",
    );
    let t = Truth::new(&w)
        .peer(ns("x"), pod("x/a"), false)
        .peer(ns("z"), pod("x/a"), false);
    check("ns-match-expressions", &w, 80, "TCP", t);
}

#[test]
fn pod_selector_or_namespace_selector() {
    let w = World::new(&["x/a", "x/b", "x/c", "y/a"], TCP, &[80]).policy(
        "x",
        "allow-ns-y-match-selector",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}]}}, {podSelector: {matchLabels: {pod: b}}}]}]}",
    );
    let t = Truth::new(&w)
        .one("x/a", "x/a", false)
        .one("x/c", "x/a", false);
    check("pod-or-namespace", &w, 80, "TCP", t);
}

#[test]
fn pod_selector_and_namespace_selector() {
    let w = World::new(&["x/a", "x/b", "y/a", "y/b", "z/b"], TCP, &[80]).policy(
        "x",
        "allow-ns-y-podselector-and-nsselector",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}]}, podSelector: {matchLabels: {pod: b}}}]}]}",
    );
    let t = Truth::new(&w)
        .all_ingress("x/a", false)
        .one("y/b", "x/a", true)
        .one("z/b", "x/a", true);
    check("pod-and-namespace", &w, 80, "TCP", t);
}

#[test]
fn multiple_pod_selectors_and_namespace_selectors() {
    let w = World::new(&["x/a", "x/b", "y/a", "y/b", "y/c"], TCP, &[80]).policy(
        "x",
        "allow-ns-y-z-pod-b-c",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}]}, podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}}]}]}",
    );
    let t = Truth::new(&w)
        .peer(ns("x"), pod("x/a"), false)
        .one("y/a", "x/a", false);
    check("multiple-selectors", &w, 80, "TCP", t);
}

#[test]
fn any_pod_selectors() {
    let w = World::new(&["x/a", "x/b", "x/c"], TCP, &[80]).policy(
        "x",
        "allow-ns-x-pod-b-c",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}, {podSelector: {matchLabels: {pod: c}}}]}]}",
    );
    let t = Truth::new(&w)
        .all_ingress("x/a", false)
        .one("x/b", "x/a", true)
        .one("x/c", "x/a", true);
    check("any-pod-selectors", &w, 80, "TCP", t);
}

#[test]
fn only_from_a_pod_in_a_different_namespace() {
    for (pods, proto) in [
        (&["x/a", "x/b", "y/a", "y/b", "z/a"][..], "TCP"),
        (&["x/a", "x/b", "y/a"][..], "UDP"),
        (&["x/a", "x/b", "y/a"][..], "SCTP"),
    ] {
        let w = World::new(pods, &[proto], &[80]).policy(
            "x",
            "allow-ns-y-pod-a-via-namespace-pod-selector",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: 'y'}}, podSelector: {matchLabels: {pod: a}}}]}]}",
        );
        let t = Truth::new(&w)
            .all_ingress("x/a", false)
            .one("y/a", "x/a", true);
        check("pod-in-other-namespace", &w, 80, proto, t);
    }
}

#[test]
fn ports() {
    for (pods, proto) in [
        (&["x/a", "x/b", "y/a", "y/b", "z/a"][..], "TCP"),
        (&["x/a", "x/b", "y/a", "z/a"][..], "UDP"),
        (&["x/a", "x/b", "y/a", "z/a"][..], "SCTP"),
    ] {
        let w = World::new(pods, &[proto], &[81]).policy(
            "x",
            "allow-client-a-via-ns-selector",
            &format!("{{podSelector: {{matchLabels: {{pod: a}}}}, policyTypes: [Ingress], ingress: [{{from: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: 'y'}}}}}}], ports: [{{port: 81, protocol: {proto}}}]}}]}}"),
        );
        let t = Truth::new(&w)
            .peer(ns("x"), pod("x/a"), false)
            .peer(ns("y"), pod("x/a"), true)
            .peer(ns("z"), pod("x/a"), false);
        check("ports", &w, 81, proto, t);
    }
}

#[test]
fn stacked_policies_with_overlapping_pod_selectors() {
    let pods = ["x/a", "x/b", "y/a", "y/b", "z/a"];
    let p81 = "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: 'y'}}}], ports: [{port: 81, protocol: TCP}]}]}";
    let p80 = "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: 'y'}}}], ports: [{port: 80, protocol: TCP}]}]}";
    let allow = |w: &World| {
        Truth::new(w)
            .peer(ns("x"), pod("x/a"), false)
            .peer(ns("y"), pod("x/a"), true)
            .peer(ns("z"), pod("x/a"), false)
    };
    let w = World::new(&pods, TCP, &[80, 81]).policy("x", "allow-81", p81);
    check("stacked: 81 allowed", &w, 81, "TCP", allow(&w));
    check(
        "stacked: 80 denied",
        &w,
        80,
        "TCP",
        Truth::new(&w).all_ingress("x/a", false),
    );
    let w = w.policy("x", "allow-80", p80);
    check("stacked: 80 unblocked", &w, 80, "TCP", allow(&w));
}

#[test]
fn allow_all_policy() {
    let w = World::new(&["x/a", "x/b", "y/a"], TCP, &[80, 81]).policy(
        "x",
        "allow-all",
        "{podSelector: {matchLabels: {}}, policyTypes: [Ingress], ingress: [{}]}",
    );
    check("allow-all 80", &w, 80, "TCP", Truth::new(&w));
    check("allow-all 81", &w, 81, "TCP", Truth::new(&w));
}

#[test]
fn ingress_on_one_named_port() {
    let w = World::new(&["x/a", "x/b", "y/a"], TCP, &[80, 81]).policy(
        "x",
        "allow-all",
        "{podSelector: {matchLabels: {}}, policyTypes: [Ingress], ingress: [{ports: [{port: serve-81-tcp}]}]}",
    );
    check("named port 81", &w, 81, "TCP", Truth::new(&w));
    check(
        "named port 80",
        &w,
        80,
        "TCP",
        Truth::new(&w).peer(ALL, ns("x"), false),
    );
}

#[test]
fn ingress_from_namespace_on_one_named_port() {
    let w = World::new(&["x/a", "x/b", "y/a", "z/a"], TCP, &[80, 81]).policy(
        "x",
        "allow-client-a-via-ns-selector-80",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: 'y'}}}], ports: [{port: serve-80-tcp, protocol: TCP}]}]}",
    );
    let t = Truth::new(&w)
        .peer(ns("x"), pod("x/a"), false)
        .peer(ns("z"), pod("x/a"), false);
    check("ns named port 80", &w, 80, "TCP", t);
    check(
        "ns named port 81",
        &w,
        81,
        "TCP",
        Truth::new(&w).all_ingress("x/a", false),
    );
}

#[test]
fn egress_on_one_named_port() {
    let w = World::new(&["x/a", "y/a"], TCP, &[80, 81]).policy(
        "x",
        "allow-egress",
        "{podSelector: {matchLabels: {}}, policyTypes: [Egress], egress: [{ports: [{port: serve-80-tcp}]}]}",
    );
    check("egress named 80", &w, 80, "TCP", Truth::new(&w));
    check(
        "egress named 81",
        &w,
        81,
        "TCP",
        Truth::new(&w).peer(ns("x"), ALL, false),
    );
}

#[test]
fn updated_policy() {
    let w = World::new(&["x/a", "y/a"], TCP, &[81]).policy(
        "x",
        "allow-all-mutate-to-deny-all",
        "{podSelector: {matchLabels: {}}, policyTypes: [Ingress], ingress: [{}]}",
    );
    check("before update", &w, 81, "TCP", Truth::new(&w));
    let w = World::new(&["x/a", "y/a"], TCP, &[81]).policy(
        "x",
        "allow-all-mutate-to-deny-all",
        "{podSelector: {matchLabels: {}}, policyTypes: [Ingress], ingress: []}",
    );
    check(
        "after update",
        &w,
        81,
        "TCP",
        Truth::new(&w).peer(ALL, ns("x"), false),
    );
}

#[test]
fn ingress_from_updated_namespace() {
    let spec = "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {ns2: updated}}}]}]}";
    let w = World::new(&["x/a", "y/a"], TCP, &[80]).policy("x", "p", spec);
    check(
        "before label",
        &w,
        80,
        "TCP",
        Truth::new(&w).all_ingress("x/a", false),
    );
    let mut w = World::new(&["x/a", "y/a"], TCP, &[80]).policy("x", "p", spec);
    w.ns_labels.push(("y", "ns2", "updated"));
    let t = Truth::new(&w)
        .all_ingress("x/a", false)
        .peer(ns("y"), ALL, true);
    check("after label", &w, 80, "TCP", t);
}

#[test]
fn ingress_from_updated_pod() {
    let spec = "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {matchLabels: {pod: b, pod2: updated}}}]}]}";
    let w = World::new(&["x/a", "x/b"], TCP, &[80]).policy("x", "p", spec);
    check(
        "before pod label",
        &w,
        80,
        "TCP",
        Truth::new(&w).all_ingress("x/a", false),
    );
    let mut w = World::new(&["x/a", "x/b"], TCP, &[80]).policy("x", "p", spec);
    w.pod_labels.push(("x/b", "pod2", "updated"));
    let t = Truth::new(&w)
        .all_ingress("x/a", false)
        .one("x/b", "x/a", true);
    check("after pod label", &w, 80, "TCP", t);
}

#[test]
fn deny_ingress_from_other_namespaces() {
    let w = World::new(&["x/a", "x/b", "y/a", "z/a"], TCP, &[80]).policy(
        "x",
        "deny-empty-policy",
        "{podSelector: {}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {matchLabels: {}}}]}]}",
    );
    let t = Truth::new(&w)
        .peer(ns("y"), ns("x"), false)
        .peer(ns("z"), ns("x"), false);
    check("deny other namespaces", &w, 80, "TCP", t);
}

#[test]
fn deny_ingress_to_updated_pod() {
    let spec =
        "{podSelector: {matchLabels: {target: isolated}}, policyTypes: [Ingress], ingress: []}";
    let w = World::new(&["x/a", "y/a"], TCP, &[80]).policy(
        "x",
        "deny-ingress-via-label-selector",
        spec,
    );
    check("before isolation", &w, 80, "TCP", Truth::new(&w));
    let mut w = World::new(&["x/a", "y/a"], TCP, &[80]).policy(
        "x",
        "deny-ingress-via-label-selector",
        spec,
    );
    w.pod_labels.push(("x/a", "target", "isolated"));
    check(
        "after isolation",
        &w,
        80,
        "TCP",
        Truth::new(&w).all_ingress("x/a", false),
    );
}

#[test]
fn deny_egress_by_pod_selector() {
    let w = World::new(&["x/a", "x/b", "y/a"], TCP, &[80]).policy(
        "x",
        "deny-egress-pod-a",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: []}",
    );
    check(
        "deny egress pod",
        &w,
        80,
        "TCP",
        Truth::new(&w).all_egress("x/a", false),
    );
}

#[test]
fn deny_egress_from_all_pods_in_a_namespace() {
    let w = World::new(&["x/a", "x/b", "y/a"], TCP, &[80]).policy(
        "x",
        "deny-egress-ns-x",
        "{podSelector: {}, policyTypes: [Egress], egress: []}",
    );
    check(
        "deny egress ns",
        &w,
        80,
        "TCP",
        Truth::new(&w).peer(ns("x"), ALL, false),
    );
}

#[test]
fn ingress_and_egress_together() {
    let w = World::new(&["x/a", "x/b", "x/c", "y/a"], TCP, &[80, 81]).policy(
        "x",
        "allow-client-a-via-pod-selector",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress, Ingress], ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}], egress: [{ports: [{port: 80}]}]}",
    );
    let t80 = Truth::new(&w)
        .all_ingress("x/a", false)
        .one("x/b", "x/a", true);
    check("together 80", &w, 80, "TCP", t80);
    let t81 = Truth::new(&w)
        .all_ingress("x/a", false)
        .all_egress("x/a", false)
        .one("x/b", "x/a", true);
    check("together 81", &w, 81, "TCP", t81);
}

#[test]
fn egress_denied_on_the_client_even_if_the_server_allows() {
    let w = World::new(&["x/a", "y/a", "y/b"], TCP, &[80])
        .policy(
            "x",
            "allow-to-ns-y-pod-a",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: 'y'}}, podSelector: {matchLabels: {pod: a}}}]}]}",
        )
        .policy(
            "y",
            "allow-from-xa-on-ya-match-selector",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}, podSelector: {matchLabels: {pod: a}}}]}]}",
        )
        .policy(
            "y",
            "allow-from-xa-on-yb-match-selector",
            "{podSelector: {matchLabels: {pod: b}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}, podSelector: {matchLabels: {pod: a}}}]}]}",
        );
    let t = Truth::new(&w)
        .peer(pod("x/a"), ALL, false)
        .peer(ALL, pod("y/a"), false)
        .peer(pod("x/a"), pod("y/a"), true)
        .peer(ALL, pod("y/b"), false);
    check("client-side egress deny", &w, 80, "TCP", t);
}

#[test]
fn egress_to_a_server_in_another_namespace_by_selectors() {
    let w = World::new(&["x/a", "y/a", "y/b"], TCP, &[80]).policy(
        "x",
        "allow-to-ns-y-pod-a",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: 'y'}}, podSelector: {matchLabels: {pod: a}}}]}]}",
    );
    let t = Truth::new(&w)
        .all_egress("x/a", false)
        .one("x/a", "y/a", true);
    check("egress other namespace", &w, 80, "TCP", t);
}

#[test]
fn ingress_any_port_on_a_protocol() {
    let w = World::new(&["x/a", "y/a"], &["TCP", "UDP"], &[80]).policy(
        "x",
        "allow-ingress-by-proto",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{ports: [{protocol: TCP}]}]}",
    );
    check("protocol TCP", &w, 80, "TCP", Truth::new(&w));
    check(
        "protocol UDP",
        &w,
        80,
        "UDP",
        Truth::new(&w).peer(ALL, pod("x/a"), false),
    );
}

#[test]
fn ingress_allow_all_takes_precedence() {
    let w = World::new(&["x/a", "y/a"], TCP, &[81]).policy(
        "x",
        "allow-ingress-port-80",
        "{podSelector: {matchLabels: {}}, policyTypes: [Ingress], ingress: [{ports: [{port: 80}]}]}",
    );
    check(
        "only 80",
        &w,
        81,
        "TCP",
        Truth::new(&w).peer(ALL, ns("x"), false),
    );
    let w = w.policy(
        "x",
        "allow-ingress",
        "{podSelector: {matchLabels: {}}, policyTypes: [Ingress], ingress: [{}]}",
    );
    check("allow all wins", &w, 81, "TCP", Truth::new(&w));
}

#[test]
fn egress_allow_all_takes_precedence() {
    let w = World::new(&["x/a", "y/a"], TCP, &[81]).policy(
        "x",
        "allow-egress-port-80",
        "{podSelector: {matchLabels: {}}, policyTypes: [Egress], egress: [{ports: [{port: 80}]}]}",
    );
    check(
        "only 80 out",
        &w,
        81,
        "TCP",
        Truth::new(&w).peer(ns("x"), ALL, false),
    );
    let w = w.policy(
        "x",
        "allow-egress",
        "{podSelector: {matchLabels: {}}, policyTypes: [Egress], egress: [{}]}",
    );
    check("allow all out wins", &w, 81, "TCP", Truth::new(&w));
}

#[test]
fn policies_stop_applying_when_deleted() {
    let w = World::new(&["x/a", "y/a"], TCP, &[80]).policy(
        "x",
        "deny-all",
        "{podSelector: {}, policyTypes: [Ingress, Egress], ingress: [], egress: []}",
    );
    let t = Truth::new(&w)
        .peer(ns("x"), ALL, false)
        .peer(ALL, ns("x"), false);
    check("while present", &w, 80, "TCP", t);
    let w = World::new(&["x/a", "y/a"], TCP, &[80]);
    check("after delete", &w, 80, "TCP", Truth::new(&w));
}

#[test]
fn egress_to_a_server_in_a_cidr_block() {
    // y/b is 10.96.1.2.
    let w = World::new(&["x/a", "y/a", "y/b"], TCP, &[80]).policy(
        "x",
        "allow-client-a-via-cidr-egress-rule",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.96.1.2/32}}]}]}",
    );
    let t = Truth::new(&w)
        .all_egress("x/a", false)
        .one("x/a", "y/b", true);
    check("cidr", &w, 80, "TCP", t);
}

#[test]
fn egress_cidr_except_clause() {
    // x/b is 10.96.0.2; the /4 around it is 0.0.0.0/4.
    let except = "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/4, except: [10.96.0.2/32]}}]}]}";
    let w = World::new(&["x/a", "x/b", "x/c"], TCP, &[80]).policy(
        "x",
        "allow-client-a-via-cidr-egress-rule",
        except,
    );
    check(
        "except",
        &w,
        80,
        "TCP",
        Truth::new(&w).one("x/a", "x/b", false),
    );
}

#[test]
fn ip_in_both_cidr_and_except_is_allowed_by_another_policy() {
    let except = "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/4, except: [10.96.0.2/32]}}]}]}";
    let w = World::new(&["x/a", "x/b", "x/c"], TCP, &[80]).policy(
        "x",
        "allow-client-a-via-cidr-egress-rule",
        except,
    );
    check(
        "except before",
        &w,
        80,
        "TCP",
        Truth::new(&w).one("x/a", "x/b", false),
    );
    // Upstream replaces the policy (same name) with one allowing only x/b's address.
    let w = World::new(&["x/a", "x/b", "x/c"], TCP, &[80]).policy(
        "x",
        "allow-client-a-via-cidr-egress-rule",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.96.0.2/32}}]}]}",
    );
    let t = Truth::new(&w)
        .all_egress("x/a", false)
        .one("x/a", "x/b", true);
    check("except after", &w, 80, "TCP", t);
}

#[test]
fn ingress_and_egress_controlled_independently() {
    let w = World::new(&["x/a", "x/b", "y/a"], TCP, &[80]).policy(
        "x",
        "allow-egress-for-target",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{}]}",
    );
    check("egress allowed", &w, 80, "TCP", Truth::new(&w));
    let w = w.policy(
        "x",
        "deny-ingress-via-label-selector",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: []}",
    );
    check(
        "ingress denied",
        &w,
        80,
        "TCP",
        Truth::new(&w).all_ingress("x/a", false),
    );
}

#[test]
fn sctp_is_not_tcp() {
    let w = World::new(&["x/a", "y/a"], TCP, &[81])
        .policy("x", "deny-ingress", "{podSelector: {}, policyTypes: [Ingress], ingress: []}")
        .policy(
            "x",
            "allow-only-sctp-ingress-on-port-81",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{ports: [{port: 81, protocol: SCTP}]}]}",
        );
    check(
        "sctp not tcp",
        &w,
        81,
        "TCP",
        Truth::new(&w).peer(ALL, ns("x"), false),
    );
}

#[test]
fn sctp_policy_still_isolates() {
    let w = World::new(&["x/a", "y/a"], TCP, &[81]).policy(
        "x",
        "allow-only-sctp-ingress-on-port-80",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{ports: [{port: 80, protocol: SCTP}]}]}",
    );
    check(
        "sctp isolates",
        &w,
        81,
        "TCP",
        Truth::new(&w).all_ingress("x/a", false),
    );
}

#[test]
fn udp_only_policy_does_not_allow_tcp() {
    let w = World::new(&["x/a", "y/a"], TCP, &[81]).policy(
        "x",
        "allow-only-udp-ingress-on-port-81",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{ports: [{port: 81, protocol: UDP}]}]}",
    );
    check(
        "udp not tcp",
        &w,
        81,
        "TCP",
        Truth::new(&w).all_ingress("x/a", false),
    );
}

#[test]
fn egress_namespace_selector_not_in_with_default_label() {
    let w = World::new(&["x/a", "x/b", "y/a", "z/a"], TCP, &[80]).policy(
        "x",
        "allow-ns-y-match-selector-for-immutable-ns-label",
        "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: ['y']}]}}]}]}",
    );
    check(
        "egress NotIn",
        &w,
        80,
        "TCP",
        Truth::new(&w).peer(pod("x/a"), ns("y"), false),
    );
}
