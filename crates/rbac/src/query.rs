//! The questions: may this user do this (`can`), who may do this (`who-can`), and what may
//! this user do (`access`). Each answer names the binding, role and rule that grant it.
//!
//! Like the authorizer, a request in a namespace is checked against every ClusterRoleBinding
//! and the RoleBindings of that namespace; a cluster-scoped request (empty namespace) and every
//! non-resource request only against ClusterRoleBindings. RBAC never denies: no matching rule
//! means "no opinion", which a cluster with only RBAC (and the Node authorizer, which only
//! answers for nodes) turns into a denial. Members of `system:masters` are allowed everything
//! before RBAC is asked; [`Model::authorize`] does not model that bypass (see
//! [`is_superuser`]).

use crate::model::{Model, RuleRef};
use crate::subject::UserInfo;
use serde::Serialize;

/// The attributes of one request, as a SubjectAccessReview states them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Request {
    /// A request for an API resource.
    Resource {
        /// `get`, `list`, `create`, … (or a special verb: `bind`, `escalate`, `impersonate`).
        verb: String,
        /// API group (`""` for the core group).
        #[serde(rename = "apiGroup")]
        api_group: String,
        /// Resource, e.g. `pods`.
        resource: String,
        /// Subresource, e.g. `exec` (empty when none).
        subresource: String,
        /// Object name (empty for `list`, `create`, …).
        name: String,
        /// Namespace (empty for cluster-scoped resources or all namespaces).
        namespace: String,
    },
    /// A request for a non-resource URL such as `/healthz`.
    NonResource {
        /// Verb (`get`, `post`, …).
        verb: String,
        /// The URL path.
        path: String,
    },
}

impl Request {
    /// A resource request.
    pub fn resource(
        verb: &str,
        api_group: &str,
        resource: &str,
        subresource: &str,
        name: &str,
        namespace: &str,
    ) -> Request {
        Request::Resource {
            verb: verb.to_string(),
            api_group: api_group.to_string(),
            resource: resource.to_string(),
            subresource: subresource.to_string(),
            name: name.to_string(),
            namespace: namespace.to_string(),
        }
    }

    /// A non-resource request.
    pub fn non_resource(verb: &str, path: &str) -> Request {
        Request::NonResource {
            verb: verb.to_string(),
            path: path.to_string(),
        }
    }

    /// The namespace the request is in (empty when none).
    pub fn namespace(&self) -> &str {
        match self {
            Request::Resource { namespace, .. } => namespace,
            Request::NonResource { .. } => "",
        }
    }

    /// `get secrets in prod`, `create pods/exec named web-0 in prod`, `get /healthz`.
    pub fn describe(&self) -> String {
        match self {
            Request::Resource {
                verb,
                api_group,
                resource,
                subresource,
                name,
                namespace,
            } => {
                let mut s = format!("{verb} {resource}");
                if !subresource.is_empty() {
                    s.push('/');
                    s.push_str(subresource);
                }
                if !api_group.is_empty() {
                    s.push('.');
                    s.push_str(api_group);
                }
                if !name.is_empty() {
                    s.push_str(&format!(" named {name}"));
                }
                if namespace.is_empty() {
                    s.push_str(" cluster-wide");
                } else {
                    s.push_str(&format!(" in namespace {namespace}"));
                }
                s
            }
            Request::NonResource { verb, path } => format!("{verb} {path}"),
        }
    }
}

/// A `RESOURCE[.GROUP][/SUBRESOURCE]` argument, split into its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceArg<'a> {
    /// The resource (`deployments`), or `*`.
    pub resource: &'a str,
    /// The API group when the argument names one (`apps`).
    pub group: Option<&'a str>,
    /// The subresource (`scale`), empty when none.
    pub subresource: &'a str,
}

