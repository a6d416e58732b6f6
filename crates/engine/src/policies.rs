//! ValidatingAdmissionPolicies as findings: the policies and bindings among the inputs (and in
//! the files `--policy` names) judge every object of the run as the API server would judge
//! its creation; each failed validation, through each binding that applies, is a finding of
//! the rule `VAP:<policy>`, at the field the validation reads. What is wrong with a policy or
//! binding itself (an expression that does not compile, a binding naming no policy) is a
//! diagnostic at its `file:line:col`.

use crate::CustomRule;
use rayon::prelude::*;
use std::sync::Arc;
use stockade_inventory::{Inventory, Object};
use stockade_model::{
    Diagnostic, DiagnosticLevel, FieldPath, Finding, Location, Severity, fingerprint,
};
use stockade_policy::{Action, PolicySet, Request, World, celenv};

/// The prefix of the rule id of a policy's findings.
pub const RULE_PREFIX: &str = "VAP:";

/// Policy files loaded besides the inputs (`--policy PATH`): their policies and bindings
/// judge the inputs, their other objects serve as params. When the inputs hold no policy of
/// their own (an admission request), the files' policies are compiled once and reused.
#[derive(Clone, Default)]
pub struct PolicyFiles {
    inv: Option<Arc<Inventory>>,
    compiled: Arc<std::sync::OnceLock<Option<Arc<PolicySet>>>>,
}

impl std::fmt::Debug for PolicyFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyFiles")
            .field("objects", &self.inv.as_ref().map(|i| i.objects().len()))
            .finish()
    }
}

impl PolicyFiles {
    /// The files' objects.
    pub fn new(inv: Inventory) -> PolicyFiles {
        PolicyFiles {
            inv: Some(Arc::new(inv)),
            compiled: Arc::default(),
        }
    }

    /// The inventory of the files, if any were given.
    pub fn inventory(&self) -> Option<&Inventory> {
        self.inv.as_deref()
    }
}

fn is_policy_kind(o: &Object, kind: &str) -> bool {
    o.kind() == kind && o.api_group() == "admissionregistration.k8s.io"
}

/// The policies, bindings and the inventories they came from.
pub struct Loaded<'a> {
    /// Compiled.
    pub set: Arc<PolicySet>,
    /// Every policy and binding object, for locating problems.
    objects: Vec<(&'a Inventory, &'a Object)>,
    /// The rules of `.stockade.yaml` (`policies:`), by the name of the policy they became.
    custom: Vec<&'a CustomRule>,
    /// The file they came from.
    custom_source: Option<String>,
}

/// A `policy` diagnostic at `at`, or about no place in particular.
fn diagnostic(level: DiagnosticLevel, at: Option<Location>, message: String) -> Diagnostic {
    match at {
        Some(l) => Diagnostic::at(level, "policy", &l.path, l.line, l.column, message),
        None => Diagnostic {
            level,
            code: "policy".into(),
            message,
            path: None,
            line: 0,
            column: 0,
        },
    }
}

/// The resource rule of a kind (`Deployment`, or `apps/Deployment`).
fn resource_rule(kind: &str) -> serde_json::Value {
    let (group, kind) = match kind.rsplit_once('/') {
        Some((g, k)) => (Some(if g == "core" { "" } else { g }), k),
        None => (None, kind),
    };
    let known: Vec<&stockade_model::kinds::Resource> = stockade_model::kinds::RESOURCES
        .iter()
        .filter(|r| r.kind == kind && group.is_none_or(|g| g == r.group))
        .collect();
    let (groups, plurals): (Vec<String>, Vec<String>) = if known.is_empty() {
        (
            vec![group.unwrap_or("*").to_string()],
            vec![stockade_policy::eval::plural_guess(kind)],
        )
    } else {
        known
            .iter()
            .map(|r| (r.group.to_string(), r.plural.to_string()))
            .unzip()
    };
    serde_json::json!({"apiGroups": groups, "apiVersions": ["*"],
        "operations": ["CREATE", "UPDATE"], "resources": plurals})
}

