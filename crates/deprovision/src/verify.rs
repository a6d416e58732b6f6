//! Proof that no access remains.
//!
//! Offline, over an inventory (manifests or a cluster snapshot): no binding names the subject,
//! and the RBAC engine finds no direct grant of cluster-admin power, of every Secret or of the
//! nodes, and no escalation chain to them. Live, SubjectAccessReview is asked a representative
//! set of requests ([`REQUESTS`]) cluster-wide and in every namespace the target had access in;
//! any `allowed` answer is a failure with the API server's reason. For a ServiceAccount, the
//! ServiceAccount being gone is also success (nothing can authenticate as it). For namespace and
//! workload targets (and whenever a plan is given) every object the plan deletes must be gone
//! (or being deleted) and every subject it removes absent.
//!
//! Groups: a user's groups are decided by the authenticator (the identity provider, a client
//! certificate's organisations), which no cluster object records. Verify therefore checks the
//! subject together with the groups it is known to be in — the implicit ones
//! (`system:authenticated`; for a ServiceAccount also `system:serviceaccounts` and
//! `system:serviceaccounts:NS`) and those given with `--group` — and states that assumption in
//! [`Verification::assumption`]. For a user, every binding to any group is listed
//! ([`Verification::group_grants`]) with what it grants, since any of them could still apply.

use crate::api::Api;
use crate::plan::{Op, Plan};
use crate::target::{NODE_USER_PREFIX, Target};
use serde_json::json;
use stockade_inventory::Inventory;
use stockade_inventory::references::namespace_of;
use stockade_rbac::{Graph, Model, ModelOptions, Principal};
use stockade_sources::Node;

/// The representative requests asked of SubjectAccessReview: (verb, group, resource).
pub const REQUESTS: &[(&str, &str, &str)] = &[
    ("get", "", "pods"),
    ("list", "", "pods"),
    ("create", "", "pods"),
    ("delete", "", "pods"),
    ("get", "", "secrets"),
    ("list", "", "secrets"),
    ("create", "", "secrets"),
    ("delete", "", "secrets"),
    ("get", "", "configmaps"),
    ("list", "", "configmaps"),
    ("create", "", "configmaps"),
    ("delete", "", "configmaps"),
    ("get", "apps", "deployments"),
    ("list", "apps", "deployments"),
    ("create", "apps", "deployments"),
    ("delete", "apps", "deployments"),
    ("get", "rbac.authorization.k8s.io", "roles"),
    ("list", "rbac.authorization.k8s.io", "roles"),
    ("create", "rbac.authorization.k8s.io", "roles"),
    ("delete", "rbac.authorization.k8s.io", "roles"),
    ("get", "rbac.authorization.k8s.io", "rolebindings"),
    ("list", "rbac.authorization.k8s.io", "rolebindings"),
    ("create", "rbac.authorization.k8s.io", "rolebindings"),
    ("delete", "rbac.authorization.k8s.io", "rolebindings"),
    ("escalate", "rbac.authorization.k8s.io", "roles"),
    ("bind", "rbac.authorization.k8s.io", "roles"),
    ("escalate", "rbac.authorization.k8s.io", "clusterroles"),
    ("bind", "rbac.authorization.k8s.io", "clusterroles"),
    ("impersonate", "", "users"),
    ("impersonate", "", "groups"),
    ("impersonate", "", "serviceaccounts"),
];

pub use stockade_deprovision_model::verify::{Answer, GroupGrant, Verification};

