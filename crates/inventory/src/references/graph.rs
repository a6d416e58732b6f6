//! The graph itself: references, their kinds, and the queries over them.

use super::builder::{Builder, Selectables};
use super::catalogue::{ObjectKey, is_builtin, namespace_of};
use super::words::{find_word, index_words};
use crate::{Inventory, Object};
use std::collections::HashMap;
use stockade_model::FieldPath;

/// How one object refers to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Via {
    /// A pod volume (`secret`, `configMap`, `persistentVolumeClaim`, a volume source's `secretRef`).
    Volume,
    /// A source of a `projected` volume.
    ProjectedVolume,
    /// `env[].valueFrom.secretKeyRef` / `configMapKeyRef`.
    Env,
    /// `envFrom[].secretRef` / `configMapRef`.
    EnvFrom,
    /// A pod's `imagePullSecrets`.
    ImagePullSecret,
    /// A pod's ServiceAccount (`serviceAccountName`, `serviceAccount`, or `default` when unset).
    PodServiceAccount,
    /// A ServiceAccount's `secrets`.
    ServiceAccountSecret,
    /// A ServiceAccount's `imagePullSecrets`.
    ServiceAccountImagePullSecret,
    /// A legacy token Secret's `kubernetes.io/service-account.name` annotation.
    TokenFor,
    /// An Ingress's `tls[].secretName`.
    IngressTls,
    /// An Ingress rule's backend Service (or resource).
    IngressBackend,
    /// An Ingress's `defaultBackend` (`backend` in extensions/v1beta1).
    IngressDefaultBackend,
    /// A Service's `selector` matches the pods of a workload.
    ServiceSelector,
    /// A PodDisruptionBudget's `selector` matches the pods of a workload.
    PdbSelector,
    /// A binding's `roleRef`.
    RoleRef,
    /// A binding's subject.
    Subject,
    /// An aggregated ClusterRole's `aggregationRule` selects a ClusterRole.
    Aggregation,
    /// A HorizontalPodAutoscaler's `scaleTargetRef`.
    ScaleTarget,
    /// A PersistentVolume's `claimRef`.
    ClaimRef,
    /// A PersistentVolumeClaim's `volumeName`.
    VolumeName,
    /// A StatefulSet's `volumeClaimTemplates` created the claim.
    VolumeClaimTemplate,
    /// A webhook's `clientConfig.service` or an APIService's `service`.
    ApiService,
    /// A StorageClass's `csi.storage.k8s.io/*-secret-name` parameters.
    StorageClassSecret,
    /// `metadata.ownerReferences`: the source is owned by the target.
    OwnerReference,
    /// A well-known controller's command-line argument (ingress-nginx).
    ControllerArgument,
    /// A well-known controller's annotation (ingress-nginx, Stakater Reloader).
    ControllerAnnotation,
}

impl Via {
    /// Short description for messages, e.g. `volume`, `envFrom`.
    pub fn describe(self) -> &'static str {
        match self {
            Via::Volume => "volume",
            Via::ProjectedVolume => "projected volume",
            Via::Env => "env valueFrom",
            Via::EnvFrom => "envFrom",
            Via::ImagePullSecret => "imagePullSecrets",
            Via::PodServiceAccount => "serviceAccountName",
            Via::ServiceAccountSecret => "ServiceAccount secrets",
            Via::ServiceAccountImagePullSecret => "ServiceAccount imagePullSecrets",
            Via::TokenFor => "token Secret annotation",
            Via::IngressTls => "Ingress TLS",
            Via::IngressBackend => "Ingress backend",
            Via::IngressDefaultBackend => "Ingress default backend",
            Via::ServiceSelector => "Service selector",
            Via::PdbSelector => "PodDisruptionBudget selector",
            Via::RoleRef => "roleRef",
            Via::Subject => "binding subject",
            Via::Aggregation => "aggregationRule",
            Via::ScaleTarget => "scaleTargetRef",
            Via::ClaimRef => "claimRef",
            Via::VolumeName => "volumeName",
            Via::VolumeClaimTemplate => "volumeClaimTemplates",
            Via::ApiService => "webhook/APIService service",
            Via::StorageClassSecret => "StorageClass secret parameter",
            Via::OwnerReference => "ownerReferences",
            Via::ControllerArgument => "controller argument",
            Via::ControllerAnnotation => "controller annotation",
        }
    }
}

/// One reference: `source` uses `target` through `via`, written at `path` of the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// Index of the source object in [`Inventory::objects`].
    pub from: usize,
    /// What it names.
    pub target: ObjectKey,
    /// How.
    pub via: Via,
    /// Where in the source object.
    pub path: FieldPath,
    /// The reference says the target may be absent (`optional: true`).
    pub optional: bool,
}

impl Reference {
    /// The object that holds the reference.
    pub fn source<'a>(&self, inv: &'a Inventory) -> Option<&'a Object> {
        inv.objects().get(self.from)
    }
}

/// A place where an object of a kind Stockade does not understand mentions a name.
#[derive(Clone, Debug, PartialEq)]
pub struct Mention {
    /// Index of the mentioning object in [`Inventory::objects`].
    pub from: usize,
    /// The first string value that mentions the name.
    pub path: FieldPath,
}

