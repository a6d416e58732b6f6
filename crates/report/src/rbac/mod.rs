//! Renderers of the `stockade rbac` answers ([`stockade_rbac::answer`]): one file per format,
//! each with one function per answer (who-can, can, access, paths).

pub mod json;
pub mod text;

#[cfg(test)]
pub(crate) mod sample {
    //! The sample answers both renderers' snapshots render: a name with a newline and an
    //! escape sequence in each.
    use stockade_rbac::answer::*;
    use stockade_rbac::{Chain, PolicyRule, Principal, Request, Step, SubjectSpec, Target};

    fn rule() -> PolicyRule {
        PolicyRule {
            verbs: vec!["get".into(), "list".into()],
            api_groups: vec!["".into(), "apps".into()],
            resources: vec!["secrets".into()],
            resource_names: vec!["db\u{1b}[2J".into()],
            non_resource_urls: vec![],
        }
    }

    fn grant() -> GrantAnswer {
        GrantAnswer {
            subject: GrantSubject {
                kind: "ServiceAccount".into(),
                name: "ci\nbot".into(),
                namespace: Some("tools".into()),
            },
            binding: GrantBinding {
                kind: "RoleBinding",
                namespace: Some("prod".into()),
                name: "ci-read".into(),
                builtin: false,
            },
            role: Some(GrantRole {
                kind: "Role",
                namespace: Some("prod".into()),
                name: "reader".into(),
            }),
            rule: GrantRule {
                role: "Role prod/reader".into(),
                index: 0,
                rule: rule(),
            },
            location: Some("cluster:kind-dev".into()),
        }
    }

    fn request() -> Request {
        Request::resource("get", "", "secrets", "", "", "prod")
    }

    pub fn who_can() -> WhoCan {
        WhoCan {
            request: request(),
            allowed: vec![grant()],
            note: MASTERS_NOTE,
        }
    }

    pub fn can() -> Can {
        let subject = SubjectSpec::parse("sa:tools/ci\nbot").unwrap();
        Can {
            user: subject.user_info(&[]),
            subject,
            request: request(),
            allowed: true,
            superuser: false,
            grant: Some(grant()),
        }
    }

    pub fn access() -> Access {
        let subject = SubjectSpec::parse("user:alice").unwrap();
        Access {
            user: subject.user_info(&["dev".into()]),
            subject,
            superuser: false,
            rules: vec![
                AccessRule {
                    namespace: None,
                    rule: PolicyRule {
                        verbs: vec!["get".into()],
                        non_resource_urls: vec!["/healthz".into()],
                        ..PolicyRule::default()
                    },
                    via: "ClusterRoleBinding system:discovery → ClusterRole system:discovery"
                        .into(),
                },
                AccessRule {
                    namespace: Some("prod".into()),
                    rule: rule(),
                    via: "RoleBinding prod/dev → Role prod/reader".into(),
                },
            ],
        }
    }

    pub fn paths() -> Paths {
        let ci = Principal::ServiceAccount {
            namespace: "tools".into(),
            name: "ci\nbot".into(),
        };
        let deployer = Principal::ServiceAccount {
            namespace: "kube-system".into(),
            name: "deployer".into(),
        };
        Paths {
            target: Target::ClusterAdmin,
            subjects_checked: 3,
            chains: vec![Chain {
                from: ci.clone(),
                target: Target::ClusterAdmin,
                steps: vec![
                    Step {
                        from: ci,
                        to: Some(deployer.clone()),
                        how: "can create pods in namespace kube-system and run them as ServiceAccount kube-system/deployer".into(),
                    },
                    Step {
                        from: deployer.clone(),
                        to: None,
                        how: "has every permission on every resource".into(),
                    },
                ],
            }],
            direct: vec![Direct {
                subject: deployer,
                evidence: "has every permission on every resource (ClusterRoleBinding deployer-admin → ClusterRole cluster-admin)".into(),
            }],
            max_steps: 4,
        }
    }
}
