//! Escalation paths: a graph whose edge A → B means "A can obtain the permissions of B", and
//! the shortest chains from a subject to cluster-admin-equivalent power, to reading every
//! Secret, or to the nodes.
//!
//! Edges, each checked with the same rule matching as the authorizer:
//! - create pods (or a workload: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
//!   ReplicationController) in a namespace → every ServiceAccount of that namespace (a pod may
//!   name any of them);
//! - create `serviceaccounts/token` for a ServiceAccount → that ServiceAccount;
//! - `impersonate` users, groups or ServiceAccounts → them (impersonating `system:masters` is
//!   cluster-admin);
//! - `bind` a role plus create (or update/patch an existing) RoleBinding/ClusterRoleBinding →
//!   the holder of that role in that scope;
//! - `escalate` plus update/patch on a ClusterRole bound to the subject cluster-wide → any
//!   permission, i.e. cluster-admin;
//! - create `pods/exec` in a namespace → the ServiceAccounts its loaded workloads run as;
//! - get a legacy ServiceAccount token Secret → that ServiceAccount.
//!
//! Targets: cluster-admin (a rule with `*` verbs, groups and resources cluster-wide, or
//! membership of `system:masters`), secrets (list Secrets cluster-wide), nodes (`nodes/proxy`
//! get or create cluster-wide, which reaches every kubelet's API).

use crate::model::{BindingKind, Model, RoleKind, RuleRef};
use crate::query::Request;
use crate::subject::UserInfo;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use stockade_inventory::{Inventory, PodSpecView};
use stockade_sources::Node;

/// A node of the graph: who holds some permissions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Principal {
    /// A user (authenticated: `system:authenticated` is implied).
    User {
        /// Name.
        name: String,
    },
    /// Any member of a group.
    Group {
        /// Name.
        name: String,
    },
    /// A ServiceAccount.
    ServiceAccount {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// Whoever holds a role through a binding it could create: the role's rules in `namespace`
    /// (everywhere when `None`).
    RoleHolder {
        /// `Role ns/name` or `ClusterRole name`.
        role: String,
        /// The binding's namespace; `None` for a ClusterRoleBinding.
        #[serde(skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        #[serde(skip)]
        index: usize,
    },
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::User { name } => write!(f, "User {name}"),
            Principal::Group { name } => write!(f, "Group {name}"),
            Principal::ServiceAccount { namespace, name } => {
                write!(f, "ServiceAccount {namespace}/{name}")
            }
            Principal::RoleHolder {
                role,
                namespace: Some(ns),
                ..
            } => write!(f, "holder of {role} in namespace {ns}"),
            Principal::RoleHolder { role, .. } => write!(f, "holder of {role} cluster-wide"),
        }
    }
}

impl Principal {
    /// The principal a binding subject names (`None` for subjects that match nobody).
    pub fn of_subject(s: &crate::model::SubjectRef) -> Option<Principal> {
        match (s.kind.as_str(), &s.namespace) {
            ("User", _) => Some(Principal::User {
                name: s.name.clone(),
            }),
            ("Group", _) => Some(Principal::Group {
                name: s.name.clone(),
            }),
            ("ServiceAccount", Some(ns)) => Some(Principal::ServiceAccount {
                namespace: ns.clone(),
                name: s.name.clone(),
            }),
            _ => None,
        }
    }

    /// The principal of a CLI subject.
    pub fn of_spec(s: &crate::subject::SubjectSpec) -> Principal {
        use crate::subject::SubjectSpec as S;
        match s {
            S::User { name } => Principal::User { name: name.clone() },
            S::Group { name } => Principal::Group { name: name.clone() },
            S::ServiceAccount { namespace, name } => Principal::ServiceAccount {
                namespace: namespace.clone(),
                name: name.clone(),
            },
        }
    }

