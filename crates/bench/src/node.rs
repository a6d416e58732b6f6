//! One node as the benchmark sees it: its components' flags (from kubeadm's static pod
//! manifests, with positions, or from the running processes), the kubelet's effective
//! configuration, and its files — all read under a root (`/`, or a snapshot), never through a
//! shell. [`Node::observe`] answers one check's question: what value, from where.

use crate::files;
use crate::kubelet::{self, Effective, UnderRoot};
use crate::process::{self, Component};
use crate::static_pod::{self, Flag};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where kubeadm, then RKE2, write each control-plane component's static pod manifest.
fn manifests_of(c: Component) -> &'static [&'static str] {
    match c {
        Component::ApiServer => &[
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
            "/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml",
        ],
        Component::ControllerManager => &[
            "/etc/kubernetes/manifests/kube-controller-manager.yaml",
            "/var/lib/rancher/rke2/agent/pod-manifests/kube-controller-manager.yaml",
        ],
        Component::Scheduler => &[
            "/etc/kubernetes/manifests/kube-scheduler.yaml",
            "/var/lib/rancher/rke2/agent/pod-manifests/kube-scheduler.yaml",
        ],
        Component::Etcd => &[
            "/etc/kubernetes/manifests/etcd.yaml",
            "/var/lib/rancher/rke2/agent/pod-manifests/etcd.yaml",
        ],
        Component::Kubelet | Component::Proxy => &[],
    }
}

/// Whether a process is k3s itself (which embeds the components).
fn is_k3s(p: &process::Process) -> bool {
    p.argv
        .first()
        .is_some_and(|a| a.rsplit('/').next() == Some("k3s"))
}

/// What a check asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A component's command-line flag (`--anonymous-auth`), by name without `--`.
    Flag(Component, String),
    /// A kubelet setting by its configuration path (see [`kubelet::SETTINGS`]).
    Kubelet(String),
    /// A file's permission bits, as octal text.
    FileMode(PathBuf),
    /// A file's `user:group`.
    FileOwner(PathBuf),
}

/// An observed value and where it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The value; `None` when not set (a flag absent, a setting with no default).
    pub value: Option<String>,
    /// Where: `FILE:LINE:COL`, `flag --x=y of pid N`, `default`, or the file stat'ed.
    pub source: String,
}

/// Why a question cannot be answered on this node (the component does not run here, a file
/// cannot be read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unanswered(pub String);

/// Which distribution laid the node out, from the files and processes it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distribution {
    /// kubeadm: static pod manifests under `/etc/kubernetes/manifests`.
    Kubeadm,
    /// k3s: one `k3s server`/`k3s agent` process, `/etc/rancher/k3s`.
    K3s,
    /// RKE2: `/etc/rancher/rke2`, static pods under `/var/lib/rancher/rke2`.
    Rke2,
    /// Amazon EKS worker: `/etc/eks`, kubelet config under `/etc/kubernetes/kubelet`.
    Eks,
    /// Google GKE node: `/home/kubernetes`.
    Gke,
    /// Azure AKS node: `/etc/kubernetes/azure.json`.
    Aks,
    /// None of these.
    Unknown,
}

impl Distribution {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Distribution::Kubeadm => "kubeadm",
            Distribution::K3s => "k3s",
            Distribution::Rke2 => "rke2",
            Distribution::Eks => "eks",
            Distribution::Gke => "gke",
            Distribution::Aks => "aks",
            Distribution::Unknown => "unknown",
        }
    }

    /// Whether the provider runs the control plane where a node cannot inspect it.
    pub fn managed(self) -> bool {
        matches!(
            self,
            Distribution::Eks | Distribution::Gke | Distribution::Aks
        )
    }
}

/// The node.
pub struct Node {
    root: PathBuf,
    flags: BTreeMap<Component, (Vec<Flag>, String)>,
    pids: BTreeMap<Component, u32>,
    kubelet: Option<Effective>,
    /// The Kubernetes minor version (`1.36`) and where it was read, when the node says.
    pub version: Option<(String, String)>,
    /// The distribution's layout.
    pub distribution: Distribution,
    /// Problems met while reading it (each names its file).
    pub problems: Vec<String>,
}

