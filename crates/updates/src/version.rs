//! Kubernetes versions as distributions write them: `v1.31.4`, `1.31.4-eks-4f4795d`,
//! `v1.30.2+k3s1`, `v1.29.6-gke.1038001`, `v1.32.0-rc.1`. A vendor suffix names a build of a
//! release, not a pre-release: SemVer would sort `1.31.4-eks-…` before `1.31.4`, which would
//! call a patched EKS node vulnerable. Only `alpha`, `beta` and `rc` suffixes are
//! pre-releases here.

use std::cmp::Ordering;
use std::fmt;

/// A parsed version. Equality and order ignore `build`.
#[derive(Clone, Debug)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
    /// `alpha.1`, `rc.2`: a real pre-release, ordered before the release.
    pub pre: Option<String>,
    /// `eks-4f4795d`, `k3s1`, `gke.1038001`: the distribution's build, ignored in comparisons.
    pub build: Option<String>,
}

impl Version {
    /// Parses `v1.31.4`, `1.31`, `1.31.4-eks-…`, `v1.30.2+k3s1`, `v1.32.0-rc.1`.
    pub fn parse(s: &str) -> Option<Version> {
        let t = s.trim().trim_start_matches('v');
        let (core, rest) = match t.find(['-', '+']) {
            Some(i) => (&t[..i], Some(&t[i..])),
            None => (t, None),
        };
        let mut it = core.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next().map_or(Some(0), |m| m.parse().ok())?;
        let patch = it.next().map_or(Some(0), |p| p.parse().ok())?;
        if it.next().is_some() {
            return None;
        }
        let (mut pre, mut build) = (None, None);
        if let Some(r) = rest {
            let body = &r[1..];
            let lower = body.to_ascii_lowercase();
            if r.starts_with('-') && ["alpha", "beta", "rc"].iter().any(|p| lower.starts_with(p)) {
                let (p, b) = match body.split_once('+') {
                    Some((p, b)) => (p, Some(b.to_string())),
                    None => (body, None),
                };
                pre = Some(p.to_string());
                build = b;
            } else if !body.is_empty() {
                build = Some(body.to_string());
            }
        }
        Some(Version {
            major,
            minor,
            patch,
            pre,
            build,
        })
    }

    /// `1.31`.
    pub fn minor_string(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}

fn pre_key(p: &str) -> (u8, u64) {
    let lower = p.to_ascii_lowercase();
    let rank = if lower.starts_with("alpha") {
        0
    } else if lower.starts_with("beta") {
        1
    } else {
        2
    };
    let n = lower
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    (rank, n)
}

impl Ord for Version {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| match (&self.pre, &o.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => pre_key(a).cmp(&pre_key(b)),
            })
    }
}

impl PartialEq for Version {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(p) = &self.pre {
            write!(f, "-{p}")?;
        }
        if let Some(b) = &self.build {
            write!(f, "+{b}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn vendor_suffixes_are_builds_not_pre_releases() {
        assert_eq!(v("1.31.4-eks-4f4795d"), v("v1.31.4"));
        assert_eq!(v("v1.30.2+k3s1"), v("1.30.2"));
        assert_eq!(v("v1.29.6-gke.1038001"), v("1.29.6"));
        assert!(v("1.31.4-eks-4f4795d") > v("1.31.3"));
        assert_eq!(
            v("v1.29.6-gke.1038001").build.as_deref(),
            Some("gke.1038001")
        );
    }

    #[test]
    fn pre_releases_come_before_their_release() {
        assert!(v("v1.32.0-rc.1") < v("1.32.0"));
        assert!(v("v1.32.0-alpha.3") < v("v1.32.0-beta.0"));
        assert!(v("v1.32.0-beta.2") < v("v1.32.0-rc.0"));
        assert!(v("v1.32.0-rc.2") > v("v1.32.0-rc.1"));
        assert!(v("1.31.9") < v("1.32.0-alpha.0"));
    }

    #[test]
    fn short_and_bad_versions() {
        assert_eq!(v("1.31"), v("1.31.0"));
        assert_eq!(v("0"), v("0.0.0"));
        for bad in ["", "v", "x.1", "1.2.3.4", "1..2", "one"] {
            assert!(Version::parse(bad).is_none(), "{bad}");
        }
    }
}
