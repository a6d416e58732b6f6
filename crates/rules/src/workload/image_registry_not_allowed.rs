use crate::workload::helpers::{ImageRef, KINDS, parse_image};
use crate::{Checker, Family, RuleOption, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) whose image comes from a
    /// registry that is not in the `allowed-registries` option. With the option empty — the
    /// default — the rule reports nothing.
    ///
    /// An entry matches a registry host (`registry.example.com`, `localhost:5000`), a host and
    /// path prefix at a `/` boundary (`ghcr.io/example-org`, `docker.io/library`), or any
    /// subdomain when it starts with `*.` (`*.dkr.ecr.eu-west-1.amazonaws.com`). Images are
    /// normalised as the container runtime reads them: `nginx` and `library/nginx` are
    /// `docker.io/library/nginx`, and `index.docker.io` is `docker.io`. Hosts compare
    /// case-insensitively.
    ///
    /// ## Why is this risky?
    /// An image from an unvetted registry bypasses the scanning, signing and mirroring that an
    /// organisation applies to its own. Typosquatted or hijacked public images have shipped
    /// cryptominers and backdoors; a public registry can also rate-limit or disappear, stopping
    /// pods from starting.
    ///
    /// ## Example
    /// ```yaml
    /// # allowed-registries: ["registry.example.com"]
    /// containers:
    /// - name: web
    ///   image: nginx:1.27.3
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: registry.example.com/mirror/nginx:1.27.3
    /// ```
    ///
    /// ## Options
    /// `allowed-registries`: registry hosts or host/path prefixes images may come from, e.g.
    /// `["registry.example.com", "ghcr.io/example-org", "*.dkr.ecr.eu-west-1.amazonaws.com"]`.
    /// Empty by default, which turns the rule off in effect.
    ///
    /// ## Known limitations
    /// Registry mirrors configured on the nodes (containerd `hosts.toml`) and admission webhooks
    /// that rewrite images are not seen: the image as written is checked.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.5.1
    /// - NSA-CISA Kubernetes Hardening Guide, "Building secure container images"
    /// - Kubernetes: "Images", "Image names"
    pub static IMAGE_REGISTRY_NOT_ALLOWED = Rule {
        id: "WL038",
        name: "image-registry-not-allowed",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::cis("5.5.1"), Control::nsa("pod-security/secure-images"), Control::mitre("T1204.003")],
        since: "0.1.0",
        summary: "image comes from a registry that is not allowed",
        remediation: "Pull the image from an allowed registry (mirror it there), or add its registry to `allowed-registries`.",
        options: &[RuleOption {
            name: "allowed-registries",
            help: "Registry hosts or host/path prefixes images may come from; `*.` matches subdomains. Empty reports nothing.",
            default: "[]",
        }],
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let allowed = cx.option_strings("allowed-registries");
    if allowed.iter().all(|a| a.trim().is_empty()) {
        return;
    }
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.all_containers() {
        let Some(image) = c.image() else { continue };
        let Some(r) = parse_image(image) else {
            continue;
        };
        if allowed.iter().any(|a| is_allowed(&r, a)) {
            continue;
        }
        cx.report(
            o,
            c.path_of("image"),
            format!(
                "{} uses image {image:?} from registry {:?}, which is not allowed",
                c.describe(),
                r.registry
            ),
        );
    }
}

/// Whether one `allowed-registries` entry admits the image.
fn is_allowed(r: &ImageRef<'_>, entry: &str) -> bool {
    let entry = entry.trim().trim_end_matches('/');
    if entry.is_empty() {
        return false;
    }
    if let Some(suffix) = entry.strip_prefix("*.") {
        let suffix = suffix.to_ascii_lowercase();
        return r
            .registry
            .strip_suffix(suffix.as_str())
            .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'));
    }
    // Normalise the entry's host part the way image references are normalised.
    let (host, path) = entry.split_once('/').unwrap_or((entry, ""));
    let host = match host.to_ascii_lowercase().as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_string()
        }
        h => h.to_string(),
    };
    if host != r.registry {
        return false;
    }
    path.is_empty() || r.repository == path || r.repository.starts_with(&format!("{path}/"))
}
