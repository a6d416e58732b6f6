//! Renderers of `stockade bench` ([`stockade_bench::eval::Evaluation`]): one file per format.
//! Every value observed on a node (flag values, paths, cluster findings) comes from the node or
//! the cluster and is escaped for where it goes.

pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

use stockade_bench::eval::{Evaluation, Outcome};

/// Where an outcome's first observation was read when that is a file position
/// (`PATH:LINE:COL`): (path, line, column).
pub fn position(o: &Outcome) -> Option<(String, u32, u32)> {
    o.observed.iter().find_map(|ob| {
        let mut it = ob.source.rsplitn(3, ':');
        let col = it.next()?.parse().ok()?;
        let line = it.next()?.parse().ok()?;
        let path = it.next()?;
        path.starts_with('/').then(|| (path.to_string(), line, col))
    })
}

/// The sections that hold at least one outcome, in order.
pub fn sections(e: &Evaluation) -> Vec<(&str, &str)> {
    e.sections
        .iter()
        .filter(|(id, _)| e.outcomes.iter().any(|o| &o.section == id))
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}

#[cfg(test)]
pub(crate) mod sample {
    use stockade_bench::data::{Assessment, Role};
    use stockade_bench::eval::{Evaluation, Observed, Outcome, Status};

    fn o(
        id: &str,
        section: &str,
        status: Status,
        reason: &str,
        observed: Vec<Observed>,
    ) -> Outcome {
        Outcome {
            id: id.into(),
            title: format!("Title of {id}"),
            section: section.into(),
            assessment: if status == Status::Manual {
                Assessment::Manual
            } else {
                Assessment::Automated
            },
            automated: !matches!(status, Status::Manual | Status::Skip),
            status,
            reason: reason.into(),
            observed,
            remediation: "Set the flag.".into(),
            audit: "Read the manifest.".into(),
            suppressed: None,
        }
    }

    /// An evaluation with every status, a suppression, and hostile values.
    pub fn evaluation() -> Evaluation {
        let mut sup = o("1.2.9", "1.2", Status::Warn, "not enabled", vec![]);
        sup.suppressed = Some("rate limits live in the gateway".into());
        Evaluation {
            benchmark: "cis-1.12".into(),
            title: "CIS Kubernetes Benchmark v1.12.0".into(),
            version: ("1.36".into(), "the image of /etc/kubernetes/manifests/kube-apiserver.yaml".into()),
            roles: vec![Role::Master, Role::Worker],
            distribution: "kubeadm".into(),
            outcomes: vec![
                o(
                    "1.2.1",
                    "1.2",
                    Status::Fail,
                    "kube-apiserver --anonymous-auth: \"true\", expected \"false\"",
                    vec![Observed {
                        what: "kube-apiserver --anonymous-auth".into(),
                        value: Some("true".into()),
                        source: "default of kube-apiserver v1.36 (not set in /etc/kubernetes/manifests/kube-apiserver.yaml)".into(),
                    }],
                ),
                o(
                    "1.2.15",
                    "1.2",
                    Status::Pass,
                    "kube-apiserver --profiling is \"false\"",
                    vec![Observed {
                        what: "kube-apiserver --profiling".into(),
                        value: Some("false".into()),
                        source: "/etc/kubernetes/manifests/kube-apiserver.yaml:17:7".into(),
                    }],
                ),
                sup,
                o(
                    "4.2.4",
                    "4.2",
                    Status::Fail,
                    "kubelet readOnlyPort: \"10255\", expected \"0\"",
                    vec![Observed {
                        what: "kubelet readOnlyPort".into(),
                        value: Some("10255\u{1b}[31m<b>|x|</b>".into()),
                        source: "/var/lib/kubelet/config.yaml:3:15".into(),
                    }],
                ),
                o("3.1.1", "3.1", Status::Manual, "only a person can check this", vec![]),
                o("2.1", "2", Status::Skip, "etcd does not run on this node", vec![]),
            ],
            sections: vec![
                ("1.2".into(), "API Server".into()),
                ("2".into(), "Etcd Node Configuration".into()),
                ("3.1".into(), "Authentication and Authorization".into()),
                ("4.2".into(), "Kubelet".into()),
            ],
            problems: vec!["/var/lib/kubelet/config.yaml: bad\u{7} line".into()],
        }
    }
}
