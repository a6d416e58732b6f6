//! The journal: a local SQLite database of every apply and undo — who ran it (the kube user
//! the credentials authenticate as, and the local user), when, against which cluster, the
//! plan, and each action with its result and the before-image of what it changed.
//!
//! Before-images never hold a Secret's values: [`before_image`] keeps a Secret's metadata,
//! type and key names only, and drops `last-applied-configuration` (which can hold values)
//! and managed fields from every object; literal credentials elsewhere (env values, ConfigMap
//! entries, annotations) are replaced by [`REDACTED`] and listed. The database file is created
//! `0600` (its directory `0700`), and an existing one others can read is made `0600`.
//!
//! Rows are written before each call (`pending`) and updated after it, so the journal stays
//! accurate when a run stops part-way.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// SQLite failed.
    #[error("journal {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// The error.
        source: rusqlite::Error,
    },
    /// The directory could not be created.
    #[error("journal {path}: {source}")]
    Io {
        /// The database file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// No run with that id.
    #[error("no journal entry {0}")]
    NoSuchRun(i64),
}

/// The default journal file: `$XDG_STATE_HOME/stockade/journal.db`, else
/// `~/.local/state/stockade/journal.db`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("stockade/journal.db"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".local/state/stockade/journal.db"))
}

/// The local user running Stockade: `$USER`, else `$LOGNAME`, else (Unix) the name of the
/// process's uid in /etc/passwd, else `uid N`.
pub fn local_user() -> String {
    if let Some(u) = ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    {
        return u;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) {
            let name = std::fs::read_to_string("/etc/passwd").ok().and_then(|p| {
                p.lines().find_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_string())
                })
            });
            return name.unwrap_or_else(|| format!("uid {uid}"));
        }
    }
    "unknown".into()
}

/// An open journal.
pub struct Journal {
    db: Connection,
    path: String,
}

pub use stockade_deprovision_model::journal::{ActionRow, Run};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    undo_of INTEGER,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    kube_user TEXT NOT NULL,
    local_user TEXT NOT NULL,
    cluster TEXT NOT NULL,
    server TEXT NOT NULL,
    target TEXT NOT NULL,
    plan TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT
);
CREATE TABLE IF NOT EXISTS actions (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL,
    op TEXT NOT NULL,
    object TEXT NOT NULL,
    subjects TEXT NOT NULL,
    before TEXT NOT NULL,
    result TEXT NOT NULL,
    message TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS verifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,
    at TEXT NOT NULL,
    kube_user TEXT NOT NULL,
    passed INTEGER NOT NULL,
    body TEXT NOT NULL
);
PRAGMA user_version = 1;
";

pub use stockade_deprovision_model::journal::VerificationRow;

/// Who ran a run and where.
#[derive(Clone, Debug)]
pub struct RunInfo<'a> {
    /// `apply` or `undo`.
    pub kind: &'a str,
    /// For an undo: the run undone.
    pub undo_of: Option<i64>,
    /// Kube user.
    pub kube_user: &'a str,
    /// Context.
    pub cluster: &'a str,
    /// Server URL.
    pub server: &'a str,
    /// Target.
    pub target: &'a str,
    /// The plan JSON.
    pub plan: &'a str,
}

