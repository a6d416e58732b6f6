//! Hostile inputs around live scans and their settings: identities that can read only part of
//! a cluster, namespace-limited inventories, what Stockade's requests look like in the audit
//! log, settings paths that are not files, and `rbac can` resource arguments. The live tests
//! use the shared control plane (`. /tmp/cp-shared/env`); without it they print a note and
//! pass, unless STOCKADE_REQUIRE_CLUSTER=1.

mod common;

use common::{stockade, text};

const MANIFEST: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: app}\nspec:\n  containers: [{name: c, image: nginx}]\n";

fn scan_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), MANIFEST).unwrap();
    dir
}

#[test]
fn a_settings_path_that_is_a_directory_is_an_error_not_ignored() {
    let dir = scan_dir();
    std::fs::create_dir(dir.path().join(".stockade.yaml")).unwrap();
    let out = stockade().arg("scan").arg(dir.path()).output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains(".stockade.yaml is a directory, not a settings file"), "{t}");
    assert!(t.contains("--no-config"), "{t}");
    // --no-config is the way out it names.
    let out = stockade()
        .args(["scan", "--no-config", "--fail-on", "critical"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // --config DIR, for scan and unused.
    for cmd in ["scan", "unused"] {
        let out = stockade()
            .arg(cmd)
            .arg("--config")
            .arg(dir.path())
            .arg(dir.path().join("pod.yaml"))
            .output()
            .unwrap();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {t}");
        assert!(t.contains("is a directory, not a settings file"), "{cmd}: {t}");
    }
}

#[cfg(unix)]
#[test]
fn a_settings_file_that_cannot_be_read_is_an_error_not_ignored() {
    // A dangling link.
    let dir = scan_dir();
    std::os::unix::fs::symlink(dir.path().join("moved.yaml"), dir.path().join(".stockade.yaml"))
        .unwrap();
    let out = stockade().arg("scan").arg(dir.path()).output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("cannot read settings file"), "{t}");
    assert!(t.contains("symbolic link to a file that does not exist"), "{t}");

    // A FIFO: refused at once instead of blocking on the read.
    let dir = scan_dir();
    let fifo = dir.path().join(".stockade.yaml");
    let ok = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    let started = std::time::Instant::now();
    let out = stockade()
        .arg("scan")
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("not a regular file"), "{t}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));

    // Without read permission (meaningless as root, who reads anything).
    let dir = scan_dir();
    let cfg = dir.path().join(".stockade.yaml");
    std::fs::write(&cfg, "fail-on: info\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&cfg).is_err() {
        let out = stockade().arg("scan").arg(dir.path()).output().unwrap();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{t}");
        assert!(t.contains("cannot read settings file"), "{t}");
    }
}