impl Node {
    /// Reads the node under `root`.
    pub fn read(root: &Path) -> Node {
        let mut node = Node {
            root: root.to_path_buf(),
            flags: BTreeMap::new(),
            pids: BTreeMap::new(),
            kubelet: None,
            version: None,
            distribution: Distribution::Unknown,
            problems: Vec::new(),
        };
        let procs = process::components(root);
        for (c, p) in &procs {
            node.pids.entry(*c).or_insert(p.pid);
        }
        for c in [
            Component::ApiServer,
            Component::ControllerManager,
            Component::Scheduler,
            Component::Etcd,
        ] {
            let Some(m) = manifests_of(c)
                .iter()
                .copied()
                .find(|m| root.join(m.trim_start_matches('/')).is_file())
            else {
                if let Some((_, p)) = procs.iter().find(|(pc, p)| *pc == c && !is_k3s(p)) {
                    node.flags
                        .insert(c, (process_flags(p), format!("pid {}", p.pid)));
                }
                continue;
            };
            let real = root.join(m.trim_start_matches('/'));
            if let Ok(text) = std::fs::read_to_string(&real) {
                if node.version.is_none()
                    && let Some(v) = static_pod::image(&text)
                        .as_deref()
                        .and_then(static_pod::minor_of_image)
                {
                    node.version = Some((v, format!("the image of {m}")));
                }
                match static_pod::flags(Path::new(m), &text) {
                    Ok(f) => {
                        node.flags.insert(c, (f, m.to_string()));
                        continue;
                    }
                    Err(e) => node.problems.push(e),
                }
            }
            if let Some((_, p)) = procs.iter().find(|(pc, p)| *pc == c && !is_k3s(p)) {
                node.flags
                    .insert(c, (process_flags(p), format!("pid {}", p.pid)));
            }
        }
        if let Some((_, p)) = procs.iter().find(|(_, p)| is_k3s(p)) {
            node.read_k3s(p);
        }
        if let Some((_, p)) = procs
            .iter()
            .find(|(c, p)| *c == Component::Proxy && !is_k3s(p))
        {
            node.flags.insert(
                Component::Proxy,
                (process_flags(p), format!("pid {}", p.pid)),
            );
        }
        if let Some((_, p)) = procs
            .iter()
            .find(|(c, p)| *c == Component::Kubelet && !is_k3s(p))
        {
            let eff = kubelet::resolve(&p.argv, &UnderRoot(root.to_path_buf()));
            node.problems.extend(eff.problems.iter().cloned());
            node.flags.insert(
                Component::Kubelet,
                (process_flags(p), format!("pid {}", p.pid)),
            );
            node.kubelet = Some(eff);
        }
        node.distribution = detect(root, &procs);
        if node.flags.is_empty() {
            node.problems.push(format!(
                "{}: no Kubernetes component found (no static pod manifest under etc/kubernetes/manifests, no kubelet, etcd or control-plane process under proc): not a node, or its processes are hidden (run with the host's PID namespace: hostPID, or --node-root on a snapshot that holds proc)",
                root.display()
            ));
        }
        node
    }

    /// The components a `k3s server` or `k3s agent` process embeds, with the flags its
    /// configuration and command line pass them ([`crate::k3s`]).
    fn read_k3s(&mut self, p: &process::Process) {
        let server = p.argv.get(1).map(String::as_str) == Some("server");
        let (by, problems) = crate::k3s::flags(&self.root, &p.argv);
        self.problems.extend(problems);
        let from = format!("k3s (pid {})", p.pid);
        let has = |name: &str| {
            p.argv
                .iter()
                .any(|a| a == name || a.starts_with(&format!("{name}=")))
        };
        let mut embedded = vec![Component::Kubelet, Component::Proxy];
        if has("--disable-agent") {
            embedded.clear();
        }
        if server {
            embedded.extend([
                Component::ApiServer,
                Component::ControllerManager,
                Component::Scheduler,
            ]);
            if has("--cluster-init") || by.contains_key(&Component::Etcd) {
                embedded.push(Component::Etcd);
            }
        }
        for c in embedded {
            let flags = by.get(&c).cloned().unwrap_or_default();
            self.pids.insert(c, p.pid);
            if c == Component::Kubelet {
                let mut argv = vec!["kubelet".to_string()];
                argv.extend(flags.iter().map(|f| format!("--{}={}", f.name, f.value)));
                let eff = kubelet::resolve(&argv, &UnderRoot(self.root.clone()));
                self.problems.extend(eff.problems.iter().cloned());
                self.kubelet = Some(eff);
            }
            self.flags.insert(c, (flags, from.clone()));
        }
    }

