//! Differential test against a real kube-apiserver: random Roles, ClusterRoles (some
//! aggregated), RoleBindings and ClusterRoleBindings are created in unique namespaces, then
//! thousands of random access questions are put both to the API server (SubjectAccessReview)
//! and to the engine, which must agree on every one.
//!
//! The server's answers for the default seed and count are recorded in
//! `tests/golden/subject-access-review.txt` (see the README there), one line per question,
//! with the aggregation controller's result. Without a control plane `golden_answers_hold`
//! checks the engine against that file, so a plain `cargo test` re-checks the exactness claim.
//! With one, `engine_agrees_with_subject_access_review` also fails when the server's answers
//! differ from the file; `STOCKADE_UPDATE_GOLDEN=1` rewrites it from the server instead.
//!
//! The live test needs STOCKADE_TEST_APISERVER, STOCKADE_TEST_CA and STOCKADE_TEST_ADMIN_TOKEN
//! (set by `scripts/test.sh` or `. DIR/env` after `scripts/control-plane.sh start DIR`). Without
//! them it skips with a note, unless STOCKADE_REQUIRE_CLUSTER=1, when it fails.
//! STOCKADE_ORACLE_QUESTIONS and STOCKADE_ORACLE_SEED change the number of questions (default
//! 12000) and the seed; the golden file is only compared or written for the defaults.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use stockade_inventory::{Object, ObjectOrigin};
use stockade_rbac::{Model, Request, UserInfo, defaults};

struct Api {
    agent: ureq::Agent,
    base: String,
    token: String,
}

impl Api {
    fn from_env() -> Option<Api> {
        let base = std::env::var("STOCKADE_TEST_APISERVER").ok()?;
        let ca = std::env::var("STOCKADE_TEST_CA").expect("STOCKADE_TEST_CA");
        let token = std::env::var("STOCKADE_TEST_ADMIN_TOKEN").expect("STOCKADE_TEST_ADMIN_TOKEN");
        assert!(
            base.starts_with("https://127.0.0.1:"),
            "oracle tests only talk to a loopback API server, not {base}"
        );
        let pem = std::fs::read(&ca).expect("read STOCKADE_TEST_CA");
        let cert = ureq::tls::Certificate::from_pem(&pem).expect("CA is PEM");
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .max_idle_connections_per_host(16)
            .build()
            .into();
        Some(Api { agent, base, token })
    }

    fn send(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let resp = match (method, body) {
            ("POST", Some(b)) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .send_json(b),
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            ("DELETE", _) => self
                .agent
                .delete(&url)
                .header("Authorization", &auth)
                .call(),
            _ => panic!("unsupported {method}"),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let v = resp.body_mut().read_json::<Value>().unwrap_or(Value::Null);
        (status, v)
    }

    fn create(&self, path: &str, obj: &Value) {
        let (s, v) = self.send("POST", path, Some(obj));
        assert!(
            s == 201 || s == 200,
            "creating {} at {path}: HTTP {s}: {v}",
            obj["metadata"]["name"]
        );
    }

    fn sar(&self, user: &UserInfo, req: &Request) -> bool {
        let mut spec = json!({
            "user": user.name.clone().unwrap_or_default(),
            "groups": user.groups,
        });
        match req {
            Request::Resource {
                verb,
                api_group,
                resource,
                subresource,
                name,
                namespace,
            } => {
                spec["resourceAttributes"] = json!({
                    "verb": verb, "group": api_group, "resource": resource,
                    "subresource": subresource, "name": name, "namespace": namespace,
                });
            }
            Request::NonResource { verb, path } => {
                spec["nonResourceAttributes"] = json!({"verb": verb, "path": path});
            }
        }
        let body = json!({
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": spec,
        });
        let (s, v) = self.send(
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            Some(&body),
        );
        assert_eq!(s, 201, "SubjectAccessReview: HTTP {s}: {v}");
        v["status"]["allowed"].as_bool().unwrap_or(false)
    }
}

/// splitmix64: small, seeded, and enough for test generation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    fn s(&mut self, v: &[&'static str]) -> &'static str {
        v[self.below(v.len())]
    }
    fn some<T: Clone>(&mut self, v: &[T], max: usize) -> Vec<T> {
        let n = 1 + self.below(max);
        (0..n).map(|_| self.pick(v).clone()).collect()
    }
}

