//! The reference graph: which object uses which other object, and where it says so.
//!
//! Built once per inventory, on first use ([`Inventory::references`]), from the fields whose
//! meaning Kubernetes defines: a workload's volumes (including projected volumes and the
//! `secretRef`s of CSI and other volume sources), `env[].valueFrom`, `envFrom`,
//! `imagePullSecrets` and ServiceAccount; a ServiceAccount's `secrets` and `imagePullSecrets`;
//! a legacy token Secret's ServiceAccount annotation; an Ingress's TLS Secrets and backend
//! Services (including `defaultBackend`); a Service's and a PodDisruptionBudget's selector
//! (matched against the pod-template labels of the workloads, and the labels of Pods, of their
//! namespace); bindings' `roleRef` and subjects (Users and Groups too, as targets that are
//! never objects); aggregated ClusterRoles' selectors; a HorizontalPodAutoscaler's
//! `scaleTargetRef`; PersistentVolume `claimRef` and PersistentVolumeClaim `volumeName`;
//! StatefulSet `volumeClaimTemplates` (matched to the PVCs `<template>-<statefulset>-<ordinal>`
//! they create); webhook and APIService Services; StorageClass CSI secret parameters;
//! `ownerReferences`; and a few well-known controller conventions that name objects by string
//! (ingress-nginx `--default-ssl-certificate`/`--configmap`/`--tcp-services-configmap`/
//! `--udp-services-configmap` arguments and its `auth-secret`, `auth-tls-secret` and
//! `proxy-ssl-secret` Ingress annotations; Stakater Reloader's `*.reloader.stakater.com/reload`
//! annotations).
//!
//! Objects whose kind Stockade does not understand (any API group that is not a built-in
//! Kubernetes group: custom resources) cannot have references in this sense. Instead their
//! string values are indexed, so [`References::mentions`] can say "a custom resource mentions
//! this name": analyzers use that to lower their confidence rather than to claim an object is
//! unused.
//!
//! # Asking the graph
//!
//! - *Who uses object X?* [`References::users_of`] with X's [`ObjectKey`] (or
//!   [`References::users_of_object`]) gives every [`Reference`] whose target is X; each names
//!   its source object ([`Reference::source`]), how it refers ([`Via`]) and the field path in
//!   the source. Targets need not exist: `users_of(&ObjectKey::cluster("User", "alice"))`
//!   finds every binding subject naming user alice, and a reference to a deleted Secret is
//!   still a reference.
//! - *What does object Y use?* [`References::uses`] gives Y's outgoing references, in the
//!   order its fields are written; [`References::resolve`] finds the object a target names,
//!   when it is among the inputs.
//! - *Does anything we cannot interpret mention X?* [`References::mentions`].
//!
//! Namespaces are normalized: a namespaced object without `metadata.namespace` (common in
//! manifests) is taken to be in `default`, and cluster-scoped kinds never have one. The graph
//! does not judge: whether an object without users is *unused* is the hygiene rules' call.
//! It borrows nothing from the inventory (it holds object indices), so the inventory can own
//! it.

use crate::{Inventory, Object, PodSpecView};
use std::collections::{HashMap, HashSet};
use stockade_model::FieldPath;
use stockade_sources::{Node, Value};

/// The identity of an object a reference points at (which may or may not exist).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// Kind, e.g. `Secret`, or `User`/`Group` for RBAC subjects that are not objects.
    pub kind: String,
    /// Normalized namespace: `None` for cluster-scoped kinds, `default` when a namespaced
    /// object does not say.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

impl ObjectKey {
    /// A namespaced key.
    pub fn namespaced(kind: &str, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            kind: kind.to_string(),
            namespace: Some(namespace.to_string()),
            name: name.to_string(),
        }
    }

    /// A cluster-scoped key (also for `User` and `Group`).
    pub fn cluster(kind: &str, name: &str) -> ObjectKey {
        ObjectKey {
            kind: kind.to_string(),
            namespace: None,
            name: name.to_string(),
        }
    }

    /// The key of an object, with its namespace normalized.
    pub fn of(o: &Object) -> ObjectKey {
        ObjectKey {
            kind: o.kind().to_string(),
            namespace: namespace_of(o).map(str::to_string),
            name: o.name().to_string(),
        }
    }

    /// `Kind/ns/name` or `Kind/name`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.kind, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// How one object refers to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Via {
    /// A pod volume (`secret`, `configMap`, `persistentVolumeClaim`, a volume source's `secretRef`).
    Volume,
    /// A source of a `projected` volume.
    ProjectedVolume,
    /// `env[].valueFrom.secretKeyRef` / `configMapKeyRef`.
    Env,
    /// `envFrom[].secretRef` / `configMapRef`.
    EnvFrom,
    /// A pod's `imagePullSecrets`.
    ImagePullSecret,
    /// A pod's ServiceAccount (`serviceAccountName`, `serviceAccount`, or `default` when unset).
    PodServiceAccount,
    /// A ServiceAccount's `secrets`.
    ServiceAccountSecret,
    /// A ServiceAccount's `imagePullSecrets`.
    ServiceAccountImagePullSecret,
    /// A legacy token Secret's `kubernetes.io/service-account.name` annotation.
    TokenFor,
    /// An Ingress's `tls[].secretName`.
    IngressTls,
    /// An Ingress rule's backend Service (or resource).
    IngressBackend,
    /// An Ingress's `defaultBackend` (`backend` in extensions/v1beta1).
    IngressDefaultBackend,
    /// A Service's `selector` matches the pods of a workload.
    ServiceSelector,
    /// A PodDisruptionBudget's `selector` matches the pods of a workload.
    PdbSelector,
    /// A binding's `roleRef`.
    RoleRef,
    /// A binding's subject.
    Subject,
    /// An aggregated ClusterRole's `aggregationRule` selects a ClusterRole.
    Aggregation,
    /// A HorizontalPodAutoscaler's `scaleTargetRef`.
    ScaleTarget,
    /// A PersistentVolume's `claimRef`.
    ClaimRef,
    /// A PersistentVolumeClaim's `volumeName`.
    VolumeName,
    /// A StatefulSet's `volumeClaimTemplates` created the claim.
    VolumeClaimTemplate,
    /// A webhook's `clientConfig.service` or an APIService's `service`.
    ApiService,
    /// A StorageClass's `csi.storage.k8s.io/*-secret-name` parameters.
    StorageClassSecret,
    /// `metadata.ownerReferences`: the source is owned by the target.
    OwnerReference,
    /// A well-known controller's command-line argument (ingress-nginx).
    ControllerArgument,
    /// A well-known controller's annotation (ingress-nginx, Stakater Reloader).
    ControllerAnnotation,
}

