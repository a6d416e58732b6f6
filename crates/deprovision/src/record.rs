//! The record of de-provisioning runs, for auditors (`stockade deprovision report`).
//!
//! For each journalled run: who ran it, when, from which plan, every action with its state
//! before and after, the verifications of its target recorded since, and what could not be
//! revoked or restored. With audit logs, each action that changed something is matched to the
//! API server's own audit event (user, time, response code, audit ID), and every change to the
//! same objects by anyone else from the plan's creation on is listed. Audit events are read as
//! a stream; only those about a journalled object are kept.

use crate::journal::{Journal, JournalError};
use crate::plan::{ObjRef, Plan};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use stockade_deprovision_model::journal::{ActionRow, Run};
pub use stockade_deprovision_model::record::{ActionRecord, AuditMatch, Record, RunRecord};
use stockade_model::time::{Micros, parse_rfc3339};

/// How far around a run an audit event may be and still be its action's (clock skew, batching).
const SLACK_MICROS: Micros = 5_000_000;

/// Which runs: one, or every run started at or after a time.
#[derive(Clone, Debug)]
pub enum Selection {
    /// Journal id.
    Id(i64),
    /// Runs started at or after this (microseconds since the epoch).
    Since(Micros),
}

/// Why a record cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

fn describe_before(row: &ActionRow) -> String {
    let b = &row.before;
    if b.is_null() {
        return "not read (nothing was changed)".into();
    }
    let rv = b
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("?");
    match row.op.as_str() {
        "removeSubjects" | "addSubjects" => {
            let subjects: Vec<String> = b
                .get("subjects")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(subject_text).collect())
                .unwrap_or_default();
            format!("subjects {} (resourceVersion {rv})", subjects.join(", "))
        }
        "cordon" | "uncordon" => format!(
            "unschedulable: {} (resourceVersion {rv})",
            b.pointer("/spec/unschedulable")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        ),
        _ => format!(
            "existed (uid {}, resourceVersion {rv})",
            b.pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or("?")
        ),
    }
}

fn subject_text(s: &Value) -> String {
    let g = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
    match s.get("namespace").and_then(Value::as_str) {
        Some(ns) => format!("{} {ns}/{}", g("kind"), g("name")),
        None => format!("{} {}", g("kind"), g("name")),
    }
}

fn describe_after(row: &ActionRow) -> String {
    if row.result != "done" {
        return match row.result.as_str() {
            "already-done" => "already as the plan wanted".into(),
            _ => "unchanged".into(),
        };
    }
    match row.op.as_str() {
        "delete" => "deleted".into(),
        "removeSubjects" => {
            let subjects: Vec<String> = row
                .subjects
                .as_array()
                .map(|a| a.iter().map(subject_text).collect())
                .unwrap_or_default();
            format!("without {}", subjects.join(", "))
        }
        "addSubjects" => "subjects added back".into(),
        "create" => "created again from its before-image".into(),
        "cordon" => "unschedulable: true".into(),
        "uncordon" => "unschedulable: false".into(),
        "evict" => "evicted (terminating)".into(),
        other => other.to_string(),
    }
}

/// The audit verb and subresource an action's call has.
fn expected(op: &str) -> (&'static str, &'static str) {
    match op {
        "delete" => ("delete", ""),
        "create" => ("create", ""),
        "evict" => ("create", "eviction"),
        _ => ("patch", ""),
    }
}

/// The identity an audit event names: (resource, namespace, name).
type Key = (String, String, String);

fn key_of(o: &ObjRef) -> Option<Key> {
    let res = stockade_deprovision_model::resource::resource_of(o)?;
    Some((
        res.plural.to_string(),
        o.namespace.clone().unwrap_or_default(),
        o.name.clone(),
    ))
}

