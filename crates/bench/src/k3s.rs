//! k3s runs kube-apiserver, the controller manager, the scheduler, the kubelet and kube-proxy
//! (and, with `--cluster-init`, etcd) inside one `k3s server` (or `k3s agent`) process. Their
//! flags are not on that process's command line as such. They are k3s's own built-in arguments
//! ([`builtin`]), overridden by the `*-arg` options of `/etc/rancher/k3s/config.yaml`, then of
//! its `config.yaml.d/*.yaml` drop-ins in lexical order, then of the command line
//! (`--kube-apiserver-arg=anonymous-auth=true`). In a drop-in, a key ending in `+` appends to
//! the list; without it, it replaces the list. Each flag keeps the `file:line:col` of the entry
//! that set it.

use crate::process::Component;
use crate::static_pod::Flag;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stockade_sources::Node;

/// The `k3s` options that pass arguments to an embedded component.
pub const OPTIONS: &[(&str, Component)] = &[
    ("kube-apiserver-arg", Component::ApiServer),
    ("kube-controller-manager-arg", Component::ControllerManager),
    ("kube-scheduler-arg", Component::Scheduler),
    ("etcd-arg", Component::Etcd),
    ("kubelet-arg", Component::Kubelet),
    ("kube-proxy-arg", Component::Proxy),
];

/// The configuration file and its drop-in directory.
pub const CONFIG: &str = "/etc/rancher/k3s/config.yaml";

/// The arguments k3s itself gives an embedded component, which the options override (from k3s's
/// `pkg/daemons/control/server.go`). A check that finds none of the options' flags reports
/// these with the source `k3s built-in argument`.
pub fn builtin(c: Component, name: &str) -> Option<&'static str> {
    let table: &[(&str, &str)] = match c {
        Component::ApiServer => &[
            ("anonymous-auth", "false"),
            ("profiling", "false"),
            ("authorization-mode", "Node,RBAC"),
            ("enable-admission-plugins", "NodeRestriction"),
            (
                "kubelet-certificate-authority",
                "/var/lib/rancher/k3s/server/tls/server-ca.crt",
            ),
            (
                "kubelet-client-certificate",
                "/var/lib/rancher/k3s/server/tls/client-kube-apiserver.crt",
            ),
            (
                "kubelet-client-key",
                "/var/lib/rancher/k3s/server/tls/client-kube-apiserver.key",
            ),
            (
                "tls-cert-file",
                "/var/lib/rancher/k3s/server/tls/serving-kube-apiserver.crt",
            ),
            (
                "tls-private-key-file",
                "/var/lib/rancher/k3s/server/tls/serving-kube-apiserver.key",
            ),
            (
                "client-ca-file",
                "/var/lib/rancher/k3s/server/tls/client-ca.crt",
            ),
            (
                "service-account-key-file",
                "/var/lib/rancher/k3s/server/tls/service.key",
            ),
        ],
        Component::ControllerManager => &[
            ("profiling", "false"),
            ("bind-address", "127.0.0.1"),
            ("use-service-account-credentials", "true"),
            (
                "service-account-private-key-file",
                "/var/lib/rancher/k3s/server/tls/service.current.key",
            ),
            (
                "root-ca-file",
                "/var/lib/rancher/k3s/server/tls/server-ca.crt",
            ),
            (
                "kubeconfig",
                "/var/lib/rancher/k3s/server/cred/controller.kubeconfig",
            ),
        ],
        Component::Scheduler => &[
            ("profiling", "false"),
            ("bind-address", "127.0.0.1"),
            (
                "kubeconfig",
                "/var/lib/rancher/k3s/server/cred/scheduler.kubeconfig",
            ),
        ],
        _ => &[],
    };
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// `key=value` of one `*-arg` entry as a flag (a bare `key` is `key=true`).
fn entry(text: &str, path: &Path, line: u32, column: u32) -> Option<Flag> {
    let body = text.trim().trim_start_matches("--");
    if body.is_empty() {
        return None;
    }
    let (name, value) = body.split_once('=').unwrap_or((body, "true"));
    Some(Flag {
        name: name.to_string(),
        value: value.to_string(),
        path: path.to_path_buf(),
        line,
        column,
    })
}

