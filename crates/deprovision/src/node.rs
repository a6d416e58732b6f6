//! Retiring a node (`node:NAME`).
//!
//! The plan cordons the Node, evicts its pods through the Eviction API (so PodDisruptionBudgets
//! decide; DaemonSet and static pods are not drained), revokes what names the node's identity
//! (`system:node:NAME`) in RBAC, deletes its CertificateSigningRequests and the bootstrap token
//! it joined with when no other node used it, then deletes the Node, and after it what the node
//! had attached (VolumeAttachments) and its Lease and CSINode unless they go with the Node as
//! its dependents. What Kubernetes cannot revoke is said plainly: the client certificates the
//! CSRs show were issued stay valid until they expire ([`Certificate`]), and the Node authorizer
//! keeps granting any `system:nodes` identity what every kubelet may do.
//!
//! A scan does not read Leases, CSINodes, VolumeAttachments or CSRs; [`extras`] fetches the
//! ones a node plan needs. Apply deletes the Node only once its kubelet has stopped renewing its
//! Lease ([`kubelet_heartbeat`]), since a running kubelet registers its Node again.

use crate::api::{Api, ApiError};
use crate::plan::{Action, Kept, ObjRef, Op, PlanError, Planner, index};
use crate::target::{NODE_USER_PREFIX, Target};
use base64::Engine;
use serde_json::Value;
use std::collections::BTreeSet;
use stockade_deprovision_model::plan::Certificate;
use stockade_inventory::references::namespace_of;
use stockade_inventory::{Object, Via};
use stockade_sources::Node;

/// The namespace of the kubelets' heartbeat Leases.
pub const NODE_LEASE_NAMESPACE: &str = "kube-node-lease";

/// A Lease renewed less than this long ago means the kubelet is running.
pub const HEARTBEAT_FRESH_SECS: i64 = 60;

/// What a node plan found besides its actions.
#[derive(Debug, Default)]
pub struct Found {
    /// What the node could read through its pods.
    pub reads: Vec<ObjRef>,
    /// Client certificates issued to it.
    pub certificates: Vec<Certificate>,
}

/// What a CertificateSigningRequest says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsrFacts {
    /// Who asked for it (`spec.username`).
    pub username: String,
    /// `spec.signerName`.
    pub signer: String,
    /// The requested subject's common name.
    pub common_name: Option<String>,
    /// An `Approved` condition is set.
    pub approved: bool,
    /// A `Denied` or `Failed` condition is set.
    pub denied: bool,
    /// The issued certificate: (subject common name, serial in hex, notAfter RFC 3339).
    pub issued: Option<(String, String, String)>,
}

/// PEM text from a base64 field (`spec.request`, `status.certificate`).
fn pem_of(b64: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
}

fn common_name(name: &x509_parser::x509::X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
}