/// Verifies `target` over `inv` (offline), then with `api` (live) when given. `groups` are
/// groups the subject is known to be in (`--group`), checked in addition to the implicit ones.
pub fn verify(
    inv: &Inventory,
    target: &Target,
    plan: Option<&Plan>,
    api: Option<&Api>,
    extra_namespaces: &[String],
    groups: &[String],
) -> Verification {
    let mut v = Verification {
        target: target.to_string(),
        ..Verification::default()
    };
    let mut given: Vec<String> = Vec::new();
    for g in groups {
        if !g.is_empty() && !given.contains(g) {
            given.push(g.clone());
        }
    }
    if let Some(spec) = target.subject_spec() {
        v.groups = spec.user_info(&given).groups;
        v.assumption = assumption(target, &spec, &given, &v.groups);
    }
    let mut namespaces: std::collections::BTreeSet<String> =
        extra_namespaces.iter().cloned().collect();
    let sa_gone = match target {
        Target::ServiceAccount { namespace, name } => {
            inv.get("ServiceAccount", Some(namespace), name).is_none()
                && inv.has_kind("ServiceAccount")
        }
        _ => false,
    };
    if target.is_subject() {
        offline_subject(inv, target, &given, &mut v, &mut namespaces);
        if sa_gone {
            v.checked.push(
                "the ServiceAccount no longer exists, so nothing can authenticate as it".into(),
            );
            if !v.remaining.is_empty() {
                v.notes.push(format!(
                    "bindings still grant to the deleted ServiceAccount (by name or through its groups) and would grant a new one of the same name: {}",
                    v.remaining.join("; ")
                ));
                v.remaining.clear();
            }
        }
    }
    match target {
        Target::Namespace(ns) => {
            match inv.get("Namespace", None, ns) {
                None => v.checked.push(format!("Namespace {ns} is gone")),
                Some(o) if o.root.at("metadata.deletionTimestamp").is_some() => {
                    v.checked.push(format!("Namespace {ns} is being deleted"))
                }
                Some(_) => v.remaining.push(format!("Namespace {ns} still exists")),
            }
            // Grants to its ServiceAccounts elsewhere.
            for b in bindings(inv) {
                if namespace_of(b) == Some(ns.as_str()) {
                    continue;
                }
                for s in b.root.get("subjects").map(Node::items).unwrap_or(&[]) {
                    let kind = s.get("kind").and_then(Node::as_str).unwrap_or("");
                    let name = s.get("name").and_then(Node::as_str).unwrap_or("");
                    if target.matches_subject(kind, name, s.get("namespace").and_then(Node::as_str))
                    {
                        v.remaining.push(format!(
                            "{} {} still names ServiceAccount {ns}/{name}",
                            b.kind(),
                            b.display_name()
                        ));
                    }
                }
            }
        }
        Target::Workload {
            namespace,
            kind,
            name,
        } => match inv
            .of_kind(kind)
            .find(|o| o.name() == name && namespace_of(o) == Some(namespace.as_str()))
        {
            None => v.checked.push(format!("{kind} {namespace}/{name} is gone")),
            Some(o) if o.root.at("metadata.deletionTimestamp").is_some() => v
                .checked
                .push(format!("{kind} {namespace}/{name} is being deleted")),
            Some(_) => v
                .remaining
                .push(format!("{kind} {namespace}/{name} still exists")),
        },
        Target::Node(name) => {
            offline_subject(inv, target, &[], &mut v, &mut namespaces);
            node_offline(inv, name, plan, &mut v);
            if let Some(api) = api {
                node_live(api, name, plan, &mut v);
            }
        }
        _ => {}
    }
    if let Some(plan) = plan {
        planned_objects(inv, plan, &mut v);
    }
    if let (Some(api), Some(spec)) = (api, target.subject_spec())
        && !sa_gone
    {
        let offline_clean = v.remaining.is_empty();
        let mut scopes = vec![String::new()];
        scopes.extend(namespaces.iter().cloned());
        // The identity as the authenticator hands it to the authorizer: the user name with
        // the implicit groups and those given with --group.
        let info = spec.user_info(&given);
        let (user, groups) = (info.name, info.groups);
        for ns in &scopes {
            for (verb, group, resource) in REQUESTS {
                let cluster_only = matches!(
                    *resource,
                    "users" | "groups" | "serviceaccounts" | "clusterroles"
                );
                if cluster_only && !ns.is_empty() {
                    continue;
                }
                let mut spec = json!({
                    "resourceAttributes": {"verb": verb, "group": group, "resource": resource, "namespace": ns},
                    "groups": groups,
                });
                if let Some(u) = &user {
                    spec["user"] = json!(u);
                }
                let request =
                    stockade_rbac::query::Request::resource(verb, group, resource, "", "", ns)
                        .describe();
                // The authorizer reads RBAC from a cache that trails writes by a moment: when
                // the snapshot shows no binding for the subject but the server still allows,
                // ask again briefly before calling it remaining access.
                let mut answer = api.access_review(&spec);
                let mut tries = 0;
                while offline_clean && tries < 10 && matches!(answer, Ok((true, _))) {
                    std::thread::sleep(std::time::Duration::from_millis(500));
                    answer = api.access_review(&spec);
                    tries += 1;
                }
                match answer {
                    Ok((allowed, reason)) => {
                        if allowed {
                            v.remaining
                                .push(format!("SubjectAccessReview allows {request}: {reason}"));
                        }
                        v.answers.push(Answer {
                            request,
                            allowed,
                            reason,
                        });
                    }
                    Err(e) => {
                        v.remaining.push(format!(
                            "SubjectAccessReview for {request} failed ({e}); access cannot be proven absent"
                        ));
                    }
                }
            }
        }
        v.notes.push(format!(
            "SubjectAccessReview was asked with the groups {}; the API server cannot tell which other groups the identity provider adds",
            list(&v.groups)
        ));
    }
    v.namespaces = namespaces.into_iter().collect();
    let mut seen = std::collections::HashSet::new();
    v.checked.retain(|c| seen.insert(c.clone()));
    v.passed = v.remaining.is_empty();
    v
}

