//! `stockade pss` end to end: the real binary on real manifests.

use assert_cmd::Command;
use std::path::Path;

fn stockade() -> Command {
    let mut c = Command::cargo_bin("stockade").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const RESTRICTED: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: api
        image: registry.example.com/api:1
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
";

const BASELINE_ONLY: &str = "apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - name: web
    image: registry.example.com/web:1
";

const HOST_NETWORK: &str = "apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: ops}
spec:
  hostNetwork: true
  containers:
  - name: agent
    image: registry.example.com/agent:1
";

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn level_gate_exit_codes() {
    let d = tempfile::tempdir().unwrap();
    let ok = write(d.path(), "ok.yaml", RESTRICTED);
    stockade()
        .args(["pss", "--level", "restricted"])
        .arg(&ok)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("PASS    Deployment shop/api"));
    let web = write(d.path(), "web.yaml", BASELINE_ONLY);
    stockade()
        .args(["pss", "--level", "baseline"])
        .arg(&web)
        .assert()
        .code(0);
    let out = stockade()
        .args(["pss", "--level", "restricted"])
        .arg(&web)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(r#"FAIL    Pod shop/web"#), "{text}");
    assert!(
        text.contains(r#"runAsNonRoot: runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true)"#),
        "{text}"
    );
    assert!(
        text.contains("web.yaml:6:5 spec.containers[0].securityContext.runAsNonRoot"),
        "{text}"
    );
}

#[test]
fn versions_change_verdicts() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "sysctl.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: tuned}\nspec:\n  securityContext:\n    sysctls: [{name: net.ipv4.tcp_keepalive_time, value: '60'}]\n  containers: [{name: a, image: x}]\n",
    );
    stockade()
        .args(["pss", "--level", "baseline", "--version", "v1.29"])
        .arg(&p)
        .assert()
        .code(0);
    stockade()
        .args(["pss", "--level", "baseline", "--version", "v1.28"])
        .arg(&p)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "sysctls: forbidden sysctls (net.ipv4.tcp_keepalive_time)",
        ));
    stockade()
        .args(["pss", "--level", "baseline", "--version", "1.28"])
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(r#"must be "latest" or "v1.x""#));
}

#[test]
fn namespace_labels_decide_without_level() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/warn: restricted\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ops\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n",
    );
    write(d.path(), "web.yaml", BASELINE_ONLY);
    // Admitted at baseline, warned at restricted.
    let out = stockade()
        .args(["pss", "-o", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    let web = &r["objects"][0];
    assert_eq!(web["verdict"], "admitted");
    assert_eq!(web["admission"]["policy"]["enforce"], "baseline:latest");
    assert_eq!(web["admission"]["warn"]["allowed"], false);
    assert_eq!(
        web["admission"]["warn"]["checks"][0]["id"],
        "allowPrivilegeEscalation"
    );
    // A host-network pod in `ops` is rejected by enforce: exit 1, with upstream's message.
    write(d.path(), "agent.yaml", HOST_NETWORK);
    let out = stockade()
        .args(["pss", "-o", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    let agent = r["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["object"]["name"] == "agent")
        .unwrap();
    assert_eq!(agent["verdict"], "rejected");
    assert_eq!(
        agent["admission"]["enforce"]["message"],
        r#"violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)"#
    );
    assert_eq!(agent["admission"]["enforce"]["checks"][0]["rule"], "PSS002");
}

#[test]
fn admission_config_defaults_and_exemptions() {
    let d = tempfile::tempdir().unwrap();
    let manifests = d.path().join("m");
    std::fs::create_dir(&manifests).unwrap();
    write(&manifests, "agent.yaml", HOST_NETWORK);
    let cfg = write(
        d.path(),
        "admission.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration:\n    apiVersion: pod-security.admission.config.k8s.io/v1\n    kind: PodSecurityConfiguration\n    defaults: {enforce: baseline}\n    exemptions: {namespaces: [kube-system], usernames: [deployer]}\n",
    );
    // No Namespace objects: the cluster defaults apply.
    stockade()
        .args(["pss", "--admission-config"])
        .arg(&cfg)
        .arg(&manifests)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            r#"REJECTED by enforce "baseline:latest""#,
        ));
    stockade()
        .args(["pss", "--as", "deployer", "--admission-config"])
        .arg(&cfg)
        .arg(&manifests)
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            r#"exempt (user "deployer" is exempt)"#,
        ));
    let bad = write(
        d.path(),
        "bad.yaml",
        "kind: PodSecurityConfiguration\napiVersion: pod-security.admission.config.k8s.io/v1\ndefaults: {enforce: strict}\n",
    );
    stockade()
        .args(["pss", "--admission-config"])
        .arg(&bad)
        .arg(&manifests)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("defaults.enforce"));
}

