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

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies")
}

#[test]
fn the_bundled_policy_tests_pass_and_a_wrong_expectation_fails_with_a_diff() {
    let out = stockade()
        .args(["policy", "test"])
        .arg(examples())
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("11 result(s) in 1 file(s): 11 passed, 0 failed"),
        "{t}"
    );

    // A copy whose expectations are wrong in two ways.
    let d = tempfile::tempdir().unwrap();
    let src =
        std::fs::read_to_string(examples().join("tests/policies.stockade-test.yaml")).unwrap();
    let wrong = src
        .replace("../", &format!("{}/", examples().display()))
        .replace(
            "[resources.yaml]",
            &format!("[{}/tests/resources.yaml]", examples().display()),
        )
        .replace(
            "[old.yaml]",
            &format!("[{}/tests/old.yaml]", examples().display()),
        )
        .replacen(
            "  resources: [Deployment/shop/api]\n  result: pass",
            "  resources: [Deployment/shop/api]\n  result: fail",
            1,
        )
        .replace("message: \"from 3 to zero\"", "message: \"from 4 to zero\"");
    std::fs::write(d.path().join("wrong.stockade-test.yaml"), wrong).unwrap();
    let out = stockade()
        .args(["policy", "test"])
        .arg(d.path())
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("9 passed, 2 failed"), "{t}");
    assert!(
        t.contains("FAIL  images-from-our-registry  CREATE Deployment/shop/api\n        expected: fail\n        actual:   pass"),
        "{t}"
    );
    assert!(
        t.contains("expected: fail (Audit) with \"from 4 to zero\"\n        actual:   fail (Audit)\n        message:  scaled web from 3 to zero"),
        "{t}"
    );
    // JSON says the same.
    let out = stockade()
        .args(["policy", "test", "-o", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    let doc = json_out(&out);
    assert_eq!(
        (doc["passed"].as_u64(), doc["failed"].as_u64()),
        (Some(9), Some(2))
    );

    // A test naming a resource it does not hold, or an unknown result, is an error (exit 2).
    let broken = "apiVersion: stockade.dev/v1\nkind: PolicyTest\npolicies: [p.yaml]\nresources: [r.yaml]\nresults:\n- {policy: owner-label, resources: [Deployment/shop/nope], result: pass}\n- {policy: owner-label, resources: [Deployment/shop/web], result: maybe}\n";
    std::fs::write(d.path().join("broken.stockade-test.yaml"), broken).unwrap();
    std::fs::copy(examples().join("owner-label.yaml"), d.path().join("p.yaml")).unwrap();
    std::fs::copy(
        examples().join("tests/resources.yaml"),
        d.path().join("r.yaml"),
    )
    .unwrap();
    let out = stockade()
        .args(["policy", "test"])
        .arg(d.path().join("broken.stockade-test.yaml"))
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains(
            "ERROR results[0]: resource `Deployment/shop/nope` is not among the test's resources"
        ),
        "{t}"
    );
    assert!(
        t.contains("ERROR results[1]: result `maybe` is not fail, pass or skip"),
        "{t}"
    );
}

