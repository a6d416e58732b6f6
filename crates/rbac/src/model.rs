//! The RBAC model of an inventory: roles with their effective rules (ClusterRole aggregation
//! computed as the clusterrole-aggregation controller does), bindings with their resolved role
//! and subjects, and indexes for the queries.
//!
//! Resolution follows the API server's rule resolver: a RoleBinding's `roleRef` of kind `Role`
//! names a Role in the binding's namespace, of kind `ClusterRole` a ClusterRole; a
//! ClusterRoleBinding can only use a ClusterRole. A binding whose role does not exist grants
//! nothing. `roleRef.apiGroup` and `subjects[].apiGroup` are not consulted by the authorizer
//! (the API server validates them on write). Namespaced objects without `metadata.namespace`
//! (manifests applied with `kubectl -n`) are taken to be in `default`.

use crate::defaults;
use crate::policy::PolicyRule;
use crate::subject::UserInfo;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use stockade_inventory::LabelSelector;
use stockade_inventory::{Inventory, Object};
use stockade_model::FieldPath;
use stockade_sources::Node;

/// The namespace assumed for namespaced objects that do not name one.
pub const DEFAULT_NAMESPACE: &str = "default";

/// How to build a model.
#[derive(Clone, Copy, Debug)]
pub struct ModelOptions {
    /// Add the API server's bootstrap roles and bindings ([`defaults`]) unless an input object
    /// has the same kind, namespace and name.
    pub defaults: bool,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions { defaults: true }
    }
}

/// Role or ClusterRole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum RoleKind {
    /// A namespaced Role.
    Role,
    /// A ClusterRole.
    ClusterRole,
}

impl RoleKind {
    /// The Kubernetes kind.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Role => "Role",
            RoleKind::ClusterRole => "ClusterRole",
        }
    }
}

/// RoleBinding or ClusterRoleBinding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum BindingKind {
    /// A namespaced RoleBinding: grants its role's rules in its namespace only.
    RoleBinding,
    /// A ClusterRoleBinding: grants its ClusterRole's rules in every namespace and cluster-wide.
    ClusterRoleBinding,
}

impl BindingKind {
    /// The Kubernetes kind.
    pub fn as_str(self) -> &'static str {
        match self {
            BindingKind::RoleBinding => "RoleBinding",
            BindingKind::ClusterRoleBinding => "ClusterRoleBinding",
        }
    }
}

/// A rule of a role: `roles[role].rules[rule]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RuleRef {
    /// Index into [`Model::roles`].
    pub role: usize,
    /// Index into that role's `rules`.
    pub rule: usize,
}

/// A Role or ClusterRole.
#[derive(Debug)]
pub struct Role<'a> {
    /// The object it was read from.
    pub object: &'a Object,
    /// Whether it is one of the built-in defaults rather than an input object.
    pub builtin: bool,
    /// Role or ClusterRole.
    pub kind: RoleKind,
    /// The namespace of a Role (`None` for a ClusterRole).
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `rules` as written.
    pub rules: Vec<PolicyRule>,
    /// `aggregationRule.clusterRoleSelectors`, parsed; `Err` when a selector is invalid (the
    /// controller then leaves the role as it is).
    pub aggregation: Option<Result<Vec<LabelSelector>, String>>,
    /// The rules that take effect: its own, or for an aggregated ClusterRole those of every
    /// ClusterRole its selectors pick (each pointing at the role that wrote it).
    pub effective: Vec<RuleRef>,
}

impl Role<'_> {
    /// `Role ns/name` or `ClusterRole name`, for messages.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("Role {ns}/{}", self.name),
            None => format!("ClusterRole {}", self.name),
        }
    }
}

/// A subject of a binding, with the namespace a ServiceAccount subject resolves to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SubjectRef {
    /// `kind` as written (only `User`, `Group` and `ServiceAccount` ever match).
    pub kind: String,
    /// `name`.
    pub name: String,
    /// For ServiceAccounts: `namespace`, else the RoleBinding's namespace; `None` when neither
    /// is set (such a subject matches nobody).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Index in the binding's `subjects`.
    #[serde(skip)]
    pub index: usize,
}

