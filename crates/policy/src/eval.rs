//! Evaluation: for one request (an object created, updated or deleted), every binding whose
//! policy and own `matchResources` match, its params, `matchConditions`, `variables`,
//! `validations` and `auditAnnotations`, and the binding's `validationActions`, as the API
//! server's ValidatingAdmissionPolicy plugin decides.

use crate::celenv::{self, CelEnv, Compiled};
use crate::model::{Binding, MatchResources, Policy, Rule};
use kube_cel::cel::Value;
use kube_cel::cel::objects::{Key, Map};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use stockade_sources::node::Node;

/// A problem with a policy or binding itself: an expression that does not compile, a binding
/// naming no policy. `field` is the path inside the object (`spec.validations[0].expression`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    /// `ValidatingAdmissionPolicy` or `ValidatingAdmissionPolicyBinding`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The field at fault.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

struct Expr {
    source: String,
    program: Compiled,
}

struct CompiledPolicy {
    policy: Policy,
    conditions: Vec<(String, Expr)>,
    variables: Vec<(String, Expr)>,
    validations: Vec<(Expr, Option<Expr>)>,
    audits: Vec<(String, Expr)>,
}

/// The policies and bindings, compiled once.
pub struct PolicySet {
    env: CelEnv,
    policies: HashMap<String, CompiledPolicy>,
    bindings: Vec<Binding>,
    /// What is wrong with the policies and bindings themselves.
    pub problems: Vec<Problem>,
}

/// The verdict's actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Action {
    /// The request is refused.
    Deny,
    /// A warning is returned to the client.
    Warn,
    /// An audit annotation is recorded.
    Audit,
}

/// One failed validation (or evaluation error under `failurePolicy: Fail`), through one of the
/// binding's actions.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Policy name.
    pub policy: String,
    /// Binding name.
    pub binding: String,
    /// How the binding acts on it.
    pub action: Action,
    /// The validation's message (or the error).
    pub message: String,
    /// The status reason: Invalid, Forbidden, Unauthorized, RequestEntityTooLarge.
    pub reason: String,
    /// Whether it comes from an evaluation error rather than a false validation.
    pub error: bool,
    /// Index of the validation, when one failed.
    pub validation: Option<usize>,
}

impl Outcome {
    /// The text the API server returns: the denial message, or the warning.
    pub fn api_message(&self) -> String {
        match self.action {
            Action::Deny => format!(
                "ValidatingAdmissionPolicy '{}' with binding '{}' denied request: {}",
                self.policy, self.binding, self.message
            ),
            _ => format!(
                "Validation failed for ValidatingAdmissionPolicy '{}' with binding '{}': {}",
                self.policy, self.binding, self.message
            ),
        }
    }

    /// The HTTP status a denial carries.
    pub fn code(&self) -> u16 {
        match self.reason.as_str() {
            "Unauthorized" => 401,
            "Forbidden" => 403,
            "RequestEntityTooLarge" => 413,
            _ => 422,
        }
    }
}

/// The answer for one request.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// Whether the API server admits it.
    pub allowed: bool,
    /// Every failed validation, through every action of its binding.
    pub outcomes: Vec<Outcome>,
    /// `auditAnnotations` values, as `POLICY/KEY` and the value.
    pub audit_annotations: Vec<(String, String)>,
    /// (policy, binding) pairs that applied (matched, conditions true).
    pub applied: Vec<(String, String)>,
    /// The object as the API server names it in a refusal: `deployments.apps "web"`.
    pub target: String,
}

impl Verdict {
    /// The denial the API server returns (the first, in its order), if any.
    pub fn denial(&self) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.action == Action::Deny)
    }

    /// The refusal's message as the API server words it, if refused.
    pub fn status_message(&self) -> Option<String> {
        self.denial()
            .map(|d| format!("{} is forbidden: {}", self.target, d.api_message()))
    }
}

/// The objects a request is judged with: namespaces (for `namespaceSelector` and
/// `namespaceObject`) and param objects.
pub struct World<'a> {
    objects: HashMap<(String, String), Vec<&'a Node>>,
    namespaces: HashMap<String, &'a Node>,
}

