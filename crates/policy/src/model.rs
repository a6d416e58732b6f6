//! ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding
//! (`admissionregistration.k8s.io/v1`), as written: the fields evaluation reads.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `metadata` (the name is all evaluation needs).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Meta {
    /// `metadata.name`.
    #[serde(default)]
    pub name: String,
}

/// A ValidatingAdmissionPolicy.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Policy {
    /// `metadata`.
    #[serde(default)]
    pub metadata: Meta,
    /// `spec`.
    #[serde(default)]
    pub spec: PolicySpec,
}

/// `spec` of a policy.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicySpec {
    /// `paramKind`.
    pub param_kind: Option<ParamKind>,
    /// `matchConstraints`.
    pub match_constraints: Option<MatchResources>,
    /// `validations`.
    #[serde(default)]
    pub validations: Vec<Validation>,
    /// `failurePolicy`: `Fail` (default) or `Ignore`.
    pub failure_policy: Option<String>,
    /// `auditAnnotations`.
    #[serde(default)]
    pub audit_annotations: Vec<AuditAnnotation>,
    /// `matchConditions`.
    #[serde(default)]
    pub match_conditions: Vec<NamedExpression>,
    /// `variables`.
    #[serde(default)]
    pub variables: Vec<NamedExpression>,
}

impl PolicySpec {
    /// Whether errors are ignored (`failurePolicy: Ignore`).
    pub fn ignores_failures(&self) -> bool {
        self.failure_policy.as_deref() == Some("Ignore")
    }
}

/// `paramKind`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParamKind {
    /// `apiVersion`.
    #[serde(default)]
    pub api_version: String,
    /// `kind`.
    #[serde(default)]
    pub kind: String,
}

/// `matchConstraints` of a policy, `matchResources` of a binding.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchResources {
    /// `namespaceSelector`.
    pub namespace_selector: Option<LabelSelector>,
    /// `objectSelector`.
    pub object_selector: Option<LabelSelector>,
    /// `resourceRules`.
    #[serde(default)]
    pub resource_rules: Vec<Rule>,
    /// `excludeResourceRules`.
    #[serde(default)]
    pub exclude_resource_rules: Vec<Rule>,
    /// `matchPolicy`: `Equivalent` (default) or `Exact`.
    pub match_policy: Option<String>,
}

/// One of `resourceRules` (a NamedRuleWithOperations).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// `resourceNames`.
    #[serde(default)]
    pub resource_names: Vec<String>,
    /// `operations`.
    #[serde(default)]
    pub operations: Vec<String>,
    /// `apiGroups`.
    #[serde(default)]
    pub api_groups: Vec<String>,
    /// `apiVersions`.
    #[serde(default)]
    pub api_versions: Vec<String>,
    /// `resources`.
    #[serde(default)]
    pub resources: Vec<String>,
    /// `scope`: `Cluster`, `Namespaced` or `*` (default).
    pub scope: Option<String>,
}

