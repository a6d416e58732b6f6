//! Connectivity assertions: a small YAML file of expected flows, each checked against the
//! exact reachability of the inputs (`stockade netpol test`), and proposed from today's
//! matrix (`stockade netpol suggest`).
//!
//! ```yaml
//! flows:
//! - name: frontend reaches api
//!   from: shop/web                 # NS/NAME, NS/KIND/NAME, an address or CIDR, or a selector
//!   to: shop/api
//!   port: 8080/TCP                 # optional: any port
//!   expect: allow                  # allow | deny
//!   reason: the storefront calls the API
//! - name: nothing outside monitoring reaches prometheus
//!   from: {notNamespace: monitoring}
//!   to: {namespace: monitoring, labels: {app: prometheus}}
//!   expect: deny
//! ```
//!
//! A selector (`namespace`, `notNamespace`, `labels`, or `"*"` for every workload) stands
//! for every workload it matches: `allow` holds when every source reaches every destination,
//! `deny` when none does. A CIDR stands for its first address.

use crate::eval::{Decision, Endpoint};
use crate::matrix::Matrix;
use crate::model::Model;
use crate::ports::Protocol;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlowFile {
    /// The assertions.
    pub flows: Vec<Flow>,
}

/// One expected flow.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// A short name.
    pub name: String,
    /// Source.
    pub from: Peer,
    /// Destination.
    pub to: Peer,
    /// `8080`, `8080/TCP`, `53/UDP`; absent for any port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// `allow` or `deny`.
    pub expect: Expect,
    /// Why the flow matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a flow expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// Every source reaches every destination.
    Allow,
    /// No source reaches any destination.
    Deny,
}

/// An end of a flow.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Peer {
    /// `NS/NAME`, `NS/KIND/NAME`, an IP address or CIDR, or `*`.
    Name(String),
    /// Workloads by namespace and pod labels.
    Selector(Selector),
}

/// Workloads by namespace and labels.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    /// In this namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Not in this namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_namespace: Option<String>,
    /// Whose pods carry all these labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A flow's result.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The flow's name.
    pub name: String,
    /// Its reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What it expected.
    pub expect: Expect,
    /// Whether it holds.
    pub passed: bool,
    /// Pairs checked.
    pub pairs: usize,
    /// The pairs that break it, each with the deciding policies (at most 20).
    pub failures: Vec<String>,
    /// Why the flow could not be checked (an unknown workload, a bad port).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Parses a flows file.
pub fn parse(text: &str) -> Result<FlowFile, String> {
    serde_saphyr::from_str::<FlowFile>(text).map_err(|e| e.to_string())
}

fn parse_port(s: &str) -> Result<(Protocol, u16), String> {
    let (num, proto) = match s.split_once('/') {
        Some((n, p)) => (
            n,
            Protocol::parse_lenient(p)
                .ok_or_else(|| format!("port {s:?}: protocol must be TCP, UDP or SCTP"))?,
        ),
        None => (s, Protocol::Tcp),
    };
    let n: u16 = num
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("port {s:?}: expected 1-65535, e.g. 8080/TCP"))?;
    Ok((proto, n))
}

fn endpoints(m: &Model<'_>, p: &Peer) -> Result<Vec<Endpoint>, String> {
    match p {
        Peer::Name(s) if s == "*" => Ok((0..m.workloads.len()).map(Endpoint::Workload).collect()),
        Peer::Name(s) => {
            let addr = s.split('/').next().unwrap_or(s);
            if let Ok(ip) = addr.parse::<IpAddr>() {
                return Ok(vec![Endpoint::External(ip)]);
            }
            m.find(s).map(|i| vec![Endpoint::Workload(i)])
        }
        Peer::Selector(sel) => {
            let hits: Vec<Endpoint> = (0..m.workloads.len())
                .filter(|&i| {
                    let w = &m.workloads[i];
                    sel.namespace.as_deref().is_none_or(|n| w.namespace == n)
                        && sel
                            .not_namespace
                            .as_deref()
                            .is_none_or(|n| w.namespace != n)
                        && sel
                            .labels
                            .iter()
                            .all(|(k, v)| w.labels.get(k).is_some_and(|x| x == v))
                })
                .map(Endpoint::Workload)
                .collect();
            if hits.is_empty() {
                Err(format!(
                    "the selector {} matches no workload",
                    serde_json::to_string(sel).unwrap_or_default()
                ))
            } else {
                Ok(hits)
            }
        }
    }
}

fn describe(m: &Model<'_>, e: &Endpoint) -> String {
    match e {
        Endpoint::Workload(i) => {
            let w = &m.workloads[*i];
            format!("{}/{}/{}", w.namespace, w.kind, w.name)
        }
        Endpoint::External(ip) => ip.to_string(),
    }
}

