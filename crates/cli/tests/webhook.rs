//! `stockade webhook certs`: the CA and serving certificate a webhook Service needs, checked
//! with openssl.

use std::process::Command;

fn stockade() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("stockade").expect("binary built");
    c.env("NO_COLOR", "1");
    c
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn certs_are_a_ca_and_a_server_certificate_for_the_service() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("tls");
    let out = stockade()
        .args([
            "webhook",
            "certs",
            "--service",
            "guard",
            "--namespace",
            "sec",
            "--san",
            "127.0.0.1",
            "--days",
            "30",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout, keys least of all"
    );
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for (f, mode) in [("ca.key", 0o600), ("tls.key", 0o600)] {
            let m = std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(m, mode, "{f}");
        }
    }
    assert!(openssl(&["verify", "-CAfile", &p("ca.crt"), &p("tls.crt")]).contains("OK"));
    let ext = openssl(&[
        "x509",
        "-in",
        &p("tls.crt"),
        "-noout",
        "-ext",
        "subjectAltName,extendedKeyUsage,basicConstraints",
    ]);
    for want in [
        "DNS:guard",
        "DNS:guard.sec",
        "DNS:guard.sec.svc",
        "DNS:guard.sec.svc.cluster.local",
        "IP Address:127.0.0.1",
        "TLS Web Server Authentication",
    ] {
        assert!(ext.contains(want), "{want} missing from\n{ext}");
    }
    let ca = openssl(&[
        "x509",
        "-in",
        &p("ca.crt"),
        "-noout",
        "-ext",
        "basicConstraints",
    ]);
    assert!(ca.contains("CA:TRUE"), "{ca}");
    // The key matches the certificate.
    let pub_cert = openssl(&["x509", "-in", &p("tls.crt"), "-noout", "-pubkey"]);
    let pub_key = openssl(&["pkey", "-in", &p("tls.key"), "-pubout"]);
    assert_eq!(pub_cert, pub_key);

    // Existing files are not overwritten without --force.
    let before = std::fs::read(dir.join("tls.key")).unwrap();
    let again = stockade()
        .args(["webhook", "certs"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read(dir.join("tls.key")).unwrap(), before);
    let forced = stockade()
        .args(["webhook", "certs", "--force"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), Some(0));
    assert_ne!(std::fs::read(dir.join("tls.key")).unwrap(), before);
}

#[test]
fn names_that_are_not_dns_labels_are_refused_and_escaped() {
    let d = tempfile::tempdir().unwrap();
    let out = stockade()
        .args(["webhook", "certs", "--service", "evil\u{1b}[2J"])
        .arg(d.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a DNS label"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
    assert!(!d.path().join("x").exists());
    let out = stockade()
        .args(["webhook", "certs", "--san", "bad name"])
        .arg(d.path().join("y"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither an IP address nor a DNS name"));
    assert!(!d.path().join("y").exists());
}
