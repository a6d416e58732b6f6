use crate::declare_audit_rule;
use crate::event::Event;
use crate::rule::{EventCx, matches_any};
use crate::rules::helpers::{is_delete, is_write};
use stockade_framework::RuleOption;
use stockade_model::{Control, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Alerts when an admission control configuration is created, changed or deleted:
    /// MutatingWebhookConfiguration, ValidatingWebhookConfiguration, ValidatingAdmissionPolicy,
    /// MutatingAdmissionPolicy and their bindings. Deletions are high.
    ///
    /// ## Why is this risky?
    /// Admission control is where policy is enforced. Deleting or loosening a validating webhook
    /// or policy turns enforcement off; a new mutating webhook sees — and can rewrite — every
    /// object it matches, including Secrets and pod specs, which makes it a powerful backdoor.
    ///
    /// ## Example
    /// ```json
    /// {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"delete",
    ///  "user":{"username":"mallory"},
    ///  "objectRef":{"resource":"validatingwebhookconfigurations","name":"gatekeeper","apiGroup":"admissionregistration.k8s.io","apiVersion":"v1"},
    ///  "responseStatus":{"code":200}}
    /// ```
    ///
    /// ## Use instead
    /// Change admission configuration only through reviewed deployments (GitOps); list the
    /// identities that do so (and controllers that rotate `caBundle`) in `allowed-users`.
    ///
    /// ## Options
    /// `allowed-users` (identities expected to change admission configuration).
    ///
    /// ## Known limitations
    /// Routine `caBundle` rotation by certificate injectors alerts unless they are allowed.
    ///
    /// ## References
    /// - MITRE ATT&CK for Containers T1562.001 (Impair Defenses: Disable or Modify Tools)
    /// - CIS Kubernetes Benchmark 5.1.12
    pub static ADMISSION_WEBHOOK_CHANGED = AuditRule {
        id: "AU012",
        name: "admission-webhook-changed",
        severity: Severity::Medium,
        controls: &[Control::mitre("T1562.001"), Control::cis("5.1.12")],
        since: "0.1.0",
        summary: "admission webhook or policy configuration changed or deleted",
        remediation: "Check the change against your deployment history; restore the configuration if it was not planned, and review who may write admissionregistration.k8s.io objects.",
        options: &[
            RuleOption { name: "allowed-users", help: "Identities expected to change admission configuration (`*` suffix matches a prefix).", default: "[]" },
        ],
        check: check,
    };
}

fn check(cx: &mut EventCx<'_>, ev: &Event<'_>) {
    let verb = ev.verb.as_ref();
    if ev.api_group() != "admissionregistration.k8s.io"
        || !(is_write(verb) || is_delete(verb))
        || !ev.succeeded()
    {
        return;
    }
    let kind = match ev.resource() {
        "mutatingwebhookconfigurations" => "MutatingWebhookConfiguration",
        "validatingwebhookconfigurations" => "ValidatingWebhookConfiguration",
        "validatingadmissionpolicies" => "ValidatingAdmissionPolicy",
        "validatingadmissionpolicybindings" => "ValidatingAdmissionPolicyBinding",
        "mutatingadmissionpolicies" => "MutatingAdmissionPolicy",
        "mutatingadmissionpolicybindings" => "MutatingAdmissionPolicyBinding",
        _ => return,
    };
    if ev.user.username == "system:apiserver"
        || matches_any(&cx.options.strings("allowed-users"), &ev.user.username)
    {
        return;
    }
    let name = if ev.name().is_empty() {
        "(all)"
    } else {
        ev.name()
    };
    let done = match verb {
        "create" => "created",
        "delete" | "deletecollection" => "deleted",
        _ => "changed",
    };
    let message = format!("{kind} {name} {done}");
    if is_delete(verb) {
        cx.alert_with_severity("verb", Severity::High, message);
    } else {
        cx.alert("verb", message);
    }
}
