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

/// A Kubernetes object: its tree, its identity and its origin.
#[derive(Clone, Debug)]
pub struct Object {
    /// The whole object as loaded.
    pub root: Node,
    /// Where it came from.
    pub origin: ObjectOrigin,
    /// Its identity.
    pub oref: ObjectRef,
    /// Entry positions of the pod template's `spec` and `metadata` (workload kinds only), found
    /// once here so that the pod-spec view, which every workload rule asks for, does not search.
    pub(crate) pod_index: Option<PodIndex>,
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
        let s = |p: &str| root.at(p).and_then(Node::as_str).map(str::to_string);
        let oref = ObjectRef {
            api_version: s("apiVersion").unwrap_or_default(),
            kind: s("kind").unwrap_or_default(),
            namespace: s("metadata.namespace"),
            name: s("metadata.name")
                .or_else(|| s("metadata.generateName"))
                .unwrap_or_default(),
        };
        let pod_index = crate::podspec::prefixes(&oref.kind).and_then(|(meta, spec)| {
            Some(PodIndex {
                spec: index_path(&root, spec)?,
                meta: index_path(&root, meta),
            })
        });
        Object {
            root,
            origin,
            oref,
            pod_index,
        }
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        &self.oref.kind
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        &self.oref.api_version
    }

    /// The API group (`apps` for `apps/v1`, empty for `v1`).
    pub fn api_group(&self) -> &str {
        self.oref
            .api_version
            .rsplit_once('/')
            .map_or("", |(g, _)| g)
    }

    /// `metadata.name` (or `generateName`).
    pub fn name(&self) -> &str {
        &self.oref.name
    }

    /// `metadata.namespace` as written; `None` when unset.
    pub fn namespace(&self) -> Option<&str> {
        self.oref.namespace.as_deref()
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

    /// Whether a Pod, ReplicaSet or Job was made by a workload controller from its owner's
    /// template (an `ownerReferences` entry with `controller: true` naming a workload kind).
    /// Rules report the owner, which a user edits, rather than every copy of it.
    pub fn controlled_by_workload(&self) -> bool {
        if !matches!(self.kind(), "Pod" | "ReplicaSet" | "Job") {
            return false;
        }
        self.metadata()
            .and_then(|m| m.get("ownerReferences"))
            .map(|refs| refs.items())
            .unwrap_or(&[])
            .iter()
            .any(|r| {
                r.get("controller").and_then(|c| c.as_bool()) == Some(true)
                    && r.get("kind")
                        .and_then(|k| k.as_str())
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
