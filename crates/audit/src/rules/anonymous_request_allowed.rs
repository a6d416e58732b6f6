use crate::declare_audit_rule;
use crate::event::{Event, path_of};
use crate::rule::{EventCx, matches_any};
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when a request from `system:anonymous` (no credentials) is allowed by
    /// authorization, except for the public health, version and service-account-issuer
    /// discovery endpoints listed in `allowed-paths`.
    ///
    /// ## Why is this risky?
    /// Anonymous access that reaches resources means anyone who can reach the API server can read
    /// (or change) the cluster without credentials — usually a binding to `system:anonymous` or
    /// `system:unauthenticated` made by mistake, sometimes a planted backdoor.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list",
    ///  "user":{"username":"system:anonymous","groups":["system:unauthenticated"]},
    ///  "objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},
    ///  "responseStatus":{"code":200},"annotations":{"authorization.k8s.io/decision":"allow"}}
    /// ```
    ///
    /// ## Use instead
    /// Remove bindings to `system:anonymous` and `system:unauthenticated` (other than the default
    /// `system:public-info-viewer`), or run kube-apiserver with `--anonymous-auth=false`.
    ///
    /// ## Options
    /// `allowed-paths` (non-resource paths anonymous users may read; `*` suffix matches a prefix).
    ///
    /// ## Known limitations
    /// None known.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1078.001 (Valid Accounts: Default Accounts), T1190 (Exploit Public-Facing Application)
    /// - CIS Kubernetes Benchmark 1.2.1
    pub static ANONYMOUS_REQUEST_ALLOWED = AuditRule {
        id: "AU009",
        name: "anonymous-request-allowed",
        severity: Severity::High,
        controls: &[Control::mitre("T1078.001"), Control::mitre("T1190")],
        since: "0.1.0",
        summary: "unauthenticated (system:anonymous) request allowed",
        remediation: "Find the binding that lets system:anonymous or system:unauthenticated in (`stockade rbac who-can` helps) and remove it.",
        options: &[
            RuleOption { name: "allowed-paths", help: "Non-resource paths anonymous requests may reach.", default: r#"["/healthz", "/healthz/*", "/livez", "/livez/*", "/readyz", "/readyz/*", "/version", "/version/", "/.well-known/openid-configuration", "/openid/v1/jwks"]"# },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if ev.user.username != "system:anonymous" || !ev.authorized() || ev.code() == 401 {
        return;
    }
    if ev.object_ref.is_none()
        && matches_any(
            &cx.options.strings("allowed-paths"),
            path_of(&ev.request_uri),
        )
    {
        return;
    }
    cx.alert("user.username", "anonymous request allowed");
}