/// A rule of `.stockade.yaml` as a ValidatingAdmissionPolicy and its binding.
pub fn custom_policy(c: &CustomRule) -> (serde_json::Value, serde_json::Value) {
    let rules: Vec<serde_json::Value> = c.kinds.iter().map(|k| resource_rule(k)).collect();
    let mut validation = serde_json::json!({"expression": c.expression});
    if let Some(m) = &c.message {
        validation["message"] = m.clone().into();
    }
    if let Some(m) = &c.message_expression {
        validation["messageExpression"] = m.clone().into();
    }
    let mut spec = serde_json::json!({
        "failurePolicy": "Fail",
        "matchConstraints": {"resourceRules": rules},
        "validations": [validation],
    });
    if let Some(w) = &c.when {
        spec["matchConditions"] = serde_json::json!([{"name": "when", "expression": w}]);
    }
    let policy = serde_json::json!({"apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy", "metadata": {"name": c.name}, "spec": spec});
    let binding = serde_json::json!({"apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": c.name},
        "spec": {"policyName": c.name, "validationActions": ["Deny"]}});
    (policy, binding)
}

/// Collects and compiles the policies and bindings of `inv` and `extra`; `None` when there
/// are none.
pub fn load<'a>(inv: &'a Inventory, extra: Option<&'a Inventory>) -> Option<Loaded<'a>> {
    load_with(inv, extra, &[], None, None)
}

/// [`load`] in the CEL environment of Kubernetes 1.`minor`.
pub fn load_release<'a>(
    inv: &'a Inventory,
    extra: Option<&'a Inventory>,
    minor: Option<u32>,
) -> Option<Loaded<'a>> {
    load_with(inv, extra, &[], None, minor)
}

/// [`load`] with the policy files and the `.stockade.yaml` rules of a run: their compiled set
/// is reused when `inv` holds no policy or binding of its own.
pub fn load_for<'a>(inv: &'a Inventory, settings: &'a crate::Settings) -> Option<Loaded<'a>> {
    let files = &settings.policy_files;
    let extra = files.inventory();
    let custom = &settings.custom;
    let own = inv.objects().iter().any(|o| {
        is_policy_kind(o, "ValidatingAdmissionPolicy")
            || is_policy_kind(o, "ValidatingAdmissionPolicyBinding")
    });
    let release = settings.policy_release;
    let mut loaded = if own || (extra.is_none() && custom.is_empty()) {
        load_with(inv, extra, custom, None, release)?
    } else {
        let cached = files
            .compiled
            .get_or_init(|| {
                load_with(&Inventory::default(), extra, custom, None, release).map(|l| l.set)
            })
            .clone()?;
        load_with(inv, extra, custom, Some(cached), release)?
    };
    loaded.custom_source = settings.source.as_ref().map(|p| p.display().to_string());
    Some(loaded)
}

fn load_with<'a>(
    inv: &'a Inventory,
    extra: Option<&'a Inventory>,
    custom: &'a [CustomRule],
    compiled: Option<Arc<PolicySet>>,
    release: Option<u32>,
) -> Option<Loaded<'a>> {
    let mut objects = Vec::new();
    let (mut policies, mut bindings) = (Vec::new(), Vec::new());
    for c in custom {
        let (p, b) = custom_policy(c);
        policies.push(p);
        bindings.push(b);
    }
    for i in std::iter::once(inv).chain(extra) {
        for o in i.objects() {
            if is_policy_kind(o, "ValidatingAdmissionPolicy") {
                policies.push(celenv::json_of(&o.root));
                objects.push((i, o));
            } else if is_policy_kind(o, "ValidatingAdmissionPolicyBinding") {
                bindings.push(celenv::json_of(&o.root));
                objects.push((i, o));
            }
        }
    }
    if objects.is_empty() && custom.is_empty() {
        return None;
    }
    Some(Loaded {
        set: compiled.unwrap_or_else(|| {
            Arc::new(PolicySet::for_release(
                &policies,
                &bindings,
                release.unwrap_or(stockade_policy::ast::NEWEST_MINOR),
            ))
        }),
        objects,
        custom: custom.iter().collect(),
        custom_source: None,
    })
}

