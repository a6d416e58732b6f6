//! The few API calls de-provisioning makes, as blocking functions over a kube-rs client built
//! by `stockade-cluster` (same kubeconfig handling as a scan): get, delete with preconditions,
//! JSON patch, create, all with optional server-side dry-run; SelfSubjectReview (who runs
//! apply) and SubjectAccessReview (verify). URLs come from the resource table of
//! `stockade-cluster`, so only kinds Stockade knows are acted on.

use crate::plan::ObjRef;
use serde_json::{Value, json};
use stockade_cluster::{ClusterError, ClusterOptions, Connection, Resource};

/// An API call that did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The API server answered with an error status.
    #[error("{code} {reason}: {message}")]
    Status {
        /// HTTP status code.
        code: u16,
        /// `reason` of the Status (`Conflict`, `NotFound`, …).
        reason: String,
        /// Its message.
        message: String,
    },
    /// The call did not get an answer, or the kind is unknown.
    #[error("{0}")]
    Other(String),
}

impl ApiError {
    /// The HTTP status code, when the server answered.
    pub fn code(&self) -> Option<u16> {
        match self {
            ApiError::Status { code, .. } => Some(*code),
            ApiError::Other(_) => None,
        }
    }
}

/// A connected cluster.
pub struct Api {
    rt: tokio::runtime::Runtime,
    conn: Connection,
}

fn resource_of(r: &ObjRef) -> Result<&'static Resource, ApiError> {
    stockade_deprovision_model::resource::resource_of(r).ok_or_else(|| {
        ApiError::Other(format!(
            "Stockade does not act on kind {}",
            stockade_model::escape::terminal_line(&r.kind)
        ))
    })
}

/// The URL of an object. The namespace and name are percent-encoded path segments, so a name
/// such as `frag#x` or `keep?dryRun=All` addresses exactly that object.
pub fn object_url(r: &ObjRef) -> Result<String, ApiError> {
    let res = scoped_resource_of(r)?;
    // An empty name would address the collection: a DELETE there deletes every object in it.
    if r.name.is_empty() {
        return Err(ApiError::Other(format!(
            "a {} without a name cannot be addressed",
            stockade_model::escape::terminal_line(&r.kind)
        )));
    }
    Ok(format!(
        "{}/{}",
        res.list_url(r.namespace.as_deref()),
        stockade_model::escape::url_path_segment(&r.name)
    ))
}

/// The URL of the collection an object is created in.
pub fn collection_url(r: &ObjRef) -> Result<String, ApiError> {
    Ok(scoped_resource_of(r)?.list_url(r.namespace.as_deref()))
}

/// The resource of an object whose namespace fits its kind: a namespaced kind without a
/// namespace would address the cluster-wide path, where the object is never found (and
/// "already gone" would be reported while it still exists).
fn scoped_resource_of(r: &ObjRef) -> Result<&'static Resource, ApiError> {
    let res = resource_of(r)?;
    if res.namespaced && r.namespace.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::Other(format!(
            "{} is namespaced but names no namespace",
            r.display()
        )));
    }
    Ok(res)
}

pub use stockade_deprovision_model::resource::kubectl_resource;

fn with_dry_run(url: String, dry_run: bool) -> String {
    if dry_run {
        format!("{url}?dryRun=All")
    } else {
        url
    }
}

