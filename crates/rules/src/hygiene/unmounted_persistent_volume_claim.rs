use crate::hygiene::helpers::{SYSTEM_NAMESPACES_OPTION, Verdict, name_path, skip_managed};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::references::ObjectKey;
use stockade_inventory::{Object, Via};
use stockade_model::Severity;
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Reports PersistentVolumeClaims that no workload mounts: no pod volume's
    /// `persistentVolumeClaim.claimName` names it, and it is not one of the claims
    /// `<template>-<statefulset>-<ordinal>` a StatefulSet's `volumeClaimTemplates` create.
    ///
    /// Off by default in `stockade scan`; always on in `stockade unused`.
    ///
    /// ## Why is this risky?
    /// An unmounted claim keeps its volume, and the data on it, alive after the application is
    /// gone: old customer data, database files and backups nobody watches, still readable by
    /// anyone who may create pods in the namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: PersistentVolumeClaim
    /// metadata: {name: old-db-data, namespace: shop}   # the database was removed
    /// spec:
    ///   accessModes: [ReadWriteOnce]
    ///   resources: {requests: {storage: 10Gi}}
    /// ```
    ///
    /// ## Use instead
    /// Back up what must be kept, then delete the claim (and the volume, if its reclaim policy
    /// is `Retain`).
    ///
    /// ## Options
    /// - `include-system-namespaces` (default `false`): also judge kube-system, kube-public and
    ///   kube-node-lease.
    ///
    /// ## Known limitations
    /// Claims used by custom resources (VolumeSnapshots, KubeVirt disks, backup tools) are
    /// only seen when the custom resource names the claim, which lowers the confidence. A
    /// StatefulSet scaled down keeps the claims of its removed ordinals; they are matched by
    /// name and therefore not reported. Claims with `ownerReferences` are not judged.
    ///
    /// ## References
    /// - Kubernetes: Persistent Volumes, "Reclaiming"
    pub static UNMOUNTED_PERSISTENT_VOLUME_CLAIM = Rule {
        id: "HY005",
        name: "unmounted-persistent-volume-claim",
        family: Family::Hygiene,
        severity: Severity::Low,
        default_enabled: false,
        kinds: &["PersistentVolumeClaim"],
        needs: stockade_inventory::WORKLOAD_KINDS,
        controls: &[],
        since: "0.1.0",
        admission: false,
        summary: "PersistentVolumeClaim is mounted by no workload",
        remediation: "Back up what must be kept, then delete the claim and its volume.",
        options: &[SYSTEM_NAMESPACES_OPTION],
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    if skip_managed(cx, o) {
        return;
    }
    let inv = cx.inv;
    let key = ObjectKey::of(o);
    let used = inv
        .references()
        .users_of(&key)
        .any(|r| matches!(r.via, Via::Volume | Via::VolumeClaimTemplate));
    if used {
        return;
    }
    let mut v = Verdict::for_object(o);
    v.check_mentions(inv, &key);
    let volume = o
        .root
        .at("spec.volumeName")
        .and_then(Node::as_str)
        .map(|pv| format!(" (bound to PersistentVolume {pv})"))
        .unwrap_or_default();
    v.report(
        cx,
        o,
        name_path(),
        Severity::Low,
        &format!("no workload mounts this claim{volume}"),
    );
}
