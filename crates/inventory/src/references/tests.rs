//! The reference graph's tests.

use super::*;
use stockade_model::FieldPath;
use stockade_sources::{Input, Limits, load_inputs};

fn inv(yaml: &str) -> Inventory {
    let load = load_inputs(
        &[Input::Stdin],
        &Limits::default(),
        &mut std::io::Cursor::new(yaml.as_bytes().to_vec()),
    );
    Inventory::from_manifests(load).0
}

fn users(inv: &Inventory, key: &ObjectKey) -> Vec<String> {
    inv.references()
        .users_of(key)
        .map(|r| {
            let o = r
                .source(inv)
                .map(|o| o.oref().to_string())
                .unwrap_or_default();
            format!("{o} {:?} {}", r.via, r.path)
        })
        .collect()
}

const APP: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod, annotations: {secret.reloader.stakater.com/reload: "reload-me"}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      serviceAccountName: web
      imagePullSecrets: [{name: regcred}]
      containers:
      - name: app
        image: nginx
        args: ["--default-ssl-certificate=$(POD_NAMESPACE)/default-cert", "--configmap=ingress/nginx-conf"]
        env:
        - name: A
          valueFrom: {secretKeyRef: {name: env-secret, key: a, optional: true}}
        - name: B
          valueFrom: {configMapKeyRef: {name: env-cm, key: b}}
        envFrom:
        - secretRef: {name: envfrom-secret}
        - configMapRef: {name: envfrom-cm}
      initContainers:
      - name: init
        image: busybox
        envFrom: [{secretRef: {name: init-secret}}]
      volumes:
      - name: s
        secret: {secretName: vol-secret}
      - name: c
        configMap: {name: vol-cm}
      - name: p
        persistentVolumeClaim: {claimName: data}
      - name: proj
        projected:
          sources:
          - secret: {name: proj-secret}
          - configMap: {name: proj-cm}
          - serviceAccountToken: {path: token}
      - name: csi
        csi: {driver: x, nodePublishSecretRef: {name: csi-secret}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  selector: {app: web}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: prod}
spec:
  selector: {app: nope}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: prod
  annotations: {nginx.ingress.kubernetes.io/auth-secret: basic-auth}
spec:
  tls: [{secretName: tls-secret, hosts: [a.example.com]}]
  defaultBackend: {service: {name: fallback, port: {number: 80}}}
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web, port: {number: 80}}}
"#;

#[test]
fn workload_references_every_kind_of_field() {
    let inv = inv(APP);
    let d = inv.of_kind("Deployment").next().unwrap();
    let uses: Vec<String> = inv
        .references()
        .uses(&inv, d)
        .iter()
        .map(|r| format!("{:?} {} {}", r.via, r.target.display(), r.path))
        .collect();
    let expected = "\
PodServiceAccount ServiceAccount/prod/web spec.template.spec.serviceAccountName\n\
ImagePullSecret Secret/prod/regcred spec.template.spec.imagePullSecrets[0].name\n\
Volume Secret/prod/vol-secret spec.template.spec.volumes[0].secret.secretName\n\
Volume ConfigMap/prod/vol-cm spec.template.spec.volumes[1].configMap.name\n\
Volume PersistentVolumeClaim/prod/data spec.template.spec.volumes[2].persistentVolumeClaim.claimName\n\
ProjectedVolume Secret/prod/proj-secret spec.template.spec.volumes[3].projected.sources[0].secret.name\n\
ProjectedVolume ConfigMap/prod/proj-cm spec.template.spec.volumes[3].projected.sources[1].configMap.name\n\
Volume Secret/prod/csi-secret spec.template.spec.volumes[4].csi.nodePublishSecretRef.name\n\
Env Secret/prod/env-secret spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name\n\
Env ConfigMap/prod/env-cm spec.template.spec.containers[0].env[1].valueFrom.configMapKeyRef.name\n\
EnvFrom Secret/prod/envfrom-secret spec.template.spec.containers[0].envFrom[0].secretRef.name\n\
EnvFrom ConfigMap/prod/envfrom-cm spec.template.spec.containers[0].envFrom[1].configMapRef.name\n\
ControllerArgument Secret/prod/default-cert spec.template.spec.containers[0].args[0]\n\
ControllerArgument ConfigMap/ingress/nginx-conf spec.template.spec.containers[0].args[1]\n\
EnvFrom Secret/prod/init-secret spec.template.spec.initContainers[0].envFrom[0].secretRef.name\n\
ControllerAnnotation Secret/prod/reload-me metadata.annotations[\"secret.reloader.stakater.com/reload\"]";
    assert_eq!(uses.join("\n"), expected);
    let optional: Vec<bool> = inv
        .references()
        .uses(&inv, d)
        .iter()
        .map(|r| r.optional)
        .collect();
    assert_eq!(optional.iter().filter(|o| **o).count(), 1);
}

