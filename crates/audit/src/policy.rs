//! The audit `Policy` (`audit.k8s.io/v1`) and how kube-apiserver applies it: rules in order,
//! the first that matches a request decides its level; no match means `None` (not logged).
//!
//! Matching follows `k8s.io/apiserver/pkg/audit/policy/checker.go`: users, user groups and
//! verbs filter first; then a rule with `namespaces` or `resources` matches only resource
//! requests (`resource`, `*`, `*/sub` and `resource/*` patterns, optional `resourceNames`), a
//! rule with `nonResourceURLs` only non-resource requests (exact or `prefix*`), and a rule with
//! neither matches every request. Stages omitted by the policy or by the rule are not logged.

use stockade_model::FieldPath;
use stockade_sources::Node;
use stockade_sources::yaml::{YamlLimits, load};

/// An audit level, in increasing order of detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Not logged.
    None,
    /// User, verb, object, response code — no bodies.
    Metadata,
    /// Also the request body.
    Request,
    /// Also the response body.
    RequestResponse,
}

impl Level {
    fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "None" => Level::None,
            "Metadata" => Level::Metadata,
            "Request" => Level::Request,
            "RequestResponse" => Level::RequestResponse,
            _ => return None,
        })
    }

    /// The name as written in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

/// A `group` + `resources` selector of a rule.
#[derive(Clone, Debug, Default)]
pub struct GroupResources {
    /// API group (`""` is the core group).
    pub group: String,
    /// Resource patterns; empty matches every resource of the group.
    pub resources: Vec<String>,
    /// Object names; empty matches every name.
    pub resource_names: Vec<String>,
}

/// One policy rule.
#[derive(Clone, Debug)]
pub struct PolicyRule {
    /// Its index in `rules`.
    pub index: usize,
    /// The level.
    pub level: Level,
    /// Users it applies to (all when empty).
    pub users: Vec<String>,
    /// Groups it applies to (all when empty).
    pub user_groups: Vec<String>,
    /// Verbs it applies to (all when empty).
    pub verbs: Vec<String>,
    /// Resource selectors.
    pub resources: Vec<GroupResources>,
    /// Namespaces (`""` selects cluster-scoped objects).
    pub namespaces: Vec<String>,
    /// Non-resource URL patterns.
    pub non_resource_urls: Vec<String>,
    /// Stages not logged for requests this rule matches.
    pub omit_stages: Vec<String>,
}

impl PolicyRule {
    /// Whether the rule selects on who makes the request or on the verb.
    pub fn filters_requests(&self) -> bool {
        !self.users.is_empty() || !self.user_groups.is_empty() || !self.verbs.is_empty()
    }

    /// Whether the rule matches every request.
    pub fn is_catch_all(&self) -> bool {
        !self.filters_requests()
            && self.resources.is_empty()
            && self.namespaces.is_empty()
            && self.non_resource_urls.is_empty()
    }
}

/// A parsed policy with its document tree (for positions).
#[derive(Debug)]
pub struct Policy {
    /// The document.
    pub root: Node,
    /// The rules, in order.
    pub rules: Vec<PolicyRule>,
    /// Stages omitted for every request.
    pub omit_stages: Vec<String>,
}

/// A request, as far as policy matching sees it.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// User name (empty for a failed authentication).
    pub user: &'a str,
    /// Groups.
    pub groups: &'a [&'a str],
    /// Verb.
    pub verb: &'a str,
    /// For resource requests: (group, resource, subresource, namespace, name).
    pub resource: Option<(&'a str, &'a str, &'a str, &'a str, &'a str)>,
    /// For non-resource requests: the path.
    pub path: &'a str,
}

/// How a request would be logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The level.
    pub level: Level,
    /// The rule that decided, if any.
    pub rule: Option<usize>,
    /// Stages not logged (policy-wide and the rule's).
    pub omit_stages: Vec<String>,
}

impl Decision {
    /// Whether an event of `stage` is written for the request.
    pub fn logs_stage(&self, stage: &str) -> bool {
        self.level != Level::None && !self.omit_stages.iter().any(|s| s == stage)
    }
}

