//! What the PodSecurity admission would do with an object in its namespace: the namespace
//! policy (labels over the admission configuration's defaults), exemptions, and the enforce,
//! audit and warn verdicts.

use crate::api::{Level, LevelVersion, Policy, Version};
use crate::eval::{Evaluation, evaluate};
use crate::pod::Pod;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Exemptions from the admission configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exemptions {
    /// Requesting users whose requests are not evaluated.
    pub usernames: Vec<String>,
    /// Namespaces whose pods are not evaluated.
    pub namespaces: Vec<String>,
    /// Runtime classes whose pods are not evaluated.
    pub runtime_classes: Vec<String>,
}

/// The PodSecurity plugin's configuration: cluster defaults and exemptions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdmissionConfig {
    /// The policy of namespaces without labels (and of unset labels).
    pub defaults: Policy,
    /// Who and what is exempt.
    pub exemptions: Exemptions,
}

/// Why an admission configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid YAML/JSON of the expected shape.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFile {
    api_version: Option<String>,
    kind: Option<String>,
    #[serde(default)]
    plugins: Vec<RawPlugin>,
    defaults: Option<RawDefaults>,
    exemptions: Option<RawExemptions>,
}

#[derive(Deserialize)]
struct RawPlugin {
    name: Option<String>,
    path: Option<String>,
    configuration: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct RawDefaults {
    enforce: Option<String>,
    #[serde(rename = "enforce-version")]
    enforce_version: Option<String>,
    audit: Option<String>,
    #[serde(rename = "audit-version")]
    audit_version: Option<String>,
    warn: Option<String>,
    #[serde(rename = "warn-version")]
    warn_version: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawExemptions {
    #[serde(default)]
    usernames: Vec<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    runtime_classes: Vec<String>,
}

const CONFIG_GROUP: &str = "pod-security.admission.config.k8s.io/";

impl AdmissionConfig {
    /// Loads an `AdmissionConfiguration` (the `--admission-control-config-file` of the API
    /// server, whose `PodSecurity` plugin entry holds the configuration inline or names a file)
    /// or a `PodSecurityConfiguration` file.
    pub fn load(path: &Path) -> Result<AdmissionConfig, ConfigError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.to_path_buf(),
                source,
            })
        };
        AdmissionConfig::read_with(path, &read)
    }

    /// As [`AdmissionConfig::load`], with every file (the configuration, and the file its
    /// `PodSecurity` entry names) read through `read`: a node snapshot reads them below its
    /// root, never from the machine running the check.
    pub fn read_with(
        path: &Path,
        read: &dyn Fn(&Path) -> Result<String, ConfigError>,
    ) -> Result<AdmissionConfig, ConfigError> {
        AdmissionConfig::read_nested(path, read, false)
    }

    /// `nested`: the file was named by a `PodSecurity` entry's `path`, and must be a
    /// PodSecurityConfiguration (an AdmissionConfiguration there could name itself).
    fn read_nested(
        path: &Path,
        read: &dyn Fn(&Path) -> Result<String, ConfigError>,
        nested: bool,
    ) -> Result<AdmissionConfig, ConfigError> {
        let text = read(path)?;
        let perr = |message: String| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawFile = serde_saphyr::from_str(&text).map_err(|e| perr(e.to_string()))?;
        match raw.kind.as_deref() {
            Some("PodSecurityConfiguration") => from_raw(&raw).map_err(perr),
            Some("AdmissionConfiguration") if nested => Err(perr(
                "the `PodSecurity` entry's path names an AdmissionConfiguration; it must name a PodSecurityConfiguration".into(),
            )),
            Some("AdmissionConfiguration") => {
                let Some(plugin) = raw
                    .plugins
                    .iter()
                    .find(|p| p.name.as_deref() == Some("PodSecurity"))
                else {
                    return Err(perr(
                        "the AdmissionConfiguration has no `PodSecurity` plugin entry, so the cluster runs with the built-in defaults (privileged everywhere); remove --admission-config or add the entry".into(),
                    ));
                };
                if let Some(cfg) = &plugin.configuration {
                    let inner: RawFile = serde_json::from_value(cfg.clone())
                        .map_err(|e| perr(format!("plugins[PodSecurity].configuration: {e}")))?;
                    return from_raw(&inner).map_err(perr);
                }
                if let Some(p) = &plugin.path {
                    let p = Path::new(p);
                    let resolved = if p.is_absolute() {
                        p.to_path_buf()
                    } else {
                        path.parent().unwrap_or(Path::new(".")).join(p)
                    };
                    return AdmissionConfig::read_nested(&resolved, read, true);
                }
                Err(perr(
                    "the `PodSecurity` plugin entry has neither `configuration` nor `path`".into(),
                ))
            }
            other => Err(perr(format!(
                "expected kind AdmissionConfiguration (apiserver.config.k8s.io/v1) or PodSecurityConfiguration ({CONFIG_GROUP}v1), found {}",
                other.map_or("no kind".to_string(), |k| format!("kind {k}"))
            ))),
        }
    }
}

