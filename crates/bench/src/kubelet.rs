//! The kubelet's effective configuration, as the kubelet itself resolves it: compiled defaults,
//! then the `--config` file, then the `--config-dir` drop-ins (`*.conf`, in lexical order,
//! later ones winning), then command-line flags. Each value says where it came from, with the
//! file, line and column when it came from a file.
//!
//! The defaults depend on whether a configuration file is used: the `KubeletConfiguration`
//! API (`kubelet.config.k8s.io/v1beta1`) defaults anonymous authentication off, webhook
//! authorization and the read-only port closed, while a kubelet started with flags only keeps
//! the historical flag defaults (anonymous on, `AlwaysAllow`, read-only port 10255). Reading
//! only the flags, or only the file, gets both kinds of node wrong.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stockade_sources::{Node, Value};

/// One setting the benchmark reads: its path in `KubeletConfiguration`, its flag, and its two
/// defaults.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// Dotted path in the configuration file (`authentication.anonymous.enabled`).
    pub path: &'static str,
    /// The command-line flag, without `--` (`anonymous-auth`).
    pub flag: &'static str,
    /// The default when no configuration file is given (the flag's default); `None`: unset.
    pub flag_default: Option<&'static str>,
    /// The default of the configuration file API; `None`: unset.
    pub config_default: Option<&'static str>,
    /// Whether a bare `--flag` means `true`.
    pub boolean: bool,
}

const fn s(
    path: &'static str,
    flag: &'static str,
    flag_default: Option<&'static str>,
    config_default: Option<&'static str>,
    boolean: bool,
) -> Setting {
    Setting {
        path,
        flag,
        flag_default,
        config_default,
        boolean,
    }
}

/// The kubelet settings the CIS Kubernetes Benchmark's worker-node section reads.
pub const SETTINGS: &[Setting] = &[
    s(
        "authentication.anonymous.enabled",
        "anonymous-auth",
        Some("true"),
        Some("false"),
        true,
    ),
    s(
        "authentication.webhook.enabled",
        "authentication-token-webhook",
        Some("false"),
        Some("true"),
        true,
    ),
    s(
        "authentication.x509.clientCAFile",
        "client-ca-file",
        None,
        None,
        false,
    ),
    s(
        "authorization.mode",
        "authorization-mode",
        Some("AlwaysAllow"),
        Some("Webhook"),
        false,
    ),
    s(
        "readOnlyPort",
        "read-only-port",
        Some("10255"),
        Some("0"),
        false,
    ),
    s(
        "streamingConnectionIdleTimeout",
        "streaming-connection-idle-timeout",
        Some("4h0m0s"),
        Some("4h0m0s"),
        false,
    ),
    s(
        "protectKernelDefaults",
        "protect-kernel-defaults",
        Some("false"),
        Some("false"),
        true,
    ),
    s(
        "makeIPTablesUtilChains",
        "make-iptables-util-chains",
        Some("true"),
        Some("true"),
        true,
    ),
    s("eventRecordQPS", "event-qps", Some("50"), Some("50"), false),
    s("tlsCertFile", "tls-cert-file", None, None, false),
    s(
        "tlsPrivateKeyFile",
        "tls-private-key-file",
        None,
        None,
        false,
    ),
    s("tlsCipherSuites", "tls-cipher-suites", None, None, false),
    s(
        "rotateCertificates",
        "rotate-certificates",
        Some("false"),
        Some("false"),
        true,
    ),
    s(
        "serverTLSBootstrap",
        "rotate-server-certificates",
        Some("false"),
        Some("false"),
        true,
    ),
    s(
        "podPidsLimit",
        "pod-max-pids",
        Some("-1"),
        Some("-1"),
        false,
    ),
    s(
        "seccompDefault",
        "seccomp-default",
        Some("false"),
        Some("false"),
        true,
    ),
];

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The compiled default (of the flags, or of the configuration file API when a file is used).
    Default,
    /// The `--config` file or a drop-in, at a line and column.
    File {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
    },
    /// A command-line flag.
    Flag(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Source::Flag(a) => write!(f, "flag {a}"),
        }
    }
}

/// A resolved value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The value as text (`true`, `0`, `Webhook`, `a,b` for lists).
    pub value: String,
    /// Where it came from.
    pub source: Source,
}

