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

/// A wrongly typed identity or shape field of an object: where, what it must be, and the node
/// found there (its position and, for a scalar, the text as written give the message a hint).
pub struct WrongType<'a> {
    /// The field.
    pub path: FieldPath,
    /// What Kubernetes expects there (`a string`).
    pub expected: &'static str,
    /// What is there.
    pub node: &'a Node,
}

/// Kinds whose `spec.replicas` is an integer.
const REPLICATED: &[&str] = stockade_model::kinds::SCALABLE_KINDS;

/// Kinds whose `spec.template` is a pod template.
fn templated(kind: &str) -> bool {
    stockade_model::kinds::workload(kind).is_some_and(|w| w.spec_path == "spec.template.spec")
}

/// `metadata`, its name, namespace, labels and annotations (each value a string), at `base`.
fn metadata<'a>(meta: &'a Node, base: FieldPath, out: &mut Vec<WrongType<'a>>) {
    if !Ty::Map.accepts(&meta.value) {
        out.push(WrongType {
            path: base,
            expected: Ty::Map.name(),
            node: meta,
        });
        return;
    }
    for (rel, ty) in [
        ("name", Ty::Str),
        ("generateName", Ty::Str),
        ("namespace", Ty::Str),
        ("labels", Ty::Map),
        ("annotations", Ty::Map),
    ] {
        if let Some(n) = meta.get(rel)
            && !ty.accepts(&n.value)
        {
            out.push(WrongType {
                path: base.key(rel),
                expected: ty.name(),
                node: n,
            });
        }
    }
    for map in ["labels", "annotations"] {
        for (k, v) in meta.get(map).map(Node::entries).unwrap_or(&[]) {
            // A null value is an error too (`labels: {a: }`), but a different one; only
            // scalars and collections of the wrong type are reported here.
            if !matches!(v.value, Value::Str(_) | Value::Null) {
                out.push(WrongType {
                    path: base.key(map).key(&k.name),
                    expected: Ty::Str.name(),
                    node: v,
                });
            }
        }
    }
}

/// Wrongly typed identity and shape fields of any object: `metadata` (name, namespace, labels,
/// annotations) and, for the built-in workload kinds, `spec.replicas`, `spec.template` (and its
/// metadata). A field of the wrong type is read as unset, so an object could silently land in
/// another namespace or lose the labels its Service selects.
pub fn object(o: &crate::Object) -> Vec<WrongType<'_>> {
    let mut out = Vec::new();
    let root = &o.root;
    if let Some(meta) = root.get("metadata") {
        metadata(meta, FieldPath::root().key("metadata"), &mut out);
    }
    if !crate::references::is_builtin(o) {
        return out;
    }
    let kind = o.kind();
    let spec_path = FieldPath::root().key("spec");
    let Some(spec) = root.get("spec") else {
        return out;
    };
    if !Ty::Map.accepts(&spec.value) {
        out.push(WrongType {
            path: spec_path,
            expected: Ty::Map.name(),
            node: spec,
        });
        return out;
    }
    if REPLICATED.contains(&kind)
        && let Some(n) = spec.get("replicas")
        && !Ty::Int.accepts(&n.value)
    {
        out.push(WrongType {
            path: spec_path.key("replicas"),
            expected: Ty::Int.name(),
            node: n,
        });
    }
    let template = if templated(kind) {
        Some((spec.get("template"), spec_path.key("template")))
    } else if kind == "CronJob" {
        let jt = spec.get("jobTemplate");
        let jt_path = spec_path.key("jobTemplate");
        match jt {
            Some(j) if !Ty::Map.accepts(&j.value) => {
                out.push(WrongType {
                    path: jt_path,
                    expected: Ty::Map.name(),
                    node: j,
                });
                None
            }
            Some(j) => match j.get("spec") {
                Some(s) if !Ty::Map.accepts(&s.value) => {
                    out.push(WrongType {
                        path: jt_path.key("spec"),
                        expected: Ty::Map.name(),
                        node: s,
                    });
                    None
                }
                Some(s) => Some((s.get("template"), jt_path.key("spec").key("template"))),
                None => None,
            },
            None => None,
        }
    } else {
        None
    };
    if let Some((Some(t), path)) = template {
        if !Ty::Map.accepts(&t.value) {
            out.push(WrongType {
                path,
                expected: Ty::Map.name(),
                node: t,
            });
        } else if let Some(meta) = t.get("metadata") {
            metadata(meta, path.key("metadata"), &mut out);
        }
    }
    out
}

/// The scalar as written at `col` (1-based, in characters) of `line`: up to a comment, or the
/// end of a flow item.
pub fn written_at(line: &str, col: u32) -> Option<&str> {
    let start = line
        .char_indices()
        .nth(col.checked_sub(1)? as usize)
        .map(|(i, _)| i)?;
    let rest = &line[start..];
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        if matches!(c, ',' | '}' | ']') || (c == '#' && rest[..i].ends_with(' ')) {
            end = i;
            break;
        }
    }
    let s = rest[..end].trim();
    (!s.is_empty()).then_some(s)
}

/// What to do about a wrongly typed value: quote a scalar where a string belongs (naming the
/// YAML 1.1 reading kubectl's decoder applies to an unquoted `yes`, `on`, `y`, …), unquote a
/// number, or write the right shape.
pub fn hint(expected: &'static str, node: &Node, written: Option<&str>) -> String {
    let shown = written.map_or_else(|| node.value.to_string(), str::to_string);
    match (&node.value, expected) {
        (Value::Bool(b), "a string") => {
            let yaml11 = written.is_some_and(|w| {
                !matches!(w, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
            });
            if yaml11 {
                format!(
                    "an unquoted `{shown}` is the boolean {b} in YAML 1.1, which kubectl's decoder follows; quote the value: \"{shown}\""
                )
            } else {
                format!("quote the value: \"{shown}\"")
            }
        }
        (Value::Int(_) | Value::Float(_), "a string") => {
            format!("quote the value: \"{shown}\"")
        }
        (Value::Str(s), "an integer") if s.trim().parse::<i64>().is_ok() => {
            format!("remove the quotes: {}", s.trim())
        }
        _ => format!("write {expected} there"),
    }
}