impl Api {
    /// Connects as `opts` says.
    pub fn connect(opts: &ClusterOptions) -> Result<Api, ClusterError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClusterError::Connect(format!("cannot start the async runtime: {e}")))?;
        let conn = rt.block_on(stockade_cluster::connect(opts))?;
        Ok(Api { rt, conn })
    }

    /// The context name (or `in-cluster`).
    pub fn cluster(&self) -> &str {
        &self.conn.cluster
    }

    /// The API server URL.
    pub fn server(&self) -> &str {
        &self.conn.server
    }

    fn call(
        &self,
        method: http::Method,
        url: &str,
        body: Option<(&Value, &str)>,
    ) -> Result<Value, ApiError> {
        let mut req = http::Request::builder().method(method).uri(url);
        let bytes = match body {
            Some((v, ctype)) => {
                req = req.header(http::header::CONTENT_TYPE, ctype);
                serde_json::to_vec(v).map_err(|e| ApiError::Other(e.to_string()))?
            }
            None => Vec::new(),
        };
        let req = req
            .body(bytes)
            .map_err(|e| ApiError::Other(e.to_string()))?;
        let client = self.conn.client.clone();
        self.rt
            .block_on(async move { client.request::<Value>(req).await })
            .map_err(|e| match e {
                kube::Error::Api(s) => ApiError::Status {
                    code: s.code,
                    reason: s.reason.clone(),
                    message: s.message.clone(),
                },
                other => ApiError::Other(other.to_string()),
            })
    }

    /// The object as it is now; `None` when it does not exist.
    pub fn get(&self, r: &ObjRef) -> Result<Option<Value>, ApiError> {
        match self.call(http::Method::GET, &object_url(r)?, None) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes an object only if it still has this uid and (when not empty) resourceVersion.
    /// Objects whose status is rewritten all the time (a Node, a Pod, a Lease) are pinned by
    /// uid alone: a heartbeat would otherwise fail every precondition.
    pub fn delete(&self, r: &ObjRef, uid: &str, rv: &str, dry_run: bool) -> Result<(), ApiError> {
        let preconditions = if rv.is_empty() {
            json!({"uid": uid})
        } else {
            json!({"uid": uid, "resourceVersion": rv})
        };
        let mut body = json!({
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "preconditions": preconditions,
            "propagationPolicy": "Background",
        });
        // With a body, the API server reads the options from it and ignores the query.
        if dry_run {
            body["dryRun"] = json!(["All"]);
        }
        self.call(
            http::Method::DELETE,
            &with_dry_run(object_url(r)?, dry_run),
            Some((&body, "application/json")),
        )
        .map(|_| ())
    }

    /// Applies a JSON patch (RFC 6902); returns the patched object.
    pub fn json_patch(&self, r: &ObjRef, patch: &Value, dry_run: bool) -> Result<Value, ApiError> {
        self.call(
            http::Method::PATCH,
            &with_dry_run(object_url(r)?, dry_run),
            Some((patch, "application/json-patch+json")),
        )
    }

    /// Evicts a pod through the Eviction API (`policy/v1`), only if it still has this uid.
    /// The API server refuses with 429 while a PodDisruptionBudget allows no disruption.
    pub fn evict(&self, r: &ObjRef, uid: &str, dry_run: bool) -> Result<(), ApiError> {
        let mut options = json!({"preconditions": {"uid": uid}});
        if dry_run {
            options["dryRun"] = json!(["All"]);
        }
        let body = json!({
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": r.name, "namespace": r.namespace},
            "deleteOptions": options,
        });
        self.call(
            http::Method::POST,
            // dryRun in the query too, so the audit log tells the dry run apart.
            &with_dry_run(format!("{}/eviction", object_url(r)?), dry_run),
            Some((&body, "application/json")),
        )
        .map(|_| ())
    }

    /// Every object of a kind (cluster-wide), each with `apiVersion` and `kind` filled in.
    pub fn list(&self, api_version: &str, kind: &str) -> Result<Vec<Value>, ApiError> {
        let probe = ObjRef {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: None,
            name: String::new(),
            uid: None,
            resource_version: None,
        };
        let url = resource_of(&probe)?.list_url(None);
        let v = self.call(http::Method::GET, &url, None)?;
        let items = v
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(items
            .into_iter()
            .map(|mut o| {
                if let Some(m) = o.as_object_mut() {
                    m.insert("apiVersion".into(), api_version.into());
                    m.insert("kind".into(), kind.into());
                }
                o
            })
            .collect())
    }

    /// Creates an object; returns it as created.
    pub fn create(&self, r: &ObjRef, body: &Value, dry_run: bool) -> Result<Value, ApiError> {
        self.call(
            http::Method::POST,
            &with_dry_run(collection_url(r)?, dry_run),
            Some((body, "application/json")),
        )
    }

    /// The user name the credentials authenticate as (SelfSubjectReview).
    pub fn whoami(&self) -> Option<String> {
        let body = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
        let v = self
            .call(
                http::Method::POST,
                "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                Some((&body, "application/json")),
            )
            .ok()?;
        v.pointer("/status/userInfo/username")
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// Asks SubjectAccessReview; returns (allowed, reason).
    pub fn access_review(&self, spec: &Value) -> Result<(bool, String), ApiError> {
        let body = json!({
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": spec,
        });
        let v = self.call(
            http::Method::POST,
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            Some((&body, "application/json")),
        )?;
        let allowed = v
            .pointer("/status/allowed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let reason = v
            .pointer("/status/reason")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        Ok((allowed, reason))
    }
}

#[cfg(test)]
mod url_tests {
    use super::*;

    fn binding(name: &str, ns: &str) -> ObjRef {
        ObjRef {
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: "RoleBinding".into(),
            namespace: Some(ns.into()),
            name: name.into(),
            uid: None,
            resource_version: None,
        }
    }

    #[test]
    fn hostile_names_stay_one_path_segment() {
        let base = "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings/";
        for (name, enc) in [
            ("frag#x", "frag%23x"),
            ("keep?dryRun=All", "keep%3FdryRun%3DAll"),
            ("a b", "a%20b"),
            ("it's", "it%27s"),
            ("$HOME", "%24HOME"),
            ("../../clusterroles/admin", "..%2F..%2Fclusterroles%2Fadmin"),
            ("100%", "100%25"),
        ] {
            assert_eq!(
                object_url(&binding(name, "shop")).unwrap(),
                format!("{base}{enc}")
            );
        }
        assert_eq!(
            with_dry_run(
                object_url(&binding("keep?dryRun=All", "shop")).unwrap(),
                true
            ),
            format!("{base}keep%3FdryRun%3DAll?dryRun=All")
        );
    }

    #[test]
    fn an_object_without_a_name_or_namespace_is_never_addressed() {
        // Either would reach another URL: the collection (a DELETE there deletes all of it), or
        // the cluster-wide path where a namespaced object is never found.
        assert!(object_url(&binding("", "shop")).is_err());
        assert!(object_url(&binding("x", "")).is_err());
        let mut no_ns = binding("x", "shop");
        no_ns.namespace = None;
        assert!(object_url(&no_ns).is_err());
        assert!(collection_url(&no_ns).is_err());
        let mut unknown = binding("x", "shop");
        unknown.kind = "Evil\u{1b}[2J".into();
        let e = object_url(&unknown).unwrap_err().to_string();
        assert!(!e.contains('\u{1b}'), "{e}");
    }
}
