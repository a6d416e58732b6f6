//! The plan and the plan file format.
//!
//! A plan says everything `apply` will do for one target, and nothing else (computed by
//! `stockade_deprovision::plan`). The JSON form (`-o json`) is the plan *file* that `apply`
//! reads. Its shape is versioned by `apiVersion`/`kind` ([`API_VERSION`], [`KIND`]) and
//! documented in docs/deprovision.md; fields are only ever added. A plan made from a live
//! cluster records each object's `uid` and `resourceVersion`, which apply turns into
//! preconditions.

use crate::target::Target;
use serde::{Deserialize, Serialize};
use stockade_inventory::Object;
use stockade_inventory::references::namespace_of;
use stockade_sources::Node;

/// `apiVersion` of a plan file.
pub const API_VERSION: &str = "stockade.dev/v1alpha1";
/// `kind` of a plan file.
pub const KIND: &str = "DeprovisionPlan";

/// An object a plan acts on or mentions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Namespace (absent for cluster-scoped kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// `metadata.uid` when the plan was made from a cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// `metadata.resourceVersion` when the plan was made from a cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

impl ObjRef {
    /// The reference to an inventory object (namespace normalized, uid and resourceVersion when
    /// the object has them).
    pub fn of(o: &Object) -> ObjRef {
        let meta = |k: &str| {
            o.metadata()
                .and_then(|m| m.get(k))
                .and_then(Node::as_str)
                .map(str::to_string)
        };
        ObjRef {
            api_version: o.api_version().to_string(),
            kind: o.kind().to_string(),
            namespace: namespace_of(o).map(str::to_string),
            name: o.name().to_string(),
            uid: meta("uid"),
            resource_version: meta("resourceVersion"),
        }
    }

    /// `Kind ns/name` or `Kind name`.
    pub fn display(&self) -> String {
        // For people: names come from the cluster, so control characters are shown escaped
        // and the result is one line.
        let t = stockade_model::escape::terminal_line;
        match &self.namespace {
            Some(ns) => format!("{} {}/{}", t(&self.kind), t(ns), t(&self.name)),
            None => format!("{} {}", t(&self.kind), t(&self.name)),
        }
    }

    /// The same reference without uid and resourceVersion.
    pub fn identity(&self) -> ObjRef {
        ObjRef {
            uid: None,
            resource_version: None,
            ..self.clone()
        }
    }
}

/// What an action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    /// Delete the object.
    Delete,
    /// Remove the listed subjects from a binding, keeping the others.
    RemoveSubjects,
    /// Mark a Node unschedulable (`spec.unschedulable`), as `kubectl cordon` does.
    Cordon,
    /// Evict a Pod through the Eviction API, which honours its PodDisruptionBudgets.
    Evict,
}

impl Op {
    /// The name used in the journal and in reports (`delete`, `removeSubjects`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Delete => "delete",
            Op::RemoveSubjects => "removeSubjects",
            Op::Cordon => "cordon",
            Op::Evict => "evict",
        }
    }
}

/// A binding subject as written in the binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// Position in `subjects` when the plan was made.
    pub index: usize,
    /// `kind`.
    pub kind: String,
    /// `name`.
    pub name: String,
    /// `namespace` (ServiceAccounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `apiGroup` as written (the API server fills it in for users and groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
}

impl Subject {
    /// The subject as the binding holds it (what a JSON-patch `test` compares with).
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(g) = &self.api_group {
            m.insert("apiGroup".into(), g.clone().into());
        }
        m.insert("kind".into(), self.kind.clone().into());
        m.insert("name".into(), self.name.clone().into());
        if let Some(ns) = &self.namespace {
            m.insert("namespace".into(), ns.clone().into());
        }
        serde_json::Value::Object(m)
    }

    /// Whether a subject entry of a live binding is this one (apiGroup aside).
    pub fn matches(&self, v: &serde_json::Value) -> bool {
        v.get("kind").and_then(|x| x.as_str()) == Some(self.kind.as_str())
            && v.get("name").and_then(|x| x.as_str()) == Some(self.name.as_str())
            && v.get("namespace").and_then(|x| x.as_str()) == self.namespace.as_deref()
    }

    /// `User alice`, `ServiceAccount ns/name`.
    pub fn display(&self) -> String {
        // For people: names come from the cluster, so control characters are shown escaped
        // and the result is one line.
        let t = stockade_model::escape::terminal_line;
        match &self.namespace {
            Some(ns) => format!("{} {}/{}", t(&self.kind), t(ns), t(&self.name)),
            None => format!("{} {}", t(&self.kind), t(&self.name)),
        }
    }
}