impl Via {
    /// Short description for messages, e.g. `volume`, `envFrom`.
    pub fn describe(self) -> &'static str {
        match self {
            Via::Volume => "volume",
            Via::ProjectedVolume => "projected volume",
            Via::Env => "env valueFrom",
            Via::EnvFrom => "envFrom",
            Via::ImagePullSecret => "imagePullSecrets",
            Via::PodServiceAccount => "serviceAccountName",
            Via::ServiceAccountSecret => "ServiceAccount secrets",
            Via::ServiceAccountImagePullSecret => "ServiceAccount imagePullSecrets",
            Via::TokenFor => "token Secret annotation",
            Via::IngressTls => "Ingress TLS",
            Via::IngressBackend => "Ingress backend",
            Via::IngressDefaultBackend => "Ingress default backend",
            Via::ServiceSelector => "Service selector",
            Via::PdbSelector => "PodDisruptionBudget selector",
            Via::RoleRef => "roleRef",
            Via::Subject => "binding subject",
            Via::Aggregation => "aggregationRule",
            Via::ScaleTarget => "scaleTargetRef",
            Via::ClaimRef => "claimRef",
            Via::VolumeName => "volumeName",
            Via::VolumeClaimTemplate => "volumeClaimTemplates",
            Via::ApiService => "webhook/APIService service",
            Via::StorageClassSecret => "StorageClass secret parameter",
            Via::OwnerReference => "ownerReferences",
            Via::ControllerArgument => "controller argument",
            Via::ControllerAnnotation => "controller annotation",
        }
    }
}

/// One reference: `source` uses `target` through `via`, written at `path` of the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// Index of the source object in [`Inventory::objects`].
    pub from: usize,
    /// What it names.
    pub target: ObjectKey,
    /// How.
    pub via: Via,
    /// Where in the source object.
    pub path: FieldPath,
    /// The reference says the target may be absent (`optional: true`).
    pub optional: bool,
}

impl Reference {
    /// The object that holds the reference.
    pub fn source<'a>(&self, inv: &'a Inventory) -> Option<&'a Object> {
        inv.objects().get(self.from)
    }
}

/// A place where an object of a kind Stockade does not understand mentions a name.
#[derive(Clone, Debug, PartialEq)]
pub struct Mention {
    /// Index of the mentioning object in [`Inventory::objects`].
    pub from: usize,
    /// The first string value that mentions the name.
    pub path: FieldPath,
}

impl Mention {
    /// The mentioning object.
    pub fn source<'a>(&self, inv: &'a Inventory) -> Option<&'a Object> {
        inv.objects().get(self.from)
    }
}

/// The reference graph of an inventory. See the module documentation.
#[derive(Debug, Default)]
pub struct References {
    refs: Vec<Reference>,
    /// Per object index: the range of its outgoing references in `refs`.
    out: Vec<(usize, usize)>,
    /// Per target: indices into `refs`.
    by_target: HashMap<ObjectKey, Vec<usize>>,
    /// Normalized identity → every object index of that identity, in load order.
    by_key: HashMap<ObjectKey, Vec<usize>>,
    /// Word → objects of unknown kinds whose string values contain it.
    words: HashMap<Box<str>, Vec<usize>>,
    /// Objects of kinds Stockade does not understand.
    unknown: Vec<usize>,
}

/// Whether a kind (of a built-in group) is cluster-scoped, from the catalogue of built-in
/// resources.
pub fn is_cluster_scoped(kind: &str) -> bool {
    stockade_model::kinds::is_cluster_scoped(kind)
}

/// Whether Stockade understands the object's kind (it is in a built-in API group).
pub fn is_builtin(o: &Object) -> bool {
    stockade_model::kinds::is_builtin_group(o.api_group())
}

/// The normalized namespace of an object: `None` when cluster-scoped, `default` when a
/// namespaced object does not say. Custom resources keep what they say.
pub fn namespace_of(o: &Object) -> Option<&str> {
    if is_builtin(o) {
        if is_cluster_scoped(o.kind()) {
            None
        } else {
            Some(o.namespace().unwrap_or("default"))
        }
    } else {
        o.namespace()
    }
}

impl Inventory {
    /// The reference graph, built on first use.
    pub fn references(&self) -> &References {
        self.references.get_or_init(|| References::build(self))
    }
}

impl References {
    /// Builds the graph of an inventory (use [`Inventory::references`], which caches it).
    pub fn build(inv: &Inventory) -> References {
        let objects = inv.objects();
        let mut g = References {
            out: Vec::with_capacity(objects.len()),
            ..References::default()
        };
        for (i, o) in objects.iter().enumerate() {
            g.by_key.entry(ObjectKey::of(o)).or_default().push(i);
        }
        let selectables = Selectables::new(objects);
        for (i, o) in objects.iter().enumerate() {
            let start = g.refs.len();
            if is_builtin(o) {
                let mut b = Builder {
                    from: i,
                    ns: namespace_of(o).unwrap_or("default"),
                    refs: &mut g.refs,
                };
                b.object(o, &selectables, objects);
            } else {
                g.unknown.push(i);
                index_words(&o.root, i, &mut g.words);
            }
            g.out.push((start, g.refs.len()));
        }
        for (ri, r) in g.refs.iter().enumerate() {
            g.by_target.entry(r.target.clone()).or_default().push(ri);
        }
        g
    }

    /// Every reference, in source-object order.
    pub fn all(&self) -> &[Reference] {
        &self.refs
    }

    /// Who uses the object `key` names: every reference whose target it is.
    pub fn users_of<'s>(&'s self, key: &ObjectKey) -> impl Iterator<Item = &'s Reference> + 's {
        self.by_target
            .get(key)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.refs.get(i))
    }

    /// Who uses `o`.
    pub fn users_of_object<'s>(&'s self, o: &Object) -> impl Iterator<Item = &'s Reference> + 's {
        let key = ObjectKey::of(o);
        self.by_target
            .get(&key)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.refs.get(i))
    }

    /// What `o` uses, in the order its fields are written. `o` must belong to `inv`.
    pub fn uses(&self, inv: &Inventory, o: &Object) -> &[Reference] {
        let Some(i) = index_of(inv, o) else {
            return &[];
        };
        self.out
            .get(i)
            .and_then(|&(s, e)| self.refs.get(s..e))
            .unwrap_or(&[])
    }

    /// The first loaded object a key names, when it is among the inputs (see
    /// [`References::resolve_all`] for every one).
    pub fn resolve<'a>(&self, inv: &'a Inventory, key: &ObjectKey) -> Option<&'a Object> {
        self.resolve_all(inv, key).next()
    }

    /// Every object a key names, in load order: several inputs may share an identity (overlays).
    pub fn resolve_all<'a>(
        &self,
        inv: &'a Inventory,
        key: &ObjectKey,
    ) -> impl Iterator<Item = &'a Object> + 'a {
        self.by_key
            .get(key)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .to_vec()
            .into_iter()
            .filter_map(|i| inv.objects().get(i))
    }

    /// Whether an object of that identity is among the inputs.
    pub fn exists(&self, key: &ObjectKey) -> bool {
        self.by_key.contains_key(key)
    }

    /// Objects of kinds Stockade does not understand (custom resources), as indices.
    pub fn unknown_objects(&self) -> &[usize] {
        &self.unknown
    }

    /// Places where objects of kinds Stockade does not understand mention `key`'s name in a
    /// string value (as a whole value or a word of one, such as `prod/name` or
    /// `--flag=name`; `metadata` is not searched). For a namespaced key only mentions from the
    /// same namespace count, or from cluster-scoped objects and objects in other namespaces
    /// that also mention the namespace.
    pub fn mentions(&self, inv: &Inventory, key: &ObjectKey) -> Vec<Mention> {
        let Some(candidates) = self.words.get(key.name.as_str()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for &i in candidates {
            let Some(o) = inv.objects().get(i) else {
                continue;
            };
            if let Some(ns) = &key.namespace {
                let same = match o.namespace() {
                    None => true,
                    Some(ons) => ons == ns,
                };
                let names_ns = self.words.get(ns.as_str()).is_some_and(|v| v.contains(&i));
                if !same && !names_ns {
                    continue;
                }
            }
            let path = find_word(&o.root, &key.name, FieldPath::root(), true)
                .unwrap_or_else(FieldPath::root);
            out.push(Mention { from: i, path });
        }
        out
    }
}

