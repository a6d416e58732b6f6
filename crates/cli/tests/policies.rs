//! ValidatingAdmissionPolicies in `stockade scan`: from the inputs and from `--policy`, judged
//! against every object, findings at the field the validation reads, Deny/Warn/Audit as
//! severities, params from the inputs, problems of the policy at its file:line:col, hostile
//! expressions refused within the cost bound, no Secret value in a message, valid SARIF.

mod common;

use common::{json_out, stockade, text};
use serde_json::Value;
use std::path::Path;

const POLICIES: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: images-from-our-registry
spec:
  failurePolicy: Fail
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.template.spec.containers.all(c, c.image.startsWith(params.data.registry))"
    messageExpression: "'images must come from ' + params.data.registry"
  - expression: "has(object.metadata.labels) && 'owner' in object.metadata.labels"
    message: every Deployment has an owner label
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: registry-in-shop
spec:
  policyName: images-from-our-registry
  validationActions: [Deny]
  paramRef: {name: registry, namespace: platform, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: registry, namespace: platform}
data: {registry: registry.example.com/}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: few-replicas
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
  validations:
  - expression: "object.spec.replicas <= 3"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: few-replicas-warn
spec:
  policyName: few-replicas
  validationActions: [Warn, Audit]
"#;

const APPS: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {owner: team-a}
spec:
  replicas: 5
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: docker.io/nginx:1.27}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: api, image: registry.example.com/api:1}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: elsewhere
  namespace: other
spec:
  replicas: 1
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
      - {name: x, image: docker.io/x:1}
