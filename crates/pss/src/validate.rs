//! Type checks for every field the checks read. The API server refuses a wrongly typed field
//! before admission runs; Stockade must not treat it as unset and pass the pod silently, so
//! each wrongly typed field is reported, and the object gets no verdict.

use crate::pod::Pod;
use stockade_model::FieldPath;
use stockade_sources::{Node, Value};

/// A field whose value has the wrong type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeError {
    /// The field.
    pub path: FieldPath,
    /// What the API expects: `a boolean`, `a string`, ….
    pub expected: &'static str,
    /// What was found: `string "yes"`.
    pub found: String,
}

#[derive(Clone, Copy)]
enum Ty {
    Bool,
    Int,
    Str,
    Map,
    List,
}

impl Ty {
    fn accepts(self, v: &Value) -> bool {
        matches!(
            (self, v),
            (_, Value::Null)
                | (Ty::Bool, Value::Bool(_))
                | (Ty::Int, Value::Int(_))
                | (Ty::Str, Value::Str(_))
                | (Ty::Map, Value::Map(_))
                | (Ty::List, Value::Seq(_))
        )
    }
    fn name(self) -> &'static str {
        match self {
            Ty::Bool => "a boolean",
            Ty::Int => "an integer",
            Ty::Str => "a string",
            Ty::Map => "a mapping",
            Ty::List => "a list",
        }
    }
}

const SECURITY_CONTEXT_COMMON: &[(&str, Ty)] = &[
    ("securityContext", Ty::Map),
    ("securityContext.runAsNonRoot", Ty::Bool),
    ("securityContext.runAsUser", Ty::Int),
    ("securityContext.seccompProfile", Ty::Map),
    ("securityContext.seccompProfile.type", Ty::Str),
    ("securityContext.appArmorProfile", Ty::Map),
    ("securityContext.appArmorProfile.type", Ty::Str),
    ("securityContext.appArmorProfile.localhostProfile", Ty::Str),
    ("securityContext.seLinuxOptions", Ty::Map),
    ("securityContext.seLinuxOptions.type", Ty::Str),
    ("securityContext.seLinuxOptions.user", Ty::Str),
    ("securityContext.seLinuxOptions.role", Ty::Str),
    ("securityContext.windowsOptions", Ty::Map),
    ("securityContext.windowsOptions.hostProcess", Ty::Bool),
];

const POD: &[(&str, Ty)] = &[
    ("hostNetwork", Ty::Bool),
    ("hostPID", Ty::Bool),
    ("hostIPC", Ty::Bool),
    ("hostUsers", Ty::Bool),
    ("runtimeClassName", Ty::Str),
    ("os", Ty::Map),
    ("os.name", Ty::Str),
    ("containers", Ty::List),
    ("initContainers", Ty::List),
    ("ephemeralContainers", Ty::List),
    ("volumes", Ty::List),
    ("securityContext.sysctls", Ty::List),
];

const CONTAINER: &[(&str, Ty)] = &[
    ("name", Ty::Str),
    ("ports", Ty::List),
    ("securityContext.privileged", Ty::Bool),
    ("securityContext.allowPrivilegeEscalation", Ty::Bool),
    ("securityContext.procMount", Ty::Str),
    ("securityContext.capabilities", Ty::Map),
    ("securityContext.capabilities.add", Ty::List),
    ("securityContext.capabilities.drop", Ty::List),
    ("livenessProbe", Ty::Map),
    ("readinessProbe", Ty::Map),
    ("startupProbe", Ty::Map),
    ("lifecycle", Ty::Map),
    ("lifecycle.postStart", Ty::Map),
    ("lifecycle.preStop", Ty::Map),
];

const HANDLERS: &[&str] = &[
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle.postStart",
    "lifecycle.preStop",
];

fn check(base: &Node, path: &FieldPath, fields: &[(&str, Ty)], out: &mut Vec<TypeError>) {
    for (rel, ty) in fields {
        if let Some(n) = base.at(rel)
            && !ty.accepts(&n.value)
        {
            out.push(error(path.join(rel), *ty, n));
        }
    }
}