/// The index of `o` in `inv.objects()`, found by address (O(1)); see [`Inventory::index_of`].
pub fn index_of(inv: &Inventory, o: &Object) -> Option<usize> {
    inv.index_of(o)
}

/// Splits a string value into the words a name could appear as.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'))
        .filter(|w| !w.is_empty())
}

fn index_words(root: &Node, i: usize, out: &mut HashMap<Box<str>, Vec<usize>>) {
    let mut seen: HashSet<&str> = HashSet::new();
    for (k, v) in root.entries() {
        if &*k.name == "metadata" {
            continue;
        }
        collect_words(v, &mut seen);
    }
    for w in seen {
        out.entry(w.into()).or_default().push(i);
    }
}

fn collect_words<'a>(n: &'a Node, seen: &mut HashSet<&'a str>) {
    // A heap stack rather than recursion: custom resources can be arbitrarily deep.
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Str(s) => {
                seen.insert(s);
                seen.extend(words(s));
            }
            Value::Seq(v) => stack.extend(v.iter()),
            Value::Map(m) => stack.extend(m.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// The path of the first string value under `n` that mentions `name`.
fn find_word(n: &Node, name: &str, at: FieldPath, top: bool) -> Option<FieldPath> {
    let mut stack = vec![(n, at, top)];
    while let Some((n, at, top)) = stack.pop() {
        match &n.value {
            Value::Str(s) if (&**s == name || words(s).any(|w| w == name)) => {
                return Some(at);
            }
            Value::Seq(v) => {
                for (i, item) in v.iter().enumerate().rev() {
                    stack.push((item, at.index(i), false));
                }
            }
            Value::Map(m) => {
                for (k, v) in m.iter().rev() {
                    if top && &*k.name == "metadata" {
                        continue;
                    }
                    stack.push((v, at.key(&k.name), false));
                }
            }
            _ => {}
        }
    }
    None
}

/// An object index, its labels, and whether they are a pod template's (not a Pod's own).
type Labelled<'a> = (usize, Vec<(&'a str, &'a str)>, bool);

/// Pod-template labels of workloads (and labels of Pods), per namespace, for selectors.
struct Selectables<'a> {
    /// Per namespace: object index, labels, and whether they are a template's (not a Pod's).
    by_ns: HashMap<&'a str, Vec<Labelled<'a>>>,
    pvcs_by_ns: HashMap<&'a str, Vec<(usize, &'a str)>>,
    cluster_roles: Vec<(usize, Vec<(&'a str, &'a str)>)>,
}

impl<'a> Selectables<'a> {
    fn new(objects: &'a [Object]) -> Selectables<'a> {
        let mut s = Selectables {
            by_ns: HashMap::new(),
            pvcs_by_ns: HashMap::new(),
            cluster_roles: Vec::new(),
        };
        for (i, o) in objects.iter().enumerate() {
            if !is_builtin(o) {
                continue;
            }
            let ns = namespace_of(o).unwrap_or("");
            // A Pod's own labels, or the template labels of a controller, whether or not the
            // manifest also holds the pod spec.
            if let Some(labels) = o.pod_labels() {
                s.by_ns
                    .entry(ns)
                    .or_default()
                    .push((i, labels, o.kind() != "Pod"));
            } else if o.kind() == "PersistentVolumeClaim" {
                s.pvcs_by_ns.entry(ns).or_default().push((i, o.name()));
            } else if o.kind() == "ClusterRole" {
                s.cluster_roles.push((i, o.labels().collect()));
            }
        }
        s
    }
}

/// A label selector: `matchLabels` plus `matchExpressions`, or a plain map (Service).
#[derive(Debug, Default)]
pub struct LabelSelector<'a> {
    equal: Vec<(&'a str, &'a str)>,
    exprs: Vec<(&'a str, &'a str, Vec<&'a str>)>,
    /// The selector could not be understood (unknown operator, wrong types): matches nothing
    /// it is asked about, and callers should not judge it.
    pub invalid: bool,
}

impl<'a> LabelSelector<'a> {
    /// A Service-style selector: a plain map of labels.
    pub fn from_map(n: &'a Node) -> LabelSelector<'a> {
        let mut s = LabelSelector::default();
        for (k, v) in n.entries() {
            match v.as_str() {
                Some(v) => s.equal.push((&k.name, v)),
                None => s.invalid = true,
            }
        }
        s
    }

    /// A `metav1.LabelSelector` (`matchLabels`, `matchExpressions`).
    pub fn from_label_selector(n: &'a Node) -> LabelSelector<'a> {
        let mut s = n
            .get("matchLabels")
            .map(LabelSelector::from_map)
            .unwrap_or_default();
        for e in n.get("matchExpressions").map(Node::items).unwrap_or(&[]) {
            let key = e.get("key").and_then(Node::as_str);
            let op = e.get("operator").and_then(Node::as_str);
            let values: Vec<&str> = e
                .get("values")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(Node::as_str)
                .collect();
            match (key, op) {
                (Some(k), Some(op @ ("In" | "NotIn" | "Exists" | "DoesNotExist"))) => {
                    s.exprs.push((k, op, values));
                }
                _ => s.invalid = true,
            }
        }
        s
    }

    /// Whether it selects nothing at all (no terms): for a metav1 selector that means
    /// "everything", for a Service selector "nothing"; callers decide.
    pub fn is_empty(&self) -> bool {
        self.equal.is_empty() && self.exprs.is_empty()
    }

    /// Whether labels satisfy every term.
    pub fn matches<'l>(&self, labels: &[(&'l str, &'l str)]) -> bool {
        self.matches_except(labels, &[])
    }

    /// Whether a pod template's labels satisfy every term that does not name a label the
    /// controller adds to each pod it creates (`statefulset.kubernetes.io/pod-name`,
    /// `pod-template-hash`, …): a selector on those still selects the controller's pods.
    pub fn matches_template<'l>(&self, labels: &[(&'l str, &'l str)]) -> bool {
        self.matches_except(labels, CONTROLLER_POD_LABELS)
    }

    fn matches_except<'l>(&self, labels: &[(&'l str, &'l str)], ignored: &[&str]) -> bool {
        if self.invalid {
            return false;
        }
        let kept = LabelSelector {
            equal: self
                .equal
                .iter()
                .filter(|(k, _)| !ignored.contains(k))
                .copied()
                .collect(),
            exprs: self
                .exprs
                .iter()
                .filter(|(k, _, _)| !ignored.contains(k))
                .cloned()
                .collect(),
            invalid: false,
        };
        kept.matches_all(labels)
    }