"#;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn vap_findings(doc: &Value) -> Vec<(String, String, String, String, u64, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ruleId"].as_str().unwrap().starts_with("VAP:"))
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap().to_string(),
                f["object"]["name"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["fieldPath"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn policies_judge_every_object_with_params_selectors_and_actions() {
    let d = tempfile::tempdir().unwrap();
    let pol = write(d.path(), "policies.yaml", POLICIES);
    let apps = write(d.path(), "apps.yaml", APPS);
    let out = stockade()
        .args(["scan", &apps, "--policy", &pol, "--no-config", "-o", "json"])
        .output()
        .unwrap();
    let doc = json_out(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let got = vap_findings(&doc);
    let expected = vec![
        (
            "VAP:few-replicas".to_string(),
            "web".to_string(),
            "medium".to_string(),
            "spec.replicas".to_string(),
            8,
            "failed expression: object.spec.replicas <= 3 (binding few-replicas-warn)".to_string(),
        ),
        (
            "VAP:images-from-our-registry".into(),
            "web".into(),
            "high".into(),
            "spec.template.spec.containers".into(),
            13,
            "images must come from registry.example.com/ (binding registry-in-shop)".into(),
        ),
        (
            "VAP:images-from-our-registry".into(),
            "api".into(),
            "high".into(),
            "metadata".into(),
            18,
            "every Deployment has an owner label (binding registry-in-shop)".into(),
        ),
    ];
    assert_eq!(got, expected, "{}", text(&out));
    // The same policies among the inputs judge the same way.
    let out = stockade()
        .args(["scan", &apps, &pol, "--no-config", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(vap_findings(&json_out(&out)), expected);

    // Without the param, the binding's parameterNotFoundAction Deny refuses every match.
    let no_param = POLICIES.replace(
        "name: registry, namespace: platform}",
        "name: gone, namespace: platform}",
    );
    let pol2 = write(d.path(), "no-param.yaml", &no_param);
    let out = stockade()
        .args([
            "scan",
            &apps,
            "--policy",
            &pol2,
            "--no-config",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let got = vap_findings(&json_out(&out));
    let missing: Vec<_> = got
        .iter()
        .filter(|f| f.5.contains("no params found"))
        .map(|f| f.1.as_str())
        .collect();
    assert_eq!(missing, ["web", "api"], "{got:?}");

    // SARIF names every policy rule it reports.
    let out = stockade()
        .args([
            "scan",
            &apps,
            "--policy",
            &pol,
            "--no-config",
            "-o",
            "sarif",
        ])
        .output()
        .unwrap();
    let sarif = json_out(&out);
    let run = &sarif["runs"][0];
    let ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"VAP:few-replicas") && ids.contains(&"VAP:images-from-our-registry"),
        "{ids:?}"
    );
    for r in run["results"].as_array().unwrap() {
        let id = r["ruleId"].as_str().unwrap();
        assert!(ids.contains(&id), "{id} is not among the SARIF rules");
    }
}

#[test]
fn a_broken_policy_is_reported_at_its_line_and_the_rest_still_runs() {
    let d = tempfile::tempdir().unwrap();
    let broken = format!(
        "{POLICIES}---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: broken\nspec:\n  matchConstraints:\n    resourceRules:\n    - {{apiGroups: [\"*\"], apiVersions: [\"*\"], operations: [\"*\"], resources: [\"*\"]}}\n  validations:\n  - expression: \"object.spec.replicas >\"\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: typo\nspec:\n  policyName: brokn\n  validationActions: [Deny, Warn]\n"
    );
    let pol = write(d.path(), "policies.yaml", &broken);
    let apps = write(d.path(), "apps.yaml", APPS);
    let out = stockade()
        .args(["scan", &apps, "--policy", &pol, "--no-config", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a broken policy is an input error"
    );
    let doc = json_out(&out);
    let diags: Vec<(String, u64, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "policy")
        .map(|d| {
            (
                d["level"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let at = |line: u64, needle: &str| {
        diags
            .iter()
            .any(|(_, l, m)| *l == line && m.contains(needle))
    };
    assert!(at(66, "compilation failed"), "{diags:#?}");
    assert!(at(74, "must not contain both Deny and Warn"), "{diags:#?}");
    assert!(at(73, "names policy `brokn`"), "{diags:#?}");
    assert!(at(60, "no binding names it"), "{diags:#?}");
    // The good policies still judged.
    assert_eq!(vap_findings(&doc).len(), 3);
}

#[test]
fn a_hostile_expression_is_refused_within_the_cost_bound() {
    let d = tempfile::tempdir().unwrap();
    let hostile = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: slow}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}
  validations:
  - expression: "lists.range(1000).all(a, lists.range(1000).all(b, lists.range(1000).all(c, lists.range(1000).all(e, a + b + c + e >= 0))))"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: slow}
spec: {policyName: slow, validationActions: [Deny]}
"#;
    let pol = write(d.path(), "slow.yaml", hostile);
    let apps = write(d.path(), "apps.yaml", APPS);
    let started = std::time::Instant::now();
    let out = stockade()
        .args(["scan", &apps, "--policy", &pol, "--no-config", "-o", "json"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let got = vap_findings(&json_out(&out));
    // failurePolicy Fail: the refused evaluation denies, with the reason.
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got.iter().all(|f| f.5.contains("estimated cost")),
        "{got:?}"
    );
    // A generous bound: 10^12 steps would take hours.
    assert!(took.as_secs() < 60, "{took:?}");
}

#[test]
fn a_message_never_quotes_a_secret_value() {
    let d = tempfile::tempdir().unwrap();
    let pol = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: quote}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["secrets", "configmaps"]}
  validations:
  - expression: "false"
    messageExpression: "'got ' + object.?data.orValue({}).map(k, object.data[k]).join(', ')"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: quote}
spec: {policyName: quote, validationActions: [Deny]}
"#;
    let objs = r#"apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
data: {password: aHVudGVyMi1zM2NyZXQ=}
stringData: {token: ghp-plain-s3cret-value}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {DB_PASSWORD: Sup3rS3cretPassw0rd!, color: blue}
"#;
    let pol = write(d.path(), "quote.yaml", pol);
    let objs = write(d.path(), "objs.yaml", objs);
    for format in ["json", "table", "sarif"] {
        let out = stockade()
            .args(["scan", &objs, "--policy", &pol, "--no-config", "-o", format])
            .output()
            .unwrap();
        let t = text(&out);
        assert!(t.contains("VAP:quote"), "{t}");
        for secret in [
            "aHVudGVyMi1zM2NyZXQ=",
            "hunter2-s3cret",
            "ghp-plain-s3cret-value",
            "Sup3rS3cretPassw0rd!",
        ] {
            assert!(!t.contains(secret), "{format} output quotes {secret}: {t}");
        }
    }
}
