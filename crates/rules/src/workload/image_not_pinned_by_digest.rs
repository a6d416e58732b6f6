use crate::workload::helpers::{KINDS, parse_image};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) whose image is not referenced
    /// by digest (`@sha256:…`). Off by default.
    ///
    /// ## Why is this risky?
    /// Tags, even version tags, are pointers that anyone with push access to the repository can
    /// move. Only a digest names exactly one image: the kubelet verifies the content it pulls
    /// against it, so a re-pushed tag or a compromised registry cannot change what runs. It also
    /// makes every node run the same bits and makes signature and provenance policies
    /// meaningful.
    ///
    /// This rule is off by default because digests need tooling (Renovate, Dependabot, a
    /// mutating admission policy) to stay current, and many registries already make tags
    /// immutable. WL036 `image-tag-mutable`, on by default, catches the worst case. Enable this
    /// rule where supply-chain policy requires pinning.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: registry.example.com/web:1.8.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: registry.example.com/web:1.8.0@sha256:3f1d7c8bbf0e1ad1f4e0b58e0bb1a4f2e6a3d4b1c9e8f7a6b5c4d3e2f1a0b9c8
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// The digest is not checked against the registry, and a tag written next to a digest is
    /// ignored, as the container runtime ignores it.
    ///
    /// ## References
    /// - Kubernetes: "Images", "Image names"
    /// - NSA-CISA Kubernetes Hardening Guide, "Building secure container images"
    /// - CIS Kubernetes Benchmark 5.5.1
    pub static IMAGE_NOT_PINNED_BY_DIGEST = Rule {
        id: "WL037",
        name: "image-not-pinned-by-digest",
        family: Family::Workload,
        severity: Severity::Low,
        default_enabled: false,
        kinds: KINDS,
        controls: &[Control::cis("5.5.1"), Control::nsa("pod-security/secure-images"), Control::mitre("T1525")],
        since: "0.1.0",
        summary: "image is not pinned by digest",
        remediation: "Reference the image by digest (`image:1.2.3@sha256:…`) and let a bot keep the digest current.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.all_containers() {
        let Some(image) = c.image() else { continue };
        let Some(r) = parse_image(image) else {
            continue;
        };
        if r.digest.is_none() {
            cx.report(
                o,
                c.path_of("image"),
                format!(
                    "{} uses image {image:?}, which is not pinned by digest",
                    c.describe()
                ),
            );
        }
    }
}