/// The facts of a CSR object; fields that cannot be parsed are left empty.
pub fn csr_facts(o: &Object) -> CsrFacts {
    use x509_parser::prelude::FromDer;
    let s = |p: &str| {
        o.root
            .at(p)
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut f = CsrFacts {
        username: s("spec.username"),
        signer: s("spec.signerName"),
        ..CsrFacts::default()
    };
    for c in o
        .root
        .at("status.conditions")
        .map(Node::items)
        .unwrap_or(&[])
    {
        match c.get("type").and_then(Node::as_str) {
            Some("Approved") => f.approved = true,
            Some("Denied" | "Failed") => f.denied = true,
            _ => {}
        }
    }
    if let Some(pem) = o
        .root
        .at("spec.request")
        .and_then(Node::as_str)
        .and_then(pem_of)
    {
        for p in x509_parser::pem::Pem::iter_from_buffer(&pem).flatten() {
            if let Ok((_, req)) =
                x509_parser::certification_request::X509CertificationRequest::from_der(&p.contents)
            {
                f.common_name = common_name(&req.certification_request_info.subject);
                break;
            }
        }
    }
    if let Some(pem) = o
        .root
        .at("status.certificate")
        .and_then(Node::as_str)
        .and_then(pem_of)
    {
        for p in x509_parser::pem::Pem::iter_from_buffer(&pem).flatten() {
            if p.label != "CERTIFICATE" {
                continue;
            }
            if let Ok(cert) = p.parse_x509() {
                let not_after =
                    stockade_model::time::format_rfc3339(cert.validity().not_after.timestamp());
                f.issued = Some((
                    common_name(cert.subject()).unwrap_or_default(),
                    // As openssl prints it: hex without the DER sign byte.
                    {
                        let hex = cert.raw_serial_as_string().replace(':', "");
                        let trimmed = hex.trim_start_matches("00");
                        if trimmed.is_empty() {
                            "0".to_string()
                        } else {
                            trimmed.to_string()
                        }
                    },
                    not_after,
                ));
                break;
            }
        }
    }
    f
}

/// The seconds since the kubelet last renewed its Lease (`spec.renewTime`), when it has.
pub fn heartbeat_age(lease: &Value, now: stockade_model::time::Micros) -> Option<i64> {
    let t = lease
        .pointer("/spec/renewTime")
        .and_then(Value::as_str)
        .and_then(stockade_model::time::parse_rfc3339)?;
    Some((now - t) / 1_000_000)
}

/// Why the Node must not be deleted now: its kubelet renewed its Lease within
/// [`HEARTBEAT_FRESH_SECS`]. `None` when it has stopped, or has no Lease.
pub fn kubelet_heartbeat(api: &Api, node: &str) -> Result<Option<String>, ApiError> {
    let lease = api.get(&lease_ref(node))?;
    let Some(age) = lease.and_then(|l| heartbeat_age(&l, stockade_model::time::now())) else {
        return Ok(None);
    };
    Ok((age < HEARTBEAT_FRESH_SECS).then(|| {
        format!(
            "the kubelet of {} is still running (its Lease was renewed {}s ago) and would register the Node again: stop the kubelet or shut the machine down, then run apply again to finish",
            stockade_model::escape::terminal_line(node),
            age.max(0)
        )
    }))
}

fn lease_ref(node: &str) -> ObjRef {
    ObjRef {
        api_version: "coordination.k8s.io/v1".into(),
        kind: "Lease".into(),
        namespace: Some(NODE_LEASE_NAMESPACE.into()),
        name: node.into(),
        uid: None,
        resource_version: None,
    }
}

/// The objects a node plan needs that a scan does not read: the node's Lease and CSINode, every
/// VolumeAttachment and every CertificateSigningRequest. Returns them with what could not be
/// read (forbidden, not served), for the caller to report.
pub fn extras(api: &Api, node: &str) -> (Vec<Value>, Vec<String>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let csinode = ObjRef {
        api_version: "storage.k8s.io/v1".into(),
        kind: "CSINode".into(),
        namespace: None,
        name: node.into(),
        uid: None,
        resource_version: None,
    };
    for r in [lease_ref(node), csinode] {
        match api.get(&r) {
            Ok(Some(mut v)) => {
                if let Some(m) = v.as_object_mut() {
                    m.insert("apiVersion".into(), r.api_version.clone().into());
                    m.insert("kind".into(), r.kind.clone().into());
                }
                out.push(v)
            }
            Ok(None) => {}
            Err(e) => problems.push(format!("{}: {e}", r.display())),
        }
    }
    for (av, kind) in [
        ("storage.k8s.io/v1", "VolumeAttachment"),
        ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ] {
        match api.list(av, kind) {
            Ok(items) => out.extend(items),
            Err(e) => problems.push(format!("{kind}s: {e}")),
        }
    }
    (out, problems)
}

/// A reference pinned by uid alone: the status of these kinds is rewritten all the time (node
/// heartbeats, pod conditions), so a resourceVersion precondition would always fail.
fn by_uid(o: &Object) -> ObjRef {
    let mut r = ObjRef::of(o);
    r.resource_version = None;
    r
}

fn owned_by_node(o: &Object, node: &str) -> bool {
    o.owners()
        .any(|w| w.kind == Some("Node") && w.name == Some(node))
}

/// Label keys operators use to tie an object to one node.
fn node_label(key: &str) -> bool {
    let last = key.rsplit('/').next().unwrap_or(key);
    key == "kubernetes.io/hostname"
        || matches!(last, "node" | "nodeName" | "node-name" | "nodename")
}

/// Plans `node:NAME` into `p`; `notes` gets what the operator must know.
pub(crate) fn plan(
    p: &mut Planner<'_>,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<Found, PlanError> {
    let inv = p.inv;
    let refs = inv.references();
    let user = format!("{NODE_USER_PREFIX}{name}");
    let node = inv
        .get("Node", None, name)
        .ok_or_else(|| PlanError::TargetNotFound(format!("node {name}")))?;
    let node_index = index(inv, node);
    p.removed.insert(node_index);
    let mut found = Found::default();
    if node.root.at("spec.unschedulable").and_then(Node::as_bool) == Some(true) {
        notes.push(format!("node {name} is already cordoned"));
    } else {
        p.actions.push(Action {
            op: Op::Cordon,
            object: by_uid(node),
            subjects: Vec::new(),
            reason: "no new pods are scheduled onto it (as kubectl cordon)".into(),
            irreversible: false,
            warning: None,
        });
    }

    // Pods bound to the node.
    let mut not_drained = Vec::new();
    let mut reads = BTreeSet::new();
    for (i, pod) in inv.objects().iter().enumerate() {
        if pod.kind() != "Pod" || pod.root.at("spec.nodeName").and_then(Node::as_str) != Some(name)
        {
            continue;
        }
        for r in refs.uses(inv, pod) {
            if matches!(
                r.via,
                Via::Volume
                    | Via::ProjectedVolume
                    | Via::Env
                    | Via::EnvFrom
                    | Via::ImagePullSecret
                    | Via::PodServiceAccount
            ) && let Some(t) = refs.resolve(inv, &r.target)
            {
                reads.insert(ObjRef::of(t).identity());
            }
        }
        let phase = pod.root.at("status.phase").and_then(Node::as_str);
        let daemon = pod.owners().find(|w| w.kind == Some("DaemonSet"));
        if pod.annotation("kubernetes.io/config.mirror").is_some() {
            not_drained.push(format!("{} (static pod)", pod.display_name()));
            p.cascade.push(ObjRef::of(pod).identity());
        } else if let Some(ds) = daemon {
            not_drained.push(format!(
                "{} (DaemonSet {})",
                pod.display_name(),
                ds.name.unwrap_or("?")
            ));
            p.cascade.push(ObjRef::of(pod).identity());
        } else if matches!(phase, Some("Succeeded" | "Failed"))
            || pod.root.at("metadata.deletionTimestamp").is_some()
        {
            p.cascade.push(ObjRef::of(pod).identity());
        } else {
            let mut warnings = Vec::new();
            let managed = pod.is_controlled();
            if !managed {
                warnings.push(
                    "not managed by a controller: eviction removes it for good, nothing recreates it"
                        .to_string(),
                );
            }
            let empty_dir = pod
                .root
                .at("spec.volumes")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .any(|v| v.get("emptyDir").is_some());
            if empty_dir {
                warnings.push("its emptyDir data is lost".into());
            }
            for r in refs.users_of_object(pod) {
                if r.via != Via::PdbSelector {
                    continue;
                }
                let Some(pdb) = r.source(inv) else { continue };
                let allowed = pdb
                    .root
                    .at("status.disruptionsAllowed")
                    .and_then(Node::as_i64);
                if allowed == Some(0) {
                    warnings.push(format!(
                        "PodDisruptionBudget {} allows no disruption now: apply stops before any change until it does (or with --force-drain, which deletes the pod instead)",
                        pdb.display_name()
                    ));
                } else {
                    warnings.push(format!(
                        "PodDisruptionBudget {} decides whether it may go",
                        pdb.display_name()
                    ));
                }
            }
            p.removed.insert(i);
            p.actions.push(Action {
                op: Op::Evict,
                object: by_uid(pod),
                subjects: Vec::new(),
                reason: format!(
                    "runs on {name}; evicted through the Eviction API, so its PodDisruptionBudgets are honoured{}",
                    if managed { " and its controller starts a replacement elsewhere" } else { "" }
                ),
                irreversible: !managed,
                warning: (!warnings.is_empty()).then(|| warnings.join("; ")),
            });
        }
    }
    if !not_drained.is_empty() {
        notes.push(format!(
            "not drained, as kubectl drain --ignore-daemonsets does: {}; they stop with the kubelet and pod garbage collection removes them once the Node is gone",
            not_drained.join(", ")
        ));
    }
    found.reads = reads.into_iter().collect();

    // RBAC naming the node's identity.
    p.revoked.push(Target::User(user.clone()));

    // Its CertificateSigningRequests, and the bootstrap tokens it joined with.
    let csrs: Vec<(usize, &Object, CsrFacts)> = inv
        .objects()
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind() == "CertificateSigningRequest")
        .map(|(i, o)| (i, o, csr_facts(o)))
        .collect();
    let mut tokens = BTreeSet::new();
    for (i, o, f) in &csrs {
        let for_node = f.common_name.as_deref() == Some(user.as_str());
        if f.username != user && !for_node {
            continue;
        }
        if let Some(id) = f.username.strip_prefix("system:bootstrap:")
            && for_node
        {
            tokens.insert(id.to_string());
        }
        let state = if f.denied {
            "denied"
        } else if f.approved {
            "approved"
        } else {
            "pending"
        };
        let mut warning = None;
        if let Some((cn, serial, not_after)) = &f.issued {
            found.certificates.push(Certificate {
                csr: o.name().to_string(),
                subject: cn.clone(),
                signer: f.signer.clone(),
                serial: serial.clone(),
                not_after: not_after.clone(),
            });
            warning = Some(format!(
                "deleting the CSR does not revoke the certificate it issued (serial {serial}), which stays valid until {not_after}"
            ));
        } else if !f.approved && !f.denied {
            warning = Some(
                "pending: deleting it means it can never be approved and issue a certificate"
                    .into(),
            );
        }
        p.removed.insert(*i);
        p.actions.push(Action {
            op: Op::Delete,
            object: ObjRef::of(o),
            subjects: Vec::new(),
            reason: format!(
                "{state} certificate request by {} for {}",
                f.username,
                f.common_name.as_deref().unwrap_or("an unreadable subject")
            ),
            irreversible: true,
            warning,
        });
    }
    if csrs.is_empty() {
        notes.push(format!(
            "no CertificateSigningRequests were read (the CSR cleaner removes approved ones after an hour): the expiry of {name}'s client certificate is unknown here; read it on the machine from /var/lib/kubelet/pki/kubelet-client-current.pem"
        ));
    }
    for id in &tokens {
        let secret_name = format!("bootstrap-token-{id}");
        let others: BTreeSet<String> = csrs
            .iter()
            .filter(|(_, _, f)| f.username == format!("system:bootstrap:{id}"))
            .filter_map(|(_, _, f)| f.common_name.clone())
            .filter(|cn| *cn != user)
            .collect();
        match inv.get("Secret", Some("kube-system"), &secret_name) {
            None => notes.push(format!(
                "{name} joined with bootstrap token {id}, which no longer exists (expired or deleted)"
            )),
            Some(s) if !others.is_empty() => p.kept.push(Kept {
                object: ObjRef::of(s).identity(),
                reason: format!(
                    "bootstrap token {name} joined with, but shared: it also joined {}; delete it (kubeadm token delete {id}) once no node needs to join with it",
                    others.into_iter().collect::<Vec<_>>().join(", ")
                ),
            }),
            Some(s) => {
                p.removed.insert(index(inv, s));
                p.actions.push(Action {
                    op: Op::Delete,
                    object: ObjRef::of(s),
                    subjects: Vec::new(),
                    reason: format!(
                        "the bootstrap token {name} joined with (its CSRs name no other node); anyone holding it could join a node"
                    ),
                    irreversible: true,
                    warning: Some(
                        "IRREVERSIBLE: deleting the token is its revocation, and Stockade never stores Secret values; create a new token (kubeadm token create) to join nodes again".into(),
                    ),
                });
            }
        }
    }

    // The Node itself, then what it had attached and its heartbeat.
    p.actions.push(Action {
        op: Op::Delete,
        object: by_uid(node),
        subjects: Vec::new(),
        reason: "the Node object; apply deletes it only once its kubelet has stopped, since a running kubelet registers it again".into(),
        irreversible: true,
        warning: Some(
            "undo does not create a Node: one registers itself when its kubelet starts again".into(),
        ),
    });
    for (i, o) in inv.objects().iter().enumerate() {
        let mine = match o.kind() {
            "VolumeAttachment" => o.root.at("spec.nodeName").and_then(Node::as_str) == Some(name),
            "Lease" => namespace_of(o) == Some(NODE_LEASE_NAMESPACE) && o.name() == name,
            "CSINode" => o.name() == name,
            _ => false,
        };
        if !mine {
            continue;
        }
        p.removed.insert(i);
        if o.kind() != "VolumeAttachment" && owned_by_node(o, name) {
            p.cascade.push(ObjRef::of(o).identity());
            continue;
        }
        let (reason, warning) = match o.kind() {
            "VolumeAttachment" => (
                format!(
                    "attaches {} to {name}",
                    o.root
                        .at("spec.source.persistentVolumeName")
                        .and_then(Node::as_str)
                        .map(|pv| format!("PersistentVolume {pv}"))
                        .unwrap_or_else(|| "a volume".into())
                ),
                Some("the CSI attacher detaches the volume from the machine; deleted only after the Node, when nothing runs there".to_string()),
            ),
            "Lease" => (format!("the heartbeat Lease of {name}"), None),
            _ => (format!("the CSI drivers registered on {name}"), None),
        };
        p.actions.push(Action {
            op: Op::Delete,
            object: by_uid(o),
            subjects: Vec::new(),
            reason,
            irreversible: o.kind() == "VolumeAttachment",
            warning,
        });
    }

    // Per-node objects operators keep.
    for (i, o) in inv.objects().iter().enumerate() {
        if o.kind() != "ConfigMap" || p.removed.contains(&i) {
            continue;
        }
        if let Some((k, v)) = o.labels().find(|(k, v)| *v == name && node_label(k)) {
            p.pending
                .push((i, format!("labelled for node {name} ({k}={v})")));
        } else if o.name() == name
            || o.name().ends_with(&format!("-{name}"))
            || o.name().starts_with(&format!("{name}-"))
        {
            p.kept.push(Kept {
                object: ObjRef::of(o).identity(),
                reason: format!(
                    "named like node {name}, but Stockade deletes only what is labelled for it (kubernetes.io/hostname={name}); review it and delete it by hand if it was only for this node"
                ),
            });
        }
    }

    let certs = if found.certificates.is_empty() {
        "until it expires".to_string()
    } else {
        let mut c: Vec<String> = found
            .certificates
            .iter()
            .map(|c| format!("serial {} until {}", c.serial, c.not_after))
            .collect();
        c.dedup();
        format!("({})", c.join(", "))
    };
    notes.push(format!(
        "Kubernetes cannot revoke a client certificate: {user}'s stays valid {certs}, and the Node authorizer lets any identity in system:nodes read node-level objects and register a Node named {name} again. Destroy the machine's key, or revoke at the CA (rotate the cluster's client CA) if the machine is not under your control"
    ));
    notes.push(format!(
        "stop the kubelet on {name} (or shut the machine down) before the Node is deleted: apply stops before that step while the node's Lease was renewed in the last {HEARTBEAT_FRESH_SECS}s, and a re-run finishes the plan"
    ));
    Ok(found)
}
