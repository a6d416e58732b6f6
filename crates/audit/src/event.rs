//! The `audit.k8s.io/v1` Event as kube-apiserver's log and webhook backends write it, decoded
//! into typed structs that borrow from the input line wherever the JSON has no escapes.
//!
//! Request and response bodies stay raw (`&RawValue`: validated, not decoded) so that the common
//! case — a rule that only looks at the user, verb and object — costs nothing for them; the few
//! rules that read a body decode it on demand.
//!
//! Field semantics follow `k8s.io/apiserver/pkg/apis/audit/v1` (types.go).

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The only event version Stockade reads.
pub const API_VERSION: &str = "audit.k8s.io/v1";

/// A string borrowed from the input when it has no escapes.
pub type Str<'a> = Cow<'a, str>;

/// A string in a list (groups, source IPs), borrowed from the input when it has no escapes
/// (serde only borrows a `Cow` that is a field of its own, not one inside a `Vec`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct W<'a>(#[serde(borrow)] Cow<'a, str>);
        W::deserialize(d).map(|w| Text(w.0))
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One audit event.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    /// `Event`.
    #[serde(borrow, default)]
    pub kind: Cow<'a, str>,
    /// `audit.k8s.io/v1`.
    #[serde(borrow, default)]
    pub api_version: Cow<'a, str>,
    /// `None`, `Metadata`, `Request` or `RequestResponse`.
    #[serde(borrow, default)]
    pub level: Cow<'a, str>,
    /// Unique id of the request; shared by the events of its stages.
    #[serde(borrow, default, rename = "auditID")]
    pub audit_id: Cow<'a, str>,
    /// `RequestReceived`, `ResponseStarted`, `ResponseComplete` or `Panic`; `ResponseComplete`
    /// when the event does not say.
    #[serde(borrow, default)]
    pub stage: Cow<'a, str>,
    /// The request URI as sent by the client.
    #[serde(borrow, default, rename = "requestURI")]
    pub request_uri: Cow<'a, str>,
    /// The Kubernetes verb (`get`, `list`, `create`, …) or the lower-cased HTTP method for
    /// non-resource requests.
    #[serde(borrow, default)]
    pub verb: Cow<'a, str>,
    /// The authenticated user (empty when authentication failed).
    #[serde(borrow, default)]
    pub user: UserInfo<'a>,
    /// The user being impersonated, when the request impersonates.
    #[serde(borrow, default)]
    pub impersonated_user: Option<UserInfo<'a>>,
    /// Client addresses: the source IP then any `X-Forwarded-For` / `X-Real-Ip` entries.
    #[serde(borrow, default, rename = "sourceIPs")]
    pub source_ips: Vec<Text<'a>>,
    /// The client's user agent.
    #[serde(borrow, default)]
    pub user_agent: Cow<'a, str>,
    /// The object of a resource request (absent for non-resource URLs such as `/version`).
    #[serde(borrow, default)]
    pub object_ref: Option<ObjectReference<'a>>,
    /// The response status (absent at stage `RequestReceived`).
    #[serde(borrow, default)]
    pub response_status: Option<ResponseStatus<'a>>,
    /// The request body, at levels `Request` and `RequestResponse`.
    #[serde(borrow, default)]
    pub request_object: Option<&'a RawValue>,
    /// The response body, at level `RequestResponse`.
    #[serde(borrow, default)]
    pub response_object: Option<&'a RawValue>,
    /// When the request reached the API server (RFC 3339, microseconds).
    #[serde(borrow, default)]
    pub request_received_timestamp: Cow<'a, str>,
    /// When this stage was reached.
    #[serde(borrow, default)]
    pub stage_timestamp: Cow<'a, str>,
    /// Annotations set by authorizers and admission plugins (decision, PodSecurity, deprecation).
    #[serde(borrow, default)]
    pub annotations: Annotations<'a>,
}