    fn matches_all(&self, labels: &[(&str, &str)]) -> bool {
        let get = |k: &str| labels.iter().find(|(lk, _)| *lk == k).map(|(_, v)| *v);
        self.equal.iter().all(|(k, v)| get(k) == Some(*v))
            && self.exprs.iter().all(|(k, op, values)| match *op {
                "In" => get(k).is_some_and(|v| values.contains(&v)),
                "NotIn" => get(k).is_none_or(|v| !values.contains(&v)),
                "Exists" => get(k).is_some(),
                _ => get(k).is_none(),
            })
    }
}

/// Collects the references of one object.
struct Builder<'r> {
    from: usize,
    ns: &'r str,
    refs: &'r mut Vec<Reference>,
}

fn s(n: &Node, k: &str) -> Option<String> {
    n.get(k)
        .and_then(Node::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl Builder<'_> {
    fn push(&mut self, kind: &str, ns: Option<&str>, name: &str, via: Via, path: FieldPath) {
        self.push_opt(kind, ns, name, via, path, false);
    }

    fn push_opt(
        &mut self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        via: Via,
        path: FieldPath,
        optional: bool,
    ) {
        if name.is_empty() {
            return;
        }
        self.refs.push(Reference {
            from: self.from,
            target: ObjectKey {
                kind: kind.to_string(),
                namespace: ns.map(str::to_string),
                name: name.to_string(),
            },
            via,
            path,
            optional,
        });
    }

    /// A reference to a namespaced object in the source's own namespace.
    fn local(&mut self, kind: &str, name: &str, via: Via, path: FieldPath) {
        let ns = self.ns.to_string();
        self.push(kind, Some(&ns), name, via, path);
    }

    fn local_opt(&mut self, kind: &str, n: &Node, key: &str, via: Via, path: FieldPath) {
        if let Some(name) = n.get(key).and_then(Node::as_str) {
            let optional = n.get("optional").and_then(Node::as_bool) == Some(true);
            let ns = self.ns.to_string();
            self.push_opt(kind, Some(&ns), name, via, path.key(key), optional);
        }
    }

    /// `ns/name` or `name` (in `default_ns`).
    fn ns_name(&mut self, kind: &str, value: &str, default_ns: &str, via: Via, path: FieldPath) {
        let (ns, name) = value.split_once('/').unwrap_or((default_ns, value));
        self.push(kind, Some(ns), name, via, path);
    }

    fn object(&mut self, o: &Object, sel: &Selectables<'_>, objects: &[Object]) {
        self.owner_references(o);
        if let Some(pod) = PodSpecView::of(o) {
            self.pod(&pod);
            self.reloader(o, &pod);
        }
        match o.kind() {
            "ServiceAccount" => self.service_account(o),
            "Secret" => self.secret(o),
            "Ingress" => self.ingress(o),
            "Service" => self.service(o, sel, objects),
            "PodDisruptionBudget" => self.pdb(o, sel, objects),
            "RoleBinding" | "ClusterRoleBinding" => self.binding(o),
            "ClusterRole" => self.aggregation(o, sel, objects),
            "HorizontalPodAutoscaler" => self.hpa(o),
            "PersistentVolume" => self.pv(o),
            "PersistentVolumeClaim" => {
                if let Some(v) = o.root.at("spec.volumeName").and_then(Node::as_str) {
                    self.push(
                        "PersistentVolume",
                        None,
                        v,
                        Via::VolumeName,
                        FieldPath::parse("spec.volumeName"),
                    );
                }
            }
            "StatefulSet" => self.claim_templates(o, sel, objects),
            "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => self.webhooks(o),
            "APIService" => {
                if let Some(svc) = o.root.at("spec.service")
                    && let (Some(ns), Some(name)) = (s(svc, "namespace"), s(svc, "name"))
                {
                    self.push(
                        "Service",
                        Some(&ns),
                        &name,
                        Via::ApiService,
                        FieldPath::parse("spec.service.name"),
                    );
                }
            }
            "StorageClass" => self.storage_class(o),
            _ => {}
        }
    }

    fn owner_references(&mut self, o: &Object) {
        let Some(list) = o.root.at("metadata.ownerReferences") else {
            return;
        };
        let base = FieldPath::parse("metadata.ownerReferences");
        for (i, r) in list.items().iter().enumerate() {
            let (Some(kind), Some(name)) = (s(r, "kind"), s(r, "name")) else {
                continue;
            };
            let group = r
                .get("apiVersion")
                .and_then(Node::as_str)
                .and_then(|v| v.rsplit_once('/'))
                .map_or("", |(g, _)| g);
            // Owners of a namespaced object are in its namespace, or cluster-scoped.
            let ns = if stockade_model::kinds::is_builtin_group(group) && is_cluster_scoped(&kind) {
                None
            } else {
                namespace_of(o)
            };
            let ns = ns.map(str::to_string);
            self.push(
                &kind,
                ns.as_deref(),
                &name,
                Via::OwnerReference,
                base.index(i).key("name"),
            );
        }
    }

    fn pod(&mut self, pod: &PodSpecView<'_>) {
        // The ServiceAccount the pods run as.
        let (sa, path) = match (
            pod.get("serviceAccountName").and_then(Node::as_str),
            pod.get("serviceAccount").and_then(Node::as_str),
        ) {
            (Some(n), _) if !n.is_empty() => (n, pod.path_of("serviceAccountName")),
            (_, Some(n)) if !n.is_empty() => (n, pod.path_of("serviceAccount")),
            _ => ("default", pod.spec_path.clone()),
        };
        self.local("ServiceAccount", sa, Via::PodServiceAccount, path);
        for (i, ips) in pod
            .get("imagePullSecrets")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if let Some(name) = ips.get("name").and_then(Node::as_str) {
                self.local(
                    "Secret",
                    name,
                    Via::ImagePullSecret,
                    pod.path_of("imagePullSecrets").index(i).key("name"),
                );
            }
        }
        for (vp, v) in pod.volumes() {
            self.volume(v, &vp);
        }
        for c in pod.all_containers() {
            for (i, e) in c
                .node
                .get("env")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let ep = c.path.key("env").index(i).key("valueFrom");
                let Some(vf) = e.get("valueFrom") else {
                    continue;
                };
                if let Some(r) = vf.get("secretKeyRef") {
                    self.local_opt("Secret", r, "name", Via::Env, ep.key("secretKeyRef"));
                }
                if let Some(r) = vf.get("configMapKeyRef") {
                    self.local_opt("ConfigMap", r, "name", Via::Env, ep.key("configMapKeyRef"));
                }
            }
            for (i, e) in c
                .node
                .get("envFrom")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let ep = c.path.key("envFrom").index(i);
                if let Some(r) = e.get("secretRef") {
                    self.local_opt("Secret", r, "name", Via::EnvFrom, ep.key("secretRef"));
                }
                if let Some(r) = e.get("configMapRef") {
                    self.local_opt("ConfigMap", r, "name", Via::EnvFrom, ep.key("configMapRef"));
                }
            }
            self.controller_args(c.node, &c.path);
        }
    }

    fn volume(&mut self, v: &Node, vp: &FieldPath) {
        for (k, src) in v.entries() {
            let kp = vp.key(&k.name);
            match &*k.name {
                "secret" => {
                    if let Some(name) = src.get("secretName").and_then(Node::as_str) {
                        let optional = src.get("optional").and_then(Node::as_bool) == Some(true);
                        let ns = self.ns.to_string();
                        self.push_opt(
                            "Secret",
                            Some(&ns),
                            name,
                            Via::Volume,
                            kp.key("secretName"),
                            optional,
                        );
                    }
                }
                "configMap" => self.local_opt("ConfigMap", src, "name", Via::Volume, kp),
                "persistentVolumeClaim" => {
                    if let Some(name) = src.get("claimName").and_then(Node::as_str) {
                        self.local(
                            "PersistentVolumeClaim",
                            name,
                            Via::Volume,
                            kp.key("claimName"),
                        );
                    }
                }
                "projected" => {
                    for (i, p) in src
                        .get("sources")
                        .map(Node::items)
                        .unwrap_or(&[])
                        .iter()
                        .enumerate()
                    {
                        let pp = kp.key("sources").index(i);
                        if let Some(r) = p.get("secret") {
                            self.local_opt(
                                "Secret",
                                r,
                                "name",
                                Via::ProjectedVolume,
                                pp.key("secret"),
                            );
                        }
                        if let Some(r) = p.get("configMap") {
                            self.local_opt(
                                "ConfigMap",
                                r,
                                "name",
                                Via::ProjectedVolume,
                                pp.key("configMap"),
                            );
                        }
                    }
                }
                "name" => {}
                _ => {
                    // CSI, CephFS, RBD, iSCSI, FlexVolume, ScaleIO, StorageOS: `secretRef` or
                    // `nodePublishSecretRef` name a Secret of the pod's namespace; Azure File
                    // names one with `secretName`.
                    for key in ["secretRef", "nodePublishSecretRef"] {
                        if let Some(r) = src.get(key) {
                            self.local_opt("Secret", r, "name", Via::Volume, kp.key(key));
                        }
                    }
                    if &*k.name == "azureFile"
                        && let Some(name) = src.get("secretName").and_then(Node::as_str)
                    {
                        self.local("Secret", name, Via::Volume, kp.key("secretName"));
                    }
                }
            }
        }
    }

    /// ingress-nginx's controller flags that name a Secret or ConfigMap as `ns/name`.
    fn controller_args(&mut self, c: &Node, path: &FieldPath) {
        for field in ["args", "command"] {
            let items = c.get(field).map(Node::items).unwrap_or(&[]);
            for (i, a) in items.iter().enumerate() {
                let Some(a) = a.as_str() else { continue };
                let Some((flag, value)) = a.split_once('=') else {
                    continue;
                };
                let kind = match flag {
                    "--default-ssl-certificate" => "Secret",
                    "--configmap" | "--tcp-services-configmap" | "--udp-services-configmap" => {
                        "ConfigMap"
                    }
                    _ => continue,
                };
                // `$(POD_NAMESPACE)/name` is the chart's spelling of "our own namespace".
                let value = value.replace("$(POD_NAMESPACE)", self.ns);
                let ns = self.ns.to_string();
                self.ns_name(
                    kind,
                    &value,
                    &ns,
                    Via::ControllerArgument,
                    path.key(field).index(i),
                );
            }
        }
    }

    /// Stakater Reloader: `secret.reloader.stakater.com/reload: "a,b"` on the workload or its
    /// pod template.
    fn reloader(&mut self, o: &Object, pod: &PodSpecView<'_>) {
        let metas = [
            (o.metadata(), FieldPath::root().key("metadata")),
            (pod.meta, pod.meta_path.clone()),
        ];
        for (i, (meta, mp)) in metas.into_iter().enumerate() {
            // A Pod's template metadata is its own metadata: do not count it twice.
            if i == 1 && o.kind() == "Pod" {
                continue;
            }
            let Some(ann) = meta.and_then(|m| m.get("annotations")) else {
                continue;
            };
            for (kind, key) in [
                ("Secret", "secret.reloader.stakater.com/reload"),
                ("ConfigMap", "configmap.reloader.stakater.com/reload"),
            ] {
                let Some(v) = ann.get(key).and_then(Node::as_str) else {
                    continue;
                };
                for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    self.local(
                        kind,
                        name,
                        Via::ControllerAnnotation,
                        mp.key("annotations").key(key),
                    );
                }
            }
        }
    }

    fn service_account(&mut self, o: &Object) {
        for (field, via) in [
            ("secrets", Via::ServiceAccountSecret),
            ("imagePullSecrets", Via::ServiceAccountImagePullSecret),
        ] {
            for (i, r) in o
                .root
                .get(field)
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                if let Some(name) = r.get("name").and_then(Node::as_str) {
                    self.local(
                        "Secret",
                        name,
                        via,
                        FieldPath::root().key(field).index(i).key("name"),
                    );
                }
            }
        }
    }

    fn secret(&mut self, o: &Object) {
        if let Some(sa) = o.annotation(SA_NAME_ANNOTATION) {
            self.local(
                "ServiceAccount",
                sa,
                Via::TokenFor,
                FieldPath::root()
                    .key("metadata")
                    .key("annotations")
                    .key(SA_NAME_ANNOTATION),
            );
        }
    }

    fn ingress(&mut self, o: &Object) {
        let Some(spec) = o.root.get("spec") else {
            return;
        };
        let sp = FieldPath::root().key("spec");
        for (i, t) in spec
            .get("tls")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if let Some(name) = t.get("secretName").and_then(Node::as_str) {
                self.local(
                    "Secret",
                    name,
                    Via::IngressTls,
                    sp.key("tls").index(i).key("secretName"),
                );
            }
        }
        for key in ["defaultBackend", "backend"] {
            if let Some(b) = spec.get(key) {
                self.backend(b, sp.key(key), Via::IngressDefaultBackend);
            }
        }
        for (i, r) in spec
            .get("rules")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let paths = r.at("http.paths").map(Node::items).unwrap_or(&[]);
            for (j, p) in paths.iter().enumerate() {
                if let Some(b) = p.get("backend") {
                    let bp = sp
                        .key("rules")
                        .index(i)
                        .key("http")
                        .key("paths")
                        .index(j)
                        .key("backend");
                    self.backend(b, bp, Via::IngressBackend);
                }
            }
        }
        // ingress-nginx annotations naming Secrets (`name` or `ns/name`).
        if let Some(ann) = o.metadata().and_then(|m| m.get("annotations")) {
            for key in NGINX_SECRET_ANNOTATIONS {
                if let Some(v) = ann.get(key).and_then(Node::as_str) {
                    let ns = self.ns.to_string();
                    self.ns_name(
                        "Secret",
                        v,
                        &ns,
                        Via::ControllerAnnotation,
                        FieldPath::root()
                            .key("metadata")
                            .key("annotations")
                            .key(key),
                    );
                }
            }
        }
    }

    fn backend(&mut self, b: &Node, bp: FieldPath, via: Via) {
        if let Some(name) = b.at("service.name").and_then(Node::as_str) {
            self.local("Service", name, via, bp.key("service").key("name"));
        } else if let Some(name) = b.get("serviceName").and_then(Node::as_str) {
            self.local("Service", name, via, bp.key("serviceName"));
        } else if let Some(r) = b.get("resource")
            && let (Some(kind), Some(name)) = (s(r, "kind"), s(r, "name"))
        {
            self.local(&kind, &name, via, bp.key("resource").key("name"));
        }
    }

    fn selected(
        &mut self,
        o: &Object,
        selector: &LabelSelector<'_>,
        sel: &Selectables<'_>,
        objects: &[Object],
        via: Via,
        path: FieldPath,
    ) {
        let ns = namespace_of(o).unwrap_or("");
        for (i, labels, template) in sel.by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]) {
            let hit = if *template {
                selector.matches_template(labels)
            } else {
                selector.matches(labels)
            };
            if hit && let Some(t) = objects.get(*i) {
                let key = ObjectKey::of(t);
                self.push(
                    &key.kind,
                    key.namespace.as_deref(),
                    &key.name,
                    via,
                    path.clone(),
                );
            }
        }
    }

    fn service(&mut self, o: &Object, sel: &Selectables<'_>, objects: &[Object]) {
        let Some(selector) = o.root.at("spec.selector") else {
            return;
        };
        let ls = LabelSelector::from_map(selector);
        // An empty selector on a Service selects no pods (its endpoints are managed by hand).
        if ls.is_empty() || ls.invalid {
            return;
        }
        self.selected(
            o,
            &ls,
            sel,
            objects,
            Via::ServiceSelector,
            FieldPath::parse("spec.selector"),
        );
    }

    fn pdb(&mut self, o: &Object, sel: &Selectables<'_>, objects: &[Object]) {
        let Some(selector) = o.root.at("spec.selector") else {
            return;
        };
        let ls = LabelSelector::from_label_selector(selector);
        if ls.invalid {
            return;
        }
        self.selected(
            o,
            &ls,
            sel,
            objects,
            Via::PdbSelector,
            FieldPath::parse("spec.selector"),
        );
    }

    fn binding(&mut self, o: &Object) {
        if let Some(r) = o.root.get("roleRef")
            && let (Some(kind), Some(name)) = (s(r, "kind"), s(r, "name"))
        {
            let path = FieldPath::parse("roleRef.name");
            if kind == "ClusterRole" {
                self.push("ClusterRole", None, &name, Via::RoleRef, path);
            } else {
                self.local(&kind, &name, Via::RoleRef, path);
            }
        }
        for (i, sub) in o
            .root
            .get("subjects")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let (Some(kind), Some(name)) = (s(sub, "kind"), s(sub, "name")) else {
                continue;
            };
            let path = FieldPath::root().key("subjects").index(i).key("name");
            if kind == "ServiceAccount" {
                // A ServiceAccount subject without a namespace is invalid for
                // ClusterRoleBindings; for RoleBindings the API server requires it too, but
                // the binding's namespace is the only sensible reading.
                let ns = s(sub, "namespace").unwrap_or_else(|| self.ns.to_string());
                self.push("ServiceAccount", Some(&ns), &name, Via::Subject, path);
            } else {
                self.push(&kind, None, &name, Via::Subject, path);
            }
        }
    }

    fn aggregation(&mut self, o: &Object, sel: &Selectables<'_>, objects: &[Object]) {
        let Some(selectors) = o.root.at("aggregationRule.clusterRoleSelectors") else {
            return;
        };
        for (i, s) in selectors.items().iter().enumerate() {
            let ls = LabelSelector::from_label_selector(s);
            // An empty selector in aggregationRule matches nothing (the controller skips it).
            if ls.invalid || ls.is_empty() {
                continue;
            }
            for (ci, labels) in &sel.cluster_roles {
                if *ci == self.from || !ls.matches(labels) {
                    continue;
                }
                if let Some(t) = objects.get(*ci) {
                    self.push(
                        "ClusterRole",
                        None,
                        t.name(),
                        Via::Aggregation,
                        FieldPath::parse("aggregationRule.clusterRoleSelectors").index(i),
                    );
                }
            }
        }
    }

    fn hpa(&mut self, o: &Object) {
        if let Some(t) = o.root.at("spec.scaleTargetRef")
            && let (Some(kind), Some(name)) = (s(t, "kind"), s(t, "name"))
        {
            self.local(
                &kind,
                &name,
                Via::ScaleTarget,
                FieldPath::parse("spec.scaleTargetRef.name"),
            );
        }
    }

    fn pv(&mut self, o: &Object) {
        if let Some(c) = o.root.at("spec.claimRef")
            && let Some(name) = s(c, "name")
        {
            let ns = s(c, "namespace").unwrap_or_else(|| "default".to_string());
            self.push(
                "PersistentVolumeClaim",
                Some(&ns),
                &name,
                Via::ClaimRef,
                FieldPath::parse("spec.claimRef.name"),
            );
        }
        if let Some(csi) = o.root.at("spec.csi") {
            for (k, r) in csi.entries() {
                if !k.name.ends_with("SecretRef") {
                    continue;
                }
                if let (Some(name), Some(ns)) = (s(r, "name"), s(r, "namespace")) {
                    self.push(
                        "Secret",
                        Some(&ns),
                        &name,
                        Via::Volume,
                        FieldPath::parse("spec.csi").key(&k.name).key("name"),
                    );
                }
            }
        }
    }

    fn claim_templates(&mut self, o: &Object, sel: &Selectables<'_>, objects: &[Object]) {
        let ns = namespace_of(o).unwrap_or("");
        let pvcs = sel.pvcs_by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]);
        let templates = o
            .root
            .at("spec.volumeClaimTemplates")
            .map(Node::items)
            .unwrap_or(&[]);
        for (i, t) in templates.iter().enumerate() {
            let Some(tname) = t.at("metadata.name").and_then(Node::as_str) else {
                continue;
            };
            let prefix = format!("{tname}-{}-", o.name());
            for (pi, pname) in pvcs {
                let ordinal = pname.strip_prefix(prefix.as_str());
                if ordinal.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                    && let Some(p) = objects.get(*pi)
                {
                    let ns = ns.to_string();
                    self.push(
                        "PersistentVolumeClaim",
                        Some(&ns),
                        p.name(),
                        Via::VolumeClaimTemplate,
                        FieldPath::parse("spec.volumeClaimTemplates").index(i),
                    );
                }
            }
        }
    }

    fn webhooks(&mut self, o: &Object) {
        for (i, w) in o
            .root
            .get("webhooks")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if let Some(svc) = w.at("clientConfig.service")
                && let (Some(ns), Some(name)) = (s(svc, "namespace"), s(svc, "name"))
            {
                self.push(
                    "Service",
                    Some(&ns),
                    &name,
                    Via::ApiService,
                    FieldPath::root()
                        .key("webhooks")
                        .index(i)
                        .join("clientConfig.service.name"),
                );
            }
        }
    }

    fn storage_class(&mut self, o: &Object) {
        let Some(params) = o.root.get("parameters") else {
            return;
        };
        for (k, v) in params.entries() {
            let Some(prefix) = k.name.strip_suffix("-secret-name") else {
                continue;
            };
            let Some(name) = v.as_str() else { continue };
            let ns_key = format!("{prefix}-secret-namespace");
            let ns = params.get(&ns_key).and_then(Node::as_str);
            // `${pvc.namespace}` and similar templates name a different Secret per claim.
            let (Some(ns), false) = (ns, name.contains("${")) else {
                continue;
            };
            if ns.contains("${") {
                continue;
            }
            self.push(
                "Secret",
                Some(ns),
                name,
                Via::StorageClassSecret,
                FieldPath::root().key("parameters").key(&k.name),
            );
        }
    }
}