#[test]
fn readiness_per_namespace() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "api.yaml", RESTRICTED);
    write(d.path(), "web.yaml", BASELINE_ONLY);
    write(d.path(), "agent.yaml", HOST_NETWORK);
    let out = stockade()
        .args(["pss", "--readiness", "-o", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    let ns: Vec<(String, String, usize)> = r["readiness"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["namespace"].as_str().unwrap().to_string(),
                n["strictest"].as_str().unwrap().to_string(),
                n["blockers"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        ns,
        [
            ("ops".to_string(), "privileged:latest".to_string(), 1),
            ("shop".to_string(), "baseline:latest".to_string(), 1)
        ]
    );
    assert_eq!(r["readiness"][1]["blockers"][0]["object"]["name"], "web");
}

#[test]
fn wrong_types_are_input_errors_not_passes() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  securityContext:\n    seLinuxOptions: {type: 5}\n  containers: [{name: a, image: x}]\n",
    );
    stockade()
        .args(["pss", "--level", "baseline"])
        .arg(&p)
        .assert()
        .code(2)
        .stdout(predicates::str::contains(
            "`spec.securityContext.seLinuxOptions.type` must be a string, found integer 5",
        ))
        .stdout(predicates::str::contains("INVALID Pod bad"));
}

#[test]
fn sarif_and_stdin() {
    let out = stockade()
        .args(["pss", "-", "--level", "baseline", "-o", "sarif"])
        .write_stdin(HOST_NETWORK)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    let results = r["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "PSS002");
    let text = results[0]["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("host namespaces (hostNetwork=true)"),
        "{text}"
    );
}

#[test]
fn scan_runs_the_pss_family_at_its_default_severities() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "agent.yaml", HOST_NETWORK);
    // With the workload rules off, the PSS rules report every check themselves.
    let out = stockade()
        .args(["scan", "--no-config", "--disable", "workload", "-o", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    let r = json(&out);
    let pss: Vec<(String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ruleId"].as_str().unwrap().starts_with("PSS"))
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        pss.contains(&("PSS002".to_string(), "high".to_string())),
        "{pss:?}"
    );
    assert!(
        pss.contains(&("PSS017".to_string(), "medium".to_string())),
        "{pss:?}"
    );
    // At level baseline, restricted checks stay quiet.
    let cfg = write(
        d.path(),
        ".stockade.yaml",
        "rules:\n  options:\n    PSS017: {level: baseline}\n",
    );
    let out = stockade()
        .args(["scan", "--disable", "workload", "-o", "json", "--config"])
        .arg(&cfg)
        .arg(d.path().join("agent.yaml"))
        .output()
        .unwrap();
    let r = json(&out);
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["ruleId"] == "PSS017"),
        "{:#}",
        r["findings"]
    );
}

#[test]
fn scan_says_one_fact_once_with_every_control() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "agent.yaml", HOST_NETWORK);
    let out = stockade()
        .args(["scan", "--no-config", "-o", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    let r = json(&out);
    let at = |path: &str| -> Vec<serde_json::Value> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["fieldPath"] == path)
            .cloned()
            .collect()
    };
    // hostNetwork: WL008 alone, carrying the PSS baseline check and the CIS control.
    let host = at("spec.hostNetwork");
    assert_eq!(host.len(), 1, "{host:#?}");
    assert_eq!(host[0]["ruleId"], "WL008");
    let controls: Vec<String> = host[0]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["framework"].as_str().unwrap(),
                c["id"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        controls.contains(&"PSS baseline/hostNamespaces".to_string()),
        "{controls:?}"
    );
    assert!(controls.contains(&"CIS 5.2.5".to_string()), "{controls:?}");
    // runAsNonRoot: WL003 alone, not WL003 and PSS017.
    let ids: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["ruleId"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"WL003") && !ids.contains(&"PSS017"),
        "{ids:?}"
    );
    assert!(
        !ids.contains(&"PSS002") && !ids.contains(&"PSS013"),
        "{ids:?}"
    );
    // `stockade pss` stays the exact PodSecurity engine: it still names every check.
    let out = stockade()
        .args(["pss", "--level", "restricted", "-o", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("hostNamespaces") && text.contains("runAsNonRoot"),
        "{text}"
    );
}

/// Restricted but for runAsNonRoot: one offending field, under PSS017.
const ROOT_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: NAME
  namespace: shop