impl<'a> ResourceArg<'a> {
    /// Splits a resource argument. The group follows the resource, as RBAC rules and kubectl
    /// write it (`deployments.apps/scale`), or the whole argument (`deployments/scale.apps`).
    /// Subresource names never contain a dot, so both forms are unambiguous; an argument that
    /// names the group in both places must name the same group.
    pub fn parse(arg: &'a str) -> Result<ResourceArg<'a>, String> {
        let (res_part, sub_part) = match arg.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (arg, None),
        };
        let (resource, group) = match res_part.split_once('.') {
            Some((r, g)) => (r, Some(g)),
            None => (res_part, None),
        };
        let (subresource, sub_group) = match sub_part {
            None => ("", None),
            Some(s) => match s.split_once('.') {
                Some((s, g)) => (s, Some(g)),
                None => (s, None),
            },
        };
        let example = "use e.g. pods, pods/exec, deployments.apps or deployments.apps/scale";
        if resource.is_empty() {
            return Err(format!("empty resource in `{arg}`: {example}"));
        }
        if sub_part.is_some() && subresource.is_empty() {
            return Err(format!("empty subresource in `{arg}`: {example}"));
        }
        if subresource.contains('/') {
            return Err(format!(
                "`{arg}` has more than one `/`: RESOURCE[.GROUP][/SUBRESOURCE] ({example}); name an object with --name"
            ));
        }
        if group == Some("") || sub_group == Some("") {
            return Err(format!("empty API group in `{arg}`: {example}"));
        }
        let group = match (group, sub_group) {
            (Some(a), Some(b)) if a != b => {
                return Err(format!(
                    "`{arg}` names two API groups, `{a}` and `{b}`: write RESOURCE.GROUP/SUBRESOURCE"
                ));
            }
            (a, b) => a.or(b),
        };
        Ok(ResourceArg {
            resource,
            group,
            subresource,
        })
    }
}

/// Why a request is allowed: the binding, which of its subjects matched, and the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Grant {
    /// Index into [`Model::bindings`].
    pub binding: usize,
    /// Index into that binding's subjects.
    pub subject: usize,
    /// The rule that allows the request.
    pub rule: RuleRef,
}

/// Whether the API server allows `user` everything before asking RBAC (`system:masters`).
pub fn is_superuser(user: &UserInfo) -> bool {
    user.groups.iter().any(|g| g == "system:masters")
}

