//! `stockade netpol reach|matrix|explain`: exact NetworkPolicy v1 reachability over the same
//! inputs as `scan` (manifests or `--cluster`).
//!
//! Exit codes: `reach` 0 when allowed, 1 when denied; 2 for usage or input errors (results
//! for what could be read are still printed).
//!
//! Workload, policy and label names in the text output come from the inputs: each is written
//! through [`TermLine`] (or [`term`]), and [`out`] writes through a [`TerminalWriter`] as a
//! backstop.

use super::inputs::{self, Loaded};
use crate::cli::{NetpolArgs, NetpolCommand, NetpolExplainArgs, NetpolMatrixArgs, NetpolReachArgs};
use anyhow::{Context, bail};
use serde_json::{Value as Json, json};
use std::fmt::Write as _;
use std::io::Write;
use std::net::IpAddr;
use stockade_inventory::Inventory;
use stockade_model::escape::{TermLine, TerminalWriter, json_compact, json_pretty};
use stockade_model::{Diagnostic, DiagnosticLevel, FieldPath};
use stockade_netpol::{Direction, Endpoint, Matrix, Model, Policy, Protocol, Verdict};

pub fn run(args: NetpolArgs) -> anyhow::Result<u8> {
    match args.command {
        NetpolCommand::Reach(a) => reach(a),
        NetpolCommand::Matrix(a) => matrix(a),
        NetpolCommand::Explain(a) => explain(a),
    }
}

/// Loads inputs and builds the model; prints diagnostics to stderr; returns whether any was an
/// input error.
fn load(input: &crate::cli::InputArgs) -> anyhow::Result<(Inventory, Vec<Diagnostic>)> {
    let Loaded {
        inv, diagnostics, ..
    } = inputs::load(input)?;
    Ok((inv, diagnostics))
}

fn report_diagnostics(diags: &[Diagnostic]) -> bool {
    let mut err = anstream::stderr();
    for d in diags {
        let level = match d.level {
            DiagnosticLevel::Error => "error",
            _ => "warning",
        };
        let at = match &d.path {
            Some(p) if d.line > 0 => format!("{}:{}:{}: ", TermLine(p), d.line, d.column),
            Some(p) => format!("{}: ", TermLine(p)),
            None => String::new(),
        };
        let _ = writeln!(err, "{level}: {at}{}", TermLine(&d.message));
    }
    diags.iter().any(|d| d.level == DiagnosticLevel::Error)
}

