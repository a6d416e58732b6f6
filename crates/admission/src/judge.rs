//! One decision: the object of an AdmissionReview judged by the rules `scan` runs (each finding
//! enforced, warned or audited), and by Pod Security exactly as the PodSecurity admission
//! judges it under its namespace's `pod-security.kubernetes.io/*` labels.

use crate::context::{Context, origin};
use crate::policy::{AdmissionPolicy, Failure, Mode, thresholds_for};
use crate::review::{Operation, Request, Response, Status};
use std::collections::BTreeMap;
use stockade_engine::Settings;
use stockade_framework::Family;
use stockade_inventory::Object;
use stockade_model::Finding;
use stockade_model::escape::terminal_line;
use stockade_pss::{AdmissionConfig, Pod};
use stockade_rules::Rule;
use stockade_sources::node_from_json;

/// The longest warning sent: Kubernetes advises 120 characters.
pub const WARNING_LIMIT: usize = 120;
/// The most warnings one response carries; the last says how many more there were.
pub const MAX_WARNINGS: usize = 20;
/// The most findings the denial message names; the rest are in the warnings.
const MESSAGE_FINDINGS: usize = 4;

/// Why a request was allowed without being judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// A subresource (`status`, `scale`, …).
    SubResource,
    /// DELETE or CONNECT.
    Operation,
    /// The namespace is exempt.
    Namespace,
    /// The requesting user is exempt.
    User,
    /// The object is being deleted (finalizers are being removed).
    Terminating,
    /// The request carries no object.
    NoObject,
    /// No judged rule reads this kind and it runs no pods.
    Kind,
    /// A Pod update that changes nothing the rules judge (labels, annotations, tolerations):
    /// a Pod's spec is immutable but for images, as the PodSecurity admission reasons.
    PodUnchanged,
}

impl Skip {
    /// A short name, for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            Skip::SubResource => "subresource",
            Skip::Operation => "operation",
            Skip::Namespace => "exempt-namespace",
            Skip::User => "exempt-user",
            Skip::Terminating => "terminating",
            Skip::NoObject => "no-object",
            Skip::Kind => "kind",
            Skip::PodUnchanged => "pod-unchanged",
        }
    }
}

/// The verdict on one request, with what it rests on (for logs and metrics).
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The response to send.
    pub response: Response,
    /// Set when the object was not judged.
    pub skipped: Option<Skip>,
    /// Each finding with what happened to it.
    pub findings: Vec<(Mode, Finding)>,
    /// Findings suppressed by config (or by the object's annotation, when allowed).
    pub suppressed: Vec<Finding>,
    /// Judged rules that could not be assessed because the context they need is not synced.
    pub not_assessed: Vec<&'static str>,
    /// Pod Security: the enforce policy and whether it rejected, warned or audited.
    pub pod_security: Option<PodSecurityOutcome>,
}

/// What Pod Security decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodSecurityOutcome {
    /// `restricted:latest`.
    pub enforce_policy: String,
    /// The request is denied by it (Pods only, as upstream).
    pub rejected: bool,
    /// Its warn level was violated.
    pub warned: bool,
    /// Its audit level was violated.
    pub audited: bool,
    /// Why it was not evaluated, when exempt.
    pub exempt: Option<String>,
}

impl Verdict {
    /// `denied`, `warned` or `allowed`.
    pub fn outcome(&self) -> &'static str {
        if !self.response.allowed {
            "denied"
        } else if !self.response.warnings.is_empty() {
            "warned"
        } else {
            "allowed"
        }
    }
}

/// Decides admission requests.
#[derive(Clone, Debug)]
pub struct Judge {
    settings: Settings,
    policy: AdmissionPolicy,
    pod_security: AdmissionConfig,
    kinds: Vec<&'static str>,
    context_kinds: std::collections::HashMap<&'static str, Vec<&'static str>>,
}

/// Whether `rule` is judged at admission: an object rule of a family judged there, marked
/// [`stockade_framework::Meta::admission`]. Pod Security is judged by namespace labels, as
/// the PodSecurity admission does, not rule by rule.
pub fn judged_at_admission(rule: &Rule) -> bool {
    rule.admission
        && matches!(
            rule.family,
            Family::Workload | Family::Rbac | Family::Network
        )
}