/// `authentication.k8s.io/v1` UserInfo.
#[derive(Debug, Deserialize, Default)]
pub struct UserInfo<'a> {
    /// The user name (`system:serviceaccount:ns:name` for service accounts).
    #[serde(borrow, default)]
    pub username: Cow<'a, str>,
    /// The user's uid.
    #[serde(borrow, default)]
    pub uid: Cow<'a, str>,
    /// The user's groups.
    #[serde(borrow, default)]
    pub groups: Vec<Text<'a>>,
}

/// The object a resource request is about.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference<'a> {
    /// Plural resource name (`pods`).
    #[serde(borrow, default)]
    pub resource: Cow<'a, str>,
    /// Namespace, empty for cluster-scoped objects and cluster-wide lists.
    #[serde(borrow, default)]
    pub namespace: Cow<'a, str>,
    /// Name, empty for lists and for creates whose name the server generates.
    #[serde(borrow, default)]
    pub name: Cow<'a, str>,
    /// API group, empty for the core group.
    #[serde(borrow, default)]
    pub api_group: Cow<'a, str>,
    /// API version.
    #[serde(borrow, default)]
    pub api_version: Cow<'a, str>,
    /// Subresource (`exec`, `token`, `approval`, `proxy`, …).
    #[serde(borrow, default)]
    pub subresource: Cow<'a, str>,
}

/// The parts of the response `Status` that matter here.
#[derive(Debug, Deserialize, Default)]
pub struct ResponseStatus<'a> {
    /// HTTP status code.
    #[serde(default)]
    pub code: u32,
    /// `Success` or `Failure` (often absent on success).
    #[serde(borrow, default)]
    pub status: Cow<'a, str>,
    /// A machine-readable reason (`Forbidden`, `Unauthorized`, …).
    #[serde(borrow, default)]
    pub reason: Cow<'a, str>,
    /// A human-readable message.
    #[serde(borrow, default)]
    pub message: Cow<'a, str>,
}

/// Annotations, kept as a small list (events carry a handful) to avoid a map per event.
#[derive(Debug, Default)]
pub struct Annotations<'a>(pub Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> Annotations<'a> {
    /// The value of an annotation.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Annotations<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Annotations<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Annotations::default())
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Self::Value, M::Error> {
                let mut v = Vec::new();
                while let Some((k, val)) = m.next_entry::<Borrowed<'a>, Borrowed<'a>>()? {
                    v.push((k.0, val.0));
                }
                Ok(Annotations(v))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A `Cow<str>` that borrows when it can (serde's `Cow` deserialization always allocates unless
/// `#[serde(borrow)]` is on a field; this newtype carries that for map entries).
struct Borrowed<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Borrowed<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct W<'a>(#[serde(borrow)] Cow<'a, str>);
        W::deserialize(d).map(|w| Borrowed(w.0))
    }
}

/// An `EventList`, as the webhook backend posts it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventList<'a> {
    /// `EventList`.
    #[serde(borrow, default)]
    pub kind: Cow<'a, str>,
    /// `audit.k8s.io/v1`.
    #[serde(borrow, default)]
    pub api_version: Cow<'a, str>,
    /// The events, kept raw so a bad one does not spoil the others.
    #[serde(borrow, default)]
    pub items: Vec<&'a RawValue>,
}

/// Why a line or item is not an event Stockade can analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// Not JSON, or JSON of the wrong shape (the serde message, with the column).
    Json(String),
    /// A JSON object that is not an audit Event.
    NotAnEvent(String),
    /// An Event of another version.
    UnknownVersion(String),
}

impl EventError {
    /// A short code for diagnostics.
    pub fn code(&self) -> &'static str {
        match self {
            EventError::Json(_) => "audit-invalid-json",
            EventError::NotAnEvent(_) => "audit-not-an-event",
            EventError::UnknownVersion(_) => "audit-unknown-version",
        }
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::Json(m) => write!(f, "not a JSON audit event: {m}"),
            EventError::NotAnEvent(k) => write!(
                f,
                "JSON object of kind `{k}` is not an audit Event (expected kind Event, apiVersion {API_VERSION})"
            ),
            EventError::UnknownVersion(v) => write!(
                f,
                "audit event of apiVersion `{v}` is not supported (expected {API_VERSION}; kube-apiserver has written v1 since 1.12: set --audit-log-version / --audit-webhook-version to audit.k8s.io/v1)"
            ),
        }
    }
}