/// The effective configuration, and what could not be read.
#[derive(Clone, Debug, Default)]
pub struct Effective {
    /// By setting path; unset settings are absent.
    pub values: BTreeMap<&'static str, Resolved>,
    /// Feature gates set in the configuration or by `--feature-gates`, by name; a gate not
    /// listed has its compiled default.
    pub gates: BTreeMap<String, Resolved>,
    /// The configuration file, when one was given.
    pub config_file: Option<PathBuf>,
    /// The drop-ins applied, in order.
    pub drop_ins: Vec<PathBuf>,
    /// Problems, each naming the file (and line) and what was done instead.
    pub problems: Vec<String>,
}

impl Effective {
    /// A setting's value.
    pub fn get(&self, path: &str) -> Option<&Resolved> {
        match path.strip_prefix("featureGates.") {
            Some(gate) => self.gates.get(gate),
            None => self.values.get(path),
        }
    }
}

/// What the resolver reads from the node (its filesystem under a root, or a test's map).
pub trait NodeFiles {
    /// A file's text.
    fn read(&self, path: &Path) -> Result<String, String>;
    /// The names of a directory's entries.
    fn list(&self, dir: &Path) -> Result<Vec<String>, String>;
}

/// The local filesystem, under `root` (`/` on the node itself, a snapshot's directory
/// elsewhere): absolute paths of the kubelet's command line are read below it.
pub struct UnderRoot(pub PathBuf);

impl UnderRoot {
    fn at(&self, p: &Path) -> PathBuf {
        self.0.join(p.strip_prefix("/").unwrap_or(p))
    }
}

impl NodeFiles for UnderRoot {
    fn read(&self, path: &Path) -> Result<String, String> {
        std::fs::read_to_string(self.at(path)).map_err(|e| format!("{}: {e}", path.display()))
    }
    fn list(&self, dir: &Path) -> Result<Vec<String>, String> {
        let rd = std::fs::read_dir(self.at(dir)).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(rd
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect())
    }
}

/// Splits a kubelet command line into `--flag` → value (the last occurrence wins, as pflag
/// does); `--flag value`, `--flag=value` and bare boolean flags.
fn flags(args: &[String]) -> BTreeMap<String, (String, String)> {
    let boolean = |name: &str| {
        SETTINGS.iter().any(|s| s.flag == name && s.boolean) || matches!(name, "v" | "help")
    };
    let mut out = BTreeMap::new();
    let mut it = args.iter().skip(1).peekable();
    while let Some(a) = it.next() {
        let Some(body) = a.strip_prefix("--").or_else(|| a.strip_prefix('-')) else {
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None if boolean(body) => (body.to_string(), "true".to_string()),
            None => match it.peek() {
                Some(v) if !v.starts_with('-') => {
                    (body.to_string(), it.next().cloned().unwrap_or_default())
                }
                _ => (body.to_string(), "true".to_string()),
            },
        };
        out.insert(name, (value, a.clone()));
    }
    out
}

fn text_of(n: &Node) -> Option<String> {
    match &n.value {
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Str(s) => Some(s.to_string()),
        Value::Seq(items) => Some(
            items
                .iter()
                .filter_map(text_of)
                .collect::<Vec<_>>()
                .join(","),
        ),
        Value::Null | Value::Map(_) => None,
    }
}

/// Applies one configuration document: every setting present in it overrides what is there.
fn apply_file(eff: &mut Effective, path: &Path, text: &str) {
    let loaded = match stockade_sources::yaml::load(
        text,
        0,
        stockade_sources::yaml::YamlLimits::default(),
    ) {
        Ok(l) => l,
        Err(e) => {
            eff.problems.push(format!(
                "{}: {e}; its settings are not applied",
                path.display()
            ));
            return;
        }
    };
    let Some(doc) = loaded.docs.first() else {
        return;
    };
    if let Some(kind) = doc.get("kind").and_then(Node::as_str)
        && kind != "KubeletConfiguration"
    {
        eff.problems.push(format!(
            "{}: kind {kind:?} is not KubeletConfiguration; its settings are not applied",
            path.display()
        ));
        return;
    }
    if let Some(gates) = doc.get("featureGates") {
        for (k, n) in gates.entries() {
            if let Some(value) = text_of(n) {
                eff.gates.insert(
                    k.name.to_string(),
                    Resolved {
                        value,
                        source: Source::File {
                            path: path.to_path_buf(),
                            line: n.pos.line,
                            column: n.pos.col,
                        },
                    },
                );
            }
        }
    }
    for st in SETTINGS {
        let Some(n) = doc.at(st.path) else { continue };
        let Some(value) = text_of(n) else {
            eff.problems.push(format!(
                "{}:{}:{}: `{}` is {}, not a value; ignored",
                path.display(),
                n.pos.line,
                n.pos.col,
                st.path,
                n.type_name()
            ));
            continue;
        };
        eff.values.insert(
            st.path,
            Resolved {
                value,
                source: Source::File {
                    path: path.to_path_buf(),
                    line: n.pos.line,
                    column: n.pos.col,
                },
            },
        );
    }
}

