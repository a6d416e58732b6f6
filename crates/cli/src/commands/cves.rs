//! `stockade cves`: known vulnerabilities of a Kubernetes version (`--version`), or of a
//! cluster's components read from the cluster (`--cluster`) or from exported objects: the API
//! server, each node's kubelet and kube-proxy, and add-ons whose image tags name a version.
//!
//! Components found → matched against OSV data (`stockade_updates::osv`, the embedded dated
//! snapshot or `--cve-data`) → a standard report, every format.

use super::inputs;
use crate::cli::CvesArgs;
use anyhow::Context;
use std::borrow::Cow;
use std::io::Write;
use stockade_model::escape::TermLine;
use stockade_model::{
    Diagnostic, DiagnosticLevel, FieldPath, Finding, ObjectRef, Report, RuleInfo, fingerprint,
};
use stockade_updates::osv::Db;
use stockade_updates::version::Version;

/// OSV packages of the control plane's components.
const CONTROL_PLANE: &[&str] = &[
    "k8s.io/kubernetes",
    "k8s.io/apiserver",
    "k8s.io/controller-manager",
];
/// OSV packages of a node's kubelet.
const KUBELET: &[&str] = &["k8s.io/kubernetes", "k8s.io/kubelet"];

/// Add-ons whose image names a version: (image repository ending, OSV package).
const IMAGES: &[(&str, &str)] = &[
    ("ingress-nginx/controller", "k8s.io/ingress-nginx"),
    (
        "csi-secrets-store/driver",
        "sigs.k8s.io/secrets-store-csi-driver",
    ),
    ("azurefile-csi", "sigs.k8s.io/azurefile-csi-driver"),
    ("kube-proxy", "k8s.io/kube-proxy"),
    ("kube-apiserver", "k8s.io/apiserver"),
    ("kube-controller-manager", "k8s.io/controller-manager"),
];

/// One component at one version, and what it was found on.
struct Component {
    object: ObjectRef,
    what: String,
    version: Version,
    packages: Vec<&'static str>,
}

fn object(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: String::new(),
        kind: kind.into(),
        namespace: namespace.map(str::to_string),
        name: name.into(),
    }
}