const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "impersonate",
    "bind",
    "escalate",
    "*",
];
const GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "rbac.authorization.k8s.io",
    "example.com",
    "*",
];
const RESOURCES: &[&str] = &[
    "pods",
    "pods/exec",
    "pods/log",
    "pods/*",
    "secrets",
    "configmaps",
    "deployments",
    "deployments/scale",
    "*/scale",
    "*/status",
    "nodes",
    "nodes/proxy",
    "serviceaccounts",
    "serviceaccounts/token",
    "roles",
    "users",
    "*",
];
const URLS: &[&str] = &[
    "/healthz",
    "/metrics",
    "/logs/*",
    "/api*",
    "/apis/apps",
    "*",
];
const NAMES: &[&str] = &["n1", "n2", "n3"];

const Q_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "impersonate",
    "bind",
    "escalate",
    "*",
    "proxy",
];
const Q_RESOURCES: &[(&str, &str)] = &[
    ("pods", ""),
    ("pods", "exec"),
    ("pods", "log"),
    ("pods", "status"),
    ("pods", "*"),
    ("secrets", ""),
    ("configmaps", ""),
    ("deployments", ""),
    ("deployments", "scale"),
    ("deployments", "status"),
    ("nodes", ""),
    ("nodes", "proxy"),
    ("serviceaccounts", ""),
    ("serviceaccounts", "token"),
    ("roles", ""),
    ("users", ""),
    ("*", ""),
    ("jobs", ""),
    ("selfsubjectaccessreviews", ""),
    ("selfsubjectreviews", ""),
    ("endpoints", ""),
];
const Q_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "rbac.authorization.k8s.io",
    "example.com",
    "*",
    "authorization.k8s.io",
    "authentication.k8s.io",
];
const Q_URLS: &[&str] = &[
    "/healthz",
    "/healthz/etcd",
    "/metrics",
    "/logs/x",
    "/logs",
    "/api",
    "/apis",
    "/api/v1",
    "/apis/apps",
    "/apis/apps/v1",
    "/version",
    "/readyz",
    "/livez",
    "/x",
    "/.well-known/openid-configuration",
    "/openid/v1/jwks",
];

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn random_rule(r: &mut Rng, cluster: bool) -> Value {
    if cluster && r.chance(15) {
        let verbs = r.some(&strs(&["get", "post", "*"]), 2);
        return json!({"verbs": verbs, "nonResourceURLs": r.some(&strs(URLS), 2)});
    }
    let mut rule = json!({
        "verbs": r.some(&strs(VERBS), 3),
        "apiGroups": r.some(&strs(GROUPS), 2),
        "resources": r.some(&strs(RESOURCES), 3),
    });
    if r.chance(20) {
        rule["resourceNames"] = json!(r.some(&strs(NAMES), 2));
    }
    rule
}

struct World {
    run: String,
    namespaces: Vec<String>,
    users: Vec<String>,
    groups: Vec<String>,
    objects: Vec<(String, Value)>, // (collection path, object)
    aggregated: Vec<String>,
}

const RBAC: &str = "/apis/rbac.authorization.k8s.io/v1";

