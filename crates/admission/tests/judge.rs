//! Decisions on AdmissionReviews as the API server sends them.

use serde_json::{Value, json};
use stockade_admission::{AdmissionPolicy, Context, Judge, Skip, decode};
use stockade_engine::Settings;
use stockade_pss::AdmissionConfig;
use stockade_sources::node_from_json;

const TODAY: &str = "2026-12-02";

fn review(kind: (&str, &str, &str), op: &str, ns: &str, object: Value) -> Vec<u8> {
    let (group, version, k) = kind;
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "uid-1",
            "kind": {"group": group, "version": version, "kind": k},
            "resource": {"group": group, "version": version, "resource": format!("{}s", k.to_lowercase())},
            "name": object.pointer("/metadata/name").cloned().unwrap_or(json!("")),
            "namespace": ns,
            "operation": op,
            "userInfo": {"username": "alice", "groups": ["dev"]},
            "object": object,
        }
    }))
    .unwrap()
}

fn hardened_spec() -> Value {
    json!({
        "serviceAccountName": "web",
        "automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "web",
            "image": "registry.example.com/web:1.4.2@sha256:44700f25ef291a66f9e766360ac17273ae5df15ea9be68c615ea7d7c2daa61e0",
            "imagePullPolicy": "IfNotPresent",
            "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                "capabilities": {"drop": ["ALL"]}},
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}},
            "readinessProbe": {"httpGet": {"path": "/", "port": 8080}}
        }]
    })
}

fn pod(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "x", "controller": true}]},
        "spec": spec})
}

fn privileged_spec() -> Value {
    let mut s = hardened_spec();
    s["containers"][0]["securityContext"]["privileged"] = json!(true);
    s
}

fn judge_with(policy: &str) -> Judge {
    Judge::new(
        &Settings::default(),
        AdmissionPolicy::parse(policy).unwrap(),
        AdmissionConfig::default(),
    )
}

fn namespace(name: &str, labels: Value) -> Context {
    Context::new(
        [node_from_json(
            json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": labels}}),
        )],
        &stockade_admission::CONTEXT_KINDS,
    )
}

#[test]
fn a_privileged_pod_is_denied_naming_the_rule_and_field_and_a_hardened_one_is_admitted() {
    let j = judge_with("");
    let cx = namespace("shop", json!({}));
    let req = decode(&review(
        ("", "v1", "Pod"),
        "CREATE",
        "shop",
        pod("p", privileged_spec()),
    ))
    .unwrap();
    let v = j.judge(&req, &cx, None, TODAY);
    assert!(!v.response.allowed, "{:?}", v.response);
    let status = v.response.status.as_ref().unwrap();
    assert_eq!(status.code, 403);
    assert!(
        status
            .message
            .contains("WL001 at spec.containers[0].securityContext.privileged"),
        "{}",
        status.message
    );
    assert!(
        v.response
            .warnings
            .iter()
            .any(|w| w.starts_with("denied: WL001 "))
    );
    assert!(v.response.warnings.iter().all(|w| w.chars().count() <= 120));
    assert!(v.response.audit_annotations["enforce"].contains("WL001"));
    assert_eq!(v.outcome(), "denied");
    // An owner reference is the requester's claim: the pod is judged all the same.
    let ok = decode(&review(
        ("", "v1", "Pod"),
        "CREATE",
        "shop",
        pod("p", hardened_spec()),
    ))
    .unwrap();
    let v = j.judge(&ok, &cx, None, TODAY);
    assert!(v.response.allowed, "{:?}", v.response);
    assert!(
        v.findings
            .iter()
            .all(|(m, _)| *m != stockade_admission::Mode::Enforce)
    );
}

#[test]
fn a_deployment_whose_template_violates_a_rule_is_denied_at_the_deployment() {
    let j = judge_with("");
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": privileged_spec()}}});
    let req = decode(&review(("apps", "v1", "Deployment"), "CREATE", "shop", d)).unwrap();
    let v = j.judge(&req, &Context::empty(), None, TODAY);
    assert!(!v.response.allowed);
    let m = &v.response.status.as_ref().unwrap().message;
    assert!(
        m.contains("WL001 at spec.template.spec.containers[0].securityContext.privileged"),
        "{m}"
    );
}