#[test]
fn eval_answers_as_the_api_server_for_create_update_and_delete() {
    let ex = examples();
    let res = ex.join("tests/resources.yaml");
    let old = ex.join("tests/old.yaml");
    let out = stockade()
        .args(["policy", "eval", "--policy"])
        .arg(&ex)
        .arg(&res)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc = json_out(&out);
    let by_name = |doc: &Value, kind: &str, name: &str| -> Value {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["object"]["kind"] == kind && r["object"]["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let web = by_name(&doc, "Deployment", "web");
    assert_eq!(web["allowed"], false);
    assert_eq!(web["status"]["code"], 403);
    assert_eq!(
        web["status"]["message"],
        "deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'images-from-our-registry' with binding 'images-from-our-registry' denied request: images must come from registry.example.com/, not docker.io/migrate:4"
    );
    let api = by_name(&doc, "Deployment", "api");
    assert_eq!(api["allowed"], true);
    assert_eq!(
        api["warnings"],
        serde_json::json!([
            "Validation failed for ValidatingAdmissionPolicy 'owner-label' with binding 'owner-label': every workload has an owner label naming its team"
        ])
    );
    let lb = by_name(&doc, "Service", "web");
    assert_eq!(lb["status"]["code"], 422);
    // Objects no policy applies to are left out unless --all.
    assert_eq!(by_name(&doc, "Service", "api"), Value::Null);

    // UPDATE with the old object: scaling to zero is audited, with the user's annotation.
    let out = stockade()
        .args([
            "policy",
            "eval",
            "--operation",
            "UPDATE",
            "--user",
            "alice",
            "--old",
        ])
        .arg(&old)
        .arg("--policy")
        .arg(&ex)
        .arg(&res)
        .args(["-o", "json"])
        .output()
        .unwrap();
    let doc = json_out(&out);
    let web = by_name(&doc, "Deployment", "web");
    assert_eq!(
        web["auditValidationFailures"],
        serde_json::json!([
            "Validation failed for ValidatingAdmissionPolicy 'scale-to-zero' with binding 'scale-to-zero': scaled web from 3 to zero"
        ])
    );
    assert_eq!(
        web["auditAnnotations"],
        serde_json::json!([{"key": "scale-to-zero/scaled-by", "value": "alice"}])
    );
    // The objects without an old version are said to be left out.
    assert!(
        text(&out).contains("no old object in --old for UPDATE"),
        "{}",
        text(&out)
    );

    // Text output reads like kubectl's.
    let out = stockade()
        .args(["policy", "eval", "--policy"])
        .arg(&ex)
        .arg(&res)
        .output()
        .unwrap();
    let t = text(&out);
    assert!(
        t.contains("Error from server (Forbidden): deployments.apps \"web\" is forbidden"),
        "{t}"
    );
    assert!(
        t.contains("Warning: Validation failed for ValidatingAdmissionPolicy 'owner-label'"),
        "{t}"
    );
}

#[test]
fn rules_written_in_the_config_are_first_class_rules() {
    let d = tempfile::tempdir().unwrap();
    let config = r#"policies:
- id: ORG001
  name: images-from-our-registry
  severity: high
  kinds: [Deployment, Pod]
  expression: "object.spec.?template.spec.orValue(object.spec).containers.all(c, c.image.startsWith('registry.example.com/'))"
  message: images come only from registry.example.com
  controls: ["nsa:supply-chain"]
  docs: Our registry scans and signs every image.
- id: ORG002
  name: no-load-balancer-outside-edge
  kinds: [Service]
  when: "object.spec.?type.orValue('') == 'LoadBalancer'"
  expression: "object.metadata.?namespace.orValue('default') == 'edge'"
  message-expression: "'LoadBalancer Service in ' + object.metadata.?namespace.orValue('default') + ', not edge'"
suppressions:
- rule: ORG002
  object: {kind: Service, name: legacy}
  reason: migrated next quarter
"#;
    std::fs::write(d.path().join(".stockade.yaml"), config).unwrap();
    let apps = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: docker.io/nginx:1.27}
---
apiVersion: v1
kind: Pod
metadata: {name: ok, namespace: shop}
spec:
  containers:
  - {name: ok, image: registry.example.com/ok:1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: legacy, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: internal, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
"#;
    std::fs::write(d.path().join("apps.yaml"), apps).unwrap();
    let out = stockade()
        .current_dir(d.path())
        .args(["scan", "apps.yaml", "-o", "json"])
        .output()
        .unwrap();
    let doc = json_out(&out);
    let ours: Vec<(String, String, String, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ruleId"].as_str().unwrap().starts_with("ORG"))
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap().to_string(),
                f["object"]["name"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
                f["controls"].to_string(),
            )
        })
        .collect();
    assert_eq!(
        ours,
        vec![
            (
                "ORG001".to_string(),
                "web".to_string(),
                "high".to_string(),
                "images come only from registry.example.com".to_string(),
                r#"[{"framework":"NSA-CISA","id":"supply-chain"}]"#.to_string()
            ),
            (
                "ORG002".into(),
                "web".into(),
                "medium".into(),
                "LoadBalancer Service in shop, not edge".into(),
                "[]".into()
            ),
        ],
        "{}",
        text(&out)
    );
    let suppressed: Vec<&str> = doc["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ruleId"] == "ORG002")
        .map(|f| f["object"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(suppressed, ["legacy"]);

    // Listed and explained like the built-in rules.
    let out = stockade()
        .current_dir(d.path())
        .args(["rules", "-o", "json"])
        .output()
        .unwrap();
    let rules = json_out(&out);
    let org: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["family"] == "custom")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(org, ["ORG001", "ORG002"]);
    let out = stockade()
        .current_dir(d.path())
        .args(["explain", "images-from-our-registry"])
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("# ORG001 images-from-our-registry")
            && t.contains("Our registry scans and signs every image."),
        "{t}"
    );

    // A rule whose expression does not compile is an input error naming the config and the id;
    // an id of a built-in rule is refused.
    std::fs::write(
        d.path().join(".stockade.yaml"),
        "policies:\n- {id: ORG003, name: broken, kinds: [Pod], expression: \"object.spec.(\"}\n",
    )
    .unwrap();
    let out = stockade()
        .current_dir(d.path())
        .args(["scan", "apps.yaml"])
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains(".stockade.yaml")
            && t.contains("policies `ORG003`: expression: compilation failed"),
        "{t}"
    );
    std::fs::write(
        d.path().join(".stockade.yaml"),
        "policies:\n- {id: WL001, name: mine, kinds: [Pod], expression: \"true\"}\n",
    )
    .unwrap();
    let out = stockade()
        .current_dir(d.path())
        .args(["scan", "apps.yaml"])
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("policies[0].id: `WL001` is the id of a built-in rule"),
        "{t}"
    );
}