fn generate(r: &mut Rng, run: &str) -> World {
    let namespaces: Vec<String> = (0..3).map(|i| format!("{run}-ns{i}")).collect();
    let users: Vec<String> = (0..6).map(|i| format!("{run}-u{i}")).collect();
    let groups: Vec<String> = (0..4).map(|i| format!("{run}-g{i}")).collect();
    let label_key = format!("{run}.example.com/tier");
    let run_label = json!({"stockade-oracle-run": run});
    let mut objects = Vec::new();
    let mut cluster_roles = Vec::new();
    for i in 0..14 {
        let name = format!("{run}-cr{i}");
        let mut labels = run_label.clone();
        if r.chance(60) {
            labels[&label_key] = json!(r.s(&["a", "b", "c"]).to_string());
        }
        let n = r.below(4);
        let rules: Vec<Value> = (0..n).map(|_| random_rule(r, true)).collect();
        objects.push((
            format!("{RBAC}/clusterroles"),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                   "metadata": {"name": name, "labels": labels}, "rules": rules}),
        ));
        cluster_roles.push(name);
    }
    // Aggregated ClusterRoles; their selectors only ever pick this run's roles.
    let mut aggregated = Vec::new();
    let selectors = [
        json!([{"matchLabels": {&label_key: "a"}}]),
        json!([{"matchExpressions": [{"key": &label_key, "operator": "In", "values": ["b", "c"]}]},
               {"matchLabels": {&label_key: "a"}}]),
        json!([{"matchExpressions": [{"key": &label_key, "operator": "Exists"},
                                      {"key": &label_key, "operator": "NotIn", "values": ["a"]}]}]),
    ];
    for (i, sel) in selectors.iter().enumerate() {
        let name = format!("{run}-agg{i}");
        let mut labels = run_label.clone();
        // The second one is itself picked by the first (chained aggregation).
        if i == 1 {
            labels[&label_key] = json!("a");
        }
        objects.push((
            format!("{RBAC}/clusterroles"),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                   "metadata": {"name": name, "labels": labels},
                   "aggregationRule": {"clusterRoleSelectors": sel}, "rules": []}),
        ));
        cluster_roles.push(name.clone());
        aggregated.push(name);
    }
    let mut roles_by_ns: Vec<Vec<String>> = Vec::new();
    for ns in &namespaces {
        objects.push((
            "/api/v1/namespaces".to_string(),
            json!({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": ns, "labels": run_label}}),
        ));
        let mut names = Vec::new();
        for i in 0..6 {
            let name = format!("role{i}");
            let n = r.below(4);
            let rules: Vec<Value> = (0..n).map(|_| random_rule(r, false)).collect();
            objects.push((
                format!("{RBAC}/namespaces/{ns}/roles"),
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                       "metadata": {"name": name, "namespace": ns}, "rules": rules}),
            ));
            names.push(name);
        }
        roles_by_ns.push(names);
    }
    let builtin_refs = ["view", "edit", "admin", "system:basic-user"];
    let subject = |r: &mut Rng, namespaced: bool| -> Value {
        match r.below(3) {
            0 => {
                json!({"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": r.pick(&users)})
            }
            1 => {
                let g = if r.chance(15) {
                    format!("system:serviceaccounts:{}", r.pick(&namespaces))
                } else if namespaced && r.chance(10) {
                    "system:authenticated".to_string()
                } else {
                    r.pick(&groups).clone()
                };
                json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": g})
            }
            _ => {
                let name = format!("sa{}", r.below(3));
                if namespaced && r.chance(40) {
                    json!({"kind": "ServiceAccount", "name": name})
                } else {
                    json!({"kind": "ServiceAccount", "name": name, "namespace": r.pick(&namespaces)})
                }
            }
        }
    };
    for (k, ns) in namespaces.iter().enumerate() {
        for i in 0..10 {
            let role_ref = match r.below(10) {
                0..=4 => json!({"kind": "Role", "name": r.pick(&roles_by_ns[k])}),
                5..=7 => json!({"kind": "ClusterRole", "name": r.pick(&cluster_roles)}),
                8 => json!({"kind": "ClusterRole", "name": r.pick(&builtin_refs)}),
                _ => json!({"kind": "Role", "name": "missing"}),
            };
            let mut role_ref = role_ref;
            role_ref["apiGroup"] = json!("rbac.authorization.k8s.io");
            let subjects: Vec<Value> = (0..1 + r.below(3)).map(|_| subject(r, true)).collect();
            objects.push((
                format!("{RBAC}/namespaces/{ns}/rolebindings"),
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                       "metadata": {"name": format!("rb{i}"), "namespace": ns},
                       "roleRef": role_ref, "subjects": subjects}),
            ));
        }
    }
    for i in 0..12 {
        let name = match r.below(10) {
            0..=7 => r.pick(&cluster_roles).clone(),
            8 => r.s(&builtin_refs).to_string(),
            _ => format!("{run}-missing"),
        };
        let subjects: Vec<Value> = (0..1 + r.below(3)).map(|_| subject(r, false)).collect();
        objects.push((
            format!("{RBAC}/clusterrolebindings"),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                   "metadata": {"name": format!("{run}-crb{i}"), "labels": run_label},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                   "subjects": subjects}),
        ));
    }
    World {
        run: run.to_string(),
        namespaces,
        users,
        groups,
        objects,
        aggregated,
    }
}

