//! Policy tests (`stockade policy test`): a test file names policy files, resource files and
//! the result each policy (and binding) must give for each resource, and the runner compares
//! them with the evaluation, the way `kyverno test` does for its policies.
//!
//! ```yaml
//! apiVersion: stockade.dev/v1
//! kind: PolicyTest
//! metadata: {name: registry}
//! policies: [../policies/registry.yaml]   # files or directories, relative to this file
//! resources: [resources.yaml]             # judged; also the params and Namespaces
//! oldResources: [old.yaml]                # the objects before, for UPDATE and DELETE
//! results:
//! - policy: images-from-our-registry
//!   binding: registry-in-shop             # optional: any binding of the policy
//!   resources: [Deployment/shop/web]      # KIND/NAMESPACE/NAME, or KIND/NAME
//!   operation: CREATE                     # CREATE (default), UPDATE or DELETE
//!   result: fail                          # fail, pass or skip
//!   action: Deny                          # optional, with fail: Deny, Warn or Audit
//!   message: images must come from        # optional, with fail: part of the message
//! ```
//!
//! `fail`: a validation failed (or the evaluation erred under `failurePolicy: Fail`) through
//! the binding; `pass`: the binding applied and nothing failed; `skip`: it did not apply (no
//! match, a false matchCondition, or no params with `parameterNotFoundAction: Allow`).

use crate::eval::{Action, PolicySet, Request, World, identity};
use serde::{Deserialize, Serialize};
use stockade_sources::node::Node;

/// A test file.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestFile {
    /// `stockade.dev/v1`.
    pub api_version: String,
    /// `PolicyTest`.
    pub kind: String,
    /// Its name.
    #[serde(default)]
    pub metadata: TestMeta,
    /// Policy files or directories.
    pub policies: Vec<String>,
    /// Resource files or directories.
    pub resources: Vec<String>,
    /// Files or directories with the objects before an UPDATE or DELETE.
    #[serde(default)]
    pub old_resources: Vec<String>,
    /// The expected results.
    pub results: Vec<Expected>,
}

/// A test file's metadata.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestMeta {
    /// Name.
    #[serde(default)]
    pub name: String,
}

/// One expected result, for each of its resources.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expected {
    /// Policy name.
    pub policy: String,
    /// Binding name; any binding of the policy when absent.
    #[serde(default)]
    pub binding: Option<String>,
    /// `KIND/NAMESPACE/NAME` or `KIND/NAME`.
    pub resources: Vec<String>,
    /// CREATE, UPDATE or DELETE.
    #[serde(default)]
    pub operation: Option<String>,
    /// `fail`, `pass` or `skip`.
    pub result: String,
    /// With `fail`: the action expected.
    #[serde(default)]
    pub action: Option<String>,
    /// With `fail`: text the message holds.
    #[serde(default)]
    pub message: Option<String>,
    /// `request.userInfo.username`.
    #[serde(default)]
    pub user: Option<String>,
    /// `request.userInfo.groups`.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// The outcome of one expected result for one resource.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseResult {
    /// Policy name.
    pub policy: String,
    /// Binding, when the test names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// The resource as the test names it.
    pub resource: String,
    /// The operation.
    pub operation: String,
    /// What the test expects (`fail (Deny)`, `pass`, `skip`).
    pub expected: String,
    /// What the evaluation gave.
    pub actual: String,
    /// Whether they agree.
    pub ok: bool,
    /// The messages of the failed validations, for the diff.
    pub messages: Vec<String>,
}

/// A problem with the test file itself: a resource it names is not among its resources, an
/// unknown result or operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestError {
    /// Index of the result entry.
    pub result: usize,
    /// What is wrong.
    pub message: String,
}

fn matches_ref(o: &Node, r: &str) -> bool {
    let id = identity(o);
    let parts: Vec<&str> = r.split('/').collect();
    match parts.as_slice() {
        [kind, name] => id.kind == *kind && id.name == *name,
        [kind, ns, name] => id.kind == *kind && id.namespace == *ns && id.name == *name,
        _ => false,
    }
}

