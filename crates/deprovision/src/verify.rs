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

use crate::api::Api;
use crate::plan::{Op, Plan};
use crate::target::Target;
use serde::Serialize;
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

/// One SubjectAccessReview answer.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    /// `get pods in namespace shop`.
    pub request: String,
    /// The verdict.
    pub allowed: bool,
    /// The API server's reason (names the binding and role when allowed).
    pub reason: String,
}

/// The verdict.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// The target.
    pub target: String,
    /// True when no access remains (and every planned object is gone).
    pub passed: bool,
    /// What remains, each with the binding and role that grant it.
    pub remaining: Vec<String>,
    /// What was checked and found clean.
    pub checked: Vec<String>,
    /// SubjectAccessReview answers (live only).
    pub answers: Vec<Answer>,
    /// Namespaces asked about.
    pub namespaces: Vec<String>,
    /// Remarks (what the check cannot see).
    pub notes: Vec<String>,
}

/// Verifies `target` over `inv` (offline), then with `api` (live) when given.
pub fn verify(
    inv: &Inventory,
    target: &Target,
    plan: Option<&Plan>,
    api: Option<&Api>,
    extra_namespaces: &[String],
) -> Verification {
    let mut v = Verification {
        target: target.to_string(),
        ..Verification::default()
    };
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
        offline_subject(inv, target, &mut v, &mut namespaces);
        if sa_gone {
            v.checked.push(
                "the ServiceAccount no longer exists, so nothing can authenticate as it".into(),
            );
            if !v.remaining.is_empty() {
                v.notes.push(format!(
                    "bindings still name the deleted ServiceAccount and would grant a new one of the same name: {}",
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
        let (user, groups) = match &spec {
            stockade_rbac::SubjectSpec::User { name } => (Some(name.clone()), vec![]),
            stockade_rbac::SubjectSpec::Group { name } => (None, vec![name.clone()]),
            stockade_rbac::SubjectSpec::ServiceAccount { namespace, name } => (
                Some(stockade_rbac::subject::sa_username(namespace, name)),
                vec![],
            ),
        };
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
        v.notes.push(
            "SubjectAccessReview is asked for the subject alone, without the groups an authenticator may add; grants to those groups (system:authenticated, system:serviceaccounts…) are not the subject's own and are verified with group: targets".into(),
        );
    }
    v.namespaces = namespaces.into_iter().collect();
    v.passed = v.remaining.is_empty();
    v
}

fn bindings(inv: &Inventory) -> impl Iterator<Item = &stockade_inventory::Object> {
    inv.of_kind("RoleBinding")
        .chain(inv.of_kind("ClusterRoleBinding"))
}

fn offline_subject(
    inv: &Inventory,
    target: &Target,
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
    let principal = Principal::of_spec(&spec);
    let mut graph = Graph::new(&model, inv);
    for t in [
        stockade_rbac::Target::ClusterAdmin,
        stockade_rbac::Target::Secrets,
        stockade_rbac::Target::Nodes,
    ] {
        if let Some(how) = graph.has_directly(&principal, t) {
            v.remaining.push(format!(
                "{principal} has {} power directly: {how}",
                t.as_str()
            ));
        } else if let Some(chain) = graph.shortest(&principal, t, 4) {
            let steps: Vec<String> = chain.steps.iter().map(|s| s.how.clone()).collect();
            v.remaining.push(format!(
                "escalation path from {principal} to {}: {}",
                t.as_str(),
                steps.join(" → ")
            ));
        } else {
            v.checked.push(format!(
                "no grant or escalation path to {} (RBAC engine, offline)",
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