impl Journal {
    /// Opens (creating when needed) the journal at `path`.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let p = path.display().to_string();
        let io = |source| JournalError::Io {
            path: p.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            // Only its owner may list the journal's directory (it holds before-images).
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir).map_err(io)?;
        }
        // The journal and SQLite's side files are created readable by their owner only, and an
        // existing journal that others can read is made private.
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .map_err(io)?;
            let meta = f.metadata().map_err(io)?;
            if meta.permissions().mode() & 0o077 != 0 {
                // Through the open file, so a path swapped meanwhile is not what changes.
                f.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(io)?;
            }
        }
        let sq = |source| JournalError::Sqlite {
            path: p.clone(),
            source,
        };
        // SQLite creates its rollback journal with the database file's permissions.
        let db = Connection::open(path).map_err(sq)?;
        db.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sq)?;
        db.execute_batch(SCHEMA).map_err(sq)?;
        Ok(Journal { db, path: p })
    }

    fn err(&self, source: rusqlite::Error) -> JournalError {
        JournalError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Starts a run (status `running`); returns its id.
    pub fn start(&self, info: &RunInfo<'_>) -> Result<i64, JournalError> {
        self.db
            .execute(
                "INSERT INTO runs (kind, undo_of, started_at, kube_user, local_user, cluster, server, target, plan, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'running')",
                params![
                    info.kind,
                    info.undo_of,
                    crate::plan::now_rfc3339(),
                    info.kube_user,
                    local_user(),
                    info.cluster,
                    info.server,
                    info.target,
                    info.plan
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.db.last_insert_rowid())
    }

    /// Records an action (first as `pending`, then with its result).
    #[allow(clippy::too_many_arguments)] // one column each; a struct would only rename them
    pub fn record(
        &self,
        run: i64,
        seq: usize,
        op: &str,
        object: &crate::plan::ObjRef,
        subjects: &Value,
        before: &Value,
        result: &str,
        message: &str,
    ) -> Result<(), JournalError> {
        let object = serde_json::to_string(object).unwrap_or_default();
        self.db
            .execute(
                "INSERT INTO actions (run_id, seq, op, object, subjects, before, result, message, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (run_id, seq) DO UPDATE SET result = ?7, message = ?8, at = ?9,
                     before = CASE WHEN ?6 = 'null' THEN before ELSE ?6 END",
                params![
                    run,
                    seq as i64,
                    op,
                    object,
                    subjects.to_string(),
                    before.to_string(),
                    result,
                    message,
                    crate::plan::now_rfc3339()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Ends a run.
    pub fn finish(
        &self,
        run: i64,
        status: &str,
        message: Option<&str>,
    ) -> Result<(), JournalError> {
        self.db
            .execute(
                "UPDATE runs SET status = ?2, message = ?3, finished_at = ?4 WHERE id = ?1",
                params![run, status, message, crate::plan::now_rfc3339()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<Run>, JournalError> {
        let mut st = self
            .db
            .prepare(
                "SELECT id, kind, undo_of, started_at, finished_at, kube_user, local_user, cluster, server, target, status, message
                 FROM runs ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok(Run {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    undo_of: r.get(2)?,
                    started_at: r.get(3)?,
                    finished_at: r.get(4)?,
                    kube_user: r.get(5)?,
                    local_user: r.get(6)?,
                    cluster: r.get(7)?,
                    server: r.get(8)?,
                    target: r.get(9)?,
                    status: r.get(10)?,
                    message: r.get(11)?,
                    counts: Default::default(),
                })
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r.map_err(|e| self.err(e))?);
        }
        let mut st = self
            .db
            .prepare("SELECT run_id, result, COUNT(*) FROM actions GROUP BY run_id, result")
            .map_err(|e| self.err(e))?;
        let counts = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for c in counts {
            let (id, result, n) = c.map_err(|e| self.err(e))?;
            if let Some(run) = out.iter_mut().find(|r| r.id == id) {
                run.counts.insert(result, n);
            }
        }
        Ok(out)
    }

    /// One run.
    pub fn run(&self, id: i64) -> Result<Run, JournalError> {
        self.runs()?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(JournalError::NoSuchRun(id))
    }

    /// The plan JSON a run executed.
    pub fn plan_of(&self, id: i64) -> Result<String, JournalError> {
        self.db
            .query_row("SELECT plan FROM runs WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or(JournalError::NoSuchRun(id))
    }

    /// Records a verification of `target` (its JSON form).
    pub fn record_verification(
        &self,
        target: &str,
        by: &str,
        passed: bool,
        body: &Value,
    ) -> Result<(), JournalError> {
        self.db
            .execute(
                "INSERT INTO verifications (target, at, kube_user, passed, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    target,
                    crate::plan::now_rfc3339(),
                    by,
                    passed,
                    body.to_string()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The verifications of `target`, oldest first.
    pub fn verifications(&self, target: &str) -> Result<Vec<VerificationRow>, JournalError> {
        let mut st = self
            .db
            .prepare("SELECT target, at, kube_user, passed, body FROM verifications WHERE target = ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([target], |r| {
                let body: String = r.get(4)?;
                Ok(VerificationRow {
                    target: r.get(0)?,
                    at: r.get(1)?,
                    by: r.get(2)?,
                    passed: r.get(3)?,
                    result: serde_json::from_str(&body).unwrap_or(Value::Null),
                })
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r.map_err(|e| self.err(e))?);
        }
        Ok(out)
    }

    /// A run's actions, in order.
    pub fn actions(&self, id: i64) -> Result<Vec<ActionRow>, JournalError> {
        let mut st = self
            .db
            .prepare(
                "SELECT seq, op, object, subjects, before, result, message, at FROM actions WHERE run_id = ?1 ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([id], |r| {
                let object: String = r.get(2)?;
                let subjects: String = r.get(3)?;
                let before: String = r.get(4)?;
                Ok(ActionRow {
                    seq: r.get(0)?,
                    op: r.get(1)?,
                    object: serde_json::from_str(&object).unwrap_or_else(|_| crate::plan::ObjRef {
                        api_version: String::new(),
                        kind: String::new(),
                        namespace: None,
                        name: object.clone(),
                        uid: None,
                        resource_version: None,
                    }),
                    subjects: serde_json::from_str(&subjects).unwrap_or(Value::Null),
                    before: serde_json::from_str(&before).unwrap_or(Value::Null),
                    result: r.get(5)?,
                    message: r.get(6)?,
                    at: r.get(7)?,
                })
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r.map_err(|e| self.err(e))?);
        }
        Ok(out)
    }

    /// Namespaces in which the last completed apply for `target` removed grants (RoleBindings
    /// it deleted or patched), for `verify`.
    pub fn namespaces_of_target(&self, target: &str) -> Result<Vec<String>, JournalError> {
        let ids: Vec<i64> = self
            .runs()?
            .into_iter()
            .filter(|r| r.kind == "apply" && r.target == target)
            .map(|r| r.id)
            .collect();
        let mut out = std::collections::BTreeSet::new();
        for id in ids {
            for a in self.actions(id)? {
                if a.object.kind == "RoleBinding"
                    && let Some(ns) = a.object.namespace
                {
                    out.insert(ns);
                }
            }
        }
        Ok(out.into_iter().collect())
    }
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// What replaces a credential in a before-image (and in an object undo recreates from it).
pub const REDACTED: &str = "<redacted by stockade>";

fn pointer_token(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// Where a before-image lists the JSON pointers of what it does not hold: redacted credentials
/// and the dropped `last-applied-configuration` annotation.
pub const REDACTED_KEY: &str = "stockade.dev/redacted";

/// Replaces the literal values of credential-like env vars anywhere in `v` (containers, init
/// and ephemeral containers, pod templates of every workload kind), recording JSON pointers.
fn redact_credentials(v: &mut Value, at: &mut String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                let len = at.len();
                at.push('/');
                at.push_str(&pointer_token(k));
                if k == "env"
                    && let Value::Array(items) = child
                {
                    for (i, item) in items.iter_mut().enumerate() {
                        let name = item
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string();
                        if let Some(val) = item.get_mut("value")
                            && let Some(text) = val.as_str()
                            && stockade_rules::looks_like_credential(&name, text)
                        {
                            *val = Value::from(REDACTED);
                            out.push(format!("{at}/{i}/value"));
                        }
                    }
                } else {
                    redact_credentials(child, at, out);
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                redact_credentials(item, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Whether an annotation holds a credential: its key and value judged as an env var would be,
/// or, for a value that is JSON (a tool's record of the object), any credential-like env value
/// or entry inside it.
fn annotation_holds_credential(key: &str, value: &str) -> bool {
    if stockade_rules::looks_like_credential(key, value) {
        return true;
    }
    let Ok(mut parsed) = serde_json::from_str::<Value>(value) else {
        return false;
    };
    let mut found = Vec::new();
    redact_credentials(&mut parsed, &mut String::new(), &mut found);
    !found.is_empty() || json_holds_credential_entry(&parsed)
}

/// Whether a JSON value holds a string entry whose key and value look like a credential
/// (`{"data": {"db_password": "…"}}`).
fn json_holds_credential_entry(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, x)| match x {
            Value::String(text) => stockade_rules::looks_like_credential(k, text),
            other => json_holds_credential_entry(other),
        }),
        Value::Array(items) => items.iter().any(json_holds_credential_entry),
        _ => false,
    }
}

/// The before-image of an object as the journal keeps it: the object without managed fields
/// and `last-applied-configuration` (a copy of what was applied, values included); literal
/// credentials replaced by [`REDACTED`] — env values, ConfigMap entries and annotations that
/// the scan's rule for literal credentials (WL042) would flag — with the JSON pointer of each
/// listed under [`REDACTED_KEY`]; for a Secret, only `apiVersion`, `kind`, `metadata`, `type`
/// and, under `stockade.dev/keys`, the names of its keys — never a value.
pub fn before_image(obj: &Value) -> Value {
    let mut v = obj.clone();
    let mut redacted = Vec::new();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            if ann.remove(LAST_APPLIED).is_some() {
                redacted.push(format!(
                    "/metadata/annotations/{}",
                    pointer_token(LAST_APPLIED)
                ));
            }
            for (k, val) in ann.iter_mut() {
                if let Some(text) = val.as_str()
                    && annotation_holds_credential(k, text)
                {
                    *val = Value::from(REDACTED);
                    redacted.push(format!("/metadata/annotations/{}", pointer_token(k)));
                }
            }
        }
    }
    // Credentials written as literal env values (and credential-like ConfigMap entries) are
    // never stored: they are replaced and their paths listed, so undo can say what it cannot
    // restore.
    redact_credentials(&mut v, &mut String::new(), &mut redacted);
    if v.get("kind").and_then(Value::as_str) == Some("ConfigMap") {
        for (field, marker) in [("data", REDACTED), ("binaryData", "")] {
            // binaryData must stay base64: its redacted entries are empty.
            let Some(Value::Object(data)) = v.get_mut(field) else {
                continue;
            };
            for (k, val) in data.iter_mut() {
                if let Some(text) = val.as_str()
                    && stockade_rules::looks_like_credential(k, text)
                {
                    *val = Value::from(marker);
                    redacted.push(format!("/{field}/{}", pointer_token(k)));
                }
            }
        }
    }
    if !redacted.is_empty()
        && let Some(m) = v.as_object_mut()
    {
        m.insert(REDACTED_KEY.into(), Value::from(redacted));
    }
    if v.get("kind").and_then(Value::as_str) == Some("Secret")
        && let Some(m) = v.as_object_mut()
    {
        let mut keys: Vec<String> = Vec::new();
        for field in ["data", "stringData"] {
            if let Some(Value::Object(d)) = m.get(field) {
                keys.extend(d.keys().cloned());
            }
        }
        keys.sort();
        keys.dedup();
        m.retain(|k, _| matches!(k.as_str(), "apiVersion" | "kind" | "metadata" | "type"));
        m.insert("stockade.dev/keys".into(), Value::from(keys));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credentials_in_env_and_config_maps_are_not_kept() {
        let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app",
            "annotations": {LAST_APPLIED: "{\"AWS_SECRET_ACCESS_KEY\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}"}},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "env": [
                {"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
                {"name": "LOG_LEVEL", "value": "debug"}]}]}}}});
        let b = before_image(&dep);
        let text = b.to_string();
        assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
        assert!(text.contains("debug"));
        assert_eq!(
            b[REDACTED_KEY],
            json!([
                "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
                "/spec/template/spec/containers/0/env/0/value"
            ])
        );
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
            "data": {"db_password": "hunter2-but-longer", "color": "blue"}});
        let b = before_image(&cm);
        assert_eq!(b["data"]["db_password"], REDACTED);
        assert_eq!(b["data"]["color"], "blue");
        // Undo recreates the ConfigMap with what it has, and says what it lacks.
        let body = crate::apply::recreate_body(&b, &[]).unwrap();
        assert_eq!(
            body["data"],
            json!({"db_password": REDACTED, "color": "blue"})
        );
        assert!(body.get(REDACTED_KEY).is_none());
        assert_eq!(crate::apply::not_restored(&b), vec!["/data/db_password"]);
    }

    #[test]
    fn annotations_and_binary_data_holding_credentials_are_not_kept() {
        let tool_record = json!({"spec": {"template": {"spec": {"containers": [{"name": "c",
            "env": [{"name": "DB_PASSWORD", "value": "s3cr3t-Passw0rd-x"}]}]}}}})
        .to_string();
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg",
            "annotations": {"example.com/last-config": tool_record, "api-token": "tok-9f8e7d6c5b4a",
                LAST_APPLIED: "{}", "team": "payments"}},
            "data": {"color": "blue"}, "binaryData": {"signing_key": "c2VjcmV0LWtleS1ieXRlcw==", "logo": "iVBORw0K"}});
        let b = before_image(&cm);
        let text = b.to_string();
        for leaked in [
            "s3cr3t-Passw0rd",
            "tok-9f8e7d6c5b4a",
            "c2VjcmV0LWtleS1ieXRlcw",
        ] {
            assert!(!text.contains(leaked), "{leaked}: {text}");
        }
        assert_eq!(b["metadata"]["annotations"]["team"], "payments");
        assert_eq!(b["binaryData"]["logo"], "iVBORw0K");
        assert_eq!(b["binaryData"]["signing_key"], "");
        let mut paths = crate::apply::not_restored(&b);
        paths.sort();
        assert_eq!(
            paths,
            vec![
                "/binaryData/signing_key",
                "/metadata/annotations/api-token",
                "/metadata/annotations/example.com~1last-config",
                "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
            ]
        );
    }

    #[test]
    fn a_secrets_before_image_keeps_key_names_and_no_value() {
        let s = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "db", "namespace": "shop", "managedFields": [{"x": 1}],
                "annotations": {LAST_APPLIED: "{\"data\":{\"password\":\"aHVudGVyMg==\"}}", "team": "a"}},
            "data": {"password": "aHVudGVyMg=="}, "stringData": {"user": "root"}});
        let b = before_image(&s);
        let text = b.to_string();
        assert!(!text.contains("aHVudGVyMg"), "{text}");
        assert!(!text.contains("root"), "{text}");
        assert_eq!(b["stockade.dev/keys"], json!(["password", "user"]));
        assert_eq!(b["type"], "Opaque");
        assert_eq!(b["metadata"]["annotations"]["team"], "a");
        assert!(b["metadata"].get("managedFields").is_none());
    }

    #[test]
    fn runs_and_actions_round_trip_with_counts() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(&dir.path().join("sub/journal.db")).unwrap();
        let id = j
            .start(&RunInfo {
                kind: "apply",
                undo_of: None,
                kube_user: "admin",
                cluster: "ctx",
                server: "https://x",
                target: "user:alice",
                plan: "{}",
            })
            .unwrap();
        let obj = crate::plan::ObjRef {
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: "RoleBinding".into(),
            namespace: Some("shop".into()),
            name: "rb".into(),
            uid: None,
            resource_version: None,
        };
        let before = json!({"kind": "RoleBinding"});
        j.record(id, 0, "delete", &obj, &Value::Null, &before, "pending", "")
            .unwrap();
        j.record(
            id,
            0,
            "delete",
            &obj,
            &Value::Null,
            &Value::Null,
            "done",
            "deleted",
        )
        .unwrap();
        j.finish(id, "done", None).unwrap();
        let runs = j.runs().unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].status, "done");
        assert_eq!(runs[0].counts.get("done"), Some(&1));
        let acts = j.actions(id).unwrap();
        assert_eq!(
            acts[0].before, before,
            "the before-image survives the result update"
        );
        assert_eq!(acts[0].result, "done");
        assert_eq!(j.namespaces_of_target("user:alice").unwrap(), vec!["shop"]);
        assert!(matches!(j.run(99), Err(JournalError::NoSuchRun(99))));
    }
}