/// Resolves the effective configuration of a kubelet started with `cmdline` (argv, as in
/// `/proc/PID/cmdline`), reading its files through `files`.
pub fn resolve(cmdline: &[String], files: &dyn NodeFiles) -> Effective {
    let flags = flags(cmdline);
    let mut eff = Effective::default();
    let config = flags.get("config").map(|(v, _)| PathBuf::from(v));
    for st in SETTINGS {
        let d = if config.is_some() {
            st.config_default
        } else {
            st.flag_default
        };
        if let Some(d) = d {
            eff.values.insert(
                st.path,
                Resolved {
                    value: d.to_string(),
                    source: Source::Default,
                },
            );
        }
    }
    if let Some(path) = &config {
        match files.read(path) {
            Ok(text) => apply_file(&mut eff, path, &text),
            Err(e) => eff.problems.push(format!(
                "cannot read the kubelet's --config file ({e}); the configuration API's defaults are assumed"
            )),
        }
        eff.config_file = Some(path.clone());
    }
    if let Some((dir, _)) = flags.get("config-dir") {
        let dir = PathBuf::from(dir);
        match files.list(&dir) {
            Ok(mut names) => {
                names.retain(|n| n.ends_with(".conf"));
                names.sort();
                for n in names {
                    let p = dir.join(&n);
                    match files.read(&p) {
                        Ok(text) => apply_file(&mut eff, &p, &text),
                        Err(e) => eff
                            .problems
                            .push(format!("cannot read drop-in ({e}); skipped")),
                    }
                    eff.drop_ins.push(p);
                }
            }
            Err(e) => eff.problems.push(format!(
                "cannot list the kubelet's --config-dir ({e}); no drop-in applied"
            )),
        }
    }
    if let Some((list, arg)) = flags.get("feature-gates") {
        for pair in list.split(',') {
            if let Some((k, v)) = pair.split_once('=') {
                eff.gates.insert(
                    k.trim().to_string(),
                    Resolved {
                        value: v.trim().to_string(),
                        source: Source::Flag(arg.clone()),
                    },
                );
            }
        }
    }
    for st in SETTINGS {
        if let Some((value, arg)) = flags.get(st.flag) {
            eff.values.insert(
                st.path,
                Resolved {
                    value: value.clone(),
                    source: Source::Flag(arg.clone()),
                },
            );
        }
    }
    eff
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<PathBuf, String>);

    impl NodeFiles for Map {
        fn read(&self, path: &Path) -> Result<String, String> {
            self.0
                .get(path)
                .cloned()
                .ok_or_else(|| format!("{}: No such file or directory", path.display()))
        }
        fn list(&self, dir: &Path) -> Result<Vec<String>, String> {
            let names: Vec<String> = self
                .0
                .keys()
                .filter(|p| p.parent() == Some(dir))
                .filter_map(|p| p.file_name()?.to_str().map(String::from))
                .collect();
            if names.is_empty() {
                Err(format!("{}: No such file or directory", dir.display()))
            } else {
                Ok(names)
            }
        }
    }

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn flags_only_keeps_the_flag_defaults() {
        let e = resolve(
            &argv("/usr/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf"),
            &Map(HashMap::new()),
        );
        assert_eq!(
            e.get("authentication.anonymous.enabled").unwrap().value,
            "true"
        );
        assert_eq!(e.get("authorization.mode").unwrap().value, "AlwaysAllow");
        assert_eq!(e.get("readOnlyPort").unwrap().value, "10255");
        assert_eq!(e.get("readOnlyPort").unwrap().source, Source::Default);
        assert!(e.get("tlsCertFile").is_none());
        assert!(e.problems.is_empty());
    }

    #[test]
    fn file_then_drop_ins_in_order_then_flags_each_with_its_source() {
        let files = Map(HashMap::from([
            (
                PathBuf::from("/var/lib/kubelet/config.yaml"),
                "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\nreadOnlyPort: 10255\ntlsCipherSuites: [TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384]\n".to_string(),
            ),
            (
                PathBuf::from("/etc/kubernetes/kubelet.conf.d/10-base.conf"),
                "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\nprotectKernelDefaults: true\n".to_string(),
            ),
            (
                PathBuf::from("/etc/kubernetes/kubelet.conf.d/20-hardening.conf"),
                "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n".to_string(),
            ),
            (
                PathBuf::from("/etc/kubernetes/kubelet.conf.d/30-ignored.yaml"),
                "readOnlyPort: 4\n".to_string(),
            ),
        ]));
        let e = resolve(
            &argv(
                "kubelet --config /var/lib/kubelet/config.yaml --config-dir=/etc/kubernetes/kubelet.conf.d --protect-kernel-defaults=false --rotate-certificates",
            ),
            &files,
        );
        let anon = e.get("authentication.anonymous.enabled").unwrap();
        assert_eq!(anon.value, "false");
        assert_eq!(
            anon.source,
            Source::File {
                path: "/etc/kubernetes/kubelet.conf.d/20-hardening.conf".into(),
                line: 5,
                column: 14
            }
        );
        assert_eq!(e.get("readOnlyPort").unwrap().value, "0");
        assert_eq!(e.get("protectKernelDefaults").unwrap().value, "false");
        assert_eq!(
            e.get("protectKernelDefaults").unwrap().source,
            Source::Flag("--protect-kernel-defaults=false".into())
        );
        assert_eq!(e.get("rotateCertificates").unwrap().value, "true");
        assert_eq!(
            e.get("tlsCipherSuites").unwrap().value,
            "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384"
        );
        // The configuration API's defaults apply where neither file nor flag says.
        assert_eq!(e.get("authorization.mode").unwrap().value, "Webhook");
        assert_eq!(e.drop_ins.len(), 2, "{:?}", e.drop_ins);
        assert_eq!(
            e.get("readOnlyPort").unwrap().source.to_string(),
            "/etc/kubernetes/kubelet.conf.d/10-base.conf:3:15"
        );
    }

    #[test]
    fn unreadable_or_wrong_files_are_said_and_the_rest_still_resolves() {
        let files = Map(HashMap::from([(
            PathBuf::from("/etc/k/config.yaml"),
            "kind: KubeletConfiguration\nauthentication: {anonymous: {enabled: {x: 1}}}\nreadOnlyPort: [\n".to_string(),
        )]));
        let e = resolve(
            &argv("kubelet --config=/etc/k/config.yaml --config-dir /nowhere"),
            &files,
        );
        assert_eq!(e.problems.len(), 2, "{:?}", e.problems);
        assert!(e.problems[0].contains("/etc/k/config.yaml"));
        assert!(e.problems[1].contains("--config-dir"));
        assert_eq!(e.get("readOnlyPort").unwrap().value, "0");
        let files = Map(HashMap::from([(
            PathBuf::from("/etc/k/config.yaml"),
            "kind: KubeletConfiguration\nauthentication: {anonymous: {enabled: {x: 1}}}\n"
                .to_string(),
        )]));
        let e = resolve(&argv("kubelet --config=/etc/k/config.yaml"), &files);
        assert!(
            e.problems[0].contains(":2:") && e.problems[0].contains("ignored"),
            "{:?}",
            e.problems
        );
        assert_eq!(
            e.get("authentication.anonymous.enabled").unwrap().value,
            "false"
        );
        let e = resolve(&argv("kubelet --config=/missing.yaml"), &files);
        assert!(e.problems[0].contains("cannot read"));
        assert_eq!(e.get("authorization.mode").unwrap().value, "Webhook");
    }
}
