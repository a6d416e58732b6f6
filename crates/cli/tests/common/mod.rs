//! Helpers shared by the CLI integration tests: the binary, its output, and the real control
//! plane that scripts/test.sh starts (etcd + kube-apiserver + kube-controller-manager on
//! loopback), reached with `curl` as the admin user. Each test binary uses a part of this.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::PathBuf;

/// The `stockade` binary, without colours, kubeconfig or journal from the environment.
pub fn stockade() -> Command {
    let mut c = Command::cargo_bin("stockade").expect("binary built");
    c.env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env_remove("STOCKADE_JOURNAL");
    c
}

/// Standard output parsed as JSON; panics with both streams when it is not JSON.
pub fn json_out(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): stdout={} stderr={}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Standard output followed by standard error.
pub fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A name no other test (or earlier run) on the shared control plane uses.
pub fn unique(prefix: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{n}", std::process::id())
}

/// The shared test control plane, from the STOCKADE_TEST_* variables.
pub struct Cluster {
    pub kubeconfig: PathBuf,
    pub server: String,
    pub ca: PathBuf,
    pub token: String,
    /// The kube-apiserver version (`v1.36.0`).
    pub version: String,
}

/// The control plane, or `None` (with a note) when the tests run without one — which fails
/// instead under STOCKADE_REQUIRE_CLUSTER=1, as scripts/test.sh sets.
pub fn cluster() -> Option<Cluster> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        get("STOCKADE_TEST_KUBECONFIG"),
        get("STOCKADE_TEST_APISERVER"),
        get("STOCKADE_TEST_CA"),
        get("STOCKADE_TEST_ADMIN_TOKEN"),
    ) {
        (Some(k), Some(s), Some(c), Some(t)) => Some(Cluster {
            kubeconfig: k.into(),
            server: s,
            ca: c.into(),
            token: t,
            version: get("STOCKADE_TEST_K8S_VERSION").unwrap_or_else(|| "v1.36.0".into()),
        }),
        _ => {
            assert!(
                std::env::var("STOCKADE_REQUIRE_CLUSTER").as_deref() != Ok("1"),
                "STOCKADE_REQUIRE_CLUSTER=1 but no control plane: run via scripts/test.sh"
            );
            eprintln!("note: no test control plane (STOCKADE_TEST_* unset); skipping");
            None
        }
    }
}

impl Cluster {
    /// An admin request with a JSON body; returns (status, body).
    pub fn req(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.req_as(method, path, body, "application/json")
    }

    /// An admin request with a body of content type `ctype`; returns (status, body).
    pub fn req_as(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        ctype: &str,
    ) -> (u16, Value) {
        let mut cmd = std::process::Command::new("curl");
        cmd.args(["-sS", "-o", "-", "-w", "\n%{http_code}", "--cacert"])
            .arg(&self.ca)
            .args(["-H", &format!("Authorization: Bearer {}", self.token)])
            .args(["-H", &format!("Content-Type: {ctype}"), "-X", method])
            .arg(format!("{}{}", self.server, path));
        if let Some(b) = body {
            cmd.args(["--data-binary", &b.to_string()]);
        }
        let out = cmd.output().expect("curl runs");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (
            code.trim().parse().unwrap_or(0),
            serde_json::from_str(body).unwrap_or(Value::Null),
        )
    }

    /// Creates an object; it must not exist yet.
    pub fn create(&self, collection: &str, obj: &Value) {
        let (code, body) = self.req("POST", collection, Some(obj));
        assert!(code == 201, "POST {collection}: {code} {body}");
    }

    /// Creates an object unless one of that name exists already.
    pub fn create_or_keep(&self, collection: &str, obj: &Value) {
        let (code, body) = self.req("POST", collection, Some(obj));
        assert!(
            code == 201 || code == 409,
            "POST {collection}: {code} {body}"
        );
    }

    /// An object, or `None` when it does not exist.
    pub fn get(&self, path: &str) -> Option<Value> {
        let (code, body) = self.req("GET", path, None);
        match code {
            200 => Some(body),
            404 => None,
            other => panic!("GET {path}: {other} {body}"),
        }
    }

    /// Deletes an object, whether or not it exists.
    pub fn delete(&self, path: &str) {
        let _ = self.req("DELETE", path, None);
    }

    /// Sets an object's status (merge patch of the `status` subresource).
    pub fn patch_status(&self, path: &str, status: &Value) {
        let (code, body) = self.req_as(
            "PATCH",
            &format!("{path}/status"),
            Some(&json!({ "status": status })),
            "application/merge-patch+json",
        );
        assert_eq!(code, 200, "PATCH {path}/status: {body}");
    }

    /// The binary, for commands against this cluster (`--kubeconfig` is still to be given).
    pub fn stockade(&self) -> Command {
        stockade()
    }
}

/// Deletes what a test created, even when it fails.
pub struct Cleanup<'a> {
    pub c: &'a Cluster,
    pub paths: Vec<String>,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        for p in &self.paths {
            self.c.delete(p);
        }
    }
}

/// A free loopback TCP port (for a component a test starts itself).
#[allow(dead_code)] // not every test binary starts one
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed (and reaped) when the test ends, even when it fails.
#[allow(dead_code)]
pub struct Kill(pub std::process::Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
