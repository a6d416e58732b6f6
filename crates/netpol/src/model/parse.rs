//! Parsing NetworkPolicies from the span-carrying tree, with the field paths findings point
//! at; what the API server would reject is reported and allows nothing.

use super::{DEFAULT_NAMESPACE, Peer, PeerKind, Policy, PolicyPort, PolicyRule, PortRef};
use crate::cidr::Cidr;
use crate::ports::Protocol;
use stockade_inventory::Object;
use stockade_inventory::selector::LabelSelector;
use stockade_model::FieldPath;
use stockade_sources::{Node, Value};

/// Problems found while parsing: the object, the path and what is wrong.
pub(super) type Problems<'a> = Vec<(&'a Object, FieldPath, String)>;

pub(super) fn parse_policy<'a>(o: &'a Object, problems: &mut Problems<'a>) -> Option<Policy<'a>> {
    let spec_path = FieldPath::parse("spec");
    let Some(spec) = o.root.get("spec") else {
        problems.push((o, spec_path, "a NetworkPolicy needs a `spec`".into()));
        return None;
    };
    let mut errs: Vec<(FieldPath, String)> = Vec::new();
    // A value, not a pointer, in the API: missing or null is `{}` and selects every pod.
    let pod_selector = match spec.get("podSelector") {
        Some(n) => LabelSelector::parse_value(n, &spec_path.key("podSelector"), &mut errs),
        None => LabelSelector::everything(),
    };
    let ingress = parse_rules(spec, "ingress", "from", &mut errs);
    let egress = parse_rules(spec, "egress", "to", &mut errs);
    let types_node = spec.get("policyTypes");
    let types: Vec<(usize, &Node)> = types_node
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .collect();
    if let Some(t) = types_node
        && !matches!(t.value, Value::Seq(_) | Value::Null)
    {
        errs.push((
            spec_path.key("policyTypes"),
            format!("policyTypes must be a list, found {}", t.type_name()),
        ));
    }
    let (affects_ingress, affects_egress, explicit) = if types.is_empty() {
        // The API server's defaulting: Ingress always, Egress when there are egress rules.
        let has_egress = spec.get("egress").is_some_and(|e| !e.items().is_empty());
        (true, has_egress, false)
    } else {
        let (mut i, mut e) = (false, false);
        for (idx, t) in types {
            match t.as_str() {
                Some("Ingress") => i = true,
                Some("Egress") => e = true,
                _ => errs.push((
                    spec_path.key("policyTypes").index(idx),
                    format!(
                        "policy type must be \"Ingress\" or \"Egress\" (case matters), found {}",
                        t.value
                    ),
                )),
            }
        }
        (i, e, true)
    };
    problems.extend(errs.into_iter().map(|(p, m)| (o, p, m)));
    Some(Policy {
        object: o,
        namespace: o.namespace().unwrap_or(DEFAULT_NAMESPACE).to_string(),
        name: o.name().to_string(),
        pod_selector,
        ingress,
        egress,
        affects_ingress,
        affects_egress,
        policy_types_explicit: explicit,
    })
}

fn parse_rules(
    spec: &Node,
    field: &str,
    peers_field: &str,
    errs: &mut Vec<(FieldPath, String)>,
) -> Vec<PolicyRule> {
    let base = FieldPath::parse("spec").key(field);
    let Some(list) = spec.get(field) else {
        return Vec::new();
    };
    if !matches!(list.value, Value::Seq(_) | Value::Null) {
        errs.push((
            base,
            format!(
                "{field} must be a list of rules, found {}",
                list.type_name()
            ),
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, r) in list.items().iter().enumerate() {
        let path = base.index(i);
        let mut rule = PolicyRule {
            index: i,
            path: path.clone(),
            peers: Vec::new(),
            ports: Vec::new(),
        };
        if !matches!(r.value, Value::Map(_) | Value::Null) {
            errs.push((
                path,
                format!("a rule must be a mapping, found {}", r.type_name()),
            ));
            // An unparseable rule allows nothing: give it one invalid peer and no ports.
            rule.peers.push(Peer {
                kind: PeerKind::Invalid,
                path: rule.path.clone(),
            });
            out.push(rule);
            continue;
        }
        for (j, p) in r
            .get(peers_field)
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let pp = path.key(peers_field).index(j);
            rule.peers.push(Peer {
                kind: parse_peer(p, &pp, errs),
                path: pp,
            });
        }
        for (j, p) in r
            .get("ports")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            rule.ports
                .push(parse_port(p, &path.key("ports").index(j), errs));
        }
        out.push(rule);
    }
    out
}

