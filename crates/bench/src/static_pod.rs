//! Control-plane flags from kubeadm's static pod manifests
//! (`/etc/kubernetes/manifests/kube-apiserver.yaml` and friends): each `--flag` of the first
//! container's `command` and `args`, with the file, line and column where it is written, so a
//! failed check points at the line to edit.

use std::path::{Path, PathBuf};
use stockade_sources::Node;

/// One flag as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Name, without `--`.
    pub name: String,
    /// Value (`true` for a bare flag).
    pub value: String,
    /// The manifest.
    pub path: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// The flags of a static pod manifest, in order (a repeated flag appears each time it is
/// written; the last one is what the component uses); `Err` says why the file is not one.
pub fn flags(path: &Path, text: &str) -> Result<Vec<Flag>, String> {
    let loaded =
        stockade_sources::yaml::load(text, 0, stockade_sources::yaml::YamlLimits::default())
            .map_err(|e| format!("{}: {e}", path.display()))?;
    let doc = loaded
        .docs
        .first()
        .ok_or_else(|| format!("{}: empty file, not a static pod manifest", path.display()))?;
    if doc.get("kind").and_then(Node::as_str) != Some("Pod") {
        return Err(format!(
            "{}: not a Pod manifest (kind is not Pod)",
            path.display()
        ));
    }
    let container = doc
        .at("spec.containers")
        .and_then(|c| c.items().first())
        .ok_or_else(|| format!("{}: the Pod has no container", path.display()))?;
    let mut out = Vec::new();
    for list in ["command", "args"] {
        let items = container.get(list).map(Node::items).unwrap_or(&[]);
        let mut i = 0;
        while i < items.len() {
            let n = &items[i];
            i += 1;
            let Some(a) = n.as_str() else { continue };
            let Some(body) = a.strip_prefix("--") else {
                continue;
            };
            let (name, value) = match body.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                // `--flag value` as two items.
                None => match items.get(i).and_then(Node::as_str) {
                    Some(v) if !v.starts_with("--") => {
                        i += 1;
                        (body.to_string(), v.to_string())
                    }
                    _ => (body.to_string(), "true".to_string()),
                },
            };
            out.push(Flag {
                name,
                value,
                path: path.to_path_buf(),
                line: n.pos.line,
                column: n.pos.col,
            });
        }
    }
    Ok(out)
}

/// The first container's image (`registry.k8s.io/kube-apiserver:v1.36.3`), if the text is a
/// Pod manifest.
pub fn image(text: &str) -> Option<String> {
    let loaded =
        stockade_sources::yaml::load(text, 0, stockade_sources::yaml::YamlLimits::default())
            .ok()?;
    let doc = loaded.docs.first()?;
    doc.at("spec.containers")?
        .items()
        .first()?
        .get("image")?
        .as_str()
        .map(str::to_string)
}

/// The Kubernetes minor version in an image tag: `…/kube-apiserver:v1.36.3` is `1.36`.
pub fn minor_of_image(image: &str) -> Option<String> {
    let tag = image.rsplit_once(':')?.1;
    let tag = tag.split('@').next()?.strip_prefix('v')?;
    let mut it = tag.split(['.', '-', '+']);
    let major: u32 = it.next()?.parse().ok()?;
    let minor: u32 = it.next()?.parse().ok()?;
    Some(format!("{major}.{minor}"))
}

/// The value a component uses for `name`: the last time it is written.
pub fn last<'a>(flags: &'a [Flag], name: &str) -> Option<&'a Flag> {
    flags.iter().rev().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const APISERVER: &str = "apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address=10.0.0.10
    - --anonymous-auth=false
    - --enable-admission-plugins=NodeRestriction
    - --profiling
    - --audit-log-path
    - /var/log/kubernetes/audit.log
    - --anonymous-auth=true
    image: registry.k8s.io/kube-apiserver:v1.36.3
    name: kube-apiserver
";

    #[test]
    fn flags_are_read_with_their_positions_and_the_last_one_wins() {
        let p = Path::new("/etc/kubernetes/manifests/kube-apiserver.yaml");
        let f = flags(p, APISERVER).unwrap();
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "advertise-address",
                "anonymous-auth",
                "enable-admission-plugins",
                "profiling",
                "audit-log-path",
                "anonymous-auth"
            ]
        );
        let anon = last(&f, "anonymous-auth").unwrap();
        assert_eq!(
            (anon.value.as_str(), anon.line, anon.column),
            ("true", 16, 7)
        );
        assert_eq!(last(&f, "profiling").unwrap().value, "true");
        assert_eq!(
            last(&f, "audit-log-path").unwrap().value,
            "/var/log/kubernetes/audit.log"
        );
        assert!(last(&f, "authorization-mode").is_none());
    }

    #[test]
    fn files_that_are_not_static_pods_are_errors_naming_the_file() {
        let p = Path::new("/etc/kubernetes/manifests/x.yaml");
        for (text, says) in [
            ("", "empty file"),
            ("kind: Deployment\n", "not a Pod"),
            ("kind: Pod\nspec: {}\n", "no container"),
            ("kind: Pod\nspec: [\n", "x.yaml"),
        ] {
            let e = flags(p, text).unwrap_err();
            assert!(e.contains(says) && e.contains("x.yaml"), "{e}");
        }
    }
}
