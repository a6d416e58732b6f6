//! `stockade export vap` against the real API server: the exported policies, bound with Warn
//! in a namespace of this test's own, judge every workload fixture of every rule; the API
//! server's warnings name exactly the exported rules that `stockade scan` reports on the same
//! object.

mod common;

use common::{cluster, json_out, stockade};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const NS: &str = "vap-export";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/fixtures")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

fn collection(kind: &str) -> Option<String> {
    Some(match kind {
        "Pod" => format!("/api/v1/namespaces/{NS}/pods"),
        "ReplicationController" => format!("/api/v1/namespaces/{NS}/replicationcontrollers"),
        "PodTemplate" => format!("/api/v1/namespaces/{NS}/podtemplates"),
        "Deployment" => format!("/apis/apps/v1/namespaces/{NS}/deployments"),
        "StatefulSet" => format!("/apis/apps/v1/namespaces/{NS}/statefulsets"),
        "DaemonSet" => format!("/apis/apps/v1/namespaces/{NS}/daemonsets"),
        "ReplicaSet" => format!("/apis/apps/v1/namespaces/{NS}/replicasets"),
        "Job" => format!("/apis/batch/v1/namespaces/{NS}/jobs"),
        "CronJob" => format!("/apis/batch/v1/namespaces/{NS}/cronjobs"),
        _ => return None,
    })
}

/// `299 - "text"` as text.
fn warning_text(h: &str) -> String {
    let t = h.trim();
    let t = t.strip_prefix("299 - ").unwrap_or(t);
    let t = t
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(t);
    t.replace("\\\"", "\"").replace("\\\\", "\\")
}

