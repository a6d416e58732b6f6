//! Helpers shared by the workload family.

use stockade_inventory::{ContainerView, PodSpecView, WORKLOAD_KINDS};
use stockade_model::{FieldPath, Severity};
use stockade_sources::Node;

/// The kinds every pod-spec rule reads.
pub const KINDS: &[&str] = WORKLOAD_KINDS;

/// A security-context field as it applies to a container: the container's own setting wins over
/// the pod's. Returns the node and the path where it was found.
pub fn effective<'a>(
    pod: &PodSpecView<'a>,
    c: &ContainerView<'a>,
    rel: &str,
) -> Option<(&'a Node, FieldPath)> {
    if let Some(n) = c.sc(rel).filter(|n| !n.is_null()) {
        return Some((n, c.path_of(&format!("securityContext.{rel}"))));
    }
    pod.pod_sc(rel)
        .filter(|n| !n.is_null())
        .map(|n| (n, pod.path_of(&format!("securityContext.{rel}"))))
}

/// Where a missing container security-context field belongs (the deepest existing parent is
/// found when the path is located).
pub fn container_sc_path(c: &ContainerView<'_>, rel: &str) -> FieldPath {
    c.path_of(&format!("securityContext.{rel}"))
}

/// Whether the pod declares itself a Windows pod (`spec.os.name: windows`).
pub fn is_windows(pod: &PodSpecView<'_>) -> bool {
    pod.get("os.name").and_then(Node::as_str) == Some("windows")
}

/// Whether the container sets `securityContext.privileged: true`. The runtime then ignores
/// capability drops, seccomp and AppArmor, so rules about those leave it to WL001.
pub fn is_privileged(c: &ContainerView<'_>) -> bool {
    c.sc("privileged").and_then(Node::as_bool) == Some(true)
}

/// A capability name as the container runtimes read it: trimmed, upper-case, without the
/// `CAP_` prefix (`cap_sys_admin` → `SYS_ADMIN`).
pub fn capability_name(raw: &str) -> String {
    let upper = raw.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}

/// The capabilities a container adds (`securityContext.capabilities.add`): the path of each
/// item and its normalised name. Empty and non-string items are skipped.
pub fn added_capabilities(c: &ContainerView<'_>) -> Vec<(FieldPath, String)> {
    let base = c.path_of("securityContext.capabilities.add");
    strings(c.sc("capabilities.add"))
        .map(|(i, raw)| (base.index(i), capability_name(raw)))
        .filter(|(_, name)| !name.is_empty())
        .collect()
}

/// The WL006 `dangerous-capability-added` severity of adding a capability (normalised name)
/// and what it grants, when it weakens isolation. WL022 `capability-added` reports every other
/// added capability except `NET_BIND_SERVICE`, so the two never report the same one.
pub fn dangerous_capability(name: &str) -> Option<(Severity, &'static str)> {
    use Severity::{Critical, High, Medium};
    Some(match name {
        "ALL" => (Critical, "every capability"),
        "SYS_ADMIN" => (Critical, "mounts, namespaces, most kernel admin"),
        "SYS_MODULE" => (Critical, "loading kernel modules"),
        "SYS_RAWIO" => (High, "raw I/O port and device memory access"),
        "SYS_PTRACE" => (High, "tracing other processes, injecting code"),
        "SYS_BOOT" => (High, "rebooting and loading new kernels"),
        "DAC_READ_SEARCH" => (High, "bypassing file read checks, open_by_handle_at"),
        "BPF" => (High, "loading BPF programs into the kernel"),
        "PERFMON" => (High, "kernel performance monitoring and tracing"),
        "NET_ADMIN" => (High, "network interfaces, routes and firewall rules"),
        "MAC_ADMIN" => (High, "changing the mandatory access control policy"),
        "MAC_OVERRIDE" => (High, "overriding mandatory access control"),
        "NET_RAW" => (Medium, "raw sockets to spoof and sniff packets"),
        "SYS_TIME" => (Medium, "setting the node's clock"),
        "SYSLOG" => (Medium, "reading the kernel log and kernel addresses"),
        _ => return None,
    })
}

