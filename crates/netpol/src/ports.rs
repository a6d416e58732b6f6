//! Protocols and sets of ports: what a rule, a direction or a connection allows.

use serde::Serialize;
use std::fmt;

/// A transport protocol NetworkPolicy can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Protocol {
    /// TCP (the default).
    #[serde(rename = "TCP")]
    Tcp,
    /// UDP.
    #[serde(rename = "UDP")]
    Udp,
    /// SCTP.
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    /// Every protocol, in display order.
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    /// Parses the API spelling (`TCP`, `UDP`, `SCTP`; case matters, as in the API).
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// Parses leniently, for command-line input (`tcp` works).
    pub fn parse_lenient(s: &str) -> Option<Protocol> {
        Protocol::parse(&s.to_ascii_uppercase())
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The lowest and highest port numbers.
pub const MIN_PORT: u16 = 1;
/// The highest port number.
pub const MAX_PORT: u16 = 65535;

/// A set of (protocol, port) pairs: per protocol, sorted, disjoint, non-adjacent inclusive
/// ranges. Equal sets have equal representations, so sets can be hashed and interned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortSet {
    ranges: [Vec<(u16, u16)>; 3],
}

impl PortSet {
    /// No port at all.
    pub fn none() -> PortSet {
        PortSet::default()
    }

    /// Every port of every protocol.
    pub fn all() -> PortSet {
        let full = vec![(MIN_PORT, MAX_PORT)];
        PortSet {
            ranges: [full.clone(), full.clone(), full],
        }
    }

    /// Every port of one protocol.
    pub fn protocol(p: Protocol) -> PortSet {
        PortSet::range(p, MIN_PORT, MAX_PORT)
    }

    /// One inclusive range of one protocol (empty when `lo > hi`).
    pub fn range(p: Protocol, lo: u16, hi: u16) -> PortSet {
        let mut s = PortSet::none();
        if lo <= hi {
            s.ranges[p.index()].push((lo.max(MIN_PORT), hi));
        }
        s
    }

    /// One port of one protocol.
    pub fn single(p: Protocol, port: u16) -> PortSet {
        PortSet::range(p, port, port)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Vec::is_empty)
    }

    /// Whether the set holds every port of every protocol.
    pub fn is_all(&self) -> bool {
        self.ranges
            .iter()
            .all(|r| r.as_slice() == [(MIN_PORT, MAX_PORT)])
    }

    /// Whether `port` of protocol `p` is in the set.
    pub fn contains(&self, p: Protocol, port: u16) -> bool {
        self.ranges[p.index()]
            .iter()
            .any(|&(lo, hi)| lo <= port && port <= hi)
    }

    /// The ranges of one protocol.
    pub fn ranges(&self, p: Protocol) -> &[(u16, u16)] {
        &self.ranges[p.index()]
    }

    /// The union of two sets.
    pub fn union(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::none();
        for i in 0..3 {
            let mut all: Vec<(u16, u16)> = self.ranges[i]
                .iter()
                .chain(other.ranges[i].iter())
                .copied()
                .collect();
            all.sort_unstable();
            let mut merged: Vec<(u16, u16)> = Vec::with_capacity(all.len());
            for (lo, hi) in all {
                match merged.last_mut() {
                    Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => {
                        last.1 = last.1.max(hi);
                    }
                    _ => merged.push((lo, hi)),
                }
            }
            out.ranges[i] = merged;
        }
        out
    }

    /// Adds `other` to this set.
    pub fn add(&mut self, other: &PortSet) {
        *self = self.union(other);
    }

    /// The ports of `self` that are not in `other`.
    pub fn difference(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::none();
        for i in 0..3 {
            let b = &other.ranges[i];
            for &(lo, hi) in &self.ranges[i] {
                let mut cur = lo as u32;
                let end = hi as u32;
                for &(blo, bhi) in b {
                    let (blo, bhi) = (blo as u32, bhi as u32);
                    if bhi < cur || blo > end {
                        continue;
                    }
                    if blo > cur {
                        out.ranges[i].push((cur as u16, (blo - 1) as u16));
                    }
                    cur = bhi + 1;
                    if cur > end {
                        break;
                    }
                }
                if cur <= end {
                    out.ranges[i].push((cur as u16, end as u16));
                }
            }
        }
        out
    }

    /// The intersection of two sets.
    pub fn intersect(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::none();
        for i in 0..3 {
            let (a, b) = (&self.ranges[i], &other.ranges[i]);
            let (mut x, mut y) = (0, 0);
            while let (Some(&(alo, ahi)), Some(&(blo, bhi))) = (a.get(x), b.get(y)) {
                let lo = alo.max(blo);
                let hi = ahi.min(bhi);
                if lo <= hi {
                    out.ranges[i].push((lo, hi));
                }
                if ahi < bhi {
                    x += 1;
                } else {
                    y += 1;
                }
            }
        }
        out
    }
}

