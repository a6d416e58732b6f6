use crate::hygiene::helpers::{Confidence, Verdict, has_kind_in, is_live, ns};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::{Object, Via};
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Reports Ingress rules and default backends that send traffic to a Service that does not
    /// exist in the Ingress's namespace. On a live cluster every Service is known; with
    /// manifests, a namespace is judged only when at least one of its Services is among the
    /// inputs (medium confidence).
    ///
    /// ## Why is this risky?
    /// The route is published on the load balancer but leads nowhere: a leftover of a removed
    /// application or a typo. Whoever later creates a Service of that name in the namespace,
    /// for any purpose, silently receives the Internet traffic for that host and path.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Ingress
    /// spec:
    ///   rules:
    ///   - host: shop.example.com
    ///     http:
    ///       paths:
    ///       - {path: /, pathType: Prefix, backend: {service: {name: shop-frontend-old, port: {number: 80}}}}
    /// ```
    ///
    /// ## Use instead
    /// Point the rule at the Service that exists, or delete the rule (or the Ingress).
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Backends that name a `resource` (an object of another kind) are not judged.
    ///
    /// ## References
    /// - Kubernetes: Ingress, "Ingress rules" and "DefaultBackend"
    pub static INGRESS_BACKEND_MISSING = Rule {
        id: "HY008",
        name: "ingress-backend-missing",
        family: Family::Hygiene,
        severity: Severity::Medium,
        kinds: &["Ingress"],
        needs: &["Service"],
        controls: &[Control::mitre("T1190")],
        since: "0.1.0",
        admission: false,
        summary: "Ingress routes to a Service that does not exist",
        remediation: "Point the backend at an existing Service, or remove the rule.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let inv = cx.inv;
    let namespace = ns(o);
    let live = is_live(o);
    if !live && !has_kind_in(cx, "Service", namespace) {
        return;
    }
    let refs = inv.references();
    let mut reported = std::collections::HashSet::new();
    for r in refs.uses(inv, o) {
        if !matches!(r.via, Via::IngressBackend | Via::IngressDefaultBackend)
            || r.target.kind != "Service"
            || refs.exists(&r.target)
        {
            continue;
        }
        let mut v = if live {
            Verdict::for_object(o)
        } else {
            Verdict::new(
                Confidence::Medium,
                format!(
                    "other Services of namespace {namespace} are among the inputs, this one is not"
                ),
            )
        };
        v.check_mentions(inv, &r.target);
        let what = if r.via == Via::IngressDefaultBackend {
            "default backend"
        } else {
            "backend"
        };
        let first = reported.insert(r.target.name.clone());
        let again = if first { "" } else { " (again)" };
        v.report(
            cx,
            o,
            r.path.clone(),
            Severity::Medium,
            &format!(
                "{what} Service {} does not exist in namespace {namespace}{again}",
                r.target.name
            ),
        );
    }
}