/// Runs the expected results of `test` with `set` over `resources` (and `old` for UPDATE and
/// DELETE); returns every case's result and the test file's own problems.
pub fn run(
    test: &TestFile,
    set: &PolicySet,
    resources: &[&Node],
    old: &[&Node],
) -> (Vec<CaseResult>, Vec<TestError>) {
    let world = World::new(resources.iter().copied());
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (i, e) in test.results.iter().enumerate() {
        let operation = e
            .operation
            .as_deref()
            .unwrap_or("CREATE")
            .to_ascii_uppercase();
        if !matches!(operation.as_str(), "CREATE" | "UPDATE" | "DELETE") {
            errors.push(TestError {
                result: i,
                message: format!("operation `{operation}` is not CREATE, UPDATE or DELETE"),
            });
            continue;
        }
        let want = e.result.to_ascii_lowercase();
        if !matches!(want.as_str(), "fail" | "pass" | "skip") {
            errors.push(TestError {
                result: i,
                message: format!("result `{}` is not fail, pass or skip", e.result),
            });
            continue;
        }
        let want_action = match e.action.as_deref() {
            None => None,
            Some(a) => match a.to_ascii_lowercase().as_str() {
                "deny" => Some(Action::Deny),
                "warn" => Some(Action::Warn),
                "audit" => Some(Action::Audit),
                _ => {
                    errors.push(TestError {
                        result: i,
                        message: format!("action `{a}` is not Deny, Warn or Audit"),
                    });
                    continue;
                }
            },
        };
        if !set.has_policy(&e.policy) {
            errors.push(TestError {
                result: i,
                message: format!("policy `{}` is not among the test's policies", e.policy),
            });
            continue;
        }
        if let Some(b) = &e.binding
            && !set.bindings().any(|(n, p)| n == b && p == e.policy)
        {
            errors.push(TestError {
                result: i,
                message: format!(
                    "binding `{b}` of policy `{}` is not among the test's policies",
                    e.policy
                ),
            });
            continue;
        }
        for r in &e.resources {
            let object = resources.iter().copied().find(|o| matches_ref(o, r));
            let old_object = old.iter().copied().find(|o| matches_ref(o, r));
            let (object, old_object) = match operation.as_str() {
                "CREATE" => (object, None),
                "UPDATE" => (object, old_object),
                _ => (None, old_object.or(object)),
            };
            let missing = match operation.as_str() {
                "CREATE" => object.is_none(),
                "UPDATE" => object.is_none() || old_object.is_none(),
                _ => old_object.is_none(),
            };
            if missing {
                errors.push(TestError {
                    result: i,
                    message: format!(
                        "resource `{r}` is not among the test's {} (a reference is KIND/NAMESPACE/NAME or KIND/NAME)",
                        if operation == "UPDATE" && object.is_some() {
                            "oldResources"
                        } else {
                            "resources"
                        }
                    ),
                });
                continue;
            }
            let verdict = set.evaluate(
                &world,
                &Request {
                    operation: &operation,
                    object,
                    old_object,
                    user: e.user.as_deref().unwrap_or(""),
                    groups: &e.groups,
                },
            );
            let of_binding = |p: &str, b: &str| {
                p == e.policy && e.binding.as_deref().is_none_or(|want| want == b)
            };
            let applied = verdict.applied.iter().any(|(p, b)| of_binding(p, b));
            let failed: Vec<_> = verdict
                .outcomes
                .iter()
                .filter(|o| of_binding(&o.policy, &o.binding))
                .collect();
            let actual = if !failed.is_empty() {
                let mut actions: Vec<&str> = failed
                    .iter()
                    .map(|o| match o.action {
                        Action::Deny => "Deny",
                        Action::Warn => "Warn",
                        Action::Audit => "Audit",
                    })
                    .collect();
                actions.sort();
                actions.dedup();
                format!("fail ({})", actions.join(", "))
            } else if applied {
                "pass".to_string()
            } else {
                "skip".to_string()
            };
            let ok = match want.as_str() {
                "fail" => {
                    !failed.is_empty()
                        && want_action.is_none_or(|a| failed.iter().any(|o| o.action == a))
                        && e.message
                            .as_deref()
                            .is_none_or(|m| failed.iter().any(|o| o.message.contains(m)))
                }
                other => actual == other,
            };
            let expected = match (&want_action, &e.message) {
                (Some(a), Some(m)) if want == "fail" => format!("fail ({a:?}) with \"{m}\""),
                (Some(a), None) if want == "fail" => format!("fail ({a:?})"),
                (None, Some(m)) if want == "fail" => format!("fail with \"{m}\""),
                _ => want.clone(),
            };
            let mut messages: Vec<String> = failed.iter().map(|o| o.message.clone()).collect();
            messages.dedup();
            results.push(CaseResult {
                policy: e.policy.clone(),
                binding: e.binding.clone(),
                resource: r.clone(),
                operation: operation.clone(),
                expected,
                actual,
                ok,
                messages,
            });
        }
    }
    (results, errors)
}