fn strings(n: Option<&Node>) -> Vec<String> {
    n.map(|n| {
        n.items()
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

impl Policy {
    /// Parses a policy file's text.
    pub fn parse(text: &str) -> Result<Policy, String> {
        let loaded = load(text, 0, YamlLimits::default())
            .map_err(|e| format!("{}:{}: {e}", e.pos.line, e.pos.col))?;
        let mut docs = loaded.docs.into_iter();
        let root = docs
            .next()
            .ok_or_else(|| "the file is empty; expected an audit.k8s.io/v1 Policy".to_string())?;
        if docs.next().is_some() {
            return Err(
                "the file holds more than one YAML document; kube-apiserver reads one Policy"
                    .into(),
            );
        }
        let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
        let api = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
        if kind != "Policy" || !api.starts_with("audit.k8s.io/") {
            return Err(format!(
                "expected kind Policy of apiVersion audit.k8s.io/v1, found kind `{kind}` of `{api}`"
            ));
        }
        let mut rules = Vec::new();
        for (index, r) in root
            .get("rules")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let level_text = r.get("level").and_then(Node::as_str).unwrap_or("");
            let level = Level::parse(level_text).ok_or_else(|| {
                format!(
                    "{}:{}: rules[{index}].level `{level_text}` is not one of None, Metadata, Request, RequestResponse",
                    r.pos.line, r.pos.col
                )
            })?;
            let resources = r
                .get("resources")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .map(|g| GroupResources {
                    group: g
                        .get("group")
                        .and_then(Node::as_str)
                        .unwrap_or("")
                        .to_string(),
                    resources: strings(g.get("resources")),
                    resource_names: strings(g.get("resourceNames")),
                })
                .collect();
            rules.push(PolicyRule {
                index,
                level,
                users: strings(r.get("users")),
                user_groups: strings(r.get("userGroups")),
                verbs: strings(r.get("verbs")),
                resources,
                namespaces: strings(r.get("namespaces")),
                non_resource_urls: strings(r.get("nonResourceURLs")),
                omit_stages: strings(r.get("omitStages")),
            });
        }
        Ok(Policy {
            omit_stages: strings(root.get("omitStages")),
            rules,
            root,
        })
    }

    /// How `req` would be logged.
    pub fn decide(&self, req: &Request<'_>) -> Decision {
        for r in &self.rules {
            if rule_matches(r, req) {
                let mut omit = self.omit_stages.clone();
                omit.extend(r.omit_stages.iter().cloned());
                return Decision {
                    level: r.level,
                    rule: Some(r.index),
                    omit_stages: omit,
                };
            }
        }
        Decision {
            level: Level::None,
            rule: None,
            omit_stages: self.omit_stages.clone(),
        }
    }

    /// The path of a rule, for findings.
    pub fn rule_path(index: usize) -> FieldPath {
        FieldPath::root().key("rules").index(index)
    }
}

/// Whether `r` matches `req` (checker.go `ruleMatches`).
pub fn rule_matches(r: &PolicyRule, req: &Request<'_>) -> bool {
    if !r.users.is_empty() && !r.users.iter().any(|u| u == req.user) {
        return false;
    }
    if !r.user_groups.is_empty()
        && !req
            .groups
            .iter()
            .any(|g| r.user_groups.iter().any(|x| x == g))
    {
        return false;
    }
    if !r.verbs.is_empty() && !r.verbs.iter().any(|v| v == req.verb) {
        return false;
    }
    if !r.namespaces.is_empty() || !r.resources.is_empty() {
        let Some((group, resource, sub, ns, name)) = req.resource else {
            return false;
        };
        if !r.namespaces.is_empty() && !r.namespaces.iter().any(|n| n == ns) {
            return false;
        }
        if r.resources.is_empty() {
            return true;
        }
        return r
            .resources
            .iter()
            .any(|gr| group_resource_matches(gr, group, resource, sub, Some(name)));
    }
    if !r.non_resource_urls.is_empty() {
        if req.resource.is_some() {
            return false;
        }
        return r
            .non_resource_urls
            .iter()
            .any(|u| match u.strip_suffix('*') {
                Some(prefix) => req.path.starts_with(prefix),
                None => u == req.path,
            });
    }
    true
}

/// Whether a selector matches a resource; `name: None` means "some name" (any `resourceNames`
/// list can match).
pub fn group_resource_matches(
    gr: &GroupResources,
    group: &str,
    resource: &str,
    sub: &str,
    name: Option<&str>,
) -> bool {
    if gr.group != group {
        return false;
    }
    if gr.resources.is_empty() {
        return true;
    }
    if let Some(name) = name
        && !gr.resource_names.is_empty()
        && !gr.resource_names.iter().any(|n| n == name)
    {
        return false;
    }
    gr.resources.iter().any(|res| {
        let combined_matches = if sub.is_empty() {
            res == resource
        } else {
            res.split_once('/') == Some((resource, sub))
        };
        combined_matches
            || res == "*"
            || (!sub.is_empty() && res.strip_prefix("*/") == Some(sub))
            || res.strip_suffix("/*") == Some(resource)
    })
}

/// Runs the enabled policy rules of `settings` over a policy file's text. `name` is the file as
/// given (for locations). An unreadable policy is an error diagnostic.
pub fn check_policy(
    name: &str,
    text: &str,
    settings: &crate::config::AuditSettings,
) -> Result<Vec<stockade_model::Finding>, stockade_model::Diagnostic> {
    use crate::rule::{PolicyCx, RuleOptions, Source};
    use stockade_model::{Diagnostic, DiagnosticLevel, Finding, Location, ObjectRef, fingerprint};
    let policy = Policy::parse(text).map_err(|m| {
        Diagnostic::at(
            DiagnosticLevel::Error,
            "audit-policy-invalid",
            name,
            0,
            0,
            m,
        )
    })?;
    let object = ObjectRef {
        api_version: "audit.k8s.io/v1".into(),
        kind: "Policy".into(),
        namespace: None,
        name: std::path::Path::new(name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.to_string()),
    };
    let mut out = Vec::new();
    for rule in settings.rules_for(Source::AuditPolicy) {
        let options = RuleOptions::resolve(rule, settings.options.get(rule.id));
        let mut cx = PolicyCx {
            rule,
            options: &options,
            policy: &policy,
            hits: Vec::new(),
        };
        (rule.policy_check)(&mut cx);
        for hit in cx.hits {
            let (pos, _) = policy.root.locate(&hit.path);
            let snippet = text
                .lines()
                .nth(pos.line.saturating_sub(1) as usize)
                .map(|l| l.trim_end().to_string());
            out.push(Finding {
                rule_id: rule.id.into(),
                rule_name: rule.name.into(),
                severity: settings.severity_of(rule),
                message: hit.message,
                object: object.clone(),
                location: Some(Location {
                    path: name.to_string(),
                    line: pos.line,
                    column: pos.col,
                    template: None,
                    document: 0,
                }),
                fingerprint: fingerprint(rule.id, &object, &hit.path),
                field_path: hit.path,
                remediation: rule.remediation.into(),
                controls: rule.controls.into(),
                snippet,
                suppression: None,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  users: ["system:kube-proxy"]
- level: Metadata
  resources:
  - group: ""
    resources: ["secrets", "configmaps"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["pods/*"]
- level: None
  nonResourceURLs: ["/healthz*"]
- level: Request
  namespaces: ["kube-system"]
- level: Metadata
"#;

    fn res<'a>(verb: &'a str, g: &'a str, r: &'a str, s: &'a str, ns: &'a str) -> Request<'a> {
        Request {
            user: "alice",
            groups: &["system:authenticated"],
            verb,
            resource: Some((g, r, s, ns, "x")),
            path: "",
        }
    }

    #[test]
    fn first_matching_rule_decides() {
        let p = Policy::parse(POLICY).unwrap();
        let d = p.decide(&res("get", "", "secrets", "", "kube-system"));
        assert_eq!((d.level, d.rule), (Level::Metadata, Some(1)));
        assert!(!d.logs_stage("RequestReceived") && d.logs_stage("ResponseComplete"));
        // `pods/*` matches pods and every subresource.
        assert_eq!(
            p.decide(&res("create", "", "pods", "exec", "a")).level,
            Level::RequestResponse
        );
        assert_eq!(
            p.decide(&res("get", "", "pods", "", "a")).level,
            Level::RequestResponse
        );
        assert_eq!(
            p.decide(&res("get", "apps", "deployments", "", "kube-system"))
                .level,
            Level::Request
        );
        let health = Request {
            path: "/healthz/etcd",
            verb: "get",
            ..Default::default()
        };
        assert_eq!(p.decide(&health).level, Level::None);
        let version = Request {
            path: "/version",
            verb: "get",
            ..Default::default()
        };
        assert_eq!(p.decide(&version).rule, Some(5));
        assert!(p.rules[5].is_catch_all());
    }

    #[test]
    fn subresource_patterns() {
        let gr = |r: &[&str]| GroupResources {
            group: String::new(),
            resources: r.iter().map(|s| s.to_string()).collect(),
            resource_names: vec![],
        };
        assert!(group_resource_matches(
            &gr(&["*/exec"]),
            "",
            "pods",
            "exec",
            None
        ));
        assert!(!group_resource_matches(
            &gr(&["*/exec"]),
            "",
            "pods",
            "",
            None
        ));
        assert!(!group_resource_matches(
            &gr(&["pods"]),
            "",
            "pods",
            "exec",
            None
        ));
        assert!(group_resource_matches(
            &gr(&["pods/exec"]),
            "",
            "pods",
            "exec",
            None
        ));
        assert!(!group_resource_matches(
            &gr(&["pods"]),
            "apps",
            "pods",
            "",
            None
        ));
    }

    #[test]
    fn rejects_what_the_api_server_would_reject() {
        assert!(Policy::parse("").is_err());
        assert!(Policy::parse("kind: Pod\napiVersion: v1\n").is_err());
        assert!(
            Policy::parse(
                "kind: Policy\napiVersion: audit.k8s.io/v1\nrules:\n- level: Everything\n"
            )
            .is_err()
        );
    }
}
