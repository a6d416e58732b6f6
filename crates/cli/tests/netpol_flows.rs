//! `stockade netpol test` and `suggest`: connectivity assertions checked against exact
//! reachability (allow and deny, workloads, selectors, addresses, ports), failures explained
//! by the deciding policies, bad files and unknown workloads as errors, and suggested flows
//! that hold on the inputs they were suggested from.

mod common;

use common::{stockade, text};
use serde_json::Value;

const INPUTS: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api:1, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus, namespace: monitoring}
spec:
  selector: {matchLabels: {app: prometheus}}
  template:
    metadata: {labels: {app: prometheus}}
    spec: {containers: [{name: p, image: prom:1, ports: [{containerPort: 9090}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: prom-in, namespace: monitoring}
spec:
  podSelector: {matchLabels: {app: prometheus}}
  ingress:
  - from: [{podSelector: {}}]
"#;

fn run(flows: &str, json: bool) -> (i32, String, Value) {
    let d = tempfile::tempdir().unwrap();
    let (f, i) = (d.path().join("flows.yaml"), d.path().join("inputs.yaml"));
    std::fs::write(&f, flows).unwrap();
    std::fs::write(&i, INPUTS).unwrap();
    let mut cmd = stockade();
    cmd.args(["netpol", "test"]).arg(&f).arg(&i);
    if json {
        cmd.args(["-o", "json"]);
    }
    let out = cmd.output().unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), text(&out), doc)
}

#[test]
fn assertions_hold_fail_with_reasons_and_report_errors() {
    let flows = r#"
flows:
- name: web reaches api on http
  from: shop/web
  to: shop/api
  port: 8080/TCP
  expect: allow
  reason: the storefront calls the API
- name: nothing outside monitoring reaches prometheus
  from: {notNamespace: monitoring}
  to: {namespace: monitoring, labels: {app: prometheus}}
  expect: deny
  reason: metrics stay private
- name: the internet cannot reach api
  from: 203.0.113.7
  to: shop/api
  expect: deny
- name: api reaches the internet on 443
  from: shop/api
  to: 198.51.100.0/24
  port: 443
  expect: allow
"#;
    let (code, out, _) = run(flows, false);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("4 of 4 assertions hold"), "{out}");
    // A failing assertion: web on another port; and prometheus is reachable from its namespace only.
    let failing = r#"
flows:
- name: web reaches api on 9999
  from: shop/web
  to: shop/api
  port: 9999
  expect: allow
  reason: a new endpoint
- name: nobody reaches api
  from: "*"
  to: shop/api
  expect: deny
"#;
    let (code, _, doc) = run(failing, true);
    assert_eq!(code, 1, "{doc}");
    let flows = doc["flows"].as_array().unwrap();
    assert_eq!(flows[0]["passed"], false);
    let why = flows[0]["failures"][0].as_str().unwrap();
    assert!(
        why.contains("shop/Deployment/web → shop/Deployment/api: denied")
            && why.contains("shop/api-in rule 0: TCP 8080"),
        "{why}"
    );
    assert_eq!(
        flows[1]["passed"], false,
        "prometheus is open within monitoring: {doc}"
    );
    assert_eq!(doc["failed"], 2);
    // Errors: an unknown workload, a bad port, a malformed file.
    let (code, out, _) = run(
        "flows:\n- {name: x, from: shop/nope, to: shop/api, expect: allow}\n- {name: y, from: shop/web, to: shop/api, port: http, expect: allow}\n",
        false,
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("no workload \"shop/nope\"") && out.contains("port \"http\""),
        "{out}"
    );
    let (code, out, _) = run(
        "flows:\n- {name: x, from: shop/web, to: shop/api, expect: maybe}\n",
        false,
    );
    assert_eq!(code, 2);
    assert!(out.contains("flows.yaml"), "{out}");
}

#[test]
fn suggested_flows_hold_on_their_inputs() {
    let d = tempfile::tempdir().unwrap();
    let i = d.path().join("inputs.yaml");
    std::fs::write(&i, INPUTS).unwrap();
    let out = stockade()
        .args(["netpol", "suggest"])
        .arg(&i)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(
        yaml.contains("shop/Deployment/web reaches shop/Deployment/api"),
        "{yaml}"
    );
    let f = d.path().join("flows.yaml");
    std::fs::write(&f, &yaml).unwrap();
    let out = stockade()
        .args(["netpol", "test"])
        .arg(&f)
        .arg(&i)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{yaml}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
