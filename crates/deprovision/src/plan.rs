//! Plan computation (the plan types and the plan file format are
//! `stockade_deprovision_model::plan`, re-exported here).
//!
//! A plan says everything `apply` will do for one target, and nothing else: which bindings to
//! delete (every subject is the target) or to patch (the target is one of several subjects),
//! which tokens, Secrets, ConfigMaps, PVCs, ServiceAccounts and Roles only the target (or only
//! what the plan removes) uses, and what must stay because something else still uses it. It is
//! computed from an [`Inventory`] and its reference graph; it never talks to a cluster.
//!
//! The JSON form (`-o json`) is the plan *file* that `apply` reads. Its shape is versioned by
//! `apiVersion`/`kind` ([`API_VERSION`], [`KIND`]) and documented in docs/deprovision.md; fields
//! are only ever added. A plan made from a live cluster records each object's `uid` and
//! `resourceVersion`, which apply turns into preconditions.

use crate::target::Target;
use std::collections::{BTreeSet, HashSet};
use stockade_inventory::references::{is_builtin, namespace_of};
use stockade_inventory::{Inventory, Object, ObjectKey, ObjectOrigin, Via};
use stockade_sources::{Node, Value};

/// The kinds a plan must see completely: the grants it revokes, what it deletes and everything
/// that can still use what it deletes. A plan from a cluster where one of them could not be
/// read could leave access behind or delete something in use, so none is made.
pub const NEEDS: &[&str] = &stockade_model::kinds::concat::<20>(&[
    &[
        "Namespace",
        "ServiceAccount",
        "Secret",
        "ConfigMap",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "Ingress",
    ],
    stockade_model::kinds::WORKLOAD_KINDS,
]);

/// The kinds `verify` must see completely to prove offline that no grant is left.
pub const VERIFY_NEEDS: &[&str] = &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

pub use stockade_deprovision_model::plan::{
    API_VERSION, Action, KIND, Kept, ObjRef, Op, Plan, PlanError, PlanSource, Subject,
};

pub use stockade_model::time::{format_rfc3339 as rfc3339, now_rfc3339};

/// Names of ClusterRoles every cluster has and users bind, never deleted by a plan.
const BUILTIN_ROLES: &[&str] = &["cluster-admin", "admin", "edit", "view"];

/// Why an object must never be deleted by a plan, whoever uses it.
fn protected(o: &Object) -> Option<&'static str> {
    let name = o.name();
    match o.kind() {
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
            if name.starts_with("system:")
                || (o.kind() == "ClusterRole" && BUILTIN_ROLES.contains(&name))
                || o.label("kubernetes.io/bootstrapping") == Some("rbac-defaults") =>
        {
            return Some("built-in role, kept");
        }
        "ServiceAccount" if name == "default" => {
            return Some(
                "every namespace's `default` ServiceAccount is recreated by the controller; kept",
            );
        }
        "ConfigMap" if name == "kube-root-ca.crt" => {
            return Some("published by the control plane into every namespace; kept");
        }
        _ => {}
    }
    if namespace_of(o) == Some("kube-system") {
        return Some("in kube-system; Stockade never deletes there");
    }
    None
}

/// Whether a Secret is a legacy ServiceAccount token (type, or the annotation when the type is
/// unknown because only metadata was read).
pub fn is_token_secret(o: &Object) -> bool {
    o.kind() == "Secret"
        && (o.root.get("type").and_then(Node::as_str)
            == Some("kubernetes.io/service-account-token")
            || o.annotation("kubernetes.io/service-account.name").is_some())
}

/// Order of actions: remove the workload first (its pods stop using what follows), then
/// revoke access, then remove credentials and what they named, roles last but one, the
/// namespace last. Undo runs in reverse, so roles exist again before bindings refer to them.
fn rank(a: &Action) -> u8 {
    match (a.op, a.object.kind.as_str()) {
        (Op::Delete, k) if crate::target::WORKLOAD_KINDS.contains(&k) => 0,
        (Op::RemoveSubjects, _) => 1,
        (Op::Delete, "RoleBinding" | "ClusterRoleBinding") => 2,
        (Op::Delete, "Secret") => 3,
        (Op::Delete, "ServiceAccount") => 4,
        (Op::Delete, "ConfigMap" | "PersistentVolumeClaim") => 5,
        (Op::Delete, "Role" | "ClusterRole") => 6,
        (Op::Cordon | Op::Evict, _) => 0,
        (Op::Delete, "CertificateSigningRequest") => 3,
        (Op::Delete, "Namespace") => 8,
        // A node goes once its pods are drained and its credentials revoked; what it had
        // attached and its heartbeat after it.
        (Op::Delete, "Node") => 9,
        (Op::Delete, "VolumeAttachment" | "Lease" | "CSINode") => 10,
        _ => 7,
    }
}

