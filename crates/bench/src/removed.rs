//! Component flags removed by a Kubernetes release (`data/removed-flags.tsv`, each row with
//! the CHANGELOG that says so), and the ones a node still passes: after an upgrade past their
//! removal, the component refuses to start.

use crate::node::Node;
use crate::process::Component;

/// A flag a release removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemovedFlag {
    /// Whose flag.
    pub component: Component,
    /// Its name, without `--`.
    pub flag: String,
    /// The first release without it (`24` for 1.24).
    pub removed: u32,
    /// The release that deprecated it, when known.
    pub deprecated: Option<u32>,
    /// What to use instead.
    pub replacement: String,
    /// Where the removal is stated.
    pub source: String,
}

fn component(name: &str) -> Option<Component> {
    Some(match name {
        "kube-apiserver" => Component::ApiServer,
        "kube-controller-manager" => Component::ControllerManager,
        "kube-scheduler" => Component::Scheduler,
        "kubelet" => Component::Kubelet,
        "kube-proxy" => Component::Proxy,
        _ => return None,
    })
}

/// The component's executable name.
pub fn component_name(c: Component) -> &'static str {
    match c {
        Component::ApiServer => "kube-apiserver",
        Component::ControllerManager => "kube-controller-manager",
        Component::Scheduler => "kube-scheduler",
        Component::Etcd => "etcd",
        Component::Kubelet => "kubelet",
        Component::Proxy => "kube-proxy",
    }
}

fn minor(s: &str) -> Option<u32> {
    s.trim().strip_prefix("1.")?.parse().ok()
}

static TABLE: std::sync::LazyLock<Vec<RemovedFlag>> = std::sync::LazyLock::new(|| {
    include_str!("../data/removed-flags.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("component\t") && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let [c, flag, removed, deprecated, replacement, source] = f[..] else {
                return None;
            };
            Some(RemovedFlag {
                component: component(c)?,
                flag: flag.to_string(),
                removed: minor(removed)?,
                deprecated: minor(deprecated),
                replacement: replacement.to_string(),
                source: source.to_string(),
            })
        })
        .collect()
});

/// Every removal in the table.
pub fn table() -> &'static [RemovedFlag] {
    &TABLE
}

/// A flag the node passes that a release up to the target removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StillSet {
    /// The removal.
    pub removal: &'static RemovedFlag,
    /// Where it is set: `FILE:LINE:COL` of a static pod manifest, or the process.
    pub source: String,
    /// The file, line and column, when a manifest sets it.
    pub at: Option<(String, u32, u32)>,
}

/// The flags `node` passes that a release after `from` and up to `to` removed (every
/// removal up to `to` when `from` is not known).
pub fn still_set(node: &Node, from: Option<u32>, to: u32) -> Vec<StillSet> {
    let mut out = Vec::new();
    for r in table() {
        if r.removed > to || from.is_some_and(|f| r.removed <= f) {
            continue;
        }
        let Some((flags, origin)) = node.flags_of(r.component) else {
            continue;
        };
        for f in flags.iter().filter(|f| f.name == r.flag) {
            let manifest = f.line > 0;
            out.push(StillSet {
                removal: r,
                source: if manifest {
                    format!("{}:{}:{}", f.path.display(), f.line, f.column)
                } else {
                    origin.to_string()
                },
                at: manifest.then(|| (f.path.display().to_string(), f.line, f.column)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_well_formed() {
        let t = table();
        assert!(t.len() >= 100, "{}", t.len());
        let mut seen = std::collections::BTreeSet::new();
        for r in t {
            assert!(
                seen.insert((r.component, &r.flag)),
                "duplicate {:?} {}",
                r.component,
                r.flag
            );
            assert!((20..=37).contains(&r.removed), "{}", r.flag);
            assert!(r.deprecated.is_none_or(|d| d < r.removed), "{}", r.flag);
            assert!(r.source.starts_with("https://"), "{}", r.flag);
            assert!(!r.flag.starts_with('-'));
        }
        let insecure = t
            .iter()
            .find(|r| r.component == Component::ApiServer && r.flag == "insecure-port")
            .expect("--insecure-port");
        assert_eq!(insecure.removed, 24);
        assert!(t.iter().any(|r| r.component == Component::Kubelet
            && r.flag == "network-plugin"
            && r.removed == 24));
    }
}