/// One step of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// What to do.
    pub op: Op,
    /// To which object.
    pub object: ObjRef,
    /// For `removeSubjects`: the subjects to remove.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    /// Why the plan does it.
    pub reason: String,
    /// Undo cannot bring the object back as it was (a Secret's values are never stored).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub irreversible: bool,
    /// What the user should know about this action (irreversibility, new tokens, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// An object the plan deliberately leaves alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kept {
    /// The object.
    pub object: ObjRef,
    /// Why it is kept (`still used by …`, `built-in role`, …).
    pub reason: String,
}

/// Where the plan's objects came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanSource {
    /// `cluster` or `manifests`.
    pub kind: String,
    /// The kubeconfig context, for `cluster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

/// A de-provisioning plan (the plan file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// [`API_VERSION`].
    pub api_version: String,
    /// [`KIND`].
    pub kind: String,
    /// The target, in command-line form (`user:alice`).
    pub target: String,
    /// Where the objects came from.
    pub source: PlanSource,
    /// When the plan was made (RFC 3339, UTC).
    pub created_at: String,
    /// The Stockade version that made it.
    pub stockade_version: String,
    /// What apply does, in order.
    pub actions: Vec<Action>,
    /// What is kept, and why.
    #[serde(default)]
    pub kept: Vec<Kept>,
    /// Objects that go away with a deleted owner or namespace (garbage collector, namespace
    /// controller); apply does not delete them itself.
    #[serde(default)]
    pub cascade: Vec<ObjRef>,
    /// Plan-wide notes (what Stockade cannot revoke, manifests without preconditions, …).
    #[serde(default)]
    pub notes: Vec<String>,
    /// For a node target: what the node's credentials could read through the pods bound to it
    /// when the plan was made (Secrets, ConfigMaps, PersistentVolumeClaims, ServiceAccounts);
    /// `verify` asks SubjectAccessReview, as the node, about each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_reads: Vec<ObjRef>,
    /// For a node target: the node's client certificates that CSRs show were issued, which
    /// Kubernetes cannot revoke.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
}

/// A client certificate issued to a node (from an approved CertificateSigningRequest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// The CSR it was issued through.
    pub csr: String,
    /// Its subject common name (`system:node:NAME`).
    pub subject: String,
    /// Its signer (`kubernetes.io/kube-apiserver-client-kubelet`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub signer: String,
    /// Its serial number (hex), to name it to the certificate authority.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub serial: String,
    /// When it expires (RFC 3339, UTC).
    pub not_after: String,
}

/// Why a plan cannot be made or read.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A namespace or workload target is not among the inputs.
    #[error("{} is not among the inputs", stockade_model::escape::terminal_line(.0))]
    TargetNotFound(String),
    /// A plan file is not valid JSON or not a plan (what it quotes from the file is shown
    /// escaped).
    #[error("not a Stockade de-provisioning plan: {}", stockade_model::escape::terminal_line(.0))]
    Invalid(String),
}

impl Plan {
    /// Reads a plan file's text, checking `apiVersion` and `kind`.
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let plan: Plan =
            serde_json::from_str(text).map_err(|e| PlanError::Invalid(e.to_string()))?;
        if plan.api_version != API_VERSION || plan.kind != KIND {
            return Err(PlanError::Invalid(format!(
                "apiVersion/kind is {}/{}, expected {API_VERSION}/{KIND}",
                plan.api_version, plan.kind
            )));
        }
        Target::parse(&plan.target).map_err(|e| PlanError::Invalid(e.to_string()))?;
        Ok(plan)
    }

    /// Actions that delete an object.
    pub fn deletes(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| a.op == Op::Delete)
    }
}