/// Parses one event, borrowing from `text`.
pub fn parse(text: &str) -> Result<Event<'_>, EventError> {
    let ev: Event<'_> = serde_json::from_str(text).map_err(|e| EventError::Json(e.to_string()))?;
    check(ev)
}

fn check(mut ev: Event<'_>) -> Result<Event<'_>, EventError> {
    if ev.kind != "Event" {
        return Err(EventError::NotAnEvent(ev.kind.into_owned()));
    }
    if ev.api_version != API_VERSION {
        return Err(EventError::UnknownVersion(ev.api_version.into_owned()));
    }
    // kube-apiserver always writes a stage; an event without one (written by hand, or by a tool
    // that drops the field) is taken as the record of a completed request, so it is analysed
    // and counted instead of silently skipped as an intermediate stage.
    if ev.stage.is_empty() {
        ev.stage = Cow::Borrowed("ResponseComplete");
    }
    // kube-apiserver records a Namespace's own name as its namespace; a Namespace is
    // cluster-scoped, so drop it (messages would say `ns/ns`).
    if let Some(o) = &mut ev.object_ref
        && o.resource == "namespaces"
        && o.api_group.is_empty()
        && o.namespace == o.name
    {
        o.namespace = Cow::Borrowed("");
    }
    Ok(ev)
}

/// Parses an `EventList` body (or a single Event, which some proxies post unwrapped); each item
/// is parsed on its own so one bad item is reported without losing the rest.
pub fn parse_list(text: &str) -> Result<Vec<Result<Event<'_>, EventError>>, EventError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head<'a> {
        #[serde(borrow, default)]
        kind: Cow<'a, str>,
    }
    let head: Head<'_> = serde_json::from_str(text).map_err(|e| EventError::Json(e.to_string()))?;
    if head.kind == "Event" {
        return Ok(vec![parse(text)]);
    }
    let list: EventList<'_> =
        serde_json::from_str(text).map_err(|e| EventError::Json(e.to_string()))?;
    if list.kind != "EventList" {
        return Err(EventError::NotAnEvent(list.kind.into_owned()));
    }
    if list.api_version != API_VERSION {
        return Err(EventError::UnknownVersion(list.api_version.into_owned()));
    }
    Ok(list.items.iter().map(|raw| parse_item(raw.get())).collect())
}

/// Parses one item of an `EventList`. kube-apiserver's webhook backend sends items without
/// their own `kind`/`apiVersion` (the list carries them), so a missing one means the list's.
fn parse_item(text: &str) -> Result<Event<'_>, EventError> {
    let mut ev: Event<'_> =
        serde_json::from_str(text).map_err(|e| EventError::Json(e.to_string()))?;
    if ev.kind.is_empty() {
        ev.kind = Cow::Borrowed("Event");
    }
    if ev.api_version.is_empty() {
        ev.api_version = Cow::Borrowed(API_VERSION);
    }
    check(ev)
}

impl<'a> Event<'a> {
    /// Whether this is the event to analyse for its request: `ResponseComplete` or `Panic`, or a
    /// failed authentication (kube-apiserver writes only a `ResponseStarted` event for those).
    /// `RequestReceived` and the `ResponseStarted` of long-running requests are skipped so one
    /// request never raises the same alert twice.
    pub fn is_final(&self) -> bool {
        match self.stage.as_ref() {
            "ResponseComplete" | "Panic" => true,
            "ResponseStarted" => self.code() == 401,
            _ => false,
        }
    }

    /// The response code, 0 when unknown.
    pub fn code(&self) -> u32 {
        self.response_status.as_ref().map_or(0, |s| s.code)
    }

