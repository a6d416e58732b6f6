//! Applying a plan, and undoing an applied one.
//!
//! Apply first checks every action against the object as it is now and asks the API server
//! for a server-side dry-run (`dryRun=All`) of each call; only when every check passes does it
//! make the real calls, each with preconditions: a delete carries `preconditions: {uid,
//! resourceVersion}`, a subject removal is a JSON patch whose `test` operations pin
//! `/metadata/resourceVersion` and the subject being removed. An object that changed since the
//! plan is never touched: the run stops with an error naming it. An object already gone, or a
//! subject already removed, counts as done, so re-running a half-applied plan finishes it. The
//! first unexpected API error stops the run; every action's result is in the journal.
//!
//! Undo replays a run's before-images in reverse: deleted objects are created again (without
//! uid, resourceVersion, managed fields or status), removed subjects are added back. What
//! cannot come back is reported as `not-restorable` (a Secret's values, which are never
//! stored); a legacy token Secret is recreated so that the token controller mints a new token.

use crate::api::{Api, ApiError};
use crate::journal::{Journal, JournalError, REDACTED, REDACTED_KEY, RunInfo, before_image};
use crate::plan::{Action, ObjRef, Op, Plan};
use serde_json::{Value, json};

pub use stockade_deprovision_model::run::{Outcome, RunReport, Step};

/// Why apply or undo could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The run cannot be undone.
    #[error("{0}")]
    Invalid(String),
}

/// Options of apply.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// Make the real calls (`--yes`); otherwise check and dry-run only.
    pub execute: bool,
    /// Testing aid: behave as if the API server failed the real call after this many real
    /// calls succeeded (a crash part-way through a run).
    pub fail_after: Option<usize>,
    /// Delete pods whose eviction a PodDisruptionBudget refuses (`--force-drain`); otherwise
    /// such a pod stops the run before any change.
    pub force_drain: bool,
}

/// A checked action, ready for its call.
enum Check {
    Proceed { before: Value, call: Call },
    Skip(Outcome, String),
}

/// The call an action makes.
#[derive(Clone)]
enum Call {
    Delete { uid: String, rv: String },
    Evict { uid: String },
    Patch(Value),
    Create(Value),
}

fn meta<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get("metadata")?.get(k)?.as_str()
}

fn subjects_text(a: &Action) -> Vec<String> {
    a.subjects.iter().map(|s| s.display()).collect()
}

