//! One Kubernetes object and its origin.

use stockade_model::ObjectRef;
use stockade_sources::{Node, Origin};

/// Where an object came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectOrigin {
    /// A manifest file (or stdin).
    File(Origin),
    /// A live cluster.
    Cluster {
        /// The kubeconfig context or cluster name.
        cluster: String,
    },
}

/// One entry of an object's `metadata.ownerReferences`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner<'a> {
    /// `kind`, when it is a string.
    pub kind: Option<&'a str>,
    /// `name`, when it is a string.
    pub name: Option<&'a str>,
    /// `controller: true`.
    pub controller: bool,
}

/// A Kubernetes object: its tree, its identity and its origin.
#[derive(Clone, Debug)]
pub struct Object {
    /// The whole object as loaded.
    pub root: Node,
    /// Where it came from.
    pub origin: ObjectOrigin,
    /// Where its identity fields are in the tree: read from there rather than copied, so an
    /// object costs 20 bytes for its identity instead of four owned strings.
    ident: Ident,
    /// Entry positions of the pod template's `spec` and `metadata` (workload kinds only), found
    /// once here so that the pod-spec view, which every workload rule asks for, does not search.
    /// Boxed: most objects are not workloads, and an inline index would cost them 48 bytes each.
    pub(crate) pod_index: Option<Box<PodIndex>>,
}

/// Entry positions of the identity fields: `apiVersion` and `kind` among the root's entries,
/// `metadata` among them, `name` (or `generateName`) and `namespace` among its entries.
/// [`Ident::NONE`] when a field is missing or is not a string.
#[derive(Clone, Copy, Debug)]
struct Ident {
    api_version: u32,
    kind: u32,
    metadata: u32,
    name: u32,
    namespace: u32,
}

impl Ident {
    const NONE: u32 = u32::MAX;

    fn of(root: &Node) -> Ident {
        let string_entry = |n: &Node, keys: &[&str]| -> u32 {
            keys.iter()
                .find_map(|key| {
                    n.entries()
                        .iter()
                        .position(|(k, v)| &*k.name == *key && v.as_str().is_some())
                })
                .and_then(|i| u32::try_from(i).ok())
                .unwrap_or(Ident::NONE)
        };
        let metadata = root
            .entries()
            .iter()
            .position(|(k, _)| &*k.name == "metadata")
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or(Ident::NONE);
        let meta = root.entries().get(metadata as usize).map(|(_, v)| v);
        Ident {
            api_version: string_entry(root, &["apiVersion"]),
            kind: string_entry(root, &["kind"]),
            metadata,
            name: meta.map_or(Ident::NONE, |m| string_entry(m, &["name", "generateName"])),
            namespace: meta.map_or(Ident::NONE, |m| string_entry(m, &["namespace"])),
        }
    }
}

/// The string value of entry `i` of `n`.
fn entry_str(n: &Node, i: u32) -> Option<&str> {
    n.entries().get(i as usize)?.1.as_str()
}

/// Entry positions, level by level, of a pod template's `spec` and `metadata`.
#[derive(Clone, Debug, Default)]
pub(crate) struct PodIndex {
    pub(crate) spec: Vec<usize>,
    pub(crate) meta: Option<Vec<usize>>,
}

/// The entry positions of a dotted path's keys, level by level.
fn index_path(root: &Node, dotted: &str) -> Option<Vec<usize>> {
    let mut cur = root;
    let mut out = Vec::new();
    for part in dotted.split('.') {
        let (i, (_, v)) = cur
            .entries()
            .iter()
            .enumerate()
            .find(|(_, (k, _))| &*k.name == part)?;
        out.push(i);
        cur = v;
    }
    Some(out)
}

/// Follows entry positions found by [`index_path`].
pub(crate) fn follow<'n>(root: &'n Node, idx: &[usize]) -> Option<&'n Node> {
    let mut cur = root;
    for &i in idx {
        cur = &cur.entries().get(i)?.1;
    }
    Some(cur)
}

impl Object {
    /// Wraps a loaded tree. The tree must be a mapping; missing identity fields become empty.
    pub fn new(root: Node, origin: ObjectOrigin) -> Object {
        let ident = Ident::of(&root);
        let kind = root
            .entries()
            .get(ident.kind as usize)
            .and_then(|(_, v)| v.as_str())
            .unwrap_or_default();
        let pod_index = crate::podspec::prefixes(kind).and_then(|(meta, spec)| {
            Some(Box::new(PodIndex {
                spec: index_path(&root, spec)?,
                meta: index_path(&root, meta),
            }))
        });
        Object {
            root,
            origin,
            ident,
            pod_index,
        }
    }