impl Judge {
    /// A judge with the rules `settings` enables (those judged at admission), the `admission:`
    /// policy, and the PodSecurity admission's defaults and exemptions.
    pub fn new(
        settings: &Settings,
        policy: AdmissionPolicy,
        pod_security: AdmissionConfig,
    ) -> Judge {
        let mut settings = settings.clone();
        settings
            .enabled
            .retain(|r| judged_at_admission(r) && policy.rules.get(r.id) != Some(&None));
        let mut kinds: Vec<&'static str> = settings
            .enabled
            .iter()
            .flat_map(|r| r.kinds.iter().copied())
            .chain(stockade_model::kinds::WORKLOAD_KINDS.iter().copied())
            .collect();
        // Secrets are never judged: the webhook would receive every credential value written
        // to the cluster for one low-severity placement rule (WL056), and slow every Secret write.
        kinds.retain(|k| *k != "Secret");
        kinds.sort_unstable();
        kinds.dedup();
        let context_kinds = kinds
            .iter()
            .map(|k| (*k, Judge::context_kinds_of(&settings, k)))
            .collect();
        Judge {
            settings,
            policy,
            pod_security,
            kinds,
            context_kinds,
        }
    }

    /// The kinds that the rules judging an object of `kind` read or need (a Pod's rules read
    /// ServiceAccounts, NetworkPolicies and Namespaces, not ClusterRoles): only those are
    /// copied from the context into its inventory.
    fn context_kinds(&self, kind: &str) -> &[&'static str] {
        self.context_kinds.get(kind).map_or(&[], Vec::as_slice)
    }