/// Checks one plan action against the live object.
fn check(api: &Api, a: &Action) -> Result<Check, ApiError> {
    let Some(cur) = api.get(&a.object)? else {
        return Ok(Check::Skip(
            Outcome::AlreadyDone,
            match a.op {
                Op::Delete | Op::Evict => "already gone".into(),
                Op::RemoveSubjects => "the binding is gone, so its grants are too".into(),
                Op::Cordon => "the Node is gone".into(),
            },
        ));
    };
    let uid = meta(&cur, "uid").unwrap_or("").to_string();
    let rv = meta(&cur, "resourceVersion").unwrap_or("").to_string();
    if let Some(plan_uid) = &a.object.uid
        && *plan_uid != uid
    {
        return Ok(Check::Skip(
            Outcome::Refused,
            format!(
                "{} was deleted and created again since the plan (uid {uid}, the plan has {plan_uid}); make a new plan",
                a.object.display()
            ),
        ));
    }
    if meta(&cur, "deletionTimestamp").is_some() && matches!(a.op, Op::Delete | Op::Evict) {
        return Ok(Check::Skip(
            Outcome::AlreadyDone,
            "already being deleted".into(),
        ));
    }
    let changed = |rv_plan: &str| {
        format!(
            "{} changed since the plan (resourceVersion {rv_plan} → {rv}); not touched: review it and make a new plan",
            a.object.display()
        )
    };
    match a.op {
        Op::Delete => {
            if let Some(p) = &a.object.resource_version
                && *p != rv
            {
                return Ok(Check::Skip(Outcome::Refused, changed(p)));
            }
            // Kinds whose status changes all the time are pinned by uid alone (the plan
            // records no resourceVersion for them either).
            let rv = if CHURNING_KINDS.contains(&a.object.kind.as_str()) {
                String::new()
            } else {
                rv
            };
            Ok(Check::Proceed {
                before: before_image(&cur),
                call: Call::Delete { uid, rv },
            })
        }
        Op::Cordon => {
            if cur.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
                return Ok(Check::Skip(Outcome::AlreadyDone, "already cordoned".into()));
            }
            Ok(Check::Proceed {
                before: before_image(&cur),
                call: Call::Patch(json!([
                    {"op": "test", "path": "/metadata/uid", "value": uid},
                    {"op": "add", "path": "/spec/unschedulable", "value": true},
                ])),
            })
        }
        Op::Evict => Ok(Check::Proceed {
            before: before_image(&cur),
            call: Call::Evict { uid },
        }),
        Op::RemoveSubjects => {
            let subjects = cur
                .get("subjects")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let present: Vec<&crate::plan::Subject> = a
                .subjects
                .iter()
                .filter(|s| subjects.iter().any(|x| s.matches(x)))
                .collect();
            if present.is_empty() {
                return Ok(Check::Skip(
                    Outcome::AlreadyDone,
                    "the subject is already removed".into(),
                ));
            }
            if let Some(p) = &a.object.resource_version
                && *p != rv
            {
                return Ok(Check::Skip(Outcome::Refused, changed(p)));
            }
            // Positions as they are now (the same as in the plan when the resourceVersion is).
            // Every entry naming a planned subject (a binding may list one twice).
            let idx: Vec<usize> = subjects
                .iter()
                .enumerate()
                .filter(|(_, x)| present.iter().any(|s| s.matches(x)))
                .map(|(i, _)| i)
                .collect();
            let mut ops =
                vec![json!({"op": "test", "path": "/metadata/resourceVersion", "value": rv})];
            for i in idx.iter().rev() {
                ops.push(
                    json!({"op": "test", "path": format!("/subjects/{i}"), "value": subjects[*i]}),
                );
                ops.push(json!({"op": "remove", "path": format!("/subjects/{i}")}));
            }
            Ok(Check::Proceed {
                before: before_image(&cur),
                call: Call::Patch(Value::Array(ops)),
            })
        }
    }
}

fn perform(api: &Api, object: &ObjRef, call: &Call, dry_run: bool) -> Result<Value, ApiError> {
    match call {
        Call::Delete { uid, rv } => api.delete(object, uid, rv, dry_run).map(|_| Value::Null),
        Call::Evict { uid } => api.evict(object, uid, dry_run).map(|_| Value::Null),
        Call::Patch(p) => api.json_patch(object, p, dry_run),
        Call::Create(body) => api.create(object, body, dry_run),
    }
}

/// What an API error during the real call means for the action.
fn classify(op: &str, e: &ApiError) -> (Outcome, String) {
    match (op, e.code()) {
        ("evict", Some(429)) => (
            Outcome::Refused,
            format!(
                "a PodDisruptionBudget allows no disruption now ({e}); Stockade does not force: wait, add capacity or relax the budget and run apply again, or pass --force-drain to delete the pod anyway"
            ),
        ),
        ("evict", Some(404)) => (Outcome::AlreadyDone, "gone before the eviction".into()),
        ("evict" | "cordon" | "uncordon", Some(409 | 422)) => (
            Outcome::Refused,
            format!("changed since the plan; the precondition stopped it ({e})"),
        ),
        ("delete", Some(404)) => (Outcome::AlreadyDone, "gone before the call".into()),
        ("delete", Some(409)) => (
            Outcome::Refused,
            format!("changed between the check and the delete; the precondition stopped it ({e})"),
        ),
        ("removeSubjects" | "addSubjects", Some(409 | 422)) => (
            Outcome::Refused,
            format!(
                "changed between the check and the patch; the JSON-patch test stopped it ({e})"
            ),
        ),
        ("create", Some(409)) => (Outcome::AlreadyDone, format!("already exists ({e})")),
        _ => (Outcome::Failed, format!("unexpected API error: {e}")),
    }
}