    fn user_info(&self) -> Option<UserInfo> {
        Some(match self {
            Principal::User { name } => UserInfo::user(name, &[]),
            Principal::Group { name } => {
                let mut g = vec![name.clone()];
                if name != "system:unauthenticated" && name != "system:authenticated" {
                    g.push("system:authenticated".to_string());
                }
                UserInfo::groups_only(&g)
            }
            Principal::ServiceAccount { namespace, name } => {
                UserInfo::service_account(namespace, name)
            }
            Principal::RoleHolder { .. } => return None,
        })
    }
}

/// What a chain leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Every permission (a `*`/`*`/`*` rule cluster-wide, or `system:masters`).
    ClusterAdmin,
    /// Reading every Secret (`list secrets` cluster-wide).
    Secrets,
    /// The kubelet API of every node (`nodes/proxy` cluster-wide).
    Nodes,
}

impl Target {
    /// Parses `cluster-admin`, `secrets` or `nodes`.
    pub fn parse(s: &str) -> Option<Target> {
        match s {
            "cluster-admin" | "admin" => Some(Target::ClusterAdmin),
            "secrets" => Some(Target::Secrets),
            "nodes" => Some(Target::Nodes),
            _ => None,
        }
    }

    /// The name used on the command line and in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::ClusterAdmin => "cluster-admin",
            Target::Secrets => "secrets",
            Target::Nodes => "nodes",
        }
    }
}

/// One step of a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Who acts.
    pub from: Principal,
    /// Whose permissions it obtains (`None` for the last step, which reaches the target).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Principal>,
    /// How, naming the permission and the binding and role that grant it.
    pub how: String,
}

/// The shortest chain from a subject to a target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Chain {
    /// The starting subject.
    pub from: Principal,
    /// What it reaches.
    pub target: Target,
    /// Steps; the last one reaches the target. Its length minus one is the number of
    /// identities the subject passes through.
    pub steps: Vec<Step>,
}

/// An entry of a principal's permissions: a rule, where it applies, and how it was obtained.
#[derive(Clone, Debug)]
struct Perm {
    /// `None`: everywhere (ClusterRoleBinding); `Some(ns)`: only in `ns`.
    scope: Option<String>,
    rule: RuleRef,
    via: String,
}

/// The escalation graph over a model and the inventory's ServiceAccounts and workloads.
pub struct Graph<'m, 'a> {
    model: &'m Model<'a>,
    /// ServiceAccounts by namespace (from ServiceAccount objects, binding subjects, workloads
    /// and every namespace's `default`). Ordered maps: the graph's edges are listed in their
    /// order, and which of several equally short chains is reported must not depend on a
    /// hash seed.
    service_accounts: BTreeMap<String, BTreeSet<String>>,
    /// ServiceAccounts the loaded workloads run as, by namespace: (sa, workload description).
    workload_sas: BTreeMap<String, Vec<(String, String)>>,
    /// Legacy token Secrets by namespace: (secret name, service account).
    token_secrets: BTreeMap<String, Vec<(String, String)>>,
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
    nodes: Vec<Principal>,
    index: HashMap<Principal, usize>,
    edges: Vec<Option<Vec<(usize, String)>>>,
    perms: Vec<Option<Vec<Perm>>>,
}

const WORKLOADS: &[(&str, &str)] = &[
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
];

const RBAC: &str = "rbac.authorization.k8s.io";

