use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::{at, is_system_component, is_write, items, pod_spec_path};
use serde_json::Value as Json;
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when a pod, or a workload that creates pods (Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, ReplicationController, Job, CronJob, PodTemplate), is created or changed with
    /// a privileged container, `hostNetwork`, `hostPID` or `hostIPC`, or a `hostPath` volume of
    /// a sensitive host path.
    ///
    /// It reads the request body when the audit policy logs it (level `Request` or higher), and
    /// otherwise the PodSecurity admission's `pod-security.kubernetes.io/audit-violations`
    /// annotation, which kube-apiserver adds at every level when PodSecurity audits a level
    /// stricter than the pod.
    ///
    /// ## Why is this risky?
    /// These settings break the container boundary: a privileged container or a host namespace
    /// gives the pod the node, and a node gives its credentials and every pod on it. Creating
    /// such a pod is the classic escape after gaining `create pods` rights.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
    ///  "verb":"create","user":{"username":"mallory"},
    ///  "objectRef":{"resource":"pods","namespace":"dev","name":"x","apiVersion":"v1"},
    ///  "responseStatus":{"code":201},
    ///  "requestObject":{"spec":{"hostPID":true,"containers":[{"name":"c","securityContext":{"privileged":true}}]}}}
    /// ```
    ///
    /// ## Use instead
    /// Enforce the `baseline` or `restricted` Pod Security Standard on application namespaces
    /// (`pod-security.kubernetes.io/enforce` label), and keep privileged workloads in a few
    /// dedicated namespaces listed in `allowed-namespaces`.
    ///
    /// ## Options
    /// `sensitive-host-paths` (host paths, and their parents, that count as sensitive),
    /// `allowed-namespaces` (namespaces meant for privileged node agents).
    ///
    /// ## Known limitations
    /// A `patch` body is a patch, not the object, so patches are judged only from the response
    /// body (level `RequestResponse`) or the PodSecurity annotation. From the annotation alone a
    /// `hostPath` volume's path is unknown, so every `hostPath` volume is reported. Pods created
    /// by controllers (a DaemonSet's pods) are not reported again: the workload's change is.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1610 (Deploy Container), T1611 (Escape to Host)
    /// - Kubernetes: Pod Security Standards (baseline: privileged, host namespaces, hostPath)
    pub static PRIVILEGED_POD_CREATED = AuditRule {
        id: "AU002",
        name: "privileged-pod-created",
        severity: Severity::High,
        controls: &[Control::mitre("T1610"), Control::mitre("T1611"), Control::cis("5.2.2")],
        since: "0.1.0",
        summary: "privileged, host-namespace or sensitive hostPath pod created",
        remediation: "Find who created the workload and why; delete it unless it is a reviewed node agent, and enforce the baseline Pod Security Standard on the namespace.",
        options: &[
            RuleOption { name: "sensitive-host-paths", help: "Host paths that are sensitive to mount (a volume of the path or a parent of it counts).", default: r#"["/", "/etc", "/root", "/home", "/var/run", "/run", "/var/run/docker.sock", "/run/containerd", "/var/lib/kubelet", "/var/lib/docker", "/var/lib/containerd", "/var/log", "/proc", "/sys", "/dev", "/boot", "/usr", "/lib", "/bin", "/sbin"]"# },
            RuleOption { name: "allowed-namespaces", help: "Namespaces where privileged workloads are expected (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if !is_write(&ev.verb) || !ev.subresource().is_empty() || !ev.succeeded() {
        return;
    }
    let Some(spec_path) = pod_spec_path(ev.api_group(), ev.resource()) else {
        return;
    };
    if is_system_component(ev)
        || matches_any(&cx.options.strings("allowed-namespaces"), ev.namespace())
    {
        return;
    }
    let kind = crate::analyzer::kind_of(ev.resource()).unwrap_or("object");
    let what = format!("{kind} {}/{}", ev.namespace(), ev.name());
    if let Some(body) = ev.object_body() {
        let field = if ev.response_object.is_some() && ev.succeeded() {
            "responseObject"
        } else {
            "requestObject"
        };
        let Some(spec) = at(&body, spec_path) else {
            return;
        };
        let findings = from_spec(spec, &cx.options.strings("sensitive-host-paths"));
        if let Some((first_path, _)) = findings.first() {
            let path = format!("{field}.{spec_path}.{first_path}");
            let detail: Vec<&str> = findings.iter().map(|(_, d)| d.as_str()).collect();
            cx.alert(
                &path,
                format!("{what} {}: {}", verb_done(&ev.verb), detail.join(", ")),
            );
        }
        return;
    }
    let Some(violations) = ev
        .annotations
        .get("pod-security.kubernetes.io/audit-violations")
    else {
        return;
    };
    let detail = from_violations(violations);
    if !detail.is_empty() {
        cx.alert(
            r#"annotations["pod-security.kubernetes.io/audit-violations"]"#,
            format!(
                "{what} {} (per PodSecurity): {}",
                verb_done(&ev.verb),
                detail.join(", ")
            ),
        );
    }
}

fn verb_done(verb: &str) -> &'static str {
    match verb {
        "create" => "created with",
        _ => "changed to have",
    }
}

/// Offending settings of a pod spec: (path relative to the spec, description).
fn from_spec(spec: &Json, sensitive: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for ns in ["hostNetwork", "hostPID", "hostIPC"] {
        if spec.get(ns).and_then(Json::as_bool) == Some(true) {
            out.push((ns.to_string(), format!("{ns}=true")));
        }
    }
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for (i, c) in items(spec, list).iter().enumerate() {
            if at(c, "securityContext.privileged").and_then(Json::as_bool) == Some(true) {
                let name = c.get("name").and_then(Json::as_str).unwrap_or("?");
                out.push((
                    format!("{list}[{i}].securityContext.privileged"),
                    format!("privileged container \"{name}\""),
                ));
            }
        }
    }
    for (i, v) in items(spec, "volumes").iter().enumerate() {
        let Some(path) = at(v, "hostPath.path").and_then(Json::as_str) else {
            continue;
        };
        if is_sensitive_path(path, sensitive) {
            let name = v.get("name").and_then(Json::as_str).unwrap_or("?");
            out.push((
                format!("volumes[{i}].hostPath.path"),
                format!("hostPath volume \"{name}\" of {path}"),
            ));
        }
    }
    out
}