impl fmt::Display for PortSet {
    /// `all ports`, `no port`, or per protocol: `TCP 80,443,8000-8080; UDP all`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all ports");
        }
        if self.is_empty() {
            return f.write_str("no port");
        }
        let mut first = true;
        for p in Protocol::ALL {
            let r = self.ranges(p);
            if r.is_empty() {
                continue;
            }
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{p} ")?;
            if r == [(MIN_PORT, MAX_PORT)] {
                f.write_str("all")?;
                continue;
            }
            let parts: Vec<String> = r
                .iter()
                .map(|&(lo, hi)| {
                    if lo == hi {
                        lo.to_string()
                    } else {
                        format!("{lo}-{hi}")
                    }
                })
                .collect();
            f.write_str(&parts.join(","))?;
        }
        Ok(())
    }
}

impl Serialize for PortSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn difference() {
        let a = PortSet::range(Protocol::Tcp, 1, 100).union(&PortSet::single(Protocol::Udp, 53));
        let b = PortSet::range(Protocol::Tcp, 10, 20).union(&PortSet::single(Protocol::Tcp, 100));
        let d = a.difference(&b);
        assert_eq!(d.ranges(Protocol::Tcp), &[(1, 9), (21, 99)]);
        assert_eq!(d.ranges(Protocol::Udp), &[(53, 53)]);
        assert!(PortSet::all().difference(&PortSet::all()).is_empty());
        assert_eq!(PortSet::all().difference(&PortSet::none()), PortSet::all());
        assert_eq!(
            PortSet::all()
                .difference(&PortSet::single(Protocol::Tcp, 1))
                .ranges(Protocol::Tcp),
            &[(2, 65535)]
        );
    }

    use super::*;
    use Protocol::*;

    #[test]
    fn union_merges_overlapping_and_adjacent_ranges() {
        let a = PortSet::range(Tcp, 80, 90).union(&PortSet::range(Tcp, 91, 100));
        assert_eq!(a.ranges(Tcp), &[(80, 100)]);
        let b = a
            .union(&PortSet::single(Tcp, 443))
            .union(&PortSet::range(Tcp, 85, 95));
        assert_eq!(b.ranges(Tcp), &[(80, 100), (443, 443)]);
        assert_eq!(b.to_string(), "TCP 80-100,443");
        assert!(
            PortSet::protocol(Tcp)
                .union(&PortSet::protocol(Udp))
                .union(&PortSet::protocol(Sctp))
                .is_all()
        );
    }

    #[test]
    fn intersection_is_per_protocol() {
        let a = PortSet::range(Tcp, 1, 100).union(&PortSet::single(Udp, 53));
        let b = PortSet::range(Tcp, 50, 200)
            .union(&PortSet::single(Tcp, 5))
            .union(&PortSet::protocol(Sctp));
        let i = a.intersect(&b);
        assert_eq!(i.ranges(Tcp), &[(5, 5), (50, 100)]);
        assert!(i.ranges(Udp).is_empty() && i.ranges(Sctp).is_empty());
        assert!(a.intersect(&PortSet::none()).is_empty());
        assert_eq!(a.intersect(&PortSet::all()), a);
    }

    #[test]
    fn membership_and_display() {
        let s = PortSet::range(Tcp, 8000, 8080).union(&PortSet::protocol(Udp));
        assert!(s.contains(Tcp, 8000) && s.contains(Tcp, 8080) && !s.contains(Tcp, 8081));
        assert!(s.contains(Udp, 1) && !s.contains(Sctp, 8000));
        assert_eq!(s.to_string(), "TCP 8000-8080; UDP all");
        assert_eq!(PortSet::all().to_string(), "all ports");
        assert_eq!(PortSet::none().to_string(), "no port");
        assert!(PortSet::range(Tcp, 90, 80).is_empty());
    }
}
