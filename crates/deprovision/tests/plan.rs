//! Plan computation on manifest inventories: which bindings are deleted or patched, which
//! roles, ServiceAccounts, tokens, Secrets and ConfigMaps go, and which are kept and why.

use stockade_deprovision::plan::{Op, Plan};
use stockade_deprovision::{Target, compute};
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

fn plan(yaml: &str, target: &str) -> Plan {
    compute(&inv(yaml), &Target::parse(target).unwrap()).unwrap()
}

/// `op Kind ns/name` of every action, in order.
fn actions(p: &Plan) -> Vec<String> {
    p.actions
        .iter()
        .map(|a| {
            let op = match a.op {
                Op::Delete => "delete",
                Op::RemoveSubjects => "remove",
                Op::Cordon => "cordon",
                Op::Evict => "evict",
            };
            format!("{op} {}", a.object.display())
        })
        .collect()
}

fn kept(p: &Plan) -> Vec<String> {
    p.kept.iter().map(|k| k.object.display()).collect()
}

const RBAC: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: alice-only, namespace: shop}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: shared-role, namespace: shop}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-pods, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: alice-only}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-config, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: shared-role}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bob-config, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: shared-role}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: contractors}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: contractor-tools}
rules: [{apiGroups: [""], resources: [pods/log], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: contractors-tools}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: contractor-tools}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: contractors}]
"#;

