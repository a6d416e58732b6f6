//! What is de-provisioned: a subject (user, group, ServiceAccount), a namespace or a workload,
//! in the `kind:…` syntax of the command line. Parsing only; no inventory, no IO.

use std::fmt;

/// The accepted forms, for error messages and help.
pub const FORMS: &str = "user:NAME, group:NAME, sa:NAMESPACE/NAME, namespace:NAME, workload:NAMESPACE/KIND/NAME, node:NAME or leftovers:*|NAMESPACE (plans from `stockade unused --plan`)";

/// Workload kinds a `workload:` target may name (as `kind` in any letter case).
pub const WORKLOAD_KINDS: &[&str] =
    &stockade_model::kinds::concat::<8>(&[stockade_model::kinds::POD_CONTROLLERS, &["Pod"]]);

/// The user name prefix of a node's credentials (`system:node:NAME`, in group `system:nodes`).
pub const NODE_USER_PREFIX: &str = "system:node:";

/// A de-provisioning target.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// `user:NAME`.
    User(String),
    /// `group:NAME`.
    Group(String),
    /// `sa:NAMESPACE/NAME`.
    ServiceAccount {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// `namespace:NAME`.
    Namespace(String),
    /// `leftovers:*` or `leftovers:NAMESPACE`: the unused objects `stockade unused --plan`
    /// found (its plan lists them; there is no plan to compute from the target alone).
    Leftovers(Option<String>),
    /// `node:NAME`: a node to retire (cordon, drain, delete, and what only it used or was).
    Node(String),
    /// `workload:NAMESPACE/KIND/NAME`.
    Workload {
        /// Namespace.
        namespace: String,
        /// Kind, canonical case (`Deployment`).
        kind: String,
        /// Name.
        name: String,
    },
}

/// A TARGET that is not one of the accepted forms.
#[derive(Debug, thiserror::Error)]
#[error("invalid target `{given}`: {why}; accepted forms: {FORMS}")]
pub struct TargetError {
    /// What was given.
    pub given: String,
    /// What is wrong with it.
    pub why: String,
}

impl Target {
    /// Parses the command-line form.
    pub fn parse(s: &str) -> Result<Target, TargetError> {
        let err = |why: &str| TargetError {
            given: s.to_string(),
            why: why.to_string(),
        };
        let (kind, rest) = s.split_once(':').ok_or_else(|| err("no `kind:` prefix"))?;
        if rest.is_empty() {
            return Err(err("the name is empty"));
        }
        let two = |rest: &str| -> Result<(String, String), TargetError> {
            match rest.split_once('/') {
                Some((a, b)) if !a.is_empty() && !b.is_empty() && !b.contains('/') => {
                    Ok((a.to_string(), b.to_string()))
                }
                _ => Err(err("expected NAMESPACE/NAME")),
            }
        };
        match kind.to_ascii_lowercase().as_str() {
            "user" => Ok(Target::User(rest.to_string())),
            "group" => Ok(Target::Group(rest.to_string())),
            "sa" | "serviceaccount" => {
                let (namespace, name) = two(rest)?;
                Ok(Target::ServiceAccount { namespace, name })
            }
            "namespace" | "ns" => {
                if rest.contains('/') {
                    return Err(err("a namespace name has no `/`"));
                }
                Ok(Target::Namespace(rest.to_string()))
            }
            "workload" => {
                let parts: Vec<&str> = rest.split('/').collect();
                let [ns, k, name] = parts.as_slice() else {
                    return Err(err("expected NAMESPACE/KIND/NAME"));
                };
                if ns.is_empty() || name.is_empty() {
                    return Err(err("expected NAMESPACE/KIND/NAME"));
                }
                let kind = WORKLOAD_KINDS
                    .iter()
                    .find(|w| w.eq_ignore_ascii_case(k))
                    .ok_or_else(|| {
                        err(&format!(
                            "`{k}` is not a workload kind ({})",
                            WORKLOAD_KINDS.join(", ")
                        ))
                    })?;
                Ok(Target::Workload {
                    namespace: ns.to_string(),
                    kind: kind.to_string(),
                    name: name.to_string(),
                })
            }
            "node" | "no" => {
                if rest.contains('/') {
                    return Err(err("a node name has no `/`"));
                }
                Ok(Target::Node(rest.to_string()))
            }
            "leftovers" => match rest {
                "*" => Ok(Target::Leftovers(None)),
                ns if ns.contains('/') => Err(err("expected * or a NAMESPACE")),
                ns => Ok(Target::Leftovers(Some(ns.to_string()))),
            },
            other => Err(err(&format!("unknown kind `{other}`"))),
        }
    }