/// Labels that workload controllers add to the pods they create (not in the template).
pub const CONTROLLER_POD_LABELS: &[&str] = &[
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-revision-hash",
    "pod-template-hash",
    "pod-template-generation",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-completion-index",
    "job-name",
    "controller-uid",
];

/// The annotation that ties a legacy token Secret to its ServiceAccount.
pub const SA_NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";

/// ingress-nginx Ingress annotations whose value names a Secret (`name` or `ns/name`).
const NGINX_SECRET_ANNOTATIONS: &[&str] = &[
    "nginx.ingress.kubernetes.io/auth-secret",
    "nginx.ingress.kubernetes.io/auth-tls-secret",
    "nginx.ingress.kubernetes.io/proxy-ssl-secret",
];

#[cfg(test)]
mod tests {
    use super::*;
    use stockade_sources::{Input, Limits, load_inputs};

    fn inv(yaml: &str) -> Inventory {
        let load = load_inputs(
            &[Input::Stdin],
            &Limits::default(),
            &mut std::io::Cursor::new(yaml.as_bytes().to_vec()),
        );
        Inventory::from_manifests(load).0
    }

    fn users(inv: &Inventory, key: &ObjectKey) -> Vec<String> {
        inv.references()
            .users_of(key)
            .map(|r| {
                let o = r
                    .source(inv)
                    .map(|o| o.oref().to_string())
                    .unwrap_or_default();
                format!("{o} {:?} {}", r.via, r.path)
            })
            .collect()
    }