#[test]
fn who_uses_answers_from_the_target_side() {
    let inv = inv(APP);
    let key = ObjectKey::namespaced("Deployment", "prod", "web");
    assert_eq!(
        users(&inv, &key),
        vec!["Service/prod/web ServiceSelector spec.selector"]
    );
    assert_eq!(
        users(&inv, &ObjectKey::namespaced("Service", "prod", "fallback")),
        vec!["Ingress/prod/web IngressDefaultBackend spec.defaultBackend.service.name"]
    );
    assert_eq!(
        users(&inv, &ObjectKey::namespaced("Secret", "prod", "tls-secret")),
        vec!["Ingress/prod/web IngressTls spec.tls[0].secretName"]
    );
    assert_eq!(
        users(&inv, &ObjectKey::namespaced("Secret", "prod", "basic-auth")).len(),
        1
    );
    // Nothing matches `app: nope`.
    let other = inv
        .of_kind("Service")
        .find(|s| s.name() == "other")
        .unwrap();
    assert!(inv.references().uses(&inv, other).is_empty());
}

#[test]
fn rbac_service_account_and_storage_edges() {
    let inv = inv(r#"
apiVersion: v1
kind: ServiceAccount
metadata: {name: ci}
secrets: [{name: ci-token}]
imagePullSecrets: [{name: pull}]
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata: {name: ci-token, annotations: {kubernetes.io/service-account.name: ci}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects:
- {kind: ServiceAccount, name: ci}
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agg}
subjects: [{kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: "true"}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: part, labels: {agg: "true"}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  volumeClaimTemplates: [{metadata: {name: pg}}]
  template: {spec: {containers: [{name: pg, image: postgres}]}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pg-db-0, namespace: data}
spec: {volumeName: pv-1}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pg-db-x, namespace: data}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-1}
spec: {claimRef: {namespace: data, name: pg-db-0}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h, namespace: data}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}}
"#);
    let g = inv.references();
    assert_eq!(
        users(
            &inv,
            &ObjectKey::namespaced("ServiceAccount", "default", "ci")
        ),
        vec![
            "Secret/ci-token TokenFor metadata.annotations[\"kubernetes.io/service-account.name\"]",
            "RoleBinding/default/b Subject subjects[0].name",
        ]
    );
    assert_eq!(
        users(&inv, &ObjectKey::cluster("User", "alice")),
        vec!["RoleBinding/default/b Subject subjects[1].name"]
    );
    assert_eq!(users(&inv, &ObjectKey::cluster("Group", "devs")).len(), 1);
    assert_eq!(
        users(&inv, &ObjectKey::cluster("ClusterRole", "part")),
        vec!["ClusterRole/agg Aggregation aggregationRule.clusterRoleSelectors[0]"]
    );
    assert_eq!(
        users(
            &inv,
            &ObjectKey::namespaced("Secret", "default", "ci-token")
        )
        .len(),
        1
    );
    assert_eq!(
        users(
            &inv,
            &ObjectKey::namespaced("PersistentVolumeClaim", "data", "pg-db-0")
        ),
        vec![
            "StatefulSet/data/db VolumeClaimTemplate spec.volumeClaimTemplates[0]",
            "PersistentVolume/pv-1 ClaimRef spec.claimRef.name",
        ]
    );
    assert!(
        users(
            &inv,
            &ObjectKey::namespaced("PersistentVolumeClaim", "data", "pg-db-x")
        )
        .is_empty()
    );
    assert_eq!(
        users(&inv, &ObjectKey::namespaced("StatefulSet", "data", "db")),
        vec!["HorizontalPodAutoscaler/data/h ScaleTarget spec.scaleTargetRef.name"]
    );
    // Objects without a namespace are in `default`.
    assert!(g.exists(&ObjectKey::namespaced("ServiceAccount", "default", "ci")));
    assert!(
        g.resolve(&inv, &ObjectKey::cluster("PersistentVolume", "pv-1"))
            .is_some()
    );
}

