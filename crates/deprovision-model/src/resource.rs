//! The resource of a plan's object, from the one catalogue of kinds.

use crate::plan::ObjRef;
use stockade_model::kinds::Resource;

/// Kinds a scan does not list that a node plan reads and acts on: what a retired node leaves
/// behind.
pub const NODE_KINDS: &[&str] = &[
    "Lease",
    "CSINode",
    "VolumeAttachment",
    "CertificateSigningRequest",
];

/// The resource Stockade knows for an object's kind (and group, when two groups serve the
/// kind); `None` for a kind Stockade does not act on.
pub fn resource_of(r: &ObjRef) -> Option<&'static Resource> {
    let all = || {
        stockade_model::kinds::scanned().chain(
            stockade_model::kinds::RESOURCES
                .iter()
                .filter(|x| NODE_KINDS.contains(&x.kind) && !x.version.contains("beta")),
        )
    };
    all()
        .find(|x| x.kind == r.kind && r.api_version.starts_with(x.group))
        .or_else(|| all().find(|x| x.kind == r.kind))
}

/// `plural.group` as kubectl names the resource (`rolebindings.rbac.authorization.k8s.io`).
pub fn kubectl_resource(r: &ObjRef) -> String {
    match resource_of(r) {
        Some(res) if res.group.is_empty() => res.plural.to_string(),
        Some(res) => format!("{}.{}", res.plural, res.group),
        None => r.kind.to_lowercase(),
    }
}