impl<'m, 'a> Graph<'m, 'a> {
    /// Builds the (lazily expanded) graph.
    pub fn new(model: &'m Model<'a>, inv: &Inventory) -> Self {
        let mut g = Graph {
            model,
            service_accounts: BTreeMap::new(),
            workload_sas: BTreeMap::new(),
            token_secrets: BTreeMap::new(),
            users: BTreeSet::new(),
            groups: BTreeSet::new(),
            nodes: Vec::new(),
            index: HashMap::new(),
            edges: Vec::new(),
            perms: Vec::new(),
        };
        let mut add_sa = |ns: &str, name: &str| {
            g.service_accounts
                .entry(ns.to_string())
                .or_default()
                .insert(name.to_string());
        };
        for o in inv.of_kind("ServiceAccount") {
            add_sa(o.namespace().unwrap_or("default"), o.name());
        }
        for o in inv.of_kind("Namespace") {
            add_sa(o.name(), "default");
        }
        for b in &model.bindings {
            for s in &b.subjects {
                match (s.kind.as_str(), &s.namespace) {
                    ("ServiceAccount", Some(ns)) => add_sa(ns, &s.name),
                    ("User", _) => {
                        g.users.insert(s.name.clone());
                    }
                    ("Group", _) => {
                        g.groups.insert(s.name.clone());
                    }
                    _ => {}
                }
            }
            if let Some(ns) = &b.namespace {
                add_sa(ns, "default");
            }
        }
        for o in inv.objects() {
            let Some(pod) = PodSpecView::of(o) else {
                continue;
            };
            let ns = o.namespace().unwrap_or("default").to_string();
            let sa = pod
                .get("serviceAccountName")
                .or_else(|| pod.get("serviceAccount"))
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("default")
                .to_string();
            add_sa(&ns, &sa);
            g.workload_sas
                .entry(ns)
                .or_default()
                .push((sa, format!("{} {}", o.kind(), o.name())));
        }
        for o in inv.of_kind("Secret") {
            let is_token = o.root.get("type").and_then(Node::as_str)
                == Some("kubernetes.io/service-account-token");
            if let (true, Some(sa)) = (is_token, o.annotation("kubernetes.io/service-account.name"))
            {
                let ns = o.namespace().unwrap_or("default").to_string();
                add_sa(&ns, sa);
                g.token_secrets
                    .entry(ns)
                    .or_default()
                    .push((o.name().to_string(), sa.to_string()));
            }
        }
        g.groups.insert("system:masters".to_string());
        g
    }

    /// The subjects of bindings that are not built-in defaults, sorted: where `paths` starts
    /// by default.
    pub fn sources(&self) -> Vec<Principal> {
        let set: BTreeSet<Principal> = self
            .model
            .bindings
            .iter()
            .filter(|b| !b.builtin && !crate::defaults::is_bootstrap(b.object))
            .flat_map(|b| b.subjects.iter().filter_map(Principal::of_subject))
            .collect();
        set.into_iter().collect()
    }

    fn node(&mut self, p: Principal) -> usize {
        if let Some(&i) = self.index.get(&p) {
            return i;
        }
        let i = self.nodes.len();
        self.index.insert(p.clone(), i);
        self.nodes.push(p);
        self.edges.push(None);
        self.perms.push(None);
        i
    }

    fn perms_of(&mut self, i: usize) -> &[Perm] {
        if self.perms[i].is_none() {
            let m = self.model;
            let mut v = Vec::new();
            match &self.nodes[i] {
                Principal::RoleHolder {
                    role,
                    namespace,
                    index,
                    ..
                } => {
                    for rr in &m.roles[*index].effective {
                        v.push(Perm {
                            scope: namespace.clone(),
                            rule: *rr,
                            via: format!("as holder of {role}"),
                        });
                    }
                }
                p => {
                    let user = p.user_info();
                    for (bi, _) in user.as_ref().map(|u| m.bindings_of(u)).unwrap_or_default() {
                        let b = &m.bindings[bi];
                        let via = match b.role {
                            Some(r) => format!("{} → {}", b.display(), m.roles[r].display()),
                            None => b.display(),
                        };
                        for rr in m.binding_rules(b) {
                            v.push(Perm {
                                scope: b.namespace.clone(),
                                rule: *rr,
                                via: via.clone(),
                            });
                        }
                    }
                }
            }
            self.perms[i] = Some(v);
        }
        self.perms[i].as_deref().unwrap_or(&[])
    }