/// A prepared action of a run.
struct Prepared {
    op: String,
    object: ObjRef,
    subjects: Vec<String>,
    subjects_json: Value,
    check: Check,
    /// What the journal and report say when the call succeeds.
    note: String,
}

/// Runs prepared actions: records them, makes the real calls, stops at the first problem.
fn execute(
    api: &Api,
    journal: &Journal,
    info: &RunInfo<'_>,
    prepared: Vec<Prepared>,
    fail_after: Option<usize>,
    warnings: Vec<String>,
) -> Result<RunReport, RunError> {
    let id = journal.start(info)?;
    for (seq, p) in prepared.iter().enumerate() {
        let (result, msg, before) = match &p.check {
            Check::Proceed { before, .. } => ("pending", String::new(), before.clone()),
            Check::Skip(o, m) => (o.as_str(), m.clone(), Value::Null),
        };
        journal.record(
            id,
            seq,
            &p.op,
            &p.object,
            &p.subjects_json,
            &before,
            result,
            &msg,
        )?;
    }
    let mut steps = Vec::new();
    let mut stop: Option<String> = None;
    let mut calls = 0usize;
    for (seq, p) in prepared.into_iter().enumerate() {
        let (outcome, message) = if stop.is_some() {
            match p.check {
                Check::Proceed { .. } => (Outcome::NotAttempted, "the run stopped earlier".into()),
                Check::Skip(o, m) => (o, m),
            }
        } else {
            match &p.check {
                Check::Skip(o, m) => (*o, m.clone()),
                Check::Proceed { call, .. } => match gate(api, &p) {
                    Some(refusal) => refusal,
                    None => {
                        let res = if fail_after.is_some_and(|n| calls >= n) {
                            Err(ApiError::Other(
                                "injected failure (--fail-after, a testing aid)".into(),
                            ))
                        } else {
                            perform(api, &p.object, call, false)
                        };
                        calls += 1;
                        match res {
                            Ok(_) => (Outcome::Done, p.note.clone()),
                            Err(e) => classify(&p.op, &e),
                        }
                    }
                },
            }
        };
        if matches!(outcome, Outcome::Refused | Outcome::Failed) && stop.is_none() {
            stop = Some(format!("{} {}: {message}", p.op, p.object.display()));
        }
        journal.record(
            id,
            seq,
            &p.op,
            &p.object,
            &p.subjects_json,
            &Value::Null,
            outcome.as_str(),
            &message,
        )?;
        steps.push(Step {
            op: p.op,
            object: p.object,
            subjects: p.subjects,
            outcome,
            message,
        });
    }
    let status = if stop.is_some() { "stopped" } else { "done" };
    journal.finish(id, status, stop.as_deref())?;
    Ok(RunReport {
        journal_id: Some(id),
        executed: true,
        status: status.into(),
        message: stop,
        steps,
        warnings,
    })
}

/// What must hold at the moment of a real call, beyond its preconditions: a Node is deleted
/// only once its kubelet has stopped (a running one registers it again). `Some` is the
/// refusal.
fn gate(api: &Api, p: &Prepared) -> Option<(Outcome, String)> {
    if p.op != "delete" || p.object.kind != "Node" {
        return None;
    }
    match crate::node::kubelet_heartbeat(api, &p.object.name) {
        Ok(None) => None,
        Ok(Some(why)) => Some((Outcome::Refused, why)),
        Err(e) => Some((
            Outcome::Failed,
            format!("cannot read the node's Lease to check that its kubelet has stopped: {e}"),
        )),
    }
}