pub(crate) struct Planner<'a> {
    pub(crate) inv: &'a Inventory,
    /// Objects the plan deletes or that go with them.
    pub(crate) removed: HashSet<usize>,
    /// Bindings already acted on.
    bindings_done: HashSet<usize>,
    /// Subjects whose grants are revoked.
    pub(crate) revoked: Vec<Target>,
    /// Candidates for deletion: object index and why.
    pub(crate) pending: Vec<(usize, String)>,
    pub(crate) actions: Vec<Action>,
    pub(crate) cascade: Vec<ObjRef>,
    pub(crate) kept: Vec<Kept>,
}

/// Computes the plan for `target` over `inv`.
pub fn compute(inv: &Inventory, target: &Target) -> Result<Plan, PlanError> {
    let refs = inv.references();
    let cluster = inv.objects().iter().find_map(|o| match &o.origin {
        ObjectOrigin::Cluster { cluster } => Some(cluster.clone()),
        ObjectOrigin::File(_) => None,
    });
    let mut p = Planner {
        inv,
        removed: HashSet::new(),
        bindings_done: HashSet::new(),
        revoked: Vec::new(),
        pending: Vec::new(),
        actions: Vec::new(),
        cascade: Vec::new(),
        kept: Vec::new(),
    };
    let mut notes = Vec::new();
    let mut node_reads = Vec::new();
    let mut certificates = Vec::new();
    match target {
        Target::Node(name) => {
            let found = crate::node::plan(&mut p, name, &mut notes)?;
            node_reads = found.reads;
            certificates = found.certificates;
        }
        Target::User(name) => {
            p.revoked.push(target.clone());
            notes.push(format!(
                "Stockade removes RBAC grants; it cannot revoke user {name}'s credentials (client certificates, OIDC or static tokens): remove those at the identity provider or certificate authority"
            ));
        }
        Target::Group(name) => {
            p.revoked.push(target.clone());
            notes.push(format!(
                "members of group {name} keep whatever their other groups and user names are granted; group membership itself is managed by the identity provider"
            ));
        }
        Target::ServiceAccount { namespace, name } => {
            p.revoked.push(target.clone());
            match inv.get("ServiceAccount", Some(namespace), name) {
                Some(sa) => {
                    let i = index(inv, sa);
                    p.pending.push((i, format!("the target ServiceAccount {namespace}/{name}")));
                }
                None => notes.push(format!(
                    "ServiceAccount {namespace}/{name} is not among the inputs; only its grants are revoked"
                )),
            }
            notes.push(
                "tokens issued through the TokenRequest API stay valid until they expire unless the ServiceAccount is deleted (deletion invalidates them)".into(),
            );
        }
        Target::Namespace(ns) => {
            let mut found = false;
            for (i, o) in inv.objects().iter().enumerate() {
                if o.kind() == "Namespace" && o.name() == ns {
                    found = true;
                    p.removed.insert(i);
                    p.actions.push(Action {
                        op: Op::Delete,
                        object: ObjRef::of(o),
                        subjects: Vec::new(),
                        reason: "the target namespace; the namespace controller deletes everything in it".into(),
                        irreversible: true,
                        warning: Some(
                            "IRREVERSIBLE for its contents: undo recreates the Namespace empty (Stockade keeps before-images only of objects it deletes itself)".into(),
                        ),
                    });
                } else if namespace_of(o) == Some(ns.as_str()) && is_builtin(o)
                    || o.namespace() == Some(ns.as_str())
                {
                    found = true;
                    p.removed.insert(i);
                    p.cascade.push(ObjRef::of(o));
                }
            }
            if !found {
                return Err(PlanError::TargetNotFound(format!("namespace {ns}")));
            }
            if !p.actions.iter().any(|a| a.object.kind == "Namespace") {
                p.actions.push(Action {
                    op: Op::Delete,
                    object: ObjRef {
                        api_version: "v1".into(),
                        kind: "Namespace".into(),
                        namespace: None,
                        name: ns.clone(),
                        uid: None,
                        resource_version: None,
                    },
                    subjects: Vec::new(),
                    reason: "the target namespace (its Namespace object is not among the inputs)"
                        .into(),
                    irreversible: false,
                    warning: None,
                });
            }
            p.revoked.push(target.clone());
        }
        Target::Leftovers(_) => {
            return Err(PlanError::Invalid(format!(
                "{target}: a plan of leftovers is made by `stockade unused --plan FILE`, which lists them"
            )));
        }
        Target::Workload {
            namespace,
            kind,
            name,
        } => {
            let w = inv
                .objects()
                .iter()
                .find(|o| {
                    o.kind() == kind && o.name() == name && namespace_of(o) == Some(namespace)
                })
                .ok_or_else(|| PlanError::TargetNotFound(format!("{kind} {namespace}/{name}")))?;
            let wi = index(inv, w);
            p.removed.insert(wi);
            p.actions.push(Action {
                op: Op::Delete,
                object: ObjRef::of(w),
                subjects: Vec::new(),
                reason: "the target workload".into(),
                irreversible: false,
                warning: None,
            });
            p.cascade_owned();
            // What the workload and its pods use.
            let users: Vec<usize> = p.removed.iter().copied().collect();
            for u in users {
                let Some(o) = inv.objects().get(u) else {
                    continue;
                };
                for r in refs.uses(inv, o) {
                    if matches!(
                        r.via,
                        Via::Volume
                            | Via::ProjectedVolume
                            | Via::Env
                            | Via::EnvFrom
                            | Via::ImagePullSecret
                            | Via::PodServiceAccount
                    ) && let Some(t) = refs.resolve(inv, &r.target)
                    {
                        p.pending.push((
                            index(inv, t),
                            format!(
                                "used by {} {} ({})",
                                kind,
                                w.display_name(),
                                r.via.describe()
                            ),
                        ));
                    }
                }
            }
        }
    }
    p.run();
    p.actions.sort_by_key(rank);
    let mut seen = HashSet::new();
    p.kept.retain(|k| seen.insert(k.object.clone()));
    if cluster.is_none() {
        notes.push(
            "made from manifests: no uid or resourceVersion is recorded, so apply can only check the objects as they are when it runs; make the plan with --cluster for preconditions".into(),
        );
    }
    if p.actions.is_empty() {
        notes.push(format!(
            "nothing to do: no input grants to or is used only by {target}"
        ));
    }
    Ok(Plan {
        api_version: API_VERSION.into(),
        kind: KIND.into(),
        target: target.to_string(),
        source: PlanSource {
            kind: if cluster.is_some() {
                "cluster"
            } else {
                "manifests"
            }
            .into(),
            cluster,
        },
        created_at: now_rfc3339(),
        stockade_version: env!("CARGO_PKG_VERSION").into(),
        actions: p.actions,
        kept: p.kept,
        cascade: p.cascade,
        notes,
        node_reads,
        certificates,
    })
}