#[test]
fn modes_come_from_the_config_and_namespace_labels_override_the_thresholds() {
    let req = decode(&review(
        ("", "v1", "Pod"),
        "CREATE",
        "shop",
        pod("p", privileged_spec()),
    ))
    .unwrap();
    // Per-rule mode: warn.
    let j = judge_with("admission:\n  rules: {WL001: warn}\n");
    let v = j.judge(&req, &namespace("shop", json!({})), None, TODAY);
    assert!(v.response.allowed);
    assert!(
        v.response
            .warnings
            .iter()
            .any(|w| w.starts_with("WL001 spec.containers[0]")),
        "{:?}",
        v.response.warnings
    );
    // Namespace label: nothing is enforced there.
    let j = judge_with("");
    let v = j.judge(
        &req,
        &namespace("shop", json!({"stockade.dev/enforce": "none"})),
        None,
        TODAY,
    );
    assert!(v.response.allowed);
    assert_eq!(v.outcome(), "warned");
    // Audit only: allowed, no warning, an audit annotation.
    let v = j.judge(
        &req,
        &namespace(
            "shop",
            json!({"stockade.dev/enforce": "none", "stockade.dev/warn": "none"}),
        ),
        None,
        TODAY,
    );
    assert!(
        v.response.allowed && v.response.warnings.is_empty(),
        "{:?}",
        v.response
    );
    assert!(
        v.response.audit_annotations["audit"]
            .contains("WL001 spec.containers[0].securityContext.privileged")
    );
    // A bad label value is ignored, and said.
    let v = j.judge(
        &req,
        &namespace("shop", json!({"stockade.dev/enforce": "loud"})),
        None,
        TODAY,
    );
    assert!(!v.response.allowed);
    assert!(
        v.response
            .warnings
            .iter()
            .any(|w| w.contains("stockade.dev/enforce"))
    );
}

#[test]
fn exempt_namespaces_users_and_kinds_are_not_judged() {
    let j =
        judge_with("admission:\n  exempt:\n    namespaces: [sandbox]\n    usernames: ['ci-*']\n");
    let p = pod("p", privileged_spec());
    let cases = [
        ("kube-system", Skip::Namespace),
        ("sandbox", Skip::Namespace),
        ("stockade", Skip::Namespace),
    ];
    for (ns, skip) in cases {
        let req = decode(&review(("", "v1", "Pod"), "CREATE", ns, p.clone())).unwrap();
        let v = j.judge(&req, &Context::empty(), Some("stockade"), TODAY);
        assert!(v.response.allowed, "{ns}");
        assert_eq!(v.skipped, Some(skip), "{ns}");
    }
    let mut body: Value =
        serde_json::from_slice(&review(("", "v1", "Pod"), "CREATE", "shop", p.clone())).unwrap();
    body["request"]["userInfo"]["username"] = json!("ci-bot");
    let v = j.judge(
        &decode(&serde_json::to_vec(&body).unwrap()).unwrap(),
        &Context::empty(),
        None,
        TODAY,
    );
    assert_eq!(v.skipped, Some(Skip::User));
    let lease = json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l", "namespace": "shop"}});
    let v = j.judge(
        &decode(&review(
            ("coordination.k8s.io", "v1", "Lease"),
            "UPDATE",
            "shop",
            lease,
        ))
        .unwrap(),
        &Context::empty(),
        None,
        TODAY,
    );
    assert_eq!(v.skipped, Some(Skip::Kind));
    let v = j.judge(
        &decode(&review(("", "v1", "Pod"), "DELETE", "shop", p.clone())).unwrap(),
        &Context::empty(),
        None,
        TODAY,
    );
    assert_eq!(v.skipped, Some(Skip::Operation));
}