/// The write events about `keys` in `files`, with their time.
fn read_audit(
    files: &[PathBuf],
    keys: &HashSet<Key>,
    problems: &mut Vec<String>,
) -> HashMap<Key, Vec<(Micros, AuditMatch)>> {
    use stockade_audit::reader::{DEFAULT_MAX_LINE, Line, LineReader};
    let mut out: HashMap<Key, Vec<(Micros, AuditMatch)>> = HashMap::new();
    for f in files {
        let name = f.display().to_string();
        let input = match stockade_audit::reader::open(f) {
            Ok(i) => i,
            Err(e) => {
                problems.push(format!("{name}: cannot read: {e}"));
                continue;
            }
        };
        let mut lines = LineReader::new(input, DEFAULT_MAX_LINE);
        let mut bad = 0u64;
        loop {
            let line = match lines.next() {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(e) => {
                    problems.push(format!(
                        "{name}: read error: {e} (lines before it were read)"
                    ));
                    break;
                }
            };
            let Line::Text { number, bytes, .. } = line else {
                bad += 1;
                continue;
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let Some(ev) = std::str::from_utf8(bytes)
                .ok()
                .and_then(|t| stockade_audit::event::parse(t).ok())
            else {
                bad += 1;
                continue;
            };
            if !ev.is_final()
                || !matches!(ev.verb.as_ref(), "create" | "update" | "patch" | "delete")
                || ev.request_uri.contains("dryRun=All")
            {
                continue;
            }
            let key = (
                ev.resource().to_string(),
                ev.namespace().to_string(),
                ev.name().to_string(),
            );
            if !keys.contains(&key) {
                continue;
            }
            let Some(t) = parse_rfc3339(&ev.request_received_timestamp) else {
                continue;
            };
            out.entry(key).or_default().push((
                t,
                AuditMatch {
                    user: ev.user.username.to_string(),
                    verb: ev.verb.to_string(),
                    subresource: ev.subresource().to_string(),
                    time: ev.request_received_timestamp.to_string(),
                    code: ev.code(),
                    audit_id: ev.audit_id.to_string(),
                    location: format!("{name}:{number}"),
                },
            ));
        }
        if bad > 0 {
            problems.push(format!(
                "{name}: {bad} line(s) are not audit events and were skipped"
            ));
        }
    }
    out
}

/// Makes the record of the selected runs from `journal`, correlated with `audit_logs`.
pub fn build(
    journal: &Journal,
    journal_path: &str,
    selection: &Selection,
    audit_logs: &[PathBuf],
) -> Result<Record, RecordError> {
    let runs: Vec<Run> = match selection {
        Selection::Id(id) => vec![journal.run(*id)?],
        Selection::Since(t) => journal
            .runs()?
            .into_iter()
            .filter(|r| parse_rfc3339(&r.started_at).is_some_and(|s| s >= *t))
            .collect(),
    };
    let mut rows: Vec<(Run, Vec<ActionRow>, Option<Plan>)> = Vec::new();
    for r in runs {
        let actions = journal.actions(r.id)?;
        let plan = journal
            .plan_of(r.id)
            .ok()
            .and_then(|t| Plan::from_json(&t).ok());
        rows.push((r, actions, plan));
    }
    let keys: HashSet<Key> = rows
        .iter()
        .flat_map(|(_, a, _)| a.iter().filter_map(|x| key_of(&x.object)))
        .collect();
    let mut audit_problems = Vec::new();
    let events = if audit_logs.is_empty() {
        HashMap::new()
    } else {
        read_audit(audit_logs, &keys, &mut audit_problems)
    };
    let mut used: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (run, actions, plan) in rows {
        let start = parse_rfc3339(&run.started_at).unwrap_or(0);
        let end = run
            .finished_at
            .as_deref()
            .and_then(parse_rfc3339)
            .unwrap_or(Micros::MAX - SLACK_MICROS);
        let plan_at = plan
            .as_ref()
            .and_then(|p| parse_rfc3339(&p.created_at))
            .unwrap_or(start);
        let mut records = Vec::new();
        let mut unmatched = Vec::new();
        let mut others = Vec::new();
        let mut ours: HashSet<String> = HashSet::new();
        for a in &actions {
            let key = key_of(&a.object);
            let mut audit = None;
            if a.result == "done" && !audit_logs.is_empty() {
                let (verb, sub) = expected(&a.op);
                let found = key.as_ref().and_then(|k| events.get(k)).and_then(|evs| {
                    evs.iter().find(|(t, e)| {
                        e.user == run.kube_user
                            && (e.verb == verb && e.subresource == sub
                                // --force-drain deletes a pod the eviction would not.
                                || a.op == "evict" && e.verb == "delete")
                            && *t >= start - SLACK_MICROS
                            && *t <= end + SLACK_MICROS
                            && !used.contains(&e.audit_id)
                    })
                });
                match found {
                    Some((_, e)) => {
                        used.insert(e.audit_id.clone());
                        ours.insert(e.audit_id.clone());
                        audit = Some(e.clone());
                    }
                    None => unmatched.push(a.seq),
                }
            }
            records.push(ActionRecord {
                seq: a.seq,
                op: a.op.clone(),
                object: a.object.clone(),
                result: a.result.clone(),
                message: a.message.clone(),
                at: a.at.clone(),
                before: describe_before(a),
                after: describe_after(a),
                before_image: a.before.clone(),
                audit,
            });
        }
        let mut seen_objects = HashSet::new();
        for a in &actions {
            let Some(k) = key_of(&a.object) else { continue };
            if !seen_objects.insert(k.clone()) {
                continue;
            }
            for (t, e) in events.get(&k).map(Vec::as_slice).unwrap_or(&[]) {
                if *t >= plan_at && e.user != run.kube_user && !ours.contains(&e.audit_id) {
                    others.push((a.object.identity(), e.clone()));
                }
            }
        }
        others.sort_by(|a, b| a.1.time.cmp(&b.1.time));
        let mut not_revoked = Vec::new();
        if let Some(p) = &plan {
            for n in &p.notes {
                if n.contains("cannot revoke")
                    || n.contains("stay valid")
                    || n.contains("stays valid")
                {
                    not_revoked.push(n.clone());
                }
            }
            for c in &p.certificates {
                not_revoked.push(format!(
                    "client certificate {} (serial {}, from CSR {}) valid until {}",
                    c.subject, c.serial, c.csr, c.not_after
                ));
            }
            for a in p.actions.iter().filter(|a| a.irreversible) {
                not_revoked.push(format!(
                    "{}: {}",
                    a.object.display(),
                    a.warning.as_deref().unwrap_or("undo cannot restore it")
                ));
            }
        }
        for a in actions.iter().filter(|a| a.result == "not-restorable") {
            not_revoked.push(format!("{}: {}", a.object.display(), a.message));
        }
        let verifications = journal
            .verifications(&run.target)?
            .into_iter()
            .filter(|v| parse_rfc3339(&v.at).is_some_and(|t| t >= start))
            .collect();
        out.push(RunRecord {
            plan_created_at: plan
                .as_ref()
                .map(|p| p.created_at.clone())
                .unwrap_or_default(),
            plan_source: plan
                .as_ref()
                .map(|p| match &p.source.cluster {
                    Some(c) => format!("{} {c}", p.source.kind),
                    None => p.source.kind.clone(),
                })
                .unwrap_or_default(),
            run,
            actions: records,
            verifications,
            not_revoked,
            others,
            unmatched,
        });
    }
    Ok(Record {
        generated_at: crate::plan::now_rfc3339(),
        journal: journal_path.to_string(),
        audit_logs: audit_logs.iter().map(|p| p.display().to_string()).collect(),
        audit_problems,
        runs: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::RunInfo;
    use serde_json::json;

    fn binding(name: &str) -> ObjRef {
        ObjRef {
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: "RoleBinding".into(),
            namespace: Some("shop".into()),
            name: name.into(),
            uid: Some(format!("uid-{name}")),
            resource_version: Some("7".into()),
        }
    }

    fn event(id: &str, user: &str, verb: &str, name: &str, uri_tail: &str, code: u16) -> String {
        let now = crate::plan::now_rfc3339();
        json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": id, "stage": "ResponseComplete",
            "requestURI": format!("/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings/{name}{uri_tail}"),
            "verb": verb, "user": {"username": user},
            "objectRef": {"resource": "rolebindings", "namespace": "shop", "name": name,
                "apiGroup": "rbac.authorization.k8s.io", "apiVersion": "v1"},
            "responseStatus": {"code": code},
            "requestReceivedTimestamp": now, "stageTimestamp": now})
        .to_string()
    }

    #[test]
    fn actions_meet_their_audit_events_and_others_changes_are_named() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::open(&d.path().join("j.db")).unwrap();
        let id = j
            .start(&RunInfo {
                kind: "apply",
                undo_of: None,
                kube_user: "ops",
                cluster: "dev",
                server: "https://127.0.0.1:6443",
                target: "user:leaver",
                plan: "{}",
            })
            .unwrap();
        let before = json!({"metadata": {"uid": "uid-a", "resourceVersion": "7"}});
        j.record(
            id,
            0,
            "delete",
            &binding("a"),
            &json!([]),
            &before,
            "done",
            "",
        )
        .unwrap();
        let before_b = json!({"metadata": {"resourceVersion": "9"},
            "subjects": [{"kind": "User", "name": "leaver"}, {"kind": "User", "name": "keeper"}]});
        j.record(
            id,
            1,
            "removeSubjects",
            &binding("b"),
            &json!([{"kind": "User", "name": "leaver"}]),
            &before_b,
            "done",
            "",
        )
        .unwrap();
        j.finish(id, "done", None).unwrap();
        j.record_verification("user:leaver", "ops", true, &json!({"passed": true}))
            .unwrap();
        j.record_verification("user:someone-else", "ops", false, &json!({}))
            .unwrap();

        let log = d.path().join("audit.log");
        let lines = [
            event("e1", "ops", "delete", "a", "", 200),
            // A server-side dry run of the patch is not the action.
            event("e2", "ops", "patch", "b", "?dryRun=All", 200),
            "not json".to_string(),
            event("e3", "mallory", "patch", "b", "", 200),
            // Another object: not read.
            event("e4", "mallory", "delete", "unrelated", "", 200),
        ];
        std::fs::write(&log, lines.join("\n") + "\n").unwrap();

        let rec = build(&j, "j.db", &Selection::Id(id), &[log]).unwrap();
        assert_eq!(rec.runs.len(), 1);
        let r = &rec.runs[0];
        let a0 = r.actions[0].audit.as_ref().expect("the delete is audited");
        assert_eq!(
            (a0.audit_id.as_str(), a0.code, a0.user.as_str()),
            ("e1", 200, "ops")
        );
        assert!(a0.location.ends_with("audit.log:1"), "{}", a0.location);
        assert!(r.actions[1].audit.is_none(), "the dry run is no match");
        assert_eq!(r.unmatched, vec![1]);
        assert_eq!(r.others.len(), 1);
        assert_eq!(r.others[0].0.name, "b");
        assert_eq!(r.others[0].1.user, "mallory");
        assert!(
            r.actions[1].before.contains("User leaver"),
            "{}",
            r.actions[1].before
        );
        assert_eq!(r.verifications.len(), 1);
        assert!(r.verifications[0].passed);
        assert_eq!(
            rec.audit_problems,
            vec![format!(
                "{}: 1 line(s) are not audit events and were skipped",
                d.path().join("audit.log").display()
            )]
        );

        // Since a time after the run: nothing.
        let later = parse_rfc3339(&crate::plan::now_rfc3339()).unwrap() + 60_000_000;
        let rec = build(&j, "j.db", &Selection::Since(later), &[]).unwrap();
        assert!(rec.runs.is_empty());
    }
}