/// The groups a node's credentials carry.
const NODE_GROUPS: &[&str] = &["system:nodes", "system:authenticated"];

/// What the Node authorizer gives every node identity, whatever its pods: answered, but not a
/// failure, since only the certificate's expiry or the CA ends it.
/// (verb, group, resource, namespace, about its own name).
const NODE_BY_DESIGN: &[(&str, &str, &str, &str, bool)] = &[
    ("get", "", "nodes", "", true),
    ("create", "", "nodes", "", false),
    ("create", "", "events", "default", false),
];

fn node_offline(inv: &Inventory, name: &str, plan: Option<&Plan>, v: &mut Verification) {
    match inv.get("Node", None, name) {
        None => v.checked.push(format!("Node {name} is gone")),
        Some(o) if o.root.at("metadata.deletionTimestamp").is_some() => {
            v.checked.push(format!("Node {name} is being deleted"))
        }
        Some(_) => v.remaining.push(format!("Node {name} still exists")),
    }
    let bound: Vec<String> = inv
        .of_kind("Pod")
        .filter(|p| p.root.at("spec.nodeName").and_then(Node::as_str) == Some(name))
        .map(|p| p.display_name())
        .collect();
    if bound.is_empty() {
        v.checked.push(format!("no pod is bound to {name}"));
    } else {
        v.remaining.push(format!(
            "{} pod(s) are still bound to {name} ({}): until they are gone the Node authorizer lets its credentials read what they use; once the Node is deleted, pod garbage collection removes them",
            bound.len(),
            bound.join(", ")
        ));
    }
    match plan {
        Some(plan) if !plan.certificates.is_empty() => {
            for c in &plan.certificates {
                v.notes.push(format!(
                    "the client certificate issued through CSR {} ({}, serial {}) stays valid until {}: Kubernetes cannot revoke it; destroy the machine's key or revoke at the CA",
                    c.csr, c.subject, c.serial, c.not_after
                ));
            }
        }
        _ => v.notes.push(format!(
            "{NODE_USER_PREFIX}{name}'s client certificate stays valid until it expires (no CSR recorded its expiry): Kubernetes cannot revoke it; destroy the machine's key or revoke at the CA"
        )),
    }
}