#[test]
fn pod_updates_are_judged_only_when_they_change_what_is_judged_and_ephemeral_containers_always() {
    let j = judge_with("");
    let old = pod("p", privileged_spec());
    let mut new = old.clone();
    new["metadata"]["labels"] = json!({"x": "y"});
    let mut body: Value =
        serde_json::from_slice(&review(("", "v1", "Pod"), "UPDATE", "shop", new)).unwrap();
    body["request"]["oldObject"] = old.clone();
    let v = j.judge(
        &decode(&serde_json::to_vec(&body).unwrap()).unwrap(),
        &Context::empty(),
        None,
        TODAY,
    );
    assert_eq!(v.skipped, Some(Skip::PodUnchanged));
    // The ephemeralcontainers subresource carries the whole Pod: judged.
    let mut hardened = pod("p", hardened_spec());
    hardened["spec"]["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox:1.36", "securityContext": {"privileged": true}}]);
    let mut body: Value =
        serde_json::from_slice(&review(("", "v1", "Pod"), "UPDATE", "shop", hardened)).unwrap();
    body["request"]["subResource"] = json!("ephemeralcontainers");
    body["request"]["oldObject"] = pod("p", hardened_spec());
    let v = j.judge(
        &decode(&serde_json::to_vec(&body).unwrap()).unwrap(),
        &Context::empty(),
        None,
        TODAY,
    );
    assert!(!v.response.allowed, "{:?}", v.response);
    // Other subresources are not.
    body["request"]["subResource"] = json!("status");
    let v = j.judge(
        &decode(&serde_json::to_vec(&body).unwrap()).unwrap(),
        &Context::empty(),
        None,
        TODAY,
    );
    assert_eq!(v.skipped, Some(Skip::SubResource));
    // Finalizers removed from a terminating object: never blocked.
    let mut d = pod("p", privileged_spec());
    d["kind"] = json!("Deployment");
    d["metadata"]["deletionTimestamp"] = json!("2026-12-01T00:00:00Z");
    let v = j.judge(
        &decode(&review(("apps", "v1", "Deployment"), "UPDATE", "shop", d)).unwrap(),
        &Context::empty(),
        None,
        TODAY,
    );
    assert_eq!(v.skipped, Some(Skip::Terminating));
}

#[test]
fn the_objects_own_ignore_annotation_applies_only_when_the_policy_allows_it() {
    let mut p = pod("p", privileged_spec());
    p["metadata"]["annotations"] = json!({"stockade.dev/ignore": "WL001 -- debugging"});
    let req = decode(&review(("", "v1", "Pod"), "CREATE", "shop", p)).unwrap();
    let v = judge_with("").judge(&req, &Context::empty(), None, TODAY);
    assert!(
        !v.response.allowed,
        "the requester cannot exempt itself by default"
    );
    let v = judge_with("admission:\n  annotation-suppressions: true\n").judge(
        &req,
        &Context::empty(),
        None,
        TODAY,
    );
    assert!(v.response.allowed, "{:?}", v.response);
    assert!(v.response.audit_annotations["suppressed"].contains("WL001"));
    // Config suppressions always apply.
    let j =
        judge_with("suppressions:\n- rule: WL001\n  object: {namespace: shop}\n  reason: vetted\n");
    let settings = Settings::parse(
        "suppressions:\n- rule: WL001\n  object: {namespace: shop}\n  reason: vetted\n",
    )
    .unwrap();
    let j2 = Judge::new(&settings, j.policy().clone(), AdmissionConfig::default());
    let v = j2.judge(&req, &Context::empty(), None, TODAY);
    assert!(v.response.allowed, "{:?}", v.response);
}

