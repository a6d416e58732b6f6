use crate::workload::helpers::{KINDS, env_entries};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports Secrets exposed to containers (including init and ephemeral containers) as
    /// environment variables: `env[].valueFrom.secretKeyRef` and `envFrom[].secretRef`.
    ///
    /// ## Why is this risky?
    /// Environment variables leak more easily than files. They are inherited by every child
    /// process, readable in `/proc/<pid>/environ` by anything running as the same user, dumped
    /// by crash reporters, debug endpoints and error pages, and often logged at start-up. They
    /// cannot change while the container runs, so rotating the Secret needs a restart. Secrets
    /// mounted as files have none of these problems and can be limited to the containers that
    /// need them. `envFrom` is the broadest: every key of the Secret, present and future,
    /// becomes a variable.
    ///
    /// This is a hardening recommendation, hence the `info` severity.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: registry.example.com/api:3.2.1
    ///   env:
    ///   - name: DB_PASSWORD
    ///     valueFrom:
    ///       secretKeyRef: {name: api-db, key: password}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: registry.example.com/api:3.2.1
    ///   env:
    ///   - name: DB_PASSWORD_FILE
    ///     value: /var/run/secrets/db/password
    ///   volumeMounts:
    ///   - name: db
    ///     mountPath: /var/run/secrets/db
    ///     readOnly: true
    /// volumes:
    /// - name: db
    ///   secret:
    ///     secretName: api-db
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Many images read credentials only from the environment; those findings stay until the
    /// application supports files (`*_FILE` variables are a common convention).
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.4.1
    /// - Kubernetes: "Good practices for Kubernetes Secrets"
    /// - NSA-CISA Kubernetes Hardening Guide, "Secrets"
    pub static SECRET_KEY_IN_ENV = Rule {
        id: "WL043",
        name: "secret-key-in-env",
        family: Family::Workload,
        severity: Severity::Info,
        kinds: KINDS,
        controls: &[Control::cis("5.4.1"), Control::nsa("network/secrets")],
        since: "0.1.0",
        summary: "secret exposed as an environment variable",
        remediation: "Mount the Secret as a read-only volume and have the application read the file.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.all_containers() {
        for (_, path, entry) in env_entries(&c) {
            let Some(r) = entry.at("valueFrom.secretKeyRef").filter(|r| !r.is_null()) else {
                continue;
            };
            let name = entry.get("name").and_then(Node::as_str).unwrap_or("");
            let secret = r.get("name").and_then(Node::as_str).unwrap_or("");
            let key = r.get("key").and_then(Node::as_str).unwrap_or("");
            cx.report(
                o,
                path.join("valueFrom.secretKeyRef"),
                format!(
                    "env var {name:?} of {} is set from key {key:?} of secret {secret:?}",
                    c.describe()
                ),
            );
        }
        let base = c.path.key("envFrom");
        for (i, from) in c
            .node
            .get("envFrom")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let Some(r) = from.get("secretRef").filter(|r| !r.is_null()) else {
                continue;
            };
            let secret = r.get("name").and_then(Node::as_str).unwrap_or("");
            cx.report(
                o,
                base.index(i).key("secretRef"),
                format!(
                    "{} imports every key of secret {secret:?} as env vars",
                    c.describe()
                ),
            );
        }
    }
}
