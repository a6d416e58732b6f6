//! What `stockade rbac who-can|can|access|paths` answer: plain data built from a [`Model`]
//! (and, for paths, a [`Graph`]), serializable (the `-o json` documents) and rendered by
//! `stockade_report::rbac`.

use crate::Model;
use crate::model::{Binding, Role};
use crate::paths::{Chain, Graph, Principal, Target};
use crate::policy::PolicyRule;
use crate::query::{Grant, Request, is_superuser};
use crate::subject::{SubjectSpec, UserInfo};
use serde::Serialize;
use stockade_inventory::{Inventory, Object, ObjectOrigin};

/// What the `who-can` answer says about `system:masters`.
pub const MASTERS_NOTE: &str = "members of system:masters are allowed everything without RBAC";

/// The subject of a binding that grants a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantSubject {
    /// `kind` as written.
    pub kind: String,
    /// `name`.
    pub name: String,
    /// The namespace a ServiceAccount subject resolves to.
    pub namespace: Option<String>,
}

impl GrantSubject {
    /// `User alice`, `ServiceAccount ns/name`.
    pub fn display(&self) -> String {
        match (&self.kind[..], &self.namespace) {
            ("ServiceAccount", Some(ns)) => format!("ServiceAccount {ns}/{}", self.name),
            _ => format!("{} {}", self.kind, self.name),
        }
    }
}

/// The binding that grants a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantBinding {
    /// `RoleBinding` or `ClusterRoleBinding`.
    pub kind: &'static str,
    /// The namespace of a RoleBinding.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// Whether it is one of the API server's bootstrap bindings.
    pub builtin: bool,
}

impl GrantBinding {
    fn of(b: &Binding<'_>) -> Self {
        GrantBinding {
            kind: b.kind.as_str(),
            namespace: b.namespace.clone(),
            name: b.name.clone(),
            builtin: b.builtin,
        }
    }

    /// `RoleBinding ns/name` or `ClusterRoleBinding name`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("RoleBinding {ns}/{}", self.name),
            None => format!("ClusterRoleBinding {}", self.name),
        }
    }
}

/// A Role or ClusterRole, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantRole {
    /// `Role` or `ClusterRole`.
    pub kind: &'static str,
    /// The namespace of a Role.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl GrantRole {
    fn of(r: &Role<'_>) -> Self {
        GrantRole {
            kind: r.kind.as_str(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
        }
    }

    /// `Role ns/name` or `ClusterRole name`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("Role {ns}/{}", self.name),
            None => format!("ClusterRole {}", self.name),
        }
    }
}

/// The rule that matches a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantRule {
    /// The role that holds the rule (`ClusterRole edit`).
    pub role: String,
    /// The rule's position in the role's `rules`.
    pub index: usize,
    /// The rule.
    pub rule: PolicyRule,
}

/// A grant: subject, binding, the role it refers to and the matching rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantAnswer {
    /// The subject the binding names.
    pub subject: GrantSubject,
    /// The binding.
    pub binding: GrantBinding,
    /// The role the binding refers to (`None` when it does not exist).
    pub role: Option<GrantRole>,
    /// The matching rule.
    pub rule: GrantRule,
    /// `cluster:CONTEXT` for a binding read from a cluster.
    pub location: Option<String>,
}

impl GrantAnswer {
    /// The answer for a grant of `m`.
    pub fn new(m: &Model<'_>, g: &Grant) -> Self {
        let b = &m.bindings[g.binding];
        let s = &b.subjects[g.subject];
        GrantAnswer {
            subject: GrantSubject {
                kind: s.kind.clone(),
                name: s.name.clone(),
                namespace: s.namespace.clone(),
            },
            binding: GrantBinding::of(b),
            role: b.role.map(|r| GrantRole::of(&m.roles[r])),
            rule: GrantRule {
                role: m.roles[g.rule.role].display(),
                index: g.rule.rule,
                rule: m.rule(g.rule).clone(),
            },
            location: location(b.object),
        }
    }
}

fn location(o: &Object) -> Option<String> {
    match &o.origin {
        ObjectOrigin::File(_) => None,
        ObjectOrigin::Cluster { cluster } => Some(format!("cluster:{cluster}")),
    }
}

/// `rbac who-can`: every grant of a request.
#[derive(Clone, Debug, Serialize)]
pub struct WhoCan {
    /// The request.
    pub request: Request,
    /// The grants, in the model's order.
    pub allowed: Vec<GrantAnswer>,
    /// [`MASTERS_NOTE`].
    pub note: &'static str,
}

/// The `who-can` answer for `req`.
pub fn who_can(m: &Model<'_>, req: &Request) -> WhoCan {
    WhoCan {
        request: req.clone(),
        allowed: m
            .who_can(req)
            .iter()
            .map(|g| GrantAnswer::new(m, g))
            .collect(),
        note: MASTERS_NOTE,
    }
}

/// `rbac can`: whether a subject may make a request, and what allows it.
#[derive(Clone, Debug, Serialize)]
pub struct Can {
    /// The subject as given.
    pub subject: SubjectSpec,
    /// The user the API server would see (with its groups).
    pub user: UserInfo,
    /// The request.
    pub request: Request,
    /// Allowed, through RBAC or as a member of `system:masters`.
    pub allowed: bool,
    /// A member of `system:masters`.
    pub superuser: bool,
    /// The first grant that allows it.
    pub grant: Option<GrantAnswer>,
}

