//! The bootstrap RBAC policy every API server creates at start-up: the `kubernetes.io/
//! bootstrapping: rbac-defaults` ClusterRoles, ClusterRoleBindings, Roles and RoleBindings, as
//! served by kube-apiserver v1.36.3 with default feature gates (read back from a real API
//! server into `defaults/bootstrap-v1.36.jsonl`; aggregated roles keep their served rules, which
//! the engine recomputes from their `aggregationRule`, and a test checks the two agree).
//!
//! All of them are included: the user-facing roles (`cluster-admin`, `admin`, `edit`, `view`,
//! the `system:aggregate-to-*` parts), discovery and self-review roles (`system:basic-user`,
//! `system:discovery`, `system:public-info-viewer`, `system:service-account-issuer-discovery`),
//! the node, scheduler, controller-manager, kube-proxy and `system:controller:*` roles, the
//! certificate approver roles, and the namespaced roles in `kube-system` and `kube-public`.

use std::sync::OnceLock;
use stockade_inventory::{Object, ObjectOrigin};
use stockade_sources::node_from_json;

/// The Kubernetes version the defaults were read from.
pub const VERSION: &str = "v1.36.3";

/// The origin name given to built-in objects.
pub const ORIGIN: &str = "built-in RBAC defaults (kube-apiserver v1.36)";

const DATA: &str = include_str!("../defaults/bootstrap-v1.36.jsonl");

/// The built-in objects, parsed once.
pub fn objects() -> &'static [Object] {
    static OBJECTS: OnceLock<Vec<Object>> = OnceLock::new();
    OBJECTS.get_or_init(|| {
        DATA.lines()
            .filter(|l| !l.trim().is_empty())
            // The data is ours and checked by a test; a line that does not parse is skipped
            // rather than taking the process down.
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                Object::new(
                    node_from_json(v),
                    ObjectOrigin::Cluster {
                        cluster: ORIGIN.to_string(),
                    },
                )
            })
            .collect()
    })
}

/// Whether an object carries the bootstrap label, as the API server's own defaults do.
pub fn is_bootstrap(o: &Object) -> bool {
    o.label("kubernetes.io/bootstrapping") == Some("rbac-defaults")
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_line_parses_into_an_rbac_object() {
        let lines = super::DATA.lines().filter(|l| !l.trim().is_empty()).count();
        let objs = super::objects();
        assert_eq!(objs.len(), lines);
        assert!(objs.len() > 100);
        for o in objs {
            assert!(
                matches!(
                    o.kind(),
                    "ClusterRole" | "ClusterRoleBinding" | "Role" | "RoleBinding"
                ),
                "{}",
                o.kind()
            );
            assert!(super::is_bootstrap(o), "{}", o.display_name());
        }
    }
}
