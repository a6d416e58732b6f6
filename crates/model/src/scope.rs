//! What a run read: per kind, whether it was listed completely, cluster-wide or in one
//! namespace. Rules that conclude that something is missing, unused or selects nothing may only
//! do so from kinds that were read completely where they look.

use std::collections::BTreeMap;

/// Where one kind was listed completely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindRead {
    /// Every object of the kind (cluster-scoped kinds, or namespaced kinds in every namespace).
    ClusterWide,
    /// Every object of the kind in this namespace, none elsewhere.
    Namespace(String),
}

/// What a run read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ReadScope {
    /// Manifests: the inputs are everything there is to read (rules still weigh what
    /// manifests outside the inputs could hold, as they always have).
    #[default]
    Complete,
    /// A live cluster: the kinds listed completely and where. A kind not named was not read
    /// (forbidden, not served, failed part-way, or never listed).
    Listed(BTreeMap<String, KindRead>),
}

impl ReadScope {
    /// Whether `kind` was read completely, cluster-wide or in the namespace the run was
    /// scoped to.
    pub fn read(&self, kind: &str) -> bool {
        match self {
            ReadScope::Complete => true,
            ReadScope::Listed(m) => m.contains_key(kind),
        }
    }

    /// Whether every object of `kind` in namespace `ns` was read (`None`: cluster-scoped
    /// objects, or the kind everywhere).
    pub fn covers(&self, kind: &str, ns: Option<&str>) -> bool {
        match self {
            ReadScope::Complete => true,
            ReadScope::Listed(m) => match (m.get(kind), ns) {
                (Some(KindRead::ClusterWide), _) => true,
                (Some(KindRead::Namespace(n)), Some(ns)) => n == ns,
                _ => false,
            },
        }
    }

    /// Whether `kind` was read in every namespace.
    pub fn cluster_wide(&self, kind: &str) -> bool {
        self.covers(kind, None)
    }

    /// The kinds of `kinds` that were not read.
    pub fn unread<'k>(&self, kinds: &[&'k str]) -> Vec<&'k str> {
        kinds.iter().copied().filter(|k| !self.read(k)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_reads_everything_and_listed_only_what_it_names() {
        assert!(ReadScope::Complete.read("Pod"));
        assert!(ReadScope::Complete.covers("Pod", Some("a")));
        let s = ReadScope::Listed(BTreeMap::from([
            ("Namespace".to_string(), KindRead::ClusterWide),
            ("Pod".to_string(), KindRead::Namespace("a".into())),
        ]));
        assert!(s.read("Namespace") && s.read("Pod") && !s.read("Service"));
        assert!(s.covers("Pod", Some("a")));
        assert!(!s.covers("Pod", Some("b")));
        assert!(!s.cluster_wide("Pod"));
        assert!(s.cluster_wide("Namespace"));
        assert_eq!(
            s.unread(&["Pod", "Service", "Role"]),
            vec!["Service", "Role"]
        );
    }
}