impl SubjectRef {
    /// The index key of a subject that can match someone: `U\0name`, `G\0name`, or
    /// `S\0namespace:name` (the tail of `system:serviceaccount:namespace:name`); `None` for
    /// kinds that match nobody and ServiceAccounts without a namespace, as in
    /// [`SubjectRef::applies_to`].
    pub(crate) fn key(&self) -> Option<String> {
        match (self.kind.as_str(), &self.namespace) {
            ("User", _) => Some(format!("U\0{}", self.name)),
            ("Group", _) => Some(format!("G\0{}", self.name)),
            ("ServiceAccount", Some(ns)) => Some(format!("S\0{ns}:{}", self.name)),
            _ => None,
        }
    }

    /// Whether this subject can match any request at all.
    pub fn is_valid(&self) -> bool {
        match self.kind.as_str() {
            "User" | "Group" => true,
            "ServiceAccount" => self.namespace.is_some(),
            _ => false,
        }
    }

    /// Whether the subject applies to `user` (`appliesToUser`).
    pub fn applies_to(&self, user: &UserInfo) -> bool {
        match self.kind.as_str() {
            "User" => user.name.as_deref() == Some(self.name.as_str()),
            "Group" => user.groups.contains(&self.name),
            // `system:serviceaccount:<ns>:<name>`, compared without building the string: this
            // runs for every subject of every binding on every access question.
            "ServiceAccount" => match (&self.namespace, &user.name) {
                (Some(ns), Some(u)) => u
                    .strip_prefix("system:serviceaccount:")
                    .and_then(|rest| rest.strip_prefix(ns.as_str()))
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|name| name == self.name),
                _ => false,
            },
            _ => false,
        }
    }

    /// `User alice`, `Group dev`, `ServiceAccount prod/api`.
    pub fn display(&self) -> String {
        match (&self.kind[..], &self.namespace) {
            ("ServiceAccount", Some(ns)) => format!("ServiceAccount {ns}/{}", self.name),
            _ => format!("{} {}", self.kind, self.name),
        }
    }
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug)]
pub struct Binding<'a> {
    /// The object it was read from.
    pub object: &'a Object,
    /// Whether it is one of the built-in defaults.
    pub builtin: bool,
    /// RoleBinding or ClusterRoleBinding.
    pub kind: BindingKind,
    /// The namespace of a RoleBinding.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `roleRef.kind`.
    pub role_ref_kind: String,
    /// `roleRef.name`.
    pub role_ref_name: String,
    /// The role it resolves to, when that exists (the first loaded of that identity).
    pub role: Option<usize>,
    /// Every role of the identity `roleRef` names, in load order: one, or several when the
    /// inputs hold more than one object of that kind, namespace and name (overlays). The
    /// binding is judged as granting the rules of each.
    pub roles: Vec<usize>,
    /// The union of the effective rules of `roles` (first occurrence kept), when there are
    /// several; with one role [`Model::binding_rules`] reads the role's own list.
    union_rules: Vec<RuleRef>,
    /// `subjects`.
    pub subjects: Vec<SubjectRef>,
}

impl Binding<'_> {
    /// `RoleBinding ns/name` or `ClusterRoleBinding name`, for messages.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("RoleBinding {ns}/{}", self.name),
            None => format!("ClusterRoleBinding {}", self.name),
        }
    }

    /// The field path of a subject.
    pub fn subject_path(&self, index: usize) -> FieldPath {
        FieldPath::root().key("subjects").index(index)
    }
}

/// Every role and binding of an inventory (and the defaults), resolved and indexed.
#[derive(Debug, Default)]
pub struct Model<'a> {
    /// Roles and ClusterRoles.
    pub roles: Vec<Role<'a>>,
    /// RoleBindings and ClusterRoleBindings.
    pub bindings: Vec<Binding<'a>>,
    /// ClusterRoles by name; several when the inputs hold more than one of a name.
    cluster_roles: HashMap<String, Vec<usize>>,
    /// Roles by namespace and name; several when the inputs hold more than one.
    ns_roles: HashMap<(String, String), Vec<usize>>,
    pub(crate) cluster_bindings: Vec<usize>,
    pub(crate) ns_bindings: HashMap<String, Vec<usize>>,
    /// (binding, position in its `subjects`) by [`SubjectRef::key`]: which bindings name a
    /// user, group or ServiceAccount, without scanning every binding per question.
    pub(crate) by_subject: HashMap<String, Vec<(usize, usize)>>,
}