/// Whether mounting `path` exposes a sensitive path: it is one, lies under one, or is a parent
/// of one (mounting `/var` exposes `/var/run/docker.sock`).
fn is_sensitive_path(path: &str, sensitive: &[&str]) -> bool {
    let p = normalize(path);
    sensitive.iter().any(|s| {
        let s = normalize(s);
        p == s
            || (s != "/" && p.starts_with(&format!("{s}/")))
            || p == "/"
            || s.starts_with(&format!("{p}/"))
    })
}

fn normalize(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        "/".to_string()
    } else {
        t.to_string()
    }
}

/// The host-level settings named in a PodSecurity `audit-violations` annotation (its format:
/// `would violate PodSecurity "restricted:latest": privileged (container "c" must not set
/// securityContext.privileged=true), host namespaces (hostNetwork=true), ...`).
fn from_violations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let body = text.split_once("\": ").map_or(text, |(_, b)| b);
    for part in split_top_level(body) {
        let (reason, detail) = match part.split_once(" (") {
            Some((r, d)) => (r.trim(), d.strip_suffix(')').unwrap_or(d)),
            None => (part.trim(), ""),
        };
        match reason {
            "privileged" => out.push(format!("privileged ({detail})")),
            "host namespaces" => out.push(detail.to_string()),
            "hostPath volumes" => out.push(format!("hostPath volumes ({detail})")),
            "restricted volume types" if detail.contains("\"hostPath\"") => {
                out.push(format!("hostPath volume ({detail})"));
            }
            _ => {}
        }
    }
    out
}

/// Splits on `, ` outside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 && b.get(i + 1) == Some(&b' ') => {
                out.push(&s[start..i]);
                start = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pod_security_annotations() {
        let a = r#"would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true, hostPID=true), privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), restricted volume types (volume "h" uses restricted volume type "hostPath")"#;
        assert_eq!(
            from_violations(a),
            [
                "hostNetwork=true, hostPID=true",
                "privileged (container \"c\" must not set securityContext.privileged=true)",
                "hostPath volume (volume \"h\" uses restricted volume type \"hostPath\")"
            ]
        );
        assert!(from_violations(r#"would violate PodSecurity "restricted:latest": runAsNonRoot != true (pod must set securityContext.runAsNonRoot=true)"#).is_empty());
    }

    #[test]
    fn sensitive_paths_include_parents_and_children() {
        let s = ["/etc", "/var/run/docker.sock"];
        assert!(is_sensitive_path("/etc/kubernetes", &s));
        assert!(is_sensitive_path("/var/run/", &s));
        assert!(is_sensitive_path("/", &s));
        assert!(!is_sensitive_path("/data/app", &s));
        assert!(!is_sensitive_path("/etcetera", &s));
    }
}
