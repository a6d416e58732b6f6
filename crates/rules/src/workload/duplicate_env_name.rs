use crate::workload::helpers::{KINDS, env_entries};
use crate::{Checker, Family, declare_rule};
use std::collections::HashMap;
use stockade_inventory::Object;
use stockade_model::Severity;
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags an `env` entry whose name an earlier entry of the same container (including init
    /// and ephemeral containers) already uses. Overriding a variable from `envFrom` with `env` is
    /// the documented way to do it and is not flagged.
    ///
    /// ## Why is this risky?
    /// The kubelet keeps only the last definition, so the earlier one is silently ignored —
    /// often the one a reviewer reads, such as a hardened setting placed near the top. Tools
    /// disagree too: strategic-merge and server-side apply key `env` by name and may drop or
    /// reject the duplicate, so what runs can differ from what is in Git. The API server warns
    /// about it ("hides previous definition").
    ///
    /// ## Example
    /// ```yaml
    /// env:
    /// - name: TLS_VERIFY
    ///   value: "true"
    /// - name: LOG_LEVEL
    ///   value: info
    /// - name: TLS_VERIFY
    ///   value: "false"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// env:
    /// - name: TLS_VERIFY
    ///   value: "true"
    /// - name: LOG_LEVEL
    ///   value: info
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Entries without a name are skipped (the API server rejects them).
    ///
    /// ## References
    /// - Kubernetes: "Define Environment Variables for a Container"
    /// - Kubernetes: "Server-Side Apply", "Merge strategy" (`listType: map` keyed by `name`)
    pub static DUPLICATE_ENV_NAME = Rule {
        id: "WL044",
        name: "duplicate-env-name",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[],
        since: "0.1.0",
        summary: "container defines the same env var twice",
        remediation: "Keep one entry per variable name; remove or merge the duplicate.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.all_containers() {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, path, entry) in env_entries(&c) {
            let Some(name) = entry
                .get("name")
                .and_then(Node::as_str)
                .filter(|n| !n.is_empty())
            else {
                continue;
            };
            match seen.get(name) {
                Some(first) => cx.report(
                    o,
                    path.key("name"),
                    format!(
                        "{} sets env var {name:?} again, hiding its definition at env[{first}]",
                        c.describe()
                    ),
                ),
                None => {
                    seen.insert(name, i);
                }
            }
        }
    }
}
