//! What the API says about an object's identity: the key a reference names, and the
//! normalized namespace (from the catalogue of built-in resources).

use crate::Object;

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