#[test]
fn custom_resources_mention_rather_than_reference() {
    let inv = inv(r#"
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web-cert, namespace: prod}
spec: {secretName: web-tls, dnsNames: [a.example.com]}
---
apiVersion: example.com/v1
kind: Backup
metadata: {name: b, namespace: other}
spec: {target: "other/web-tls"}
---
apiVersion: example.com/v1
kind: Backup
metadata: {name: c, namespace: other2}
spec: {target: "prod/web-tls"}
"#);
    let g = inv.references();
    assert!(g.all().is_empty());
    assert_eq!(g.unknown_objects().len(), 3);
    let m = g.mentions(&inv, &ObjectKey::namespaced("Secret", "prod", "web-tls"));
    let shown: Vec<String> = m
        .iter()
        .map(|m| format!("{} {}", m.source(&inv).unwrap().oref(), m.path))
        .collect();
    assert_eq!(
        shown,
        vec![
            "Certificate/prod/web-cert spec.secretName",
            "Backup/other2/c spec.target"
        ]
    );
    // The object's own name in metadata is not a mention.
    assert!(
        g.mentions(&inv, &ObjectKey::namespaced("Secret", "prod", "web-cert"))
            .is_empty()
    );
}

#[test]
fn selectors() {
    let load = load_inputs(
        &[Input::Stdin],
        &Limits::default(),
        &mut std::io::Cursor::new(
            b"kind: X\napiVersion: v1\na: {matchLabels: {x: '1'}, matchExpressions: [{key: w, operator: NotIn, values: ['2']}, {key: z, operator: Exists}]}\nb: {matchExpressions: [{key: w, operator: Bogus}]}\n".to_vec(),
        ),
    );
    let root = &load.objects[0].root;
    let a = LabelSelector::parse(root.get("a").unwrap(), &FieldPath::root(), &mut Vec::new());
    assert!(a.matches(&[("x", "1"), ("z", "")][..]));
    assert!(a.matches(&[("x", "1"), ("w", "3"), ("z", "")][..]));
    assert!(!a.matches(&[("x", "1"), ("w", "2"), ("z", "")][..]));
    assert!(!a.matches(&[("x", "1")][..]));
    let b = LabelSelector::parse(root.get("b").unwrap(), &FieldPath::root(), &mut Vec::new());
    assert!(b.invalid && !b.matches(&[][..]));
}

#[test]
fn selectors_on_controller_added_pod_labels_select_the_controllers_pods() {
    let inv = inv(r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis, namespace: db}
spec:
  template:
    metadata: {labels: {app: redis}}
    spec: {containers: [{name: r, image: redis}]}
---
apiVersion: v1
kind: Service
metadata: {name: redis-0, namespace: db}
spec: {selector: {app: redis, statefulset.kubernetes.io/pod-name: redis-0}}
---
apiVersion: v1
kind: Pod
metadata: {name: lone, namespace: db, labels: {app: lone}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: lone, namespace: db}
spec: {selector: {app: lone, pod-template-hash: abc}}
"#);
    assert_eq!(
        users(&inv, &ObjectKey::namespaced("StatefulSet", "db", "redis")),
        vec!["Service/db/redis-0 ServiceSelector spec.selector"]
    );
    // A Pod's own labels are real: the controller label is not ignored for it.
    assert!(users(&inv, &ObjectKey::namespaced("Pod", "db", "lone")).is_empty());
}