#[test]
fn single_subject_bindings_are_deleted_and_shared_ones_patched() {
    let p = plan(RBAC, "user:alice");
    assert_eq!(
        actions(&p),
        vec![
            "remove RoleBinding shop/team",
            "delete RoleBinding shop/alice-pods",
            "delete RoleBinding shop/alice-config",
            "delete ClusterRoleBinding alice-view",
            "delete Role shop/alice-only",
        ]
    );
    let team = &p.actions[0];
    assert_eq!(team.subjects.len(), 1);
    assert_eq!(team.subjects[0].index, 1);
    assert_eq!(team.subjects[0].name, "alice");
    assert!(
        team.reason.contains("keep User bob, Group contractors"),
        "{}",
        team.reason
    );
    // The patch tests the exact subject before removing it.
    let patch = stockade_report::deprovision::subject_patch(team).to_string();
    assert!(patch.contains(r#"{"op":"test","path":"/subjects/1","value":{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"alice"}}"#), "{patch}");
    assert!(
        patch.contains(r#"{"op":"remove","path":"/subjects/1"}"#),
        "{patch}"
    );
}

#[test]
fn a_role_only_the_removed_bindings_use_goes_and_a_shared_one_stays() {
    let p = plan(RBAC, "user:alice");
    let acts = actions(&p);
    assert!(acts.contains(&"delete Role shop/alice-only".to_string()));
    assert!(!acts.iter().any(|a| a.contains("shared-role")), "{acts:?}");
    let shared = p
        .kept
        .iter()
        .find(|k| k.object.name == "shared-role")
        .expect("shared-role is listed as kept");
    assert!(
        shared
            .reason
            .contains("still used by RoleBinding shop/bob-config (roleRef)"),
        "{}",
        shared.reason
    );
    let view = p.kept.iter().find(|k| k.object.name == "view").unwrap();
    assert!(view.reason.contains("built-in role"), "{}", view.reason);
}

#[test]
fn a_group_target_patches_and_deletes_its_bindings_and_roles() {
    let p = plan(RBAC, "group:contractors");
    assert_eq!(
        actions(&p),
        vec![
            "remove RoleBinding shop/team",
            "delete ClusterRoleBinding contractors-tools",
            "delete ClusterRole contractor-tools",
        ]
    );
    assert!(p.notes.iter().any(|n| n.contains("identity provider")));
    assert!(p.notes.iter().any(|n| n.contains("made from manifests")));
}

#[test]
fn an_unknown_subject_gives_an_empty_plan() {
    let p = plan(RBAC, "user:nobody");
    assert!(p.actions.is_empty());
    assert!(
        p.notes.iter().any(|n| n.starts_with("nothing to do")),
        "{:?}",
        p.notes
    );
}

const APP: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: builder, namespace: shop}
secrets: [{name: builder-token}, {name: registry}]
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata: {name: builder-token, namespace: shop, annotations: {kubernetes.io/service-account.name: builder}}
---
apiVersion: v1
kind: Secret
metadata: {name: registry, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: web-data, namespace: shop}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: builder
      containers:
      - name: web
        image: nginx
        env: [{name: DB, valueFrom: {secretKeyRef: {name: db, key: password}}}]
        volumeMounts: [{name: c, mountPath: /c}, {name: d, mountPath: /d}]
      volumes:
      - {name: c, configMap: {name: web-config}}
      - {name: d, persistentVolumeClaim: {claimName: web-data}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: m
        image: migrate
        env: [{name: DB, valueFrom: {secretKeyRef: {name: db, key: password}}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: builder, namespace: shop}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: builder, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: builder}
subjects: [{kind: ServiceAccount, name: builder, namespace: shop}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: shop-reader}
rules: [{apiGroups: [""], resources: [nodes], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: shop-builders}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: shop-reader}
subjects:
- {kind: ServiceAccount, name: builder, namespace: shop}
- {kind: ServiceAccount, name: api, namespace: other}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: shop-only}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: shop-reader}
subjects: [{kind: ServiceAccount, name: default, namespace: shop}]
"#;

#[test]
fn a_workload_takes_what_only_it_used_and_leaves_what_is_shared() {
    let p = plan(APP, "workload:shop/Deployment/web");
    assert_eq!(
        actions(&p),
        vec![
            "delete Deployment shop/web",
            "remove ClusterRoleBinding shop-builders",
            "delete RoleBinding shop/builder",
            "delete Secret shop/builder-token",
            "delete Secret shop/registry",
            "delete ServiceAccount shop/builder",
            "delete ConfigMap shop/web-config",
            "delete PersistentVolumeClaim shop/web-data",
            "delete Role shop/builder",
        ]
    );
    // The Secret the Job also reads stays, and says why.
    let db = p.kept.iter().find(|k| k.object.name == "db").unwrap();
    assert!(
        db.reason.contains("still used by Job shop/migrate"),
        "{}",
        db.reason
    );
    // shop-reader is still bound by shop-only (and by the patched shop-builders).
    assert!(kept(&p).is_empty() || !kept(&p).contains(&"ClusterRole shop-reader".to_string()));
    assert!(!actions(&p).iter().any(|a| a.contains("shop-reader")));
    // Secrets: a token can be re-minted, an ordinary Secret cannot come back.
    let token = p
        .actions
        .iter()
        .find(|a| a.object.name == "builder-token")
        .unwrap();
    assert!(!token.irreversible);
    assert!(token.warning.as_deref().unwrap().contains("NEW token"));
    let registry = p
        .actions
        .iter()
        .find(|a| a.object.name == "registry")
        .unwrap();
    assert!(registry.irreversible);
    assert!(
        registry
            .warning
            .as_deref()
            .unwrap()
            .contains("IRREVERSIBLE")
    );
    assert!(
        stockade_report::deprovision::text::plan(&p)
            .contains("WARNING: 2 action(s) cannot be undone")
    );
}

#[test]
fn a_service_account_in_use_by_a_workload_is_kept_but_its_grants_go() {
    let p = plan(APP, "sa:shop/builder");
    let acts = actions(&p);
    assert!(
        acts.contains(&"delete RoleBinding shop/builder".to_string()),
        "{acts:?}"
    );
    assert!(
        acts.contains(&"remove ClusterRoleBinding shop-builders".to_string()),
        "{acts:?}"
    );
    assert!(
        !acts.contains(&"delete ServiceAccount shop/builder".to_string()),
        "{acts:?}"
    );
    let sa = p
        .kept
        .iter()
        .find(|k| k.object.kind == "ServiceAccount")
        .unwrap();
    assert!(
        sa.reason
            .contains("still used by Deployment shop/web (serviceAccountName)"),
        "{}",
        sa.reason
    );
    // Its token stays with it (the ServiceAccount stays).
    assert!(
        !acts.iter().any(|a| a.contains("builder-token")),
        "{acts:?}"
    );
}

#[test]
fn an_unused_service_account_goes_with_its_tokens() {
    let yaml = APP.replace("serviceAccountName: builder", "serviceAccountName: default");
    let p = plan(&yaml, "sa:shop/builder");
    let acts = actions(&p);
    for want in [
        "delete Secret shop/builder-token",
        "delete Secret shop/registry",
        "delete ServiceAccount shop/builder",
        "delete Role shop/builder",
    ] {
        assert!(acts.contains(&want.to_string()), "{want}: {acts:?}");
    }
}

#[test]
fn a_namespace_cascades_and_revokes_its_service_accounts_elsewhere() {
    let p = plan(APP, "namespace:shop");
    assert_eq!(
        actions(&p),
        vec![
            "remove ClusterRoleBinding shop-builders",
            "delete ClusterRoleBinding shop-only",
            "delete Namespace shop",
        ]
    );
    assert!(
        p.cascade
            .iter()
            .any(|o| o.display() == "Deployment shop/web")
    );
    assert!(
        p.cascade
            .iter()
            .any(|o| o.display() == "RoleBinding shop/builder")
    );
    // shop-reader is still bound by the patched shop-builders.
    let reader = p
        .kept
        .iter()
        .find(|k| k.object.name == "shop-reader")
        .unwrap();
    assert!(
        reader.reason.contains("ClusterRoleBinding shop-builders"),
        "{}",
        reader.reason
    );
}

#[test]
fn missing_namespace_or_workload_is_an_error() {
    let i = inv(APP);
    assert!(compute(&i, &Target::parse("namespace:nope").unwrap()).is_err());
    let e = compute(&i, &Target::parse("workload:shop/Deployment/nope").unwrap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Deployment shop/nope is not among the inputs"
    );
}

#[test]
fn the_plan_file_round_trips_and_renders() {
    let p = plan(RBAC, "user:alice");
    let text = serde_json::to_string_pretty(&p).unwrap();
    assert!(text.contains("\"apiVersion\": \"stockade.dev/v1alpha1\""));
    assert!(text.contains("\"kind\": \"DeprovisionPlan\""));
    assert_eq!(Plan::from_json(&text).unwrap(), p);
    assert!(Plan::from_json("{\"apiVersion\":\"v1\"}").is_err());
    let sh = stockade_report::deprovision::kubectl::plan(&p);
    assert!(sh.starts_with("#!/bin/sh\n"));
    assert!(sh.contains("kubectl delete rolebindings.rbac.authorization.k8s.io alice-pods -n shop --ignore-not-found"), "{sh}");
    assert!(
        sh.contains(
            "kubectl patch rolebindings.rbac.authorization.k8s.io team -n shop --type=json -p '["
        ),
        "{sh}"
    );
    let y = stockade_report::deprovision::yaml::plan(&p);
    assert!(
        y.contains("---\nobject:\n") && y.contains("\nop: \"patch\"\npatch:\n"),
        "{y}"
    );
    assert!(
        y.contains("- op: \"remove\"\n  path: \"/subjects/1\"\n"),
        "{y}"
    );
}

/// A node whose pods are managed, unmanaged, a DaemonSet's and static; it joined with a
/// bootstrap token that another node used too (the token is kept as shared).
const NODE_FIXTURE: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: node-a, uid: n-a}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: rs, controller: true}]
spec:
  nodeName: node-a
  volumes: [{name: s, secret: {secretName: creds}}, {name: tmp, emptyDir: {}}]
  containers: [{name: c, image: web:1}]
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: solo, namespace: shop}
spec: {nodeName: node-a, containers: [{name: c, image: x:1}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: ds, controller: true}]
spec: {nodeName: node-a, containers: [{name: c, image: a:1}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: kube-proxy-node-a
  namespace: shop
  annotations: {kubernetes.io/config.mirror: abc}
spec: {nodeName: node-a, containers: [{name: c, image: p:1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere, namespace: shop}
spec: {nodeName: node-b, containers: [{name: c, image: x:1}]}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: shop}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
status: {disruptionsAllowed: 0}
---
apiVersion: v1
kind: Secret
metadata: {name: bootstrap-token-abcdef, namespace: kube-system}
type: bootstrap.kubernetes.io/token
---
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: csr-a}
spec: {username: "system:bootstrap:abcdef", signerName: kubernetes.io/kube-apiserver-client-kubelet, request: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIdU1JR1dBZ0VBTURReEZUQVRCZ05WQkFvTURITjVjM1JsYlRwdWIyUmxjekViTUJrR0ExVUVBd3dTYzNsegpkR1Z0T201dlpHVTZibTlrWlMxaE1Ga3dFd1lIS29aSXpqMENBUVlJS29aSXpqMERBUWNEUWdBRW9lODc2bjZtCkZFZWczYUxqbExMUlFCMWlFayt4SGViMkVCMjJ1RDhsSEZoYi9FRmNweVBydEJFM3VpN3QwTXAxRnkyRUMwR1IKMnlLT3I2czMwa0pHeUtBQU1Bb0dDQ3FHU000OUJBTUNBMGNBTUVRQ0lEWjE4NDU0Z1V2ZnpjYXV1bTZsd2NwWApkQzlvQ2kwcWxkaHhmSjgxV2JlYUFpQlV6RUZHRzFmTmlQenFyTW9SNjAwaXY4d1oxcHdnU0dQdXBjQkg2WHFOCjN3PT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg==}
status: {conditions: [{type: Approved, status: "True"}]}
---
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: csr-b}
spec: {username: "system:bootstrap:abcdef", signerName: kubernetes.io/kube-apiserver-client-kubelet, request: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIdU1JR1dBZ0VBTURReEZUQVRCZ05WQkFvTURITjVjM1JsYlRwdWIyUmxjekViTUJrR0ExVUVBd3dTYzNsegpkR1Z0T201dlpHVTZibTlrWlMxaU1Ga3dFd1lIS29aSXpqMENBUVlJS29aSXpqMERBUWNEUWdBRVNnL243dE1aCkc1cDZrYXVzTVRQNDRNTDdsUG10Q082cHBJcUc4Y1Vxc3UxcnB0N2R2M2xzWkt6Mk44QWJrNjJaRFMrNzE4S3IKYWZFMEY2Y283UllZeXFBQU1Bb0dDQ3FHU000OUJBTUNBMGNBTUVRQ0lIYnNmTXc2NUpTZXBSNzJaclBBNWd0Ngo2MWlCdXJCVW5uVEFzTWdxQytvb0FpQTllS1A4Rzh1WGk3dmFZZTRjb0NNY0tjSlpKVnBiRSs1dnZyNUsvZjNTCkZnPT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg==}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: node-a-extra}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:node:node-a"}, {kind: User, name: ops}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: tuning-node-a, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: tuned, namespace: shop, labels: {kubernetes.io/hostname: node-a}}
"#;