/// Containers for messages: `container "a", init container "b"`.
pub fn describe_containers(cs: &[ContainerView<'_>]) -> String {
    cs.iter()
        .map(ContainerView::describe)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Strings of a list field.
pub fn strings(n: Option<&Node>) -> impl Iterator<Item = (usize, &str)> {
    n.map(|n| n.items())
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(i, x)| Some((i, x.as_str()?)))
}

/// Kinds whose pods run until stopped, for rules about serving workloads (probes). Jobs and
/// CronJobs run to completion; a `PodTemplate` is not run by itself.
pub use stockade_model::kinds::LONG_RUNNING_KINDS;

/// Whether a pod runs to completion: a bare Pod with `restartPolicy: Never` or `OnFailure`
/// (controllers of long-running kinds only accept `Always`).
pub fn runs_to_completion(pod: &PodSpecView<'_>) -> bool {
    matches!(
        pod.get("restartPolicy").and_then(Node::as_str),
        Some("Never" | "OnFailure")
    )
}

/// A container image reference split as the container runtime reads it (the grammar of
/// `distribution/reference`): `[registry[:port]/]repository[:tag][@digest]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The registry host (with port), lowercased; `docker.io` for Docker Hub short names.
    pub registry: String,
    /// The repository path; Docker Hub official images get their implicit `library/`.
    pub repository: String,
    /// The tag, when one is written.
    pub tag: Option<&'a str>,
    /// The digest (`sha256:…`), when one is written.
    pub digest: Option<&'a str>,
}

impl ImageRef<'_> {
    /// Whether the image may change under the same reference: not pinned by digest and either
    /// untagged or tagged `latest` (the cases Kubernetes itself treats as moving).
    pub fn is_mutable(&self) -> bool {
        self.digest.is_none() && matches!(self.tag, None | Some("latest"))
    }

    /// `registry/repository`, the name registry allow-lists are matched against.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

/// Parses an image reference; `None` for an empty or blank one.
pub fn parse_image(image: &str) -> Option<ImageRef<'_>> {
    let image = image.trim();
    if image.is_empty() {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d).filter(|d| !d.is_empty())),
        None => (image, None),
    };
    // A tag is a `:` after the last `/`; a `:` before it belongs to a registry port.
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (
            &name[..last_slash + i],
            Some(&name[last_slash + i + 1..]).filter(|t| !t.is_empty()),
        ),
        None => (name, None),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_ascii_lowercase(), rest.to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    let registry = match registry.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_string()
        }
        _ => registry,
    };
    let repository = if registry == "docker.io" && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository
    };
    Some(ImageRef {
        registry,
        repository,
        tag,
        digest,
    })
}

/// A container's `env` entries that are mappings: (index, path, entry).
pub fn env_entries<'a>(
    c: &ContainerView<'a>,
) -> impl Iterator<Item = (usize, FieldPath, &'a Node)> {
    let base = c.path.key("env");
    c.node
        .get("env")
        .map(|n| n.items())
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.entries().is_empty())
        .map(move |(i, n)| (i, base.index(i), n))
}

/// Whether a resource quantity (`requests` or `limits`, `cpu` or `memory`) is effectively
/// unset for a container: neither on the container, nor defaulted from its limit (requests
/// only), nor bounded by pod-level `spec.resources`, nor defaulted by a `LimitRange` of the
/// object's namespace found in the inventory.
pub fn resource_unset(
    inv: &stockade_inventory::Inventory,
    pod: &PodSpecView<'_>,
    c: &ContainerView<'_>,
    section: &str,
    resource: &str,
) -> bool {
    let set = |n: Option<&Node>| n.is_some_and(|n| !n.is_null());
    if set(c
        .node
        .get("resources")
        .and_then(|r| r.get(section))
        .and_then(|s| s.get(resource)))
    {
        return false;
    }
    // The API server copies a limit into a missing request.
    if section == "requests" && set(c.node.at("resources.limits").and_then(|s| s.get(resource))) {
        return false;
    }
    // Pod-level resources (PodLevelResources) bound every container that sets none.
    if set(pod
        .get("resources")
        .and_then(|r| r.get(section))
        .and_then(|s| s.get(resource)))
    {
        return false;
    }
    // LimitRange `default` fills limits; `defaultRequest`, or else `default`, fills requests.
    let defaults: &[&str] = if section == "requests" {
        &["defaultRequest", "default"]
    } else {
        &["default"]
    };
    let ns = pod.object.namespace();
    !inv.of_kind("LimitRange")
        .filter(|lr| lr.namespace() == ns)
        .any(|lr| {
            lr.root
                .at("spec.limits")
                .map(|l| l.items())
                .unwrap_or(&[])
                .iter()
                .any(|l| {
                    l.get("type").and_then(Node::as_str) == Some("Container")
                        && defaults
                            .iter()
                            .any(|d| set(l.get(d).and_then(|m| m.get(resource))))
                })
        })
}

