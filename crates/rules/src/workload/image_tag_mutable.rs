use crate::workload::helpers::{KINDS, parse_image};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) whose image has no tag or the
    /// tag `latest`, and is not pinned by digest. References are parsed as the container
    /// runtime reads them, so a registry port (`localhost:5000/app`) is not mistaken for a tag
    /// and `app:latest@sha256:…` counts as pinned.
    ///
    /// ## Why is this risky?
    /// `latest` and a missing tag name whatever was pushed last. Two replicas of the same
    /// Deployment can run different code, a rollback does not roll back, and anyone who can push
    /// to the repository — or a compromised upstream — changes what runs in the cluster at the
    /// next pod start, without any change to the manifests that a review or a scan would see.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: nginx:latest
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: web
    ///   image: nginx:1.27.3
    ///   # or pinned: nginx:1.27.3@sha256:<digest>
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Other moving tags (`stable`, `main`, `3`) are not recognised: only the untagged and
    /// `latest` references that Kubernetes itself treats as moving. Whether a registry makes
    /// tags immutable is not known to the scan; WL037 `image-not-pinned-by-digest` covers the
    /// stricter policy.
    ///
    /// ## References
    /// - Kubernetes: "Images", "Image names" and "Updating images"
    /// - Kubernetes: "Configuration Best Practices", "Container Images"
    /// - NSA-CISA Kubernetes Hardening Guide, "Building secure container images"
    pub static IMAGE_TAG_MUTABLE = Rule {
        id: "WL036",
        name: "image-tag-mutable",
        family: Family::Workload,
        severity: Severity::Medium,
        kinds: KINDS,
        controls: &[Control::nsa("pod-security/secure-images"), Control::mitre("T1525"), Control::mitre("T1204.003")],
        since: "0.1.0",
        summary: "image has no tag or uses latest",
        remediation: "Reference a specific version tag, or better a digest (`image:1.2.3@sha256:…`).",
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
        if !r.is_mutable() {
            continue;
        }
        let why = match r.tag {
            Some(tag) => format!("the mutable tag {tag:?}"),
            None => "no tag (so latest)".to_string(),
        };
        cx.report(
            o,
            c.path_of("image"),
            format!("{} uses image {image:?} with {why}", c.describe()),
        );
    }
}
