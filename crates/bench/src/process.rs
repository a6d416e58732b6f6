//! Running Kubernetes components, found the way `ps` would but without a shell: every
//! `PROC/<pid>/cmdline` under a node root, matched by the executable's name (kube-apiserver,
//! kubelet, etcd, k3s, rke2 and their subcommands), with their environment (etcd reads
//! `ETCD_*` variables as flags). A node snapshotted with `tar` is read the same way as the live
//! node (`--node-root`).

use std::path::{Path, PathBuf};

/// One running component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// Its pid.
    pub pid: u32,
    /// argv, split at NUL bytes.
    pub argv: Vec<String>,
    /// `NAME=value` pairs of its environment (empty when unreadable).
    pub env: Vec<(String, String)>,
}

/// The components the benchmark knows, by the name of what runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Component {
    /// kube-apiserver (or `k3s server`, `rke2 server`, which embed it).
    ApiServer,
    /// kube-controller-manager.
    ControllerManager,
    /// kube-scheduler.
    Scheduler,
    /// etcd.
    Etcd,
    /// kubelet (or `k3s agent`).
    Kubelet,
    /// kube-proxy.
    Proxy,
}

impl Component {
    /// Which component `argv` runs, if any.
    pub fn of(argv: &[String]) -> Option<Component> {
        let exe = argv.first().map(|a| base(a))?;
        Some(match exe {
            "kube-apiserver" | "apiserver" => Component::ApiServer,
            "kube-controller-manager" => Component::ControllerManager,
            "kube-scheduler" => Component::Scheduler,
            "etcd" => Component::Etcd,
            "kubelet" => Component::Kubelet,
            "kube-proxy" => Component::Proxy,
            "k3s" | "rke2" => match argv.get(1).map(String::as_str) {
                Some("server") => Component::ApiServer,
                Some("agent") => Component::Kubelet,
                _ => return None,
            },
            // `hyperkube kubelet ...`
            "hyperkube" => return Component::of(&argv[1..]),
            _ => return None,
        })
    }
}

fn base(a: &str) -> &str {
    a.rsplit('/').next().unwrap_or(a)
}

fn split_nul(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// The processes under `root` (`/` on the node) that run a known component, by pid; each
/// entry of `PROC` that is not a readable process is skipped (processes come and go).
pub fn components(root: &Path) -> Vec<(Component, Process)> {
    let proc_dir: PathBuf = root.join("proc");
    let Ok(rd) = std::fs::read_dir(&proc_dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in rd.filter_map(Result::ok) {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let argv = split_nul(&cmd);
        let Some(c) = Component::of(&argv) else {
            continue;
        };
        let env = std::fs::read(e.path().join("environ"))
            .map(|b| {
                split_nul(&b)
                    .into_iter()
                    .filter_map(|kv| {
                        kv.split_once('=')
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push((c, Process { pid, argv, env }));
    }
    out.sort_by_key(|a| (a.0, a.1.pid));
    out
}

/// etcd's settings from its environment, as flags: `ETCD_CLIENT_CERT_AUTH=true` is
/// `--client-cert-auth=true` (a flag on the command line wins over the variable).
pub fn etcd_env_flags(p: &Process) -> Vec<String> {
    p.env
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("ETCD_")?;
            if name.is_empty() {
                return None;
            }
            Some(format!(
                "--{}={v}",
                name.to_ascii_lowercase().replace('_', "-")
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, pid: u32, argv: &[&str], env: &[&str]) {
        let d = root.join("proc").join(pid.to_string());
        std::fs::create_dir_all(&d).unwrap();
        let join = |v: &[&str]| {
            let mut b = Vec::new();
            for a in v {
                b.extend_from_slice(a.as_bytes());
                b.push(0);
            }
            b
        };
        std::fs::write(d.join("cmdline"), join(argv)).unwrap();
        std::fs::write(d.join("environ"), join(env)).unwrap();
    }

    #[test]
    fn components_are_found_by_executable_with_their_environment() {
        let root = std::env::temp_dir().join(format!("stockade-proc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        write(
            &root,
            10,
            &["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"],
            &["PATH=/bin"],
        );
        write(
            &root,
            20,
            &["etcd", "--data-dir=/var/lib/etcd"],
            &["ETCD_CLIENT_CERT_AUTH=true", "ETCD_=x", "HOME=/"],
        );
        write(
            &root,
            30,
            &["/usr/local/bin/k3s", "server", "--disable=traefik"],
            &[],
        );
        write(&root, 40, &["/bin/bash", "-c", "kubelet"], &[]);
        write(
            &root,
            5,
            &["/usr/local/bin/kube-apiserver", "--profiling=false"],
            &[],
        );
        std::fs::create_dir_all(root.join("proc/self")).unwrap();
        std::fs::create_dir_all(root.join("proc/77")).unwrap(); // no cmdline: gone
        let found = components(&root);
        let got: Vec<(Component, u32)> = found.iter().map(|(c, p)| (*c, p.pid)).collect();
        assert_eq!(
            got,
            [
                (Component::ApiServer, 5),
                (Component::ApiServer, 30),
                (Component::Etcd, 20),
                (Component::Kubelet, 10)
            ]
        );
        let etcd = &found.iter().find(|(c, _)| *c == Component::Etcd).unwrap().1;
        assert_eq!(etcd_env_flags(etcd), ["--client-cert-auth=true"]);
        assert!(components(&root.join("nowhere")).is_empty());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn hyperkube_and_agents() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Component::of(&v(&["hyperkube", "kubelet"])),
            Some(Component::Kubelet)
        );
        assert_eq!(
            Component::of(&v(&["rke2", "agent"])),
            Some(Component::Kubelet)
        );
        assert_eq!(Component::of(&v(&["k3s", "kubectl"])), None);
        assert_eq!(Component::of(&[]), None);
    }
}
