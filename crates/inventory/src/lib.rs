//! The inventory: every loaded object, indexed, read-only once built, plus derived views that
//! all analyzers share.
//!
//! It owns indexing (by kind, by namespace/name, by labels) and views such as [`PodSpecView`],
//! which gives one shape to the pod spec inside every workload kind while keeping exact field
//! paths. Views borrow from the inventory; nothing is cloned. It must not judge objects: that is
//! the rules' job. It does validate the types of the fields rules read, so that a wrongly typed
//! field (`privileged: "yes"`) is a diagnostic and never a silent pass.

mod object;
mod podspec;
pub mod references;
pub mod selector;
mod validate;

pub use object::{Object, ObjectOrigin, Owner};
pub use podspec::{ContainerKind, ContainerPortView, ContainerView, PodSpecView, WORKLOAD_KINDS};
pub use references::{ObjectKey, Reference, References, Via};
pub use selector::LabelSelector;

use std::collections::HashMap;
use stockade_model::{Diagnostic, FieldPath, Location, ReadScope};
use stockade_sources::{LoadOutput, SourceFile};

/// The objects of one identity hash: nearly always one, kept inline.
#[derive(Debug, Clone)]
enum Ids {
    One([usize; 1]),
    Many(Vec<usize>),
}

impl Default for Ids {
    fn default() -> Self {
        Ids::Many(Vec::new())
    }
}

impl Ids {
    fn push(&mut self, idx: usize) {
        match self {
            Ids::Many(v) if v.is_empty() => *self = Ids::One([idx]),
            Ids::One([first]) => *self = Ids::Many(vec![*first, idx]),
            Ids::Many(v) => v.push(idx),
        }
    }

    fn as_slice(&self) -> &[usize] {
        match self {
            Ids::One(one) => one,
            Ids::Many(v) => v,
        }
    }
}

/// A hash of an object's identity with fixed keys (the same in every run).
fn identity_hash(kind: &str, ns: &str, name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (kind, ns, name).hash(&mut h);
    h.finish()
}

/// Every object of a run, indexed.
#[derive(Debug, Default)]
pub struct Inventory {
    files: Vec<SourceFile>,
    objects: Vec<Object>,
    by_kind: HashMap<String, Vec<usize>>,
    /// Every object of a kind, namespace and name, in load order: a repository with several
    /// overlays often holds more than one, and each is judged. Keyed by a hash of the identity
    /// (lookups compare the objects themselves), so the index costs a few bytes per object
    /// instead of three owned strings.
    by_name: HashMap<u64, Ids>,
    /// The reference graph, built on first use (see [`Inventory::references`]).
    references: std::sync::OnceLock<References>,
    /// What was read of each kind (manifests: everything).
    scope: ReadScope,
}

impl Inventory {
    /// Builds the inventory from loaded manifests; returns diagnostics for wrongly typed fields.
    pub fn from_manifests(load: LoadOutput) -> (Inventory, Vec<Diagnostic>) {
        let mut inv = Inventory {
            files: load.files,
            ..Inventory::default()
        };
        inv.objects.reserve_exact(load.objects.len());
        inv.by_name.reserve(load.objects.len());
        for m in load.objects {
            inv.push(Object::new(m.root, ObjectOrigin::File(m.origin)));
        }
        let diags = inv.validate();
        (inv, diags)
    }

    /// Builds an inventory from objects that came from elsewhere (a cluster, an admission request).
    pub fn from_objects(objects: Vec<Object>) -> (Inventory, Vec<Diagnostic>) {
        let mut inv = Inventory::default();
        inv.objects.reserve_exact(objects.len());
        inv.by_name.reserve(objects.len());
        for o in objects {
            inv.push(o);
        }
        let diags = inv.validate();
        (inv, diags)
    }

    /// Records what was read of each kind (a live cluster's coverage); the default is
    /// [`ReadScope::Complete`].
    pub fn with_read_scope(mut self, scope: ReadScope) -> Inventory {
        self.scope = scope;
        self
    }

    /// What was read of each kind.
    pub fn read_scope(&self) -> &ReadScope {
        &self.scope
    }

    fn push(&mut self, o: Object) {
        let idx = self.objects.len();
        match self.by_kind.get_mut(o.kind()) {
            Some(ids) => ids.push(idx),
            None => {
                self.by_kind.insert(o.kind().to_string(), vec![idx]);
            }
        }
        self.by_name
            .entry(identity_hash(
                o.kind(),
                o.namespace().unwrap_or(""),
                o.name(),
            ))
            .or_default()
            .push(idx);
        self.objects.push(o);
    }

