//! `admission.k8s.io/v1` AdmissionReview: the request the API server sends, the response it
//! expects. Decoding is strict about what a decision needs (uid, kind, operation) and lenient
//! about the rest, so a newer API server's extra fields do not break it. Bodies larger than the
//! API server's own request limit are refused before they are parsed.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The largest body accepted: the API server's limit on a request body (3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// `group`, `version`, `kind` of the object.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct GroupVersionKind {
    /// API group (empty for core).
    pub group: String,
    /// Version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

/// `group`, `version`, `resource` (plural) of the request.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct GroupVersionResource {
    /// API group.
    pub group: String,
    /// Version.
    pub version: String,
    /// Plural resource name.
    pub resource: String,
}

/// Who sent the request.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct UserInfo {
    /// Username.
    pub username: String,
    /// Groups.
    pub groups: Vec<String>,
}

/// What the request does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// CREATE.
    Create,
    /// UPDATE.
    Update,
    /// DELETE.
    Delete,
    /// CONNECT.
    Connect,
}

impl Operation {
    /// As written in the review.
    pub fn as_str(&self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }
}

/// One admission request.
#[derive(Clone, Debug)]
pub struct Request {
    /// Echoed in the response.
    pub uid: String,
    /// The object's kind.
    pub kind: GroupVersionKind,
    /// The resource.
    pub resource: GroupVersionResource,
    /// Subresource (`status`, `scale`), empty for the object itself.
    pub sub_resource: String,
    /// The object's name (may be empty on CREATE with `generateName`).
    pub name: String,
    /// The namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// The operation.
    pub operation: Operation,
    /// The requester.
    pub user: UserInfo,
    /// The object as it would be stored (CREATE, UPDATE).
    pub object: Option<serde_json::Value>,
    /// The stored object (UPDATE, DELETE).
    pub old_object: Option<serde_json::Value>,
    /// Whether nothing will be persisted.
    pub dry_run: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReview {
    api_version: Option<String>,
    kind: Option<String>,
    request: Option<RawRequest>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRequest {
    uid: Option<String>,
    kind: Option<GroupVersionKind>,
    #[serde(default)]
    resource: GroupVersionResource,
    #[serde(default)]
    sub_resource: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    operation: Option<String>,
    #[serde(default)]
    user_info: UserInfo,
    #[serde(default)]
    object: Option<serde_json::Value>,
    #[serde(default)]
    old_object: Option<serde_json::Value>,
    #[serde(default)]
    dry_run: Option<bool>,
}

/// Why a body is not an AdmissionReview the webhook can decide on; the message says what was
/// expected. Answered with 400 (413 for [`DecodeError::TooLarge`]).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// Over [`MAX_BODY`].
    #[error("request body of {0} bytes is over the limit of {MAX_BODY} bytes")]
    TooLarge(usize),
    /// Not JSON of the right shape.
    #[error("not an AdmissionReview: {0}")]
    Malformed(String),
    /// JSON, but not what the webhook serves.
    #[error("{0}")]
    Unsupported(String),
}

/// Decodes an AdmissionReview body.
pub fn decode(body: &[u8]) -> Result<Request, DecodeError> {
    if body.len() > MAX_BODY {
        return Err(DecodeError::TooLarge(body.len()));
    }
    // serde_json refuses nesting deeper than 128 levels, so hostile depth is an error, not a
    // stack overflow; sizes are bounded by MAX_BODY.
    let raw: RawReview = serde_json::from_slice(body).map_err(|e| {
        DecodeError::Malformed(format!("line {} column {}: {e}", e.line(), e.column()))
    })?;
    if raw.api_version.as_deref() != Some("admission.k8s.io/v1")
        || raw.kind.as_deref() != Some("AdmissionReview")
    {
        return Err(DecodeError::Unsupported(format!(
            "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, found {} {}; set admissionReviewVersions: [v1] in the webhook configuration",
            show(raw.api_version.as_deref()),
            show(raw.kind.as_deref())
        )));
    }
    let r = raw
        .request
        .ok_or_else(|| DecodeError::Malformed("`request` is missing".into()))?;
    let uid = r
        .uid
        .filter(|u| !u.is_empty())
        .ok_or_else(|| DecodeError::Malformed("`request.uid` is missing or empty".into()))?;
    let kind = r
        .kind
        .filter(|k| !k.kind.is_empty())
        .ok_or_else(|| DecodeError::Malformed("`request.kind.kind` is missing".into()))?;
    let operation = match r.operation.as_deref() {
        Some("CREATE") => Operation::Create,
        Some("UPDATE") => Operation::Update,
        Some("DELETE") => Operation::Delete,
        Some("CONNECT") => Operation::Connect,
        other => {
            return Err(DecodeError::Malformed(format!(
                "`request.operation` is {}, not CREATE, UPDATE, DELETE or CONNECT",
                show(other)
            )));
        }
    };
    let object = r.object.filter(|o| !o.is_null());
    if let Some(o) = &object
        && !o.is_object()
    {
        return Err(DecodeError::Malformed(
            "`request.object` is not a JSON object".into(),
        ));
    }
    Ok(Request {
        uid,
        kind,
        resource: r.resource,
        sub_resource: r.sub_resource.unwrap_or_default(),
        name: r.name.unwrap_or_default(),
        namespace: r.namespace.unwrap_or_default(),
        operation,
        user: r.user_info,
        object,
        old_object: r.old_object.filter(|o| !o.is_null()),
        dry_run: r.dry_run.unwrap_or(false),
    })
}

fn show(v: Option<&str>) -> String {
    match v {
        Some(s) => serde_json::to_string(s).unwrap_or_default(),
        None => "nothing".into(),
    }
}

/// The response to one request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The request's uid.
    pub uid: String,
    /// The verdict.
    pub allowed: bool,
    /// Why it was denied (absent when allowed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Shown to the client (kubectl prints each as `Warning: …`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Added to the request's audit event, each key prefixed by the API server with the
    /// webhook's name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub audit_annotations: BTreeMap<String, String>,
}

