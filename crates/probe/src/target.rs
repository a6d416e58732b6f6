//! What to probe: `KIND=ADDRESS` or a bare `HOST:PORT` whose kind follows from the port.

use std::fmt;

/// The kind of endpoint, which decides the questions asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// kube-apiserver (6443, 443; 8080 for the removed insecure port).
    Apiserver,
    /// The kubelet's API (10250).
    Kubelet,
    /// The kubelet's read-only port (10255).
    KubeletReadOnly,
    /// etcd's client port (2379).
    Etcd,
    /// kube-controller-manager (10257).
    ControllerManager,
    /// kube-scheduler (10259).
    Scheduler,
}

impl Kind {
    /// As written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Apiserver => "apiserver",
            Kind::Kubelet => "kubelet",
            Kind::KubeletReadOnly => "kubelet-read-only",
            Kind::Etcd => "etcd",
            Kind::ControllerManager => "controller-manager",
            Kind::Scheduler => "scheduler",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "apiserver" | "api" | "kube-apiserver" => Kind::Apiserver,
            "kubelet" => Kind::Kubelet,
            "kubelet-read-only" | "kubelet-ro" => Kind::KubeletReadOnly,
            "etcd" => Kind::Etcd,
            "controller-manager" | "kube-controller-manager" => Kind::ControllerManager,
            "scheduler" | "kube-scheduler" => Kind::Scheduler,
            _ => return None,
        })
    }

    fn of_port(port: u16) -> Option<Kind> {
        Some(match port {
            443 | 6443 | 8080 | 8443 => Kind::Apiserver,
            10250 => Kind::Kubelet,
            10255 => Kind::KubeletReadOnly,
            2379 => Kind::Etcd,
            10257 => Kind::ControllerManager,
            10259 => Kind::Scheduler,
            _ => return None,
        })
    }

    /// Whether the component serves TLS by default (the read-only port never does).
    pub fn tls_by_default(self) -> bool {
        self != Kind::KubeletReadOnly
    }
}

/// One endpoint to probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// As given.
    pub given: String,
    /// Its kind.
    pub kind: Kind,
    /// `https` or `http` when given, else `None` (try the kind's default, then the other).
    pub scheme: Option<&'static str>,
    /// `host:port` (`[::1]:6443`).
    pub authority: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.authority)
    }
}

/// Parses `KIND=ADDRESS` or `ADDRESS`, where ADDRESS is `HOST:PORT` or `http(s)://HOST:PORT`.
pub fn parse(s: &str) -> Result<Target, String> {
    let (kind, addr) = match s.split_once('=') {
        Some((k, a)) => (
            Some(Kind::parse(k).ok_or_else(|| {
                format!("{k:?} is not a kind: apiserver, kubelet, kubelet-read-only, etcd, controller-manager or scheduler")
            })?),
            a,
        ),
        None => (None, s),
    };
    let (scheme, rest) = if let Some(r) = addr.strip_prefix("https://") {
        (Some("https"), r)
    } else if let Some(r) = addr.strip_prefix("http://") {
        (Some("http"), r)
    } else {
        (None, addr)
    };
    let authority = rest.trim_end_matches('/');
    if authority.is_empty()
        || authority.contains(['/', '?', '#', '@', ' '])
        || authority.chars().any(char::is_control)
    {
        return Err(format!("{s:?}: expected HOST:PORT or https://HOST:PORT"));
    }
    let port = authority
        .rsplit_once(':')
        .and_then(|(h, p)| (!h.is_empty()).then_some(p))
        .and_then(|p| p.parse::<u16>().ok())
        .ok_or_else(|| format!("{s:?}: the address needs a port (HOST:PORT)"))?;
    let kind = match kind.or_else(|| Kind::of_port(port)) {
        Some(k) => k,
        None => {
            return Err(format!(
                "{s:?}: port {port} says nothing of the kind; write KIND=ADDRESS (apiserver=, kubelet=, etcd=, …)"
            ));
        }
    };
    Ok(Target {
        given: s.to_string(),
        kind,
        scheme,
        authority: authority.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = parse("10.0.0.5:10250").unwrap();
        assert_eq!(
            (t.kind, t.scheme, t.authority.as_str()),
            (Kind::Kubelet, None, "10.0.0.5:10250")
        );
        let t = parse("etcd=http://127.0.0.1:32379/").unwrap();
        assert_eq!((t.kind, t.scheme), (Kind::Etcd, Some("http")));
        let t = parse("apiserver=https://[::1]:7443").unwrap();
        assert_eq!(t.authority, "[::1]:7443");
        for bad in [
            "127.0.0.1",
            "127.0.0.1:9999",
            "x=1.2.3.4:1",
            "https://a:1/path",
            "a:1\u{1b}",
            "u@h:1",
            ":6443",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
