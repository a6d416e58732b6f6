//! Helpers shared by the audit rules: who counts as a system component, which verbs change
//! objects, and reading pod specs out of request bodies.

use crate::event::Event;
use serde_json::Value as Json;

/// Whether the user is a Kubernetes system component acting on its own: the API server,
/// controller manager, scheduler, kube-proxy, kubelets (`system:node:*` or group
/// `system:nodes`), and service accounts of `kube-system` (the built-in controllers).
/// `system:anonymous` and service accounts of other namespaces are not.
pub fn is_system_component(ev: &Event<'_>) -> bool {
    let u = ev.user.username.as_ref();
    matches!(
        u,
        "system:apiserver"
            | "system:kube-controller-manager"
            | "system:kube-scheduler"
            | "system:kube-proxy"
            | "system:volume-scheduler"
    ) || u.starts_with("system:node:")
        || u.starts_with("system:serviceaccount:kube-system:")
        || ev.user.groups.iter().any(|g| g == "system:nodes")
}

/// Whether the user is a service account; returns (namespace, name).
pub fn service_account(user: &str) -> Option<(&str, &str)> {
    user.strip_prefix("system:serviceaccount:")?.split_once(':')
}

/// Whether the verb writes an object (`create`, `update`, `patch`).
pub fn is_write(verb: &str) -> bool {
    matches!(verb, "create" | "update" | "patch")
}

/// Whether the verb deletes (`delete`, `deletecollection`).
pub fn is_delete(verb: &str) -> bool {
    matches!(verb, "delete" | "deletecollection")
}

/// Whether the event is in the core API group on `resource` (and no subresource).
pub fn is_core(ev: &Event<'_>, resource: &str) -> bool {
    ev.api_group().is_empty() && ev.resource() == resource && ev.subresource().is_empty()
}

/// Where the pod spec sits in an object of a workload resource (`""` for pods), or `None` for
/// other resources.
pub fn pod_spec_path(group: &str, resource: &str) -> Option<&'static str> {
    Some(match (group, resource) {
        ("", "pods") => "spec",
        ("", "podtemplates") => "template.spec",
        ("", "replicationcontrollers")
        | ("apps", "deployments" | "statefulsets" | "daemonsets" | "replicasets")
        | ("batch", "jobs") => "spec.template.spec",
        ("batch", "cronjobs") => "spec.jobTemplate.spec.template.spec",
        _ => return None,
    })
}

/// Follows a dotted path in a JSON value.
pub fn at<'v>(v: &'v Json, path: &str) -> Option<&'v Json> {
    path.split('.').try_fold(v, |cur, k| cur.get(k))
}

/// The items of a JSON array field (empty when missing or not an array).
pub fn items<'v>(v: &'v Json, key: &str) -> &'v [Json] {
    v.get(key)
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Whether a list field holds `"*"`.
pub fn has_wildcard(v: &Json, key: &str) -> bool {
    items(v, key).iter().any(|x| x.as_str() == Some("*"))
}