/// Checks and dry-runs every prepared action; returns the first problem. With `force_drain`,
/// a pod whose eviction a PodDisruptionBudget refuses is deleted instead.
fn preflight(api: &Api, prepared: &mut [Prepared], force_drain: bool) -> Option<String> {
    let mut problem = None;
    for p in prepared.iter_mut() {
        if let Check::Proceed { call, .. } = &mut p.check {
            let mut res = perform(api, &p.object, call, true);
            let blocked = match (&res, &*call) {
                (Err(e), Call::Evict { uid }) if force_drain && e.code() == Some(429) => {
                    Some((uid.clone(), e.to_string()))
                }
                _ => None,
            };
            if let Some((uid, e)) = blocked {
                let delete = Call::Delete {
                    uid,
                    rv: String::new(),
                };
                res = perform(api, &p.object, &delete, true);
                *call = delete;
                p.note = format!(
                    "deleted instead of evicted (--force-drain): a PodDisruptionBudget refused the eviction ({e})"
                );
            }
            match res {
                Ok(_) => {}
                Err(e) => {
                    let (o, m) = classify(&p.op, &e);
                    let m = format!("server-side dry-run: {m}");
                    if matches!(o, Outcome::Refused | Outcome::Failed) && problem.is_none() {
                        problem = Some(format!("{} {}: {m}", p.op, p.object.display()));
                    }
                    p.check = Check::Skip(o, m);
                }
            }
        } else if let Check::Skip(Outcome::Refused | Outcome::Failed, m) = &p.check
            && problem.is_none()
        {
            problem = Some(format!("{} {}: {m}", p.op, p.object.display()));
        }
    }
    problem
}

