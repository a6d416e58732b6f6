//! `restrictedVolumes` (restricted, v1.0+; replaces `hostPathVolumes` there): only
//! ephemeral, projected and claim-backed volume types.
//!
//! Allowed volume sources: `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `image`,
//! `persistentVolumeClaim`, `projected`, `secret`. Every other inline source is restricted. A
//! volume with no known source is defaulted to `emptyDir` by the API server, so it is allowed.

use super::{Check, Forbidden, VersionedCheck, Violation};
use crate::api::Level;
use crate::pod::{Pod, join_quote, pluralize, sorted_set};
use stockade_sources::Node;

/// The check.
pub static CHECK: Check = Check {
    id: "restrictedVolumes",
    level: Level::Restricted,
    versions: &[VersionedCheck {
        since: 0,
        check: v1_0,
        overrides: &["hostPathVolumes"],
    }],
    summary: "pods may only use configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes",
};

/// Volume sources the restricted level allows.
pub const ALLOWED: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Restricted volume sources, in upstream's order of precedence.
pub const RESTRICTED: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

fn detail(names: &[String], types: &[String]) -> String {
    format!(
        "{} {} {} {} {}",
        pluralize("volume", "volumes", names.len()),
        join_quote(names),
        pluralize("uses", "use", names.len()),
        pluralize(
            "restricted volume type",
            "restricted volume types",
            types.len()
        ),
        join_quote(types)
    )
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut types = Vec::new();
    let mut violations = Vec::new();
    for (path, v) in pod.view.volumes() {
        let has = |k: &str| v.get(k).is_some_and(|n| !n.is_null());
        if ALLOWED.iter().any(|k| has(k)) {
            continue;
        }
        let Some(ty) = RESTRICTED.iter().find(|k| has(k)) else {
            continue; // no source: defaulted to emptyDir
        };
        let name = v
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        violations.push(Violation {
            path: path.key(ty),
            message: detail(std::slice::from_ref(&name), &[ty.to_string()]),
        });
        bad.push(name);
        types.push(ty.to_string());
    }
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "restricted volume types".into(),
        detail: detail(&bad, &sorted_set(types)),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::detail as d;

    #[test]
    fn volume_types() {
        assert_eq!(
            d(
                v1_0,
                "",
                "volumes: [{name: a, configMap: {name: x}}, {name: b}, {name: c, image: {reference: x}}, {name: d, hostPath: null}]"
            ),
            None
        );
        assert_eq!(
            d(v1_0, "", "volumes: [{name: a, hostPath: {path: /}}, {name: b, nfs: {server: s, path: /}}, {name: c, hostPath: {path: /x}}]").as_deref(),
            Some(r#"restricted volume types (volumes "a", "b", "c" use restricted volume types "hostPath", "nfs")"#)
        );
    }
}