impl Loaded<'_> {
    /// The policies' own problems, as diagnostics at their place in the policy files.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.set
            .problems
            .iter()
            .map(|p| {
                if let Some(c) = self.custom_of(&p.name) {
                    let field = if p.field.contains("messageExpression") {
                        "message-expression"
                    } else if p.field.contains("matchConditions") {
                        "when"
                    } else {
                        "expression"
                    };
                    return Diagnostic {
                        level: DiagnosticLevel::Error,
                        code: "policy".into(),
                        message: format!("policies `{}`: {field}: {}", c.id, p.message),
                        path: self.custom_source.clone(),
                        line: 0,
                        column: 0,
                    };
                }
                let at = self
                    .objects
                    .iter()
                    .find(|(_, o)| o.kind() == p.kind && o.name() == p.name)
                    .and_then(|(i, o)| i.location(o, &FieldPath::parse(&p.field)));
                let message = format!(
                    "{} {}: {}: {}",
                    p.kind,
                    stockade_model::escape::TermLine(&p.name),
                    p.field,
                    p.message
                );
                diagnostic(DiagnosticLevel::Error, at, message)
            })
            .collect()
    }

    /// The `.stockade.yaml` rule a policy of that name came from.
    fn custom_of(&self, policy: &str) -> Option<&CustomRule> {
        self.custom.iter().copied().find(|c| c.name == policy)
    }

    /// Each policy as a rule of the report (`VAP:<name>`), with the strongest action of its
    /// bindings as severity; and a warning for each policy no binding names (the API server
    /// applies a policy only through a binding).
    pub fn rules(&self) -> (Vec<stockade_model::RuleInfo>, Vec<Diagnostic>) {
        let mut rules = Vec::new();
        let mut diags = Vec::new();
        let bindings: Vec<&Object> = self
            .objects
            .iter()
            .filter(|(_, o)| o.kind() == "ValidatingAdmissionPolicyBinding")
            .map(|(_, o)| *o)
            .collect();
        for (inv, o) in &self.objects {
            if o.kind() != "ValidatingAdmissionPolicy" {
                continue;
            }
            let name = o.name();
            let actions: Vec<&str> = bindings
                .iter()
                .filter(|b| b.root.at("spec.policyName").and_then(|n| n.as_str()) == Some(name))
                .flat_map(|b| {
                    b.root
                        .at("spec.validationActions")
                        .map(|a| a.items())
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|a| a.as_str())
                })
                .collect();
            if actions.is_empty() {
                let l = inv.location(o, &FieldPath::parse("metadata.name"));
                let message = format!(
                    "ValidatingAdmissionPolicy {}: no binding names it, so it judges nothing (the API server applies a policy only through a ValidatingAdmissionPolicyBinding)",
                    stockade_model::escape::TermLine(name)
                );
                diags.push(diagnostic(DiagnosticLevel::Warning, l, message));
                continue;
            }
            let severity = if actions.contains(&"Deny") {
                Severity::High
            } else if actions.contains(&"Warn") {
                Severity::Medium
            } else {
                Severity::Low
            };
            let validations: Vec<String> = o
                .root
                .at("spec.validations")
                .map(|v| v.items())
                .unwrap_or_default()
                .iter()
                .map(|v| {
                    let expr = v.at("expression").and_then(|e| e.as_str()).unwrap_or("");
                    match v.at("message").and_then(|e| e.as_str()) {
                        Some(m) => format!("- `{expr}`: {m}"),
                        None => format!("- `{expr}`"),
                    }
                })
                .collect();
            rules.push(stockade_model::RuleInfo {
                id: format!("{RULE_PREFIX}{name}"),
                name: name.to_string(),
                summary: format!("ValidatingAdmissionPolicy {name}"),
                severity,
                help: format!(
                    "ValidatingAdmissionPolicy `{name}`, judged offline as the API server would judge each object's creation (Deny: high, Warn: medium, Audit: low).\n\nValidations:\n{}\n",
                    validations.join("\n")
                ),
                controls: Vec::new(),
            });
        }
        for c in &self.custom {
            rules.push(custom_info(c));
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        rules.dedup_by(|a, b| a.id == b.id);
        (rules, diags)
    }

    /// Every object of `inv` (or those at `targets`) judged as created; `skip` leaves an object
    /// out (exclusions). Findings are unsorted and unsuppressed.
    pub fn findings<'o>(
        &self,
        inv: &'o Inventory,
        extra: Option<&Inventory>,
        targets: Option<&[usize]>,
        skip: &(dyn Fn(&Object) -> bool + Sync),
    ) -> Vec<(&'o Object, Finding)> {
        let world = World::new(
            inv.objects()
                .iter()
                .chain(extra.into_iter().flat_map(|e| e.objects()))
                .map(|o| &o.root),
        );
        let objects: Vec<&'o Object> = match targets {
            Some(t) => t.iter().filter_map(|&i| inv.objects().get(i)).collect(),
            None => inv.objects().iter().collect(),
        };
        objects
            .par_iter()
            .filter(|o| !skip(o))
            .flat_map_iter(|o| self.judge(inv, &world, o).into_iter().map(move |f| (*o, f)))
            .collect()
    }

    fn judge(&self, inv: &Inventory, world: &World, o: &Object) -> Vec<Finding> {
        let verdict = self.set.evaluate(world, &Request::create(&o.root));
        // One finding per failed validation and binding, with the strongest of its actions.
        let mut out: Vec<Finding> = Vec::new();
        let mut seen: Vec<(String, String, Option<usize>, String, Severity)> = Vec::new();
        for oc in &verdict.outcomes {
            let severity = match oc.action {
                Action::Deny => Severity::High,
                Action::Warn => Severity::Medium,
                Action::Audit => Severity::Low,
            };
            let key = (
                oc.policy.clone(),
                oc.binding.clone(),
                oc.validation,
                oc.message.clone(),
            );
            if let Some(s) = seen
                .iter_mut()
                .find(|s| (&s.0, &s.1, &s.2, &s.3) == (&key.0, &key.1, &key.2, &key.3))
            {
                if severity > s.4 {
                    s.4 = severity;
                }
                continue;
            }
            seen.push((key.0, key.1, key.2, key.3, severity));
        }
        for (policy, binding, validation, message, severity) in seen {
            let field: Vec<String> = validation
                .map(|i| self.set.validation_field(&policy, i))
                .unwrap_or_default();
            let step = |p: FieldPath, seg: &String| match seg.parse::<usize>() {
                Ok(i) => p.index(i),
                Err(_) => p.key(seg),
            };
            let path = field.iter().fold(FieldPath::root(), step);
            // The deepest part of that field the object has.
            let (_, found) = o.root.locate(&path);
            let path_found = field.iter().take(found).fold(FieldPath::root(), step);
            let location: Option<Location> = inv.location(o, &path_found);
            let custom = self.custom_of(&policy);
            let rule_id = match custom {
                Some(c) => c.id.clone(),
                None => format!("{RULE_PREFIX}{policy}"),
            };
            let object = o.oref();
            let expression = validation
                .and_then(|i| self.set.validation_expression(&policy, i))
                .unwrap_or_default();
            let remediation = if expression.is_empty() {
                format!(
                    "Fix what the binding `{binding}` of policy `{policy}` reports, or the policy's configuration."
                )
            } else {
                format!(
                    "Change the object so that `{expression}` holds (policy `{policy}`), or exempt it in the binding `{binding}`."
                )
            };
            // Only a message built from the object can quote it: the fixed texts of a policy
            // are not searched for the object's values.
            let fixed = validation.is_some_and(|i| self.set.is_fixed_message(&policy, i, &message))
                || (validation.is_none() && message.starts_with("failed to configure binding"));
            let message = if fixed { message } else { redact(o, &message) };
            let message = match custom {
                Some(_) => message,
                None => format!("{message} (binding {binding})"),
            };
            let (severity, remediation, controls) = match custom {
                Some(c) => (
                    c.severity,
                    c.remediation.clone(),
                    std::borrow::Cow::Owned(c.controls.clone()),
                ),
                None => (severity, remediation, std::borrow::Cow::Borrowed(&[][..])),
            };
            out.push(Finding {
                fingerprint: fingerprint(&format!("{rule_id}@{binding}"), &object, &path_found),
                rule_id: rule_id.into(),
                rule_name: policy.clone().into(),
                severity,
                message,
                object,
                location,
                field_path: path_found,
                remediation: remediation.into(),
                controls,
                snippet: None,
                suppression: None,
            });
        }
        out
    }
}