fn error(path: FieldPath, ty: Ty, n: &Node) -> TypeError {
    TypeError {
        path,
        expected: ty.name(),
        found: format!("{} {}", n.type_name(), n.value),
    }
}

fn items<'a>(
    base: &'a Node,
    path: &FieldPath,
    rel: &str,
) -> impl Iterator<Item = (FieldPath, &'a Node)> {
    let p = path.join(rel);
    base.at(rel)
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(move |(i, n)| (p.index(i), n))
}

/// Every wrongly typed field the checks read, in document order of the checks' fields.
pub fn type_errors(pod: &Pod<'_>) -> Vec<TypeError> {
    let mut out = Vec::new();
    let view = &pod.view;
    if let Some(a) = view.meta.and_then(|m| m.get("annotations")) {
        if !Ty::Map.accepts(&a.value) {
            out.push(error(view.meta_path.key("annotations"), Ty::Map, a));
        } else {
            for (k, v) in a.entries() {
                if !Ty::Str.accepts(&v.value) {
                    out.push(error(
                        view.meta_path.key("annotations").key(&k.name),
                        Ty::Str,
                        v,
                    ));
                }
            }
        }
    }
    check(view.spec, view.spec_path, SECURITY_CONTEXT_COMMON, &mut out);
    check(view.spec, view.spec_path, POD, &mut out);
    for (p, s) in items(view.spec, view.spec_path, "securityContext.sysctls") {
        if !Ty::Map.accepts(&s.value) {
            out.push(error(p, Ty::Map, s));
        } else {
            check(s, &p, &[("name", Ty::Str)], &mut out);
        }
    }
    for (p, v) in view.volumes() {
        if !Ty::Map.accepts(&v.value) {
            out.push(error(p, Ty::Map, v));
        } else {
            check(v, &p, &[("name", Ty::Str)], &mut out);
        }
    }
    for c in pod.containers() {
        if !Ty::Map.accepts(&c.node.value) {
            out.push(error(c.path.clone(), Ty::Map, c.node));
            continue;
        }
        check(c.node, &c.path, SECURITY_CONTEXT_COMMON, &mut out);
        check(c.node, &c.path, CONTAINER, &mut out);
        for list in ["add", "drop"] {
            for (p, cap) in items(
                c.node,
                &c.path,
                &format!("securityContext.capabilities.{list}"),
            ) {
                if !Ty::Str.accepts(&cap.value) || cap.is_null() {
                    out.push(error(p, Ty::Str, cap));
                }
            }
        }
        for (p, port) in items(c.node, &c.path, "ports") {
            if !Ty::Map.accepts(&port.value) {
                out.push(error(p, Ty::Map, port));
            } else {
                check(
                    port,
                    &p,
                    &[("hostPort", Ty::Int), ("containerPort", Ty::Int)],
                    &mut out,
                );
            }
        }
        for h in HANDLERS {
            for action in ["httpGet", "tcpSocket"] {
                let base = format!("{h}.{action}");
                check(
                    c.node,
                    &c.path,
                    &[(base.as_str(), Ty::Map), (&format!("{base}.host"), Ty::Str)],
                    &mut out,
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::with_pod;

    #[test]
    fn wrong_types_are_reported_with_paths() {
        let errs = with_pod(
            "seccomp.security.alpha.kubernetes.io/pod: 5",
            "hostNetwork: 'true'\nsecurityContext: {runAsUser: '0', sysctls: [{name: 3}]}\ncontainers: [{name: a, securityContext: {privileged: yes please, capabilities: {add: [1]}, seLinuxOptions: {type: [x]}}, ports: [{containerPort: 80, hostPort: '80'}]}, plain]",
            type_errors,
        );
        let shown: Vec<String> = errs
            .iter()
            .map(|e| format!("{} {} {}", e.path, e.expected, e.found))
            .collect();
        assert_eq!(shown.len(), 9, "{shown:#?}");
        assert!(
            shown.contains(&"spec.hostNetwork a boolean string \"true\"".to_string()),
            "{shown:#?}"
        );
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("spec.containers[0].securityContext.privileged a boolean"))
        );
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("spec.containers[1] a mapping"))
        );
    }
}