    const APP: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod, annotations: {secret.reloader.stakater.com/reload: "reload-me"}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      serviceAccountName: web
      imagePullSecrets: [{name: regcred}]
      containers:
      - name: app
        image: nginx
        args: ["--default-ssl-certificate=$(POD_NAMESPACE)/default-cert", "--configmap=ingress/nginx-conf"]
        env:
        - name: A
          valueFrom: {secretKeyRef: {name: env-secret, key: a, optional: true}}
        - name: B
          valueFrom: {configMapKeyRef: {name: env-cm, key: b}}
        envFrom:
        - secretRef: {name: envfrom-secret}
        - configMapRef: {name: envfrom-cm}
      initContainers:
      - name: init
        image: busybox
        envFrom: [{secretRef: {name: init-secret}}]
      volumes:
      - name: s
        secret: {secretName: vol-secret}
      - name: c
        configMap: {name: vol-cm}
      - name: p
        persistentVolumeClaim: {claimName: data}
      - name: proj
        projected:
          sources:
          - secret: {name: proj-secret}
          - configMap: {name: proj-cm}
          - serviceAccountToken: {path: token}
      - name: csi
        csi: {driver: x, nodePublishSecretRef: {name: csi-secret}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  selector: {app: web}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: prod}
spec:
  selector: {app: nope}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: prod
  annotations: {nginx.ingress.kubernetes.io/auth-secret: basic-auth}
spec:
  tls: [{secretName: tls-secret, hosts: [a.example.com]}]
  defaultBackend: {service: {name: fallback, port: {number: 80}}}
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web, port: {number: 80}}}
"#;

    #[test]
    fn workload_references_every_kind_of_field() {
        let inv = inv(APP);
        let d = inv.of_kind("Deployment").next().unwrap();
        let uses: Vec<String> = inv
            .references()
            .uses(&inv, d)
            .iter()
            .map(|r| format!("{:?} {} {}", r.via, r.target.display(), r.path))
            .collect();
        let expected = "\
PodServiceAccount ServiceAccount/prod/web spec.template.spec.serviceAccountName\n\
ImagePullSecret Secret/prod/regcred spec.template.spec.imagePullSecrets[0].name\n\
Volume Secret/prod/vol-secret spec.template.spec.volumes[0].secret.secretName\n\
Volume ConfigMap/prod/vol-cm spec.template.spec.volumes[1].configMap.name\n\
Volume PersistentVolumeClaim/prod/data spec.template.spec.volumes[2].persistentVolumeClaim.claimName\n\
ProjectedVolume Secret/prod/proj-secret spec.template.spec.volumes[3].projected.sources[0].secret.name\n\
ProjectedVolume ConfigMap/prod/proj-cm spec.template.spec.volumes[3].projected.sources[1].configMap.name\n\
Volume Secret/prod/csi-secret spec.template.spec.volumes[4].csi.nodePublishSecretRef.name\n\
Env Secret/prod/env-secret spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name\n\
Env ConfigMap/prod/env-cm spec.template.spec.containers[0].env[1].valueFrom.configMapKeyRef.name\n\
EnvFrom Secret/prod/envfrom-secret spec.template.spec.containers[0].envFrom[0].secretRef.name\n\
EnvFrom ConfigMap/prod/envfrom-cm spec.template.spec.containers[0].envFrom[1].configMapRef.name\n\
ControllerArgument Secret/prod/default-cert spec.template.spec.containers[0].args[0]\n\
ControllerArgument ConfigMap/ingress/nginx-conf spec.template.spec.containers[0].args[1]\n\
EnvFrom Secret/prod/init-secret spec.template.spec.initContainers[0].envFrom[0].secretRef.name\n\
ControllerAnnotation Secret/prod/reload-me metadata.annotations[\"secret.reloader.stakater.com/reload\"]";
        assert_eq!(uses.join("\n"), expected);
        let optional: Vec<bool> = inv
            .references()
            .uses(&inv, d)
            .iter()
            .map(|r| r.optional)
            .collect();
        assert_eq!(optional.iter().filter(|o| **o).count(), 1);
    }

    #[test]
    fn who_uses_answers_from_the_target_side() {
        let inv = inv(APP);
        let key = ObjectKey::namespaced("Deployment", "prod", "web");
        assert_eq!(
            users(&inv, &key),
            vec!["Service/prod/web ServiceSelector spec.selector"]
        );
        assert_eq!(
            users(&inv, &ObjectKey::namespaced("Service", "prod", "fallback")),
            vec!["Ingress/prod/web IngressDefaultBackend spec.defaultBackend.service.name"]
        );
        assert_eq!(
            users(&inv, &ObjectKey::namespaced("Secret", "prod", "tls-secret")),
            vec!["Ingress/prod/web IngressTls spec.tls[0].secretName"]
        );
        assert_eq!(
            users(&inv, &ObjectKey::namespaced("Secret", "prod", "basic-auth")).len(),
            1
        );
        // Nothing matches `app: nope`.
        let other = inv
            .of_kind("Service")
            .find(|s| s.name() == "other")
            .unwrap();
        assert!(inv.references().uses(&inv, other).is_empty());
    }

    #[test]
    fn rbac_service_account_and_storage_edges() {
        let inv = inv(r#"
apiVersion: v1
kind: ServiceAccount
metadata: {name: ci}
secrets: [{name: ci-token}]
imagePullSecrets: [{name: pull}]
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata: {name: ci-token, annotations: {kubernetes.io/service-account.name: ci}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects:
- {kind: ServiceAccount, name: ci}
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agg}
subjects: [{kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: "true"}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: part, labels: {agg: "true"}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  volumeClaimTemplates: [{metadata: {name: pg}}]
  template: {spec: {containers: [{name: pg, image: postgres}]}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pg-db-0, namespace: data}
spec: {volumeName: pv-1}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pg-db-x, namespace: data}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-1}
spec: {claimRef: {namespace: data, name: pg-db-0}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h, namespace: data}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}}
"#);
        let g = inv.references();
        assert_eq!(
            users(
                &inv,
                &ObjectKey::namespaced("ServiceAccount", "default", "ci")
            ),
            vec![
                "Secret/ci-token TokenFor metadata.annotations[\"kubernetes.io/service-account.name\"]",
                "RoleBinding/default/b Subject subjects[0].name",
            ]
        );
        assert_eq!(
            users(&inv, &ObjectKey::cluster("User", "alice")),
            vec!["RoleBinding/default/b Subject subjects[1].name"]
        );
        assert_eq!(users(&inv, &ObjectKey::cluster("Group", "devs")).len(), 1);
        assert_eq!(
            users(&inv, &ObjectKey::cluster("ClusterRole", "part")),
            vec!["ClusterRole/agg Aggregation aggregationRule.clusterRoleSelectors[0]"]
        );
        assert_eq!(
            users(
                &inv,
                &ObjectKey::namespaced("Secret", "default", "ci-token")
            )
            .len(),
            1
        );
        assert_eq!(
            users(
                &inv,
                &ObjectKey::namespaced("PersistentVolumeClaim", "data", "pg-db-0")
            ),
            vec![
                "StatefulSet/data/db VolumeClaimTemplate spec.volumeClaimTemplates[0]",
                "PersistentVolume/pv-1 ClaimRef spec.claimRef.name",
            ]
        );
        assert!(
            users(
                &inv,
                &ObjectKey::namespaced("PersistentVolumeClaim", "data", "pg-db-x")
            )
            .is_empty()
        );
        assert_eq!(
            users(&inv, &ObjectKey::namespaced("StatefulSet", "data", "db")),
            vec!["HorizontalPodAutoscaler/data/h ScaleTarget spec.scaleTargetRef.name"]
        );
        // Objects without a namespace are in `default`.
        assert!(g.exists(&ObjectKey::namespaced("ServiceAccount", "default", "ci")));
        assert!(
            g.resolve(&inv, &ObjectKey::cluster("PersistentVolume", "pv-1"))
                .is_some()
        );
    }

    #[test]
    fn custom_resources_mention_rather_than_reference() {
        let inv = inv(r#"
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web-cert, namespace: prod}
spec: {secretName: web-tls, dnsNames: [a.example.com]}
---
apiVersion: example.com/v1
kind: Backup
metadata: {name: b, namespace: other}
spec: {target: "other/web-tls"}
---
apiVersion: example.com/v1
kind: Backup
metadata: {name: c, namespace: other2}
spec: {target: "prod/web-tls"}
"#);
        let g = inv.references();
        assert!(g.all().is_empty());
        assert_eq!(g.unknown_objects().len(), 3);
        let m = g.mentions(&inv, &ObjectKey::namespaced("Secret", "prod", "web-tls"));
        let shown: Vec<String> = m
            .iter()
            .map(|m| format!("{} {}", m.source(&inv).unwrap().oref(), m.path))
            .collect();
        assert_eq!(
            shown,
            vec![
                "Certificate/prod/web-cert spec.secretName",
                "Backup/other2/c spec.target"
            ]
        );
        // The object's own name in metadata is not a mention.
        assert!(
            g.mentions(&inv, &ObjectKey::namespaced("Secret", "prod", "web-cert"))
                .is_empty()
        );
    }

    #[test]
    fn selectors() {
        let load = load_inputs(
            &[Input::Stdin],
            &Limits::default(),
            &mut std::io::Cursor::new(
                b"kind: X\napiVersion: v1\na: {matchLabels: {x: '1'}, matchExpressions: [{key: w, operator: NotIn, values: ['2']}, {key: z, operator: Exists}]}\nb: {matchExpressions: [{key: w, operator: Bogus}]}\n".to_vec(),
            ),
        );
        let root = &load.objects[0].root;
        let a = LabelSelector::from_label_selector(root.get("a").unwrap());
        assert!(a.matches(&[("x", "1"), ("z", "")]));
        assert!(a.matches(&[("x", "1"), ("w", "3"), ("z", "")]));
        assert!(!a.matches(&[("x", "1"), ("w", "2"), ("z", "")]));
        assert!(!a.matches(&[("x", "1")]));
        let b = LabelSelector::from_label_selector(root.get("b").unwrap());
        assert!(b.invalid && !b.matches(&[]));
    }

    #[test]
    fn selectors_on_controller_added_pod_labels_select_the_controllers_pods() {
        let inv = inv(r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis, namespace: db}
spec:
  template:
    metadata: {labels: {app: redis}}
    spec: {containers: [{name: r, image: redis}]}
---
apiVersion: v1
kind: Service
metadata: {name: redis-0, namespace: db}
spec: {selector: {app: redis, statefulset.kubernetes.io/pod-name: redis-0}}
---
apiVersion: v1
kind: Pod
metadata: {name: lone, namespace: db, labels: {app: lone}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: lone, namespace: db}
spec: {selector: {app: lone, pod-template-hash: abc}}
"#);
        assert_eq!(
            users(&inv, &ObjectKey::namespaced("StatefulSet", "db", "redis")),
            vec!["Service/db/redis-0 ServiceSelector spec.selector"]
        );
        // A Pod's own labels are real: the controller label is not ignored for it.
        assert!(users(&inv, &ObjectKey::namespaced("Pod", "db", "lone")).is_empty());
    }

    /// Measures the build on a real-world corpus, a directory of manifests named by
    /// `STOCKADE_REAL_CORPUS` (run with `--ignored --release --nocapture` to see the figure
    /// quoted in docs/unused.md). Skips, saying so, when the variable is unset.
    #[test]
    #[ignore = "a measurement, not a check: run with --ignored --release --nocapture"]
    fn build_cost_on_the_real_corpus() {
        let Some(dir) = std::env::var_os("STOCKADE_REAL_CORPUS") else {
            eprintln!("skipped: STOCKADE_REAL_CORPUS is not set (a directory of manifests)");
            return;
        };
        let dir = std::path::Path::new(&dir);
        if !dir.is_dir() {
            eprintln!(
                "skipped: STOCKADE_REAL_CORPUS={} is not a directory",
                dir.display()
            );
            return;
        }
        let loading = std::time::Instant::now();
        let load = load_inputs(
            &[Input::Path(dir.to_path_buf())],
            &Limits::default(),
            &mut std::io::empty(),
        );
        let inv = Inventory::from_manifests(load).0;
        let loaded = loading.elapsed();
        let start = std::time::Instant::now();
        let runs = 20;
        let mut refs = 0;
        for _ in 0..runs {
            refs = References::build(&inv).all().len();
        }
        let each = start.elapsed() / runs;
        eprintln!(
            "{} objects loaded in {:.1} ms; {refs} references: {:.2} ms per build",
            inv.objects().len(),
            loaded.as_secs_f64() * 1000.0,
            each.as_secs_f64() * 1000.0
        );
    }

    #[test]
    fn index_of_finds_objects_by_address_only() {
        let inv = inv(APP);
        for (i, o) in inv.objects().iter().enumerate() {
            assert_eq!(index_of(&inv, o), Some(i));
        }
        let stray = inv.objects()[0].clone();
        assert_eq!(index_of(&inv, &stray), None);
    }
}