/// What a configuration file passes to each component, in order; `append` tells for each
/// option whether the file appends (`key+:`) or replaces.
fn from_file(path: &Path, text: &str) -> Result<Vec<(Component, bool, Vec<Flag>)>, String> {
    let loaded =
        stockade_sources::yaml::load(text, 0, stockade_sources::yaml::YamlLimits::default())
            .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    let Some(doc) = loaded.docs.first() else {
        return Ok(out);
    };
    for (key, node) in doc.entries() {
        let (name, append) = match key.name.strip_suffix('+') {
            Some(n) => (n, true),
            None => (key.name.as_str(), false),
        };
        let Some((_, c)) = OPTIONS.iter().find(|(o, _)| *o == name) else {
            continue;
        };
        let items: Vec<&Node> = match node.as_str() {
            Some(_) => vec![node],
            None => node.items().iter().collect(),
        };
        let flags = items
            .into_iter()
            .filter_map(|n| {
                n.as_str()
                    .and_then(|t| entry(t, path, n.pos.line, n.pos.col))
            })
            .collect();
        out.push((*c, append, flags));
    }
    Ok(out)
}

/// The flags each embedded component gets from the configuration under `root` and from the
/// process's command line `argv`, in the order they apply (the last of a name wins), and the
/// problems met.
pub fn flags(root: &Path, argv: &[String]) -> (BTreeMap<Component, Vec<Flag>>, Vec<String>) {
    let mut by: BTreeMap<Component, Vec<Flag>> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut files = vec![PathBuf::from(CONFIG)];
    let dir = PathBuf::from(format!("{CONFIG}.d"));
    if let Ok(rd) = std::fs::read_dir(root.join(dir.strip_prefix("/").unwrap_or(&dir))) {
        let mut names: Vec<String> = rd
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|n| dir.join(n)));
    }
    for f in files {
        let real = root.join(f.strip_prefix("/").unwrap_or(&f));
        let Ok(text) = std::fs::read_to_string(&real) else {
            continue;
        };
        match from_file(&f, &text) {
            Ok(list) => {
                for (c, append, flags) in list {
                    let v = by.entry(c).or_default();
                    if !append {
                        v.clear();
                    }
                    v.extend(flags);
                }
            }
            Err(e) => problems.push(format!("{e}; its arguments are not applied")),
        }
    }
    // The command line's options replace the files' (k3s's flags win over its config).
    let mut cli: BTreeMap<Component, Vec<Flag>> = BTreeMap::new();
    let mut it = argv.iter().skip(1).peekable();
    while let Some(a) = it.next() {
        let Some(body) = a.strip_prefix("--") else {
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let Some((_, c)) = OPTIONS.iter().find(|(o, _)| *o == name) else {
            continue;
        };
        let value = match value {
            Some(v) => v,
            None => match it.next() {
                Some(v) => v.clone(),
                None => continue,
            },
        };
        if let Some(f) = entry(&value, Path::new(""), 0, 0) {
            cli.entry(*c).or_default().push(f);
        }
    }
    for (c, flags) in cli {
        by.insert(c, flags);
    }
    (by, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_drop_ins_and_the_command_line_in_order() {
        let root = std::env::temp_dir().join(format!("stockade-k3s-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let d = root.join("etc/rancher/k3s/config.yaml.d");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            root.join("etc/rancher/k3s/config.yaml"),
            "write-kubeconfig-mode: \"0644\"\nkube-apiserver-arg:\n  - anonymous-auth=true\n  - audit-log-maxage=30\nkubelet-arg: read-only-port=10255\n",
        )
        .unwrap();
        std::fs::write(
            d.join("20-more.yaml"),
            "kube-apiserver-arg+:\n  - profiling=true\n",
        )
        .unwrap();
        std::fs::write(
            d.join("10-replace.yaml"),
            "kube-scheduler-arg: [bind-address=0.0.0.0]\n",
        )
        .unwrap();
        let argv: Vec<String> = [
            "/usr/local/bin/k3s",
            "server",
            "--kube-controller-manager-arg",
            "bind-address=0.0.0.0",
            "--token=secret",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (by, problems) = flags(&root, &argv);
        assert!(problems.is_empty(), "{problems:?}");
        let api = &by[&Component::ApiServer];
        let names: Vec<(&str, &str)> = api
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("anonymous-auth", "true"),
                ("audit-log-maxage", "30"),
                ("profiling", "true")
            ]
        );
        assert_eq!(
            (api[0].path.to_str().unwrap(), api[0].line, api[0].column),
            ("/etc/rancher/k3s/config.yaml", 3, 5)
        );
        assert_eq!(
            api[2].path.to_str().unwrap(),
            "/etc/rancher/k3s/config.yaml.d/20-more.yaml"
        );
        assert_eq!(by[&Component::Kubelet][0].name, "read-only-port");
        assert_eq!(by[&Component::Scheduler][0].value, "0.0.0.0");
        assert_eq!(by[&Component::ControllerManager][0].line, 0);
        assert_eq!(
            builtin(Component::ApiServer, "anonymous-auth"),
            Some("false")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