fn node_live(api: &Api, name: &str, plan: Option<&Plan>, v: &mut Verification) {
    let user = format!("{NODE_USER_PREFIX}{name}");
    v.groups = NODE_GROUPS.iter().map(|g| g.to_string()).collect();
    v.assumption = format!(
        "checked as {user} in the groups {}, the identity a kubelet's client certificate carries",
        list(&v.groups)
    );
    let ask = |verb: &str, group: &str, resource: &str, sub: &str, ns: &str, obj: &str| {
        let spec = json!({
            "user": user,
            "groups": NODE_GROUPS,
            "resourceAttributes": {"verb": verb, "group": group, "resource": resource,
                "subresource": sub, "namespace": ns, "name": obj},
        });
        let request =
            stockade_rbac::query::Request::resource(verb, group, resource, sub, obj, ns).describe();
        (request, api.access_review(&spec))
    };
    let reads = plan.map(|p| p.node_reads.as_slice()).unwrap_or(&[]);
    if plan.is_none() {
        v.notes.push(
            "no plan: what the node's pods let it read is unknown, so only RBAC and the objects were checked; pass --plan".into(),
        );
    }
    for r in reads {
        let Some(res) = stockade_deprovision_model::resource::resource_of(r) else {
            continue;
        };
        // What a kubelet does with each: reads it, or (a ServiceAccount) mints its tokens.
        let (verb, sub) = if r.kind == "ServiceAccount" {
            ("create", "token")
        } else {
            ("get", "")
        };
        let (request, answer) = ask(
            verb,
            res.group,
            res.plural,
            sub,
            r.namespace.as_deref().unwrap_or(""),
            &r.name,
        );
        match answer {
            Ok((allowed, reason)) => {
                if allowed {
                    v.remaining.push(format!(
                        "SubjectAccessReview allows {request} to {user}: {reason}"
                    ));
                } else {
                    v.checked.push(format!("{user} can no longer {request}"));
                }
                v.answers.push(Answer {
                    request,
                    allowed,
                    reason,
                });
            }
            Err(e) => v.remaining.push(format!(
                "SubjectAccessReview for {request} failed ({e}); access cannot be proven absent"
            )),
        }
    }
    let mut by_design = Vec::new();
    for (verb, group, resource, ns, own) in NODE_BY_DESIGN {
        let (request, answer) = ask(verb, group, resource, "", ns, if *own { name } else { "" });
        if let Ok((allowed, reason)) = answer {
            if allowed {
                by_design.push(request.clone());
            }
            v.answers.push(Answer {
                request,
                allowed,
                reason,
            });
        }
    }
    if !by_design.is_empty() {
        v.notes.push(format!(
            "by design the Node authorizer still allows {user} to {} (every node identity may; NodeRestriction limits it to its own Node): its certificate can register the Node again, and only the certificate's expiry or the CA ends that",
            list(&by_design)
        ));
    }
}

fn bindings(inv: &Inventory) -> impl Iterator<Item = &stockade_inventory::Object> {
    inv.of_kind("RoleBinding")
        .chain(inv.of_kind("ClusterRoleBinding"))
}