    /// The plural resource, empty for non-resource requests.
    pub fn resource(&self) -> &str {
        self.object_ref.as_ref().map_or("", |o| o.resource.as_ref())
    }

    /// The subresource, empty when none.
    pub fn subresource(&self) -> &str {
        self.object_ref
            .as_ref()
            .map_or("", |o| o.subresource.as_ref())
    }

    /// The API group, empty for the core group and non-resource requests.
    pub fn api_group(&self) -> &str {
        self.object_ref
            .as_ref()
            .map_or("", |o| o.api_group.as_ref())
    }

    /// The namespace, empty when none.
    pub fn namespace(&self) -> &str {
        self.object_ref
            .as_ref()
            .map_or("", |o| o.namespace.as_ref())
    }

    /// The object name, empty when none.
    pub fn name(&self) -> &str {
        self.object_ref.as_ref().map_or("", |o| o.name.as_ref())
    }

    /// Whether the request was let through: a 1xx–3xx response, or (when the response code is
    /// missing) an `allow` authorization decision.
    pub fn succeeded(&self) -> bool {
        match self.code() {
            0 => self.annotations.get("authorization.k8s.io/decision") == Some("allow"),
            c => c < 400,
        }
    }

    /// Whether authorization allowed the request (it may still have failed later, e.g. a 404);
    /// failed authentication counts as not allowed.
    pub fn authorized(&self) -> bool {
        match self.annotations.get("authorization.k8s.io/decision") {
            Some(d) => d == "allow",
            None => !matches!(self.code(), 401 | 403),
        }
    }

    /// The timestamp used for windows and `--since/--until`: when the request was received.
    pub fn timestamp(&self) -> &str {
        if self.request_received_timestamp.is_empty() {
            &self.stage_timestamp
        } else {
            &self.request_received_timestamp
        }
    }

    /// The body that shows the object as stored: the response when logged, else the request.
    /// A patch request's body is the patch, not the object, so it is not used for patches.
    pub fn object_body(&self) -> Option<serde_json::Value> {
        let raw = match (self.response_object, self.request_object) {
            (Some(r), _) if self.succeeded() => Some(r),
            (_, Some(r)) if self.verb != "patch" => Some(r),
            _ => None,
        }?;
        let v: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
        // A response of kind Status (e.g. on delete) says nothing about the object.
        (v.get("kind").and_then(|k| k.as_str()) != Some("Status")).then_some(v)
    }
}

/// The fields of an event shown in alerts, owned (an alert outlives the line it came from).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSummary {
    /// `auditID`.
    pub audit_id: String,
    /// `requestReceivedTimestamp`.
    pub timestamp: String,
    /// `user.username` (`<unauthenticated>` when empty).
    pub user: String,
    /// `impersonatedUser.username`, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonated_user: Option<String>,
    /// `verb`.
    pub verb: String,
    /// `resource[/subresource] namespace/name`, or the request URI for non-resource requests.
    pub object: String,
    /// `sourceIPs`.
    pub source_ips: Vec<String>,
    /// `userAgent`.
    pub user_agent: String,
    /// Response code.
    pub code: u32,
}

impl EventSummary {
    /// Summarises an event.
    pub fn of(ev: &Event<'_>) -> Self {
        EventSummary {
            audit_id: ev.audit_id.to_string(),
            timestamp: ev.timestamp().to_string(),
            user: display_user(&ev.user.username).to_string(),
            impersonated_user: ev
                .impersonated_user
                .as_ref()
                .map(|u| display_user(&u.username).to_string()),
            verb: ev.verb.to_string(),
            object: describe_object(ev),
            source_ips: ev.source_ips.iter().map(|s| s.to_string()).collect(),
            user_agent: ev.user_agent.to_string(),
            code: ev.code(),
        }
    }
}

/// The user name for messages.
pub fn display_user(name: &str) -> &str {
    if name.is_empty() {
        "<unauthenticated>"
    } else {
        name
    }
}

