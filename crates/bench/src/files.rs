//! File modes and owners as the benchmark checks them, read under a node root with no shell.
//! Symbolic links are followed inside the root: an absolute link target is taken from the
//! root, never from the machine running the check, so a node snapshot cannot point the check
//! at the host's own files. Owners are named from the root's `/etc/passwd` and `/etc/group`.

use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// The most links followed for one path (as Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// What `stat` tells about one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// The path on the node.
    pub path: PathBuf,
    /// Permission bits (`0o644`), with setuid, setgid and sticky.
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// `user:group` by name from the node's files, numbers where unknown (`root:root`, `1000:1000`).
    pub owner: String,
}

/// Resolves `path` (absolute, on the node) to a path under `root`, following symbolic links
/// inside the root.
pub fn resolve(root: &Path, path: &Path) -> Result<PathBuf, String> {
    let mut pending: Vec<std::ffi::OsString> = path
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut at: Vec<std::ffi::OsString> = Vec::new();
    let mut links = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            at.pop();
            continue;
        }
        at.push(part);
        let real: PathBuf = at.iter().fold(root.to_path_buf(), |p, c| p.join(c));
        let Ok(meta) = std::fs::symlink_metadata(&real) else {
            // Missing: the caller's stat says so with the node path.
            continue;
        };
        if meta.file_type().is_symlink() {
            links += 1;
            if links > MAX_LINKS {
                return Err(format!(
                    "{}: too many levels of symbolic links",
                    path.display()
                ));
            }
            let target =
                std::fs::read_link(&real).map_err(|e| format!("{}: {e}", path.display()))?;
            at.pop();
            if target.is_absolute() {
                at.clear();
            }
            for c in target.components().rev() {
                match c {
                    Component::Normal(n) => pending.push(n.to_os_string()),
                    Component::ParentDir => pending.push("..".into()),
                    _ => {}
                }
            }
        }
    }
    Ok(at.iter().fold(root.to_path_buf(), |p, c| p.join(c)))
}

/// Names by id from a `passwd` or `group` file's text (`name:x:id:...`).
fn names(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id = f.nth(1)?.parse().ok()?;
            Some((id, name.to_string()))
        })
        .collect()
}

/// `stat` of `path` on the node under `root`.
pub fn stat(root: &Path, path: &Path) -> Result<FileInfo, String> {
    let real = resolve(root, path)?;
    let meta = std::fs::metadata(&real).map_err(|e| format!("{}: {e}", path.display()))?;
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_default();
    let users = names(&read("etc/passwd"));
    let groups = names(&read("etc/group"));
    let name = |list: &[(u32, String)], id: u32| {
        list.iter()
            .find(|(i, _)| *i == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    Ok(FileInfo {
        path: path.to_path_buf(),
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
        owner: format!("{}:{}", name(&users, meta.uid()), name(&groups, meta.gid())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    #[test]
    fn modes_owners_and_links_stay_inside_the_root() {
        let root = std::env::temp_dir().join(format!("stockade-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let m = root.join("etc/kubernetes/manifests");
        std::fs::create_dir_all(&m).unwrap();
        std::fs::write(m.join("kube-apiserver.yaml"), "kind: Pod\n").unwrap();
        std::fs::set_permissions(
            m.join("kube-apiserver.yaml"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        let me = std::fs::metadata(&m).unwrap().uid();
        std::fs::write(
            root.join("etc/passwd"),
            format!("# users\nkube:x:{me}:{me}::/:/bin/false\nbroken-line\n"),
        )
        .unwrap();
        std::fs::write(root.join("etc/group"), format!("kube:x:{me}:\n")).unwrap();
        let f = stat(
            &root,
            Path::new("/etc/kubernetes/manifests/kube-apiserver.yaml"),
        )
        .unwrap();
        assert_eq!(f.mode, 0o640);
        assert_eq!(f.owner, "kube:kube");
        // An absolute link resolves under the root, not on this machine.
        std::fs::create_dir_all(root.join("var/lib/kubelet")).unwrap();
        symlink(
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
            root.join("var/lib/kubelet/config.yaml"),
        )
        .unwrap();
        assert_eq!(
            resolve(&root, Path::new("/var/lib/kubelet/config.yaml")).unwrap(),
            root.join("etc/kubernetes/manifests/kube-apiserver.yaml")
        );
        assert_eq!(
            stat(&root, Path::new("/var/lib/kubelet/config.yaml"))
                .unwrap()
                .mode,
            0o640
        );
        // `..` and links to `/etc/shadow` cannot leave the root.
        symlink(
            "../../../../../../etc/shadow",
            root.join("var/lib/kubelet/escape"),
        )
        .unwrap();
        let r = resolve(&root, Path::new("/var/lib/kubelet/escape")).unwrap();
        assert!(r.starts_with(&root), "{}", r.display());
        assert!(
            stat(&root, Path::new("/var/lib/kubelet/escape"))
                .unwrap_err()
                .contains("/var/lib/kubelet/escape")
        );
        // A loop is an error, not a hang.
        symlink("loop-b", root.join("var/lib/kubelet/loop-a")).unwrap();
        symlink("loop-a", root.join("var/lib/kubelet/loop-b")).unwrap();
        assert!(
            stat(&root, Path::new("/var/lib/kubelet/loop-a"))
                .unwrap_err()
                .contains("too many levels")
        );
        // Unknown ids are shown as numbers.
        std::fs::write(root.join("etc/passwd"), "").unwrap();
        assert_eq!(
            stat(&root, Path::new("/etc/kubernetes/manifests"))
                .unwrap()
                .owner,
            format!("{me}:kube")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
