//! The per-kind builder: the references each kind of built-in object makes, from the fields
//! whose meaning Kubernetes defines and a few well-known controller conventions.

use super::catalogue::{ObjectKey, is_builtin, is_cluster_scoped, namespace_of};
use super::graph::{Reference, Via};
use crate::selector::LabelSelector;
use crate::{Object, PodSpecView};
use std::collections::HashMap;
use stockade_model::FieldPath;
use stockade_sources::Node;

/// An object index, its labels, and whether they are a pod template's (not a Pod's own).
type Labelled<'a> = (usize, Vec<(&'a str, &'a str)>, bool);

/// Pod-template labels of workloads (and labels of Pods), per namespace, for selectors.
pub(super) struct Selectables<'a> {
    /// Per namespace: object index, labels, and whether they are a template's (not a Pod's).
    by_ns: HashMap<&'a str, Vec<Labelled<'a>>>,
    pvcs_by_ns: HashMap<&'a str, Vec<(usize, &'a str)>>,
    cluster_roles: Vec<(usize, Vec<(&'a str, &'a str)>)>,
}

impl<'a> Selectables<'a> {
    pub(super) fn new(objects: &'a [Object]) -> Selectables<'a> {
        let mut s = Selectables {
            by_ns: HashMap::new(),
            pvcs_by_ns: HashMap::new(),
            cluster_roles: Vec::new(),
        };
        for (i, o) in objects.iter().enumerate() {
            if !is_builtin(o) {
                continue;
            }
            let ns = namespace_of(o).unwrap_or("");
            // A Pod's own labels, or the template labels of a controller, whether or not the
            // manifest also holds the pod spec.
            if let Some(labels) = o.pod_labels() {
                s.by_ns
                    .entry(ns)
                    .or_default()
                    .push((i, labels, o.kind() != "Pod"));
            } else if o.kind() == "PersistentVolumeClaim" {
                s.pvcs_by_ns.entry(ns).or_default().push((i, o.name()));
            } else if o.kind() == "ClusterRole" {
                s.cluster_roles.push((i, o.labels().collect()));
            }
        }
        s
    }
}

/// Collects the references of one object.
pub(super) struct Builder<'r> {
    pub(super) from: usize,
    pub(super) ns: &'r str,
    pub(super) refs: &'r mut Vec<Reference>,
}