pub(crate) fn index(inv: &Inventory, o: &Object) -> usize {
    stockade_inventory::references::index_of(inv, o).unwrap_or(usize::MAX)
}

impl Planner<'_> {
    /// Marks everything owned (transitively, through `ownerReferences`) by removed objects as
    /// removed with them.
    fn cascade_owned(&mut self) {
        let refs = self.inv.references();
        loop {
            let mut grew = false;
            for r in refs.all() {
                if r.via != Via::OwnerReference || self.removed.contains(&r.from) {
                    continue;
                }
                if let Some(owner) = refs.resolve(self.inv, &r.target)
                    && self.removed.contains(&index(self.inv, owner))
                {
                    self.removed.insert(r.from);
                    if let Some(o) = self.inv.objects().get(r.from) {
                        self.cascade.push(ObjRef::of(o));
                    }
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
    }

    fn run(&mut self) {
        loop {
            let mut changed = self.bindings();
            let pending = std::mem::take(&mut self.pending);
            let mut still = Vec::new();
            for (i, why) in pending {
                if self.removed.contains(&i) {
                    continue;
                }
                match self.blockers(i) {
                    Ok(()) => {
                        self.delete(i, why);
                        changed = true;
                    }
                    Err(_) => still.push((i, why)),
                }
            }
            self.pending.extend(still);
            if !changed {
                break;
            }
        }
        // What could not be removed.
        let pending = std::mem::take(&mut self.pending);
        for (i, why) in pending {
            if self.removed.contains(&i) {
                continue;
            }
            if let (Some(o), Err(reason)) = (self.inv.objects().get(i), self.blockers(i)) {
                self.kept.push(Kept {
                    object: ObjRef::of(o).identity(),
                    reason: format!("{why}, but {reason}"),
                });
            }
        }
    }

    /// Acts on bindings that name a revoked subject; returns whether anything new was done.
    fn bindings(&mut self) -> bool {
        let mut changed = false;
        for (i, o) in self.inv.objects().iter().enumerate() {
            if !matches!(o.kind(), "RoleBinding" | "ClusterRoleBinding")
                || self.bindings_done.contains(&i)
                || self.removed.contains(&i)
            {
                continue;
            }
            let subjects = o.root.get("subjects").map(Node::items).unwrap_or(&[]);
            let mut matched = Vec::new();
            for (si, s) in subjects.iter().enumerate() {
                let kind = s.get("kind").and_then(Node::as_str).unwrap_or("");
                let name = s.get("name").and_then(Node::as_str).unwrap_or("");
                let ns = s.get("namespace").and_then(Node::as_str);
                if self
                    .revoked
                    .iter()
                    .any(|t| t.matches_subject(kind, name, ns))
                {
                    matched.push(Subject {
                        index: si,
                        kind: kind.to_string(),
                        name: name.to_string(),
                        namespace: ns.map(str::to_string),
                        api_group: s.get("apiGroup").and_then(Node::as_str).map(str::to_string),
                    });
                }
            }
            if matched.is_empty() {
                continue;
            }
            self.bindings_done.insert(i);
            changed = true;
            let who: Vec<String> = matched.iter().map(Subject::display).collect();
            if let Some(why) = protected(o) {
                self.kept.push(Kept {
                    object: ObjRef::of(o).identity(),
                    reason: format!("names {} but is a {why}", who.join(", ")),
                });
                continue;
            }
            if matched.len() == subjects.len() {
                self.removed.insert(i);
                self.actions.push(Action {
                    op: Op::Delete,
                    object: ObjRef::of(o),
                    subjects: Vec::new(),
                    reason: format!("grants only {}", who.join(", ")),
                    irreversible: false,
                    warning: None,
                });
                if let Some(role) = self.role_of(o) {
                    self.pending
                        .push((role, format!("bound by {} {}", o.kind(), o.display_name())));
                }
            } else {
                let others: Vec<String> = subjects
                    .iter()
                    .enumerate()
                    .filter(|(si, _)| !matched.iter().any(|m| m.index == *si))
                    .map(|(_, s)| {
                        let k = s.get("kind").and_then(Node::as_str).unwrap_or("?");
                        let n = s.get("name").and_then(Node::as_str).unwrap_or("?");
                        match s.get("namespace").and_then(Node::as_str) {
                            Some(ns) => format!("{k} {ns}/{n}"),
                            None => format!("{k} {n}"),
                        }
                    })
                    .collect();
                self.actions.push(Action {
                    op: Op::RemoveSubjects,
                    object: ObjRef::of(o),
                    subjects: matched,
                    reason: format!("remove {} and keep {}", who.join(", "), others.join(", ")),
                    irreversible: false,
                    warning: None,
                });
            }
        }
        changed
    }

    /// The role a binding refers to, when it is among the inputs.
    fn role_of(&self, b: &Object) -> Option<usize> {
        let kind = b.root.at("roleRef.kind").and_then(Node::as_str)?;
        let name = b.root.at("roleRef.name").and_then(Node::as_str)?;
        let key = if kind == "ClusterRole" {
            ObjectKey::cluster("ClusterRole", name)
        } else {
            ObjectKey::namespaced(kind, namespace_of(b)?, name)
        };
        let o = self.inv.references().resolve(self.inv, &key)?;
        Some(index(self.inv, o))
    }

    /// Whether candidate `i` may go: `Err` names who still uses it.
    fn blockers(&self, i: usize) -> Result<(), String> {
        let inv = self.inv;
        let Some(o) = inv.objects().get(i) else {
            return Err("it is not among the inputs".into());
        };
        if let Some(why) = protected(o) {
            return Err(why.to_string());
        }
        let refs = inv.references();
        let mut users = BTreeSet::new();
        for r in refs.users_of_object(o) {
            if self.removed.contains(&r.from) {
                continue;
            }
            // Who names a ServiceAccount as a binding subject or through a token annotation
            // does not need it to exist: the plan revokes those grants and deletes its tokens.
            if matches!(r.via, Via::Subject | Via::TokenFor | Via::OwnerReference) {
                continue;
            }
            if let Some(src) = r.source(inv) {
                users.insert(format!(
                    "{} {} ({})",
                    src.kind(),
                    src.display_name(),
                    r.via.describe()
                ));
            }
        }
        for m in refs.mentions(inv, &ObjectKey::of(o)) {
            if self.removed.contains(&m.from) {
                continue;
            }
            if let Some(src) = m.source(inv) {
                users.insert(format!(
                    "{} {} (a custom resource that mentions its name at {})",
                    src.kind(),
                    src.display_name(),
                    m.path
                ));
            }
        }
        if users.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "still used by {}",
                users.into_iter().collect::<Vec<_>>().join(", ")
            ))
        }
    }

    fn delete(&mut self, i: usize, why: String) {
        let inv = self.inv;
        let Some(o) = inv.objects().get(i) else {
            return;
        };
        self.removed.insert(i);
        let refs = inv.references();
        let (irreversible, warning) = if is_token_secret(o) {
            (
                false,
                Some("undo recreates this token Secret and the token controller mints a NEW token; the deleted token stays revoked".into()),
            )
        } else if o.kind() == "Secret" {
            (
                true,
                Some("IRREVERSIBLE: Stockade never stores Secret values, so undo cannot restore this Secret's data; back it up first if it may be needed".into()),
            )
        } else if o.kind() == "PersistentVolumeClaim" {
            (
                true,
                Some("IRREVERSIBLE for the data: the volume's reclaim policy decides whether it survives; undo recreates only the claim".into()),
            )
        } else {
            (false, None)
        };
        self.actions.push(Action {
            op: Op::Delete,
            object: ObjRef::of(o),
            subjects: Vec::new(),
            reason: format!("{why}; nothing else uses it"),
            irreversible,
            warning,
        });
        match o.kind() {
            "ServiceAccount" => {
                let ns = namespace_of(o).unwrap_or("default").to_string();
                self.revoked.push(Target::ServiceAccount {
                    namespace: ns.clone(),
                    name: o.name().to_string(),
                });
                let what = format!("ServiceAccount {ns}/{}", o.name());
                for r in refs.users_of_object(o) {
                    if r.via == Via::TokenFor {
                        self.pending
                            .push((r.from, format!("a legacy token of {what}")));
                    }
                }
                for r in refs.uses(inv, o) {
                    if matches!(
                        r.via,
                        Via::ServiceAccountSecret | Via::ServiceAccountImagePullSecret
                    ) && let Some(t) = refs.resolve(inv, &r.target)
                    {
                        self.pending.push((
                            index(inv, t),
                            format!("listed by {what} ({})", r.via.describe()),
                        ));
                    }
                }
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                if let Some(role) = self.role_of(o) {
                    self.pending
                        .push((role, format!("bound by {} {}", o.kind(), o.display_name())));
                }
            }
            _ => {}
        }
    }
}

/// A JSON value of a tree (for patches and YAML output).
pub fn node_to_json(n: &Node) -> serde_json::Value {
    match &n.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::Str(s) => serde_json::Value::String(s.to_string()),
        Value::Seq(v) => serde_json::Value::Array(v.iter().map(node_to_json).collect()),
        Value::Map(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| (k.name.to_string(), node_to_json(v)))
                .collect(),
        ),
    }
}