fn parse_peer(p: &Node, path: &FieldPath, errs: &mut Vec<(FieldPath, String)>) -> PeerKind {
    let pods = p.get("podSelector").filter(|n| !n.is_null());
    let nss = p.get("namespaceSelector").filter(|n| !n.is_null());
    let block = p.get("ipBlock").filter(|n| !n.is_null());
    if let Some(b) = block {
        if pods.is_some() || nss.is_some() {
            errs.push((
                path.clone(),
                "a peer may set `ipBlock` or selectors, not both: split it into two peers".into(),
            ));
            return PeerKind::Invalid;
        }
        let bp = path.key("ipBlock");
        let Some(cidr) = b.get("cidr").and_then(Node::as_str).and_then(Cidr::parse) else {
            errs.push((
                bp.key("cidr"),
                "ipBlock needs a `cidr` such as 10.0.0.0/8 or 2001:db8::/32".into(),
            ));
            return PeerKind::Invalid;
        };
        let mut except = Vec::new();
        for (i, e) in b
            .get("except")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            match e.as_str().and_then(Cidr::parse) {
                Some(c) if cidr.covers(&c) && c.prefix() > cidr.prefix() => except.push(c),
                Some(c) => {
                    errs.push((
                        bp.key("except").index(i),
                        format!("except {c} must be strictly inside cidr {cidr}"),
                    ));
                    return PeerKind::Invalid;
                }
                None => {
                    errs.push((
                        bp.key("except").index(i),
                        format!("not a CIDR: {}", e.value),
                    ));
                    return PeerKind::Invalid;
                }
            }
        }
        return PeerKind::IpBlock { cidr, except };
    }
    if pods.is_none() && nss.is_none() {
        errs.push((
            path.clone(),
            "a peer must set `podSelector`, `namespaceSelector` or `ipBlock`".into(),
        ));
        return PeerKind::Invalid;
    }
    PeerKind::Pods {
        pods: pods.map(|n| LabelSelector::parse(n, &path.key("podSelector"), errs)),
        namespaces: nss.map(|n| LabelSelector::parse(n, &path.key("namespaceSelector"), errs)),
    }
}

fn parse_port(p: &Node, path: &FieldPath, errs: &mut Vec<(FieldPath, String)>) -> PolicyPort {
    let mut out = PolicyPort {
        protocol: Protocol::Tcp,
        port: None,
        end_port: None,
        path: path.clone(),
        invalid: false,
    };
    let bad = |errs: &mut Vec<(FieldPath, String)>, rel: &str, m: String| {
        errs.push((path.key(rel), m));
    };
    match p.get("protocol").filter(|n| !n.is_null()) {
        None => {}
        Some(n) => match n.as_str().and_then(Protocol::parse) {
            Some(pr) => out.protocol = pr,
            None => {
                bad(
                    errs,
                    "protocol",
                    format!(
                        "protocol must be TCP, UDP or SCTP (case matters), found {}",
                        n.value
                    ),
                );
                out.invalid = true;
            }
        },
    }
    match p.get("port").map(|n| &n.value) {
        None | Some(Value::Null) => {}
        Some(Value::Int(n)) => match u16::try_from(*n).ok().filter(|n| *n > 0) {
            Some(n) => out.port = Some(PortRef::Number(n)),
            None => {
                bad(
                    errs,
                    "port",
                    format!("port must be between 1 and 65535, found {n}"),
                );
                out.invalid = true;
            }
        },
        Some(Value::Str(s)) => {
            if s.is_empty() || !s.bytes().any(|b| b.is_ascii_alphabetic()) {
                bad(
                    errs,
                    "port",
                    format!(
                        "a named port must contain a letter, found {s:?} (write numbers unquoted)"
                    ),
                );
                out.invalid = true;
            }
            out.port = Some(PortRef::Name(s.to_string()));
        }
        Some(v) => {
            bad(
                errs,
                "port",
                format!("port must be a number or a name, found {}", v.type_name()),
            );
            out.invalid = true;
        }
    }
    match p.get("endPort").map(|n| &n.value) {
        None | Some(Value::Null) => {}
        Some(Value::Int(e)) => match (&out.port, u16::try_from(*e).ok()) {
            (Some(PortRef::Number(n)), Some(e)) if e >= *n => out.end_port = Some(e),
            (Some(PortRef::Number(n)), _) => {
                bad(
                    errs,
                    "endPort",
                    format!("endPort {e} must be at least port {n} and at most 65535"),
                );
                out.invalid = true;
            }
            _ => {
                bad(
                    errs,
                    "endPort",
                    "endPort needs a numeric `port` to start the range".into(),
                );
                out.invalid = true;
            }
        },
        Some(v) => {
            bad(
                errs,
                "endPort",
                format!("endPort must be a number, found {}", v.type_name()),
            );
            out.invalid = true;
        }
    }
    out
}