/// `pods/exec prod/web`, `clusterrolebindings/admin`, `secrets (all namespaces)`, or the path
/// of a non-resource request.
pub fn describe_object(ev: &Event<'_>) -> String {
    let Some(o) = &ev.object_ref else {
        return path_of(&ev.request_uri).to_string();
    };
    let mut s = String::new();
    if !o.api_group.is_empty() {
        s.push_str(&o.api_group);
        s.push('/');
    }
    s.push_str(&o.resource);
    if !o.subresource.is_empty() {
        s.push('/');
        s.push_str(&o.subresource);
    }
    match (o.namespace.is_empty(), o.name.is_empty()) {
        (false, false) => {
            s.push(' ');
            s.push_str(&o.namespace);
            s.push('/');
            s.push_str(&o.name);
        }
        (true, false) => {
            s.push(' ');
            s.push_str(&o.name);
        }
        (false, true) => {
            s.push_str(" in namespace ");
            s.push_str(&o.namespace);
        }
        (true, true) => {}
    }
    s
}

/// The path of a request URI, without the query.
pub fn path_of(uri: &str) -> &str {
    uri.split(['?', '#']).next().unwrap_or(uri)
}

#[cfg(test)]
mod webhook_item_tests {
    #[test]
    fn list_items_without_type_meta_are_events_of_the_list() {
        // As kube-apiserver's webhook backend posts them: TypeMeta only on the list.
        let body = r#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{"level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{"username":"alice"},"requestReceivedTimestamp":"2026-11-23T12:00:00.000000Z","stageTimestamp":"2026-11-23T12:00:00.000000Z"}]}"#;
        let items = super::parse_list(body).expect("a list");
        assert_eq!(items.len(), 1);
        assert!(items[0].is_ok(), "{:?}", items[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/pods/web/exec?command=sh\u0026stdin=true","verb":"create","user":{"username":"alice","groups":["dev","system:authenticated"]},"sourceIPs":["10.0.0.7"],"userAgent":"kubectl/v1.36.0","objectRef":{"resource":"pods","namespace":"prod","name":"web","apiVersion":"v1","subresource":"exec"},"responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"2026-01-02T03:04:05.000001Z","stageTimestamp":"2026-01-02T03:04:05.100000Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}"#;

    #[test]
    fn parses_borrowing_fields() {
        let ev = parse(LINE).unwrap();
        assert!(matches!(ev.verb, Cow::Borrowed("create")));
        assert!(matches!(ev.user.username, Cow::Borrowed("alice")));
        assert_eq!(ev.subresource(), "exec");
        assert_eq!(ev.code(), 101);
        assert!(ev.succeeded() && ev.authorized() && ev.is_final());
        assert_eq!(
            ev.annotations.get("authorization.k8s.io/decision"),
            Some("allow")
        );
        // The escaped `&` forces an owned string; still correct.
        assert!(ev.request_uri.contains("command=sh&stdin"));
        assert_eq!(describe_object(&ev), "pods/exec prod/web");
    }

    #[test]
    fn rejects_other_kinds_and_versions() {
        assert_eq!(
            parse(r#"{"kind":"Pod","apiVersion":"v1"}"#)
                .unwrap_err()
                .code(),
            "audit-not-an-event"
        );
        assert_eq!(
            parse(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1"}"#)
                .unwrap_err()
                .code(),
            "audit-unknown-version"
        );
        assert_eq!(
            parse("{\"kind\":").unwrap_err().code(),
            "audit-invalid-json"
        );
        assert_eq!(parse("[1,2]").unwrap_err().code(), "audit-invalid-json");
    }

    #[test]
    fn parses_event_lists_item_by_item() {
        let body = format!(
            r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{LINE},{{"kind":"Event","apiVersion":"audit.k8s.io/v2"}}]}}"#
        );
        let items = parse_list(&body).unwrap();
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        assert_eq!(
            items[1].as_ref().unwrap_err().code(),
            "audit-unknown-version"
        );
    }
}