/// A denial's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    /// HTTP-style code the API server returns to the client (403).
    pub code: u16,
    /// `Forbidden`.
    pub reason: String,
    /// The message the client sees after `admission webhook "…" denied the request: `.
    pub message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReviewOut<'a> {
    api_version: &'static str,
    kind: &'static str,
    response: &'a Response,
}

/// The AdmissionReview body answering with `r`.
pub fn encode(r: &Response) -> Vec<u8> {
    serde_json::to_vec(&ReviewOut {
        api_version: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        response: r,
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"a","operation":"CREATE","userInfo":{"username":"alice","groups":["dev"]},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}},"dryRun":true,"options":{"fieldManager":"kubectl"},"newField":1}}"#;

    #[test]
    fn a_review_decodes_and_unknown_fields_are_ignored() {
        let r = decode(POD.as_bytes()).unwrap();
        assert_eq!(r.uid, "u-1");
        assert_eq!(r.kind.kind, "Pod");
        assert_eq!(r.resource.resource, "pods");
        assert_eq!(r.operation, Operation::Create);
        assert_eq!(r.user.username, "alice");
        assert!(r.dry_run);
        assert_eq!(r.namespace, "a");
        assert!(r.object.is_some() && r.old_object.is_none());
    }

    #[test]
    fn hostile_bodies_are_errors_that_say_what_is_wrong() {
        let deep = format!(
            r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"u","object":{{"a":{}{}}}}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"".to_vec(), "line 1"),
            (b"not json".to_vec(), "line 1"),
            (deep.into_bytes(), "recursion limit"),
            (POD.as_bytes()[..POD.len() / 2].to_vec(), "EOF"),
            (
                br#"{"apiVersion":"v1","kind":"Pod"}"#.to_vec(),
                "admissionReviewVersions",
            ),
            (
                br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"#.to_vec(),
                "admission.k8s.io/v1beta1",
            ),
            (
                br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#.to_vec(),
                "`request` is missing",
            ),
            (POD.replace("\"u-1\"", "7").into_bytes(), "invalid type"),
            (POD.replace("CREATE", "EXPLODE").into_bytes(), "EXPLODE"),
            (
                POD.replace(
                    r#""object":{"apiVersion""#,
                    r#""object":[1],"x":{"apiVersion""#,
                )
                .into_bytes(),
                "not a JSON object",
            ),
            (vec![b' '; MAX_BODY + 1], "over the limit"),
        ];
        for (body, want) in cases {
            let e = decode(&body).unwrap_err().to_string();
            assert!(e.contains(want), "{e:?} should mention {want:?}");
        }
    }

    #[test]
    fn a_response_is_an_admission_review() {
        let r = Response {
            uid: "u-1".into(),
            allowed: false,
            status: Some(Status {
                code: 403,
                reason: "Forbidden".into(),
                message: "no".into(),
            }),
            warnings: vec!["w".into()],
            audit_annotations: BTreeMap::from([("k".into(), "v".into())]),
        };
        let v: serde_json::Value = serde_json::from_slice(&encode(&r)).unwrap();
        assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(v["response"]["uid"], "u-1");
        assert_eq!(v["response"]["allowed"], false);
        assert_eq!(v["response"]["status"]["code"], 403);
        assert_eq!(v["response"]["warnings"][0], "w");
        assert_eq!(v["response"]["auditAnnotations"]["k"], "v");
        let ok = Response {
            uid: "u".into(),
            allowed: true,
            ..Response::default()
        };
        let v: serde_json::Value = serde_json::from_slice(&encode(&ok)).unwrap();
        assert!(v["response"].get("status").is_none() && v["response"].get("warnings").is_none());
    }
}