#[test]
fn exported_policies_warn_on_exactly_what_scan_reports() {
    let Some(c) = cluster() else { return };
    // The exported policies, as Warn, bound only to this test's namespace.
    let out = stockade()
        .args(["export", "vap", "--action", "Warn"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(&String::from_utf8(out.stdout).unwrap()).unwrap();
    let mut rule_of: BTreeMap<String, String> = BTreeMap::new();
    let mut policies = Vec::new();
    let mut bindings = Vec::new();
    for mut d in docs {
        match d["kind"].as_str().unwrap() {
            "ValidatingAdmissionPolicy" => {
                rule_of.insert(
                    d["metadata"]["name"].as_str().unwrap().to_string(),
                    d["metadata"]["annotations"]["stockade.dev/rule"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                );
                policies.push(d);
            }
            _ => {
                d["spec"]["matchResources"] =
                    json!({"namespaceSelector": {"matchLabels": {"stockade-export-test": "1"}}});
                bindings.push(d);
            }
        }
    }
    assert!(rule_of.len() >= 10, "{rule_of:?}");
    let vap = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies";
    let vapb = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings";
    for b in &bindings {
        c.delete(&format!(
            "{vapb}/{}",
            b["metadata"]["name"].as_str().unwrap()
        ));
    }
    for p in &policies {
        c.delete(&format!(
            "{vap}/{}",
            p["metadata"]["name"].as_str().unwrap()
        ));
    }
    // PodSecurity's own warnings (the control plane warns at restricted) would share the
    // API server's 4 KiB warning budget with the policies' and crowd them out: none here.
    let labels = json!({"stockade-export-test": "1",
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/warn": "privileged",
        "pod-security.kubernetes.io/audit": "privileged"});
    c.create_or_keep(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": NS, "labels": labels}}),
    );
    let (code, body) = c.req_as(
        "PATCH",
        &format!("/api/v1/namespaces/{NS}"),
        Some(&json!({"metadata": {"labels": labels}})),
        "application/merge-patch+json",
    );
    assert_eq!(code, 200, "{body}");
    for p in &policies {
        c.create(vap, p);
    }
    for b in &bindings {
        c.create(vapb, b);
    }

    // A dry-run create, with the warnings of the exported policies.
    let ca = std::fs::read(&c.ca).unwrap();
    let cert = ureq::tls::Certificate::from_pem(&ca).unwrap().to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
                    cert,
                ])))
                .build(),
        )
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let create = |path: &str, obj: &Value| -> (u16, Value, BTreeSet<String>) {
        let mut r = agent
            .post(&format!("{}{path}?dryRun=All", c.server))
            .header("Authorization", &format!("Bearer {}", c.token))
            .header("Content-Type", "application/json")
            .send(serde_json::to_vec(obj).unwrap().as_slice())
            .unwrap();
        let code = r.status().as_u16();
        let all: Vec<String> = r
            .headers()
            .get_all("warning")
            .iter()
            .filter_map(|h| h.to_str().ok())
            .map(warning_text)
            .collect();
        // Past 4 KiB of warnings the API server truncates and drops them: the answer would
        // be incomplete.
        let size: usize = all.iter().map(|w| w.chars().count()).sum();
        assert!(
            size < 4000,
            "the API server's warnings were truncated: {all:?}"
        );
        let warned: BTreeSet<String> = all
            .into_iter()
            .filter_map(|w| {
                let rest = w.strip_prefix("Validation failed for ValidatingAdmissionPolicy '")?;
                let name = rest.split('\'').next()?;
                rule_of.get(name).cloned()
            })
            .collect();
        let body: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap_or_default())
            .unwrap_or(Value::Null);
        (code, body, warned)
    };
    // In force once every exported policy and its binding reached the API server's policy
    // cache (each arrives on its own): three probes together violate every exported rule
    // (the API server refuses hostPID with shareProcessNamespace, and WL012 leaves
    // hostNetwork pods to WL008).
    let probes = [
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
            "spec": {"shareProcessNamespace": true, "containers": [{"name": "c", "image": "x"}]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
            "spec": {"hostPID": true, "hostIPC": true,
                "volumes": [{"name": "h", "hostPath": {"path": "/tmp"}}],
                "containers": [
                    {"name": "a", "image": "x", "securityContext": {"privileged": true}},
                    {"name": "b", "image": "x", "stdin": true, "ports": [{"containerPort": 80, "hostPort": 8080}]}]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
            "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x"}]}}),
    ];
    let all: BTreeSet<String> = rule_of.values().cloned().collect();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let mut warned = BTreeSet::new();
        for p in &probes {
            warned.extend(create(&collection("Pod").unwrap(), p).2);
        }
        if warned == all {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the exported policies never all took effect: {warned:?} of {all:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }

    // What scan reports, with only the exported rules on, per file and object.
    let enable: Vec<String> = rule_of.values().cloned().collect();
    let mut files = Vec::new();
    yaml_files(&fixtures(), &mut files);
    let out = stockade()
        .args(["scan", "--no-config", "--disable", "all", "-o", "json"])
        .args(
            enable
                .iter()
                .flat_map(|r| ["--enable".to_string(), r.clone()]),
        )
        .arg(fixtures())
        .output()
        .unwrap();
    let report = json_out(&out);
    let mut reported: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
    for f in report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["suppressed"].as_array().unwrap())
    {
        let path = std::fs::canonicalize(f["location"]["path"].as_str().unwrap())
            .unwrap()
            .display()
            .to_string();
        let key = (
            path,
            f["object"]["kind"].as_str().unwrap().to_string(),
            f["object"]["name"].as_str().unwrap().to_string(),
        );
        reported
            .entry(key)
            .or_default()
            .insert(f["ruleId"].as_str().unwrap().to_string());
    }

    // Every workload object of every fixture, created in the test's namespace.
    let (mut compared, mut invalid, mut disagreements) = (0, 0, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let Ok(docs) = serde_saphyr::from_multiple::<Value>(&text) else {
            continue;
        };
        let path = std::fs::canonicalize(file).unwrap().display().to_string();
        let mut seen = BTreeSet::new();
        let ids: Vec<(String, String)> = docs
            .iter()
            .map(|d| {
                (
                    d["kind"].as_str().unwrap_or_default().to_string(),
                    d["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect();
        for (mut d, (kind, name)) in docs.into_iter().zip(ids) {
            let Some(coll) = collection(&kind) else {
                continue;
            };
            // One object per kind and name in a file (the scan names objects by both), and
            // none a workload controller owns (the scan reports its owner instead).
            if !seen.insert((kind.clone(), name.clone()))
                || ids_repeat(&text, &kind, &name)
                || d["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|r| r["controller"] == true))
            {
                continue;
            }
            d["metadata"]["namespace"] = json!(NS);
            if d["metadata"]["name"].as_str().is_none_or(str::is_empty) {
                continue;
            }
            let (code, body, warned) = create(&coll, &d);
            if code != 201 {
                // Refused by the API server's own validation or admission (fixtures hold
                // incomplete objects, and pods naming ServiceAccounts that do not exist); the
                // exported policies only warn, so they never refuse.
                invalid += 1;
                assert!(
                    !body["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("ValidatingAdmissionPolicy"),
                    "{body}"
                );
                continue;
            }
            let want = reported
                .get(&(path.clone(), kind.clone(), name.clone()))
                .cloned()
                .unwrap_or_default();
            compared += 1;
            if want != warned {
                disagreements.push(format!(
                    "{path} {kind}/{name}: scan {want:?}, API server {warned:?}"
                ));
            }
        }
    }
    for b in &bindings {
        c.delete(&format!(
            "{vapb}/{}",
            b["metadata"]["name"].as_str().unwrap()
        ));
    }
    for p in &policies {
        c.delete(&format!(
            "{vap}/{}",
            p["metadata"]["name"].as_str().unwrap()
        ));
    }
    eprintln!(
        "export vap: {compared} fixture objects compared, {invalid} refused by API validation, {} disagreements",
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(compared > 200, "only {compared} objects compared");
}

/// Whether `kind`/`name` occurs more than once in the file (so the scan's object name is
/// ambiguous).
fn ids_repeat(text: &str, kind: &str, name: &str) -> bool {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).unwrap_or_default();
    docs.iter()
        .filter(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .count()
        > 1
}