#[test]
fn pod_security_labels_are_honoured_as_the_podsecurity_admission_does() {
    let j = judge_with("admission:\n  enforce: none\n  warn: none\n  audit: none\n");
    let mut s = hardened_spec();
    s["hostNetwork"] = json!(true);
    let req = decode(&review(
        ("", "v1", "Pod"),
        "CREATE",
        "shop",
        pod("p", s.clone()),
    ))
    .unwrap();
    let cx = namespace(
        "shop",
        json!({"pod-security.kubernetes.io/enforce": "baseline"}),
    );
    let v = j.judge(&req, &cx, None, TODAY);
    assert!(!v.response.allowed);
    let m = &v.response.status.as_ref().unwrap().message;
    assert!(
        m.starts_with(
            "violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)"
        ),
        "{m}"
    );
    assert!(m.contains("PSS"), "{m}");
    // A workload is warned, not denied (its pods will be), as upstream.
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {}, "template": {"metadata": {}, "spec": s}}});
    let v = j.judge(
        &decode(&review(("apps", "v1", "Deployment"), "CREATE", "shop", d)).unwrap(),
        &cx,
        None,
        TODAY,
    );
    assert!(v.response.allowed, "{:?}", v.response);
    assert!(
        v.response
            .warnings
            .iter()
            .any(|w| w.starts_with("would violate PodSecurity \"baseline:latest\"")),
        "{:?}",
        v.response.warnings
    );
    // Audit level: an audit annotation; a dry run leaves none.
    let cx = namespace(
        "shop",
        json!({"pod-security.kubernetes.io/audit": "restricted"}),
    );
    let v = j.judge(&req, &cx, None, TODAY);
    assert!(
        v.response.audit_annotations["pod-security-audit-violations"].contains("restricted:latest")
    );
    let mut body: Value = serde_json::from_slice(&review(
        ("", "v1", "Pod"),
        "CREATE",
        "shop",
        pod("p", hardened_spec()),
    ))
    .unwrap();
    body["request"]["dryRun"] = json!(true);
    body["request"]["object"]["spec"]["hostNetwork"] = json!(true);
    let v = j.judge(
        &decode(&serde_json::to_vec(&body).unwrap()).unwrap(),
        &cx,
        None,
        TODAY,
    );
    assert!(v.response.audit_annotations.is_empty());
    assert!(v.pod_security.unwrap().audited);
}

#[test]
fn context_rules_are_judged_once_synced_and_missing_context_fails_in_the_configured_direction() {
    // WL041 (default service account) needs ServiceAccounts: without the cache it is not
    // assessed; failing closed, an enforced rule without its context denies.
    let mut s = hardened_spec();
    s.as_object_mut().unwrap().remove("serviceAccountName");
    s.as_object_mut()
        .unwrap()
        .remove("automountServiceAccountToken");
    let req = decode(&review(("", "v1", "Pod"), "CREATE", "shop", pod("p", s))).unwrap();
    let j = judge_with("");
    let v = j.judge(&req, &Context::empty(), None, TODAY);
    assert!(v.not_assessed.contains(&"WL041"), "{:?}", v.not_assessed);
    let cx = Context::new(
        [node_from_json(
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "shop"}}),
        )],
        &["ServiceAccount", "Namespace"],
    );
    let v = j.judge(&req, &cx, None, TODAY);
    assert!(!v.not_assessed.contains(&"WL041"));
    assert!(
        v.findings.iter().any(|(_, f)| f.rule_id == "WL041"),
        "{:?}",
        v.findings
    );
    let closed = judge_with("admission:\n  failure: closed\n  rules: {WL041: enforce}\n");
    let v = closed.judge(&req, &Context::empty(), None, TODAY);
    assert!(!v.response.allowed);
    assert!(v.response.status.unwrap().message.contains("WL041"));
    let u = closed.undecided("uid-9", "deadline passed");
    assert!(!u.allowed);
    let u = j.undecided("uid-9", "deadline passed");
    assert!(u.allowed && u.warnings[0].contains("deadline passed"));
}

#[test]
fn strings_from_the_object_are_made_printable_in_warnings() {
    let mut p = pod("p", privileged_spec());
    p["spec"]["containers"][0]["name"] = json!("evil\u{1b}[31mred\nline");
    let req = decode(&review(("", "v1", "Pod"), "CREATE", "shop", p)).unwrap();
    let v = judge_with("").judge(&req, &Context::empty(), None, TODAY);
    for w in &v.response.warnings {
        assert!(!w.contains('\u{1b}') && !w.contains('\n'), "{w:?}");
    }
    let m = &v.response.status.as_ref().unwrap().message;
    assert!(!m.contains('\u{1b}') && !m.contains('\n'));
}

