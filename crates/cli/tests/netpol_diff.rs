//! `stockade netpol diff` on hand-made before/after sets, one per NetworkPolicy v1 semantic
//! case: policyTypes (egress-only isolation), empty vs absent selectors, namespace and pod
//! selector conjunction, ipBlock with except, named ports, endPort; workloads on one side.

mod common;

use common::{stockade, text};
use serde_json::Value;

const BASE: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {team: ops}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: web, image: web:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api:1, ports: [{containerPort: 8080, name: http}, {containerPort: 9090, name: metrics}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: prom, namespace: ops}
spec:
  selector: {matchLabels: {app: prom}}
  template:
    metadata: {labels: {app: prom, tier: front}}
    spec: {containers: [{name: prom, image: prom:1}]}
"#;

/// Lost and gained changes as `RULE from -> to: ports`.
fn diff(old: &str, new: &str) -> (i32, Vec<String>) {
    let d = tempfile::tempdir().unwrap();
    let (o, n) = (d.path().join("old.yaml"), d.path().join("new.yaml"));
    std::fs::write(&o, format!("{BASE}---\n{old}")).unwrap();
    std::fs::write(&n, format!("{BASE}---\n{new}")).unwrap();
    let out = stockade()
        .args(["netpol", "diff", "-o", "json", "--old"])
        .arg(&o)
        .arg(&n)
        .output()
        .unwrap();
    let doc: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    let mut v: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let m = f["message"].as_str().unwrap();
            format!(
                "{} {}",
                f["ruleId"].as_str().unwrap(),
                m.split("; before:").next().unwrap()
            )
        })
        .collect();
    v.sort();
    (out.status.code().unwrap_or(-1), v)
}

const EMPTY: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: none, namespace: shop}\n";

#[test]
fn ingress_isolation_named_ports_and_end_port() {
    // Isolate api for ingress, allowing web on the named port `http` only.
    let named = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api-in, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: http}]\n";
    let (code, v) = diff(EMPTY, named);
    assert_eq!(code, 1, "{v:?}");
    assert!(v.contains(&"ND001 shop/Deployment/web → shop/Deployment/api: loses TCP 1-8079,8081-65535; UDP all; SCTP all".to_string()), "{v:?}");
    assert!(
        v.iter()
            .any(|x| x
                .starts_with("ND001 ops/Deployment/prom → shop/Deployment/api: loses all ports")),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|x| x.starts_with("ND001 outside: any address → shop/Deployment/api")),
        "{v:?}"
    );
    // A port range with endPort, replacing the named port: 8080-9090 gained beyond 8080.
    let range = named.replace(
        "[{port: http}]",
        "[{port: 8080, endPort: 9090, protocol: TCP}]",
    );
    let (_, v) = diff(named, &range);
    assert_eq!(
        v,
        ["ND002 shop/Deployment/web → shop/Deployment/api: gains TCP 8081-9090"],
        "{v:?}"
    );
}

#[test]
fn egress_only_isolation_and_policy_types() {
    let egress = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-out, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: api}}}]\n";
    let (_, v) = diff(EMPTY, egress);
    // web may still be reached by anyone (ingress untouched) and reach only api.
    assert!(
        v.iter().all(|x| x.contains("shop/Deployment/web →")),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|x| x
                .starts_with("ND001 shop/Deployment/web → ops/Deployment/prom: loses all ports")),
        "{v:?}"
    );
    assert!(
        !v.iter().any(|x| x.contains("→ shop/Deployment/api")),
        "web still reaches api: {v:?}"
    );
    // policyTypes [Ingress, Egress] with no ingress rules: web now also isolated for ingress.
    let both = egress.replace("policyTypes: [Egress]", "policyTypes: [Ingress, Egress]");
    let (_, v) = diff(egress, &both);
    assert!(
        v.iter()
            .all(|x| x.starts_with("ND001") && x.contains("→ shop/Deployment/web")),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|x| x.starts_with("ND001 shop/Deployment/api → shop/Deployment/web")),
        "{v:?}"
    );
}

#[test]
fn empty_and_absent_selectors_and_their_conjunction() {
    let allow = |from: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: api-in, namespace: shop}}\nspec:\n  podSelector: {{matchLabels: {{app: api}}}}\n  ingress:\n  - from: [{from}]\n"
        )
    };
    // `podSelector: {}` alone: every pod of the policy's namespace.
    let same_ns = allow("{podSelector: {}}");
    // `namespaceSelector: {}` alone: every pod of every namespace.
    let all_ns = allow("{namespaceSelector: {}}");
    let (_, v) = diff(&same_ns, &all_ns);
    assert_eq!(
        v,
        ["ND002 ops/Deployment/prom → shop/Deployment/api: gains all ports"],
        "{v:?}"
    );
    // Both in one peer: namespaces labelled team=ops AND pods tier=front (prom only), versus
    // two peers (either): the conjunction narrows.
    let and = allow(
        "{namespaceSelector: {matchLabels: {team: ops}}, podSelector: {matchLabels: {tier: front}}}",
    );
    let or = allow(
        "{namespaceSelector: {matchLabels: {team: ops}}}, {podSelector: {matchLabels: {tier: front}}}",
    );
    let (_, v) = diff(&or, &and);
    assert_eq!(
        v,
        ["ND001 shop/Deployment/web → shop/Deployment/api: loses all ports"],
        "{v:?}"
    );
}

#[test]
fn ip_blocks_with_except_and_workloads_on_one_side() {
    let egress = |block: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: api-out, namespace: shop}}\nspec:\n  podSelector: {{matchLabels: {{app: api}}}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{{ipBlock: {block}}}]\n    ports: [{{port: 443}}]\n"
        )
    };
    let wide = egress("{cidr: 10.0.0.0/8}");
    let except = egress("{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}");
    let (code, v) = diff(&wide, &except);
    assert_eq!(code, 1, "{v:?}");
    assert!(
        v.contains(&"ND001 shop/Deployment/api → outside: 10.0.0.0/8: loses TCP 443".to_string()),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|x| x
                .starts_with("ND002 shop/Deployment/api → outside: 10.0.0.0/8 except 10.1.0.0/16")),
        "{v:?}"
    );
    // A workload only in the new version, and the gate.
    let extra = format!(
        "{wide}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: worker, namespace: shop}}\nspec:\n  selector: {{matchLabels: {{app: worker}}}}\n  template:\n    metadata: {{labels: {{app: worker}}}}\n    spec: {{containers: [{{name: w, image: w:1}}]}}\n"
    );
    let (code, v) = diff(&wide, &extra);
    assert_eq!(code, 0, "nothing lost: {v:?}");
    assert_eq!(
        v,
        ["ND003 shop/Deployment/worker is only in the new inputs"]
    );
    let (code, _) = diff(&wide, &wide);
    assert_eq!(code, 0);
}