/// A policy's message is the policy author's text, and a `messageExpression` can quote the
/// object: values of a Secret, and values that look like credentials anywhere, are replaced.
fn redact(o: &Object, message: &str) -> String {
    use base64::Engine;
    use stockade_sources::node::Value as V;
    fn walk(n: &stockade_sources::node::Node, key: &str, secret: bool, out: &mut Vec<String>) {
        match &n.value {
            V::Str(v)
                if (secret || stockade_rules::looks_like_credential(key, v)) && v.len() >= 4 =>
            {
                out.push(v.to_string());
                if secret
                    && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(v.trim())
                    && let Ok(text) = String::from_utf8(raw)
                    && text.len() >= 4
                {
                    out.push(text);
                }
            }
            V::Map(_) => {
                for (k, v) in n.entries() {
                    walk(v, k.name.as_str(), secret, out);
                }
            }
            V::Seq(_) => n.items().iter().for_each(|v| walk(v, key, secret, out)),
            _ => {}
        }
    }
    let mut values = Vec::new();
    let is_secret = o.kind() == "Secret" && o.api_version() == "v1";
    for (k, v) in o.root.entries() {
        let k = &k.name;
        let secret = is_secret && matches!(k.as_str(), "data" | "stringData");
        walk(v, k.as_str(), secret, &mut values);
    }
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let mut m = message.to_string();
    for v in values {
        if m.contains(v.as_str()) {
            m = m.replace(v.as_str(), "[redacted]");
        }
    }
    m
}