    /// Whether the target is a subject (user, group or ServiceAccount) that RBAC grants to.
    pub fn is_subject(&self) -> bool {
        matches!(
            self,
            Target::User(_) | Target::Group(_) | Target::ServiceAccount { .. }
        )
    }

    /// Whether a binding subject (`kind`, `name`, `namespace` as written) names this target.
    /// A ServiceAccount is also named by a `User` subject with its user name.
    pub fn matches_subject(&self, kind: &str, name: &str, namespace: Option<&str>) -> bool {
        match self {
            Target::User(u) => kind == "User" && name == u,
            Target::Group(g) => kind == "Group" && name == g,
            Target::ServiceAccount {
                namespace: ns,
                name: n,
            } => {
                (kind == "ServiceAccount" && name == n && namespace == Some(ns.as_str()))
                    || (kind == "User"
                        && stockade_rbac::subject::parse_sa_username(name)
                            == Some((ns.as_str(), n.as_str())))
            }
            Target::Namespace(ns) => kind == "ServiceAccount" && namespace == Some(ns.as_str()),
            Target::Node(n) => kind == "User" && name.strip_prefix(NODE_USER_PREFIX) == Some(n),
            Target::Workload { .. } | Target::Leftovers(_) => false,
        }
    }

    /// The RBAC subject, for subject targets.
    pub fn subject_spec(&self) -> Option<stockade_rbac::SubjectSpec> {
        use stockade_rbac::SubjectSpec as S;
        Some(match self {
            Target::User(name) => S::User { name: name.clone() },
            Target::Group(name) => S::Group { name: name.clone() },
            Target::ServiceAccount { namespace, name } => S::ServiceAccount {
                namespace: namespace.clone(),
                name: name.clone(),
            },
            _ => return None,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::User(n) => write!(f, "user:{n}"),
            Target::Group(n) => write!(f, "group:{n}"),
            Target::ServiceAccount { namespace, name } => write!(f, "sa:{namespace}/{name}"),
            Target::Namespace(n) => write!(f, "namespace:{n}"),
            Target::Node(n) => write!(f, "node:{n}"),
            Target::Leftovers(None) => write!(f, "leftovers:*"),
            Target::Leftovers(Some(n)) => write!(f, "leftovers:{n}"),
            Target::Workload {
                namespace,
                kind,
                name,
            } => write!(f, "workload:{namespace}/{kind}/{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_round_trips() {
        for s in [
            "user:alice",
            "group:contractors",
            "sa:prod/api",
            "namespace:shop",
            "workload:shop/Deployment/web",
            "node:worker-1",
        ] {
            assert_eq!(Target::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(
            Target::parse("workload:shop/deployment/web").unwrap(),
            Target::Workload {
                namespace: "shop".into(),
                kind: "Deployment".into(),
                name: "web".into()
            }
        );
        assert_eq!(
            Target::parse("user:system:admin").unwrap(),
            Target::User("system:admin".into())
        );
    }

    #[test]
    fn malformed_targets_name_the_accepted_forms() {
        for s in [
            "alice",
            "user:",
            "sa:api",
            "sa:/api",
            "namespace:a/b",
            "workload:shop/web",
            "workload:shop/Service/web",
            "robot:x",
            "node:a/b",
        ] {
            let e = Target::parse(s).unwrap_err().to_string();
            assert!(e.contains("accepted forms: user:NAME"), "{s}: {e}");
        }
    }

    #[test]
    fn a_service_account_is_also_named_by_its_user_name() {
        let t = Target::parse("sa:prod/api").unwrap();
        assert!(t.matches_subject("ServiceAccount", "api", Some("prod")));
        assert!(t.matches_subject("User", "system:serviceaccount:prod:api", None));
        assert!(!t.matches_subject("ServiceAccount", "api", Some("dev")));
        assert!(!t.matches_subject("User", "api", None));
    }
}
