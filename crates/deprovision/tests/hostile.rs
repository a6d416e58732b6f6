//! Verify over hostile-looking inputs, offline: it states which groups it assumed and checks
//! the groups it is given. (The hostile names in every rendered form of a plan are
//! `stockade-report`'s tests/deprovision_hostile.rs.)

use stockade_deprovision::{Target, verify};
use stockade_inventory::Inventory;
use stockade_sources::{Input, Limits, load_inputs};

fn inv(yaml: &str) -> Inventory {
    let loaded = load_inputs(
        &[Input::parse("-")],
        &Limits::default(),
        &mut yaml.as_bytes(),
    );
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    Inventory::from_manifests(loaded).0
}

const GROUP_GRANT: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pods, namespace: shop}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-pods, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pods}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: dev}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: everyone-lists-pods}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:authenticated}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [list]}]
"#;

#[test]
fn verify_names_the_groups_it_assumed_and_checks_the_given_ones() {
    let alice = Target::parse("user:alice").unwrap();
    // Only the group binding to dev: alice passes for her implicit groups, and the verdict says
    // that this is an assumption and lists the dev binding as a path that could still apply.
    let only_dev: String = GROUP_GRANT
        .split("---")
        .take(2)
        .collect::<Vec<_>>()
        .join("---");
    let v = verify::verify(&inv(&only_dev), &alice, None, None, &[], &[]);
    assert!(v.passed, "{v:?}");
    assert_eq!(v.groups, ["system:authenticated"]);
    assert!(
        v.assumption.contains("system:authenticated") && v.assumption.contains("--group"),
        "{}",
        v.assumption
    );
    let dev = v
        .group_grants
        .iter()
        .find(|g| g.group == "dev")
        .expect("the dev binding is listed");
    assert_eq!(dev.binding, "RoleBinding shop/dev-pods");
    assert_eq!(dev.role, "Role shop/pods");
    assert!(!dev.assumed && !dev.counted);
    assert!(dev.rules.iter().any(|r| r.contains("pods")), "{dev:?}");
    // The default bindings to system:masters etc. are listed too.
    assert!(
        v.group_grants.iter().any(|g| g.group == "system:masters"),
        "{v:?}"
    );

    // Said to be in dev: fails, naming the binding.
    let v = verify::verify(&inv(&only_dev), &alice, None, None, &[], &["dev".into()]);
    assert!(!v.passed, "{v:?}");
    assert!(
        v.remaining
            .iter()
            .any(|r| r.contains("RoleBinding shop/dev-pods") && r.contains("Group dev")),
        "{:?}",
        v.remaining
    );
    assert!(
        v.assumption.contains("dev (given with --group)"),
        "{}",
        v.assumption
    );

    // A grant to system:authenticated applies to every user: it is remaining access.
    let v = verify::verify(&inv(GROUP_GRANT), &alice, None, None, &[], &[]);
    assert!(!v.passed, "{v:?}");
    assert!(
        v.remaining
            .iter()
            .any(|r| r.contains("ClusterRoleBinding everyone-lists-pods")),
        "{:?}",
        v.remaining
    );
}