fn from_raw(raw: &RawFile) -> Result<AdmissionConfig, String> {
    if let Some(v) = &raw.api_version
        && !v.starts_with(CONFIG_GROUP)
    {
        return Err(format!(
            "PodSecurityConfiguration must have apiVersion {CONFIG_GROUP}v1 (or v1beta1), found {v}"
        ));
    }
    let d = raw.defaults.as_ref();
    let level = |v: Option<&String>, key: &str| -> Result<Level, String> {
        match v.map(String::as_str) {
            None | Some("") => Ok(Level::Privileged),
            Some(s) => Level::parse(s).map_err(|e| format!("defaults.{key}: {e}")),
        }
    };
    let version = |v: Option<&String>, key: &str| -> Result<Version, String> {
        match v.map(String::as_str) {
            None | Some("") => Ok(Version::Latest),
            Some(s) => Version::parse(s).map_err(|e| format!("defaults.{key}: {e}")),
        }
    };
    let defaults = Policy {
        enforce: LevelVersion::new(
            level(d.and_then(|d| d.enforce.as_ref()), "enforce")?,
            version(
                d.and_then(|d| d.enforce_version.as_ref()),
                "enforce-version",
            )?,
        ),
        audit: LevelVersion::new(
            level(d.and_then(|d| d.audit.as_ref()), "audit")?,
            version(d.and_then(|d| d.audit_version.as_ref()), "audit-version")?,
        ),
        warn: LevelVersion::new(
            level(d.and_then(|d| d.warn.as_ref()), "warn")?,
            version(d.and_then(|d| d.warn_version.as_ref()), "warn-version")?,
        ),
    };
    let e = raw.exemptions.as_ref();
    Ok(AdmissionConfig {
        defaults,
        exemptions: Exemptions {
            usernames: e.map(|e| e.usernames.clone()).unwrap_or_default(),
            namespaces: e.map(|e| e.namespaces.clone()).unwrap_or_default(),
            runtime_classes: e.map(|e| e.runtime_classes.clone()).unwrap_or_default(),
        },
    })
}

/// Why an object is not evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exemption {
    /// Its namespace is exempt.
    Namespace(String),
    /// The requesting user is exempt.
    User(String),
    /// Its runtime class is exempt.
    RuntimeClass(String),
}

impl std::fmt::Display for Exemption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exemption::Namespace(n) => write!(f, "namespace {n:?} is exempt"),
            Exemption::User(u) => write!(f, "user {u:?} is exempt"),
            Exemption::RuntimeClass(r) => write!(f, "runtime class {r:?} is exempt"),
        }
    }
}

/// What the admission would do with one object.
#[derive(Clone, Debug)]
pub struct Decision {
    /// The namespace's policy.
    pub policy: Policy,
    /// Problems with the namespace's labels (the admission falls back as upstream does).
    pub label_errors: Vec<String>,
    /// Set when the object is not evaluated at all.
    pub exempt: Option<Exemption>,
    /// The enforce evaluation (absent when exempt or the namespace is fully privileged).
    pub enforce: Option<Evaluation>,
    /// The audit evaluation.
    pub audit: Option<Evaluation>,
    /// The warn evaluation (upstream skips warnings on requests it rejects).
    pub warn: Option<Evaluation>,
}

impl Decision {
    /// Whether enforce rejects it (for a Pod) or would reject its pods (for a workload).
    pub fn rejected(&self) -> bool {
        self.enforce.as_ref().is_some_and(|e| !e.allowed())
    }

    /// Whether audit records a violation.
    pub fn audited(&self) -> bool {
        self.audit.as_ref().is_some_and(|e| !e.allowed())
    }

    /// Whether the request gets a warning.
    pub fn warned(&self) -> bool {
        self.warn.as_ref().is_some_and(|e| !e.allowed())
    }
}

