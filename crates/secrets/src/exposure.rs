//! Exposure: for each Secret, who can read it and who can mount it, by the exact RBAC model
//! (`stockade_rbac`: wildcards, aggregated roles, the API server's bootstrap bindings), which
//! objects use it, and whether it is unused or a legacy ServiceAccount token — sorted so the
//! most exposed come first.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use stockade_inventory::{Inventory, ObjectKey, Via};
use stockade_rbac::{Model, Request};

/// Groups whose members are most of the cluster: a Secret readable by one is readable by
/// almost anyone who can talk to the API server.
pub const BROAD_GROUPS: &[&str] = &[
    "system:authenticated",
    "system:unauthenticated",
    "system:serviceaccounts",
];

/// Verbs that read a Secret's value.
pub const READ_VERBS: &[&str] = &["get", "list", "watch"];

/// Resources whose `create` lets a subject run a pod in the namespace, and so mount (or read
/// through env) any Secret there.
pub const POD_MAKERS: &[(&str, &str)] = &[
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
];

/// A subject's access, and what grants it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Access {
    /// `User alice`, `Group dev`, `ServiceAccount prod/api`.
    pub subject: String,
    /// The verbs allowed (`get`, `list`, `watch`; or `create pods`, `create deployments`, …).
    pub verbs: Vec<String>,
    /// The bindings that grant it (`ClusterRoleBinding x → ClusterRole y`).
    pub through: Vec<String>,
    /// Whether every grant is one of the API server's bootstrap bindings.
    pub builtin: bool,
    /// Whether the subject is a broad group ([`BROAD_GROUPS`], or all ServiceAccounts of a
    /// namespace).
    pub broad: bool,
}

/// An object that uses the Secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Use {
    /// `Deployment shop/api`.
    pub object: String,
    /// How: `volume`, `env`, `envFrom`, `imagePullSecrets`, `ingress TLS`, …
    pub via: String,
}

/// One Secret's exposure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretExposure {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `type`, when the input has it (live Secrets are read as metadata only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// `metadata.creationTimestamp`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Who can read it.
    pub readers: Vec<Access>,
    /// Who can mount it: run a pod in its namespace.
    pub mounters: Vec<Access>,
    /// What uses it.
    pub used_by: Vec<Use>,
    /// Nothing among the inputs uses it.
    pub unused: bool,
    /// A legacy ServiceAccount token (type `kubernetes.io/service-account-token`, or the
    /// `kubernetes.io/service-account.name` annotation): a non-expiring bearer token.
    pub legacy_token: bool,
    /// The broad groups among readers and mounters.
    pub broad: Vec<String>,
    /// Exposure, for sorting: subjects that are not built in, broad groups counted 100.
    pub score: u32,
}

fn via(v: &Via) -> &'static str {
    match v {
        Via::Volume => "volume",
        Via::ProjectedVolume => "projected volume",
        Via::Env => "env",
        Via::EnvFrom => "envFrom",
        Via::ImagePullSecret => "imagePullSecrets",
        Via::ServiceAccountSecret => "ServiceAccount secrets",
        Via::ServiceAccountImagePullSecret => "ServiceAccount imagePullSecrets",
        Via::TokenFor => "token of",
        Via::IngressTls => "ingress TLS",
        _ => "reference",
    }
}

fn broad(subject: &str) -> bool {
    subject
        .strip_prefix("Group ")
        .is_some_and(|g| BROAD_GROUPS.contains(&g) || g.starts_with("system:serviceaccounts:"))
}

/// Collects the grants of `req` into `acc`, by subject, under `verb`.
fn collect(m: &Model<'_>, req: &Request, verb: &str, acc: &mut BTreeMap<String, Access>) {
    for g in m.who_can(req) {
        let b = &m.bindings[g.binding];
        let Some(s) = b.subjects.get(g.subject) else {
            continue;
        };
        let subject = s.display();
        let through = format!("{} → {}", b.display(), m.roles[g.rule.role].display());
        let e = acc.entry(subject.clone()).or_insert_with(|| Access {
            broad: broad(&subject),
            subject,
            verbs: Vec::new(),
            through: Vec::new(),
            builtin: true,
        });
        if !e.verbs.iter().any(|v| v == verb) {
            e.verbs.push(verb.to_string());
        }
        if !e.through.contains(&through) {
            e.through.push(through);
        }
        e.builtin &= b.builtin;
    }
}

/// The exposure of every Secret in `inv` (of namespace `ns` only, when given), most exposed
/// first.
pub fn exposure(inv: &Inventory, m: &Model<'_>, ns: Option<&str>) -> Vec<SecretExposure> {
    let mut mounters_by_ns: BTreeMap<String, Vec<Access>> = BTreeMap::new();
    let mut out = Vec::new();
    for s in inv.of_kind("Secret") {
        let namespace = s.namespace().unwrap_or("default").to_string();
        if ns.is_some_and(|n| n != namespace) {
            continue;
        }
        let name = s.name().to_string();
        let mut readers = BTreeMap::new();
        for verb in READ_VERBS {
            // get names the object; list and watch read every Secret of the namespace.
            let object = if *verb == "get" { name.as_str() } else { "" };
            let req = Request::resource(verb, "", "secrets", "", object, &namespace);
            collect(m, &req, verb, &mut readers);
        }
        let mounters = mounters_by_ns
            .entry(namespace.clone())
            .or_insert_with(|| {
                let mut acc = BTreeMap::new();
                for (group, resource) in POD_MAKERS {
                    let req = Request::resource("create", group, resource, "", "", &namespace);
                    collect(m, &req, &format!("create {resource}"), &mut acc);
                }
                acc.into_values().collect()
            })
            .clone();
        let key = ObjectKey::of(s);
        let mut used_by: Vec<Use> = inv
            .references()
            .users_of(&key)
            .filter(|r| !matches!(r.via, Via::TokenFor))
            .map(|r| {
                let o = &inv.objects()[r.from];
                Use {
                    object: match o.namespace() {
                        Some(n) => format!("{} {n}/{}", o.kind(), o.name()),
                        None => format!("{} {}", o.kind(), o.name()),
                    },
                    via: via(&r.via).to_string(),
                }
            })
            .collect();
        used_by.dedup();
        let r#type = s
            .root
            .get("type")
            .and_then(|t| t.as_str())
            .map(str::to_string);
        let annotations = s.root.get("metadata").and_then(|m| m.get("annotations"));
        let legacy_token = r#type.as_deref() == Some("kubernetes.io/service-account-token")
            || annotations
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .is_some();
        let readers: Vec<Access> = readers.into_values().collect();
        let mut broad_groups = BTreeSet::new();
        let mut score = 0u32;
        let mut counted = BTreeSet::new();
        for a in readers.iter().chain(mounters.iter()) {
            if a.broad {
                broad_groups.insert(a.subject.trim_start_matches("Group ").to_string());
            }
            if !a.builtin && counted.insert(a.subject.clone()) {
                score += if a.broad { 100 } else { 1 };
            }
        }
        out.push(SecretExposure {
            created: s
                .root
                .get("metadata")
                .and_then(|m| m.get("creationTimestamp"))
                .and_then(|t| t.as_str())
                .map(str::to_string),
            unused: used_by.is_empty(),
            legacy_token,
            broad: broad_groups.into_iter().collect(),
            score,
            namespace,
            name,
            r#type,
            readers,
            mounters,
            used_by,
        });
    }
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.namespace.cmp(&b.namespace))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}
