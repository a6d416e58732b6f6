use crate::hygiene::helpers::{Confidence, Verdict, has_kind_in, is_live, name_path, ns};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_inventory::references::{ObjectKey, SA_NAME_ANNOTATION};
use stockade_model::{Control, FieldPath, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports legacy ServiceAccount token Secrets (`type: kubernetes.io/service-account-token`):
    /// long-lived tokens that never expire. Those whose ServiceAccount no longer exists are
    /// reported as orphans. The labels the API server's legacy-token tracking adds
    /// (`kubernetes.io/legacy-token-last-used`, `kubernetes.io/legacy-token-invalid-since`) are
    /// quoted when present.
    ///
    /// ## Why is this risky?
    /// Since Kubernetes 1.24 pods get short-lived, audience-bound tokens from the TokenRequest
    /// API; a token Secret is a credential that works until the Secret is deleted, is readable
    /// by anyone who may read Secrets in its namespace, and is easily copied out of the cluster.
    /// A token Secret for a deleted ServiceAccount no longer authenticates (the authenticator
    /// checks the account and its UID), but it is a sign that de-provisioning stopped half-way.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// type: kubernetes.io/service-account-token
    /// metadata:
    ///   name: ci-token
    ///   annotations: {kubernetes.io/service-account.name: ci}
    /// ```
    ///
    /// ## Use instead
    /// Delete the Secret; have clients request short-lived tokens (`kubectl create token ci`,
    /// or a projected `serviceAccountToken` volume).
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// A live scan reads Secrets as metadata only, where `type` is not available; there a
    /// Secret counts as a token Secret when it carries the `kubernetes.io/service-account.name`
    /// annotation, which the API server requires of token Secrets. With manifests, a
    /// ServiceAccount is reported missing only when its namespace's ServiceAccounts are among
    /// the inputs.
    ///
    /// ## References
    /// - Kubernetes: Service account token Secrets, "Legacy ServiceAccount token cleaner"
    /// - CIS Kubernetes Benchmark 5.1.6
    pub static LEGACY_SERVICE_ACCOUNT_TOKEN = Rule {
        id: "HY002",
        name: "legacy-service-account-token",
        family: Family::Hygiene,
        severity: Severity::Medium,
        kinds: &["Secret"],
        needs: &["ServiceAccount"],
        controls: &[Control::cis("5.1.6"), Control::nsa("authn-authz/authentication"), Control::mitre("T1078")],
        since: "0.1.0",
        admission: false,
        summary: "long-lived ServiceAccount token Secret",
        remediation: "Delete the token Secret and use short-lived tokens from the TokenRequest API.",
        check: check,
    };
}

/// Whether a Secret is a legacy ServiceAccount token (by type, or by annotation when the type
/// was not read).
pub fn is_token_secret(o: &Object) -> bool {
    match o.root.get("type").and_then(Node::as_str) {
        Some(t) => t == "kubernetes.io/service-account-token",
        None => o.annotation(SA_NAME_ANNOTATION).is_some(),
    }
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if !is_token_secret(o) {
        return;
    }
    let inv = cx.inv;
    let sa = o.annotation(SA_NAME_ANNOTATION).unwrap_or("");
    let namespace = ns(o);
    let ann_path = FieldPath::root()
        .key("metadata")
        .key("annotations")
        .key(SA_NAME_ANNOTATION);
    let mut tracking = Vec::new();
    if let Some(d) = o.label("kubernetes.io/legacy-token-last-used") {
        tracking.push(format!("last used {d}"));
    }
    if let Some(d) = o.label("kubernetes.io/legacy-token-invalid-since") {
        tracking.push(format!("invalidated since {d}"));
    }
    let tracking = if tracking.is_empty() {
        String::new()
    } else {
        format!(" ({})", tracking.join(", "))
    };
    if sa.is_empty() {
        cx.report(
            o,
            name_path(),
            format!("legacy ServiceAccount token Secret names no ServiceAccount{tracking}"),
        );
        return;
    }
    let key = ObjectKey::namespaced("ServiceAccount", namespace, sa);
    let exists = inv.references().exists(&key);
    let known = is_live(o) || has_kind_in(cx, "ServiceAccount", namespace);
    if !exists && known {
        let v = if is_live(o) {
            Verdict::for_object(o)
        } else {
            Verdict::new(
                Confidence::Medium,
                format!(
                    "other ServiceAccounts of namespace {namespace} are among the inputs, {sa} is not"
                ),
            )
        };
        // An orphan cannot authenticate: a leftover, less severe than a live credential.
        v.report(
            cx,
            o,
            ann_path,
            Severity::Low,
            &format!("orphaned legacy token Secret: ServiceAccount {sa} no longer exists{tracking}; delete it"),
        );
        return;
    }
    cx.report(
        o,
        ann_path,
        format!("long-lived legacy token for ServiceAccount {sa}{tracking}: it never expires; use short-lived tokens"),
    );
}