fn str_at<'n>(n: &'n Node, path: &str) -> Option<&'n str> {
    n.at(path).and_then(Node::as_str)
}

impl<'a> World<'a> {
    /// Indexes `objects` by apiVersion and kind, and the Namespaces by name.
    pub fn new(objects: impl IntoIterator<Item = &'a Node>) -> World<'a> {
        let mut w = World {
            objects: HashMap::new(),
            namespaces: HashMap::new(),
        };
        for o in objects {
            let av = str_at(o, "apiVersion").unwrap_or_default().to_string();
            let kind = str_at(o, "kind").unwrap_or_default().to_string();
            if kind == "Namespace"
                && let Some(n) = str_at(o, "metadata.name")
            {
                w.namespaces.insert(n.to_string(), o);
            }
            w.objects.entry((av, kind)).or_default().push(o);
        }
        w
    }

    fn params(&self, api_version: &str, kind: &str) -> &[&'a Node] {
        self.objects
            .get(&(api_version.to_string(), kind.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// A request: an operation on an object (and the old object for UPDATE and DELETE).
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// CREATE, UPDATE, DELETE or CONNECT.
    pub operation: &'a str,
    /// The object (absent for DELETE).
    pub object: Option<&'a Node>,
    /// The object before (UPDATE, DELETE).
    pub old_object: Option<&'a Node>,
    /// `request.userInfo.username`.
    pub user: &'a str,
    /// `request.userInfo.groups`.
    pub groups: &'a [String],
}

impl<'a> Request<'a> {
    /// The creation of `object` by an anonymous user, as a scan judges each object.
    pub fn create(object: &'a Node) -> Request<'a> {
        Request {
            operation: "CREATE",
            object: Some(object),
            old_object: None,
            user: "",
            groups: &[],
        }
    }
}

/// An unknown field of a policy or binding as a problem.
fn unknown_field(kind: &str, name: &str, path: &str, field: &str) -> Problem {
    Problem {
        kind: kind.into(),
        name: name.into(),
        field: if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        },
        message: format!(
            "unknown field `{field}`: the API server refuses it under strict field validation (kubectl's default) and drops it otherwise"
        ),
    }
}

/// What a request is about: group, version, kind, resource, scope, name, namespace.
#[derive(Clone, Debug, Default)]
pub struct Identity {
    /// API group.
    pub group: String,
    /// Version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Plural resource.
    pub resource: String,
    /// Whether namespaced.
    pub namespaced: bool,
    /// `metadata.name`.
    pub name: String,
    /// The namespace (`default` for a namespaced object without one, as `kubectl` sends it).
    pub namespace: String,
}

/// The identity of an object.
pub fn identity(o: &Node) -> Identity {
    let av = str_at(o, "apiVersion").unwrap_or_default();
    let (group, version) = av.rsplit_once('/').unwrap_or(("", av));
    let kind = str_at(o, "kind").unwrap_or_default();
    let known = stockade_model::kinds::by_kind(group, kind);
    let resource = known
        .map(|r| r.plural.to_string())
        .unwrap_or_else(|| plural_guess(kind));
    let namespaced = known.map_or(o.at("metadata.namespace").is_some(), |r| r.namespaced);
    let name = str_at(o, "metadata.name").unwrap_or_default().to_string();
    let namespace = if namespaced {
        str_at(o, "metadata.namespace")
            .filter(|n| !n.is_empty())
            .unwrap_or("default")
            .to_string()
    } else {
        String::new()
    };
    Identity {
        group: group.to_string(),
        version: version.to_string(),
        kind: kind.to_string(),
        resource,
        namespaced,
        name,
        namespace,
    }
}

/// The plural of a kind no catalogue knows (a custom resource), as the API server's default
/// REST mapper guesses it.
pub fn plural_guess(kind: &str) -> String {
    let k = kind.to_ascii_lowercase();
    if k.ends_with('s') || k.ends_with('x') || k.ends_with("ch") || k.ends_with("sh") {
        format!("{k}es")
    } else if let Some(stem) = k.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else {
        format!("{k}s")
    }
}

fn labels_of(o: Option<&Node>) -> impl Fn(&str) -> Option<String> + '_ {
    move |k| {
        o.and_then(|o| o.at("metadata.labels"))
            .and_then(|l| l.get(k))
            .and_then(Node::as_str)
            .map(str::to_string)
    }
}

fn rule_matches(r: &Rule, op: &str, id: &Identity) -> bool {
    let any = |list: &[String], v: &str| list.iter().any(|x| x == "*" || x == v);
    if !any(&r.operations, op)
        || !any(&r.api_groups, &id.group)
        || !any(&r.api_versions, &id.version)
    {
        return false;
    }
    let resource_ok = r.resources.iter().any(|x| {
        let (res, sub) = x.split_once('/').unwrap_or((x.as_str(), ""));
        // Requests here are for the main resource, never a subresource.
        sub.is_empty() && (res == "*" || res == id.resource)
    });
    if !resource_ok {
        return false;
    }
    let scope_ok = match r.scope.as_deref() {
        Some("Cluster") => !id.namespaced,
        Some("Namespaced") => id.namespaced,
        _ => true,
    };
    scope_ok && (r.resource_names.is_empty() || r.resource_names.contains(&id.name))
}

/// Whether a request matches `m` (`rules_required`: a policy's `matchConstraints` must list
/// rules; a binding's `matchResources` without rules does not constrain resources).
fn matches(
    m: &MatchResources,
    rules_required: bool,
    req: &Request,
    id: &Identity,
    ns: Option<&Node>,
) -> bool {
    if (rules_required || !m.resource_rules.is_empty())
        && !m
            .resource_rules
            .iter()
            .any(|r| rule_matches(r, req.operation, id))
    {
        return false;
    }
    if m.exclude_resource_rules
        .iter()
        .any(|r| rule_matches(r, req.operation, id))
    {
        return false;
    }
    if let Some(sel) = &m.namespace_selector {
        let ok = if id.kind == "Namespace" && id.group.is_empty() {
            sel.matches(labels_of(req.object.or(req.old_object)))
        } else if !id.namespaced {
            true
        } else {
            match ns {
                Some(n) => sel.matches(labels_of(Some(n))),
                // A namespace the inputs do not hold has the label the API server gives
                // every namespace, and no other.
                None => sel.matches(|k| {
                    (k == "kubernetes.io/metadata.name").then(|| id.namespace.clone())
                }),
            }
        };
        if !ok {
            return false;
        }
    }
    if let Some(sel) = &m.object_selector {
        let new_ok = req.object.is_some() && sel.matches(labels_of(req.object));
        let old_ok = req.old_object.is_some() && sel.matches(labels_of(req.old_object));
        if !(new_ok || old_ok) {
            return false;
        }
    }
    true
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    let m: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_string())), v))
        .collect();
    Value::Map(Map { map: Arc::new(m) })
}