    fn validate(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for o in &self.objects {
            for w in validate::object(o) {
                let loc = self.location(o, &w.path);
                let (p, l, c) = loc.map_or((None, 0, 0), |l| (Some(l.path), l.line, l.column));
                let written = self
                    .source_line(o, w.node.pos.line)
                    .and_then(|line| validate::written_at(line, w.node.pos.col))
                    .filter(|_| !matches!(w.node.value, stockade_sources::Value::Str(_)));
                out.push(Diagnostic {
                    level: stockade_model::DiagnosticLevel::Error,
                    code: "wrong-type".into(),
                    message: format!(
                        "{} {}: `{}` must be {}, found {} {}; {}. The API server would reject this object; rules treat the field as unset",
                        o.kind(),
                        o.display_name(),
                        w.path,
                        w.expected,
                        w.node.type_name(),
                        w.node.value,
                        validate::hint(w.expected, w.node, written),
                    ),
                    path: p,
                    line: l,
                    column: c,
                });
            }
            if let Some(pod) = PodSpecView::of(o) {
                for (path, expected, found) in validate::pod_spec(&pod) {
                    let loc = self.location(o, &path);
                    let (p, l, c) = loc.map_or((None, 0, 0), |l| (Some(l.path), l.line, l.column));
                    out.push(Diagnostic {
                        level: stockade_model::DiagnosticLevel::Error,
                        code: "wrong-type".into(),
                        message: format!(
                            "{} {}: `{path}` must be {expected}, found {found}; the API server would reject this object, so fix the type (rules treat the field as unset)",
                            o.kind(),
                            o.display_name()
                        ),
                        path: p,
                        line: l,
                        column: c,
                    });
                }
            }
        }
        out
    }

    /// All objects, in load order.
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// The position of `o` in [`Inventory::objects`], when it is one of this inventory's
    /// objects (found by address, in constant time); `None` for an object from elsewhere.
    pub fn index_of(&self, o: &Object) -> Option<usize> {
        let size = std::mem::size_of::<Object>().max(1);
        let base = self.objects.as_ptr() as usize;
        let i = (o as *const Object as usize).checked_sub(base)? / size;
        self.objects
            .get(i)
            .filter(|candidate| std::ptr::eq(*candidate, o))
            .map(|_| i)
    }

    /// Objects of one kind, in load order.
    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Object> + 'a {
        self.by_kind
            .get(kind)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
            .iter()
            .map(|&i| &self.objects[i])
    }

    /// Whether any object of `kind` is present.
    pub fn has_kind(&self, kind: &str) -> bool {
        self.by_kind.contains_key(kind)
    }

    /// The first loaded object of `kind` named `name` in namespace `ns` (`None` for
    /// cluster-scoped or unset). Several objects may share that identity (overlays of one
    /// repository); [`Inventory::get_all`] gives every one.
    pub fn get(&self, kind: &str, ns: Option<&str>, name: &str) -> Option<&Object> {
        self.get_all(kind, ns, name).next()
    }

    /// Every object of `kind` named `name` in namespace `ns`, in load order.
    pub fn get_all<'a>(
        &'a self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
    ) -> impl Iterator<Item = &'a Object> + 'a {
        let (kind, ns, name) = (
            kind.to_string(),
            ns.unwrap_or("").to_string(),
            name.to_string(),
        );
        self.by_name
            .get(&identity_hash(&kind, &ns, &name))
            .map(Ids::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.objects.get(i))
            .filter(move |o| {
                o.kind() == kind && o.namespace().unwrap_or("") == ns && o.name() == name
            })
    }

    /// Files read.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Where a field of an object is (or its nearest existing parent).
    pub fn location(&self, o: &Object, path: &FieldPath) -> Option<Location> {
        match &o.origin {
            ObjectOrigin::File(origin) => {
                let file = self.files.get(origin.file)?;
                let (pos, _) = o.root.locate(path);
                Some(Location {
                    path: file.path.clone(),
                    line: pos.line,
                    column: pos.col,
                    template: origin.template.as_deref().map(str::to_string),
                    document: origin.document,
                })
            }
            ObjectOrigin::Cluster { cluster } => Some(Location {
                path: format!("cluster:{cluster}"),
                line: 0,
                column: 0,
                template: None,
                document: 0,
            }),
        }
    }

    /// The text of the line a location points at, when it is in a file that was read.
    pub fn source_line(&self, o: &Object, line: u32) -> Option<&str> {
        match &o.origin {
            ObjectOrigin::File(origin) => self.files.get(origin.file)?.line(line),
            ObjectOrigin::Cluster { .. } => None,
        }
    }
}