    fn context_kinds_of(settings: &Settings, kind: &str) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = settings
            .enabled
            .iter()
            .filter(|r| r.kinds.contains(&kind))
            .flat_map(|r| r.kinds.iter().chain(r.needs.iter()).copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The policy.
    pub fn policy(&self) -> &AdmissionPolicy {
        &self.policy
    }

    /// The rules judged.
    pub fn rules(&self) -> &[&'static Rule] {
        &self.settings.enabled
    }

    /// The kinds it judges: those the judged rules read, and every kind that runs pods; never
    /// Secrets.
    pub fn kinds(&self) -> &[&'static str] {
        &self.kinds
    }

    /// Judges `req`; `own_namespace` (the webhook's) is never judged. `today` is `YYYY-MM-DD`.
    pub fn judge(
        &self,
        req: &Request,
        cx: &Context,
        own_namespace: Option<&str>,
        today: &str,
    ) -> Verdict {
        let mut v = Verdict {
            response: Response {
                uid: req.uid.clone(),
                allowed: true,
                ..Response::default()
            },
            skipped: None,
            findings: Vec::new(),
            suppressed: Vec::new(),
            not_assessed: Vec::new(),
            pod_security: None,
        };
        if let Some(skip) = self.skip(req, own_namespace) {
            v.skipped = Some(skip);
            return v;
        }
        let Some(mut json) = req.object.clone() else {
            v.skipped = Some(Skip::NoObject);
            return v;
        };
        prepare(&mut json, req, self.policy.annotation_suppressions);
        let target = Object::new(node_from_json(json), origin());
        let ns_object = if target.kind() == "Namespace" {
            Some(&target)
        } else {
            cx.namespace(&req.namespace)
        };
        let ns_labels: Vec<(&str, &str)> =
            ns_object.map(|n| n.labels().collect()).unwrap_or_default();
        let (thresholds, label_errors) =
            thresholds_for(self.policy.thresholds, ns_labels.iter().copied());
        let mut warnings: Vec<String> = label_errors;
        let mut denials: Vec<String> = Vec::new();
        let mut audits: BTreeMap<String, String> = BTreeMap::new();

        // Pod Security, exactly as the PodSecurity admission.
        if let Some(pod) = Pod::of(&target) {
            let labels = ns_object.map(|_| ns_labels.iter().copied());
            let d = stockade_pss::decide(
                &pod,
                &req.namespace,
                labels,
                &self.pod_security,
                Some(&req.user.username),
            );
            let is_pod = target.kind() == "Pod";
            let out = PodSecurityOutcome {
                enforce_policy: d.policy.enforce.to_string(),
                rejected: is_pod && d.rejected(),
                warned: d.warned(),
                audited: d.audited(),
                exempt: d.exempt.as_ref().map(ToString::to_string),
            };
            for e in &d.label_errors {
                warnings.push(format!("pod-security label: {e}"));
            }
            if out.rejected
                && let Some(e) = &d.enforce
            {
                let ids = pss_rule_ids(e);
                denials.push(format!("{} [{}]", e.message(), ids.join(", ")));
            }
            // Upstream evaluates a workload's template at the warn and audit levels only (its
            // pods meet the enforce level when they are created), and a rejected Pod gets no
            // warning.
            if let Some(w) = d.warn.as_ref().filter(|w| !w.allowed()) {
                warnings.push(format!(
                    "would violate PodSecurity \"{}\": {}",
                    w.policy,
                    w.forbidden_detail()
                ));
            }
            if let Some(a) = d.audit.as_ref().filter(|a| !a.allowed()) {
                audits.insert(
                    "pod-security-audit-violations".into(),
                    format!(
                        "would violate PodSecurity \"{}\": {}",
                        a.policy,
                        a.forbidden_detail()
                    ),
                );
            }
            audits.insert(
                "pod-security-enforce-policy".into(),
                out.enforce_policy.clone(),
            );
            if let Some(x) = &out.exempt {
                audits.insert("pod-security-exempt".into(), x.clone());
            }
            v.pod_security = Some(out);
        }

        // The rules of `scan`.
        let read = self.context_kinds(target.kind());
        let makes_pods = target.makes_pods();
        let target_ref = target.oref();
        let inv = cx.inventory_for(target, read);
        // An object that runs pods is also judged by what its namespace lacks (no default-deny
        // policy): those findings are the namespace's, reported here at the object's
        // `metadata.namespace`, where the pods it runs are exposed.
        let mut targets = vec![0];
        if makes_pods
            && let Some(i) = inv
                .objects()
                .iter()
                .position(|o| o.kind() == "Namespace" && o.name() == req.namespace)
        {
            targets.push(i);
        }
        let mut run = stockade_engine::run_on(&inv, &self.settings, &targets, today);
        v.not_assessed = run.not_assessed.iter().map(|n| n.rule).collect();
        for list in [&mut run.findings, &mut run.suppressed] {
            list.retain_mut(|f| {
                if f.object == target_ref {
                    return true;
                }
                let namespace_fact = f.object.kind == "Namespace"
                    && stockade_rules::find(&f.rule_id)
                        .is_some_and(|r| r.family == Family::Network);
                if namespace_fact {
                    f.object = target_ref.clone();
                    f.field_path = stockade_model::FieldPath::parse("metadata.namespace");
                }
                namespace_fact
            });
        }
        for f in run.findings {
            // A ValidatingAdmissionPolicy's binding says how it acts: Deny (high), Warn
            // (medium) or Audit (low), whatever the thresholds for Stockade's own rules.
            let mode = if f
                .rule_id
                .starts_with(stockade_engine::policies::RULE_PREFIX)
            {
                match f.severity {
                    stockade_model::Severity::Low | stockade_model::Severity::Info => {
                        Some(Mode::Audit)
                    }
                    stockade_model::Severity::Medium => Some(Mode::Warn),
                    _ => Some(Mode::Enforce),
                }
            } else {
                self.policy.mode(&thresholds, &f.rule_id, f.severity)
            };
            let Some(mode) = mode else {
                continue;
            };
            v.findings.push((mode, f));
        }
        v.findings
            .sort_by(|a, b| b.0.cmp(&a.0).then(b.1.severity.cmp(&a.1.severity)));
        v.suppressed = run.suppressed;

        let enforced: Vec<&Finding> = v
            .findings
            .iter()
            .filter(|(m, _)| *m == Mode::Enforce)
            .map(|(_, f)| f)
            .collect();
        if !enforced.is_empty() {
            let mut named: Vec<String> = enforced
                .iter()
                .take(MESSAGE_FINDINGS)
                .map(|f| format!("{} at {}", f.rule_id, f.field_path))
                .collect();
            if enforced.len() > MESSAGE_FINDINGS {
                named.push(format!("{} more", enforced.len() - MESSAGE_FINDINGS));
            }
            denials.push(format!(
                "stockade: {} (see the warnings; `stockade explain RULE`)",
                named.join(", ")
            ));
        }
        // Missing context for an enforced rule, failing closed.
        if self.policy.failure == Failure::Closed {
            let enforced_unassessed: Vec<&str> = v
                .not_assessed
                .iter()
                .copied()
                .filter(|id| {
                    stockade_rules::find(id).is_some_and(|r| {
                        self.policy
                            .mode(&thresholds, r.id, self.settings.severity_of(r, None))
                            == Some(Mode::Enforce)
                    })
                })
                .collect();
            if !enforced_unassessed.is_empty() {
                denials.push(format!(
                    "stockade: cannot judge {} until the webhook's cache of the cluster is synced (failure: closed)",
                    enforced_unassessed.join(", ")
                ));
            }
        } else if !v.not_assessed.is_empty() && !cx.synced().is_empty() {
            warnings.push(format!(
                "stockade: not judged, context not yet synced: {}",
                v.not_assessed.join(", ")
            ));
        }

        for (mode, f) in &v.findings {
            if *mode != Mode::Audit {
                let tag = if *mode == Mode::Enforce {
                    "denied: "
                } else {
                    ""
                };
                warnings.push(format!(
                    "{tag}{} {}: {}",
                    f.rule_id, f.field_path, f.message
                ));
            }
        }
        let mut by_mode: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (mode, f) in &v.findings {
            by_mode
                .entry(mode.as_str())
                .or_default()
                .push(format!("{} {}", f.rule_id, f.field_path));
        }
        for (mode, items) in by_mode {
            audits.insert(mode.to_string(), items.join("; "));
        }
        if !v.suppressed.is_empty() {
            let items: Vec<String> = v
                .suppressed
                .iter()
                .map(|f| {
                    let why = f.suppression.as_ref().map_or("", |s| s.reason.as_str());
                    format!("{} {} ({why})", f.rule_id, f.field_path)
                })
                .collect();
            audits.insert("suppressed".into(), items.join("; "));
        }

        v.response.warnings = limit_warnings(warnings);
        if !denials.is_empty() {
            v.response.allowed = false;
            v.response.status = Some(Status {
                code: 403,
                reason: "Forbidden".into(),
                message: terminal_line(&denials.join("; ")).into_owned(),
            });
        }
        // A dry run persists nothing: it is judged, but leaves nothing in the audit log.
        if !req.dry_run {
            v.response.audit_annotations = audits
                .into_iter()
                .map(|(k, val)| (k, clip(&terminal_line(&val), 4096)))
                .collect();
        }
        v
    }

    fn skip(&self, req: &Request, own_namespace: Option<&str>) -> Option<Skip> {
        // Ephemeral containers are added through a subresource, whose object is the whole Pod:
        // judged like the Pod, as the PodSecurity admission does.
        let ephemeral = req.kind.kind == "Pod" && req.sub_resource == "ephemeralcontainers";
        if !req.sub_resource.is_empty() && !ephemeral {
            return Some(Skip::SubResource);
        }
        if matches!(req.operation, Operation::Delete | Operation::Connect) {
            return Some(Skip::Operation);
        }
        let ns = if req.kind.kind == "Namespace" && req.kind.group.is_empty() {
            req.name.as_str()
        } else {
            req.namespace.as_str()
        };
        if !ns.is_empty()
            && (own_namespace == Some(ns) || self.policy.exempt_namespaces.iter().any(|n| n == ns))
        {
            return Some(Skip::Namespace);
        }
        if self.policy.user_exempt(&req.user.username) {
            return Some(Skip::User);
        }
        if !self.kinds.contains(&req.kind.kind.as_str()) {
            return Some(Skip::Kind);
        }
        if req.operation == Operation::Update
            && req.object.as_ref().is_some_and(|o| {
                o.pointer("/metadata/deletionTimestamp")
                    .is_some_and(|t| !t.is_null())
            })
        {
            return Some(Skip::Terminating);
        }
        if req.operation == Operation::Update
            && req.kind.kind == "Pod"
            && !ephemeral
            && let (Some(new), Some(old)) = (&req.object, &req.old_object)
            && !significant_pod_update(new, old)
        {
            return Some(Skip::PodUnchanged);
        }
        None
    }

    /// The answer when no decision could be made in time (or at all): allowed with a warning
    /// when failing open, denied when failing closed.
    pub fn undecided(&self, uid: &str, why: &str) -> Response {
        let text = terminal_line(why).into_owned();
        match self.policy.failure {
            Failure::Open => Response {
                uid: uid.to_string(),
                allowed: true,
                warnings: vec![clip(
                    &format!("stockade: not judged: {text}"),
                    WARNING_LIMIT,
                )],
                ..Response::default()
            },
            Failure::Closed => Response {
                uid: uid.to_string(),
                allowed: false,
                status: Some(Status {
                    code: 403,
                    reason: "Forbidden".into(),
                    message: format!("stockade: not judged ({text}) and failure is closed"),
                }),
                ..Response::default()
            },
        }
    }
}

/// Whether a Pod update changes what is judged: a container image, or an annotation that sets
/// a security profile (seccomp, AppArmor). Everything else of a Pod's spec is immutable.
fn significant_pod_update(new: &serde_json::Value, old: &serde_json::Value) -> bool {
    let images = |v: &serde_json::Value, list: &str| -> Vec<serde_json::Value> {
        v.pointer(&format!("/spec/{list}"))
            .and_then(|c| c.as_array())
            .map(|cs| {
                cs.iter()
                    .map(|c| c.get("image").cloned().unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default()
    };
    let profiles = |v: &serde_json::Value| -> Vec<(String, serde_json::Value)> {
        v.pointer("/metadata/annotations")
            .and_then(|a| a.as_object())
            .map(|a| {
                a.iter()
                    .filter(|(k, _)| {
                        k.starts_with("seccomp.security.alpha.kubernetes.io/")
                            || k.starts_with("container.apparmor.security.beta.kubernetes.io/")
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .any(|l| images(new, l) != images(old, l))
        || profiles(new) != profiles(old)
}

/// The PSS rule ids of an enforce evaluation's failed checks.
fn pss_rule_ids(e: &stockade_pss::Evaluation) -> Vec<&'static str> {
    e.failures
        .iter()
        .filter_map(|f| stockade_rules::pss::rule_for_check(f.check.id).map(|r| r.id))
        .collect()
}

/// Fills what the object needs to be judged like a manifest: `apiVersion`, `kind` and the
/// namespace from the request when missing; drops `stockade.dev/ignore` unless the object may
/// suppress its own findings.
fn prepare(json: &mut serde_json::Value, req: &Request, annotation_suppressions: bool) {
    let Some(obj) = json.as_object_mut() else {
        return;
    };
    let api_version = if req.kind.group.is_empty() {
        req.kind.version.clone()
    } else {
        format!("{}/{}", req.kind.group, req.kind.version)
    };
    obj.entry("apiVersion")
        .or_insert(serde_json::Value::String(api_version));
    obj.entry("kind")
        .or_insert(serde_json::Value::String(req.kind.kind.clone()));
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        if !req.namespace.is_empty() {
            meta.entry("namespace")
                .or_insert(serde_json::Value::String(req.namespace.clone()));
        }
        if !annotation_suppressions
            && let Some(a) = meta.get_mut("annotations").and_then(|a| a.as_object_mut())
        {
            a.remove(stockade_engine::IGNORE_ANNOTATION);
        }
    }
}

/// At most `max` characters, ending in `…` when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Each warning made printable and at most [`WARNING_LIMIT`] characters; at most
/// [`MAX_WARNINGS`], the last saying how many were left out.
fn limit_warnings(ws: Vec<String>) -> Vec<String> {
    let n = ws.len();
    let mut out: Vec<String> = ws
        .into_iter()
        .take(if n > MAX_WARNINGS {
            MAX_WARNINGS - 1
        } else {
            MAX_WARNINGS
        })
        .map(|w| clip(&terminal_line(&w), WARNING_LIMIT))
        .collect();
    if n > MAX_WARNINGS {
        out.push(format!(
            "stockade: {} more findings; see the webhook's log",
            n - (MAX_WARNINGS - 1)
        ));
    }
    out
}
