//! Helm charts and Kustomize directories among the inputs: rendered with real helm and
//! kustomize (built from their Go modules by scripts/tools.sh, named by STOCKADE_TEST_HELM and
//! STOCKADE_TEST_KUSTOMIZE), scanned with each object mapped to its template; values files,
//! `--set`, release name and namespace; a chart whose dependency is missing fails as `helm
//! template` does; without the tools, a warning that says what to install and no parse error.

mod common;

use common::{json_out, stockade, text};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The tools, or `None` (with a note) when the suite runs without them — which fails instead
/// under STOCKADE_REQUIRE_CLUSTER=1, as scripts/test.sh sets (it builds them).
fn tools() -> Option<(String, String)> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (get("STOCKADE_TEST_HELM"), get("STOCKADE_TEST_KUSTOMIZE")) {
        (Some(h), Some(k)) => Some((h, k)),
        _ => {
            assert!(
                std::env::var("STOCKADE_REQUIRE_CLUSTER").as_deref() != Ok("1"),
                "STOCKADE_REQUIRE_CLUSTER=1 but STOCKADE_TEST_HELM/STOCKADE_TEST_KUSTOMIZE are unset: run via scripts/test.sh"
            );
            eprintln!("note: STOCKADE_TEST_HELM/KUSTOMIZE unset; skipping the rendering tests");
            None
        }
    }
}

fn objects(doc: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap().to_string(),
                format!(
                    "{}/{}/{}",
                    f["object"]["kind"].as_str().unwrap(),
                    f["object"]["namespace"].as_str().unwrap_or("-"),
                    f["object"]["name"].as_str().unwrap()
                ),
                f["location"]["template"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn charts_and_overlays_are_rendered_and_scanned() {
    let Some((helm, kustomize)) = tools() else {
        return;
    };
    let scan = |args: &[&str]| {
        let out = stockade()
            .env("STOCKADE_HELM", &helm)
            .env("STOCKADE_KUSTOMIZE", &kustomize)
            .args([
                "scan",
                "--no-config",
                "-o",
                "json",
                "--enable",
                "WL001",
                "--enable",
                "WL008",
                "--disable",
                "all",
            ])
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), json_out(&out), text(&out))
    };
    let chart = fixtures().join("charts/shop");
    let chart = chart.to_str().unwrap();

    // The chart as it is: hardened, nothing to report; its templates are not read as YAML.
    let (code, doc, t) = scan(&[chart]);
    assert_eq!(code, Some(0), "{t}");
    assert_eq!(doc["summary"]["objects"], 3, "{t}");
    assert!(doc["diagnostics"].as_array().unwrap().is_empty(), "{t}");

    // Values files and --set are those of helm; findings name their template.
    let d = tempfile::tempdir().unwrap();
    let values = d.path().join("privileged.yaml");
    std::fs::write(&values, "securityContext:\n  privileged: true\n").unwrap();
    let (code, doc, t) = scan(&[
        chart,
        "--values",
        values.to_str().unwrap(),
        "--set",
        "cache.hostNetwork=true",
        "--release-name",
        "prod",
        "--release-namespace",
        "shop",
    ]);
    assert_eq!(code, Some(1), "{t}");
    assert_eq!(
        objects(&doc),
        vec![
            (
                "WL001".to_string(),
                "Deployment/shop/prod-shop".to_string(),
                "shop/templates/deployment.yaml".to_string()
            ),
            (
                // The subchart's template does not use .Release.Namespace: helm leaves it out.
                "WL008".to_string(),
                "Deployment/-/prod-cache".to_string(),
                "shop/charts/cache/templates/deployment.yaml".to_string()
            ),
        ],
        "{t}"
    );
    // The table names the template.
    let out = stockade()
        .env("STOCKADE_HELM", &helm)
        .args([
            "scan",
            "--no-config",
            chart,
            "--values",
            values.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        text(&out).contains("(from shop/templates/deployment.yaml)"),
        "{}",
        text(&out)
    );

    // The overlay is rendered as kustomize builds it; its patch is not read as an object, and
    // the base is scanned as its own directory too.
    let (code, doc, t) = scan(&[fixtures().join("kustomize").to_str().unwrap()]);
    assert_eq!(code, Some(1), "{t}");
    assert_eq!(
        objects(&doc),
        vec![(
            "WL008".to_string(),
            "Deployment/prod/api".to_string(),
            String::new()
        )],
        "{t}"
    );
    assert_eq!(doc["summary"]["objects"], 2, "{t}");

    // A dependency that is declared but not in charts/ fails as helm template fails.
    let broken = d.path().join("broken");
    std::fs::create_dir_all(broken.join("templates")).unwrap();
    std::fs::write(
        broken.join("Chart.yaml"),
        "apiVersion: v2\nname: broken\nversion: 0.1.0\ndependencies:\n- {name: redis, version: 1.2.3, repository: https://charts.example.com}\n",
    )
    .unwrap();
    std::fs::write(
        broken.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\n",
    )
    .unwrap();
    let (code, doc, t) = scan(&[broken.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{t}");
    let diag = &doc["diagnostics"][0];
    assert_eq!(diag["code"], "render", "{t}");
    assert!(
        diag["message"]
            .as_str()
            .unwrap()
            .contains("helm template failed")
            && diag["message"].as_str().unwrap().contains("redis"),
        "{t}"
    );
}

#[test]
fn without_helm_or_kustomize_the_directories_are_named_not_misread() {
    let d = tempfile::tempdir().unwrap();
    let empty_path = d.path().join("bin");
    std::fs::create_dir_all(&empty_path).unwrap();
    let out = stockade()
        .env("PATH", &empty_path)
        .env_remove("STOCKADE_HELM")
        .env_remove("STOCKADE_KUSTOMIZE")
        .args(["scan", "--no-config", "-o", "json"])
        .arg(fixtures().join("charts"))
        .arg(fixtures().join("kustomize"))
        .output()
        .unwrap();
    let doc = json_out(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let diags: Vec<(String, String, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["level"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(diags.len(), 3, "{diags:#?}");
    assert!(
        diags
            .iter()
            .all(|(c, l, _)| c == "not-rendered" && l == "warning")
    );
    assert!(
        diags[0].2.contains("Helm chart not scanned: install helm"),
        "{diags:#?}"
    );
    assert!(
        diags[1]
            .2
            .contains("Kustomize directory not scanned: install kustomize"),
        "{diags:#?}"
    );
    assert_eq!(doc["summary"]["objects"], 0);
}