/// A `.stockade.yaml` rule as a rule of the report.
pub fn custom_info(c: &CustomRule) -> stockade_model::RuleInfo {
    stockade_model::RuleInfo {
        id: c.id.clone(),
        name: c.name.clone(),
        summary: c.summary.clone(),
        severity: c.severity,
        help: custom_docs(c),
        controls: c.controls.clone(),
    }
}

/// The documentation page of a `.stockade.yaml` rule, as `stockade explain` shows it.
pub fn custom_docs(c: &CustomRule) -> String {
    let mut d = format!(
        "# {} {}\n\n{}\n\nDefined in `.stockade.yaml` (`policies:`). Severity: {}. Kinds: {}.\n\n",
        c.id,
        c.name,
        c.summary,
        c.severity,
        c.kinds.join(", ")
    );
    if !c.docs.is_empty() {
        d.push_str(c.docs.trim());
        d.push_str("\n\n");
    }
    d.push_str(&format!("## Check\n\n```cel\n{}\n```\n\n", c.expression));
    if let Some(w) = &c.when {
        d.push_str(&format!("Only where:\n\n```cel\n{w}\n```\n\n"));
    }
    d.push_str(&format!("## Remediation\n\n{}\n", c.remediation));
    if !c.controls.is_empty() {
        let cs: Vec<String> = c.controls.iter().map(|x| x.to_string()).collect();
        d.push_str(&format!("\n## Controls\n\n{}\n", cs.join(", ")));
    }
    d
}
