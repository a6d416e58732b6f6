//! Who asks: users with their groups, as the authenticator hands them to the authorizer, and
//! the subject syntax of the CLI (`user:alice`, `group:dev`, `sa:prod/api`).

use serde::Serialize;
use std::fmt;

/// The identity the authorizer sees: a user name and groups (implicit groups included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    /// The user name (`system:serviceaccount:<ns>:<name>` for a ServiceAccount); `None` for a
    /// bare group, which no User subject matches.
    pub name: Option<String>,
    /// Every group, implicit ones included.
    pub groups: Vec<String>,
}

impl UserInfo {
    /// An authenticated user with extra groups: `system:authenticated` is added, as every
    /// authenticator does; `system:anonymous` gets `system:unauthenticated` instead.
    pub fn user(name: &str, groups: &[String]) -> UserInfo {
        let mut g: Vec<String> = groups.to_vec();
        let implicit = if name == "system:anonymous" {
            "system:unauthenticated"
        } else {
            "system:authenticated"
        };
        if !g.iter().any(|x| x == implicit) {
            g.push(implicit.to_string());
        }
        // A ServiceAccount's user name carries its groups too.
        if let Some((ns, _)) = parse_sa_username(name) {
            for x in [
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{ns}"),
            ] {
                if !g.contains(&x) {
                    g.push(x);
                }
            }
        }
        UserInfo {
            name: Some(name.to_string()),
            groups: g,
        }
    }

    /// A ServiceAccount with its implicit groups.
    pub fn service_account(namespace: &str, name: &str) -> UserInfo {
        UserInfo::user(&sa_username(namespace, name), &[])
    }

    /// Only the given groups and no user name: what a group is granted on its own.
    pub fn groups_only(groups: &[String]) -> UserInfo {
        UserInfo {
            name: None,
            groups: groups.to_vec(),
        }
    }
}

/// `system:serviceaccount:<ns>:<name>`.
pub fn sa_username(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// Splits `system:serviceaccount:<ns>:<name>` (both parts non-empty, no further `:`).
pub fn parse_sa_username(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix("system:serviceaccount:")?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

/// A subject as users write it on the command line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SubjectSpec {
    /// `user:NAME`.
    User {
        /// The user name.
        name: String,
    },
    /// `group:NAME`.
    Group {
        /// The group name.
        name: String,
    },
    /// `sa:NS/NAME` (also `serviceaccount:NS/NAME` or `system:serviceaccount:NS:NAME`).
    ServiceAccount {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
}

impl SubjectSpec {
    /// Parses `user:alice`, `group:dev`, `sa:prod/api`, `serviceaccount:prod/api` or a raw
    /// ServiceAccount user name `system:serviceaccount:prod:api`.
    pub fn parse(s: &str) -> Result<SubjectSpec, String> {
        if let Some((ns, name)) = parse_sa_username(s) {
            return Ok(SubjectSpec::ServiceAccount {
                namespace: ns.to_string(),
                name: name.to_string(),
            });
        }
        let (kind, rest) = s.split_once(':').ok_or_else(|| {
            format!("subject `{s}` needs a kind: user:NAME, group:NAME or sa:NAMESPACE/NAME")
        })?;
        if rest.is_empty() {
            return Err(format!("subject `{s}` has an empty name"));
        }
        match kind.to_ascii_lowercase().as_str() {
            "user" | "u" => Ok(SubjectSpec::User {
                name: rest.to_string(),
            }),
            "group" | "g" => Ok(SubjectSpec::Group {
                name: rest.to_string(),
            }),
            "sa" | "serviceaccount" => {
                let (ns, name) = rest.split_once('/').ok_or_else(|| {
                    format!("service account `{s}` needs a namespace: sa:NAMESPACE/NAME")
                })?;
                if ns.is_empty() || name.is_empty() {
                    return Err(format!("service account `{s}` needs sa:NAMESPACE/NAME"));
                }
                Ok(SubjectSpec::ServiceAccount {
                    namespace: ns.to_string(),
                    name: name.to_string(),
                })
            }
            other => Err(format!(
                "unknown subject kind `{other}` in `{s}`: use user:NAME, group:NAME or sa:NAMESPACE/NAME"
            )),
        }
    }

    /// The identity the authorizer would see, with implicit groups and `extra_groups`.
    pub fn user_info(&self, extra_groups: &[String]) -> UserInfo {
        match self {
            SubjectSpec::User { name } => UserInfo::user(name, extra_groups),
            SubjectSpec::Group { name } => {
                let mut g = vec![name.clone()];
                g.extend(extra_groups.iter().filter(|x| *x != name).cloned());
                UserInfo::groups_only(&g)
            }
            SubjectSpec::ServiceAccount { namespace, name } => {
                UserInfo::user(&sa_username(namespace, name), extra_groups)
            }
        }
    }
}

impl fmt::Display for SubjectSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubjectSpec::User { name } => write!(f, "User {name}"),
            SubjectSpec::Group { name } => write!(f, "Group {name}"),
            SubjectSpec::ServiceAccount { namespace, name } => {
                write!(f, "ServiceAccount {namespace}/{name}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_subject_forms() {
        assert_eq!(
            SubjectSpec::parse("sa:prod/api").unwrap(),
            SubjectSpec::ServiceAccount {
                namespace: "prod".into(),
                name: "api".into()
            }
        );
        assert_eq!(
            SubjectSpec::parse("system:serviceaccount:prod:api").unwrap(),
            SubjectSpec::parse("serviceaccount:prod/api").unwrap()
        );
        assert_eq!(
            SubjectSpec::parse("user:system:admin").unwrap(),
            SubjectSpec::User {
                name: "system:admin".into()
            }
        );
        assert!(SubjectSpec::parse("alice").is_err());
        assert!(SubjectSpec::parse("sa:api").is_err());
        assert!(SubjectSpec::parse("robot:x").is_err());
    }

    #[test]
    fn implicit_groups_are_added() {
        let sa = SubjectSpec::parse("sa:prod/api").unwrap().user_info(&[]);
        assert_eq!(sa.name.as_deref(), Some("system:serviceaccount:prod:api"));
        for g in [
            "system:authenticated",
            "system:serviceaccounts",
            "system:serviceaccounts:prod",
        ] {
            assert!(sa.groups.iter().any(|x| x == g), "{g}");
        }
        let anon = UserInfo::user("system:anonymous", &[]);
        assert_eq!(anon.groups, vec!["system:unauthenticated".to_string()]);
        let g = SubjectSpec::parse("group:dev").unwrap().user_info(&[]);
        assert_eq!(g.name, None);
        assert_eq!(g.groups, vec!["dev".to_string()]);
    }
}