/// Checks every flow against `m`.
pub fn check(m: &Model<'_>, file: &FlowFile) -> Vec<Outcome> {
    file.flows
        .iter()
        .map(|f| {
            let mut o = Outcome {
                name: f.name.clone(),
                reason: f.reason.clone(),
                expect: f.expect,
                passed: false,
                pairs: 0,
                failures: Vec::new(),
                error: None,
            };
            let port = match f.port.as_deref().map(parse_port).transpose() {
                Ok(p) => p,
                Err(e) => {
                    o.error = Some(e);
                    return o;
                }
            };
            let (from, to) = match (endpoints(m, &f.from), endpoints(m, &f.to)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) => {
                    o.error = Some(format!("from: {e}"));
                    return o;
                }
                (_, Err(e)) => {
                    o.error = Some(format!("to: {e}"));
                    return o;
                }
            };
            let mut broken = 0usize;
            for a in &from {
                for b in &to {
                    if a == b || matches!((a, b), (Endpoint::External(_), Endpoint::External(_))) {
                        continue;
                    }
                    o.pairs += 1;
                    let v = m.reach(a, b);
                    let allowed = v.decide(port) == Decision::Allowed;
                    if allowed == (f.expect == Expect::Allow) {
                        continue;
                    }
                    broken += 1;
                    if o.failures.len() < 20 {
                        let mut why = Vec::new();
                        for (label, d) in [("egress", &v.egress), ("ingress", &v.ingress)] {
                            if !d.isolated {
                                why.push(format!("{label} not isolated"));
                                continue;
                            }
                            let rules: Vec<String> = d
                                .rules
                                .iter()
                                .map(|(r, ports)| {
                                    format!(
                                        "{} rule {}: {ports}",
                                        m.policies[r.policy].id(),
                                        r.rule
                                    )
                                })
                                .collect();
                            let pols: Vec<String> =
                                d.policies.iter().map(|&p| m.policies[p].id()).collect();
                            if rules.is_empty() {
                                why.push(format!(
                                    "{label} isolated by {} with no rule matching",
                                    pols.join(", ")
                                ));
                            } else {
                                why.push(format!("{label} allowed by {}", rules.join("; ")));
                            }
                        }
                        o.failures.push(format!(
                            "{} → {}: {} ({}; allowed: {})",
                            describe(m, a),
                            describe(m, b),
                            if allowed { "allowed" } else { "denied" },
                            why.join("; "),
                            v.allowed
                        ));
                    }
                }
            }
            if o.pairs == 0 {
                o.error = Some("no pair of endpoints to check".into());
            } else {
                o.passed = broken == 0;
                if broken > o.failures.len() {
                    o.failures
                        .push(format!("… and {} more pair(s)", broken - o.failures.len()));
                }
            }
            o
        })
        .collect()
}

/// Proposes flows from today's reachability: for every workload that policies isolate for
/// ingress, an `allow` for each workload that reaches it (on the ports it may), and a `deny`
/// from every other workload of its namespace. A starting point for a team to curate.
pub fn suggest(m: &Model<'_>, mx: &Matrix) -> FlowFile {
    let mut flows = Vec::new();
    let id = |i: usize| {
        let w = &m.workloads[i];
        format!("{}/{}/{}", w.namespace, w.kind, w.name)
    };
    for to in 0..m.workloads.len() {
        let isolated = m
            .reach(&Endpoint::Workload(to), &Endpoint::Workload(to))
            .ingress
            .isolated;
        if !isolated {
            continue;
        }
        let mut denied_same_ns = false;
        for from in 0..m.workloads.len() {
            if from == to {
                continue;
            }
            let ports = mx.get(from, to);
            if ports.is_empty() {
                if m.workloads[from].namespace == m.workloads[to].namespace {
                    denied_same_ns = true;
                }
                continue;
            }
            let single = Protocol::ALL.iter().find_map(|&p| match ports.ranges(p) {
                [(lo, hi)] if lo == hi => Some(format!("{lo}/{}", p.as_str())),
                _ => None,
            });
            flows.push(Flow {
                name: format!("{} reaches {}", id(from), id(to)),
                from: Peer::Name(id(from)),
                to: Peer::Name(id(to)),
                port: single,
                expect: Expect::Allow,
                reason: Some(format!("allowed today ({ports})")),
            });
        }
        if denied_same_ns {
            flows.push(Flow {
                name: format!(
                    "the rest of {} cannot reach {}",
                    m.workloads[to].namespace,
                    id(to)
                ),
                from: Peer::Selector(Selector {
                    namespace: Some(m.workloads[to].namespace.clone()),
                    ..Selector::default()
                }),
                to: Peer::Name(id(to)),
                port: None,
                expect: Expect::Deny,
                reason: Some(
                    "denied today for some workloads of the namespace: narrow the selector to them"
                        .into(),
                ),
            });
        }
    }
    FlowFile { flows }
}