pub fn run(args: CvesArgs) -> anyhow::Result<u8> {
    let db = match &args.cve_data {
        Some(p) => Db::load(p).map_err(|e| anyhow::anyhow!("--cve-data {}", TermLine(e)))?,
        None => Db::embedded(),
    };
    let mut report = Report::new(env!("CARGO_PKG_VERSION"));
    let mut components = Vec::new();
    if let Some(v) = &args.version {
        let version = Version::parse(v).ok_or_else(|| {
            anyhow::anyhow!(
                "--version {}: expected a Kubernetes version such as v1.31.4",
                TermLine(v)
            )
        })?;
        let mut packages = CONTROL_PLANE.to_vec();
        packages.extend(["k8s.io/kubelet", "k8s.io/kube-proxy", "k8s.io/kubectl"]);
        components.push(Component {
            object: object("Kubernetes", None, v),
            what: format!("Kubernetes {v}"),
            version,
            packages,
        });
    } else {
        let loaded = inputs::load(&args.input)?;
        report.diagnostics.extend(loaded.diagnostics.clone());
        report.summary.files_scanned = loaded.files_scanned;
        report.coverage = loaded.coverage.clone();
        report.partial = loaded.partial;
        if let Some(v) = &loaded.server_version {
            match Version::parse(v) {
                Some(version) => components.push(Component {
                    object: object("APIServer", None, v),
                    what: format!("kube-apiserver {v}"),
                    version,
                    packages: CONTROL_PLANE.to_vec(),
                }),
                None => report.diagnostics.push(Diagnostic::general(
                    DiagnosticLevel::Warning,
                    "unknown-version",
                    format!("the API server's version {v:?} is not a version; not matched"),
                )),
            }
        }
        for o in loaded.inv.of_kind("Node") {
            let info = o.root.at("status.nodeInfo");
            for (field, packages, what) in [
                ("kubeletVersion", KUBELET, "kubelet"),
                ("kubeProxyVersion", &["k8s.io/kube-proxy"][..], "kube-proxy"),
            ] {
                let Some(v) = info
                    .and_then(|n| n.get(field))
                    .and_then(stockade_sources::Node::as_str)
                    .filter(|v| !v.is_empty())
                else {
                    continue;
                };
                if let Some(version) = Version::parse(v) {
                    components.push(Component {
                        object: object("Node", None, o.name()),
                        what: format!("{what} {v}"),
                        version,
                        packages: packages.to_vec(),
                    });
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for o in loaded.inv.objects() {
            let Some(pod) = stockade_inventory::PodSpecView::of(o) else {
                continue;
            };
            for c in pod.all_containers() {
                let Some(image) = c.image() else { continue };
                let image = image.split('@').next().unwrap_or(image);
                let Some((repo, tag)) = image.rsplit_once(':').filter(|(r, _)| !r.ends_with('/'))
                else {
                    continue;
                };
                let Some((_, package)) = IMAGES.iter().find(|(end, _)| repo.ends_with(end)) else {
                    continue;
                };
                let Some(version) = Version::parse(tag) else {
                    continue;
                };
                if !seen.insert((
                    o.kind().to_string(),
                    o.namespace().map(str::to_string),
                    o.name().to_string(),
                    image.to_string(),
                )) {
                    continue;
                }
                components.push(Component {
                    object: object(o.kind(), o.namespace(), o.name()),
                    what: format!("image {image}"),
                    version,
                    packages: vec![package],
                });
            }
        }
        if components.is_empty() {
            report.diagnostics.push(Diagnostic::general(
                DiagnosticLevel::Warning,
                "no-components",
                "no component with a version was found: no API server version, no Node with status.nodeInfo, no add-on image with a version tag; give --version or --cluster",
            ));
        }
    }

    // How old the data is.
    let today = stockade_engine::today();
    if let Some(age) = days_between(&db.newest, &today)
        && age > 90
    {
        report.diagnostics.push(Diagnostic::general(
            DiagnosticLevel::Warning,
            "cve-data-old",
            format!(
                "the vulnerability data ({}) is from {}, {age} days ago: vulnerabilities published since are not known; give newer OSV records with --cve-data FILE|DIR",
                db.source, db.newest
            ),
        ));
    }

    let mut rules = std::collections::BTreeMap::new();
    for c in &components {
        let mut ids = std::collections::BTreeSet::new();
        for p in &c.packages {
            for m in db.matches(p, &c.version) {
                if !ids.insert(m.id.clone()) {
                    continue;
                }
                let fix = match (&m.fixed_same_minor, &m.fixed_next) {
                    (Some(f), _) => format!("fixed in {f} (same minor)"),
                    (None, Some(f)) => {
                        format!("no fix on {}; first fixed in {f}", c.version.minor_string())
                    }
                    (None, None) => "no fixed version known".into(),
                };
                let score = m
                    .score
                    .as_ref()
                    .map(|(s, _)| format!(", CVSS {s}"))
                    .unwrap_or_default();
                let path = FieldPath::root();
                report.findings.push(Finding {
                    rule_id: Cow::Owned(m.id.clone()),
                    rule_name: Cow::Owned(m.package.clone()),
                    severity: m.severity,
                    message: format!("{} affects {} ({}{score}): {fix}", m.id, c.what, m.summary),
                    fingerprint: fingerprint(&m.id, &c.object, &path),
                    object: c.object.clone(),
                    location: None,
                    field_path: path,
                    remediation: Cow::Owned(format!(
                        "Upgrade {} to a fixed version; see {}",
                        c.what,
                        m.references.first().map_or("the advisory", String::as_str)
                    )),
                    controls: Cow::Borrowed(&[]),
                    snippet: None,
                    suppression: None,
                });
                rules.entry(m.id.clone()).or_insert_with(|| RuleInfo {
                    id: m.id.clone(),
                    name: m.package.clone(),
                    summary: m.summary.clone(),
                    severity: m.severity,
                    help: format!(
                        "{}\n\nAffected package: {}. References: {}",
                        m.summary,
                        m.package,
                        m.references.join(", ")
                    ),
                    controls: Vec::new(),
                });
            }
        }
    }
    report.rules = rules.into_values().collect();
    report.summary.objects = components.len();
    report.summary.rules_run = db.records.len();
    for f in &report.findings {
        *report.summary.by_severity.entry(f.severity).or_default() += 1;
    }

    let mut out: Box<dyn Write> = match &args.output_file {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    if let Err(e) =
        stockade_report::render(&report, args.output, &mut out, false).and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    Ok(report.exit_code(Some(args.fail_on), false))
}

/// Whole days from `a` to `b` (`YYYY-MM-DD`).
fn days_between(a: &str, b: &str) -> Option<i64> {
    let day = |s: &str| -> Option<i64> {
        let ts = stockade_model::time::parse_rfc3339(&format!("{s}T00:00:00Z"))?;
        Some(ts / 86_400_000_000)
    };
    Some(day(b)? - day(a)?)
}
