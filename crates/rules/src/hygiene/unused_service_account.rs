use crate::hygiene::helpers::{
    SYSTEM_NAMESPACES_OPTION, Verdict, is_system_namespace, name_path, ns, owner,
};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::references::ObjectKey;
use stockade_inventory::{Object, Via};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports ServiceAccounts that no workload runs as: no Pod, Deployment, StatefulSet,
    /// DaemonSet, ReplicaSet, ReplicationController, Job, CronJob or PodTemplate names it in
    /// `serviceAccountName` (a pod without one runs as `default`). The message says what else
    /// still refers to it (bindings that grant it permissions, legacy token Secrets) and how
    /// sure the finding is; each of those lowers the confidence, because something outside the
    /// cluster may request or hold tokens for it.
    ///
    /// Off by default in `stockade scan` (manifests rarely hold every workload); always on in
    /// `stockade unused`.
    ///
    /// ## Why is this risky?
    /// A ServiceAccount nothing runs as is usually a leftover of an application that was
    /// removed. Its RoleBindings still grant permissions, and anyone allowed to create tokens
    /// for it (or to read an old token Secret) can use them without anybody noticing.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata: {name: old-billing, namespace: shop}   # the billing Deployment is gone
    /// ```
    ///
    /// ## Use instead
    /// Delete the ServiceAccount together with its bindings and token Secrets
    /// (`stockade deprovision plan sa:shop/old-billing` lists them).
    ///
    /// ## Options
    /// - `include-system-namespaces` (default `false`): also judge kube-system, kube-public and
    ///   kube-node-lease, where controllers use ServiceAccounts through their own credentials.
    ///
    /// ## Known limitations
    /// The `default` ServiceAccount of each namespace is never reported (the API server
    /// re-creates it). ServiceAccounts with `ownerReferences` belong to their owner and are
    /// skipped. Tokens requested from outside the cluster (CI systems using the TokenRequest
    /// API) cannot be seen; that is why a bound ServiceAccount is only medium confidence.
    ///
    /// ## References
    /// - Kubernetes: Managing Service Accounts
    /// - NSA-CISA Kubernetes Hardening Guide, authentication and authorization
    pub static UNUSED_SERVICE_ACCOUNT = Rule {
        id: "HY001",
        name: "unused-service-account",
        family: Family::Hygiene,
        severity: Severity::Low,
        default_enabled: false,
        kinds: &["ServiceAccount"],
        needs: stockade_inventory::WORKLOAD_KINDS,
        controls: &[Control::nsa("authn-authz/authentication"), Control::mitre("T1078")],
        since: "0.1.0",
        admission: false,
        summary: "ServiceAccount is used by no workload",
        remediation: "Delete the ServiceAccount, its bindings and its token Secrets if nothing outside the cluster uses it.",
        options: &[SYSTEM_NAMESPACES_OPTION],
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let inv = cx.inv;
    if o.name() == "default" || owner(o).is_some() {
        return;
    }
    if is_system_namespace(ns(o)) && !cx.option_bool("include-system-namespaces") {
        return;
    }
    let key = ObjectKey::of(o);
    let refs = inv.references();
    let mut bindings = Vec::new();
    let mut tokens = Vec::new();
    for r in refs.users_of(&key) {
        let Some(src) = r.source(inv) else { continue };
        match r.via {
            Via::PodServiceAccount => return,
            Via::Subject => bindings.push(src.oref().to_string()),
            Via::TokenFor => tokens.push(src.name().to_string()),
            _ => {}
        }
    }
    let mut v = Verdict::for_object(o);
    let mut base = Severity::Low;
    if !bindings.is_empty() {
        // Grants that nobody exercises are the leftover worth removing first.
        base = Severity::Medium;
        v.cap(
            super::helpers::Confidence::Medium,
            format!("still granted permissions by {}; tokens requested from outside the cluster cannot be seen", bindings.join(", ")),
        );
    }
    if !tokens.is_empty() {
        v.cap(
            super::helpers::Confidence::Low,
            format!(
                "legacy token Secret {} may be in use outside the cluster",
                tokens.join(", ")
            ),
        );
    }
    v.check_mentions(inv, &key);
    v.report(
        cx,
        o,
        name_path(),
        base,
        "no workload runs as this ServiceAccount (no serviceAccountName names it)",
    );
}