#[test]
fn the_judged_kinds_are_those_rules_read_and_never_noise_kinds() {
    let j = judge_with("");
    let kinds = j.kinds();
    for k in [
        "Pod",
        "Deployment",
        "CronJob",
        "Service",
        "NetworkPolicy",
        "ClusterRoleBinding",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    for k in [
        "Lease",
        "Event",
        "TokenReview",
        "SubjectAccessReview",
        "Node",
        "Secret",
    ] {
        assert!(!kinds.contains(&k), "{k} in {kinds:?}");
    }
}

#[test]
fn pod_security_exemptions_of_the_admission_configuration_apply() {
    let dir = std::env::temp_dir().join(format!("stockade-adm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("admission.yaml");
    std::fs::write(
        &cfg,
        "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  enforce: baseline\nexemptions:\n  usernames: [deployer]\n  runtimeClasses: [kata]\n  namespaces: [legacy]\n",
    )
    .unwrap();
    let ps = AdmissionConfig::load(&cfg).unwrap();
    let j = Judge::new(
        &Settings::default(),
        AdmissionPolicy::parse("admission:\n  enforce: none\n").unwrap(),
        ps,
    );
    let mut s = hardened_spec();
    s["hostPID"] = json!(true);
    let body = |ns: &str, user: &str, spec: &Value| {
        let mut b: Value = serde_json::from_slice(&review(
            ("", "v1", "Pod"),
            "CREATE",
            ns,
            pod("p", spec.clone()),
        ))
        .unwrap();
        b["request"]["userInfo"]["username"] = json!(user);
        decode(&serde_json::to_vec(&b).unwrap()).unwrap()
    };
    // The defaults apply to a namespace without labels: denied.
    let v = j.judge(
        &body("shop", "alice", &s),
        &namespace("shop", json!({})),
        None,
        TODAY,
    );
    assert!(!v.response.allowed, "{:?}", v.response);
    // Exempt user, namespace and runtime class: admitted, and said in an audit annotation.
    let v = j.judge(
        &body("shop", "deployer", &s),
        &namespace("shop", json!({})),
        None,
        TODAY,
    );
    assert!(v.response.allowed);
    assert!(v.response.audit_annotations["pod-security-exempt"].contains("deployer"));
    let v = j.judge(
        &body("legacy", "alice", &s),
        &namespace("legacy", json!({})),
        None,
        TODAY,
    );
    assert!(v.response.allowed);
    let mut kata = s.clone();
    kata["runtimeClassName"] = json!("kata");
    let v = j.judge(
        &body("shop", "alice", &kata),
        &namespace("shop", json!({})),
        None,
        TODAY,
    );
    assert!(v.response.allowed, "{:?}", v.response);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_workload_in_a_namespace_without_default_deny_is_told_so() {
    let j = judge_with("");
    let req = decode(&review(
        ("", "v1", "Pod"),
        "CREATE",
        "shop",
        pod("p", hardened_spec()),
    ))
    .unwrap();
    let v = j.judge(&req, &namespace("shop", json!({})), None, TODAY);
    let np: Vec<_> = v
        .findings
        .iter()
        .filter(|(_, f)| f.rule_id.starts_with("NP"))
        .collect();
    assert!(!np.is_empty(), "{:?}", v.findings);
    for (mode, f) in np {
        assert_eq!(*mode, stockade_admission::Mode::Warn);
        assert_eq!(f.object.kind, "Pod");
        assert_eq!(f.field_path.to_string(), "metadata.namespace");
        assert!(f.message.contains("\"shop\""), "{}", f.message);
    }
    assert!(v.response.allowed);
    assert!(
        v.response
            .warnings
            .iter()
            .any(|w| w.starts_with("NP001 metadata.namespace")),
        "{:?}",
        v.response.warnings
    );
    // With a default-deny policy in the namespace, nothing is said.
    let cx = Context::new(
        [
            node_from_json(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
            ),
            node_from_json(
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": "deny", "namespace": "shop"},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
            ),
        ],
        &stockade_admission::CONTEXT_KINDS,
    );
    let v = j.judge(&req, &cx, None, TODAY);
    assert!(
        v.findings
            .iter()
            .all(|(_, f)| !f.rule_id.starts_with("NP0") || f.rule_id == "NP003"),
        "{:?}",
        v.findings
    );
    assert!(
        !v.findings
            .iter()
            .any(|(_, f)| f.rule_id == "NP001" || f.rule_id == "NP002")
    );
}
