//! The versioned components of a cluster, read from its objects: the API server (its
//! reported version), each Node's kubelet and kube-proxy, and add-ons whose image tag names a
//! version. What each is matched against: the OSV packages it ships.

use crate::version::Version;
use stockade_inventory::{Inventory, PodSpecView};
use stockade_model::ObjectRef;
use stockade_sources::Node;

/// OSV packages of the control plane's components.
pub const CONTROL_PLANE: &[&str] = &[
    "k8s.io/kubernetes",
    "k8s.io/apiserver",
    "k8s.io/controller-manager",
];
/// OSV packages of a node's kubelet.
pub const KUBELET: &[&str] = &["k8s.io/kubernetes", "k8s.io/kubelet"];
/// Every OSV package of a Kubernetes release.
pub const RELEASE: &[&str] = &[
    "k8s.io/kubernetes",
    "k8s.io/apiserver",
    "k8s.io/controller-manager",
    "k8s.io/kubelet",
    "k8s.io/kube-proxy",
    "k8s.io/kubectl",
];

/// Add-ons whose image names a version: (image repository ending, OSV package).
const IMAGES: &[(&str, &str)] = &[
    ("ingress-nginx/controller", "k8s.io/ingress-nginx"),
    (
        "csi-secrets-store/driver",
        "sigs.k8s.io/secrets-store-csi-driver",
    ),
    ("azurefile-csi", "sigs.k8s.io/azurefile-csi-driver"),
    ("kube-proxy", "k8s.io/kube-proxy"),
    ("kube-apiserver", "k8s.io/apiserver"),
    ("kube-controller-manager", "k8s.io/controller-manager"),
];

/// What a component is, for end-of-life and skew reasoning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A whole Kubernetes release (`--version`).
    Release,
    /// The API server.
    ApiServer,
    /// A node's kubelet.
    Kubelet,
    /// A node's kube-proxy.
    Proxy,
    /// An add-on's image.
    Image,
}

/// One component at one version, and what it was found on.
#[derive(Clone, Debug)]
pub struct Component {
    /// The object it was read from (or a stand-in: `Kubernetes`, `APIServer`).
    pub object: ObjectRef,
    /// How it reads in a message (`kubelet v1.31.2`).
    pub what: String,
    /// Its version.
    pub version: Version,
    /// The OSV packages it ships.
    pub packages: Vec<&'static str>,
    /// What it is.
    pub role: Role,
}

/// A reference to something that is not (or not only) an object.
pub fn object(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: String::new(),
        kind: kind.into(),
        namespace: namespace.map(str::to_string),
        name: name.into(),
    }
}

/// A whole release at `text`, or `None` when it is not a version.
pub fn release(text: &str) -> Option<Component> {
    Some(Component {
        object: object("Kubernetes", None, text),
        what: format!("Kubernetes {text}"),
        version: Version::parse(text)?,
        packages: RELEASE.to_vec(),
        role: Role::Release,
    })
}

/// The API server at `text` (its reported `gitVersion`), or `None` when it is not a version.
pub fn api_server(text: &str) -> Option<Component> {
    Some(Component {
        object: object("APIServer", None, text),
        what: format!("kube-apiserver {text}"),
        version: Version::parse(text)?,
        packages: CONTROL_PLANE.to_vec(),
        role: Role::ApiServer,
    })
}

/// Every Node's kubelet and kube-proxy, and every add-on image with a version tag (once per
/// object and image).
pub fn discover(inv: &Inventory) -> Vec<Component> {
    let mut out = Vec::new();
    for o in inv.of_kind("Node") {
        let info = o.root.at("status.nodeInfo");
        for (field, packages, what, role) in [
            ("kubeletVersion", KUBELET, "kubelet", Role::Kubelet),
            (
                "kubeProxyVersion",
                &["k8s.io/kube-proxy"][..],
                "kube-proxy",
                Role::Proxy,
            ),
        ] {
            let Some(v) = info
                .and_then(|n| n.get(field))
                .and_then(Node::as_str)
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            if let Some(version) = Version::parse(v) {
                out.push(Component {
                    object: object("Node", None, o.name()),
                    what: format!("{what} {v}"),
                    version,
                    packages: packages.to_vec(),
                    role,
                });
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for o in inv.objects() {
        let Some(pod) = PodSpecView::of(o) else {
            continue;
        };
        for c in pod.all_containers() {
            let Some(image) = c.image() else { continue };
            let image = image.split('@').next().unwrap_or(image);
            let Some((repo, tag)) = image.rsplit_once(':').filter(|(r, _)| !r.ends_with('/'))
            else {
                continue;
            };
            let Some((_, package)) = IMAGES.iter().find(|(end, _)| repo.ends_with(end)) else {
                continue;
            };
            let Some(version) = Version::parse(tag) else {
                continue;
            };
            if !seen.insert((
                o.kind().to_string(),
                o.namespace().map(str::to_string),
                o.name().to_string(),
                image.to_string(),
            )) {
                continue;
            }
            out.push(Component {
                object: object(o.kind(), o.namespace(), o.name()),
                what: format!("image {image}"),
                version,
                packages: vec![package],
                role: Role::Image,
            });
        }
    }
    out
}
