//! The change in reachability between two versions of the same cluster's objects: for every
//! pair of workloads present on both sides, the ports lost and gained, with the policies and
//! rules that decide on each side; the same for addresses outside the cluster; and the
//! workloads present on one side only.

use crate::eval::Endpoint;
use crate::matrix::Matrix;
use crate::model::Model;
use crate::ports::PortSet;
use serde::Serialize;
use std::collections::BTreeMap;

/// One side's reasons: the policies that isolate each end and the rules that allow.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Why {
    /// `egress: ns/policy` for each policy isolating the source's egress, then `ingress: …`.
    pub policies: Vec<String>,
    /// `ingress ns/policy rule 2: TCP 8080` for each rule that matches.
    pub rules: Vec<String>,
}

/// A change of what one workload (or outside range) may open to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Source: `ns/kind/name`, or `outside: CIDR`.
    pub from: String,
    /// Destination: `ns/kind/name`, or `outside: CIDR`.
    pub to: String,
    /// The namespace the change is reported under (the destination's, or the source's for
    /// egress to outside).
    pub namespace: String,
    /// Before.
    pub before: String,
    /// After.
    pub after: String,
    /// Ports allowed before and no longer.
    pub lost: String,
    /// Ports allowed now and not before.
    pub gained: String,
    /// Whether any port was lost.
    pub has_lost: bool,
    /// Whether any port was gained.
    pub has_gained: bool,
    /// Why, before.
    pub why_before: Why,
    /// Why, after.
    pub why_after: Why,
}

/// The whole diff.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// Pairs whose connectivity changes, by namespace, source and destination.
    pub changes: Vec<Change>,
    /// Workloads only in the old inputs (`ns/kind/name`).
    pub removed: Vec<String>,
    /// Workloads only in the new inputs.
    pub added: Vec<String>,
    /// Workloads on both sides.
    pub common: usize,
}

fn key(m: &Model<'_>, i: usize) -> String {
    let w = &m.workloads[i];
    format!("{}/{}/{}", w.namespace, w.kind, w.name)
}

fn why(m: &Model<'_>, from: &Endpoint, to: &Endpoint) -> Why {
    let v = m.reach(from, to);
    let mut out = Why::default();
    for (label, d) in [("egress", &v.egress), ("ingress", &v.ingress)] {
        for &p in &d.policies {
            out.policies
                .push(format!("{label}: {}", m.policies[p].id()));
        }
        for (r, ports) in &d.rules {
            out.rules.push(format!(
                "{label} {} rule {}: {ports}",
                m.policies[r.policy].id(),
                r.rule
            ));
        }
    }
    out
}

fn change(
    from: String,
    to: String,
    namespace: String,
    before: &PortSet,
    after: &PortSet,
    why_before: Why,
    why_after: Why,
) -> Change {
    let lost = before.difference(after);
    let gained = after.difference(before);
    Change {
        from,
        to,
        namespace,
        before: before.to_string(),
        after: after.to_string(),
        has_lost: !lost.is_empty(),
        has_gained: !gained.is_empty(),
        lost: lost.to_string(),
        gained: gained.to_string(),
        why_before,
        why_after,
    }
}

/// Outside ranges a workload may reach or be reached from, by range.
fn outside(peers: &[crate::matrix::ExternalPeer]) -> BTreeMap<String, PortSet> {
    let mut out: BTreeMap<String, PortSet> = BTreeMap::new();
    for p in peers {
        out.entry(p.block.clone()).or_default().add(&p.ports);
    }
    out
}

/// The diff from `old` to `new` (each with its matrix).
pub fn diff(old: &Model<'_>, old_mx: &Matrix, new: &Model<'_>, new_mx: &Matrix) -> Diff {
    let old_keys: BTreeMap<String, usize> =
        (0..old.workloads.len()).map(|i| (key(old, i), i)).collect();
    let new_keys: BTreeMap<String, usize> =
        (0..new.workloads.len()).map(|i| (key(new, i), i)).collect();
    let common: Vec<(&String, usize, usize)> = old_keys
        .iter()
        .filter_map(|(k, &o)| new_keys.get(k).map(|&n| (k, o, n)))
        .collect();
    let mut d = Diff {
        removed: old_keys
            .keys()
            .filter(|k| !new_keys.contains_key(*k))
            .cloned()
            .collect(),
        added: new_keys
            .keys()
            .filter(|k| !old_keys.contains_key(*k))
            .cloned()
            .collect(),
        common: common.len(),
        changes: Vec::new(),
    };
    for &(fk, fo, fnw) in &common {
        for &(tk, to, tn) in &common {
            // Interned ids: 0 is no port and 1 every port in both matrices.
            let (ca, cb) = (old_mx.cell(fo, to), new_mx.cell(fnw, tn));
            if ca == cb && ca <= 1 {
                continue;
            }
            let (a, b) = (old_mx.get(fo, to), new_mx.get(fnw, tn));
            if a == b {
                continue;
            }
            d.changes.push(change(
                fk.clone(),
                tk.clone(),
                new.workloads[tn].namespace.clone(),
                a,
                b,
                why(old, &Endpoint::Workload(fo), &Endpoint::Workload(to)),
                why(new, &Endpoint::Workload(fnw), &Endpoint::Workload(tn)),
            ));
        }
        // Outside the cluster, both directions.
        let (ea, eb) = (&old_mx.external[fo], &new_mx.external[fnw]);
        for (ingress, pa, pb) in [
            (true, &ea.ingress, &eb.ingress),
            (false, &ea.egress, &eb.egress),
        ] {
            let (ma, mb) = (outside(pa), outside(pb));
            let mut blocks: Vec<&String> = ma.keys().chain(mb.keys()).collect();
            blocks.sort();
            blocks.dedup();
            let none = PortSet::none();
            for block in blocks {
                let (a, b) = (
                    ma.get(block).unwrap_or(&none),
                    mb.get(block).unwrap_or(&none),
                );
                if a == b {
                    continue;
                }
                let peer = format!("outside: {block}");
                let ns = new.workloads[fnw].namespace.clone();
                let (from, to) = if ingress {
                    (peer, fk.clone())
                } else {
                    (fk.clone(), peer)
                };
                d.changes
                    .push(change(from, to, ns, a, b, Why::default(), Why::default()));
            }
        }
    }
    d.changes
        .sort_by(|a, b| (&a.namespace, &a.to, &a.from).cmp(&(&b.namespace, &b.to, &b.from)));
    d
}
