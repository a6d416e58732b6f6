//! Type checks for the pod-spec fields that rules read. A wrongly typed field would make a rule
//! see "unset" and pass silently; instead the inventory reports it as a diagnostic.

use crate::PodSpecView;
use stockade_model::FieldPath;
use stockade_sources::{Node, Value};

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

const POD_FIELDS: &[(&str, Ty)] = &[
    ("hostNetwork", Ty::Bool),
    ("hostPID", Ty::Bool),
    ("hostIPC", Ty::Bool),
    ("hostUsers", Ty::Bool),
    ("shareProcessNamespace", Ty::Bool),
    ("automountServiceAccountToken", Ty::Bool),
    ("serviceAccountName", Ty::Str),
    ("serviceAccount", Ty::Str),
    ("runtimeClassName", Ty::Str),
    ("containers", Ty::List),
    ("initContainers", Ty::List),
    ("ephemeralContainers", Ty::List),
    ("volumes", Ty::List),
    ("securityContext", Ty::Map),
    ("securityContext.runAsNonRoot", Ty::Bool),
    ("securityContext.runAsUser", Ty::Int),
    ("securityContext.runAsGroup", Ty::Int),
    ("securityContext.fsGroup", Ty::Int),
    ("securityContext.seccompProfile", Ty::Map),
    ("securityContext.seccompProfile.type", Ty::Str),
    ("securityContext.appArmorProfile.type", Ty::Str),
    ("securityContext.seLinuxOptions", Ty::Map),
    ("securityContext.sysctls", Ty::List),
    ("securityContext.windowsOptions.hostProcess", Ty::Bool),
];

const CONTAINER_FIELDS: &[(&str, Ty)] = &[
    ("name", Ty::Str),
    ("image", Ty::Str),
    ("imagePullPolicy", Ty::Str),
    ("stdin", Ty::Bool),
    ("tty", Ty::Bool),
    ("ports", Ty::List),
    ("env", Ty::List),
    ("envFrom", Ty::List),
    ("resources", Ty::Map),
    ("securityContext", Ty::Map),
    ("securityContext.privileged", Ty::Bool),
    ("securityContext.allowPrivilegeEscalation", Ty::Bool),
    ("securityContext.readOnlyRootFilesystem", Ty::Bool),
    ("securityContext.runAsNonRoot", Ty::Bool),
    ("securityContext.runAsUser", Ty::Int),
    ("securityContext.runAsGroup", Ty::Int),
    ("securityContext.procMount", Ty::Str),
    ("securityContext.capabilities", Ty::Map),
    ("securityContext.capabilities.add", Ty::List),
    ("securityContext.capabilities.drop", Ty::List),
    ("securityContext.seccompProfile.type", Ty::Str),
    ("securityContext.appArmorProfile.type", Ty::Str),
    ("securityContext.seLinuxOptions", Ty::Map),
    ("securityContext.windowsOptions.hostProcess", Ty::Bool),
];

fn check(
    base: &Node,
    base_path: &FieldPath,
    fields: &[(&str, Ty)],
    out: &mut Vec<(FieldPath, &'static str, String)>,
) {
    for (rel, ty) in fields {
        if let Some(n) = base.at(rel)
            && !ty.accepts(&n.value)
        {
            out.push((base_path.join(rel), ty.name(), describe(n)));
        }
    }
}

fn describe(n: &Node) -> String {
    format!("{} {}", n.type_name(), n.value)
}

/// Wrongly typed fields of a pod spec: (path, expected type, what was found).
pub fn pod_spec(pod: &PodSpecView<'_>) -> Vec<(FieldPath, &'static str, String)> {
    let mut out = Vec::new();
    check(pod.spec, pod.spec_path, POD_FIELDS, &mut out);
    for c in pod.all_containers() {
        if !matches!(c.node.value, Value::Map(_)) {
            out.push((c.path.clone(), "a mapping", describe(c.node)));
            continue;
        }
        check(c.node, &c.path, CONTAINER_FIELDS, &mut out);
        for (i, p) in c
            .node
            .get("ports")
            .map(|n| n.items())
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let pp = c.path.key("ports").index(i);
            check(
                p,
                &pp,
                &[
                    ("containerPort", Ty::Int),
                    ("hostPort", Ty::Int),
                    ("protocol", Ty::Str),
                ],
                &mut out,
            );
        }
        for list in ["add", "drop"] {
            let key = format!("securityContext.capabilities.{list}");
            for (i, cap) in c
                .node
                .at(&key)
                .map(|n| n.items())
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                if !matches!(cap.value, Value::Str(_)) {
                    out.push((c.path.join(&key).index(i), "a string", describe(cap)));
                }
            }
        }
    }
    for (vp, v) in pod.volumes() {
        check(
            v,
            &vp,
            &[
                ("name", Ty::Str),
                ("hostPath", Ty::Map),
                ("hostPath.path", Ty::Str),
            ],
            &mut out,
        );
    }
    out
}
