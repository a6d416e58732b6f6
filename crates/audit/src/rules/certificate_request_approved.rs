use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::{at, is_system_component};
use serde_json::Value as Json;
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when a CertificateSigningRequest is approved (an update of the
    /// `certificatesigningrequests/approval` subresource) by an identity that is not a system
    /// component. It is high when the body shows the `kubernetes.io/kube-apiserver-client`
    /// signer: the certificate will authenticate to the API server.
    ///
    /// ## Why is this risky?
    /// An approved client certificate is a credential that cannot be revoked before it expires
    /// (Kubernetes has no certificate revocation); approving a CSR that names a powerful user or
    /// group such as `system:masters` grants that power for the certificate's lifetime.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete","verb":"update",
    ///  "user":{"username":"alice"},
    ///  "objectRef":{"resource":"certificatesigningrequests","name":"csr-x","subresource":"approval","apiGroup":"certificates.k8s.io","apiVersion":"v1"},
    ///  "responseStatus":{"code":200},
    ///  "requestObject":{"spec":{"signerName":"kubernetes.io/kube-apiserver-client","username":"alice"},
    ///   "status":{"conditions":[{"type":"Approved","status":"True"}]}}}
    /// ```
    ///
    /// ## Use instead
    /// Issue user credentials through your identity provider (OIDC); keep CSR approval to the
    /// controller manager's automatic approval of kubelet certificates.
    ///
    /// ## Options
    /// `allowed-users` (identities expected to approve CSRs).
    ///
    /// ## Known limitations
    /// Without a body (level `Metadata`) the signer is unknown and the alert stays medium. A
    /// denial (`Denied` condition) written through the same subresource is recognised only
    /// from the body.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1078 (Valid Accounts), T1098 (Account Manipulation)
    /// - CIS Kubernetes Benchmark 5.1.11
    pub static CERTIFICATE_REQUEST_APPROVED = AuditRule {
        id: "AU015",
        name: "certificate-request-approved",
        severity: Severity::Medium,
        controls: &[Control::mitre("T1078"), Control::mitre("T1098"), Control::cis("5.1.11")],
        since: "0.1.0",
        summary: "certificate signing request approved by a person",
        remediation: "Check who requested the certificate and for which identity; if unexpected, remove the bindings of that identity (the certificate itself cannot be revoked).",
        options: &[
            RuleOption { name: "allowed-users", help: "Identities expected to approve CSRs (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    if ev.api_group() != "certificates.k8s.io"
        || ev.resource() != "certificatesigningrequests"
        || ev.subresource() != "approval"
        || !matches!(ev.verb.as_ref(), "update" | "patch")
        || !ev.succeeded()
        || is_system_component(ev)
        || matches_any(&cx.options.strings("allowed-users"), &ev.user.username)
    {
        return;
    }
    let body = ev.object_body();
    if let Some(b) = &body {
        let conditions = at(b, "status.conditions").and_then(Json::as_array);
        let approved = conditions.is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("type").and_then(Json::as_str) == Some("Approved")
                    && c.get("status").and_then(Json::as_str) != Some("False")
            })
        });
        if conditions.is_some() && !approved {
            return;
        }
    }
    let signer = body.as_ref().and_then(|b| {
        at(b, "spec.signerName")
            .and_then(Json::as_str)
            .map(str::to_string)
    });
    let requester = body.as_ref().and_then(|b| {
        at(b, "spec.username")
            .and_then(Json::as_str)
            .map(str::to_string)
    });
    let mut message = format!("certificate signing request {} approved", ev.name());
    if let Some(s) = &signer {
        message.push_str(&format!(" (signer {s}"));
        if let Some(r) = &requester {
            message.push_str(&format!(", requested by {r}"));
        }
        message.push(')');
    }
    if signer.as_deref() == Some("kubernetes.io/kube-apiserver-client") {
        cx.alert_with_severity("objectRef.subresource", Severity::High, message);
    } else {
        cx.alert("objectRef.subresource", message);
    }
}