/// Writes text output to stdout (no control character reaches the terminal raw).
fn out(text: &str) -> anyhow::Result<()> {
    let mut lock = TerminalWriter::new(std::io::stdout().lock(), false);
    match lock.write_all(text.as_bytes()).and_then(|_| lock.finish()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Writes JSON, serialized by `json_pretty` or `json_compact`, to stdout.
fn out_json(text: &str) -> anyhow::Result<()> {
    let mut lock = std::io::stdout().lock();
    match lock.write_all(text.as_bytes()).and_then(|_| lock.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn parse_port(s: &str) -> anyhow::Result<(Protocol, u16)> {
    let (num, proto) = match s.split_once('/') {
        Some((n, p)) => (
            n,
            Protocol::parse_lenient(p)
                .with_context(|| format!("--port {s:?}: protocol must be TCP, UDP or SCTP"))?,
        ),
        None => (s, Protocol::Tcp),
    };
    let n: u16 = num.parse().ok().filter(|n| *n > 0).with_context(|| {
        format!("--port {s:?}: expected a port number from 1 to 65535, e.g. 5432/TCP")
    })?;
    Ok((proto, n))
}

fn endpoint(m: &Model<'_>, spec: &str, flag: &str) -> anyhow::Result<Endpoint> {
    if let Ok(ip) = spec.parse::<IpAddr>() {
        return Ok(Endpoint::External(ip));
    }
    m.find(spec)
        .map(Endpoint::Workload)
        .map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}

/// An endpoint for the text output (escaped).
fn describe(m: &Model<'_>, e: &Endpoint) -> String {
    match e {
        Endpoint::Workload(i) => term(m.workloads[*i].id()),
        Endpoint::External(ip) => ip.to_string(),
    }
}

/// An input value for the text output: one line, control characters escaped.
fn term(v: impl std::fmt::Display) -> String {
    TermLine(v).to_string()
}

fn endpoint_json(m: &Model<'_>, inv: &Inventory, e: &Endpoint) -> Json {
    match e {
        Endpoint::Workload(i) => {
            let w = &m.workloads[*i];
            json!({
                "namespace": w.namespace,
                "kind": w.kind,
                "name": w.name,
                "location": location(inv, w.object, &FieldPath::parse("metadata.name")),
            })
        }
        Endpoint::External(ip) => json!({ "ip": ip.to_string() }),
    }
}

fn location(inv: &Inventory, o: &stockade_inventory::Object, path: &FieldPath) -> Option<String> {
    let l = inv.location(o, path)?;
    Some(if l.line > 0 {
        format!("{}:{}:{}", l.path, l.line, l.column)
    } else {
        l.path
    })
}

fn rule_path(ingress: bool, rule: usize) -> FieldPath {
    FieldPath::parse("spec")
        .key(if ingress { "ingress" } else { "egress" })
        .index(rule)
}

fn direction_json(m: &Model<'_>, inv: &Inventory, d: &Direction, ingress: bool) -> Json {
    json!({
        "applies": d.applies,
        "isolated": d.isolated,
        "allowedPorts": d.allowed,
        "policies": d.policies.iter().map(|&pi| {
            let p = &m.policies[pi];
            json!({"namespace": p.namespace, "name": p.name, "location": location(inv, p.object, &FieldPath::parse("metadata.name"))})
        }).collect::<Vec<_>>(),
        "rules": d.rules.iter().map(|(r, ports)| {
            let p = &m.policies[r.policy];
            let path = rule_path(ingress, r.rule);
            json!({"policy": p.id(), "path": path, "ports": ports, "location": location(inv, p.object, &path)})
        }).collect::<Vec<_>>(),
    })
}

fn direction_text(
    m: &Model<'_>,
    inv: &Inventory,
    d: &Direction,
    ingress: bool,
    who: &str,
    port: Option<(Protocol, u16)>,
    other: &str,
) -> String {
    let side = if ingress { "ingress" } else { "egress" };
    if !d.applies {
        return format!("  {side} of {who}: outside the cluster, not subject to NetworkPolicy\n");
    }
    if !d.isolated {
        return format!(
            "  {side} of {who}: allowed, no policy selects it for {side} (not isolated)\n"
        );
    }
    let mut s = String::new();
    let names: Vec<String> = d
        .policies
        .iter()
        .map(|&pi| {
            let p = &m.policies[pi];
            match location(inv, p.object, &FieldPath::parse("metadata.name")) {
                Some(l) => format!("{} ({})", term(p.id()), term(l)),
                None => term(p.id()),
            }
        })
        .collect();
    let ok = match port {
        Some((p, n)) => d.allowed.contains(p, n),
        None => !d.allowed.is_empty(),
    };
    let _ = writeln!(
        s,
        "  {side} of {who}: {}, isolated by {}",
        if ok { "allowed" } else { "denied" },
        names.join(", ")
    );
    let relevant: Vec<_> = d
        .rules
        .iter()
        .filter(|(_, ports)| port.is_none_or(|(p, n)| ports.contains(p, n)))
        .collect();
    if relevant.is_empty() {
        let what = match port {
            Some((p, n)) => format!("{n}/{p}"),
            None => "any port".into(),
        };
        if d.rules.is_empty() {
            let _ = writeln!(s, "    no rule of these policies matches {other}");
        } else {
            let _ = writeln!(
                s,
                "    rules matching {other} allow only {}, not {what}",
                term(&d.allowed)
            );
        }
    }
    for (r, ports) in relevant {
        let p = &m.policies[r.policy];
        let path = rule_path(ingress, r.rule);
        let at = location(inv, p.object, &path)
            .map(|l| format!(" at {}", term(l)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "    allowed by {} {path}{at}: {}",
            term(p.id()),
            term(ports)
        );
    }
    s
}

fn reach(a: NetpolReachArgs) -> anyhow::Result<u8> {
    let port = a.port.as_deref().map(parse_port).transpose()?;
    let (inv, mut diags) = load(&a.input)?;
    let m = Model::build(&inv);
    diags.extend(m.diagnostics.iter().cloned());
    let input_errors = report_diagnostics(&diags);
    let from = endpoint(&m, &a.from, "--from")?;
    let to = endpoint(&m, &a.to, "--to")?;
    if matches!((from, to), (Endpoint::External(_), Endpoint::External(_))) {
        bail!("--from and --to are both addresses; at least one must be a workload");
    }
    let v: Verdict = m.reach(&from, &to);
    let allowed = match port {
        Some((p, n)) => v.allowed.contains(p, n),
        None => !v.allowed.is_empty(),
    };
    let (fs, ts) = (describe(&m, &from), describe(&m, &to));
    let port_text = port.map(|(p, n)| format!("{n}/{p}"));
    if a.output == "json" {
        let j = json!({
            "allowed": allowed,
            "from": endpoint_json(&m, &inv, &from),
            "to": endpoint_json(&m, &inv, &to),
            "port": port_text,
            "allowedPorts": v.allowed,
            "egress": direction_json(&m, &inv, &v.egress, false),
            "ingress": direction_json(&m, &inv, &v.ingress, true),
            "diagnostics": diags,
        });
        out_json(&(json_pretty(&j)? + "\n"))?;
    } else {
        let mut s = String::new();
        let on = port_text
            .as_deref()
            .map(|p| format!(" on {p}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{}: {fs} -> {ts}{on}",
            if allowed { "allowed" } else { "denied" }
        );
        s.push_str(&direction_text(&m, &inv, &v.egress, false, &fs, port, &ts));
        s.push_str(&direction_text(&m, &inv, &v.ingress, true, &ts, port, &fs));
        let _ = writeln!(s, "  ports allowed both ways: {}", term(&v.allowed));
        out(&s)?;
    }
    Ok(if input_errors {
        2
    } else if allowed {
        0
    } else {
        1
    })
}

fn matrix(a: NetpolMatrixArgs) -> anyhow::Result<u8> {
    let (inv, mut diags) = load(&a.input)?;
    let m = Model::build(&inv);
    diags.extend(m.diagnostics.iter().cloned());
    let input_errors = report_diagnostics(&diags);
    let mx = Matrix::compute(&m);
    let shown: Vec<usize> = (0..m.workloads.len())
        .filter(|&i| {
            a.namespace
                .as_deref()
                .is_none_or(|n| m.workloads[i].namespace == n)
        })
        .collect();
    if let Some(ns) = &a.namespace
        && shown.is_empty()
    {
        bail!("no workload in namespace {ns:?}");
    }
    if a.output == "json" {
        // Cells refer to `portSets` by index so large matrices stay compact.
        let mut ids: Vec<u32> = Vec::new();
        let mut index: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
        let mut cell_of = |id: u32| -> usize {
            *index.entry(id).or_insert_with(|| {
                ids.push(id);
                ids.len() - 1
            })
        };
        cell_of(0);
        cell_of(1);
        let cells: Vec<Vec<usize>> = shown
            .iter()
            .map(|&s| shown.iter().map(|&d| cell_of(mx.cell(s, d))).collect())
            .collect();
        let sets: Vec<String> = ids
            .iter()
            .map(|&i| {
                mx.sets()
                    .get(i as usize)
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect();
        #[derive(serde::Serialize)]
        struct MatrixJson<'a> {
            workloads: Vec<Json>,
            #[serde(rename = "portSets")]
            port_sets: Vec<String>,
            cells: Vec<Vec<usize>>,
            external: Vec<&'a stockade_netpol::ExternalAccess>,
            diagnostics: &'a [Diagnostic],
        }
        let j = MatrixJson {
            workloads: shown
                .iter()
                .map(|&i| {
                    let w = &m.workloads[i];
                    json!({"namespace": w.namespace, "kind": w.kind, "name": w.name})
                })
                .collect(),
            port_sets: sets,
            cells,
            external: shown.iter().map(|&i| &mx.external[i]).collect(),
            diagnostics: &diags,
        };
        let mut text = json_compact(&j)?;
        text.push('\n');
        out_json(&text)?;
    } else {
        out(&matrix_text(&m, &mx, &shown))?;
    }
    Ok(if input_errors { 2 } else { 0 })
}

fn matrix_text(m: &Model<'_>, mx: &Matrix, shown: &[usize]) -> String {
    let mut s = String::new();
    if shown.is_empty() {
        s.push_str("no workloads in the inputs\n");
        return s;
    }
    // Port sets other than all/none get a letter in a legend.
    let mut legend: Vec<u32> = Vec::new();
    let mut mark = |id: u32| -> String {
        match id {
            0 => "-".into(),
            1 => "all".into(),
            _ => {
                let i = legend.iter().position(|x| *x == id).unwrap_or_else(|| {
                    legend.push(id);
                    legend.len() - 1
                });
                label(i)
            }
        }
    };
    let id_of = |i: usize| term(m.workloads[i].id());
    if shown.len() <= 40 {
        let _ = writeln!(
            s,
            "from (row) -> to (column); all: every port, -: nothing\n"
        );
        let width = shown.iter().map(|&i| id_of(i).len()).max().unwrap_or(0);
        let _ = write!(s, "{:>w$}    ", "", w = width + 3);
        for (c, _) in shown.iter().enumerate() {
            let _ = write!(s, "{:>4}", c + 1);
        }
        s.push('\n');
        for (r, &src) in shown.iter().enumerate() {
            let _ = write!(s, "{:>3} {:<w$}    ", r + 1, id_of(src), w = width);
            for &dst in shown {
                let _ = write!(s, "{:>4}", mark(mx.cell(src, dst)));
            }
            s.push('\n');
        }
    } else {
        let _ = writeln!(s, "who may connect to whom (all: every port)\n");
        for &src in shown {
            let mut groups: Vec<(u32, Vec<String>)> = Vec::new();
            for &dst in shown {
                let id = mx.cell(src, dst);
                if id == 0 {
                    continue;
                }
                match groups.iter_mut().find(|g| g.0 == id) {
                    Some(g) => g.1.push(id_of(dst)),
                    None => groups.push((id, vec![id_of(dst)])),
                }
            }
            let _ = writeln!(s, "{}", id_of(src));
            if groups.is_empty() {
                let _ = writeln!(s, "  -> nothing");
            }
            for (id, to) in groups {
                let n = to.len();
                let list = if n > 8 {
                    format!("{} and {} more", to[..8].join(", "), n - 8)
                } else {
                    to.join(", ")
                };
                let _ = writeln!(s, "  -> [{}] {list}", mark(id));
            }
        }
    }
    if !legend.is_empty() {
        s.push('\n');
        for (i, id) in legend.iter().enumerate() {
            let set = mx.sets().get(*id as usize).cloned().unwrap_or_default();
            let _ = writeln!(s, "{:>4}: {}", label(i), term(set));
        }
    }
    s.push_str("\noutside the cluster (ipBlock peers and rules without peers)\n");
    for &w in shown {
        let e = &mx.external[w];
        let fmt = |v: &[stockade_netpol::ExternalPeer]| -> String {
            if v.is_empty() {
                return "nothing".into();
            }
            v.iter()
                .map(|p| format!("{} ({})", term(&p.block), term(&p.ports)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            s,
            "  {}: in from {}; out to {}",
            id_of(w),
            fmt(&e.ingress),
            fmt(&e.egress)
        );
    }
    s
}

/// `A`…`Z`, then `AA`….
fn label(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

fn explain(a: NetpolExplainArgs) -> anyhow::Result<u8> {
    let (inv, mut diags) = load(&a.input)?;
    let m = Model::build(&inv);
    diags.extend(m.diagnostics.iter().cloned());
    let input_errors = report_diagnostics(&diags);
    let wi = m.find(&a.workload).map_err(|e| anyhow::anyhow!("{e}"))?;
    let w = &m.workloads[wi];
    let me = Endpoint::Workload(wi);
    // Who can reach it and whom it can reach, with the ports.
    let mut inbound = Vec::new();
    let mut outbound = Vec::new();
    for other in 0..m.workloads.len() {
        let o = Endpoint::Workload(other);
        let vin = m.reach(&o, &me).allowed;
        if !vin.is_empty() {
            inbound.push((m.workloads[other].id(), vin));
        }
        let vout = m.reach(&me, &o).allowed;
        if !vout.is_empty() {
            outbound.push((m.workloads[other].id(), vout));
        }
    }
    let mx_ext = external_of(&m, wi);
    let side = |ingress: bool| -> Vec<&Policy<'_>> {
        let sel = if ingress {
            &m.ingress_policies[wi]
        } else {
            &m.egress_policies[wi]
        };
        sel.iter().map(|&pi| &m.policies[pi]).collect()
    };
    if a.output == "json" {
        let pol = |ingress: bool| -> Vec<Json> {
            side(ingress)
                .into_iter()
                .map(|p| {
                    json!({
                        "namespace": p.namespace,
                        "name": p.name,
                        "location": location(&inv, p.object, &FieldPath::parse("metadata.name")),
                        "podSelector": p.pod_selector.to_string(),
                        "rules": p.rules(ingress).iter().map(|r| json!({
                            "path": r.path,
                            "peers": if r.all_peers() { vec!["anyone".to_string()] } else { r.peers.iter().map(ToString::to_string).collect() },
                            "ports": r.port_set(Some(&w.ports)),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect()
        };
        let j = json!({
            "workload": endpoint_json(&m, &inv, &me),
            "labels": w.labels,
            "ports": w.ports.iter().map(|p| json!({"name": p.name, "port": p.port, "protocol": p.protocol})).collect::<Vec<_>>(),
            "ingress": {"isolated": !m.ingress_policies[wi].is_empty(), "policies": pol(true),
                        "from": inbound.iter().map(|(id, p)| json!({"workload": id, "ports": p})).collect::<Vec<_>>(),
                        "external": mx_ext.ingress},
            "egress": {"isolated": !m.egress_policies[wi].is_empty(), "policies": pol(false),
                       "to": outbound.iter().map(|(id, p)| json!({"workload": id, "ports": p})).collect::<Vec<_>>(),
                       "external": mx_ext.egress},
            "diagnostics": diags,
        });
        out_json(&(json_pretty(&j)? + "\n"))?;
        return Ok(if input_errors { 2 } else { 0 });
    }
    let mut s = String::new();
    let at = location(&inv, w.object, &FieldPath::parse("metadata.name"))
        .map(|l| format!(" ({})", term(l)))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "{}/{}/{}{at}",
        term(&w.namespace),
        term(w.kind.to_lowercase()),
        term(&w.name)
    );
    let labels: Vec<String> = w
        .labels
        .iter()
        .map(|(k, v)| format!("{}={}", term(k), term(v)))
        .collect();
    let _ = writeln!(
        s,
        "  pod labels: {}",
        if labels.is_empty() {
            "none".into()
        } else {
            labels.join(", ")
        }
    );
    let ports: Vec<String> = w
        .ports
        .iter()
        .map(|p| match &p.name {
            Some(n) => format!("{} {}/{}", term(n), p.port, p.protocol),
            None => format!("{}/{}", p.port, p.protocol),
        })
        .collect();
    let _ = writeln!(
        s,
        "  container ports: {}",
        if ports.is_empty() {
            "none declared".into()
        } else {
            ports.join(", ")
        }
    );
    if w.host_network {
        let _ = writeln!(
            s,
            "  hostNetwork: policies neither select nor match it (it is treated as its node)"
        );
    }
    for ingress in [true, false] {
        let name = if ingress { "ingress" } else { "egress" };
        let pols = side(ingress);
        s.push('\n');
        if pols.is_empty() {
            let _ = writeln!(
                s,
                "{name}: not isolated, no policy selects it for {name}: everything is allowed"
            );
        } else {
            let _ = writeln!(
                s,
                "{name}: isolated by {} polic{}; allowed is the union of their rules",
                pols.len(),
                if pols.len() == 1 { "y" } else { "ies" }
            );
        }
        for p in pols {
            let at = location(&inv, p.object, &FieldPath::parse("metadata.name"))
                .map(|l| format!(" ({})", term(l)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {}{at}, podSelector {}",
                term(p.id()),
                term(&p.pod_selector)
            );
            let rules = p.rules(ingress);
            if rules.is_empty() {
                let _ = writeln!(s, "    no {name} rules: allows nothing");
            }
            for r in rules {
                let peers = if r.all_peers() {
                    "anyone".to_string()
                } else {
                    r.peers.iter().map(term).collect::<Vec<_>>().join("; ")
                };
                let ports = if ingress {
                    term(r.port_set(Some(&w.ports)))
                } else if r.ports.is_empty() {
                    "all ports".into()
                } else {
                    r.ports.iter().map(term).collect::<Vec<_>>().join(", ")
                };
                let dir = if ingress { "from" } else { "to" };
                let _ = writeln!(s, "    {}: {dir} {peers}; {ports}", term(&r.path));
            }
        }
        let list = if ingress { &inbound } else { &outbound };
        let dir = if ingress {
            "reachable from"
        } else {
            "can reach"
        };
        if list.is_empty() {
            let _ = writeln!(s, "  {dir}: no workload");
        } else {
            let _ = writeln!(s, "  {dir} {} workload(s):", list.len());
            for (id, p) in list.iter().take(50) {
                let _ = writeln!(s, "    {} ({})", term(id), term(p));
            }
            if list.len() > 50 {
                let _ = writeln!(
                    s,
                    "    … and {} more (use -o json for all)",
                    list.len() - 50
                );
            }
        }
        let ext = if ingress {
            &mx_ext.ingress
        } else {
            &mx_ext.egress
        };
        let e: Vec<String> = ext
            .iter()
            .map(|p| format!("{} ({})", term(&p.block), term(&p.ports)))
            .collect();
        let _ = writeln!(
            s,
            "  outside the cluster: {}",
            if e.is_empty() {
                "nothing".into()
            } else {
                e.join(", ")
            }
        );
    }
    out(&s)?;
    Ok(if input_errors { 2 } else { 0 })
}

fn external_of(m: &Model<'_>, wi: usize) -> stockade_netpol::ExternalAccess {
    m.external_access(wi)
}