fn s(n: &Node, k: &str) -> Option<String> {
    n.get(k)
        .and_then(Node::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl Builder<'_> {
    fn push(&mut self, kind: &str, ns: Option<&str>, name: &str, via: Via, path: FieldPath) {
        self.push_opt(kind, ns, name, via, path, false);
    }

    fn push_opt(
        &mut self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        via: Via,
        path: FieldPath,
        optional: bool,
    ) {
        if name.is_empty() {
            return;
        }
        self.refs.push(Reference {
            from: self.from,
            target: ObjectKey {
                kind: kind.to_string(),
                namespace: ns.map(str::to_string),
                name: name.to_string(),
            },
            via,
            path,
            optional,
        });
    }

    /// A reference to a namespaced object in the source's own namespace.
    fn local(&mut self, kind: &str, name: &str, via: Via, path: FieldPath) {
        let ns = self.ns.to_string();
        self.push(kind, Some(&ns), name, via, path);
    }

    fn local_opt(&mut self, kind: &str, n: &Node, key: &str, via: Via, path: FieldPath) {
        if let Some(name) = n.get(key).and_then(Node::as_str) {
            let optional = n.get("optional").and_then(Node::as_bool) == Some(true);
            let ns = self.ns.to_string();
            self.push_opt(kind, Some(&ns), name, via, path.key(key), optional);
        }
    }

    /// `ns/name` or `name` (in `default_ns`).
    fn ns_name(&mut self, kind: &str, value: &str, default_ns: &str, via: Via, path: FieldPath) {
        let (ns, name) = value.split_once('/').unwrap_or((default_ns, value));
        self.push(kind, Some(ns), name, via, path);
    }

    pub(super) fn object(&mut self, o: &Object, sel: &Selectables<'_>, objects: &[Object]) {
        self.owner_references(o);
        if let Some(pod) = PodSpecView::of(o) {
            self.pod(&pod);
            self.reloader(o, &pod);
        }
        match o.kind() {
            "ServiceAccount" => self.service_account(o),
            "Secret" => self.secret(o),
            "Ingress" => self.ingress(o),
            "Service" => self.service(o, sel, objects),
            "PodDisruptionBudget" => self.pdb(o, sel, objects),
            "RoleBinding" | "ClusterRoleBinding" => self.binding(o),
            "ClusterRole" => self.aggregation(o, sel, objects),
            "HorizontalPodAutoscaler" => self.hpa(o),
            "PersistentVolume" => self.pv(o),
            "PersistentVolumeClaim" => {
                if let Some(v) = o.root.at("spec.volumeName").and_then(Node::as_str) {
                    self.push(
                        "PersistentVolume",
                        None,
                        v,
                        Via::VolumeName,
                        FieldPath::parse("spec.volumeName"),
                    );
                }
            }
            "StatefulSet" => self.claim_templates(o, sel, objects),
            "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => self.webhooks(o),
            "APIService" => {
                if let Some(svc) = o.root.at("spec.service")
                    && let (Some(ns), Some(name)) = (s(svc, "namespace"), s(svc, "name"))
                {
                    self.push(
                        "Service",
                        Some(&ns),
                        &name,
                        Via::ApiService,
                        FieldPath::parse("spec.service.name"),
                    );
                }
            }
            "StorageClass" => self.storage_class(o),
            _ => {}
        }
    }

    fn owner_references(&mut self, o: &Object) {
        let Some(list) = o.root.at("metadata.ownerReferences") else {
            return;
        };
        let base = FieldPath::parse("metadata.ownerReferences");
        for (i, r) in list.items().iter().enumerate() {
            let (Some(kind), Some(name)) = (s(r, "kind"), s(r, "name")) else {
                continue;
            };
            let group = r
                .get("apiVersion")
                .and_then(Node::as_str)
                .and_then(|v| v.rsplit_once('/'))
                .map_or("", |(g, _)| g);
            // Owners of a namespaced object are in its namespace, or cluster-scoped.
            let ns = if stockade_model::kinds::is_builtin_group(group) && is_cluster_scoped(&kind) {
                None
            } else {
                namespace_of(o)
            };
            let ns = ns.map(str::to_string);
            self.push(
                &kind,
                ns.as_deref(),
                &name,
                Via::OwnerReference,
                base.index(i).key("name"),
            );
        }
    }

    fn pod(&mut self, pod: &PodSpecView<'_>) {
        // The ServiceAccount the pods run as.
        let (sa, path) = match (
            pod.get("serviceAccountName").and_then(Node::as_str),
            pod.get("serviceAccount").and_then(Node::as_str),
        ) {
            (Some(n), _) if !n.is_empty() => (n, pod.path_of("serviceAccountName")),
            (_, Some(n)) if !n.is_empty() => (n, pod.path_of("serviceAccount")),
            _ => ("default", pod.spec_path.clone()),
        };
        self.local("ServiceAccount", sa, Via::PodServiceAccount, path);
        for (i, ips) in pod
            .get("imagePullSecrets")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if let Some(name) = ips.get("name").and_then(Node::as_str) {
                self.local(
                    "Secret",
                    name,
                    Via::ImagePullSecret,
                    pod.path_of("imagePullSecrets").index(i).key("name"),
                );
            }
        }
        for (vp, v) in pod.volumes() {
            self.volume(v, &vp);
        }
        for c in pod.all_containers() {
            for (i, e) in c
                .node
                .get("env")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let ep = c.path.key("env").index(i).key("valueFrom");
                let Some(vf) = e.get("valueFrom") else {
                    continue;
                };
                if let Some(r) = vf.get("secretKeyRef") {
                    self.local_opt("Secret", r, "name", Via::Env, ep.key("secretKeyRef"));
                }
                if let Some(r) = vf.get("configMapKeyRef") {
                    self.local_opt("ConfigMap", r, "name", Via::Env, ep.key("configMapKeyRef"));
                }
            }
            for (i, e) in c
                .node
                .get("envFrom")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let ep = c.path.key("envFrom").index(i);
                if let Some(r) = e.get("secretRef") {
                    self.local_opt("Secret", r, "name", Via::EnvFrom, ep.key("secretRef"));
                }
                if let Some(r) = e.get("configMapRef") {
                    self.local_opt("ConfigMap", r, "name", Via::EnvFrom, ep.key("configMapRef"));
                }
            }
            self.controller_args(c.node, &c.path);
        }
    }

    fn volume(&mut self, v: &Node, vp: &FieldPath) {
        for (k, src) in v.entries() {
            let kp = vp.key(&k.name);
            match &*k.name {
                "secret" => {
                    if let Some(name) = src.get("secretName").and_then(Node::as_str) {
                        let optional = src.get("optional").and_then(Node::as_bool) == Some(true);
                        let ns = self.ns.to_string();
                        self.push_opt(
                            "Secret",
                            Some(&ns),
                            name,
                            Via::Volume,
                            kp.key("secretName"),
                            optional,
                        );
                    }
                }
                "configMap" => self.local_opt("ConfigMap", src, "name", Via::Volume, kp),
                "persistentVolumeClaim" => {
                    if let Some(name) = src.get("claimName").and_then(Node::as_str) {
                        self.local(
                            "PersistentVolumeClaim",
                            name,
                            Via::Volume,
                            kp.key("claimName"),
                        );
                    }
                }
                "projected" => {
                    for (i, p) in src
                        .get("sources")
                        .map(Node::items)
                        .unwrap_or(&[])
                        .iter()
                        .enumerate()
                    {
                        let pp = kp.key("sources").index(i);
                        if let Some(r) = p.get("secret") {
                            self.local_opt(
                                "Secret",
                                r,
                                "name",
                                Via::ProjectedVolume,
                                pp.key("secret"),
                            );
                        }
                        if let Some(r) = p.get("configMap") {
                            self.local_opt(
                                "ConfigMap",
                                r,
                                "name",
                                Via::ProjectedVolume,
                                pp.key("configMap"),
                            );
                        }
                    }
                }
                "name" => {}
                _ => {
                    // CSI, CephFS, RBD, iSCSI, FlexVolume, ScaleIO, StorageOS: `secretRef` or
                    // `nodePublishSecretRef` name a Secret of the pod's namespace; Azure File
                    // names one with `secretName`.
                    for key in ["secretRef", "nodePublishSecretRef"] {
                        if let Some(r) = src.get(key) {
                            self.local_opt("Secret", r, "name", Via::Volume, kp.key(key));
                        }
                    }
                    if &*k.name == "azureFile"
                        && let Some(name) = src.get("secretName").and_then(Node::as_str)
                    {
                        self.local("Secret", name, Via::Volume, kp.key("secretName"));
                    }
                }
            }
        }
    }

    /// ingress-nginx's controller flags that name a Secret or ConfigMap as `ns/name`.
    fn controller_args(&mut self, c: &Node, path: &FieldPath) {
        for field in ["args", "command"] {
            let items = c.get(field).map(Node::items).unwrap_or(&[]);
            for (i, a) in items.iter().enumerate() {
                let Some(a) = a.as_str() else { continue };
                let Some((flag, value)) = a.split_once('=') else {
                    continue;
                };
                let kind = match flag {
                    "--default-ssl-certificate" => "Secret",
                    "--configmap" | "--tcp-services-configmap" | "--udp-services-configmap" => {
                        "ConfigMap"
                    }
                    _ => continue,
                };
                // `$(POD_NAMESPACE)/name` is the chart's spelling of "our own namespace".
                let value = value.replace("$(POD_NAMESPACE)", self.ns);
                let ns = self.ns.to_string();
                self.ns_name(
                    kind,
                    &value,
                    &ns,
                    Via::ControllerArgument,
                    path.key(field).index(i),
                );
            }
        }
    }

    /// Stakater Reloader: `secret.reloader.stakater.com/reload: "a,b"` on the workload or its
    /// pod template.
    fn reloader(&mut self, o: &Object, pod: &PodSpecView<'_>) {
        let metas = [
            (o.metadata(), FieldPath::root().key("metadata")),
            (pod.meta, pod.meta_path.clone()),
        ];
        for (i, (meta, mp)) in metas.into_iter().enumerate() {
            // A Pod's template metadata is its own metadata: do not count it twice.
            if i == 1 && o.kind() == "Pod" {
                continue;
            }
            let Some(ann) = meta.and_then(|m| m.get("annotations")) else {
                continue;
            };
            for (kind, key) in [
                ("Secret", "secret.reloader.stakater.com/reload"),
                ("ConfigMap", "configmap.reloader.stakater.com/reload"),
            ] {
                let Some(v) = ann.get(key).and_then(Node::as_str) else {
                    continue;
                };
                for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    self.local(
                        kind,
                        name,
                        Via::ControllerAnnotation,
                        mp.key("annotations").key(key),
                    );
                }
            }
        }
    }

    fn service_account(&mut self, o: &Object) {
        for (field, via) in [
            ("secrets", Via::ServiceAccountSecret),
            ("imagePullSecrets", Via::ServiceAccountImagePullSecret),
        ] {
            for (i, r) in o
                .root
                .get(field)
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                if let Some(name) = r.get("name").and_then(Node::as_str) {
                    self.local(
                        "Secret",
                        name,
                        via,
                        FieldPath::root().key(field).index(i).key("name"),
                    );
                }
            }
        }
    }

    fn secret(&mut self, o: &Object) {
        if let Some(sa) = o.annotation(SA_NAME_ANNOTATION) {
            self.local(
                "ServiceAccount",
                sa,
                Via::TokenFor,
                FieldPath::root()
                    .key("metadata")
                    .key("annotations")
                    .key(SA_NAME_ANNOTATION),
            );
        }
    }

    fn ingress(&mut self, o: &Object) {
        let Some(spec) = o.root.get("spec") else {
            return;
        };
        let sp = FieldPath::root().key("spec");
        for (i, t) in spec
            .get("tls")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if let Some(name) = t.get("secretName").and_then(Node::as_str) {
                self.local(
                    "Secret",
                    name,
                    Via::IngressTls,
                    sp.key("tls").index(i).key("secretName"),
                );
            }
        }
        for key in ["defaultBackend", "backend"] {
            if let Some(b) = spec.get(key) {
                self.backend(b, sp.key(key), Via::IngressDefaultBackend);
            }
        }
        for (i, r) in spec
            .get("rules")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let paths = r.at("http.paths").map(Node::items).unwrap_or(&[]);
            for (j, p) in paths.iter().enumerate() {
                if let Some(b) = p.get("backend") {
                    let bp = sp
                        .key("rules")
                        .index(i)
                        .key("http")
                        .key("paths")
                        .index(j)
                        .key("backend");
                    self.backend(b, bp, Via::IngressBackend);
                }
            }
        }
        // ingress-nginx annotations naming Secrets (`name` or `ns/name`).
        if let Some(ann) = o.metadata().and_then(|m| m.get("annotations")) {
            for key in NGINX_SECRET_ANNOTATIONS {
                if let Some(v) = ann.get(key).and_then(Node::as_str) {
                    let ns = self.ns.to_string();
                    self.ns_name(
                        "Secret",
                        v,
                        &ns,
                        Via::ControllerAnnotation,
                        FieldPath::root()
                            .key("metadata")
                            .key("annotations")
                            .key(key),
                    );
                }
            }
        }
    }

    fn backend(&mut self, b: &Node, bp: FieldPath, via: Via) {
        if let Some(name) = b.at("service.name").and_then(Node::as_str) {
            self.local("Service", name, via, bp.key("service").key("name"));
        } else if let Some(name) = b.get("serviceName").and_then(Node::as_str) {
            self.local("Service", name, via, bp.key("serviceName"));
        } else if let Some(r) = b.get("resource")
            && let (Some(kind), Some(name)) = (s(r, "kind"), s(r, "name"))
        {
            self.local(&kind, &name, via, bp.key("resource").key("name"));
        }
    }

    fn selected(
        &mut self,
        o: &Object,
        selector: &LabelSelector,
        sel: &Selectables<'_>,
        objects: &[Object],
        via: Via,
        path: FieldPath,
    ) {
        let ns = namespace_of(o).unwrap_or("");
        for (i, labels, template) in sel.by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]) {
            let hit = if *template {
                selector.matches_template(labels)
            } else {
                selector.matches(labels)
            };
            if hit && let Some(t) = objects.get(*i) {
                let key = ObjectKey::of(t);
                self.push(
                    &key.kind,
                    key.namespace.as_deref(),
                    &key.name,
                    via,
                    path.clone(),
                );
            }
        }
    }

    fn service(&mut self, o: &Object, sel: &Selectables<'_>, objects: &[Object]) {
        let Some(selector) = o.root.at("spec.selector") else {
            return;
        };
        let ls = LabelSelector::from_map(selector);
        // An empty selector on a Service selects no pods (its endpoints are managed by hand).
        if ls.is_empty() || ls.invalid {
            return;
        }
        self.selected(
            o,
            &ls,
            sel,
            objects,
            Via::ServiceSelector,
            FieldPath::parse("spec.selector"),
        );
    }

    fn pdb(&mut self, o: &Object, sel: &Selectables<'_>, objects: &[Object]) {
        let Some(selector) = o.root.at("spec.selector") else {
            return;
        };
        // `*metav1.LabelSelector`: null selects no pods, `{}` every pod.
        let ls = LabelSelector::parse(
            selector,
            &FieldPath::parse("spec.selector"),
            &mut Vec::new(),
        );
        if ls.selects_nothing() {
            return;
        }
        self.selected(
            o,
            &ls,
            sel,
            objects,
            Via::PdbSelector,
            FieldPath::parse("spec.selector"),
        );
    }

    fn binding(&mut self, o: &Object) {
        if let Some(r) = o.root.get("roleRef")
            && let (Some(kind), Some(name)) = (s(r, "kind"), s(r, "name"))
        {
            let path = FieldPath::parse("roleRef.name");
            if kind == "ClusterRole" {
                self.push("ClusterRole", None, &name, Via::RoleRef, path);
            } else {
                self.local(&kind, &name, Via::RoleRef, path);
            }
        }
        for (i, sub) in o
            .root
            .get("subjects")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let (Some(kind), Some(name)) = (s(sub, "kind"), s(sub, "name")) else {
                continue;
            };
            let path = FieldPath::root().key("subjects").index(i).key("name");
            if kind == "ServiceAccount" {
                // A ServiceAccount subject without a namespace is invalid for
                // ClusterRoleBindings; for RoleBindings the API server requires it too, but
                // the binding's namespace is the only sensible reading.
                let ns = s(sub, "namespace").unwrap_or_else(|| self.ns.to_string());
                self.push("ServiceAccount", Some(&ns), &name, Via::Subject, path);
            } else {
                self.push(&kind, None, &name, Via::Subject, path);
            }
        }
    }

    fn aggregation(&mut self, o: &Object, sel: &Selectables<'_>, objects: &[Object]) {
        let Some(selectors) = o.root.at("aggregationRule.clusterRoleSelectors") else {
            return;
        };
        for (i, s) in selectors.items().iter().enumerate() {
            let ls = LabelSelector::parse_value(s, &FieldPath::root(), &mut Vec::new());
            // An empty selector in aggregationRule matches nothing (the controller skips it).
            if ls.invalid || ls.is_empty() {
                continue;
            }
            for (ci, labels) in &sel.cluster_roles {
                if *ci == self.from || !ls.matches(labels) {
                    continue;
                }
                if let Some(t) = objects.get(*ci) {
                    self.push(
                        "ClusterRole",
                        None,
                        t.name(),
                        Via::Aggregation,
                        FieldPath::parse("aggregationRule.clusterRoleSelectors").index(i),
                    );
                }
            }
        }
    }

    fn hpa(&mut self, o: &Object) {
        if let Some(t) = o.root.at("spec.scaleTargetRef")
            && let (Some(kind), Some(name)) = (s(t, "kind"), s(t, "name"))
        {
            self.local(
                &kind,
                &name,
                Via::ScaleTarget,
                FieldPath::parse("spec.scaleTargetRef.name"),
            );
        }
    }

    fn pv(&mut self, o: &Object) {
        if let Some(c) = o.root.at("spec.claimRef")
            && let Some(name) = s(c, "name")
        {
            let ns = s(c, "namespace").unwrap_or_else(|| "default".to_string());
            self.push(
                "PersistentVolumeClaim",
                Some(&ns),
                &name,
                Via::ClaimRef,
                FieldPath::parse("spec.claimRef.name"),
            );
        }
        if let Some(csi) = o.root.at("spec.csi") {
            for (k, r) in csi.entries() {
                if !k.name.ends_with("SecretRef") {
                    continue;
                }
                if let (Some(name), Some(ns)) = (s(r, "name"), s(r, "namespace")) {
                    self.push(
                        "Secret",
                        Some(&ns),
                        &name,
                        Via::Volume,
                        FieldPath::parse("spec.csi").key(&k.name).key("name"),
                    );
                }
            }
        }
    }

    fn claim_templates(&mut self, o: &Object, sel: &Selectables<'_>, objects: &[Object]) {
        let ns = namespace_of(o).unwrap_or("");
        let pvcs = sel.pvcs_by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]);
        let templates = o
            .root
            .at("spec.volumeClaimTemplates")
            .map(Node::items)
            .unwrap_or(&[]);
        for (i, t) in templates.iter().enumerate() {
            let Some(tname) = t.at("metadata.name").and_then(Node::as_str) else {
                continue;
            };
            let prefix = format!("{tname}-{}-", o.name());
            for (pi, pname) in pvcs {
                let ordinal = pname.strip_prefix(prefix.as_str());
                if ordinal.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                    && let Some(p) = objects.get(*pi)
                {
                    let ns = ns.to_string();
                    self.push(
                        "PersistentVolumeClaim",
                        Some(&ns),
                        p.name(),
                        Via::VolumeClaimTemplate,
                        FieldPath::parse("spec.volumeClaimTemplates").index(i),
                    );
                }
            }
        }
    }

    fn webhooks(&mut self, o: &Object) {
        for (i, w) in o
            .root
            .get("webhooks")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if let Some(svc) = w.at("clientConfig.service")
                && let (Some(ns), Some(name)) = (s(svc, "namespace"), s(svc, "name"))
            {
                self.push(
                    "Service",
                    Some(&ns),
                    &name,
                    Via::ApiService,
                    FieldPath::root()
                        .key("webhooks")
                        .index(i)
                        .join("clientConfig.service.name"),
                );
            }
        }
    }

    fn storage_class(&mut self, o: &Object) {
        let Some(params) = o.root.get("parameters") else {
            return;
        };
        for (k, v) in params.entries() {
            let Some(prefix) = k.name.strip_suffix("-secret-name") else {
                continue;
            };
            let Some(name) = v.as_str() else { continue };
            let ns_key = format!("{prefix}-secret-namespace");
            let ns = params.get(&ns_key).and_then(Node::as_str);
            // `${pvc.namespace}` and similar templates name a different Secret per claim.
            let (Some(ns), false) = (ns, name.contains("${")) else {
                continue;
            };
            if ns.contains("${") {
                continue;
            }
            self.push(
                "Secret",
                Some(ns),
                name,
                Via::StorageClassSecret,
                FieldPath::root().key("parameters").key(&k.name),
            );
        }
    }
}

/// The annotation that ties a legacy token Secret to its ServiceAccount.
pub const SA_NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";

/// ingress-nginx Ingress annotations whose value names a Secret (`name` or `ns/name`).
const NGINX_SECRET_ANNOTATIONS: &[&str] = &[
    "nginx.ingress.kubernetes.io/auth-secret",
    "nginx.ingress.kubernetes.io/auth-tls-secret",
    "nginx.ingress.kubernetes.io/proxy-ssl-secret",
];