/// Whether two objects can be in the same namespace: equal when both name one, and assumed equal
/// when either leaves it unset (manifests applied with `kubectl apply -n` usually omit it).
pub fn same_namespace(a: &stockade_inventory::Object, b: &stockade_inventory::Object) -> bool {
    match (a.namespace(), b.namespace()) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// The autoscaler in the inventory that scales `o`: a HorizontalPodAutoscaler whose
/// `spec.scaleTargetRef` names it, or a KEDA ScaledObject (which creates such an HPA; its target
/// kind defaults to Deployment).
pub fn autoscaler_of<'a>(
    inv: &'a stockade_inventory::Inventory,
    o: &stockade_inventory::Object,
) -> Option<&'a stockade_inventory::Object> {
    if o.name().is_empty() {
        return None;
    }
    let targets = |a: &stockade_inventory::Object, default_kind: Option<&str>| {
        let r = a.root.at("spec.scaleTargetRef");
        let kind = r
            .and_then(|r| r.get("kind"))
            .and_then(Node::as_str)
            .or(default_kind);
        let name = r.and_then(|r| r.get("name")).and_then(Node::as_str);
        kind == Some(o.kind()) && name == Some(o.name()) && same_namespace(a, o)
    };
    inv.of_kind("HorizontalPodAutoscaler")
        .filter(|a| a.api_group() == "autoscaling")
        .find(|a| targets(a, None))
        .or_else(|| {
            inv.of_kind("ScaledObject")
                .filter(|a| a.api_group() == "keda.sh")
                .find(|a| targets(a, Some("Deployment")))
        })
}

/// Whether a Service is a core `v1` Service (not, say, a Knative `serving.knative.dev` one).
pub fn is_core_service(o: &stockade_inventory::Object) -> bool {
    o.kind() == "Service" && o.api_group().is_empty()
}

/// A Service's ports for messages: `80/TCP`, with the node port (`80/TCP (node port 30080)`)
/// when `node_ports` is set.
pub fn service_ports(svc: &stockade_inventory::Object, node_ports: bool) -> Vec<String> {
    let ports = svc.root.at("spec.ports").map(Node::items).unwrap_or(&[]);
    ports
        .iter()
        .filter_map(|p| {
            let port = p.get("port").and_then(Node::as_i64)?;
            let proto = p.get("protocol").and_then(Node::as_str).unwrap_or("TCP");
            let mut s = format!("{port}/{proto}");
            if node_ports {
                match p.get("nodePort").and_then(Node::as_i64) {
                    Some(np) => s.push_str(&format!(" (node port {np})")),
                    None => s.push_str(" (random node port)"),
                }
            }
            Some(s)
        })
        .collect()
}

/// The pod's service account and the path that names it: `serviceAccountName`, else the
/// deprecated `serviceAccount`, else `default` (with the path where `serviceAccountName`
/// belongs). Empty strings count as unset, as the API server treats them.
pub fn service_account<'a>(pod: &PodSpecView<'a>) -> (&'a str, FieldPath) {
    for field in ["serviceAccountName", "serviceAccount"] {
        if let Some(name) = pod
            .get(field)
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
        {
            return (name, pod.path_of(field));
        }
    }
    ("default", pod.path_of("serviceAccountName"))
}