fn ns_of(o: &Object) -> String {
    match o.namespace() {
        Some(ns) if !ns.is_empty() => ns.to_string(),
        _ => DEFAULT_NAMESPACE.to_string(),
    }
}

fn str_at<'n>(n: &'n Node, path: &str) -> &'n str {
    n.at(path).and_then(Node::as_str).unwrap_or("")
}

impl<'a> Model<'a> {
    /// Builds the model of `inv`.
    pub fn build(inv: &'a Inventory, opts: ModelOptions) -> Model<'a> {
        let mut inputs: Vec<&'a Object> = Vec::new();
        for kind in ["ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding"] {
            inputs.extend(inv.of_kind(kind));
        }
        let builtin: &'a [Object] = if opts.defaults {
            defaults::objects()
        } else {
            &[]
        };
        Model::from_objects(inputs, builtin)
    }

    /// Builds a model from input objects and built-in objects (shadowed by inputs of the same
    /// kind, namespace and name). Every input is kept, also several of one identity (the
    /// overlays of one repository): each is judged, and a binding naming that identity grants
    /// the rules of each. Objects of other kinds are ignored.
    pub fn from_objects(inputs: Vec<&'a Object>, builtin: &'a [Object]) -> Model<'a> {
        let mut m = Model::default();
        let key = |o: &Object| {
            let ns = match o.kind() {
                "Role" | "RoleBinding" => ns_of(o),
                _ => String::new(),
            };
            (o.kind().to_string(), ns, o.name().to_string())
        };
        let mut seen: HashSet<(String, String, String)> = HashSet::new();
        let all = inputs
            .into_iter()
            .map(|o| (o, false))
            .chain(builtin.iter().map(|o| (o, true)));
        let mut bindings = Vec::new();
        for (o, is_builtin) in all {
            if !matches!(
                o.kind(),
                "ClusterRole" | "Role" | "ClusterRoleBinding" | "RoleBinding"
            ) {
                continue;
            }
            // A default is shadowed by any input of its identity; inputs are all kept.
            if is_builtin {
                if seen.contains(&key(o)) {
                    continue;
                }
            } else {
                seen.insert(key(o));
            }
            match o.kind() {
                "ClusterRole" | "Role" => m.push_role(o, is_builtin),
                _ => bindings.push((o, is_builtin)),
            }
        }
        m.aggregate();
        for (o, b) in bindings {
            m.push_binding(o, b);
        }
        m
    }

    fn push_role(&mut self, o: &'a Object, builtin: bool) {
        let kind = if o.kind() == "Role" {
            RoleKind::Role
        } else {
            RoleKind::ClusterRole
        };
        let namespace = (kind == RoleKind::Role).then(|| ns_of(o));
        let rules: Vec<PolicyRule> = o
            .root
            .get("rules")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .map(PolicyRule::from_node)
            .collect();
        let aggregation = match (kind, o.root.get("aggregationRule")) {
            (RoleKind::ClusterRole, Some(a)) if !a.is_null() => Some(
                a.get("clusterRoleSelectors")
                    .map(Node::items)
                    .unwrap_or(&[])
                    .iter()
                    .map(aggregation_selector)
                    .collect::<Result<Vec<_>, _>>(),
            ),
            _ => None,
        };
        let idx = self.roles.len();
        let name = o.name().to_string();
        match &namespace {
            Some(ns) => {
                self.ns_roles
                    .entry((ns.clone(), name.clone()))
                    .or_default()
                    .push(idx);
            }
            None => {
                self.cluster_roles
                    .entry(name.clone())
                    .or_default()
                    .push(idx);
            }
        }
        let effective = (0..rules.len())
            .map(|rule| RuleRef { role: idx, rule })
            .collect();
        self.roles.push(Role {
            object: o,
            builtin,
            kind,
            namespace,
            name,
            rules,
            aggregation,
            effective,
        });
    }

    /// Computes aggregated ClusterRoles to a fixed point, as the clusterrole-aggregation
    /// controller does: an aggregated role's rules become the union (first occurrence kept) of
    /// the current rules of every *other* ClusterRole its selectors pick, selectors in order,
    /// roles by name within a selector.
    fn aggregate(&mut self) {
        let mut by_name: Vec<usize> = self
            .roles
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == RoleKind::ClusterRole)
            .map(|(i, _)| i)
            .collect();
        by_name.sort_by(|a, b| self.roles[*a].name.cmp(&self.roles[*b].name));
        let aggregated: Vec<usize> = by_name
            .iter()
            .copied()
            .filter(|&i| matches!(self.roles[i].aggregation, Some(Ok(_))))
            .collect();
        if aggregated.is_empty() {
            return;
        }
        // Labels are read once.
        let labels: Vec<HashMap<&str, &str>> = self
            .roles
            .iter()
            .map(|r| r.object.labels().collect())
            .collect();
        // Each pass can only grow sets along chains of aggregation; a chain is at most as long
        // as the number of aggregated roles, so this bound is never the reason to stop.
        for _ in 0..=aggregated.len() {
            let mut changed = false;
            for &a in &aggregated {
                let Some(Ok(selectors)) = &self.roles[a].aggregation else {
                    continue;
                };
                let mut new: Vec<RuleRef> = Vec::new();
                let mut seen: HashSet<&PolicyRule> = HashSet::new();
                for sel in selectors {
                    for &c in &by_name {
                        if c == a || !sel.matches(&labels[c]) {
                            continue;
                        }
                        for rr in &self.roles[c].effective {
                            let rule = &self.roles[rr.role].rules[rr.rule];
                            if seen.insert(rule) {
                                new.push(*rr);
                            }
                        }
                    }
                }
                if new != self.roles[a].effective {
                    self.roles[a].effective = new;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn push_binding(&mut self, o: &'a Object, builtin: bool) {
        let kind = if o.kind() == "RoleBinding" {
            BindingKind::RoleBinding
        } else {
            BindingKind::ClusterRoleBinding
        };
        let namespace = (kind == BindingKind::RoleBinding).then(|| ns_of(o));
        let role_ref_kind = str_at(&o.root, "roleRef.kind").to_string();
        let role_ref_name = str_at(&o.root, "roleRef.name").to_string();
        let roles: Vec<usize> = match (role_ref_kind.as_str(), &namespace) {
            ("ClusterRole", _) => self.cluster_roles.get(&role_ref_name).cloned(),
            ("Role", Some(ns)) => self
                .ns_roles
                .get(&(ns.clone(), role_ref_name.clone()))
                .cloned(),
            _ => None,
        }
        .unwrap_or_default();
        let role = roles.first().copied();
        let mut union_rules = Vec::new();
        if roles.len() > 1 {
            let mut seen: HashSet<RuleRef> = HashSet::new();
            for &r in &roles {
                for rr in &self.roles[r].effective {
                    if seen.insert(*rr) {
                        union_rules.push(*rr);
                    }
                }
            }
        }
        let subjects: Vec<SubjectRef> = o
            .root
            .get("subjects")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(index, s)| {
                let kind = str_at(s, "kind").to_string();
                let written = Some(str_at(s, "namespace"))
                    .filter(|x| !x.is_empty())
                    .map(str::to_string);
                let namespace = if kind == "ServiceAccount" {
                    written.or_else(|| namespace.clone())
                } else {
                    written
                };
                SubjectRef {
                    kind,
                    name: str_at(s, "name").to_string(),
                    namespace,
                    index,
                }
            })
            .collect();
        let idx = self.bindings.len();
        for (pos, s) in subjects.iter().enumerate() {
            if let Some(k) = s.key() {
                self.by_subject.entry(k).or_default().push((idx, pos));
            }
        }
        match &namespace {
            Some(ns) => self.ns_bindings.entry(ns.clone()).or_default().push(idx),
            None => self.cluster_bindings.push(idx),
        }
        self.bindings.push(Binding {
            object: o,
            builtin,
            kind,
            namespace,
            name: o.name().to_string(),
            role_ref_kind,
            role_ref_name,
            role,
            roles,
            union_rules,
            subjects,
        });
    }

    /// The rule a [`RuleRef`] points at.
    pub fn rule(&self, r: RuleRef) -> &PolicyRule {
        &self.roles[r.role].rules[r.rule]
    }

    /// A ClusterRole by name (the first loaded, when the inputs hold several).
    pub fn cluster_role(&self, name: &str) -> Option<&Role<'a>> {
        self.cluster_role_index(name).map(|i| &self.roles[i])
    }

    /// The index of a ClusterRole by name (the first loaded, when the inputs hold several).
    pub fn cluster_role_index(&self, name: &str) -> Option<usize> {
        self.cluster_roles
            .get(name)
            .and_then(|v| v.first())
            .copied()
    }

    /// A Role by namespace and name (the first loaded, when the inputs hold several).
    pub fn role_in(&self, namespace: &str, name: &str) -> Option<&Role<'a>> {
        self.ns_roles
            .get(&(namespace.to_string(), name.to_string()))
            .and_then(|v| v.first())
            .map(|&i| &self.roles[i])
    }

    /// The effective rules of a binding's role, or of every role of that identity when the
    /// inputs hold several (none when the role does not exist).
    pub fn binding_rules<'s>(&'s self, b: &'s Binding<'_>) -> &'s [RuleRef] {
        match b.roles.as_slice() {
            [] => &[],
            [r] => self.roles[*r].effective.as_slice(),
            _ => b.union_rules.as_slice(),
        }
    }

    /// Which of a binding's roles grants `rr` (one of [`Model::binding_rules`]): the first of
    /// `roles` whose effective rules hold it; `role` when none does.
    pub fn granting_role(&self, b: &Binding<'_>, rr: RuleRef) -> Option<usize> {
        b.roles
            .iter()
            .copied()
            .find(|&r| self.roles[r].effective.contains(&rr))
            .or(b.role)
    }

    /// Namespaces that have at least one RoleBinding, sorted.
    pub fn binding_namespaces(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.ns_bindings.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// The indices of the ClusterRoleBindings, then of the RoleBindings in `namespace` (when
    /// it is non-empty): the bindings the authorizer visits for a request in that namespace.
    pub fn bindings_for(&self, namespace: &str) -> impl Iterator<Item = usize> + '_ {
        let ns: &[usize] = if namespace.is_empty() {
            &[]
        } else {
            self.ns_bindings.get(namespace).map_or(&[], Vec::as_slice)
        };
        self.cluster_bindings.iter().chain(ns.iter()).copied()
    }
}