fn refused_report(
    journal: Option<(&Journal, &RunInfo<'_>)>,
    prepared: Vec<Prepared>,
    problem: String,
    warnings: Vec<String>,
) -> Result<RunReport, RunError> {
    let id = match journal {
        Some((j, info)) => {
            let id = j.start(info)?;
            for (seq, p) in prepared.iter().enumerate() {
                let (o, m) = match &p.check {
                    Check::Proceed { .. } => (
                        Outcome::NotAttempted,
                        "checks of other actions failed; nothing was changed".to_string(),
                    ),
                    Check::Skip(o, m) => (*o, m.clone()),
                };
                j.record(
                    id,
                    seq,
                    &p.op,
                    &p.object,
                    &p.subjects_json,
                    &Value::Null,
                    o.as_str(),
                    &m,
                )?;
            }
            j.finish(id, "refused", Some(&problem))?;
            Some(id)
        }
        None => None,
    };
    let steps = steps_of(
        prepared,
        Outcome::NotAttempted,
        "checks of other actions failed; nothing was changed",
    );
    Ok(RunReport {
        journal_id: id,
        executed: false,
        status: "refused".into(),
        message: Some(problem),
        steps,
        warnings,
    })
}

/// The report steps of checked actions that were not executed: those that passed their checks
/// get `outcome` and `message`, the others keep the reason they were skipped.
fn steps_of(prepared: Vec<Prepared>, outcome: Outcome, message: &str) -> Vec<Step> {
    prepared
        .into_iter()
        .map(|p| {
            let (outcome, message) = match p.check {
                Check::Proceed { .. } => (outcome, message.to_string()),
                Check::Skip(o, m) => (o, m),
            };
            Step {
                op: p.op,
                object: p.object,
                subjects: p.subjects,
                outcome,
                message,
            }
        })
        .collect()
}

fn dry_run_report(prepared: Vec<Prepared>, warnings: Vec<String>) -> RunReport {
    let steps = steps_of(
        prepared,
        Outcome::WouldDo,
        "checked; server-side dry-run accepted",
    );
    RunReport {
        journal_id: None,
        executed: false,
        status: "dry-run".into(),
        message: None,
        steps,
        warnings,
    }
}

/// Kinds whose status is rewritten all the time: deletes are pinned by uid alone.
const CHURNING_KINDS: &[&str] = &["Node", "Pod", "Lease", "CSINode", "VolumeAttachment"];

/// Applies a plan: checks and server-side dry-run of every action, then (with
/// `opts.execute`) the real calls, journalled in `journal`.
pub fn apply(
    api: &Api,
    journal: &Journal,
    plan: &Plan,
    opts: &ApplyOptions,
) -> Result<RunReport, RunError> {
    let mut warnings: Vec<String> = plan
        .actions
        .iter()
        .filter_map(|a| {
            a.warning
                .as_ref()
                .map(|w| format!("{}: {w}", a.object.display()))
        })
        .collect();
    if plan.source.kind != "cluster" {
        warnings.push("the plan was made from manifests: objects are checked as they are now, without the plan's uid/resourceVersion".into());
    }
    if let Some(c) = &plan.source.cluster
        && c != api.cluster()
    {
        warnings.push(format!(
            "the plan was made from context `{c}` and is applied through `{}`; uid preconditions stop it if that is another cluster",
            api.cluster()
        ));
    }
    let mut prepared = Vec::new();
    for a in &plan.actions {
        let check = match check(api, a) {
            Ok(c) => c,
            Err(e) => Check::Skip(Outcome::Failed, format!("cannot read it: {e}")),
        };
        prepared.push(Prepared {
            op: a.op.as_str().into(),
            object: a.object.clone(),
            subjects: subjects_text(a),
            subjects_json: serde_json::to_value(&a.subjects).unwrap_or(Value::Null),
            check,
            note: String::new(),
        });
    }
    let kube_user = api.whoami().unwrap_or_else(|| "unknown".into());
    let plan_text = serde_json::to_string(plan).unwrap_or_default();
    let info = RunInfo {
        kind: "apply",
        undo_of: None,
        kube_user: &kube_user,
        cluster: api.cluster(),
        server: api.server(),
        target: &plan.target,
        plan: &plan_text,
    };
    if let Some(p) = prepared
        .iter()
        .find(|p| p.op == "delete" && p.object.kind == "Node")
        && let Some((_, why)) = gate(api, p)
    {
        warnings.push(format!(
            "apply will stop before deleting {}: {why}",
            p.object.display()
        ));
    }
    if let Some(problem) = preflight(api, &mut prepared, opts.force_drain) {
        let j = opts.execute.then_some((journal, &info));
        return refused_report(j, prepared, problem, warnings);
    }
    if !opts.execute {
        return Ok(dry_run_report(prepared, warnings));
    }
    execute(api, journal, &info, prepared, opts.fail_after, warnings)
}

/// Kinds undo does not create again, and why.
fn not_recreated(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Node" => {
            "a Node registers itself when its kubelet starts; Stockade does not create one (without its kubelet it would only be NotReady)"
        }
        "Pod" => {
            "a deleted pod is not recreated: its controller has started a replacement; a pod without one is gone"
        }
        "CertificateSigningRequest" => {
            "a CSR records a certificate request; creating it again would grant and revoke nothing"
        }
        "VolumeAttachment" => {
            "the attach/detach controller creates VolumeAttachments when a pod on a node needs the volume"
        }
        "Lease" | "CSINode" => "the kubelet creates it again when it starts",
        _ => return None,
    })
}

/// Metadata a created object must not carry.
const SERVER_FIELDS: &[&str] = &[
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// The body to create an object again from its before-image; `None` when it cannot be
/// restored, with the reason.
pub fn recreate_body(before: &Value, deleted_uids: &[String]) -> Result<Value, String> {
    let mut v = before.clone();
    let Some(m) = v.as_object_mut() else {
        return Err("no before-image was recorded".into());
    };
    m.remove("status");
    let keys = m.remove("stockade.dev/keys");
    // What the journal never held stays as the before-image has it: credentials read
    // `<redacted by stockade>` (see `not_restored`, which undo reports).
    m.remove(REDACTED_KEY);
    let kind = m
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(why) = not_recreated(&kind) {
        return Err(why.into());
    }
    let is_token =
        m.get("type").and_then(Value::as_str) == Some("kubernetes.io/service-account-token");
    if kind == "Secret" && !is_token {
        let keys: Vec<String> = keys
            .and_then(|k| serde_json::from_value(k).ok())
            .unwrap_or_default();
        return Err(format!(
            "Stockade never stores Secret values, so this Secret (keys: {}) cannot be restored; recreate it from your secret store",
            if keys.is_empty() {
                "none".into()
            } else {
                keys.join(", ")
            }
        ));
    }
    if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
        for f in SERVER_FIELDS {
            meta.remove(*f);
        }
        if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            // The token controller fills in the new ServiceAccount's uid.
            ann.remove("kubernetes.io/service-account.uid");
        }
        if let Some(Value::Array(owners)) = meta.get_mut("ownerReferences") {
            // Owners deleted by the same run come back with new uids; a stale owner reference
            // would make the garbage collector delete the restored object.
            owners.retain(|o| {
                !o.get("uid")
                    .and_then(Value::as_str)
                    .is_some_and(|u| deleted_uids.iter().any(|d| d == u))
            });
            if owners.is_empty() {
                meta.remove("ownerReferences");
            }
        }
    }
    Ok(v)
}

