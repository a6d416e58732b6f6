//! `stockade netpol`: the real binary on real manifests — verdicts, exit codes, JSON, errors.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn stockade() -> Command {
    let mut c = Command::cargo_bin("stockade").expect("binary built");
    c.env("NO_COLOR", "1");
    c
}

const WORLD: &str = "apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: web:1, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: prod}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: pg, image: postgres:16, ports: [{name: pg, containerPort: 5432}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: batch}
spec:
  schedule: '@daily'
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: report}}
        spec:
          containers: [{name: r, image: r:1}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: prod}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: pg}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports: [{port: http}]
  egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
    ports: [{port: 443}]
";

fn world() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("world.yaml"), WORLD).unwrap();
    d
}

#[test]
fn reach_allowed_exits_0_and_names_the_deciding_rules() {
    let d = world();
    stockade()
        .args([
            "netpol", "reach", "--from", "prod/web", "--to", "prod/db", "--port", "5432/TCP",
        ])
        .arg(d.path())
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "allowed: prod/web -> prod/db on 5432/TCP",
        ))
        .stdout(predicate::str::contains(
            "allowed by prod/web spec.egress[0]",
        ))
        .stdout(predicate::str::contains(
            "allowed by prod/db spec.ingress[0]",
        ))
        .stdout(predicate::str::contains("world.yaml:"));
}

#[test]
fn reach_denied_exits_1_and_json_carries_allowed() {
    let d = world();
    let out = stockade()
        .args([
            "netpol",
            "reach",
            "--from",
            "batch/report",
            "--to",
            "prod/db",
            "--port",
            "5432",
            "-o",
            "json",
        ])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["allowed"], false);
    assert_eq!(v["from"]["kind"], "CronJob");
    assert_eq!(v["egress"]["isolated"], false);
    assert_eq!(v["ingress"]["isolated"], true);
    assert_eq!(v["ingress"]["policies"].as_array().unwrap().len(), 2);
    assert_eq!(v["allowedPorts"], "no port");
    // The wrong port is denied even between pods that may talk.
    stockade()
        .args([
            "netpol", "reach", "--from", "prod/web", "--to", "prod/db", "--port", "5433/TCP",
        ])
        .arg(d.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "allow only TCP 5432, not 5433/TCP",
        ));
}

#[test]
fn reach_to_an_external_address_uses_ip_blocks() {
    let d = world();
    stockade()
        .args([
            "netpol",
            "reach",
            "--from",
            "prod/web",
            "--to",
            "203.0.113.7",
            "--port",
            "443",
        ])
        .arg(d.path())
        .assert()
        .code(0);
    stockade()
        .args([
            "netpol", "reach", "--from", "prod/web", "--to", "10.1.2.3", "--port", "443",
        ])
        .arg(d.path())
        .assert()
        .code(1);
}

#[test]
fn matrix_text_and_json() {
    let d = world();
    stockade()
        .args(["netpol", "matrix"])
        .arg(d.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("batch/report"))
        .stdout(predicate::str::contains("TCP 5432"))
        .stdout(predicate::str::contains(
            "0.0.0.0/0 except 10.0.0.0/8 (TCP 443)",
        ));
    let out = stockade()
        .args(["netpol", "matrix", "-o", "json", "-n", "prod"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db", "web"]);
    let sets = v["portSets"].as_array().unwrap();
    let cell = |r: usize, c: usize| {
        sets[v["cells"][r][c].as_u64().unwrap() as usize]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(cell(1, 0), "TCP 5432"); // web -> db
    assert_eq!(cell(0, 1), "no port"); // db -> web: db's egress is denied
}

#[test]
fn explain_lists_policies_and_peers() {
    let d = world();
    stockade()
        .args(["netpol", "explain", "prod/db"])
        .arg(d.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("prod/statefulset/db"))
        .stdout(predicate::str::contains("prod/default-deny"))
        .stdout(predicate::str::contains(
            "from pods in the policy's namespace with labels app=web; TCP 5432",
        ))
        .stdout(predicate::str::contains(
            "reachable from 1 workload(s):\n    prod/web (TCP 5432)",
        ));
}

#[test]
fn unknown_workloads_and_bad_ports_are_usage_errors() {
    let d = world();
    stockade()
        .args(["netpol", "reach", "--from", "prod/nope", "--to", "prod/db"])
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no workload \"prod/nope\"; known workloads include: prod/db, prod/web",
        ));
    stockade()
        .args([
            "netpol", "reach", "--from", "prod/web", "--to", "prod/db", "--port", "http/TCP",
        ])
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected a port number"));
}

#[test]
fn invalid_policies_are_input_errors_with_locations() {
    let d = world();
    std::fs::write(
        d.path().join("bad.yaml"),
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: prod}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - podSelector:\n        matchExpressions: [{key: app, operator: in, values: [web]}]\n",
    )
    .unwrap();
    stockade()
        .args([
            "netpol", "reach", "--from", "prod/web", "--to", "prod/db", "--port", "5432/TCP",
        ])
        .arg(d.path())
        .assert()
        .code(2)
        .stdout(predicate::str::starts_with("allowed"))
        .stderr(predicate::str::contains("bad.yaml:9:"))
        .stderr(predicate::str::contains("unknown operator \"in\""));
}

#[test]
fn stdin_works_like_scan() {
    stockade()
        .args([
            "netpol", "reach", "--from", "prod/web", "--to", "prod/db", "--port", "5432/TCP", "-",
        ])
        .write_stdin(WORLD)
        .assert()
        .code(0);
}

#[test]
fn hardened_example_web_is_reachable_only_as_written() {
    let hardened = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hardened");
    stockade()
        .args(["netpol", "explain", "shop/web"])
        .arg(&hardened)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("isolated by 2 policies"))
        .stdout(predicate::str::contains(
            "kubernetes.io/metadata.name=ingress-nginx",
        ));
}