/// Decides, as the admission would, for `pod` in a namespace with `labels` (`None` when the
/// Namespace object is unknown: the defaults apply), requested by `user` when known.
pub fn decide<'a>(
    pod: &Pod<'_>,
    namespace: &str,
    labels: Option<impl IntoIterator<Item = (&'a str, &'a str)>>,
    config: &AdmissionConfig,
    user: Option<&str>,
) -> Decision {
    let (policy, label_errors) = match labels {
        Some(l) => Policy::from_labels(l, config.defaults),
        None => (config.defaults, Vec::new()),
    };
    let mut d = Decision {
        policy,
        label_errors,
        exempt: None,
        enforce: None,
        audit: None,
        warn: None,
    };
    let ex = &config.exemptions;
    if !namespace.is_empty() && ex.namespaces.iter().any(|n| n == namespace) {
        d.exempt = Some(Exemption::Namespace(namespace.to_string()));
        return d;
    }
    if let Some(u) = user.filter(|u| !u.is_empty())
        && ex.usernames.iter().any(|x| x == u)
    {
        d.exempt = Some(Exemption::User(u.to_string()));
        return d;
    }
    if d.label_errors.is_empty() && policy.fully_privileged() {
        return d;
    }
    if let Some(rc) = pod.spec_str("runtimeClassName").filter(|r| !r.is_empty())
        && ex.runtime_classes.iter().any(|x| x == rc)
    {
        d.exempt = Some(Exemption::RuntimeClass(rc.to_string()));
        return d;
    }
    let enforce = evaluate(pod, policy.enforce);
    let same = |a: &LevelVersion, b: &LevelVersion| a == b;
    let audit = if same(&policy.audit, &policy.enforce) {
        Evaluation {
            policy: policy.audit,
            failures: enforce.failures.clone(),
        }
    } else {
        evaluate(pod, policy.audit)
    };
    let rejected = !enforce.allowed();
    d.warn = if rejected && pod.is_pod {
        None
    } else {
        Some(evaluate(pod, policy.warn))
    };
    d.enforce = Some(enforce);
    d.audit = Some(audit);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::labels;
    use crate::checks::test_support::with_pod;

    fn cfg(text: &str) -> Result<AdmissionConfig, ConfigError> {
        // One directory per call: tests run in parallel threads of one process.
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let d = std::env::temp_dir().join(format!(
            "stockade-pss-cfg-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("admission.yaml");
        std::fs::write(&p, text).unwrap();
        let r = AdmissionConfig::load(&p);
        let _ = std::fs::remove_dir_all(&d);
        r
    }

    #[test]
    fn admission_configuration_with_inline_plugin_config() {
        let c = cfg("apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration:\n    apiVersion: pod-security.admission.config.k8s.io/v1\n    kind: PodSecurityConfiguration\n    defaults:\n      enforce: baseline\n      enforce-version: v1.30\n      warn: restricted\n    exemptions:\n      usernames: [ci-bot]\n      runtimeClasses: [kata]\n      namespaces: [kube-system]\n").unwrap();
        assert_eq!(
            c.defaults.enforce,
            LevelVersion::new(Level::Baseline, Version::V1(30))
        );
        assert_eq!(c.defaults.warn.level, Level::Restricted);
        assert_eq!(c.defaults.audit.level, Level::Privileged);
        assert_eq!(c.exemptions.runtime_classes, ["kata"]);
    }

    #[test]
    fn bad_config_is_an_error_that_says_why() {
        let e = cfg("apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults: {enforce: strict}\n").unwrap_err();
        assert!(e.to_string().contains("defaults.enforce"), "{e}");
        let e = cfg("kind: Deployment\n").unwrap_err();
        assert!(e.to_string().contains("expected kind"), "{e}");
    }

    #[test]
    fn exemptions_and_modes() {
        let config = AdmissionConfig {
            defaults: Policy::default(),
            exemptions: Exemptions {
                namespaces: vec!["kube-system".into()],
                runtime_classes: vec!["kata".into()],
                usernames: vec!["ci".into()],
            },
        };
        let spec = "hostNetwork: true\ncontainers: [{name: a}]";
        let labels = [(labels::ENFORCE, "baseline"), (labels::AUDIT, "restricted")];
        with_pod("", spec, |p| {
            let d = decide(p, "prod", Some(labels), &config, None);
            assert!(d.rejected() && d.audited() && d.warn.is_none());
            assert_eq!(
                d.enforce.as_ref().unwrap().message(),
                r#"violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)"#
            );
            let d = decide(p, "kube-system", Some(labels), &config, None);
            assert_eq!(d.exempt, Some(Exemption::Namespace("kube-system".into())));
            let d = decide(p, "prod", Some(labels), &config, Some("ci"));
            assert_eq!(d.exempt, Some(Exemption::User("ci".into())));
            let d = decide(p, "prod", None::<[(&str, &str); 0]>, &config, None);
            assert!(!d.rejected() && d.enforce.is_none());
        });
        with_pod("", &format!("runtimeClassName: kata\n{spec}"), |p| {
            let d = decide(p, "prod", Some(labels), &config, None);
            assert_eq!(d.exempt, Some(Exemption::RuntimeClass("kata".into())));
        });
    }

    #[test]
    fn files_are_read_through_the_reader_and_a_path_cannot_loop() {
        let files = |p: &Path| -> Result<String, ConfigError> {
            let text = match p.to_str().unwrap_or("") {
                "/etc/kubernetes/admission.yaml" => {
                    "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: psa.yaml\n"
                }
                "/etc/kubernetes/psa.yaml" => {
                    "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  enforce: restricted\n"
                }
                "/loop.yaml" => {
                    "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: /loop.yaml\n"
                }
                _ => {
                    return Err(ConfigError::Parse {
                        path: p.to_path_buf(),
                        message: "no such file".into(),
                    });
                }
            };
            Ok(text.to_string())
        };
        let cfg = AdmissionConfig::read_with(Path::new("/etc/kubernetes/admission.yaml"), &files)
            .unwrap();
        assert_eq!(cfg.defaults.enforce.level, Level::Restricted);
        let err = AdmissionConfig::read_with(Path::new("/loop.yaml"), &files).unwrap_err();
        assert!(
            err.to_string()
                .contains("must name a PodSecurityConfiguration"),
            "{err}"
        );
    }
}