/// What an object recreated from `before` lacks, for people: the JSON pointers of the
/// credentials the journal never held and of the dropped `last-applied-configuration`.
pub fn not_restored(before: &Value) -> Vec<String> {
    before
        .get(REDACTED_KEY)
        .and_then(Value::as_array)
        .map(|paths| {
            paths
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The warning for an object recreated without what the journal never held.
fn not_restored_warning(object: &ObjRef, before: &Value) -> Option<String> {
    let paths = not_restored(before);
    if paths.is_empty() {
        return None;
    }
    let (applied, values): (Vec<&String>, Vec<&String>) = paths
        .iter()
        .partition(|p| p.ends_with("kubectl.kubernetes.io~1last-applied-configuration"));
    let mut parts = Vec::new();
    if !values.is_empty() {
        parts.push(format!(
            "credential values Stockade never stores read `{REDACTED}` at {}: set them again from your secret store or manifest",
            values.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if !applied.is_empty() {
        parts.push(
            "the kubectl.kubernetes.io/last-applied-configuration annotation is not restored (kubectl apply will treat the object as created by hand)".to_string(),
        );
    }
    Some(format!(
        "{}: recreated without what the journal does not hold; {}",
        object.display(),
        parts.join("; ")
    ))
}

/// Undoes an applied run from its before-images (dry-run unless `execute`).
pub fn undo(api: &Api, journal: &Journal, id: i64, run_it: bool) -> Result<RunReport, RunError> {
    let run = journal.run(id)?;
    if run.kind != "apply" {
        return Err(RunError::Invalid(format!(
            "journal entry {id} is an {}, not an apply; only applies can be undone",
            run.kind
        )));
    }
    let actions = journal.actions(id)?;
    let deleted_uids: Vec<String> = actions
        .iter()
        .filter(|a| a.op == "delete" && a.result == "done")
        .filter_map(|a| a.before.pointer("/metadata/uid").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    let mut warnings = Vec::new();
    let mut prepared = Vec::new();
    for a in actions.iter().rev().filter(|a| a.result == "done") {
        let object = a.object.identity();
        match a.op.as_str() {
            "delete" => {
                let check = match recreate_body(&a.before, &deleted_uids) {
                    Err(why) => Check::Skip(Outcome::NotRestorable, why),
                    Ok(body) => {
                        warnings.extend(not_restored_warning(&object, &a.before));
                        if body.get("type").and_then(Value::as_str)
                            == Some("kubernetes.io/service-account-token")
                        {
                            warnings.push(format!(
                                "{}: recreated as a new token Secret; the token controller mints a NEW token (the old one stays revoked), so clients must be given the new one",
                                object.display()
                            ));
                        }
                        if object.kind == "Namespace" {
                            warnings.push(format!(
                                "{}: recreated empty; its former contents are not restored",
                                object.display()
                            ));
                        }
                        match api.get(&object) {
                            Ok(Some(cur)) if meta(&cur, "deletionTimestamp").is_some() => {
                                Check::Skip(
                                    Outcome::Failed,
                                    "still being deleted; wait until it is gone and run undo again"
                                        .into(),
                                )
                            }
                            Ok(Some(_)) => {
                                Check::Skip(Outcome::AlreadyDone, "already exists".into())
                            }
                            Ok(None) => Check::Proceed {
                                before: Value::Null,
                                call: Call::Create(body),
                            },
                            Err(e) => Check::Skip(Outcome::Failed, format!("cannot read it: {e}")),
                        }
                    }
                };
                prepared.push(Prepared {
                    op: "create".into(),
                    object,
                    subjects: Vec::new(),
                    subjects_json: Value::Null,
                    check,
                    note: String::new(),
                });
            }
            "cordon" => {
                let check = match api.get(&object) {
                    Err(e) => Check::Skip(Outcome::Failed, format!("cannot read it: {e}")),
                    Ok(None) => Check::Skip(
                        Outcome::NotRestorable,
                        "the Node is gone; it registers again, schedulable, when its kubelet starts"
                            .into(),
                    ),
                    Ok(Some(cur))
                        if cur.pointer("/spec/unschedulable").and_then(Value::as_bool)
                            != Some(true) =>
                    {
                        Check::Skip(Outcome::AlreadyDone, "already schedulable".into())
                    }
                    Ok(Some(cur)) => Check::Proceed {
                        before: before_image(&cur),
                        call: Call::Patch(json!([
                            {"op": "test", "path": "/metadata/uid", "value": meta(&cur, "uid").unwrap_or("")},
                            {"op": "replace", "path": "/spec/unschedulable", "value": false},
                        ])),
                    },
                };
                prepared.push(Prepared {
                    op: "uncordon".into(),
                    object,
                    subjects: Vec::new(),
                    subjects_json: Value::Null,
                    check,
                    note: String::new(),
                });
            }
            "evict" => prepared.push(Prepared {
                op: "restore".into(),
                object,
                subjects: Vec::new(),
                subjects_json: Value::Null,
                check: Check::Skip(
                    Outcome::NotRestorable,
                    "an evicted pod is not recreated: its controller has started a replacement; a pod without one is gone".into(),
                ),
                note: String::new(),
            }),
            "removeSubjects" => {
                let subjects: Vec<crate::plan::Subject> =
                    serde_json::from_value(a.subjects.clone()).unwrap_or_default();
                let text: Vec<String> = subjects.iter().map(|s| s.display()).collect();
                // The subjects exactly as the binding held them.
                let originals: Vec<Value> = a
                    .before
                    .get("subjects")
                    .and_then(Value::as_array)
                    .map(|all| {
                        all.iter()
                            .filter(|x| subjects.iter().any(|s| s.matches(x)))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                let check = match api.get(&object) {
                    Err(e) => Check::Skip(Outcome::Failed, format!("cannot read it: {e}")),
                    Ok(None) => match recreate_body(&a.before, &deleted_uids) {
                        Ok(body) => {
                            warnings.extend(not_restored_warning(&object, &a.before));
                            Check::Proceed {
                                before: Value::Null,
                                call: Call::Create(body),
                            }
                        }
                        Err(why) => Check::Skip(Outcome::NotRestorable, why),
                    },
                    Ok(Some(cur)) => {
                        let now = cur
                            .get("subjects")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        let missing: Vec<Value> = originals
                            .iter()
                            .filter(|o| !now.contains(o))
                            .cloned()
                            .collect();
                        if missing.is_empty() {
                            Check::Skip(Outcome::AlreadyDone, "the subjects are present".into())
                        } else {
                            let rv = meta(&cur, "resourceVersion").unwrap_or("");
                            let mut ops = vec![
                                json!({"op": "test", "path": "/metadata/resourceVersion", "value": rv}),
                            ];
                            if cur.get("subjects").is_some_and(Value::is_array) {
                                for m in missing {
                                    ops.push(
                                        json!({"op": "add", "path": "/subjects/-", "value": m}),
                                    );
                                }
                            } else {
                                ops.push(
                                    json!({"op": "add", "path": "/subjects", "value": missing}),
                                );
                            }
                            Check::Proceed {
                                before: before_image(&cur),
                                call: Call::Patch(Value::Array(ops)),
                            }
                        }
                    }
                };
                let op = if matches!(
                    &check,
                    Check::Proceed {
                        call: Call::Create(_),
                        ..
                    }
                ) {
                    "create"
                } else {
                    "addSubjects"
                };
                prepared.push(Prepared {
                    op: op.into(),
                    object,
                    subjects: text,
                    subjects_json: a.subjects.clone(),
                    check,
                    note: String::new(),
                });
            }
            _ => {}
        }
    }
    let kube_user = api.whoami().unwrap_or_else(|| "unknown".into());
    let plan_text = journal.plan_of(id)?;
    let info = RunInfo {
        kind: "undo",
        undo_of: Some(id),
        kube_user: &kube_user,
        cluster: api.cluster(),
        server: api.server(),
        target: &run.target,
        plan: &plan_text,
    };
    // Dry-run what can be dry-run. Creates inside a namespace that is itself recreated by this
    // undo cannot be dry-run before the namespace exists, so those are checked only for real.
    let recreated_ns: Vec<String> = prepared
        .iter()
        .filter(|p| p.object.kind == "Namespace" && matches!(p.check, Check::Proceed { .. }))
        .map(|p| p.object.name.clone())
        .collect();
    let mut problem = None;
    for p in prepared.iter_mut() {
        let Check::Proceed { call, .. } = &p.check else {
            continue;
        };
        if p.object
            .namespace
            .as_ref()
            .is_some_and(|ns| recreated_ns.contains(ns))
        {
            continue;
        }
        if let Err(e) = perform(api, &p.object, call, true) {
            let (o, m) = classify(&p.op, &e);
            let m = format!("server-side dry-run: {m}");
            if matches!(o, Outcome::Refused | Outcome::Failed) && problem.is_none() {
                problem = Some(format!("{} {}: {m}", p.op, p.object.display()));
            }
            p.check = Check::Skip(o, m);
        }
    }
    if let Some(problem) = problem {
        let j = run_it.then_some((journal, &info));
        return refused_report(j, prepared, problem, warnings);
    }
    if !run_it {
        return Ok(dry_run_report(prepared, warnings));
    }
    execute(api, journal, &info, prepared, None, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recreated_object_carries_no_server_fields_status_or_stale_owners() {
        let before = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "shop", "uid": "u1", "resourceVersion": "7",
                "creationTimestamp": "2026-01-01T00:00:00Z", "generation": 2, "managedFields": [],
                "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "gone-uid"},
                                    {"kind": "Thing", "name": "t", "uid": "kept-uid"}]},
            "data": {"a": "b"}, "status": {"x": 1}});
        let body = recreate_body(&before, &["gone-uid".to_string()]).unwrap();
        let meta = body["metadata"].as_object().unwrap();
        for f in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "managedFields",
        ] {
            assert!(!meta.contains_key(f), "{f}");
        }
        assert!(body.get("status").is_none());
        assert_eq!(body["data"], json!({"a": "b"}));
        assert_eq!(
            meta["ownerReferences"],
            json!([{"kind": "Thing", "name": "t", "uid": "kept-uid"}])
        );
    }

    #[test]
    fn a_token_secret_is_recreated_for_a_new_token_and_another_secret_is_not_restorable() {
        let token = json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "t", "namespace": "shop", "uid": "u",
                "annotations": {"kubernetes.io/service-account.name": "bot", "kubernetes.io/service-account.uid": "old"}},
            "stockade.dev/keys": ["ca.crt", "namespace", "token"]});
        let body = recreate_body(&token, &[]).unwrap();
        assert!(body.get("stockade.dev/keys").is_none());
        assert!(body.get("data").is_none());
        assert_eq!(
            body["metadata"]["annotations"],
            json!({"kubernetes.io/service-account.name": "bot"})
        );
        let opaque = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "db", "namespace": "shop"}, "stockade.dev/keys": ["password"]});
        let why = recreate_body(&opaque, &[]).unwrap_err();
        assert!(
            why.contains("never stores Secret values") && why.contains("keys: password"),
            "{why}"
        );
        assert!(recreate_body(&Value::Null, &[]).is_err());
    }
}
