//! Stockade's built-in rules that CEL can express exactly, as ValidatingAdmissionPolicies and
//! bindings (`stockade export vap`): admission without a webhook. Each exported policy denies
//! exactly the workload objects on which its rule reports a finding; a test checks it on every
//! workload fixture of every rule, and a live test on the API server.

use serde_json::{Value as Json, json};
use stockade_model::kinds::WORKLOADS;

/// One exportable rule: its id and the CEL expression that holds when the rule reports nothing
/// on the object. The expression reads `variables.spec` (the pod spec), `variables.all` (every
/// container: regular, init and ephemeral), `variables.regularInit` (regular and init) and
/// `variables.windows` (the pod says it runs on Windows).
pub struct Exportable {
    /// The rule's id.
    pub id: &'static str,
    /// The validation.
    pub expression: &'static str,
}

/// The rules exported, with their CEL.
pub const EXPORTABLE: &[Exportable] = &[
    Exportable {
        id: "WL001",
        expression: "variables.all.all(c, c.?securityContext.?privileged.orValue(false) != true)",
    },
    Exportable {
        id: "WL002",
        expression: "variables.windows || variables.all.all(c, c.?securityContext.?allowPrivilegeEscalation.orValue(true) == false)",
    },
    Exportable {
        id: "WL003",
        expression: "variables.windows || variables.all.all(c, c.?securityContext.?runAsUser.orValue(variables.spec.?securityContext.?runAsUser.orValue(-1)) != 0 && (c.?securityContext.?runAsNonRoot.orValue(variables.spec.?securityContext.?runAsNonRoot.orValue(false)) == true || c.?securityContext.?runAsUser.orValue(variables.spec.?securityContext.?runAsUser.orValue(0)) != 0))",
    },
    Exportable {
        id: "WL005",
        expression: "variables.regularInit.all(c, c.?securityContext.?readOnlyRootFilesystem.orValue(false) == true)",
    },
    Exportable {
        id: "WL007",
        expression: "variables.windows || variables.all.all(c, c.?securityContext.?privileged.orValue(false) == true || c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d.trim().upperAscii() == 'ALL' || d.trim().upperAscii() == 'CAP_ALL'))",
    },
    Exportable {
        id: "WL008",
        expression: "variables.spec.?hostNetwork.orValue(false) != true",
    },
    Exportable {
        id: "WL009",
        expression: "variables.spec.?hostPID.orValue(false) != true",
    },
    Exportable {
        id: "WL010",
        expression: "variables.spec.?hostIPC.orValue(false) != true",
    },
    Exportable {
        id: "WL011",
        expression: "variables.spec.?volumes.orValue([]).all(v, !has(v.hostPath))",
    },
    Exportable {
        id: "WL012",
        expression: "variables.spec.?hostNetwork.orValue(false) == true || variables.all.all(c, c.?ports.orValue([]).all(p, p.?hostPort.orValue(0) <= 0))",
    },
    Exportable {
        id: "WL019",
        expression: "variables.spec.?shareProcessNamespace.orValue(false) != true",
    },
    Exportable {
        id: "WL020",
        expression: "variables.regularInit.all(c, c.?stdin.orValue(false) != true && c.?tty.orValue(false) != true)",
    },
];

/// The CEL of the pod spec of any workload kind.
fn spec_expression() -> String {
    let mut expr = String::from("object.spec");
    for w in WORKLOADS.iter().rev() {
        if w.kind == "Pod" {
            continue;
        }
        let path: String = w
            .spec_path
            .split('.')
            .map(|s| format!("?{s}"))
            .collect::<Vec<_>>()
            .join(".");
        expr = format!(
            "object.kind == '{}' ? object.{path}.orValue({{}}) : {expr}",
            w.kind
        );
    }
    expr
}

/// The resource rules of the workload kinds.
fn workload_rules() -> Vec<Json> {
    let mut by_group: Vec<(String, Vec<String>)> = Vec::new();
    for w in WORKLOADS {
        let Some(r) = stockade_model::kinds::RESOURCES
            .iter()
            .find(|r| r.kind == w.kind)
        else {
            continue;
        };
        match by_group.iter_mut().find(|(g, _)| g == r.group) {
            Some((_, v)) => v.push(r.plural.to_string()),
            None => by_group.push((r.group.to_string(), vec![r.plural.to_string()])),
        }
    }
    by_group
        .into_iter()
        .map(|(g, resources)| {
            json!({"apiGroups": [g], "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"],
                "resources": resources})
        })
        .collect()
}

/// The policy name of an exported rule: `stockade-wl001-privileged-container`.
pub fn policy_name(meta: &stockade_framework::Meta) -> String {
    format!("stockade-{}-{}", meta.id.to_ascii_lowercase(), meta.name)
}

