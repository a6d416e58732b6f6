use crate::workload::helpers::{KINDS, parse_image};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) whose image is mutable — no
    /// tag or `latest`, and no digest — but that set `imagePullPolicy` to `IfNotPresent` or
    /// `Never`. When `imagePullPolicy` is not set, Kubernetes defaults it to `Always` for exactly
    /// these images, so only an explicit override is flagged.
    ///
    /// ## Why is this risky?
    /// With a moving tag and no pull, each node runs whichever image it cached first. Replicas
    /// on different nodes run different code, a fixed image never reaches nodes that already
    /// have an old one, and a poisoned image placed in a node's cache keeps running. On shared
    /// nodes, a pod that skips the pull also skips the registry's credential check and can use
    /// a private image another tenant pulled.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: registry.example.com/web:latest
    ///   imagePullPolicy: IfNotPresent
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: registry.example.com/web:1.8.0
    ///   imagePullPolicy: IfNotPresent
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Only untagged and `latest` images are treated as mutable, matching Kubernetes' own
    /// defaulting. Air-gapped nodes with preloaded images legitimately use `Never`; suppress
    /// those objects with a reason.
    ///
    /// ## References
    /// - Kubernetes: "Images", "Image pull policy" and "Default image pull policy"
    /// - Kubernetes admission controller `AlwaysPullImages`
    /// - NSA-CISA Kubernetes Hardening Guide, "Building secure container images"
    pub static IMAGE_PULL_POLICY_NOT_ALWAYS = Rule {
        id: "WL039",
        name: "image-pull-policy-not-always",
        family: Family::Workload,
        severity: Severity::Low,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/secure-images"), Control::mitre("T1525")],
        since: "0.1.0",
        summary: "mutable image is not pulled on every start",
        remediation: "Pin the image to a version or digest, or remove `imagePullPolicy` so Kubernetes defaults it to `Always`.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.all_containers() {
        let Some(policy) = c.node.get("imagePullPolicy").and_then(Node::as_str) else {
            continue;
        };
        if !matches!(policy, "IfNotPresent" | "Never") {
            continue;
        }
        let Some(image) = c.image() else { continue };
        if !parse_image(image).is_some_and(|r| r.is_mutable()) {
            continue;
        }
        cx.report(
            o,
            c.path_of("imagePullPolicy"),
            format!("{} uses mutable image {image:?} with imagePullPolicy {policy}, so nodes may run a stale image", c.describe()),
        );
    }
}