#[test]
fn a_function_is_available_only_from_the_release_that_brought_it() {
    let d = tempfile::tempdir().unwrap();
    let pol = write(
        d.path(),
        "semver.yaml",
        r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: versioned}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
  validations:
  - expression: "isSemver(object.metadata.?labels.?version.orValue('0.0.0'))"
  - expression: "math.abs(-1) == 1"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: versioned}
spec: {policyName: versioned, validationActions: [Deny]}
"#,
    );
    let apps = write(d.path(), "apps.yaml", APPS);
    let run = |release: &str| {
        let out = stockade()
            .args([
                "policy",
                "eval",
                &apps,
                "--policy",
                &pol,
                "--target-version",
                release,
            ])
            .output()
            .unwrap();
        text(&out)
    };
    let t = run("v1.32");
    assert!(
        t.contains("semver.yaml:9:5")
            && t.contains("isSemver is not available in Kubernetes 1.32: it came in 1.33"),
        "{t}"
    );
    let t = run("v1.33");
    assert!(!t.contains("isSemver is not available"), "{t}");
    // math.* is a cel-go extension the API server does not load, at any release.
    assert!(
        t.contains("semver.yaml:10:5") && t.contains("undeclared reference to 'math.abs'"),
        "{t}"
    );
    // scan takes the release from --target-version too.
    let out = stockade()
        .args([
            "scan",
            &apps,
            "--policy",
            &pol,
            "--no-config",
            "--target-version",
            "v1.30",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(text(&out).contains("it came in 1.33"), "{}", text(&out));
}

#[test]
fn a_misspelled_field_is_reported_at_its_line() {
    let d = tempfile::tempdir().unwrap();
    let pol = write(
        d.path(),
        "typo.yaml",
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: typo}\nspec:\n  matchConstraints:\n    resourceRules:\n    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}\n  validations:\n  - expresion: \"object.spec.replicas < 3\"\n",
    );
    let apps = write(d.path(), "apps.yaml", APPS);
    let out = stockade()
        .args(["scan", &apps, "--policy", &pol, "--no-config"])
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("typo.yaml:9:5")
            && t.contains("spec.validations[0].expresion: unknown field `expresion`"),
        "{t}"
    );
}

#[test]
fn exported_rules_judge_like_the_rules_and_an_unexportable_rule_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("exported.yaml");
    let out = stockade()
        .args([
            "export",
            "vap",
            "--rules",
            "WL001,host-network",
            "--output-file",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let names: Vec<&str> = docs
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "stockade-wl001-privileged-container",
            "stockade-wl001-privileged-container",
            "stockade-wl008-host-network",
            "stockade-wl008-host-network"
        ]
    );
    // The exported policies, as the scan's policies, report where the rules report.
    let pod = write(
        d.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  hostNetwork: true\n  containers:\n  - {name: c, image: x, securityContext: {privileged: true}}\n",
    );
    let out = stockade()
        .args([
            "scan",
            &pod,
            "--no-config",
            "--disable",
            "all",
            "-o",
            "json",
            "--policy",
        ])
        .arg(&file)
        .args(["--enable", "WL001", "--enable", "WL008"])
        .output()
        .unwrap();
    let doc = json_out(&out);
    let mut ids: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["ruleId"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "VAP:stockade-wl001-privileged-container",
            "VAP:stockade-wl008-host-network",
            "WL001",
            "WL008"
        ]
    );
    // A rule that needs other objects cannot be exported, and says so.
    let out = stockade()
        .args(["export", "vap", "--rules", "WL041"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("WL041 cannot be exported"),
        "{}",
        text(&out)
    );
    let out = stockade()
        .args(["export", "vap", "--rules", "nonsense"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no rule `nonsense`"), "{}", text(&out));
}
