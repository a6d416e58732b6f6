//! The reference graph: which object uses which other object, and where it says so.
//!
//! Built once per inventory, on first use ([`Inventory::references`]), from the fields whose
//! meaning Kubernetes defines: a workload's volumes (including projected volumes and the
//! `secretRef`s of CSI and other volume sources), `env[].valueFrom`, `envFrom`,
//! `imagePullSecrets` and ServiceAccount; a ServiceAccount's `secrets` and `imagePullSecrets`;
//! a legacy token Secret's ServiceAccount annotation; an Ingress's TLS Secrets and backend
//! Services (including `defaultBackend`); a Service's and a PodDisruptionBudget's selector
//! (matched against the pod-template labels of the workloads, and the labels of Pods, of their
//! namespace); bindings' `roleRef` and subjects (Users and Groups too, as targets that are
//! never objects); aggregated ClusterRoles' selectors; a HorizontalPodAutoscaler's
//! `scaleTargetRef`; PersistentVolume `claimRef` and PersistentVolumeClaim `volumeName`;
//! StatefulSet `volumeClaimTemplates` (matched to the PVCs `<template>-<statefulset>-<ordinal>`
//! they create); webhook and APIService Services; StorageClass CSI secret parameters;
//! `ownerReferences`; and a few well-known controller conventions that name objects by string
//! (ingress-nginx `--default-ssl-certificate`/`--configmap`/`--tcp-services-configmap`/
//! `--udp-services-configmap` arguments and its `auth-secret`, `auth-tls-secret` and
//! `proxy-ssl-secret` Ingress annotations; Stakater Reloader's `*.reloader.stakater.com/reload`
//! annotations).
//!
//! Objects whose kind Stockade does not understand (any API group that is not a built-in
//! Kubernetes group: custom resources) cannot have references in this sense. Instead their
//! string values are indexed, so [`References::mentions`] can say "a custom resource mentions
//! this name": analyzers use that to lower their confidence rather than to claim an object is
//! unused.
//!
//! # Asking the graph
//!
//! - *Who uses object X?* [`References::users_of`] with X's [`ObjectKey`] (or
//!   [`References::users_of_object`]) gives every [`Reference`] whose target is X; each names
//!   its source object ([`Reference::source`]), how it refers ([`Via`]) and the field path in
//!   the source. Targets need not exist: `users_of(&ObjectKey::cluster("User", "alice"))`
//!   finds every binding subject naming user alice, and a reference to a deleted Secret is
//!   still a reference.
//! - *What does object Y use?* [`References::uses`] gives Y's outgoing references, in the
//!   order its fields are written; [`References::resolve`] finds the object a target names,
//!   when it is among the inputs.
//! - *Does anything we cannot interpret mention X?* [`References::mentions`].
//!
//! Namespaces are normalized: a namespaced object without `metadata.namespace` (common in
//! manifests) is taken to be in `default`, and cluster-scoped kinds never have one. The graph
//! does not judge: whether an object without users is *unused* is the hygiene rules' call.
//! It borrows nothing from the inventory (it holds object indices), so the inventory can own
//! it.

mod builder;
mod catalogue;
mod graph;
mod words;

pub use crate::selector::{CONTROLLER_POD_LABELS, LabelSelector};
pub use builder::SA_NAME_ANNOTATION;
pub use catalogue::{ObjectKey, is_builtin, is_cluster_scoped, namespace_of};
pub use graph::{Mention, Reference, References, Via};

use crate::{Inventory, Object};

impl Inventory {
    /// The reference graph, built on first use.
    pub fn references(&self) -> &References {
        self.references.get_or_init(|| References::build(self))
    }
}

/// The index of `o` in `inv.objects()`, found by address (O(1)); see [`Inventory::index_of`].
pub fn index_of(inv: &Inventory, o: &Object) -> Option<usize> {
    inv.index_of(o)
}

#[cfg(test)]
mod tests;
