//! `stockade webhook manifests`: the stream parses, `stockade scan` finds nothing at medium or
//! above in it, the watch cache's role is read-only on exactly its context kinds, and the webhook
//! configuration is sent exactly the judged kinds.

mod common;

use common::{stockade, text};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// A CA from `webhook certs` in `dir`.
fn certs(dir: &Path) {
    let out = stockade()
        .args(["webhook", "certs"])
        .arg(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// `webhook manifests ARGS` on stdout, checked to succeed.
fn manifests(args: &[&str]) -> String {
    let out = stockade()
        .args(["webhook", "manifests"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn docs(stream: &str) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(stream).unwrap_or_else(|e| panic!("{e}\n{stream}"))
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// (group, plural) of every resource of `kinds` in the catalogue.
fn catalogue(kinds: &[&str]) -> BTreeSet<(String, String)> {
    kinds
        .iter()
        .flat_map(|k| {
            let rs: Vec<_> = stockade_model::kinds::RESOURCES
                .iter()
                .filter(|r| r.kind == *k)
                .map(|r| (r.group.to_string(), r.plural.to_string()))
                .collect();
            assert!(!rs.is_empty(), "{k} is not in the catalogue");
            rs
        })
        .collect()
}

#[test]
fn scan_finds_nothing_at_medium_or_above_in_either_variant() {
    let d = tempfile::tempdir().unwrap();
    certs(&d.path().join("tls"));
    let ca = d.path().join("tls/ca.crt");
    let bundle = d.path().join("bundle.yaml");
    let out = stockade()
        .args(["webhook", "manifests", "--ca-bundle"])
        .arg(&ca)
        .arg("-o")
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(out.stdout.is_empty(), "-o writes the file only");
    let cm = d.path().join("cert-manager.yaml");
    std::fs::write(
        &cm,
        manifests(&["--cert-manager", "--failure-policy", "Fail"]),
    )
    .unwrap();
    for file in [&bundle, &cm] {
        let out = stockade()
            .current_dir(d.path())
            .args(["scan", "--fail-on", "medium", "-o", "json"])
            .arg(file)
            .output()
            .unwrap();
        let report = common::json_out(&out);
        assert_eq!(out.status.code(), Some(0), "{report:#}");
        let findings = report["findings"].as_array().unwrap();
        assert!(
            findings.iter().all(|f| f["severity"] == "low"),
            "{report:#}"
        );
        // The low ones are by design: the watch cache needs the token (WL040), the API
        // server's source address is unknown (NP006), and the API server's address and port
        // are too, so egress stays open (NP002).
        let ids: BTreeSet<&str> = findings
            .iter()
            .map(|f| f["ruleId"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            BTreeSet::from(["NP002", "NP006", "WL040"]),
            "{report:#}"
        );
        assert!(report["diagnostics"].as_array().unwrap().is_empty());
    }
}

#[test]
fn the_stream_parses_and_the_webhook_configuration_is_complete() {
    let d = tempfile::tempdir().unwrap();
    certs(&d.path().join("tls"));
    let ca = d.path().join("tls/ca.crt");
    let stream = manifests(&[
        "--namespace",
        "sec",
        "--name",
        "guard",
        "--image",
        "registry.example/stockade:1.2.3",
        "--failure-policy",
        "Fail",
        "--timeout-seconds",
        "9",
        "--ca-bundle",
        ca.to_str().unwrap(),
    ]);
    assert!(
        stream.starts_with('#') && stream.contains("failurePolicy"),
        "a header comment explains the failure policy"
    );
    assert_eq!(
        stream,
        manifests(&[
            "--namespace",
            "sec",
            "--name",
            "guard",
            "--image",
            "registry.example/stockade:1.2.3",
            "--failure-policy",
            "Fail",
            "--timeout-seconds",
            "9",
            "--ca-bundle",
            ca.to_str().unwrap(),
        ]),
        "deterministic"
    );
    let docs = docs(&stream);
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Service",
            "Deployment",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "NetworkPolicy",
            "ValidatingWebhookConfiguration"
        ]
    );
    let ns = find(&docs, "Namespace", "sec");
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );

    let vwc = find(&docs, "ValidatingWebhookConfiguration", "guard");
    let hooks = vwc["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    let w = &hooks[0];
    assert_eq!(w["name"], "validate.stockade.dev");
    assert_eq!(strings(&w["admissionReviewVersions"]), ["v1"]);
    assert_eq!(w["sideEffects"], "None");
    assert_eq!(w["timeoutSeconds"], 9);
    assert_eq!(w["failurePolicy"], "Fail");
    assert_eq!(w["matchPolicy"], "Equivalent");
    let svc = &w["clientConfig"]["service"];
    assert_eq!(
        (&svc["namespace"], &svc["name"], &svc["path"], &svc["port"]),
        (
            &Value::from("sec"),
            &Value::from("guard"),
            &Value::from("/validate"),
            &Value::from(443)
        )
    );
    // caBundle is the CA given, as PEM, base64.
    let bundle = w["clientConfig"]["caBundle"].as_str().unwrap();
    let out = std::process::Command::new("base64")
        .arg("-d")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(bundle.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string(&ca).unwrap()
    );
    assert!(vwc["metadata"]["annotations"].is_null());
    let sel = &w["namespaceSelector"]["matchExpressions"][0];
    assert_eq!(sel["key"], "kubernetes.io/metadata.name");
    assert_eq!(sel["operator"], "NotIn");
    assert_eq!(strings(&sel["values"]), ["kube-system", "sec"]);
    let conditions: Vec<&str> = w["matchConditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["expression"].as_str().unwrap())
        .collect();
    assert_eq!(
        conditions,
        ["request.userInfo.username != 'system:apiserver'"]
    );
    for rule in w["rules"].as_array().unwrap() {
        assert_eq!(rule["scope"], "*");
        let ops = strings(&rule["operations"]);
        if strings(&rule["resources"]) == ["pods/ephemeralcontainers"] {
            assert_eq!(ops, ["UPDATE"]);
        } else {
            assert_eq!(ops, ["CREATE", "UPDATE"]);
        }
    }

    // The Deployment runs what the webhook configuration calls.
    let dep = find(&docs, "Deployment", "guard");
    assert_eq!(dep["metadata"]["namespace"], "sec");
    assert_eq!(dep["spec"]["replicas"], 2);
    let pod = &dep["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "guard");
    assert_eq!(pod["automountServiceAccountToken"], true);
    assert!(pod.get("priorityClassName").is_none());
    let c = &pod["containers"][0];
    assert_eq!(c["image"], "registry.example/stockade:1.2.3");
    assert_eq!(
        strings(&c["args"]),
        [
            "webhook",
            "serve",
            "--listen",
            "0.0.0.0:8443",
            "--tls-cert",
            "/tls/tls.crt",
            "--tls-key",
            "/tls/tls.key",
            "--namespace",
            "$(POD_NAMESPACE)"
        ]
    );
    assert_eq!(
        c["env"][0]["valueFrom"]["fieldRef"]["fieldPath"],
        "metadata.namespace"
    );
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(c["readinessProbe"]["httpGet"]["scheme"], "HTTPS");
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(c["volumeMounts"][0]["mountPath"], "/tls");
    assert_eq!(c["volumeMounts"][0]["readOnly"], true);
    assert_eq!(pod["volumes"][0]["secret"]["secretName"], "guard-tls");
    let service = find(&docs, "Service", "guard");
    assert_eq!(service["spec"]["ports"][0]["port"], 443);
    assert_eq!(service["spec"]["ports"][0]["targetPort"], 8443);
    assert_eq!(
        service["spec"]["selector"],
        dep["spec"]["selector"]["matchLabels"]
    );
    assert_eq!(
        find(&docs, "PodDisruptionBudget", "guard")["spec"]["minAvailable"],
        1
    );
}

#[test]
fn cert_manager_issues_the_certificate_and_injects_its_ca() {
    let docs = docs(&manifests(&["--cert-manager"]));
    let vwc = find(&docs, "ValidatingWebhookConfiguration", "stockade-webhook");
    assert_eq!(
        vwc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
        "stockade/stockade-webhook-tls"
    );
    let w = &vwc["webhooks"][0];
    assert!(w["clientConfig"].get("caBundle").is_none());
    assert_eq!(w["failurePolicy"], "Ignore", "the default");
    assert_eq!(w["timeoutSeconds"], 5, "the default");
    let cert = find(&docs, "Certificate", "stockade-webhook-tls");
    assert_eq!(cert["metadata"]["namespace"], "stockade");
    assert_eq!(cert["spec"]["secretName"], "stockade-webhook-tls");
    assert!(strings(&cert["spec"]["dnsNames"]).contains(&"stockade-webhook.stockade.svc".into()));
    let issuer = &cert["spec"]["issuerRef"]["name"];
    let ca_issuer = find(&docs, "Issuer", issuer.as_str().unwrap());
    let ca_secret = ca_issuer["spec"]["ca"]["secretName"].as_str().unwrap();
    let ca_cert = docs
        .iter()
        .find(|d| d["kind"] == "Certificate" && d["spec"]["secretName"] == ca_secret)
        .expect("a CA certificate");
    assert_eq!(ca_cert["spec"]["isCA"], true);
    let root = find(
        &docs,
        "Issuer",
        ca_cert["spec"]["issuerRef"]["name"].as_str().unwrap(),
    );
    assert!(root["spec"]["selfSigned"].is_object());
    let dep = find(&docs, "Deployment", "stockade-webhook");
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["image"],
        format!(
            "ghcr.io/stockade-dev/stockade:{}",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn the_cache_role_grants_get_list_watch_on_exactly_the_context_kinds() {
    let docs = docs(&manifests(&["--cert-manager", "--name", "guard"]));
    let role = find(&docs, "ClusterRole", "guard-cache");
    let mut granted = BTreeSet::new();
    for rule in role["rules"].as_array().unwrap() {
        assert_eq!(strings(&rule["verbs"]), ["get", "list", "watch"], "{rule}");
        assert!(rule.get("resourceNames").is_none() && rule.get("nonResourceURLs").is_none());
        for g in strings(&rule["apiGroups"]) {
            for r in strings(&rule["resources"]) {
                assert!(granted.insert((g.clone(), r)), "granted twice");
            }
        }
    }
    assert_eq!(granted, catalogue(&stockade_admission::CONTEXT_KINDS));
    assert!(
        !granted
            .iter()
            .any(|(_, r)| r == "secrets" || r.contains('*'))
    );
    let binding = find(&docs, "ClusterRoleBinding", "guard-cache");
    assert_eq!(binding["roleRef"]["name"], "guard-cache");
    assert_eq!(binding["roleRef"]["kind"], "ClusterRole");
    let subjects = binding["subjects"].as_array().unwrap();
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0]["kind"], "ServiceAccount");
    assert_eq!(subjects[0]["name"], "guard");
    assert_eq!(subjects[0]["namespace"], "stockade");
    // No other role or binding: the webhook can read and do nothing else.
    assert_eq!(
        docs.iter()
            .filter(|d| d["kind"].as_str().unwrap().contains("Role"))
            .count(),
        2
    );
}

#[test]
fn the_webhook_is_sent_the_judged_kinds_and_never_api_machinery() {
    let docs = docs(&manifests(&["--cert-manager"]));
    let vwc = find(&docs, "ValidatingWebhookConfiguration", "stockade-webhook");
    let mut sent = BTreeSet::new();
    for rule in vwc["webhooks"][0]["rules"].as_array().unwrap() {
        for g in strings(&rule["apiGroups"]) {
            assert_ne!(g, "*");
            for r in strings(&rule["resources"]) {
                assert!(!r.contains('*'), "{r}");
                sent.insert((g.clone(), r));
            }
        }
        for v in strings(&rule["apiVersions"]) {
            assert_ne!(v, "*");
        }
    }
    for (group, never) in [
        ("coordination.k8s.io", "leases"),
        ("", "events"),
        ("events.k8s.io", "events"),
        ("authentication.k8s.io", "tokenreviews"),
        ("authorization.k8s.io", "subjectaccessreviews"),
        ("", "secrets"),
    ] {
        assert!(
            !sent.iter().any(|(_, r)| r == never),
            "{group}/{never} must never be sent to the webhook"
        );
    }
    let judge = stockade_admission::Judge::new(
        &stockade_engine::Settings::default(),
        stockade_admission::AdmissionPolicy::default(),
        stockade_pss::AdmissionConfig::default(),
    );
    let judged: Vec<&str> = judge
        .kinds()
        .iter()
        .copied()
        .filter(|k| {
            ![
                "Secret",
                "Lease",
                "Event",
                "TokenReview",
                "SubjectAccessReview",
            ]
            .contains(k)
        })
        .collect();
    let mut want = catalogue(&judged);
    want.insert((String::new(), "pods/ephemeralcontainers".into()));
    assert_eq!(sent, want);
    for kind in stockade_model::kinds::WORKLOAD_KINDS {
        assert!(judged.contains(kind), "{kind} runs pods and is judged");
    }
}

#[test]
fn a_bad_ca_bundle_exits_2_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    certs(&d.path().join("tls"));
    let not_pem = d.path().join("notes.txt");
    std::fs::write(&not_pem, "this is not a certificate\n").unwrap();
    let missing = d.path().join("missing.crt");
    for (file, why) in [
        (missing, "cannot read --ca-bundle"),
        (not_pem, "holds no PEM certificate"),
        (d.path().join("tls/tls.key"), "holds a private key"),
    ] {
        let out = stockade()
            .args(["webhook", "manifests", "--ca-bundle"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{err}");
        assert!(err.contains(&*file.to_string_lossy()), "{err}");
    }
    // Exactly one source of the CA.
    for args in [
        &["webhook", "manifests"][..],
        &[
            "webhook",
            "manifests",
            "--cert-manager",
            "--ca-bundle",
            "x.crt",
        ],
    ] {
        let out = stockade().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--cert-manager") && err.contains("--ca-bundle"),
            "{err}"
        );
    }
}

#[test]
fn bad_options_are_refused() {
    for (args, why) in [
        (&["--timeout-seconds", "0"][..], "--timeout-seconds"),
        (&["--timeout-seconds", "31"], "--timeout-seconds"),
        (&["--failure-policy", "Sometimes"], "--failure-policy"),
        (&["--namespace", "kube-system"], "kube-system"),
        (&["--namespace", "default"], "default"),
        (&["--name", "Bad\u{1b}[2J"], "not a DNS label"),
        (&["--namespace", "a.b"], "not a DNS label"),
        (&["--name", "9lives"], "start with a letter"),
        (&["--image", "two words"], "not an image reference"),
    ] {
        let out = stockade()
            .args(["webhook", "manifests", "--cert-manager"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{args:?}: {err}");
        assert!(!err.contains('\u{1b}'), "{err}");
    }
}

/// The collection URL of an object, from the catalogue.
fn collection(o: &Value) -> String {
    let (group, version) = match o["apiVersion"].as_str().unwrap().split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", o["apiVersion"].as_str().unwrap()),
    };
    let r = stockade_model::kinds::by_kind(group, o["kind"].as_str().unwrap())
        .unwrap_or_else(|| panic!("{} is not in the catalogue", o["kind"]));
    let base = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    match o["metadata"]["namespace"].as_str() {
        Some(ns) if r.namespaced => format!("{base}/namespaces/{ns}/{}", r.plural),
        _ => format!("{base}/{}", r.plural),
    }
}

/// The real API server accepts every object (server-side dry run, so nothing but the namespace
/// is created): field names, enums, the CEL match condition. The namespace's Pod Security
/// `restricted` admits the Deployment's pod.
#[test]
fn the_api_server_accepts_every_object() {
    let Some(c) = common::cluster() else { return };
    let ns = common::unique("wm");
    let name = "guard";
    let d = tempfile::tempdir().unwrap();
    certs(&d.path().join("tls"));
    let ca = d.path().join("tls/ca.crt");
    let docs = docs(&manifests(&[
        "--namespace",
        &ns,
        "--name",
        name,
        "--failure-policy",
        "Fail",
        "--ca-bundle",
        ca.to_str().unwrap(),
    ]));
    assert_eq!(docs[0]["kind"], "Namespace");
    let _cleanup = common::Cleanup {
        c: &c,
        paths: vec![format!("/api/v1/namespaces/{ns}")],
    };
    c.create("/api/v1/namespaces", &docs[0]);
    for o in &docs[1..] {
        let url = format!("{}?dryRun=All&fieldValidation=Strict", collection(o));
        let (code, body) = c.req("POST", &url, Some(o));
        assert_eq!(code, 201, "{} {}: {body}", o["kind"], o["metadata"]["name"]);
    }
    let dep = find(&docs, "Deployment", name);
    let template = &dep["spec"]["template"];
    let pod = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": { "name": "probe", "namespace": ns, "labels": template["metadata"]["labels"] },
        "spec": template["spec"],
    });
    // The ServiceAccount exists for real only after a real create; the dry run of the Pod needs it.
    c.create(
        &format!("/api/v1/namespaces/{ns}/serviceaccounts"),
        find(&docs, "ServiceAccount", name),
    );
    let (code, body) = c.req(
        "POST",
        &format!("/api/v1/namespaces/{ns}/pods?dryRun=All&fieldValidation=Strict"),
        Some(&pod),
    );
    assert_eq!(code, 201, "Pod Security restricted admits the pod: {body}");
}

#[test]
fn a_settings_file_is_checked_shipped_in_a_config_map_and_passed_to_the_server() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("stockade.yaml");
    std::fs::write(
        &cfg,
        "rules:\n  disable: [WL057]\nadmission:\n  enforce: critical\n  rules: {WL036: warn}\n",
    )
    .unwrap();
    let stream = manifests(&["--cert-manager", "--config", cfg.to_str().unwrap()]);
    let all = docs(&stream);
    let cm = all
        .iter()
        .find(|o| o["kind"] == "ConfigMap")
        .expect("a ConfigMap");
    assert_eq!(cm["metadata"]["name"], "stockade-webhook-config");
    assert!(
        cm["data"]["stockade.yaml"]
            .as_str()
            .unwrap()
            .contains("enforce: critical")
    );
    let dep = all.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let pod = &dep["spec"]["template"];
    let c = &pod["spec"]["containers"][0];
    let args: Vec<&str> = c["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(
        args.windows(2)
            .any(|w| w == ["--config", "/etc/stockade/stockade.yaml"]),
        "{args:?}"
    );
    assert!(
        c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/etc/stockade")
    );
    let hash = pod["metadata"]["annotations"]["stockade.dev/config-hash"]
        .as_str()
        .unwrap()
        .to_string();
    // A changed file changes the hash, so the pods roll.
    std::fs::write(&cfg, "admission:\n  enforce: high\n").unwrap();
    let again = docs(&manifests(&[
        "--cert-manager",
        "--config",
        cfg.to_str().unwrap(),
    ]));
    let dep2 = again.iter().find(|o| o["kind"] == "Deployment").unwrap();
    assert_ne!(
        dep2["spec"]["template"]["metadata"]["annotations"]["stockade.dev/config-hash"],
        json!(hash)
    );
    // Still nothing at medium or above.
    let file = d.path().join("m.yaml");
    std::fs::write(&file, &stream).unwrap();
    let out = stockade()
        .current_dir(d.path())
        .args(["scan", "--no-config", "--fail-on", "medium", "-o", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Without --config there is no ConfigMap and no --config argument.
    let plain = docs(&manifests(&["--cert-manager"]));
    assert!(plain.iter().all(|o| o["kind"] != "ConfigMap"));
    // An invalid file is refused here, not by a crash-looping webhook.
    std::fs::write(&cfg, "admission:\n  enforce: loud\n").unwrap();
    let out = stockade()
        .args(["webhook", "manifests", "--cert-manager", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("admission.enforce"), "{}", text(&out));
}