/// One of `aggregationRule.clusterRoleSelectors`, as `metav1.LabelSelectorAsSelector`
/// evaluates it for the clusterrole-aggregation controller: the items are values, so null is
/// `{}` and selects every ClusterRole; `Err` says why the API machinery would reject it (the
/// controller then leaves the aggregated ClusterRole unchanged).
fn aggregation_selector(n: &Node) -> Result<LabelSelector, String> {
    let mut errors = Vec::new();
    let sel = LabelSelector::parse_value(n, &FieldPath::root(), &mut errors);
    match errors.into_iter().next() {
        Some((path, message)) if path.is_root() => Err(message),
        Some((path, message)) => Err(format!("`{path}`: {message}")),
        None => Ok(sel),
    }
}

#[cfg(test)]
mod tests {
    use super::aggregation_selector;
    use stockade_sources::{Input, Limits, load_inputs};

    #[test]
    fn aggregation_selectors_are_values_and_invalid_ones_say_why() {
        let doc = "apiVersion: v1\nkind: X\nmetadata: {name: x}\nsel:\n- {matchLabels: {agg: \"true\"}}\n- null\n- {}\n- {matchExpressions: [{key: agg, operator: Exists, values: [a]}]}\n- {matchLabels: {agg: true}}\n";
        let load = load_inputs(
            &[Input::Stdin],
            &Limits::default(),
            &mut std::io::Cursor::new(doc.as_bytes().to_vec()),
        );
        let items = load.objects[0].root.get("sel").unwrap().items();
        let labels = [("agg", "true")];
        let first = aggregation_selector(&items[0]).unwrap();
        assert!(first.matches(&labels[..]) && !first.matches(&[][..]));
        // Null and `{}` both select every ClusterRole.
        for i in [1, 2] {
            assert!(
                aggregation_selector(&items[i])
                    .unwrap()
                    .selects_everything()
            );
        }
        assert_eq!(
            aggregation_selector(&items[3]).unwrap_err(),
            "`matchExpressions[0]`: operator Exists takes no values"
        );
        assert_eq!(
            aggregation_selector(&items[4]).unwrap_err(),
            "`matchLabels.agg`: label value for \"agg\" must be a string, found boolean true (quote it)"
        );
    }
}
