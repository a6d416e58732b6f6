use crate::hygiene::helpers::{SYSTEM_NAMESPACES_OPTION, report_unreferenced, skip_managed};
use crate::hygiene::legacy_service_account_token::is_token_secret;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports Secrets that nothing refers to: no pod volume (including projected volumes and
    /// CSI and other volume sources' `secretRef`), `env` `secretKeyRef`, `envFrom`,
    /// `imagePullSecrets`, ServiceAccount `secrets`/`imagePullSecrets`, Ingress TLS, PersistentVolume
    /// or StorageClass secret reference, nor a well-known controller convention (ingress-nginx
    /// `--default-ssl-certificate` and auth annotations, Stakater Reloader annotations). A
    /// custom resource that mentions the Secret's name (a cert-manager `Certificate`'s
    /// `secretName`, say) lowers the confidence to low rather than hiding the finding.
    ///
    /// Off by default in `stockade scan`; always on in `stockade unused`.
    ///
    /// ## Why is this risky?
    /// Secrets nobody reads are credentials nobody rotates: database passwords and API keys of
    /// applications that are gone, still valid, and readable by everyone allowed to read
    /// Secrets in the namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata: {name: old-db-password, namespace: shop}   # no pod uses it
    /// ```
    ///
    /// ## Use instead
    /// Revoke the credential where it was issued, then delete the Secret.
    ///
    /// ## Options
    /// - `include-system-namespaces` (default `false`): also judge kube-system, kube-public and
    ///   kube-node-lease, whose Secrets control-plane components read by name.
    ///
    /// ## Known limitations
    /// Applications that read Secrets through the API (operators, External Secrets, Vault
    /// agents) are invisible to the reference graph unless a custom resource names the Secret.
    /// Legacy token Secrets are left to `legacy-service-account-token`; Helm release records
    /// (`helm.sh/release.v1`), bootstrap tokens and Secrets with `ownerReferences` are not
    /// judged. A live scan reads Secrets as metadata only, so Helm records are recognised by
    /// their `sh.helm.release.v1.` name there.
    ///
    /// ## References
    /// - Kubernetes: Good practices for Kubernetes Secrets
    /// - CIS Kubernetes Benchmark 5.4.2
    pub static UNUSED_SECRET = Rule {
        id: "HY003",
        name: "unused-secret",
        family: Family::Hygiene,
        severity: Severity::Low,
        default_enabled: false,
        kinds: &["Secret"],
        needs: super::helpers::SECRET_USERS,
        controls: &[Control::cis("5.4.2")],
        since: "0.1.0",
        admission: false,
        summary: "Secret is referenced by nothing",
        remediation: "Revoke the credential it holds and delete the Secret if nothing reads it through the API.",
        options: &[SYSTEM_NAMESPACES_OPTION],
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if skip_managed(cx, o) || is_token_secret(o) {
        return;
    }
    let ty = o.root.get("type").and_then(Node::as_str).unwrap_or("");
    if matches!(ty, "helm.sh/release.v1" | "bootstrap.kubernetes.io/token")
        || o.name().starts_with("sh.helm.release.v1.")
        || o.name().starts_with("bootstrap-token-")
    {
        return;
    }
    report_unreferenced(
        cx,
        o,
        Severity::Low,
        "volume, env, envFrom, imagePullSecrets, ServiceAccount, Ingress TLS, storage or known controller reference",
    );
}