    /// The flags `c` runs with and where they were read (a manifest, or `pid N`), when it
    /// runs here.
    pub fn flags_of(&self, c: Component) -> Option<(&[Flag], &str)> {
        self.flags
            .get(&c)
            .map(|(f, from)| (f.as_slice(), from.as_str()))
    }

    /// The node root (`/`, or a snapshot).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The pid of the process running `c`, when it runs as a process.
    pub fn pid(&self, c: Component) -> Option<u32> {
        self.pids.get(&c).copied()
    }

    /// A file's text, by its path on the node (links followed inside the root).
    pub fn read_file(&self, path: &Path) -> Result<String, String> {
        let real = files::resolve(&self.root, path)?;
        let meta = std::fs::metadata(&real).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.len() > MAX_FILE {
            return Err(format!(
                "{}: {} bytes, more than the {MAX_FILE} read",
                path.display(),
                meta.len()
            ));
        }
        std::fs::read_to_string(&real).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The kubelet's effective configuration, when a kubelet runs.
    pub fn kubelet(&self) -> Option<&Effective> {
        self.kubelet.as_ref()
    }

    /// Whether `c` runs (or is configured) on this node.
    pub fn runs(&self, c: Component) -> bool {
        self.flags.contains_key(&c)
    }

    /// Answers one question.
    pub fn observe(&self, t: &Target) -> Result<Observation, Unanswered> {
        match t {
            Target::Flag(c, name) => {
                let (flags, from) = self
                    .flags
                    .get(c)
                    .ok_or_else(|| Unanswered(format!("{c:?} does not run on this node")))?;
                Ok(match static_pod::last(flags, name) {
                    Some(f) if f.line > 0 => Observation {
                        value: Some(f.value.clone()),
                        source: format!("{}:{}:{}", f.path.display(), f.line, f.column),
                    },
                    Some(f) => Observation {
                        value: Some(f.value.clone()),
                        source: format!("flag --{}={} of {from}", f.name, f.value),
                    },
                    None => Observation {
                        value: None,
                        source: format!("not set in {from}"),
                    },
                })
            }
            Target::Kubelet(path) => {
                let eff = self
                    .kubelet
                    .as_ref()
                    .ok_or_else(|| Unanswered("no kubelet runs on this node".into()))?;
                Ok(match eff.get(path) {
                    Some(r) => Observation {
                        value: Some(r.value.clone()),
                        source: r.source.to_string(),
                    },
                    None => Observation {
                        value: None,
                        source: "not set, no default".into(),
                    },
                })
            }
            Target::FileMode(p) | Target::FileOwner(p) => {
                let f = files::stat(&self.root, p).map_err(Unanswered)?;
                let value = match t {
                    Target::FileMode(_) => format!("{:o}", f.mode),
                    _ => f.owner,
                };
                Ok(Observation {
                    value: Some(value),
                    source: p.display().to_string(),
                })
            }
        }
    }
}

/// The largest configuration file read (a node's configuration files are a few kilobytes).
const MAX_FILE: u64 = 4 << 20;

fn detect(root: &Path, procs: &[(Component, process::Process)]) -> Distribution {
    let has = |p: &str| root.join(p).exists();
    let runs = |name: &str| {
        procs.iter().any(|(_, p)| {
            p.argv
                .first()
                .is_some_and(|a| a.rsplit('/').next() == Some(name))
        })
    };
    if runs("k3s") || has("etc/rancher/k3s") {
        Distribution::K3s
    } else if runs("rke2") || has("etc/rancher/rke2") {
        Distribution::Rke2
    } else if has("etc/kubernetes/manifests/kube-apiserver.yaml")
        || has("etc/kubernetes/kubelet.conf") && has("var/lib/kubelet/config.yaml")
    {
        Distribution::Kubeadm
    } else if has("etc/eks") || has("etc/kubernetes/kubelet/kubelet-config.json") {
        Distribution::Eks
    } else if has("home/kubernetes/kube-env") || has("home/kubernetes/bin") {
        Distribution::Gke
    } else if has("etc/kubernetes/azure.json") {
        Distribution::Aks
    } else {
        Distribution::Unknown
    }
}

/// A process's flags in the shape of static pod flags (no position), etcd's `ETCD_*`
/// variables first so that the command line wins over them.
fn process_flags(p: &process::Process) -> Vec<Flag> {
    let mut argv = vec![String::new()];
    argv.extend(process::etcd_env_flags(p));
    argv.extend(p.argv.iter().skip(1).cloned());
    let mut out = Vec::new();
    let mut it = argv.iter().skip(1).peekable();
    while let Some(a) = it.next() {
        let Some(body) = a.strip_prefix("--") else {
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => match it.peek() {
                Some(v) if !v.starts_with('-') => {
                    (body.to_string(), it.next().cloned().unwrap_or_default())
                }
                _ => (body.to_string(), "true".to_string()),
            },
        };
        out.push(Flag {
            name,
            value,
            path: PathBuf::new(),
            line: 0,
            column: 0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Op;
    use std::os::unix::fs::PermissionsExt;

    fn write_proc(root: &Path, pid: u32, argv: &[&str], env: &[&str]) {
        let d = root.join("proc").join(pid.to_string());
        std::fs::create_dir_all(&d).unwrap();
        let nul = |v: &[&str]| {
            v.iter()
                .flat_map(|a| a.bytes().chain([0]))
                .collect::<Vec<u8>>()
        };
        std::fs::write(d.join("cmdline"), nul(argv)).unwrap();
        std::fs::write(d.join("environ"), nul(env)).unwrap();
    }

    #[test]
    fn a_node_root_answers_flag_kubelet_and_file_questions() {
        let root = std::env::temp_dir().join(format!("stockade-node-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let m = root.join("etc/kubernetes/manifests");
        std::fs::create_dir_all(&m).unwrap();
        std::fs::write(
            m.join("kube-apiserver.yaml"),
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --profiling=false\n",
        )
        .unwrap();
        std::fs::set_permissions(
            m.join("kube-apiserver.yaml"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        std::fs::create_dir_all(root.join("var/lib/kubelet")).unwrap();
        std::fs::write(
            root.join("var/lib/kubelet/config.yaml"),
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n",
        )
        .unwrap();
        write_proc(
            &root,
            100,
            &[
                "/usr/bin/kubelet",
                "--config=/var/lib/kubelet/config.yaml",
                "--anonymous-auth=true",
            ],
            &[],
        );
        write_proc(
            &root,
            200,
            &["etcd", "--name=e"],
            &["ETCD_CLIENT_CERT_AUTH=false"],
        );
        let node = Node::read(&root);
        assert!(node.problems.is_empty(), "{:?}", node.problems);
        let o = node
            .observe(&Target::Flag(Component::ApiServer, "profiling".into()))
            .unwrap();
        assert_eq!(o.value.as_deref(), Some("false"));
        assert_eq!(
            o.source,
            "/etc/kubernetes/manifests/kube-apiserver.yaml:8:7"
        );
        let o = node
            .observe(&Target::Flag(Component::ApiServer, "anonymous-auth".into()))
            .unwrap();
        assert_eq!(o.value, None);
        assert!(Op::Eq("false".into()).check(o.value.as_deref()).is_err());
        let o = node
            .observe(&Target::Flag(Component::Etcd, "client-cert-auth".into()))
            .unwrap();
        assert_eq!(o.value.as_deref(), Some("false"));
        assert!(o.source.contains("pid 200"), "{}", o.source);
        let o = node
            .observe(&Target::Kubelet("readOnlyPort".into()))
            .unwrap();
        assert_eq!(
            (o.value.as_deref(), o.source.as_str()),
            (Some("10255"), "/var/lib/kubelet/config.yaml:3:15")
        );
        let o = node
            .observe(&Target::Kubelet("authentication.anonymous.enabled".into()))
            .unwrap();
        assert_eq!(o.value.as_deref(), Some("true"));
        assert_eq!(o.source, "flag --anonymous-auth=true");
        let o = node
            .observe(&Target::FileMode(
                "/etc/kubernetes/manifests/kube-apiserver.yaml".into(),
            ))
            .unwrap();
        assert_eq!(o.value.as_deref(), Some("644"));
        assert!(Op::ModeAtMost(0o600).check(o.value.as_deref()).is_err());
        assert!(
            node.observe(&Target::Flag(Component::Scheduler, "profiling".into()))
                .is_err()
        );
        assert!(
            node.observe(&Target::FileMode("/etc/kubernetes/admin.conf".into()))
                .is_err()
        );
        assert!(!node.runs(Component::Proxy) && node.runs(Component::Kubelet));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