#[test]
fn a_node_plan_cordons_drains_revokes_and_keeps_what_is_shared() {
    let p = plan(NODE_FIXTURE, "node:node-a");
    assert_eq!(
        actions(&p),
        vec![
            "cordon Node node-a",
            "evict Pod shop/web-1",
            "evict Pod shop/solo",
            "remove ClusterRoleBinding node-a-extra",
            "delete CertificateSigningRequest csr-a",
            "delete ConfigMap shop/tuned",
            "delete Node node-a",
        ]
    );
    let web = &p.actions[1];
    let w = web.warning.as_deref().unwrap();
    assert!(
        w.contains("emptyDir") && w.contains("PodDisruptionBudget shop/web allows no disruption"),
        "{w}"
    );
    assert!(!web.irreversible);
    assert!(
        p.actions[2].irreversible,
        "an unmanaged pod does not come back"
    );
    let kept = kept(&p);
    assert!(
        kept.contains(&"Secret kube-system/bootstrap-token-abcdef".to_string()),
        "{kept:?}"
    );
    assert!(
        kept.contains(&"ConfigMap shop/tuning-node-a".to_string()),
        "{kept:?}"
    );
    let shared = p
        .kept
        .iter()
        .find(|k| k.object.name == "bootstrap-token-abcdef")
        .unwrap();
    assert!(
        shared.reason.contains("system:node:node-b"),
        "{}",
        shared.reason
    );
    let cascade: Vec<String> = p.cascade.iter().map(|o| o.display()).collect();
    assert!(
        cascade.contains(&"Pod shop/agent".to_string())
            && cascade.contains(&"Pod shop/kube-proxy-node-a".to_string()),
        "{cascade:?}"
    );
    assert!(
        p.node_reads
            .iter()
            .any(|r| r.kind == "Secret" && r.name == "creds")
    );
    let notes = p.notes.join("\n");
    assert!(
        notes.contains("cannot revoke a client certificate"),
        "{notes}"
    );
    assert!(notes.contains("not drained"), "{notes}");
    let back = Plan::from_json(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p, "the node plan file round-trips");
    let err = compute(&inv(NODE_FIXTURE), &Target::parse("node:gone").unwrap()).unwrap_err();
    assert!(err.to_string().contains("node gone"), "{err}");
}