impl Model<'_> {
    /// The first grant that allows `req` for `user`, in the authorizer's visiting order
    /// (ClusterRoleBindings, then RoleBindings of the request's namespace); `None` when RBAC
    /// has no opinion, i.e. the request is denied.
    pub fn authorize(&self, user: &UserInfo, req: &Request) -> Option<Grant> {
        for bi in self.bindings_for(req.namespace()) {
            let b = &self.bindings[bi];
            let Some(s) = b.subjects.iter().find(|s| s.applies_to(user)) else {
                continue;
            };
            if let Some(rr) = self
                .binding_rules(b)
                .iter()
                .find(|rr| self.rule(**rr).allows(req))
            {
                return Some(Grant {
                    binding: bi,
                    subject: s.index,
                    rule: *rr,
                });
            }
        }
        None
    }

    /// Whether `user` may do `req`.
    pub fn can(&self, user: &UserInfo, req: &Request) -> bool {
        self.authorize(user, req).is_some()
    }

    /// Every (binding, subject) that allows `req`: the subjects who may do it, each with the
    /// first rule of the binding's role that allows it. Subjects that can match nobody (an
    /// unknown kind, a ServiceAccount without a namespace) are left out.
    pub fn who_can(&self, req: &Request) -> Vec<Grant> {
        let mut out = Vec::new();
        for bi in self.bindings_for(req.namespace()) {
            let b = &self.bindings[bi];
            if b.subjects.is_empty() {
                continue;
            }
            let Some(rr) = self
                .binding_rules(b)
                .iter()
                .find(|rr| self.rule(**rr).allows(req))
            else {
                continue;
            };
            for s in b.subjects.iter().filter(|s| s.is_valid()) {
                out.push(Grant {
                    binding: bi,
                    subject: s.index,
                    rule: *rr,
                });
            }
        }
        out
    }

    /// The bindings that apply to `user`, with the subject that matched: ClusterRoleBindings
    /// (effective everywhere) and RoleBindings of every namespace.
    pub fn bindings_of(&self, user: &UserInfo) -> Vec<(usize, usize)> {
        // Every (binding, subject position) whose subject names the user, one of its groups or
        // its ServiceAccount, from the subject index; then, per binding, the first such subject
        // in order, as a scan of each binding's subjects with `applies_to` would find.
        let mut keys = Vec::with_capacity(user.groups.len() + 2);
        if let Some(name) = &user.name {
            keys.push(format!("U\0{name}"));
            if let Some(rest) = name.strip_prefix("system:serviceaccount:") {
                keys.push(format!("S\0{rest}"));
            }
        }
        keys.extend(user.groups.iter().map(|g| format!("G\0{g}")));
        let mut hits: Vec<(usize, usize)> = keys
            .iter()
            .filter_map(|k| self.by_subject.get(k))
            .flatten()
            .copied()
            .collect();
        hits.sort_unstable();
        hits.dedup_by_key(|(bi, _)| *bi);
        hits.into_iter()
            .map(|(bi, pos)| (bi, self.bindings[bi].subjects[pos].index))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_arguments_take_the_group_before_or_after_the_subresource() {
        fn ok(a: &str) -> Result<(&str, Option<&str>, &str), String> {
            ResourceArg::parse(a).map(|r| (r.resource, r.group, r.subresource))
        }
        assert_eq!(ok("pods"), Ok(("pods", None, "")));
        assert_eq!(ok("pods/exec"), Ok(("pods", None, "exec")));
        assert_eq!(
            ok("deployments.apps"),
            Ok(("deployments", Some("apps"), ""))
        );
        assert_eq!(
            ok("deployments.apps/scale"),
            Ok(("deployments", Some("apps"), "scale"))
        );
        assert_eq!(
            ok("deployments/scale.apps"),
            Ok(("deployments", Some("apps"), "scale"))
        );
        assert_eq!(
            ok("deployments.apps/scale.apps"),
            Ok(("deployments", Some("apps"), "scale"))
        );
        assert_eq!(
            ok("certificatesigningrequests/approval.certificates.k8s.io"),
            Ok((
                "certificatesigningrequests",
                Some("certificates.k8s.io"),
                "approval"
            ))
        );
        assert_eq!(ok("*/scale"), Ok(("*", None, "scale")));
        for bad in [
            "",
            "/scale",
            "pods/",
            "pods/a/b",
            "deployments./scale",
            "deployments/scale.",
            "deployments.apps/scale.extensions",
        ] {
            assert!(ResourceArg::parse(bad).is_err(), "{bad}");
        }
    }

    /// The subject index gives exactly what scanning every binding's subjects gives.
    #[test]
    fn bindings_of_matches_a_scan_of_every_subject() {
        let inv = inv(r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: a, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: dev}
- {kind: User, name: alice}
- {kind: ServiceAccount, name: api}
- {kind: ServiceAccount, name: "b:c", namespace: a}
- {kind: ServiceAccount, name: c, namespace: "a:b"}
- {kind: Group, name: dev}
- {kind: user, name: alice}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: ServiceAccount, name: api}
- {kind: User, name: alice}
- {kind: ServiceAccount, name: api, namespace: prod}
"#);
        let m = Model::build(&inv, ModelOptions::default());
        let users = [
            (Some("alice"), vec!["dev", "system:authenticated"]),
            (
                Some("system:serviceaccount:prod:api"),
                vec!["system:serviceaccounts"],
            ),
            (Some("system:serviceaccount:a:b:c"), vec![]),
            (Some("bob"), vec!["dev", "dev"]),
            (None, vec!["system:masters"]),
            (Some("system:kube-scheduler"), vec!["system:authenticated"]),
        ];
        for (name, groups) in users {
            let user = UserInfo {
                name: name.map(str::to_string),
                groups: groups.into_iter().map(str::to_string).collect(),
            };
            let scan: Vec<(usize, usize)> = m
                .bindings
                .iter()
                .enumerate()
                .filter_map(|(bi, b)| {
                    b.subjects
                        .iter()
                        .find(|s| s.applies_to(&user))
                        .map(|s| (bi, s.index))
                })
                .collect();
            assert_eq!(m.bindings_of(&user), scan, "{user:?}");
        }
        let alice = UserInfo {
            name: Some("alice".into()),
            groups: vec![],
        };
        assert!(!m.bindings_of(&alice).is_empty());
    }
    use crate::model::ModelOptions;
    use stockade_inventory::Inventory;
    use stockade_sources::{Input, Limits, load_inputs};

    /// An inventory of the YAML text, read as standard input would be (no files, so tests
    /// running in parallel cannot disturb each other).
    pub(crate) fn inv(yaml: &str) -> Inventory {
        let load = load_inputs(&[Input::Stdin], &Limits::default(), &mut yaml.as_bytes());
        Inventory::from_manifests(load).0
    }

    const SAMPLE: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: prod}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
  resourceNames: [db]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: api}
