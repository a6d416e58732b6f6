//! The `stockade netpol` text output.
//!
//! Workload, policy and label names come from the inputs: each is written through
//! [`TermLine`] (or [`term`]), and the whole output through a [`TerminalWriter`] as a
//! backstop.

use std::fmt::Write as _;
use std::io::{self, Write};
use stockade_model::escape::{TermLine, TerminalWriter};
use stockade_netpol::answer::{DirectionAnswer, EndpointAnswer, Explain, MatrixAnswer, Reach};
use stockade_netpol::{ExternalPeer, Protocol};

/// An input value for the text output: one line, control characters escaped.
fn term(v: impl std::fmt::Display) -> String {
    TermLine(v).to_string()
}

fn write(w: &mut dyn Write, text: &str) -> io::Result<()> {
    let mut out = TerminalWriter::new(w, false);
    out.write_all(text.as_bytes())?;
    out.finish()
}

/// `netpol reach`.
pub fn reach(a: &Reach, w: &mut dyn Write) -> io::Result<()> {
    let (fs, ts) = (term(a.from.id()), term(a.to.id()));
    let mut s = String::new();
    let on = a
        .port
        .map(|(p, n)| format!(" on {n}/{p}"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "{}: {fs} -> {ts}{on}",
        if a.allowed { "allowed" } else { "denied" }
    );
    s.push_str(&direction(&a.egress, false, &fs, a.port, &ts));
    s.push_str(&direction(&a.ingress, true, &ts, a.port, &fs));
    let _ = writeln!(s, "  ports allowed both ways: {}", term(&a.allowed_ports));
    write(w, &s)
}

fn direction(
    d: &DirectionAnswer,
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
        .map(|p| match &p.location {
            Some(l) => format!("{} ({})", term(&p.id), term(l)),
            None => term(&p.id),
        })
        .collect();
    let ok = match port {
        Some((p, n)) => d.allowed_ports.contains(p, n),
        None => !d.allowed_ports.is_empty(),
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
        .filter(|r| port.is_none_or(|(p, n)| r.ports.contains(p, n)))
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
                term(&d.allowed_ports)
            );
        }
    }
    for r in relevant {
        let at = r
            .location
            .as_ref()
            .map(|l| format!(" at {}", term(l)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "    allowed by {} {}{at}: {}",
            term(&r.policy),
            r.path,
            term(&r.ports)
        );
    }
    s
}

/// `netpol matrix`: a grid up to 40 workloads, else a list per source; a legend of the port
/// sets; access to and from outside addresses.
pub fn matrix(a: &MatrixAnswer, w: &mut dyn Write) -> io::Result<()> {
    write(w, &matrix_text(a))
}

fn matrix_text(a: &MatrixAnswer) -> String {
    let mut s = String::new();
    let n = a.workloads.len();
    if n == 0 {
        s.push_str("no workloads in the inputs\n");
        return s;
    }
    // Port sets other than all/none get a letter in a legend.
    let mut legend: Vec<usize> = Vec::new();
    let mut mark = |set: usize| -> String {
        match set {
            0 => "-".into(),
            1 => "all".into(),
            _ => {
                let i = legend.iter().position(|x| *x == set).unwrap_or_else(|| {
                    legend.push(set);
                    legend.len() - 1
                });
                label(i)
            }
        }
    };
    let id_of = |i: usize| term(&a.workloads[i].id);
    if n <= 40 {
        let _ = writeln!(
            s,
            "from (row) -> to (column); all: every port, -: nothing\n"
        );
        let width = (0..n).map(|i| id_of(i).len()).max().unwrap_or(0);
        let _ = write!(s, "{:>w$}    ", "", w = width + 3);
        for c in 0..n {
            let _ = write!(s, "{:>4}", c + 1);
        }
        s.push('\n');
        for (r, row) in a.cells.iter().enumerate() {
            let _ = write!(s, "{:>3} {:<w$}    ", r + 1, id_of(r), w = width);
            for &cell in row {
                let _ = write!(s, "{:>4}", mark(cell));
            }
            s.push('\n');
        }
    } else {
        let _ = writeln!(s, "who may connect to whom (all: every port)\n");
        for (src, row) in a.cells.iter().enumerate() {
            let mut groups: Vec<(usize, Vec<String>)> = Vec::new();
            for (dst, &cell) in row.iter().enumerate() {
                if cell == 0 {
                    continue;
                }
                match groups.iter_mut().find(|g| g.0 == cell) {
                    Some(g) => g.1.push(id_of(dst)),
                    None => groups.push((cell, vec![id_of(dst)])),
                }
            }
            let _ = writeln!(s, "{}", id_of(src));
            if groups.is_empty() {
                let _ = writeln!(s, "  -> nothing");
            }
            for (cell, to) in groups {
                let n = to.len();
                let list = if n > 8 {
                    format!("{} and {} more", to[..8].join(", "), n - 8)
                } else {
                    to.join(", ")
                };
                let _ = writeln!(s, "  -> [{}] {list}", mark(cell));
            }
        }
    }
    if !legend.is_empty() {
        s.push('\n');
        for (i, set) in legend.iter().enumerate() {
            let set = a.port_sets.get(*set).cloned().unwrap_or_default();
            let _ = writeln!(s, "{:>4}: {}", label(i), term(set));
        }
    }
    s.push_str("\noutside the cluster (ipBlock peers and rules without peers)\n");
    for (i, e) in a.external.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {}: in from {}; out to {}",
            id_of(i),
            external(&e.ingress),
            external(&e.egress)
        );
    }
    s
}

fn external(v: &[ExternalPeer]) -> String {
    if v.is_empty() {
        return "nothing".into();
    }
    v.iter()
        .map(|p| format!("{} ({})", term(&p.block), term(&p.ports)))
        .collect::<Vec<_>>()
        .join(", ")
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

/// `netpol explain`.
pub fn explain(a: &Explain, w: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    if let EndpointAnswer::Workload {
        namespace,
        kind,
        name,
        location,
        ..
    } = &a.workload
    {
        let at = location
            .as_ref()
            .map(|l| format!(" ({})", term(l)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{}/{}/{}{at}",
            term(namespace),
            term(kind.to_lowercase()),
            term(name)
        );
    }
    let labels: Vec<String> = a
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
    let ports: Vec<String> = a
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
    if a.host_network {
        let _ = writeln!(
            s,
            "  hostNetwork: policies neither select nor match it (it is treated as its node)"
        );
    }
    for ingress in [true, false] {
        let name = if ingress { "ingress" } else { "egress" };
        let side = if ingress { &a.ingress } else { &a.egress };
        let pols = &side.policies;
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
            let at = p
                .policy
                .location
                .as_ref()
                .map(|l| format!(" ({})", term(l)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {}{at}, podSelector {}",
                term(&p.policy.id),
                term(&p.pod_selector)
            );
            if p.rules.is_empty() {
                let _ = writeln!(s, "    no {name} rules: allows nothing");
            }
            for r in &p.rules {
                let peers = if r.all_peers {
                    "anyone".to_string()
                } else {
                    r.peers.iter().map(term).collect::<Vec<_>>().join("; ")
                };
                let ports = if ingress {
                    term(&r.ports)
                } else if r.written_ports.is_empty() {
                    "all ports".into()
                } else {
                    r.written_ports
                        .iter()
                        .map(term)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let dir = if ingress { "from" } else { "to" };
                let _ = writeln!(s, "    {}: {dir} {peers}; {ports}", term(&r.path));
            }
        }
        let list = &side.peers;
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
        let e: Vec<String> = side
            .external
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
    write(w, &s)
}