fn s(v: &str) -> Value {
    Value::String(Arc::new(v.to_string()))
}

impl PolicySet {
    /// Compiles `policies` and takes `bindings` (JSON objects of those kinds), in the CEL
    /// environment of the newest Kubernetes release Stockade knows.
    pub fn new(policies: &[serde_json::Value], bindings: &[serde_json::Value]) -> PolicySet {
        PolicySet::for_release(policies, bindings, crate::ast::NEWEST_MINOR)
    }

    /// Compiles `policies` and takes `bindings` in the CEL environment of Kubernetes
    /// 1.`minor`: an expression using a function or syntax that release does not have fails
    /// to compile, as the API server refuses it.
    pub fn for_release(
        policies: &[serde_json::Value],
        bindings: &[serde_json::Value],
        minor: u32,
    ) -> PolicySet {
        let env = CelEnv::new();
        let mut problems = Vec::new();
        let mut compiled = HashMap::new();
        for p in policies {
            let name = p
                .pointer("/metadata/name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string();
            for (path, field) in crate::model::unknown_fields(p, false) {
                problems.push(unknown_field(
                    "ValidatingAdmissionPolicy",
                    &name,
                    &path,
                    &field,
                ));
            }
            let policy: Policy = match serde_json::from_value(p.clone()) {
                Ok(x) => x,
                Err(e) => {
                    problems.push(Problem {
                        kind: "ValidatingAdmissionPolicy".into(),
                        name,
                        field: "spec".into(),
                        message: format!("not a valid ValidatingAdmissionPolicy: {e}"),
                    });
                    continue;
                }
            };
            let mut compile = |field: String, src: &str| -> Expr {
                let program = env.compile(src).and_then(|p| {
                    match crate::ast::unavailable(&p, minor) {
                        None => Ok(p),
                        Some((name, Some(since))) if since <= minor => Err(format!(
                            "{name} cannot be evaluated offline yet (the cel crate lacks it)"
                        )),
                        Some((name, Some(since))) => Err(format!(
                            "ERROR: {name} is not available in Kubernetes 1.{minor}: it came in 1.{since}"
                        )),
                        Some((name, None)) => Err(format!(
                            "ERROR: undeclared reference to '{name}': the Kubernetes CEL environment has no such function"
                        )),
                    }
                });
                if let Err(e) = &program {
                    problems.push(Problem {
                        kind: "ValidatingAdmissionPolicy".into(),
                        name: policy.metadata.name.clone(),
                        field,
                        message: format!("compilation failed: {e}"),
                    });
                }
                Expr {
                    source: src.to_string(),
                    program,
                }
            };
            let spec = &policy.spec;
            let mut named = |list: &[crate::model::NamedExpression], field: &str| {
                list.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let at = format!("spec.{field}[{i}].expression");
                        (c.name.clone(), compile(at, &c.expression))
                    })
                    .collect::<Vec<_>>()
            };
            let conditions = named(&spec.match_conditions, "matchConditions");
            let variables = named(&spec.variables, "variables");
            let validations = spec
                .validations
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    (
                        compile(format!("spec.validations[{i}].expression"), &v.expression),
                        v.message_expression.as_ref().map(|m| {
                            compile(format!("spec.validations[{i}].messageExpression"), m)
                        }),
                    )
                })
                .collect();
            let audits = spec
                .audit_annotations
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    (
                        a.key.clone(),
                        compile(
                            format!("spec.auditAnnotations[{i}].valueExpression"),
                            &a.value_expression,
                        ),
                    )
                })
                .collect();
            if spec.match_constraints.is_none() {
                problems.push(Problem {
                    kind: "ValidatingAdmissionPolicy".into(),
                    name: policy.metadata.name.clone(),
                    field: "spec.matchConstraints".into(),
                    message: "required: a policy without matchConstraints matches nothing".into(),
                });
            }
            compiled.insert(
                policy.metadata.name.clone(),
                CompiledPolicy {
                    policy,
                    conditions,
                    variables,
                    validations,
                    audits,
                },
            );
        }
        let mut parsed = Vec::new();
        for b in bindings {
            let binding_name = b
                .pointer("/metadata/name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            for (path, field) in crate::model::unknown_fields(b, true) {
                problems.push(unknown_field(
                    "ValidatingAdmissionPolicyBinding",
                    binding_name,
                    &path,
                    &field,
                ));
            }
            match serde_json::from_value::<Binding>(b.clone()) {
                Ok(x) => {
                    let actions = &x.spec.validation_actions;
                    let bad_action = actions
                        .iter()
                        .find(|a| !matches!(a.as_str(), "Deny" | "Warn" | "Audit"));
                    let problem = if actions.is_empty() {
                        Some("validationActions is required (Deny, Warn or Audit)".to_string())
                    } else if let Some(a) = bad_action {
                        Some(format!(
                            "validationActions: `{a}` is not Deny, Warn or Audit"
                        ))
                    } else if actions.iter().any(|a| a == "Deny")
                        && actions.iter().any(|a| a == "Warn")
                    {
                        Some("validationActions must not contain both Deny and Warn (the API server refuses the binding)".to_string())
                    } else {
                        None
                    };
                    if let Some(message) = problem {
                        problems.push(Problem {
                            kind: "ValidatingAdmissionPolicyBinding".into(),
                            name: x.metadata.name.clone(),
                            field: "spec.validationActions".into(),
                            message,
                        });
                    }
                    if !compiled.contains_key(&x.spec.policy_name) {
                        problems.push(Problem {
                            kind: "ValidatingAdmissionPolicyBinding".into(),
                            name: x.metadata.name.clone(),
                            field: "spec.policyName".into(),
                            message: format!(
                                "names policy `{}`, which the inputs do not hold: the binding does nothing",
                                x.spec.policy_name
                            ),
                        });
                    }
                    parsed.push(x);
                }
                Err(e) => problems.push(Problem {
                    kind: "ValidatingAdmissionPolicyBinding".into(),
                    name: b
                        .pointer("/metadata/name")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    field: "spec".into(),
                    message: format!("not a valid ValidatingAdmissionPolicyBinding: {e}"),
                }),
            }
        }
        parsed.sort_by(|a, b| {
            (&a.spec.policy_name, &a.metadata.name).cmp(&(&b.spec.policy_name, &b.metadata.name))
        });
        PolicySet {
            env,
            policies: compiled,
            bindings: parsed,
            problems,
        }
    }

    /// The object field validation `i` of `policy` reads (see [`crate::ast::object_path`]).
    /// A validation that reads the object only through variables is located at the field
    /// the first variable it names reads.
    pub fn validation_field(&self, policy: &str, i: usize) -> Vec<String> {
        let Some(p) = self.policies.get(policy) else {
            return Vec::new();
        };
        let Some((e, _)) = p.validations.get(i) else {
            return Vec::new();
        };
        let own = e
            .program
            .as_ref()
            .map(|p| crate::ast::object_path(p))
            .unwrap_or_default();
        if !own.is_empty() {
            return own;
        }
        p.variables
            .iter()
            .filter(|(name, _)| e.source.contains(&format!("variables.{name}")))
            .find_map(|(_, v)| {
                let path = crate::ast::object_path(v.program.as_ref().ok()?);
                (!path.is_empty()).then_some(path)
            })
            .unwrap_or_default()
    }

    /// Whether `message` is one of the fixed texts validation `i` of `policy` can fail with
    /// (its `message`, or `failed expression: …`), rather than one built from the object by a
    /// `messageExpression` or an evaluation error.
    pub fn is_fixed_message(&self, policy: &str, i: usize, message: &str) -> bool {
        let Some(p) = self.policies.get(policy) else {
            return false;
        };
        let (Some(spec), Some((e, _))) = (p.policy.spec.validations.get(i), p.validations.get(i))
        else {
            return false;
        };
        spec.message.as_deref() == Some(message)
            || message
                .strip_prefix("failed expression: ")
                .is_some_and(|rest| rest == e.source)
    }

    /// The expression of validation `i` of `policy`.
    pub fn validation_expression(&self, policy: &str, i: usize) -> Option<&str> {
        self.policies
            .get(policy)
            .and_then(|p| p.validations.get(i))
            .map(|(e, _)| e.source.as_str())
    }

    /// Whether a policy of that name compiled into the set.
    pub fn has_policy(&self, name: &str) -> bool {
        self.policies.contains_key(name)
    }

    /// The bindings' names, with the policy each binds.
    pub fn bindings(&self) -> impl Iterator<Item = (&str, &str)> {
        self.bindings
            .iter()
            .map(|b| (b.metadata.name.as_str(), b.spec.policy_name.as_str()))
    }

    /// Whether any binding applies to some policy.
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    /// The verdict for `req`.
    pub fn evaluate(&self, world: &World, req: &Request) -> Verdict {
        let Some(subject) = req.object.or(req.old_object) else {
            return Verdict {
                allowed: true,
                ..Verdict::default()
            };
        };
        let id = identity(subject);
        let ns_node = if id.namespaced {
            world.namespaces.get(&id.namespace).copied()
        } else {
            None
        };
        // Which bindings apply, before any value is built: most objects match no policy.
        let matched: Vec<(&CompiledPolicy, &Binding)> = self
            .bindings
            .iter()
            .filter_map(|b| {
                let cp = self.policies.get(&b.spec.policy_name)?;
                let mc = cp.policy.spec.match_constraints.as_ref()?;
                if !matches(mc, true, req, &id, ns_node) {
                    return None;
                }
                if let Some(mr) = &b.spec.match_resources
                    && !matches(mr, false, req, &id, ns_node)
                {
                    return None;
                }
                Some((cp, b))
            })
            .collect();
        let target = if id.group.is_empty() {
            format!("{} \"{}\"", id.resource, id.name)
        } else {
            format!("{}.{} \"{}\"", id.resource, id.group, id.name)
        };
        if matched.is_empty() {
            return Verdict {
                allowed: true,
                target,
                ..Verdict::default()
            };
        }
        let object = req.object.map_or(Value::Null, celenv::value_of);
        let old_object = req.old_object.map_or(Value::Null, celenv::value_of);
        let namespace_object = if id.namespaced {
            match ns_node {
                Some(n) => celenv::value_of(n),
                None => map(vec![
                    ("apiVersion", s("v1")),
                    ("kind", s("Namespace")),
                    (
                        "metadata",
                        map(vec![
                            ("name", s(&id.namespace)),
                            (
                                "labels",
                                map(vec![("kubernetes.io/metadata.name", s(&id.namespace))]),
                            ),
                        ]),
                    ),
                ]),
            }
        } else {
            Value::Null
        };
        let gvk = map(vec![
            ("group", s(&id.group)),
            ("version", s(&id.version)),
            ("kind", s(&id.kind)),
        ]);
        let gvr = map(vec![
            ("group", s(&id.group)),
            ("version", s(&id.version)),
            ("resource", s(&id.resource)),
        ]);
        let request = map(vec![
            ("kind", gvk.clone()),
            ("resource", gvr.clone()),
            ("requestKind", gvk),
            ("requestResource", gvr),
            ("subResource", s("")),
            ("name", s(&id.name)),
            ("namespace", s(&id.namespace)),
            ("operation", s(req.operation)),
            (
                "userInfo",
                map(vec![
                    ("username", s(req.user)),
                    (
                        "groups",
                        Value::List(Arc::new(req.groups.iter().map(|g| s(g)).collect())),
                    ),
                ]),
            ),
            ("dryRun", Value::Bool(false)),
        ]);
        let size = [&object, &old_object, &request, &namespace_object]
            .into_iter()
            .map(crate::ast::size_bound)
            .fold(1.0, f64::max);
        let mut verdict = Verdict {
            allowed: true,
            target,
            ..Verdict::default()
        };
        // The request's values are bound once, for every expression of every binding.
        let scope = self.env.scope(&[
            ("object", &object),
            ("oldObject", &old_object),
            ("request", &request),
            ("namespaceObject", &namespace_object),
        ]);
        for (cp, b) in matched {
            let base = Base {
                size,
                scope: &scope,
            };
            self.apply_binding(cp, b, world, &id, &base, &mut verdict);
        }
        verdict.allowed = !verdict.outcomes.iter().any(|o| o.action == Action::Deny);
        verdict
    }

    fn apply_binding(
        &self,
        cp: &CompiledPolicy,
        b: &Binding,
        world: &World,
        id: &Identity,
        base: &Base,
        verdict: &mut Verdict,
    ) {
        let policy = &cp.policy;
        let ignore = policy.spec.ignores_failures();
        let mut failures: Vec<(String, bool, Option<usize>, String)> = Vec::new();
        // Params.
        let params: Vec<Value> = match &policy.spec.param_kind {
            None => vec![Value::Null],
            Some(pk) => match &b.spec.param_ref {
                None => {
                    failures.push((
                        format!(
                            "failed to configure binding: the policy has paramKind {}, so the binding needs a paramRef",
                            pk.kind
                        ),
                        true,
                        None,
                        "Invalid".into(),
                    ));
                    Vec::new()
                }
                Some(pr) => {
                    let (group, _) = pk.api_version.rsplit_once('/').unwrap_or(("", ""));
                    let namespaced =
                        stockade_model::kinds::by_kind(group, &pk.kind).map(|r| r.namespaced);
                    let ns = match pr.namespace.as_deref().filter(|n| !n.is_empty()) {
                        Some(n) => Some(n.to_string()),
                        None if namespaced != Some(false) && id.namespaced => {
                            Some(id.namespace.clone())
                        }
                        None => None,
                    };
                    let found: Vec<Value> = world
                        .params(&pk.api_version, &pk.kind)
                        .iter()
                        .filter(|o| {
                            let ons = str_at(o, "metadata.namespace").unwrap_or("default");
                            ns.as_deref().is_none_or(|n| n == ons)
                        })
                        .filter(|o| match (&pr.name, &pr.selector) {
                            (Some(n), _) if !n.is_empty() => {
                                str_at(o, "metadata.name") == Some(n.as_str())
                            }
                            (_, Some(sel)) => sel.matches(labels_of(Some(o))),
                            _ => false,
                        })
                        .map(|o| celenv::value_of(o))
                        .collect();
                    if found.is_empty() {
                        if pr.parameter_not_found_action.as_deref() == Some("Deny") {
                            failures.push((
                                "failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction"
                                    .into(),
                                true,
                                None,
                                "Invalid".into(),
                            ));
                        }
                        Vec::new()
                    } else {
                        found
                    }
                }
            },
        };
        let mut applied = false;
        for param in &params {
            match self.run(cp, base, param) {
                Run::NotMatched => {}
                Run::Evaluated {
                    failed,
                    annotations,
                } => {
                    applied = true;
                    failures.extend(failed);
                    verdict.audit_annotations.extend(
                        annotations
                            .into_iter()
                            .map(|(k, v)| (format!("{}/{k}", policy.metadata.name), v)),
                    );
                }
            }
        }
        if applied || !failures.is_empty() {
            verdict
                .applied
                .push((policy.metadata.name.clone(), b.metadata.name.clone()));
        }
        for (message, error, validation, reason) in failures {
            if error && ignore {
                continue;
            }
            for action in &b.spec.validation_actions {
                let action = match action.as_str() {
                    "Deny" => Action::Deny,
                    "Warn" => Action::Warn,
                    "Audit" => Action::Audit,
                    _ => continue,
                };
                verdict.outcomes.push(Outcome {
                    policy: policy.metadata.name.clone(),
                    binding: b.metadata.name.clone(),
                    action,
                    message: message.clone(),
                    reason: reason.clone(),
                    error,
                    validation,
                });
            }
        }
    }

    fn run(&self, cp: &CompiledPolicy, base: &Base, params: &Value) -> Run {
        let mut vars: Vec<(String, Result<Value, String>)> = Vec::new();
        let variables_value = |vars: &[(String, Result<Value, String>)]| {
            map(vars
                .iter()
                .filter_map(|(n, v)| v.as_ref().ok().map(|v| (n.as_str(), v.clone())))
                .collect())
        };
        // The size bound of the inputs, for the cost bound of each evaluation.
        let n = base.size.max(crate::ast::size_bound(params));
        let with_params = celenv::child(base.scope, &[("params", params)]);
        let eval = |e: &Expr, vars: &[(String, Result<Value, String>)]| -> Result<Value, String> {
            let program = e.program.as_ref().map_err(Clone::clone)?;
            for (name, v) in vars {
                if let Err(err) = v
                    && e.source.contains(&format!("variables.{name}"))
                {
                    return Err(format!(
                        "composited variable \"{name}\" fails to evaluate: {err}"
                    ));
                }
            }
            let var_size = |name: &str| {
                vars.iter()
                    .find(|(v, _)| v == name)
                    .and_then(|(_, r)| r.as_ref().ok())
                    .map(crate::ast::size_bound)
            };
            let cost = crate::ast::estimate(program, n, &var_size);
            if cost > crate::ast::COST_LIMIT {
                return Err(format!(
                    "operation cancelled: estimated cost {cost:.3e} exceeds the limit of {:.0e}",
                    crate::ast::COST_LIMIT
                ));
            }
            let variables = variables_value(vars);
            let ctx = celenv::child(&with_params, &[("variables", &variables)]);
            celenv::eval_in(&ctx, program).map_err(|e| cel_go_wording(&e))
        };
        let mut failed = Vec::new();
        // matchConditions: all true to apply; an error fails the policy (failurePolicy).
        for (name, c) in &cp.conditions {
            match eval(c, &vars) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => return Run::NotMatched,
                Ok(other) => {
                    failed.push((
                        format!(
                            "matchCondition '{name}' must evaluate to a bool, not {:?}",
                            other.type_of()
                        ),
                        true,
                        None,
                        "Invalid".into(),
                    ));
                    return Run::Evaluated {
                        failed,
                        annotations: Vec::new(),
                    };
                }
                Err(e) => {
                    failed.push((
                        format!("failed to evaluate matchCondition '{name}': {e}"),
                        true,
                        None,
                        "Invalid".into(),
                    ));
                    return Run::Evaluated {
                        failed,
                        annotations: Vec::new(),
                    };
                }
            }
        }
        for (name, v) in &cp.variables {
            let value = eval(v, &vars);
            vars.push((name.clone(), value));
        }
        for (i, (e, msg_expr)) in cp.validations.iter().enumerate() {
            let spec = &cp.policy.spec.validations[i];
            let reason = spec.reason.clone().unwrap_or_else(|| "Invalid".into());
            match eval(e, &vars) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    let from_expr = msg_expr.as_ref().and_then(|m| {
                        eval(m, &vars)
                            .ok()
                            .and_then(|v| celenv::as_string(&v).map(str::to_string))
                            .filter(|t| !t.trim().is_empty() && !t.contains('\n'))
                    });
                    let message = from_expr
                        .or_else(|| spec.message.clone().filter(|m| !m.is_empty()))
                        .unwrap_or_else(|| format!("failed expression: {}", e.source));
                    failed.push((message, false, Some(i), reason));
                }
                Ok(other) => failed.push((
                    format!(
                        "expression '{}' resulted in error: must evaluate to bool, not {:?}",
                        e.source,
                        other.type_of()
                    ),
                    true,
                    Some(i),
                    "Invalid".into(),
                )),
                Err(err) => failed.push((
                    format!("expression '{}' resulted in error: {err}", e.source),
                    true,
                    Some(i),
                    "Invalid".into(),
                )),
            }
        }
        let mut annotations = Vec::new();
        for (key, e) in &cp.audits {
            match eval(e, &vars) {
                Ok(Value::Null) => {}
                Ok(v) => {
                    if let Some(t) = celenv::as_string(&v) {
                        annotations.push((key.clone(), t.to_string()));
                    }
                }
                Err(err) => failed.push((
                    format!("expression '{}' resulted in error: {err}", e.source),
                    true,
                    None,
                    "Invalid".into(),
                )),
            }
        }
        Run::Evaluated {
            failed,
            annotations,
        }
    }
}

/// An evaluation error in the words of cel-go, which the API server reports, where the cel
/// crate words the same failure differently.
fn cel_go_wording(e: &str) -> String {
    for (to, name) in [("int", "int"), ("uint", "uint"), ("double", "double")] {
        if e.starts_with(&format!("Error executing function '{name}': ")) && e.contains("parse") {
            return format!("type conversion error from 'string' to '{to}'");
        }
    }
    e.to_string()
}

struct Base<'s> {
    /// The size bound of object, oldObject, request and namespaceObject.
    size: f64,
    /// They, bound.
    scope: &'s kube_cel::cel::Context<'s, 'static>,
}

type Failure = (String, bool, Option<usize>, String);

enum Run {
    NotMatched,
    Evaluated {
        failed: Vec<Failure>,
        annotations: Vec<(String, String)>,
    },
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_policy_set_is_shared_between_threads() {
        fn shared<T: Sync + Send>() {}
        shared::<super::PolicySet>();
    }
}