    /// How principal `i` may do `req`, when it may.
    fn allows(&mut self, i: usize, req: &Request) -> Option<String> {
        let m = self.model;
        let ns = req.namespace().to_string();
        self.perms_of(i)
            .iter()
            .find(|p| {
                (p.scope.is_none() || (!ns.is_empty() && p.scope.as_deref() == Some(ns.as_str())))
                    && m.rule(p.rule).allows(req)
            })
            .map(|p| p.via.clone())
    }

    /// Whether any of `i`'s rules could allow `verb` on `group`/`resource` anywhere.
    fn may_touch(&mut self, i: usize, verb: &str, group: &str, resource: &str) -> bool {
        let m = self.model;
        self.perms_of(i)
            .iter()
            .any(|p| m.rule(p.rule).covers(verb, group, resource, ""))
    }

    /// Whether principal `i` has reached `target`, and the evidence.
    fn reached(&mut self, i: usize, target: Target) -> Option<String> {
        if target == Target::ClusterAdmin
            && matches!(&self.nodes[i], Principal::Group { name } if name == "system:masters")
        {
            return Some("members of system:masters bypass authorization".to_string());
        }
        let reqs: Vec<Request> = match target {
            Target::ClusterAdmin => vec![Request::resource("*", "*", "*", "", "", "")],
            Target::Secrets => vec![Request::resource("list", "", "secrets", "", "", "")],
            Target::Nodes => vec![
                Request::resource("get", "", "nodes", "proxy", "", ""),
                Request::resource("create", "", "nodes", "proxy", "", ""),
            ],
        };
        for r in &reqs {
            if let Some(via) = self.allows(i, r) {
                let what = match target {
                    Target::ClusterAdmin => "has every permission on every resource".to_string(),
                    _ => format!("can {}", r.describe()),
                };
                return Some(format!("{what} ({via})"));
            }
        }
        None
    }