/// `a, b and c`; `none` when empty.
fn list(items: &[String]) -> String {
    match items {
        [] => "none".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The groups an identity has whatever the identity provider says.
fn implicit_groups(spec: &stockade_rbac::SubjectSpec) -> Vec<String> {
    match spec {
        stockade_rbac::SubjectSpec::Group { .. } => Vec::new(),
        other => other.user_info(&[]).groups,
    }
}

/// What verify assumed about the subject's groups, in words.
fn assumption(
    target: &Target,
    spec: &stockade_rbac::SubjectSpec,
    given: &[String],
    groups: &[String],
) -> String {
    let implicit = implicit_groups(spec);
    let given_text = if given.is_empty() {
        String::new()
    } else {
        format!(" and {} (given with --group)", list(given))
    };
    match target {
        Target::User(name) => format!(
            "user {name} was checked as a member of {}{given_text} and of no other group; group membership lives in the identity provider, which Stockade cannot see: pass --group G for every group {name} is in",
            if implicit.is_empty() {
                "no implicit group".to_string()
            } else {
                format!("{} (implicit)", list(&implicit))
            }
        ),
        Target::ServiceAccount { .. } => format!(
            "the ServiceAccount was checked with the groups its tokens carry, {}{given_text}",
            list(&implicit)
        ),
        Target::Group(name) => format!(
            "group {name} was checked on its own{given_text}; what its members get through their user names and other groups is not part of this check",
        ),
        _ => format!("checked with the groups {}", list(groups)),
    }
}

/// Whether a binding is one of the defaults every API server creates.
fn is_default(b: &stockade_rbac::Binding<'_>) -> bool {
    b.builtin || b.object.label("kubernetes.io/bootstrapping") == Some("rbac-defaults")
}

/// Bindings to groups: remaining access through the groups the subject was checked with, and
/// (for a user) every other group path that could still apply.
fn group_paths(
    model: &Model<'_>,
    target: &Target,
    spec: &stockade_rbac::SubjectSpec,
    given: &[String],
    v: &mut Verification,
    namespaces: &mut std::collections::BTreeSet<String>,
) {
    let implicit = implicit_groups(spec);
    let own_group = match target {
        Target::Group(g) => Some(g.as_str()),
        _ => None,
    };
    for b in &model.bindings {
        for s in b.subjects.iter().filter(|s| s.kind == "Group") {
            if own_group == Some(s.name.as_str()) {
                continue; // a direct grant, counted above
            }
            let assumed = v.groups.contains(&s.name);
            if !assumed && !matches!(target, Target::User(_)) {
                continue;
            }
            let default = is_default(b);
            // Every authenticated identity has the defaults granted to its implicit groups
            // (discovery, self-reviews); anything else granted to a group it is in is access.
            let counted = assumed && !(default && implicit.contains(&s.name));
            let role = b
                .role
                .map(|r| model.roles[r].display())
                .unwrap_or_else(|| format!("{} {} (not found)", b.role_ref_kind, b.role_ref_name));
            let rules: Vec<String> = model
                .binding_rules(b)
                .iter()
                .take(4)
                .map(|r| model.rule(*r).describe())
                .collect();
            if counted {
                if let Some(ns) = &b.namespace {
                    namespaces.insert(ns.clone());
                }
                let why = if given.contains(&s.name) {
                    "given with --group".to_string()
                } else {
                    "an implicit group of the identity".to_string()
                };
                v.remaining.push(format!(
                    "{} grants {role} to Group {} ({why}){}{}",
                    b.display(),
                    s.name,
                    if rules.is_empty() { "" } else { ": " },
                    rules.join("; ")
                ));
            }
            v.group_grants.push(GroupGrant {
                group: s.name.clone(),
                binding: b.display(),
                role,
                rules,
                default,
                assumed,
                counted,
            });
        }
    }
}

fn offline_subject(
    inv: &Inventory,
    target: &Target,
    given: &[String],
    v: &mut Verification,
    namespaces: &mut std::collections::BTreeSet<String>,
) {
    let model = Model::build(inv, ModelOptions::default());
    let mut direct = 0;
    for b in &model.bindings {
        if b.builtin {
            continue;
        }
        if !b
            .subjects
            .iter()
            .any(|s| target.matches_subject(&s.kind, &s.name, s.namespace.as_deref()))
        {
            continue;
        }
        direct += 1;
        if let Some(ns) = &b.namespace {
            namespaces.insert(ns.clone());
        }
        let role = b
            .role
            .map(|r| model.roles[r].display())
            .unwrap_or_else(|| format!("{} {} (not found)", b.role_ref_kind, b.role_ref_name));
        let rules: Vec<String> = model
            .binding_rules(b)
            .iter()
            .take(4)
            .map(|r| model.rule(*r).describe())
            .collect();
        v.remaining.push(format!(
            "{} grants {role}{}{}",
            b.display(),
            if rules.is_empty() { "" } else { ": " },
            rules.join("; ")
        ));
    }
    if direct == 0 {
        v.checked
            .push("no RoleBinding or ClusterRoleBinding names the subject".into());
    }
    let Some(spec) = target.subject_spec() else {
        return;
    };
    group_paths(&model, target, &spec, given, v, namespaces);
    let mut graph = Graph::new(&model, inv);
    // The subject (with its implicit groups), and each group it was said to be in.
    let mut principals = vec![Principal::of_spec(&spec)];
    principals.extend(
        given
            .iter()
            .filter(|g| !matches!(target, Target::Group(own) if own == *g))
            .map(|g| Principal::Group { name: g.clone() }),
    );
    for principal in &principals {
        escalation(&mut graph, principal, v);
    }
}

/// Direct grants of, and escalation paths to, cluster-admin power, every Secret and the nodes.
fn escalation(graph: &mut Graph<'_, '_>, principal: &Principal, v: &mut Verification) {
    for t in [
        stockade_rbac::Target::ClusterAdmin,
        stockade_rbac::Target::Secrets,
        stockade_rbac::Target::Nodes,
    ] {
        if let Some(how) = graph.has_directly(principal, t) {
            v.remaining.push(format!(
                "{principal} has {} power directly: {how}",
                t.as_str()
            ));
        } else if let Some(chain) = graph.shortest(principal, t, 4) {
            let steps: Vec<String> = chain.steps.iter().map(|s| s.how.clone()).collect();
            v.remaining.push(format!(
                "escalation path from {principal} to {}: {}",
                t.as_str(),
                steps.join(" → ")
            ));
        } else {
            v.checked.push(format!(
                "no grant or escalation path from {principal} to {} (RBAC engine, offline)",
                t.as_str()
            ));
        }
    }
}

fn planned_objects(inv: &Inventory, plan: &Plan, v: &mut Verification) {
    for a in &plan.actions {
        let o = &a.object;
        let found = inv.objects().iter().find(|x| {
            x.kind() == o.kind && x.name() == o.name && namespace_of(x) == o.namespace.as_deref()
        });
        match (a.op, found) {
            (Op::Delete, None) => v.checked.push(format!("{} is gone", o.display())),
            (Op::Delete, Some(x)) if x.root.at("metadata.deletionTimestamp").is_some() => {
                v.checked.push(format!("{} is being deleted", o.display()))
            }
            (Op::Delete, Some(_)) => v.remaining.push(format!(
                "{} still exists (the plan deletes it)",
                o.display()
            )),
            (Op::Evict, None) => v.checked.push(format!("{} is gone", o.display())),
            (Op::Evict, Some(x)) if x.root.at("metadata.deletionTimestamp").is_some() => {
                v.checked.push(format!("{} is terminating", o.display()))
            }
            (Op::Evict, Some(_)) => v
                .remaining
                .push(format!("{} still runs (the plan evicts it)", o.display())),
            (Op::Cordon, None) => v.checked.push(format!("{} is gone", o.display())),
            (Op::Cordon, Some(x)) => {
                if x.root.at("spec.unschedulable").and_then(Node::as_bool) == Some(true) {
                    v.checked.push(format!("{} is cordoned", o.display()));
                } else {
                    v.remaining.push(format!(
                        "{} is schedulable (the plan cordons it)",
                        o.display()
                    ));
                }
            }
            (Op::RemoveSubjects, None) => v.checked.push(format!("{} is gone", o.display())),
            (Op::RemoveSubjects, Some(x)) => {
                let subjects = x.root.get("subjects").map(Node::items).unwrap_or(&[]);
                for s in &a.subjects {
                    let still = subjects.iter().any(|y| {
                        y.get("kind").and_then(Node::as_str) == Some(s.kind.as_str())
                            && y.get("name").and_then(Node::as_str) == Some(s.name.as_str())
                            && y.get("namespace").and_then(Node::as_str) == s.namespace.as_deref()
                    });
                    if still {
                        v.remaining
                            .push(format!("{} still names {}", o.display(), s.display()));
                    } else {
                        v.checked
                            .push(format!("{} no longer names {}", o.display(), s.display()));
                    }
                }
            }
        }
    }
}