fn question(r: &mut Rng, w: &World) -> (UserInfo, Request) {
    let user = if r.chance(35) {
        let ns = r.pick(&w.namespaces);
        UserInfo::service_account(ns, &format!("sa{}", r.below(3)))
    } else {
        let mut groups: BTreeSet<String> = BTreeSet::new();
        for _ in 0..r.below(3) {
            groups.insert(r.pick(&w.groups).clone());
        }
        if r.chance(10) {
            groups.insert(format!("system:serviceaccounts:{}", r.pick(&w.namespaces)));
        }
        let groups: Vec<String> = groups.into_iter().collect();
        if r.chance(5) {
            UserInfo::user("system:anonymous", &groups)
        } else {
            UserInfo::user(r.pick(w.users.as_slice()).as_str(), &groups)
        }
    };
    let req = if r.chance(15) {
        Request::non_resource(r.s(&["get", "post", "put"]), r.s(Q_URLS))
    } else {
        let (res, sub) = *r.pick(Q_RESOURCES);
        let name = if r.chance(40) {
            r.s(&["n1", "n2", "n4"])
        } else {
            ""
        };
        let ns = if r.chance(20) {
            "".to_string()
        } else if r.chance(5) {
            "default".to_string()
        } else {
            r.pick(&w.namespaces).clone()
        };
        let verb = r.s(Q_VERBS);
        let group = r.s(Q_GROUPS);
        Request::resource(verb, group, res, sub, name, &ns)
    };
    (user, req)
}

struct Cleanup<'a> {
    api: &'a Api,
    world: &'a World,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let sel = format!("labelSelector=stockade-oracle-run%3D{}", self.world.run);
        for coll in ["clusterroles", "clusterrolebindings"] {
            let _ = self
                .api
                .send("DELETE", &format!("{RBAC}/{coll}?{sel}"), None);
        }
        for ns in &self.world.namespaces {
            let _ = self
                .api
                .send("DELETE", &format!("/api/v1/namespaces/{ns}"), None);
        }
    }
}

fn engine_objects(world: &World) -> Vec<Object> {
    world
        .objects
        .iter()
        .filter(|(_, o)| o["kind"] != "Namespace")
        .map(|(_, o)| {
            Object::new(
                stockade_sources::node_from_json(o.clone()),
                ObjectOrigin::Cluster {
                    cluster: "oracle".into(),
                },
            )
        })
        .collect()
}