    fn edges_of(&mut self, i: usize) -> Vec<(usize, String)> {
        if let Some(e) = &self.edges[i] {
            return e.clone();
        }
        let mut out: Vec<(Principal, String)> = Vec::new();
        let sas: Vec<(String, Vec<String>)> = self
            .service_accounts
            .iter()
            .map(|(ns, s)| (ns.clone(), s.iter().cloned().collect()))
            .collect();
        for (ns, names) in &sas {
            let sa = |n: &str| Principal::ServiceAccount {
                namespace: ns.clone(),
                name: n.to_string(),
            };
            // Create pods or workloads: run as any ServiceAccount of the namespace.
            let mut created = None;
            for (group, res) in WORKLOADS {
                if let Some(via) =
                    self.allows(i, &Request::resource("create", group, res, "", "", ns))
                {
                    created = Some(format!("can create {res} in namespace {ns} ({via})"));
                    break;
                }
            }
            for n in names {
                if let Some(how) = &created {
                    out.push((
                        sa(n),
                        format!("{how} and run them as ServiceAccount {ns}/{n}"),
                    ));
                    continue;
                }
                if let Some(via) = self.allows(
                    i,
                    &Request::resource("create", "", "serviceaccounts", "token", n, ns),
                ) {
                    out.push((
                        sa(n),
                        format!("can create a token for ServiceAccount {ns}/{n} ({via})"),
                    ));
                    continue;
                }
                if let Some(via) = self.allows(
                    i,
                    &Request::resource("impersonate", "", "serviceaccounts", "", n, ns),
                ) {
                    out.push((
                        sa(n),
                        format!("can impersonate ServiceAccount {ns}/{n} ({via})"),
                    ));
                }
            }
            if created.is_none() {
                let running = self.workload_sas.get(ns).cloned().unwrap_or_default();
                for (n, workload) in running {
                    if let Some(via) =
                        self.allows(i, &Request::resource("create", "", "pods", "exec", "", ns))
                    {
                        out.push((
                            sa(&n),
                            format!("can exec into pods of {workload} in namespace {ns}, which run as ServiceAccount {ns}/{n} ({via})"),
                        ));
                    }
                }
                let secrets = self.token_secrets.get(ns).cloned().unwrap_or_default();
                for (secret, n) in secrets {
                    if let Some(via) =
                        self.allows(i, &Request::resource("get", "", "secrets", "", &secret, ns))
                    {
                        out.push((
                            sa(&n),
                            format!("can read the token Secret {ns}/{secret} of ServiceAccount {ns}/{n} ({via})"),
                        ));
                    }
                }
            }
        }
        // Impersonation of users and groups.
        if self.may_touch(i, "impersonate", "", "users") {
            for u in self.users.clone() {
                if let Some(via) = self.allows(
                    i,
                    &Request::resource("impersonate", "", "users", "", &u, ""),
                ) {
                    out.push((
                        Principal::User { name: u.clone() },
                        format!("can impersonate User {u} ({via})"),
                    ));
                }
            }
        }
        if self.may_touch(i, "impersonate", "", "groups") {
            for gname in self.groups.clone() {
                if let Some(via) = self.allows(
                    i,
                    &Request::resource("impersonate", "", "groups", "", &gname, ""),
                ) {
                    out.push((
                        Principal::Group {
                            name: gname.clone(),
                        },
                        format!("can impersonate Group {gname} ({via})"),
                    ));
                }
            }
        }
        // Bind a role and write a binding to it.
        let m = self.model;
        if self.may_touch(i, "bind", RBAC, "clusterroles")
            || self.may_touch(i, "bind", RBAC, "roles")
        {
            for (ri, r) in m.roles.iter().enumerate() {
                let res = match r.kind {
                    RoleKind::Role => "roles",
                    RoleKind::ClusterRole => "clusterroles",
                };
                // Scopes a binding to this role can have: a ClusterRole cluster-wide or in any
                // namespace with bindings or service accounts; a Role only in its namespace.
                let mut scopes: Vec<Option<String>> = Vec::new();
                match &r.namespace {
                    Some(ns) => scopes.push(Some(ns.clone())),
                    None => {
                        scopes.push(None);
                        let mut nss: Vec<String> = self.service_accounts.keys().cloned().collect();
                        nss.sort();
                        scopes.extend(nss.into_iter().map(Some));
                    }
                }
                for scope in scopes {
                    let ns = scope.clone().unwrap_or_default();
                    let Some(bind_via) =
                        self.allows(i, &Request::resource("bind", RBAC, res, "", &r.name, &ns))
                    else {
                        continue;
                    };
                    let (bres, kind) = match scope {
                        None => ("clusterrolebindings", BindingKind::ClusterRoleBinding),
                        Some(_) => ("rolebindings", BindingKind::RoleBinding),
                    };
                    let mut write = self
                        .allows(i, &Request::resource("create", RBAC, bres, "", "", &ns))
                        .map(|v| format!("create {bres} ({v})"));
                    if write.is_none() {
                        let existing: Vec<String> = m
                            .bindings
                            .iter()
                            .filter(|b| b.kind == kind && b.namespace == scope)
                            .map(|b| b.name.clone())
                            .collect();
                        'outer: for bn in existing {
                            for verb in ["update", "patch"] {
                                if let Some(v) = self
                                    .allows(i, &Request::resource(verb, RBAC, bres, "", &bn, &ns))
                                {
                                    write = Some(format!("{verb} {} {bn} ({v})", kind.as_str()));
                                    break 'outer;
                                }
                            }
                        }
                    }
                    if let Some(w) = write {
                        let where_ = match &scope {
                            Some(ns) => format!("in namespace {ns}"),
                            None => "cluster-wide".to_string(),
                        };
                        out.push((
                            Principal::RoleHolder {
                                role: r.display(),
                                namespace: scope.clone(),
                                index: ri,
                            },
                            format!("can bind {} ({bind_via}) and {w}, so it can grant itself that role {where_}", r.display()),
                        ));
                    }
                }
            }
        }
        let mut ids = Vec::new();
        for (p, how) in out {
            if self.index.get(&p) == Some(&i) {
                continue;
            }
            let j = self.node(p);
            ids.push((j, how));
        }
        self.edges[i] = Some(ids.clone());
        ids
    }

    /// Escalate: update a ClusterRole held cluster-wide, beyond one's own permissions.
    fn escalates(&mut self, i: usize) -> Option<String> {
        if !self.may_touch(i, "escalate", RBAC, "clusterroles") {
            return None;
        }
        let m = self.model;
        let held: Vec<(usize, String)> = self
            .perms_of(i)
            .iter()
            .filter(|p| p.scope.is_none())
            .map(|p| (p.rule.role, p.via.clone()))
            .collect();
        let mut roles: Vec<usize> = held.iter().map(|(r, _)| *r).collect();
        if let Principal::RoleHolder {
            index,
            namespace: None,
            ..
        } = &self.nodes[i]
        {
            roles.push(*index);
        }
        roles.sort_unstable();
        roles.dedup();
        for r in roles {
            let role = &m.roles[r];
            if role.kind != RoleKind::ClusterRole {
                continue;
            }
            let Some(esc) = self.allows(
                i,
                &Request::resource("escalate", RBAC, "clusterroles", "", &role.name, ""),
            ) else {
                continue;
            };
            for verb in ["update", "patch"] {
                if let Some(v) = self.allows(
                    i,
                    &Request::resource(verb, RBAC, "clusterroles", "", &role.name, ""),
                ) {
                    return Some(format!(
                        "can escalate ({esc}) and {verb} ({v}) {}, which it holds cluster-wide, so it can add any permission to it",
                        role.display()
                    ));
                }
            }
        }
        None
    }

    /// The shortest chain (at most `max_steps` identity changes) from `from` to `target`;
    /// `None` when there is none or `from` already has the target's power (that is a direct
    /// grant, not an escalation).
    pub fn shortest(
        &mut self,
        from: &Principal,
        target: Target,
        max_steps: usize,
    ) -> Option<Chain> {
        let start = self.node(from.clone());
        if self.reached(start, target).is_some() {
            return None;
        }
        let mut prev: HashMap<usize, (usize, String)> = HashMap::new();
        let mut done = std::collections::HashSet::from([start]);
        let mut level = vec![start];
        let mut depth = 0usize;
        // Level by level, so that within the shortest length a chain that ends in a direct
        // grant is preferred to one that ends in an `escalate` of a held role.
        while !level.is_empty() {
            let mut finish = None;
            for &u in &level {
                if u != start
                    && let Some(ev) = self.reached(u, target)
                {
                    finish = Some((u, ev));
                    break;
                }
            }
            if finish.is_none() && target == Target::ClusterAdmin {
                for &u in &level {
                    if let Some(ev) = self.escalates(u) {
                        finish = Some((u, ev));
                        break;
                    }
                }
            }
            if let Some((u, evidence)) = finish {
                let mut steps = vec![Step {
                    from: self.nodes[u].clone(),
                    to: None,
                    how: evidence,
                }];
                let mut cur = u;
                while let Some((p, how)) = prev.get(&cur) {
                    steps.push(Step {
                        from: self.nodes[*p].clone(),
                        to: Some(self.nodes[cur].clone()),
                        how: how.clone(),
                    });
                    cur = *p;
                }
                steps.reverse();
                return Some(Chain {
                    from: from.clone(),
                    target,
                    steps,
                });
            }
            if depth >= max_steps {
                break;
            }
            let mut next = Vec::new();
            for &u in &level {
                for (v, how) in self.edges_of(u) {
                    if done.insert(v) {
                        prev.insert(v, (u, how));
                        next.push(v);
                    }
                }
            }
            level = next;
            depth += 1;
        }
        None
    }

    /// Whether `p` already has the target's power directly.
    pub fn has_directly(&mut self, p: &Principal, target: Target) -> Option<String> {
        let i = self.node(p.clone());
        self.reached(i, target)
    }
}
