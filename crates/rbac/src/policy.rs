//! Policy rules and how one rule matches a request, exactly as the API server's
//! `RuleAllows` and the `*Matches` helpers of `pkg/apis/rbac/v1/evaluation_helpers.go` do.
//!
//! Everything is case-sensitive. `*` is the only wildcard for verbs, API groups, resources and
//! whole non-resource URLs; resources also accept `*/<subresource>`, and non-resource URLs a
//! trailing `*` (a prefix match). `resource/*` is *not* a wildcard: it matches only a
//! subresource literally named `*`. An empty `resourceNames` matches every name (including the
//! empty name of `list` or `create`); a non-empty one matches only the names it lists.

use crate::query::Request;
use serde::Serialize;
use stockade_sources::Node;

/// One rule of a Role or ClusterRole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// `verbs`.
    pub verbs: Vec<String>,
    /// `apiGroups`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    /// `resources`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// `resourceNames`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    /// `nonResourceURLs`.
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
}

fn strings(n: Option<&Node>) -> Vec<String> {
    // Non-string items cannot come from the API server (it rejects them); from a manifest they
    // are ignored rather than guessed at.
    n.map(|n| {
        n.items()
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

impl PolicyRule {
    /// Reads one rule from its mapping.
    pub fn from_node(n: &Node) -> PolicyRule {
        PolicyRule {
            verbs: strings(n.get("verbs")),
            api_groups: strings(n.get("apiGroups")),
            resources: strings(n.get("resources")),
            resource_names: strings(n.get("resourceNames")),
            non_resource_urls: strings(n.get("nonResourceURLs")),
        }
    }

    /// Whether this rule allows `req` (`RuleAllows`).
    pub fn allows(&self, req: &Request) -> bool {
        match req {
            Request::Resource {
                verb,
                api_group,
                resource,
                subresource,
                name,
                ..
            } => {
                self.verb_matches(verb)
                    && self.api_group_matches(api_group)
                    && self.resource_matches(resource, subresource)
                    && self.resource_name_matches(name)
            }
            Request::NonResource { verb, path } => {
                self.verb_matches(verb) && self.non_resource_url_matches(path)
            }
        }
    }

    /// `VerbMatches`.
    pub fn verb_matches(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == "*" || v == verb)
    }

    /// `APIGroupMatches`.
    pub fn api_group_matches(&self, group: &str) -> bool {
        self.api_groups.iter().any(|g| g == "*" || g == group)
    }

    /// `ResourceMatches` for `resource` and `subresource` (empty when there is none).
    pub fn resource_matches(&self, resource: &str, subresource: &str) -> bool {
        self.resources.iter().any(|r| {
            if r == "*" {
                return true;
            }
            if subresource.is_empty() {
                return r == resource;
            }
            // The combined form `pods/exec`, or `*/exec` for every resource.
            let combined = r.len() == resource.len() + 1 + subresource.len()
                && r.starts_with(resource)
                && r.as_bytes().get(resource.len()) == Some(&b'/')
                && r.ends_with(subresource);
            combined || r.strip_prefix("*/") == Some(subresource)
        })
    }

    /// `ResourceNameMatches`.
    pub fn resource_name_matches(&self, name: &str) -> bool {
        self.resource_names.is_empty() || self.resource_names.iter().any(|n| n == name)
    }

    /// `NonResourceURLMatches`: `*`, an exact path, or a prefix ending in `*` (every trailing
    /// `*` is trimmed before the prefix comparison, as upstream's `TrimRight` does).
    pub fn non_resource_url_matches(&self, path: &str) -> bool {
        self.non_resource_urls.iter().any(|u| {
            u == "*" || u == path || (u.ends_with('*') && path.starts_with(u.trim_end_matches('*')))
        })
    }

    /// Whether this rule covers `verb` on `group`/`resource` for *some* object name (any
    /// `resourceNames` restriction is ignored): what risk rules ask.
    pub fn covers(&self, verb: &str, group: &str, resource: &str, subresource: &str) -> bool {
        self.verb_matches(verb)
            && self.api_group_matches(group)
            && self.resource_matches(resource, subresource)
    }

    /// A short rendering for messages: `get,list secrets` or `get /healthz`.
    pub fn describe(&self) -> String {
        let verbs = self.verbs.join(",");
        if !self.non_resource_urls.is_empty() && self.resources.is_empty() {
            return format!("{verbs} {}", self.non_resource_urls.join(","));
        }
        let groups: Vec<&str> = self
            .api_groups
            .iter()
            .map(|g| if g.is_empty() { "core" } else { g.as_str() })
            .collect();
        let mut s = format!(
            "{verbs} {} (apiGroups {})",
            self.resources.join(","),
            groups.join(",")
        );
        if !self.resource_names.is_empty() {
            s.push_str(&format!(" named {}", self.resource_names.join(",")));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
        PolicyRule {
            verbs: v(verbs),
            api_groups: v(groups),
            resources: v(resources),
            resource_names: v(names),
            non_resource_urls: vec![],
        }
    }

    fn req(verb: &str, group: &str, res: &str, sub: &str, name: &str) -> Request {
        Request::resource(verb, group, res, sub, name, "ns")
    }

    #[test]
    fn verbs_groups_and_resources_match_exactly_or_by_star() {
        let r = rule(&["get"], &[""], &["pods"], &[]);
        assert!(r.allows(&req("get", "", "pods", "", "")));
        assert!(!r.allows(&req("GET", "", "pods", "", "")));
        assert!(!r.allows(&req("list", "", "pods", "", "")));
        assert!(!r.allows(&req("get", "apps", "pods", "", "")));
        assert!(!r.allows(&req("get", "", "pods", "log", "")));
        let all = rule(&["*"], &["*"], &["*"], &[]);
        assert!(all.allows(&req("anything", "x.io", "foo", "bar", "n")));
    }

    #[test]
    fn subresources_need_the_combined_form_or_star_slash() {
        let r = rule(&["create"], &[""], &["pods/exec"], &[]);
        assert!(r.allows(&req("create", "", "pods", "exec", "")));
        assert!(!r.allows(&req("create", "", "pods", "", "")));
        assert!(!r.allows(&req("create", "", "pods", "attach", "")));
        let s = rule(&["update"], &["*"], &["*/scale"], &[]);
        assert!(s.allows(&req("update", "apps", "deployments", "scale", "")));
        assert!(!s.allows(&req("update", "apps", "deployments", "", "")));
        assert!(!s.allows(&req("update", "apps", "deployments", "status", "")));
        // `pods/*` is no wildcard upstream: it only matches a subresource named `*`.
        let p = rule(&["get"], &[""], &["pods/*"], &[]);
        assert!(!p.allows(&req("get", "", "pods", "log", "")));
        assert!(p.allows(&req("get", "", "pods", "*", "")));
        // `*/*` likewise matches only the subresource `*`.
        let ss = rule(&["get"], &[""], &["*/*"], &[]);
        assert!(!ss.allows(&req("get", "", "pods", "log", "")));
        // A rule resource of `pods` never matches `podsx/exec` or `pod/exec`.
        let odd = rule(&["get"], &[""], &["pods/log"], &[]);
        assert!(!odd.allows(&req("get", "", "pod", "slog", "")));
    }

    #[test]
    fn resource_names_restrict_and_empty_name_only_matches_unrestricted() {
        let r = rule(&["get"], &[""], &["secrets"], &["a"]);
        assert!(r.allows(&req("get", "", "secrets", "", "a")));
        assert!(!r.allows(&req("get", "", "secrets", "", "b")));
        assert!(!r.allows(&req("list", "", "secrets", "", "")));
        assert!(!r.allows(&req("get", "", "secrets", "", "")));
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_trailing_star() {
        let mut r = rule(&["get"], &[], &[], &[]);
        r.non_resource_urls = vec!["/healthz".into(), "/api/*".into(), "/x**".into()];
        let nr = |p: &str| Request::NonResource {
            verb: "get".into(),
            path: p.into(),
        };
        assert!(r.allows(&nr("/healthz")));
        assert!(!r.allows(&nr("/healthz/etcd")));
        assert!(r.allows(&nr("/api/v1")));
        assert!(r.allows(&nr("/api/")));
        assert!(!r.allows(&nr("/api")));
        assert!(r.allows(&nr("/xyz")));
        // Resource rules never match non-resource requests and vice versa.
        assert!(!rule(&["*"], &["*"], &["*"], &[]).allows(&nr("/healthz")));
        assert!(!r.allows(&req("get", "", "pods", "", "")));
    }
}
