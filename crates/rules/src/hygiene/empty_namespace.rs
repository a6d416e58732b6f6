use crate::hygiene::helpers::{Confidence, Verdict, is_live, name_path};
use crate::hygiene::legacy_service_account_token::is_token_secret;
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_inventory::references::namespace_of;
use stockade_model::Severity;
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports Namespaces that hold nothing but what Kubernetes puts in every namespace (the
    /// `default` ServiceAccount, its legacy token Secret on old clusters, and the
    /// `kube-root-ca.crt` ConfigMap). `default`, `kube-*` and terminating namespaces are not
    /// judged. With manifests, only when the inputs hold namespaced objects at all.
    ///
    /// Off by default in `stockade scan`; always on in `stockade unused`.
    ///
    /// ## Why is this risky?
    /// An empty namespace is usually what is left of a removed team or application. Its
    /// RoleBindings, quotas and admission exemptions (a privileged Pod Security level, say)
    /// remain, waiting for whoever deploys there next.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata: {name: team-legacy}   # nothing runs or is stored in it
    /// ```
    ///
    /// ## Use instead
    /// Delete the namespace (`kubectl delete namespace team-legacy`).
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// A live scan does not read custom resources, Events or Leases, so a namespace holding only
    /// custom resources looks empty: live findings are medium confidence for that reason.
    ///
    /// ## References
    /// - Kubernetes: Namespaces
    pub static EMPTY_NAMESPACE = Rule {
        id: "HY009",
        name: "empty-namespace",
        family: Family::Hygiene,
        severity: Severity::Low,
        default_enabled: false,
        kinds: &["Namespace"],
        needs: super::helpers::NAMESPACED_KINDS,
        controls: &[],
        since: "0.1.0",
        admission: false,
        summary: "namespace holds no objects of its own",
        remediation: "Delete the namespace if nobody plans to use it.",
        check: check,
    };
}

/// Objects Kubernetes creates in every namespace.
fn is_default_content(o: &Object) -> bool {
    match o.kind() {
        "ServiceAccount" => o.name() == "default",
        "ConfigMap" => o.name() == "kube-root-ca.crt",
        "Secret" => {
            is_token_secret(o)
                && o.annotation("kubernetes.io/service-account.name") == Some("default")
        }
        _ => false,
    }
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let inv = cx.inv;
    let name = o.name();
    if name == "default" || name.starts_with("kube-") {
        return;
    }
    if o.root.at("status.phase").and_then(Node::as_str) == Some("Terminating") {
        return;
    }
    let live = is_live(o);
    // A scan of one namespace did not read the others' objects.
    let scope = inv.read_scope();
    if !super::helpers::NAMESPACED_KINDS
        .iter()
        .all(|k| scope.covers(k, Some(name)))
    {
        return;
    }
    let mut any_namespaced = false;
    for other in inv.objects() {
        let ons = match namespace_of(other) {
            Some(n) => n,
            None => continue,
        };
        any_namespaced = true;
        if ons == name && !is_default_content(other) {
            return;
        }
    }
    if !live && !any_namespaced {
        return;
    }
    let v = if live {
        Verdict::new(
            Confidence::Medium,
            "custom resources, Events and Leases were not read",
        )
    } else {
        Verdict::new(
            Confidence::Medium,
            "manifests outside the inputs could put objects in it",
        )
    };
    v.report(
        cx,
        o,
        name_path(),
        Severity::Low,
        "namespace holds nothing but the defaults Kubernetes creates in every namespace",
    );
}