fn rule_set(rules: &Value) -> BTreeSet<String> {
    rules
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    let pr = stockade_rbac::PolicyRule::from_node(
                        &stockade_sources::node_from_json(r.clone()),
                    );
                    format!("{pr:?}")
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn engine_agrees_with_subject_access_review() {
    let Some(api) = Api::from_env() else {
        if std::env::var("STOCKADE_REQUIRE_CLUSTER").as_deref() == Ok("1") {
            panic!("STOCKADE_REQUIRE_CLUSTER=1 but STOCKADE_TEST_APISERVER is unset");
        }
        eprintln!("note: STOCKADE_TEST_APISERVER unset; skipping the RBAC oracle test");
        return;
    };
    let api = Arc::new(api);
    let seed: u64 = std::env::var("STOCKADE_ORACLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let questions: usize = std::env::var("STOCKADE_ORACLE_QUESTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_QUESTIONS);
    let (status, version) = api.send("GET", "/version", None);
    assert_eq!(status, 200, "GET /version: {version}");
    let server_version = version["gitVersion"]
        .as_str()
        .map(|v| v.split(['-', '+']).next().unwrap_or(v).to_string())
        .unwrap_or_default();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() % 1_000_000_000)
        .unwrap_or(0);
    let run = format!("rbo{}-{stamp}", std::process::id());
    let mut rng = Rng(seed);
    let world = generate(&mut rng, &run);
    let _cleanup = Cleanup {
        api: &api,
        world: &world,
    };
    let t0 = Instant::now();
    // Namespaces first, then everything else.
    for (path, o) in world
        .objects
        .iter()
        .filter(|(_, o)| o["kind"] == "Namespace")
    {
        api.create(path, o);
    }
    for (path, o) in world
        .objects
        .iter()
        .filter(|(_, o)| o["kind"] != "Namespace")
    {
        api.create(path, o);
    }

    let objs = engine_objects(&world);
    let model = Model::from_objects(objs.iter().collect(), defaults::objects());

    // Wait for the clusterrole-aggregation controller, and check its result against ours.
    let mut aggregated: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in &world.aggregated {
        let ours: BTreeSet<String> = model
            .cluster_role(name)
            .expect("aggregated role in the model")
            .effective
            .iter()
            .map(|rr| format!("{:?}", model.rule(*rr)))
            .collect();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (_, v) = api.send("GET", &format!("{RBAC}/clusterroles/{name}"), None);
            let theirs = rule_set(&v["rules"]);
            if theirs == ours {
                let json: BTreeSet<String> = v["rules"]
                    .as_array()
                    .map(|a| a.iter().map(|r| r.to_string()).collect())
                    .unwrap_or_default();
                aggregated.insert(name.replacen(&world.run, CANON, 1), json);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "aggregated ClusterRole {name}: the controller computed\n{theirs:#?}\nthe engine\n{ours:#?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    // Sentinels, created last: once the authorizer sees them, its informers have every object
    // created before them.
    let sentinel_user = format!("{run}-sentinel");
    let ns0 = &world.namespaces[0];
    let cr_name = format!("{run}-sentinel");
    let sentinels = [
        (
            format!("{RBAC}/namespaces/{ns0}/roles"),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "sentinel", "namespace": ns0},
            "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["sentinel"]}]}),
        ),
        (
            format!("{RBAC}/namespaces/{ns0}/rolebindings"),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "sentinel", "namespace": ns0},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "sentinel"},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": sentinel_user}]}),
        ),
        (
            format!("{RBAC}/clusterroles"),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": cr_name, "labels": {"stockade-oracle-run": run}},
            "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["nodes"], "resourceNames": ["sentinel"]}]}),
        ),
        (
            format!("{RBAC}/clusterrolebindings"),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": cr_name, "labels": {"stockade-oracle-run": run}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cr_name},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": sentinel_user}]}),
        ),
    ];
    for (path, o) in &sentinels {
        api.create(path, o);
    }
    let su = UserInfo::user(&sentinel_user, &[]);
    let probes = [
        Request::resource("get", "", "configmaps", "", "sentinel", ns0),
        Request::resource("get", "", "nodes", "", "sentinel", ""),
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    while !probes.iter().all(|p| api.sar(&su, p)) {
        assert!(
            Instant::now() < deadline,
            "sentinel bindings never became visible"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let setup = t0.elapsed();

    // The questions, asked concurrently.
    let qs: Vec<(UserInfo, Request)> = (0..questions).map(|_| question(&mut rng, &world)).collect();
    let expected: Vec<bool> = qs.iter().map(|(u, q)| model.can(u, q)).collect();
    let t1 = Instant::now();
    let threads = 6;
    let qs = Arc::new(qs);
    let answers: Vec<(usize, bool)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let api = Arc::clone(&api);
                let qs = Arc::clone(&qs);
                s.spawn(move || {
                    (t..qs.len())
                        .step_by(threads)
                        .map(|i| (i, api.sar(&qs[i].0, &qs[i].1)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("SAR thread"))
            .collect()
    });
    let asked = t1.elapsed();
    let mut disagreements = Vec::new();
    let mut allowed = 0;
    for (i, real) in &answers {
        if *real {
            allowed += 1;
        }
        if expected[*i] != *real {
            disagreements.push(format!(
                "{} (groups {:?}) {}: API server {}, engine {}",
                qs[*i].0.name.as_deref().unwrap_or(""),
                qs[*i].0.groups,
                qs[*i].1.describe(),
                if *real { "allows" } else { "denies" },
                if expected[*i] { "allows" } else { "denies" },
            ));
        }
    }
    eprintln!(
        "rbac oracle: {} objects, {} questions ({allowed} allowed, {} denied), {} disagreements; setup {:.1} s, SubjectAccessReviews {:.1} s (seed {seed:#x})",
        world.objects.len() + sentinels.len(),
        answers.len(),
        answers.len() - allowed,
        disagreements.len(),
        setup.as_secs_f64(),
        asked.as_secs_f64()
    );
    assert_eq!(answers.len(), questions);

    // The server's answers against the golden file (default seed and count only).
    if seed == DEFAULT_SEED && questions == DEFAULT_QUESTIONS {
        let mut by_index = vec![false; questions];
        for (i, real) in &answers {
            by_index[*i] = *real;
        }
        let live = GoldenSar {
            server: server_version,
            world_digest: world_digest(&generate(&mut Rng(DEFAULT_SEED), CANON)),
            aggregated,
            lines: qs
                .iter()
                .zip(&by_index)
                .map(|((u, q), a)| line(*a, u, q).replace(&world.run, CANON))
                .collect(),
        };
        if std::env::var("STOCKADE_UPDATE_GOLDEN").as_deref() == Ok("1") {
            live.write();
            eprintln!(
                "rbac oracle: golden file rewritten: {}",
                golden_path().display()
            );
        } else {
            let golden = GoldenSar::read().unwrap_or_else(|e| panic!("{e}; {REFRESH}"));
            let differ = golden.differences(&live);
            assert!(
                differ.is_empty(),
                "{} live answer(s) differ from the golden file ({REFRESH}), first ones:\n{}",
                differ.len(),
                differ
                    .iter()
                    .take(20)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    } else {
        eprintln!(
            "rbac oracle: not the default seed and count; golden file neither compared nor written"
        );
    }
    assert!(
        allowed > questions / 50,
        "too few allowed answers to be a meaningful test"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements, first ones:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

const DEFAULT_SEED: u64 = 0x5EED_4B0C;
const DEFAULT_QUESTIONS: usize = 12_000;
/// The run name the golden file is written with (the live run's unique name is replaced).
const CANON: &str = "r";
const REFRESH: &str = "refresh the golden file against a real server: `. DIR/env` \
    (scripts/control-plane.sh) then STOCKADE_UPDATE_GOLDEN=1 cargo test -p stockade-rbac --test oracle";

fn golden_path() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/subject-access-review.txt")
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Names the generated objects a golden file was recorded for.
fn world_digest(w: &World) -> u64 {
    let all: Vec<&Value> = w.objects.iter().map(|(_, o)| o).collect();
    fnv1a(serde_json::to_string(&all).expect("JSON").as_bytes())
}

/// One question and its answer, as a golden line (fields never hold a space):
/// `<Y|N> <user> <groups|-> <verb> <group>/<resource>[/<subresource>] <name|-> <namespace|->`,
/// or `<Y|N> <user> <groups|-> <verb> url:<path>` for a non-resource URL. The core group is
/// `core`; `-` is empty (a cluster-wide request has namespace `-`). Groups are the ones the
/// question adds: the implicit groups every authenticator adds for that user name
/// (`system:authenticated` or `system:unauthenticated`, and a ServiceAccount's
/// `system:serviceaccounts` and `system:serviceaccounts:<ns>`) are left out.
fn line(allowed: bool, u: &UserInfo, q: &Request) -> String {
    let name = u.name.clone().unwrap_or_default();
    let implicit = UserInfo::user(&name, &[]).groups;
    let groups: Vec<&str> = u
        .groups
        .iter()
        .filter(|g| !implicit.contains(g))
        .map(String::as_str)
        .collect();
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_string()
        }
    };
    let what = match q {
        Request::Resource {
            verb,
            api_group,
            resource,
            subresource,
            name,
            namespace,
        } => {
            let group = if api_group.is_empty() {
                "core"
            } else {
                api_group
            };
            let sub = if subresource.is_empty() {
                String::new()
            } else {
                format!("/{subresource}")
            };
            format!(
                "{verb} {group}/{resource}{sub} {} {}",
                dash(name),
                dash(namespace)
            )
        }
        Request::NonResource { verb, path } => format!("{verb} url:{path}"),
    };
    format!(
        "{} {} {} {what}",
        if allowed { 'Y' } else { 'N' },
        dash(&name),
        dash(&groups.join(","))
    )
}

/// The recorded answers: `tests/golden/subject-access-review.txt`.
struct GoldenSar {
    /// `v1.36.3`: the kube-apiserver that answered.
    server: String,
    world_digest: u64,
    /// Aggregated ClusterRole → the rules the aggregation controller gave it, as JSON.
    aggregated: BTreeMap<String, BTreeSet<String>>,
    /// One line per question, in the order they are generated.
    lines: Vec<String>,
}

impl GoldenSar {
    fn read() -> Result<GoldenSar, String> {
        let p = golden_path();
        let text =
            std::fs::read_to_string(&p).map_err(|e| format!("reading {}: {e}", p.display()))?;
        let mut g = GoldenSar {
            server: String::new(),
            world_digest: 0,
            aggregated: BTreeMap::new(),
            lines: Vec::new(),
        };
        for l in text.lines() {
            if let Some(v) = l.strip_prefix("# kube-apiserver ") {
                g.server = v.trim().to_string();
            } else if let Some(d) = l.strip_prefix("# world ") {
                g.world_digest = u64::from_str_radix(d.trim(), 16)
                    .map_err(|e| format!("{}: bad world digest: {e}", p.display()))?;
            } else if let Some(rest) = l.strip_prefix("aggregated ") {
                let (name, rule) = rest
                    .split_once(' ')
                    .ok_or_else(|| format!("{}: bad line {l:?}", p.display()))?;
                g.aggregated
                    .entry(name.to_string())
                    .or_default()
                    .insert(rule.to_string());
            } else if l.starts_with("Y ") || l.starts_with("N ") {
                g.lines.push(l.to_string());
            } else if !l.is_empty() && !l.starts_with('#') {
                return Err(format!("{}: bad line {l:?}", p.display()));
            }
        }
        Ok(g)
    }

    fn write(&self) {
        let mut out = format!(
            "# SubjectAccessReview answers of a real server to the RBAC oracle's questions\n\
             # (crates/rbac/tests/oracle.rs; format in README.md).\n\
             # kube-apiserver {}\n\
             # seed {DEFAULT_SEED:#x}, {DEFAULT_QUESTIONS} questions\n\
             # world {:016x}\n",
            self.server, self.world_digest
        );
        for (name, rules) in &self.aggregated {
            for r in rules {
                out.push_str(&format!("aggregated {name} {r}\n"));
            }
        }
        for l in &self.lines {
            out.push_str(l);
            out.push('\n');
        }
        let p = golden_path();
        std::fs::create_dir_all(p.parent().expect("parent")).expect("create tests/golden");
        std::fs::write(&p, out).expect("write the golden file");
    }

    /// Where `other` (today's answers) differs from these.
    fn differences(&self, other: &GoldenSar) -> Vec<String> {
        let mut out = Vec::new();
        if self.world_digest != other.world_digest {
            out.push(format!(
                "the generated objects changed since the golden file was recorded (world {:016x}, now {:016x})",
                self.world_digest, other.world_digest
            ));
            return out;
        }
        if self.aggregated != other.aggregated {
            out.push(format!(
                "aggregated ClusterRoles: golden {:#?}, now {:#?}",
                self.aggregated, other.aggregated
            ));
        }
        if self.lines.len() != other.lines.len() {
            out.push(format!(
                "{} golden answers, {} now",
                self.lines.len(),
                other.lines.len()
            ));
        }
        for (i, (g, n)) in self.lines.iter().zip(&other.lines).enumerate() {
            if g == n {
                continue;
            }
            if g.get(1..) == n.get(1..) {
                out.push(format!(
                    "question {}: {} (golden, {}) but {} now",
                    i + 1,
                    g,
                    self.server,
                    &n[..1]
                ));
            } else {
                out.push(format!(
                    "question {} is another question (golden file stale): golden {g:?}, now {n:?}",
                    i + 1
                ));
            }
        }
        out
    }
}

/// Without a cluster: the engine gives the server's recorded answer to every question of the
/// default run, and the aggregation controller's recorded result.
#[test]
fn golden_answers_hold() {
    let golden = GoldenSar::read().unwrap_or_else(|e| panic!("{e}; {REFRESH}"));
    let mut rng = Rng(DEFAULT_SEED);
    let world = generate(&mut rng, CANON);
    let objs = engine_objects(&world);
    let model = Model::from_objects(objs.iter().collect(), defaults::objects());
    let aggregated: BTreeMap<String, BTreeSet<String>> = world
        .aggregated
        .iter()
        .map(|name| {
            let ours: BTreeSet<String> = model
                .cluster_role(name)
                .expect("aggregated role in the model")
                .effective
                .iter()
                .map(|rr| format!("{:?}", model.rule(*rr)))
                .collect();
            let recorded: Vec<Value> = golden
                .aggregated
                .get(name)
                .map(|rules| {
                    rules
                        .iter()
                        .map(|r| serde_json::from_str(r).expect("JSON rule"))
                        .collect()
                })
                .unwrap_or_default();
            let theirs = rule_set(&Value::Array(recorded));
            assert_eq!(
                theirs, ours,
                "aggregated ClusterRole {name}: the controller computed (golden) vs the engine"
            );
            (
                name.clone(),
                golden.aggregated.get(name).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let lines: Vec<String> = (0..DEFAULT_QUESTIONS)
        .map(|_| {
            let (u, q) = question(&mut rng, &world);
            line(model.can(&u, &q), &u, &q)
        })
        .collect();
    let allowed = lines.iter().filter(|l| l.starts_with('Y')).count();
    let ours = GoldenSar {
        server: String::new(),
        world_digest: world_digest(&world),
        aggregated,
        lines,
    };
    let differ = golden.differences(&ours);
    eprintln!(
        "rbac golden answers ({}): {} questions ({allowed} allowed by the engine), {} differences",
        golden.server,
        ours.lines.len(),
        differ.len()
    );
    assert!(
        differ.is_empty(),
        "{} difference(s) between the engine and the recorded server answers, first ones:\n{}",
        differ.len(),
        differ
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