    /// The object's identity, for findings and messages.
    pub fn oref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version().to_string(),
            kind: self.kind().to_string(),
            namespace: self.namespace().map(str::to_string),
            name: self.name().to_string(),
        }
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        entry_str(&self.root, self.ident.kind).unwrap_or_default()
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        entry_str(&self.root, self.ident.api_version).unwrap_or_default()
    }

    /// The API group (`apps` for `apps/v1`, empty for `v1`).
    pub fn api_group(&self) -> &str {
        self.api_version().rsplit_once('/').map_or("", |(g, _)| g)
    }

    fn metadata_node(&self) -> Option<&Node> {
        self.root
            .entries()
            .get(self.ident.metadata as usize)
            .map(|(_, v)| v)
    }

    /// `metadata.name` (or `generateName`).
    pub fn name(&self) -> &str {
        self.metadata_node()
            .and_then(|m| entry_str(m, self.ident.name))
            .unwrap_or_default()
    }

    /// `metadata.namespace` as written; `None` when unset.
    pub fn namespace(&self) -> Option<&str> {
        entry_str(self.metadata_node()?, self.ident.namespace)
    }

    /// `ns/name` or `name`, for messages.
    pub fn display_name(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("{ns}/{}", self.name()),
            None => self.name().to_string(),
        }
    }

    /// `metadata`.
    pub fn metadata(&self) -> Option<&Node> {
        self.root.get("metadata")
    }

    /// A label of the object.
    pub fn label(&self, k: &str) -> Option<&str> {
        self.metadata()?.get("labels")?.get(k)?.as_str()
    }

    /// An annotation of the object.
    pub fn annotation(&self, k: &str) -> Option<&str> {
        self.metadata()?.get("annotations")?.get(k)?.as_str()
    }

    /// The object's `metadata.ownerReferences`, in order: the one owner view every rule and
    /// analyzer reads.
    pub fn owners(&self) -> impl Iterator<Item = Owner<'_>> {
        self.metadata()
            .and_then(|m| m.get("ownerReferences"))
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .map(|r| Owner {
                kind: r.get("kind").and_then(Node::as_str),
                name: r.get("name").and_then(Node::as_str),
                controller: r.get("controller").and_then(Node::as_bool) == Some(true),
            })
    }

    /// Whether an owner reference marks the object as managed by a controller
    /// (`controller: true`): rules report the owner instead.
    pub fn is_controlled(&self) -> bool {
        self.owners().any(|r| r.controller)
    }

    /// Whether a Pod, ReplicaSet or Job was made by a workload controller from its owner's
    /// template (an `ownerReferences` entry with `controller: true` naming a workload kind).
    /// Rules report the owner, which a user edits, rather than every copy of it.
    pub fn controlled_by_workload(&self) -> bool {
        if !matches!(self.kind(), "Pod" | "ReplicaSet" | "Job") {
            return false;
        }
        self.owners().any(|r| {
            r.controller
                && r.kind
                    .is_some_and(|k| stockade_model::kinds::POD_CONTROLLERS.contains(&k))
        })
    }

    /// Whether the kind makes pods (a Pod, or a workload with a pod template).
    pub fn makes_pods(&self) -> bool {
        crate::podspec::prefixes(self.kind()).is_some()
    }

    /// The labels of the pods this object stands for: a Pod's own, or its pod template's
    /// (`spec.template.metadata.labels`, `spec.jobTemplate.spec.template.metadata.labels` for a
    /// CronJob); `None` for a kind that makes no pods. Unlike [`crate::PodSpecView`] this does
    /// not need the pod spec, so a partial manifest (a kustomize patch that sets only the
    /// template's labels) still counts for the selectors that match it.
    pub fn pod_labels(&self) -> Option<Vec<(&str, &str)>> {
        let (meta, _) = crate::podspec::prefixes(self.kind())?;
        Some(
            self.root
                .at(meta)
                .and_then(|m| m.get("labels"))
                .map(|l| l.entries())
                .unwrap_or(&[])
                .iter()
                .filter_map(|(k, v)| Some((&*k.name, v.as_str()?)))
                .collect(),
        )
    }

    /// The object's labels as string pairs.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.metadata()
            .and_then(|m| m.get("labels"))
            .map(|l| l.entries())
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| Some((&*k.name, v.as_str()?)))
    }
}
