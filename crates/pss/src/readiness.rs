//! Readiness: per namespace, the strictest level every pod in it already satisfies, and what
//! blocks the next one — what a team needs to know before turning on `enforce`.

use crate::api::{Level, LevelVersion, Version};
use crate::eval::evaluate;
use crate::pod::Pod;

/// One object that blocks the next level, and the checks it fails there.
#[derive(Clone, Debug)]
pub struct Blocker {
    /// Index of the object in the input slice.
    pub index: usize,
    /// Upstream ids of the failing checks.
    pub checks: Vec<&'static str>,
    /// Upstream's aggregate detail at the next level.
    pub detail: String,
}

/// The readiness of one namespace.
#[derive(Clone, Debug)]
pub struct NamespaceReadiness {
    /// The namespace.
    pub namespace: String,
    /// Objects evaluated.
    pub objects: usize,
    /// The strictest level every object satisfies, at the evaluated version.
    pub strictest: LevelVersion,
    /// The next stricter level, when there is one.
    pub next: Option<LevelVersion>,
    /// Objects that fail the next level.
    pub blockers: Vec<Blocker>,
}

/// Readiness of every namespace among `pods` (namespace, pod), at `version`; namespaces in
/// name order, listed even when `pods` has none for them if named in `extra_namespaces`.
pub fn readiness(
    pods: &[(String, Pod<'_>)],
    extra_namespaces: &[String],
    version: Version,
) -> Vec<NamespaceReadiness> {
    let mut names: Vec<String> = pods
        .iter()
        .map(|(n, _)| n.clone())
        .chain(extra_namespaces.iter().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|ns| {
            let members: Vec<(usize, &Pod<'_>)> = pods
                .iter()
                .enumerate()
                .filter(|(_, (n, _))| *n == ns)
                .map(|(i, (_, p))| (i, p))
                .collect();
            let mut strictest = Level::Privileged;
            let mut blockers = Vec::new();
            for level in [Level::Baseline, Level::Restricted] {
                let lv = LevelVersion::new(level, version);
                blockers = members
                    .iter()
                    .filter_map(|(i, p)| {
                        let e = evaluate(p, lv);
                        (!e.allowed()).then(|| Blocker {
                            index: *i,
                            checks: e.failures.iter().map(|f| f.check.id).collect(),
                            detail: e.forbidden_detail(),
                        })
                    })
                    .collect();
                if !blockers.is_empty() {
                    break;
                }
                strictest = level;
            }
            NamespaceReadiness {
                namespace: ns,
                objects: members.len(),
                strictest: LevelVersion::new(strictest, version),
                next: strictest.next().map(|l| LevelVersion::new(l, version)),
                blockers,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::object;

    #[test]
    fn strictest_level_and_blockers() {
        let restricted = object(&crate::checks::test_support::pod_yaml(
            "",
            "securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\ncontainers: [{name: a, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]",
        ));
        let baseline = object(&crate::checks::test_support::pod_yaml(
            "",
            "containers: [{name: a}]",
        ));
        let privileged = object(&crate::checks::test_support::pod_yaml(
            "",
            "hostPID: true\ncontainers: [{name: a}]",
        ));
        let pods = vec![
            ("a".to_string(), Pod::of(&restricted).unwrap()),
            ("b".to_string(), Pod::of(&restricted).unwrap()),
            ("b".to_string(), Pod::of(&baseline).unwrap()),
            ("c".to_string(), Pod::of(&privileged).unwrap()),
        ];
        let r = readiness(&pods, &["empty".to_string()], Version::Latest);
        let got: Vec<(&str, Level, usize)> = r
            .iter()
            .map(|n| (n.namespace.as_str(), n.strictest.level, n.blockers.len()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", Level::Restricted, 0),
                ("b", Level::Baseline, 1),
                ("c", Level::Privileged, 1),
                ("empty", Level::Restricted, 0)
            ]
        );
        assert_eq!(r[1].blockers[0].index, 2);
        assert_eq!(
            r[1].blockers[0].checks,
            [
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "runAsNonRoot",
                "seccompProfile_restricted"
            ]
        );
        assert_eq!(r[2].blockers[0].checks, ["hostNamespaces"]);
    }
}