impl Mention {
    /// The mentioning object.
    pub fn source<'a>(&self, inv: &'a Inventory) -> Option<&'a Object> {
        inv.objects().get(self.from)
    }
}

/// The reference graph of an inventory. See the module documentation.
#[derive(Debug, Default)]
pub struct References {
    refs: Vec<Reference>,
    /// Per object index: the range of its outgoing references in `refs`.
    out: Vec<(usize, usize)>,
    /// Per target: indices into `refs`.
    by_target: HashMap<ObjectKey, Vec<usize>>,
    /// Normalized identity → every object index of that identity, in load order.
    by_key: HashMap<ObjectKey, Vec<usize>>,
    /// Word → objects of unknown kinds whose string values contain it.
    words: HashMap<Box<str>, Vec<usize>>,
    /// Objects of kinds Stockade does not understand.
    unknown: Vec<usize>,
}

impl References {
    /// Builds the graph of an inventory (use [`Inventory::references`], which caches it).
    pub fn build(inv: &Inventory) -> References {
        let objects = inv.objects();
        let mut g = References {
            out: Vec::with_capacity(objects.len()),
            ..References::default()
        };
        for (i, o) in objects.iter().enumerate() {
            g.by_key.entry(ObjectKey::of(o)).or_default().push(i);
        }
        let selectables = Selectables::new(objects);
        for (i, o) in objects.iter().enumerate() {
            let start = g.refs.len();
            if is_builtin(o) {
                let mut b = Builder {
                    from: i,
                    ns: namespace_of(o).unwrap_or("default"),
                    refs: &mut g.refs,
                };
                b.object(o, &selectables, objects);
            } else {
                g.unknown.push(i);
                index_words(&o.root, i, &mut g.words);
            }
            g.out.push((start, g.refs.len()));
        }
        for (ri, r) in g.refs.iter().enumerate() {
            g.by_target.entry(r.target.clone()).or_default().push(ri);
        }
        g
    }

    /// Every reference, in source-object order.
    pub fn all(&self) -> &[Reference] {
        &self.refs
    }

    /// Who uses the object `key` names: every reference whose target it is.
    pub fn users_of<'s>(&'s self, key: &ObjectKey) -> impl Iterator<Item = &'s Reference> + 's {
        self.by_target
            .get(key)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.refs.get(i))
    }

    /// Who uses `o`.
    pub fn users_of_object<'s>(&'s self, o: &Object) -> impl Iterator<Item = &'s Reference> + 's {
        let key = ObjectKey::of(o);
        self.by_target
            .get(&key)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.refs.get(i))
    }

    /// What `o` uses, in the order its fields are written. `o` must belong to `inv`.
    pub fn uses(&self, inv: &Inventory, o: &Object) -> &[Reference] {
        let Some(i) = inv.index_of(o) else {
            return &[];
        };
        self.out
            .get(i)
            .and_then(|&(s, e)| self.refs.get(s..e))
            .unwrap_or(&[])
    }

    /// The first loaded object a key names, when it is among the inputs (see
    /// [`References::resolve_all`] for every one).
    pub fn resolve<'a>(&self, inv: &'a Inventory, key: &ObjectKey) -> Option<&'a Object> {
        self.resolve_all(inv, key).next()
    }

    /// Every object a key names, in load order: several inputs may share an identity (overlays).
    pub fn resolve_all<'a>(
        &self,
        inv: &'a Inventory,
        key: &ObjectKey,
    ) -> impl Iterator<Item = &'a Object> + 'a {
        self.by_key
            .get(key)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .to_vec()
            .into_iter()
            .filter_map(|i| inv.objects().get(i))
    }

    /// Whether an object of that identity is among the inputs.
    pub fn exists(&self, key: &ObjectKey) -> bool {
        self.by_key.contains_key(key)
    }

    /// Objects of kinds Stockade does not understand (custom resources), as indices.
    pub fn unknown_objects(&self) -> &[usize] {
        &self.unknown
    }

    /// Places where objects of kinds Stockade does not understand mention `key`'s name in a
    /// string value (as a whole value or a word of one, such as `prod/name` or
    /// `--flag=name`; `metadata` is not searched). For a namespaced key only mentions from the
    /// same namespace count, or from cluster-scoped objects and objects in other namespaces
    /// that also mention the namespace.
    pub fn mentions(&self, inv: &Inventory, key: &ObjectKey) -> Vec<Mention> {
        let Some(candidates) = self.words.get(key.name.as_str()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for &i in candidates {
            let Some(o) = inv.objects().get(i) else {
                continue;
            };
            if let Some(ns) = &key.namespace {
                let same = match o.namespace() {
                    None => true,
                    Some(ons) => ons == ns,
                };
                let names_ns = self.words.get(ns.as_str()).is_some_and(|v| v.contains(&i));
                if !same && !names_ns {
                    continue;
                }
            }
            let path = find_word(&o.root, &key.name, FieldPath::root(), true)
                .unwrap_or_else(FieldPath::root);
            out.push(Mention { from: i, path });
        }
        out
    }
}
