//! One view of the pod spec inside every workload kind, keeping exact field paths.

use crate::Object;
use stockade_model::FieldPath;
use stockade_sources::Node;

/// Kinds that carry a pod spec (the catalogue's).
pub use stockade_model::kinds::WORKLOAD_KINDS;

/// Path from the object root to the pod template's `metadata` and `spec`, per kind.
pub(crate) fn prefixes(kind: &str) -> Option<(&'static str, &'static str)> {
    stockade_model::kinds::workload(kind).map(|w| (w.meta_path, w.spec_path))
}

/// The parsed prefix paths, per kind, built once: `PodSpecView::of` runs for every rule on
/// every workload, so it must not parse or allocate paths.
fn prefix_paths(kind: &str) -> Option<&'static (FieldPath, FieldPath)> {
    static PATHS: std::sync::LazyLock<Vec<(&'static str, (FieldPath, FieldPath))>> =
        std::sync::LazyLock::new(|| {
            WORKLOAD_KINDS
                .iter()
                .filter_map(|k| {
                    let (m, s) = prefixes(k)?;
                    Some((*k, (FieldPath::parse(m), FieldPath::parse(s))))
                })
                .collect()
        });
    PATHS.iter().find(|(k, _)| *k == kind).map(|(_, p)| p)
}

/// Which list a container is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    /// `containers`.
    Regular,
    /// `initContainers`.
    Init,
    /// `ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The field name of the list.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Regular => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// The pod spec of a workload object.
#[derive(Clone, Debug)]
pub struct PodSpecView<'a> {
    /// The workload object.
    pub object: &'a Object,
    /// The pod spec mapping.
    pub spec: &'a Node,
    /// Path of the pod spec within the object (`spec.template.spec`).
    pub spec_path: &'static FieldPath,
    /// The pod template's metadata (the object's own metadata for a Pod), if present.
    pub meta: Option<&'a Node>,
    /// Path of that metadata.
    pub meta_path: &'static FieldPath,
}

/// One container of a pod spec.
#[derive(Clone, Debug)]
pub struct ContainerView<'a> {
    /// The container mapping.
    pub node: &'a Node,
    /// Path of the container within the object.
    pub path: FieldPath,
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Index within its list.
    pub index: usize,
}

/// One entry of a container's `ports`, as written.
#[derive(Clone, Copy, Debug)]
pub struct ContainerPortView<'a> {
    /// The port mapping.
    pub node: &'a Node,
    /// Index within the container's `ports` (see [`ContainerView::port_path`]).
    pub index: usize,
}

impl<'a> ContainerPortView<'a> {
    /// `name`, when set.
    pub fn name(&self) -> Option<&'a str> {
        self.node.get("name").and_then(Node::as_str)
    }

    /// `containerPort`, when an integer (any value: callers check the range).
    pub fn number(&self) -> Option<i64> {
        self.node.get("containerPort").and_then(Node::as_i64)
    }

    /// `protocol`, when set (the API defaults it to `TCP`).
    pub fn protocol(&self) -> Option<&'a str> {
        self.node.get("protocol").and_then(Node::as_str)
    }
}

impl<'a> ContainerView<'a> {
    /// `name` (empty when missing).
    pub fn name(&self) -> &'a str {
        self.node.get("name").and_then(Node::as_str).unwrap_or("")
    }

    /// `image`, when set.
    pub fn image(&self) -> Option<&'a str> {
        self.node.get("image").and_then(Node::as_str)
    }

    /// `securityContext`, when set.
    pub fn security_context(&self) -> Option<&'a Node> {
        self.node.get("securityContext")
    }

    /// A field under the container's `securityContext`.
    pub fn sc(&self, rel: &str) -> Option<&'a Node> {
        self.security_context()?.at(rel)
    }

    /// The container's `ports`, in order.
    pub fn ports(&self) -> impl Iterator<Item = ContainerPortView<'a>> + use<'a> {
        self.node
            .get("ports")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(index, node)| ContainerPortView { node, index })
    }

    /// Path of entry `index` of the container's `ports`.
    pub fn port_path(&self, index: usize) -> FieldPath {
        self.path.key("ports").index(index)
    }

    /// Path of a field relative to the container.
    pub fn path_of(&self, rel: &str) -> FieldPath {
        self.path.join(rel)
    }

    /// `Container "name"` / `init container "name"` for messages.
    pub fn describe(&self) -> String {
        let what = match self.kind {
            ContainerKind::Regular => "container",
            ContainerKind::Init => "init container",
            ContainerKind::Ephemeral => "ephemeral container",
        };
        format!("{what} {:?}", self.name())
    }
}