/// A label selector.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// `matchLabels`.
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions`.
    #[serde(default)]
    pub match_expressions: Vec<Requirement>,
}

/// One of `matchExpressions`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Requirement {
    /// `key`.
    #[serde(default)]
    pub key: String,
    /// `operator`: In, NotIn, Exists, DoesNotExist.
    #[serde(default)]
    pub operator: String,
    /// `values`.
    #[serde(default)]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Whether `labels` satisfy the selector (an empty selector matches everything).
    pub fn matches(&self, labels: impl Fn(&str) -> Option<String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels(k).as_deref() == Some(v.as_str()))
            && self.match_expressions.iter().all(|r| {
                let got = labels(&r.key);
                let got = got.as_deref();
                match r.operator.as_str() {
                    "In" => got.is_some_and(|g| r.values.iter().any(|v| v == g)),
                    "NotIn" => got.is_none_or(|g| r.values.iter().all(|v| v != g)),
                    "Exists" => got.is_some(),
                    "DoesNotExist" => got.is_none(),
                    _ => false,
                }
            })
    }
}

/// One of `validations`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// `expression`.
    #[serde(default)]
    pub expression: String,
    /// `message`.
    pub message: Option<String>,
    /// `reason`: Unauthorized, Forbidden, Invalid (default), RequestEntityTooLarge.
    pub reason: Option<String>,
    /// `messageExpression`.
    pub message_expression: Option<String>,
}

/// One of `auditAnnotations`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditAnnotation {
    /// `key`.
    #[serde(default)]
    pub key: String,
    /// `valueExpression`.
    #[serde(default)]
    pub value_expression: String,
}

/// A match condition or a variable: a name and an expression.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NamedExpression {
    /// `name`.
    #[serde(default)]
    pub name: String,
    /// `expression`.
    #[serde(default)]
    pub expression: String,
}

/// A ValidatingAdmissionPolicyBinding.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Binding {
    /// `metadata`.
    #[serde(default)]
    pub metadata: Meta,
    /// `spec`.
    #[serde(default)]
    pub spec: BindingSpec,
}

/// `spec` of a binding.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingSpec {
    /// `policyName`.
    #[serde(default)]
    pub policy_name: String,
    /// `paramRef`.
    pub param_ref: Option<ParamRef>,
    /// `matchResources`.
    pub match_resources: Option<MatchResources>,
    /// `validationActions`: Deny, Warn, Audit.
    #[serde(default)]
    pub validation_actions: Vec<String>,
}

/// `paramRef`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParamRef {
    /// `name`.
    pub name: Option<String>,
    /// `namespace`.
    pub namespace: Option<String>,
    /// `selector`.
    pub selector: Option<LabelSelector>,
    /// `parameterNotFoundAction`: Allow or Deny.
    pub parameter_not_found_action: Option<String>,
}

/// The fields the API server knows at each place of a policy or binding, for
/// [`unknown_fields`].
enum Shape {
    /// Any value (metadata, label maps, free lists of strings).
    Any,
    /// An object with these fields.
    Object(&'static [(&'static str, &'static Shape)]),
    /// A list of these.
    List(&'static Shape),
}

const SELECTOR: Shape = Shape::Object(&[
    ("matchLabels", &Shape::Any),
    (
        "matchExpressions",
        &Shape::List(&Shape::Object(&[
            ("key", &Shape::Any),
            ("operator", &Shape::Any),
            ("values", &Shape::Any),
        ])),
    ),
]);
const RULE: Shape = Shape::Object(&[
    ("apiGroups", &Shape::Any),
    ("apiVersions", &Shape::Any),
    ("operations", &Shape::Any),
    ("resources", &Shape::Any),
    ("resourceNames", &Shape::Any),
    ("scope", &Shape::Any),
]);
const MATCH: Shape = Shape::Object(&[
    ("namespaceSelector", &SELECTOR),
    ("objectSelector", &SELECTOR),
    ("resourceRules", &Shape::List(&RULE)),
    ("excludeResourceRules", &Shape::List(&RULE)),
    ("matchPolicy", &Shape::Any),
]);
const NAMED_EXPRESSION: Shape =
    Shape::Object(&[("name", &Shape::Any), ("expression", &Shape::Any)]);
const POLICY_SPEC: Shape = Shape::Object(&[
    (
        "paramKind",
        &Shape::Object(&[("apiVersion", &Shape::Any), ("kind", &Shape::Any)]),
    ),
    ("matchConstraints", &MATCH),
    (
        "validations",
        &Shape::List(&Shape::Object(&[
            ("expression", &Shape::Any),
            ("message", &Shape::Any),
            ("reason", &Shape::Any),
            ("messageExpression", &Shape::Any),
        ])),
    ),
    ("failurePolicy", &Shape::Any),
    (
        "auditAnnotations",
        &Shape::List(&Shape::Object(&[
            ("key", &Shape::Any),
            ("valueExpression", &Shape::Any),
        ])),
    ),
    ("matchConditions", &Shape::List(&NAMED_EXPRESSION)),
    ("variables", &Shape::List(&NAMED_EXPRESSION)),
]);
const BINDING_SPEC: Shape = Shape::Object(&[
    ("policyName", &Shape::Any),
    (
        "paramRef",
        &Shape::Object(&[
            ("name", &Shape::Any),
            ("namespace", &Shape::Any),
            ("selector", &SELECTOR),
            ("parameterNotFoundAction", &Shape::Any),
        ]),
    ),
    ("matchResources", &MATCH),
    ("validationActions", &Shape::Any),
]);
const POLICY: Shape = Shape::Object(&[
    ("apiVersion", &Shape::Any),
    ("kind", &Shape::Any),
    ("metadata", &Shape::Any),
    ("spec", &POLICY_SPEC),
    ("status", &Shape::Any),
]);
const BINDING: Shape = Shape::Object(&[
    ("apiVersion", &Shape::Any),
    ("kind", &Shape::Any),
    ("metadata", &Shape::Any),
    ("spec", &BINDING_SPEC),
    ("status", &Shape::Any),
]);

/// The fields of a ValidatingAdmissionPolicy (`binding: false`) or binding the API server does
/// not know, as (path, field), e.g. `("spec.validations[0]", "expresion")`: a misspelled
/// field is refused under strict field validation, and silently dropped otherwise.
pub fn unknown_fields(doc: &serde_json::Value, binding: bool) -> Vec<(String, String)> {
    fn walk(v: &serde_json::Value, shape: &Shape, path: &str, out: &mut Vec<(String, String)>) {
        match (shape, v) {
            (Shape::Object(fields), serde_json::Value::Object(m)) => {
                for (k, x) in m {
                    let sub = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    match fields.iter().find(|(n, _)| n == k) {
                        Some((_, s)) => walk(x, s, &sub, out),
                        None => out.push((path.to_string(), k.clone())),
                    }
                }
            }
            (Shape::List(item), serde_json::Value::Array(a)) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, item, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, if binding { &BINDING } else { &POLICY }, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn misspelled_fields_are_found_where_they_are() {
        let doc = serde_json::json!({"apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "p", "labels": {"x": "y"}},
            "spec": {"validations": [{"expresion": "true"}], "matchConstraints":
                {"resourceRule": [], "namespaceSelector": {"matchLabel": {}}}}});
        let got = super::unknown_fields(&doc, false);
        assert_eq!(
            got,
            vec![
                (
                    "spec.matchConstraints.namespaceSelector".to_string(),
                    "matchLabel".to_string()
                ),
                ("spec.matchConstraints".into(), "resourceRule".into()),
                ("spec.validations[0]".into(), "expresion".into()),
            ]
        );
        let b = serde_json::json!({"spec": {"policyName": "p", "validationAction": ["Deny"]}});
        assert_eq!(
            super::unknown_fields(&b, true),
            vec![("spec".to_string(), "validationAction".to_string())]
        );
    }
}
