//! Benchmark: `who-can` over 10,000 bindings and 5,000 roles, after loading.
//!
//! `cargo run --release -p stockade-rbac --example bench_who_can [ROLES] [BINDINGS]`
//! prints the model build time and the time per who-can query (median and worst of several
//! different questions). The figure is recorded in docs/rbac.md.

use serde_json::json;
use std::time::Instant;
use stockade_inventory::{Object, ObjectOrigin};
use stockade_rbac::{Model, Request, defaults};

fn obj(v: serde_json::Value) -> Object {
    Object::new(
        stockade_sources::node_from_json(v),
        ObjectOrigin::Cluster {
            cluster: "bench".into(),
        },
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let roles: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5_000);
    let bindings: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let namespaces = 200;
    let resources = [
        "pods",
        "secrets",
        "configmaps",
        "deployments",
        "services",
        "jobs",
    ];
    let verbs = ["get", "list", "watch", "create", "update", "delete"];
    let mut objects = Vec::new();
    // Half ClusterRoles, half Roles spread over the namespaces; 4 rules each.
    for i in 0..roles {
        let rules: Vec<_> = (0..4)
            .map(|k| {
                json!({"apiGroups": ["", "apps", "batch"], "resources": [resources[(i + k) % 6], format!("{}/status", resources[(i + 2 * k) % 6])],
                       "verbs": [verbs[(i + k) % 6], verbs[(i * 7 + k) % 6]]})
            })
            .collect();
        if i % 2 == 0 {
            objects.push(obj(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": format!("cr{i}")}, "rules": rules}),
            ));
        } else {
            objects.push(obj(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": format!("r{i}"), "namespace": format!("ns{}", (i / 2) % namespaces)}, "rules": rules})));
        }
    }
    // 10% ClusterRoleBindings, the rest RoleBindings; 3 subjects each.
    for i in 0..bindings {
        let subjects = json!([
            {"kind": "User", "name": format!("user{}", i % 3000)},
            {"kind": "Group", "name": format!("group{}", i % 300)},
            {"kind": "ServiceAccount", "name": format!("sa{}", i % 50), "namespace": format!("ns{}", i % namespaces)},
        ]);
        if i % 10 == 0 {
            let r = (i * 2) % roles / 2 * 2;
            objects.push(obj(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": format!("crb{i}")},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("cr{r}")},
                "subjects": subjects})));
        } else {
            let ns = i % namespaces;
            let role_ref = if i % 3 == 0 {
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("cr{}", (i * 2) % roles / 2 * 2)})
            } else {
                // A Role of the same namespace: r{j}, j odd, with (j / 2) % namespaces == ns.
                let per_ns = (roles / 2 / namespaces).max(1);
                let j = 2 * (ns + namespaces * (i % per_ns)) + 1;
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("r{j}")})
            };
            objects.push(obj(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": format!("rb{i}"), "namespace": format!("ns{ns}")},
                "roleRef": role_ref, "subjects": subjects}),
            ));
        }
    }
    let t = Instant::now();
    let model = Model::from_objects(objects.iter().collect(), defaults::objects());
    let build = t.elapsed();
    let resolved = model.bindings.iter().filter(|b| b.role.is_some()).count();
    let questions = [
        Request::resource("get", "", "secrets", "", "", "ns7"),
        Request::resource("list", "", "secrets", "", "", ""),
        Request::resource("create", "apps", "deployments", "", "", "ns42"),
        Request::resource("update", "", "pods", "status", "", "ns3"),
        Request::resource("delete", "batch", "jobs", "", "x", "ns199"),
        Request::resource("create", "", "pods", "exec", "", "ns1"),
        Request::resource("watch", "", "configmaps", "", "", ""),
        Request::non_resource("get", "/healthz"),
    ];
    let mut times = Vec::new();
    let mut answers = 0;
    for _ in 0..5 {
        for q in &questions {
            let t = Instant::now();
            answers += std::hint::black_box(model.who_can(q)).len();
            times.push(t.elapsed());
        }
    }
    times.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!(
        "roles {} bindings {} (resolved {resolved}) + {} built-in objects",
        roles,
        bindings,
        defaults::objects().len()
    );
    println!("model build: {:.1} ms", ms(build));
    println!(
        "who-can: {} queries, median {:.3} ms, worst {:.3} ms ({answers} grants listed)",
        times.len(),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
}