- {kind: User, name: alice}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-exec}
rules:
- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: exec, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-exec}
subjects:
- {kind: Group, name: devs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: broken}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: Group, name: devs}
- {kind: ServiceAccount, name: nowhere}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {example.com/aggregate-to-monitoring: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-endpoints
  labels: {example.com/aggregate-to-monitoring: "true"}
rules:
- apiGroups: [""]
  resources: [endpoints]
  verbs: [list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: monitoring}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
subjects:
- {kind: User, name: prom}
"#;

    #[test]
    fn role_bindings_grant_only_in_their_namespace_and_default_sa_namespace() {
        let inv = inv(SAMPLE);
        let m = Model::build(&inv, ModelOptions { defaults: false });
        let alice = UserInfo::user("alice", &[]);
        let api = UserInfo::service_account("prod", "api");
        let get_db = |ns: &str| Request::resource("get", "", "secrets", "", "db", ns);
        assert!(m.can(&alice, &get_db("prod")));
        assert!(m.can(&api, &get_db("prod")));
        assert!(!m.can(&alice, &get_db("dev")));
        assert!(!m.can(&alice, &get_db("")));
        assert!(!m.can(&UserInfo::service_account("dev", "api"), &get_db("prod")));
        assert!(!m.can(
            &alice,
            &Request::resource("get", "", "secrets", "", "other", "prod")
        ));
    }

    #[test]
    fn role_binding_to_cluster_role_is_namespaced_and_crb_to_role_grants_nothing() {
        let inv = inv(SAMPLE);
        let m = Model::build(&inv, ModelOptions { defaults: false });
        let dev = UserInfo::user("bob", &["devs".to_string()]);
        let exec = |ns: &str| Request::resource("create", "", "pods", "exec", "x", ns);
        assert!(m.can(&dev, &exec("dev")));
        assert!(!m.can(&dev, &exec("prod")));
        assert!(!m.can(&dev, &exec("")));
        let broken = m.bindings.iter().find(|b| b.name == "broken").unwrap();
        assert!(broken.role.is_none());
        assert!(!m.can(
            &dev,
            &Request::resource("get", "", "secrets", "", "db", "prod")
        ));
    }

    #[test]
    fn aggregated_cluster_roles_collect_selected_rules() {
        let inv = inv(SAMPLE);
        let m = Model::build(&inv, ModelOptions { defaults: false });
        let prom = UserInfo::user("prom", &[]);
        assert!(m.can(
            &prom,
            &Request::resource("list", "", "endpoints", "", "", "any")
        ));
        assert!(m.can(
            &prom,
            &Request::resource("list", "", "endpoints", "", "", "")
        ));
        assert!(!m.can(
            &prom,
            &Request::resource("get", "", "endpoints", "", "", "")
        ));
    }

    #[test]
    fn who_can_lists_every_subject_with_its_binding() {
        let inv = inv(SAMPLE);
        let m = Model::build(&inv, ModelOptions { defaults: false });
        let who = m.who_can(&Request::resource("get", "", "secrets", "", "db", "prod"));
        let names: Vec<String> = who
            .iter()
            .map(|g| m.bindings[g.binding].subjects[g.subject].display())
            .collect();
        assert_eq!(names, vec!["ServiceAccount prod/api", "User alice"]);
        // The ClusterRoleBinding's SA subject without a namespace matches nobody.
        let b = m.bindings.iter().find(|b| b.name == "broken").unwrap();
        assert!(!b.subjects[1].is_valid());
    }

    #[test]
    fn defaults_give_authenticated_users_discovery_and_self_review() {
        let inv = inv(SAMPLE);
        let m = Model::build(&inv, ModelOptions::default());
        let u = UserInfo::user("nobody", &[]);
        assert!(m.can(&u, &Request::non_resource("get", "/healthz")));
        assert!(m.can(&u, &Request::non_resource("get", "/apis/apps/v1")));
        assert!(m.can(
            &u,
            &Request::resource(
                "create",
                "authorization.k8s.io",
                "selfsubjectaccessreviews",
                "",
                "",
                ""
            )
        ));
        assert!(!m.can(&u, &Request::resource("list", "", "pods", "", "", "")));
        let anon = UserInfo::user("system:anonymous", &[]);
        assert!(m.can(&anon, &Request::non_resource("get", "/version")));
        assert!(!m.can(&anon, &Request::non_resource("get", "/apis")));
    }

    #[test]
    fn computed_aggregation_reproduces_the_served_admin_edit_view_rules() {
        let empty = Inventory::default();
        let m = Model::build(&empty, ModelOptions::default());
        for name in ["admin", "edit", "view"] {
            let r = m.cluster_role(name).unwrap();
            let mut served = r.rules.clone();
            let mut computed: Vec<_> = r.effective.iter().map(|rr| m.rule(*rr).clone()).collect();
            let key = |p: &crate::PolicyRule| format!("{p:?}");
            served.sort_by_key(key);
            computed.sort_by_key(key);
            assert_eq!(computed, served, "{name}");
        }
    }
}