/// The ValidatingAdmissionPolicy and binding of `e`, with the binding's `action` (Deny, Warn
/// or Audit).
pub fn policy(e: &Exportable, action: &str) -> Option<(Json, Json)> {
    let meta = crate::registry::find(e.id)?;
    let name = policy_name(meta);
    let spec = spec_expression();
    let policy = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "stockade"},
            "annotations": {"stockade.dev/rule": meta.id,
                "stockade.dev/remediation": meta.remediation}},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {"resourceRules": workload_rules()},
            "variables": [
                {"name": "spec", "expression": spec},
                {"name": "all", "expression": "variables.spec.?containers.orValue([]) + variables.spec.?initContainers.orValue([]) + variables.spec.?ephemeralContainers.orValue([])"},
                {"name": "regularInit", "expression": "variables.spec.?containers.orValue([]) + variables.spec.?initContainers.orValue([])"},
                {"name": "windows", "expression": "variables.spec.?os.?name.orValue('') == 'windows'"},
            ],
            "validations": [{
                "expression": e.expression,
                "message": format!("{} {}: {} (stockade explain {})", meta.id, meta.name, meta.summary, meta.id),
            }],
        },
    });
    let binding = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "stockade"}},
        "spec": {"policyName": name, "validationActions": [action]},
    });
    Some((policy, binding))
}

/// The exportable rules named by `ids` (ids or names; all when empty), or the first id that is
/// not exportable.
pub fn select(ids: &[String]) -> Result<Vec<&'static Exportable>, String> {
    if ids.is_empty() {
        return Ok(EXPORTABLE.iter().collect());
    }
    let mut out = Vec::new();
    for id in ids {
        let meta = crate::registry::find(id).ok_or_else(|| format!("no rule `{id}`"))?;
        let e = EXPORTABLE.iter().find(|e| e.id == meta.id).ok_or_else(|| {
            format!(
                "{} cannot be exported: only rules whose CEL has been checked against the rule on every fixture are (rules that read other objects or options are not); exportable: {}",
                meta.id,
                EXPORTABLE.iter().map(|e| e.id).collect::<Vec<_>>().join(", ")
            )
        })?;
        if !out.iter().any(|x: &&Exportable| x.id == e.id) {
            out.push(e);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use stockade_inventory::Inventory;
    use stockade_policy::{PolicySet, Request, World};
    use stockade_sources::{Input, Limits, load_inputs};

    /// Every exported policy denies exactly the objects its rule reports on, over every
    /// workload fixture of every rule (objects a workload controller owns aside: the scan
    /// reports their owner, the API server judges each).
    #[test]
    fn each_exported_policy_denies_exactly_what_its_rule_reports() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/fixtures"));
        let loaded = load_inputs(
            &[Input::parse(&root.display().to_string())],
            &Limits::default(),
            &mut std::io::empty(),
        );
        let (inv, _) = Inventory::from_manifests(loaded);
        let world = World::new(std::iter::empty());
        let mut compared = 0;
        for e in EXPORTABLE {
            let (p, b) = policy(e, "Deny").unwrap();
            let set = PolicySet::new(&[p], &[b]);
            assert!(set.problems.is_empty(), "{}: {:?}", e.id, set.problems);
            let settings = crate::Settings {
                enabled: vec![stockade_rules::find(e.id).unwrap()],
                ..Default::default()
            };
            let out = crate::run(&inv, &settings, None, "2026-01-01");
            for o in inv.objects() {
                if !o.makes_pods() && o.kind() != "PodTemplate" || o.controlled_by_workload() {
                    continue;
                }
                // Fixtures reuse names: an object is its file and document.
                let here = inv.location(o, &stockade_model::FieldPath::root());
                let same = |l: &Option<stockade_model::Location>| match (l, &here) {
                    (Some(a), Some(b)) => a.path == b.path && a.document == b.document,
                    _ => false,
                };
                let reported = out
                    .findings
                    .iter()
                    .chain(&out.suppressed)
                    .any(|f| f.object == o.oref() && same(&f.location));
                let v = set.evaluate(&world, &Request::create(&o.root));
                let errors: Vec<_> = v.outcomes.iter().filter(|x| x.error).collect();
                assert!(
                    errors.is_empty(),
                    "{} on {}: {errors:?}",
                    e.id,
                    o.display_name()
                );
                assert_eq!(
                    !v.allowed,
                    reported,
                    "{} on {} {} ({here:?})",
                    e.id,
                    o.kind(),
                    o.display_name(),
                );
                compared += 1;
            }
        }
        assert!(compared > 500, "{compared}");
    }
}