ANNOTATIONS
spec:
  securityContext: {seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: registry.example.com/app:1
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
";

/// The suppressions `scan` honours apply to `stockade pss` findings: a `.stockade.yaml` entry
/// (found next to the inputs, or named by --config) and the object's `stockade.dev/ignore`
/// annotation. Suppressed fields are listed as suppressed in every format, counted in the
/// summary, and do not fail the run; --no-config ignores the file but not the annotation.
#[test]
fn config_and_annotation_suppressions_apply() {
    let d = tempfile::tempdir().unwrap();
    let pod = |name: &str, annotations: &str| {
        ROOT_POD
            .replace("NAME", name)
            .replace("ANNOTATIONS\n", annotations)
    };
    write(d.path(), "legacy.yaml", &pod("legacy", ""));
    write(
        d.path(),
        "vendor.yaml",
        &pod(
            "vendor",
            "  annotations:\n    stockade.dev/ignore: \"PSS017 -- vendor image runs as root, reviewed\"\n",
        ),
    );
    write(
        d.path(),
        ".stockade.yaml",
        "suppressions:\n- rule: pss-run-as-non-root\n  object: {kind: Pod, namespace: shop, name: legacy}\n  reason: legacy image, migrating in Q3\n",
    );
    let pss = |extra: &[&str]| {
        let mut c = stockade();
        c.args(["pss", "--level", "restricted"])
            .args(extra)
            .arg(d.path());
        c.output().unwrap()
    };

    let out = pss(&["-o", "sarif"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif = json(&out);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{results:?}");
    let mut kinds: Vec<(String, String)> = results
        .iter()
        .map(|r| {
            assert_eq!(r["ruleId"], "PSS017");
            let s = &r["suppressions"][0];
            (
                s["kind"].as_str().unwrap().to_string(),
                s["justification"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            (
                "external".to_string(),
                "legacy image, migrating in Q3".to_string()
            ),
            (
                "inSource".to_string(),
                "vendor image runs as root, reviewed".to_string()
            ),
        ]
    );

    let out = pss(&["-o", "markdown"]);
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("**0 findings**"), "{md}");
    assert!(md.contains("2 suppressed findings"), "{md}");

    let out = pss(&["-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    for o in v["objects"].as_array().unwrap() {
        assert_eq!(o["verdict"], "violates", "the admission still rejects it");
        let viol = &o["evaluation"]["checks"][0]["violations"][0];
        let want = if o["object"]["name"] == "legacy" {
            "config"
        } else {
            "annotation"
        };
        assert_eq!(viol["suppression"]["kind"], want, "{o}");
    }

    let out = pss(&[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("spec.containers[0].securityContext.runAsNonRoot (suppressed, config: legacy image, migrating in Q3)"),
        "{text}"
    );
    assert!(
        text.contains("(suppressed, annotation: vendor image runs as root, reviewed)"),
        "{text}"
    );
    assert!(text.contains("2 offending field(s) suppressed"), "{text}");

    // Without the file only the annotation applies: the legacy pod fails the run again.
    let out = pss(&["--no-config", "-o", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif = json(&out);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results
            .iter()
            .filter(|r| r.get("suppressions").is_some())
            .count(),
        1
    );

    // --config names a settings file elsewhere; an expired entry stops applying and says so.
    let other = tempfile::tempdir().unwrap();
    let cfg = write(
        other.path(),
        "pss.yaml",
        "suppressions:\n- rule: PSS017\n  reason: old exception\n  expires: 2020-01-01\n",
    );
    let out = pss(&["--config", cfg.to_str().unwrap(), "-o", "markdown"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("**1 findings**"), "{stdout}");
    assert!(stdout.contains("old exception"), "{stdout}");
}

/// A per-rule severity override in `.stockade.yaml` applies to `stockade pss` findings as it
/// does in `scan`: the engine grades both.
#[test]
fn severity_overrides_apply_to_pss_findings() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "agent.yaml", HOST_NETWORK);
    let cfg = write(d.path(), "cfg.yaml", "rules:\n  severity: {PSS002: low}\n");
    let out = stockade()
        .args(["pss", "--level", "baseline", "-o", "sarif", "--config"])
        .arg(&cfg)
        .arg(&f)
        .output()
        .unwrap();
    let r = json(&out);
    let results = r["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results[0]["ruleId"], "PSS002");
    assert_eq!(results[0]["level"], "note", "{}", results[0]);
    let out = stockade()
        .args(["pss", "--level", "baseline", "-o", "sarif", "--no-config"])
        .arg(&f)
        .output()
        .unwrap();
    let r = json(&out);
    assert_eq!(r["runs"][0]["results"][0]["level"], "error");
}