impl<'a> PodSpecView<'a> {
    /// The pod spec of `object`, when it is a workload kind that has one.
    pub fn of(object: &'a Object) -> Option<PodSpecView<'a>> {
        let idx = object.pod_index.as_ref()?;
        let (meta_path, spec_path) = prefix_paths(object.kind())?;
        let spec_node = crate::object::follow(&object.root, &idx.spec)?;
        if !matches!(spec_node.value, stockade_sources::Value::Map(_)) {
            return None;
        }
        Some(PodSpecView {
            object,
            spec: spec_node,
            spec_path,
            meta: idx
                .meta
                .as_deref()
                .and_then(|m| crate::object::follow(&object.root, m)),
            meta_path,
        })
    }

    /// A field of the pod spec (dotted path).
    pub fn get(&self, rel: &str) -> Option<&'a Node> {
        self.spec.at(rel)
    }

    /// Path of a field relative to the pod spec.
    pub fn path_of(&self, rel: &str) -> FieldPath {
        self.spec_path.join(rel)
    }

    /// A pod-level `securityContext` field.
    pub fn pod_sc(&self, rel: &str) -> Option<&'a Node> {
        self.spec.get("securityContext")?.at(rel)
    }

    /// Containers of the given lists, in order: containers, then init, then ephemeral.
    pub fn containers_of(&self, kinds: &[ContainerKind]) -> Vec<ContainerView<'a>> {
        let mut out = Vec::new();
        for &k in kinds {
            if let Some(list) = self.spec.get(k.field()) {
                let base = self.spec_path.key(k.field());
                for (i, node) in list.items().iter().enumerate() {
                    out.push(ContainerView {
                        node,
                        path: base.index(i),
                        kind: k,
                        index: i,
                    });
                }
            }
        }
        out
    }

    /// Every container: regular, init and ephemeral.
    pub fn all_containers(&self) -> Vec<ContainerView<'a>> {
        self.containers_of(&[
            ContainerKind::Regular,
            ContainerKind::Init,
            ContainerKind::Ephemeral,
        ])
    }

    /// Regular and init containers (the ones that run for the pod's lifetime or at start).
    pub fn containers(&self) -> Vec<ContainerView<'a>> {
        self.containers_of(&[ContainerKind::Regular, ContainerKind::Init])
    }

    /// Labels of the pods this workload creates.
    pub fn pod_labels(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.meta
            .and_then(|m| m.get("labels"))
            .map(|l| l.entries())
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| Some((&*k.name, v.as_str()?)))
    }

    /// An annotation of the pod template.
    pub fn pod_annotation(&self, k: &str) -> Option<&'a str> {
        self.meta?.get("annotations")?.get(k)?.as_str()
    }

    /// Volumes, with their paths.
    pub fn volumes(&self) -> impl Iterator<Item = (FieldPath, &'a Node)> {
        let base = self.spec_path.key("volumes");
        self.spec
            .get("volumes")
            .map(|v| v.items())
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(move |(i, n)| (base.index(i), n))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Inventory, PodSpecView};
    use stockade_sources::{Input, Limits, load_inputs};

    #[test]
    fn container_ports_as_written_with_their_paths() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        ports:\n        - {name: http, containerPort: 8080}\n        - {containerPort: 53, protocol: UDP}\n        - {containerPort: \"80\"}\n      - name: side\n";
        let load = load_inputs(
            &[Input::Stdin],
            &Limits::default(),
            &mut std::io::Cursor::new(yaml.as_bytes().to_vec()),
        );
        let inv = Inventory::from_manifests(load).0;
        let pod = PodSpecView::of(&inv.objects()[0]).unwrap();
        let cs = pod.containers();
        let ports: Vec<_> = cs[0]
            .ports()
            .map(|p| {
                (
                    p.name(),
                    p.number(),
                    p.protocol(),
                    cs[0].port_path(p.index).to_string(),
                )
            })
            .collect();
        assert_eq!(
            ports,
            vec![
                (
                    Some("http"),
                    Some(8080),
                    None,
                    "spec.template.spec.containers[0].ports[0]".to_string()
                ),
                (
                    None,
                    Some(53),
                    Some("UDP"),
                    "spec.template.spec.containers[0].ports[1]".to_string()
                ),
                (
                    None,
                    None,
                    None,
                    "spec.template.spec.containers[0].ports[2]".to_string()
                ),
            ]
        );
        assert_eq!(cs[1].ports().count(), 0);
    }
}