/// The `can` answer for `spec` with the extra `groups`.
pub fn can(m: &Model<'_>, spec: &SubjectSpec, groups: &[String], req: &Request) -> Can {
    let user = spec.user_info(groups);
    let grant = m.authorize(&user, req);
    let superuser = is_superuser(&user);
    Can {
        subject: spec.clone(),
        allowed: grant.is_some() || superuser,
        superuser,
        grant: grant.map(|g| GrantAnswer::new(m, &g)),
        user,
        request: req.clone(),
    }
}

/// One rule of a subject's effective permissions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessRule {
    /// Where it applies; `None`: every namespace and cluster-scoped resources.
    pub namespace: Option<String>,
    /// The rule.
    pub rule: PolicyRule,
    /// `binding → role` (or `→ missing KIND NAME`).
    pub via: String,
}

/// `rbac access`: a subject's effective permissions.
#[derive(Clone, Debug, Serialize)]
pub struct Access {
    /// The subject as given.
    pub subject: SubjectSpec,
    /// The user the API server would see (with its groups).
    pub user: UserInfo,
    /// A member of `system:masters`.
    pub superuser: bool,
    /// The rules, cluster-wide first, then by namespace.
    pub rules: Vec<AccessRule>,
}

/// The `access` answer for `spec` with the extra `groups`, in `namespace` only when given.
pub fn access(
    m: &Model<'_>,
    spec: &SubjectSpec,
    groups: &[String],
    namespace: Option<&str>,
) -> Access {
    let user = spec.user_info(groups);
    // (scope, rule text, via) rows: cluster-wide first, then namespaces in order.
    let mut rows: Vec<(String, PolicyRule, String)> = Vec::new();
    for (bi, _) in &m.bindings_of(&user) {
        let b = &m.bindings[*bi];
        if let (Some(want), Some(ns)) = (namespace, &b.namespace)
            && want != ns
        {
            continue;
        }
        let scope = b.namespace.clone().unwrap_or_else(|| "*".to_string());
        let via = match b.role {
            Some(r) => format!("{} → {}", b.display(), m.roles[r].display()),
            None => format!(
                "{} → missing {} {}",
                b.display(),
                b.role_ref_kind,
                b.role_ref_name
            ),
        };
        for rr in m.binding_rules(b) {
            rows.push((scope.clone(), m.rule(*rr).clone(), via.clone()));
        }
    }
    rows.sort_by(|x, y| (x.0 != "*", &x.0).cmp(&(y.0 != "*", &y.0)));
    Access {
        subject: spec.clone(),
        superuser: is_superuser(&user),
        user,
        rules: rows
            .into_iter()
            .map(|(s, rule, via)| AccessRule {
                namespace: (s != "*").then_some(s),
                rule,
                via,
            })
            .collect(),
    }
}

/// A subject that has the target's permissions itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Direct {
    /// The subject.
    pub subject: Principal,
    /// The grant that gives it the target.
    pub evidence: String,
}

/// `rbac paths`: escalation chains to a target.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Paths {
    /// What the chains lead to.
    pub target: Target,
    /// How many subjects were checked.
    pub subjects_checked: usize,
    /// The shortest chain of every subject that has one, shortest first.
    pub chains: Vec<Chain>,
    /// Subjects that hold the target directly.
    pub direct: Vec<Direct>,
    /// The longest chain looked for.
    #[serde(skip)]
    pub max_steps: usize,
}

/// What `rbac paths` looks for.
#[derive(Clone, Debug)]
pub struct PathsQuery {
    /// The target.
    pub target: Target,
    /// One subject, or every subject the bindings name.
    pub from: Option<Principal>,
    /// With every subject: also `system:` users and groups and kube-system ServiceAccounts.
    pub include_system: bool,
    /// The longest chain looked for.
    pub max_steps: usize,
}

/// The `paths` answer over `m` and the inventory's ServiceAccounts and workloads.
pub fn paths(m: &Model<'_>, inv: &Inventory, q: &PathsQuery) -> Paths {
    let mut g = Graph::new(m, inv);
    let sources = match &q.from {
        Some(p) => vec![p.clone()],
        None => g
            .sources()
            .into_iter()
            .filter(|p| q.include_system || !is_system(p))
            .collect(),
    };
    let mut chains = Vec::new();
    let mut direct = Vec::new();
    for s in &sources {
        if let Some(evidence) = g.has_directly(s, q.target) {
            direct.push(Direct {
                subject: s.clone(),
                evidence,
            });
            continue;
        }
        if let Some(c) = g.shortest(s, q.target, q.max_steps) {
            chains.push(c);
        }
    }
    chains.sort_by(|x, y| x.steps.len().cmp(&y.steps.len()).then(x.from.cmp(&y.from)));
    Paths {
        target: q.target,
        subjects_checked: sources.len(),
        chains,
        direct,
        max_steps: q.max_steps,
    }
}

/// A `system:` user or group, or a kube-system ServiceAccount.
fn is_system(p: &Principal) -> bool {
    match p {
        Principal::User { name } | Principal::Group { name } => name.starts_with("system:"),
        Principal::ServiceAccount { namespace, .. } => namespace == "kube-system",
        Principal::RoleHolder { .. } => false,
    }
}