/// Measures the build on a real-world corpus, a directory of manifests named by
/// `STOCKADE_REAL_CORPUS` (run with `--ignored --release --nocapture` to see the figure
/// quoted in docs/unused.md). Skips, saying so, when the variable is unset.
#[test]
#[ignore = "a measurement, not a check: run with --ignored --release --nocapture"]
fn build_cost_on_the_real_corpus() {
    let Some(dir) = std::env::var_os("STOCKADE_REAL_CORPUS") else {
        eprintln!("skipped: STOCKADE_REAL_CORPUS is not set (a directory of manifests)");
        return;
    };
    let dir = std::path::Path::new(&dir);
    if !dir.is_dir() {
        eprintln!(
            "skipped: STOCKADE_REAL_CORPUS={} is not a directory",
            dir.display()
        );
        return;
    }
    let loading = std::time::Instant::now();
    let load = load_inputs(
        &[Input::Path(dir.to_path_buf())],
        &Limits::default(),
        &mut std::io::empty(),
    );
    let inv = Inventory::from_manifests(load).0;
    let loaded = loading.elapsed();
    let start = std::time::Instant::now();
    let runs = 20;
    let mut refs = 0;
    for _ in 0..runs {
        refs = References::build(&inv).all().len();
    }
    let each = start.elapsed() / runs;
    eprintln!(
        "{} objects loaded in {:.1} ms; {refs} references: {:.2} ms per build",
        inv.objects().len(),
        loaded.as_secs_f64() * 1000.0,
        each.as_secs_f64() * 1000.0
    );
}

#[test]
fn index_of_finds_objects_by_address_only() {
    let inv = inv(APP);
    for (i, o) in inv.objects().iter().enumerate() {
        assert_eq!(index_of(&inv, o), Some(i));
    }
    let stray = inv.objects()[0].clone();
    assert_eq!(index_of(&inv, &stray), None);
}

#[test]
fn pdb_selectors_follow_the_api_null_selects_nothing_and_empty_everything() {
    let inv = inv(r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: all, namespace: prod}
spec: {selector: {}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: none, namespace: prod}
spec: {selector: null}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: bad, namespace: prod}
spec: {selector: {matchExpressions: [{key: app, operator: NotIn}]}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: prod}
spec: {selector: {matchExpressions: [{key: app, operator: In, values: [web]}]}}
"#);
    assert_eq!(
        users(&inv, &ObjectKey::namespaced("Deployment", "prod", "web")),
        vec![
            "PodDisruptionBudget/prod/all PdbSelector spec.selector",
            "PodDisruptionBudget/prod/web PdbSelector spec.selector",
        ]
    );
}

/// The one owner view: every `ownerReferences` entry in order, `controller: true` only when it
/// is the boolean, and whether a workload controller made the object.
#[test]
fn owners_are_read_in_order_with_their_controller_flag() {
    let inv = inv("apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: prod
  ownerReferences:
  - {kind: Node, name: n1}
  - {kind: ReplicaSet, name: web, controller: true}
  - {kind: Deployment, name: x, controller: \"true\"}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: lone, namespace: prod}
spec: {containers: [{name: c, image: nginx}]}
");
    let pod = &inv.objects()[0];
    let owners: Vec<_> = pod.owners().collect();
    assert_eq!(owners.len(), 3);
    assert_eq!(
        (owners[0].kind, owners[0].name, owners[0].controller),
        (Some("Node"), Some("n1"), false)
    );
    assert_eq!(
        (owners[1].kind, owners[1].controller),
        (Some("ReplicaSet"), true)
    );
    assert!(
        !owners[2].controller,
        "a string \"true\" is not a controller flag"
    );
    assert!(pod.is_controlled());
    assert!(pod.controlled_by_workload());
    let lone = &inv.objects()[1];
    assert_eq!(lone.owners().count(), 0);
    assert!(!lone.is_controlled() && !lone.controlled_by_workload());
}
