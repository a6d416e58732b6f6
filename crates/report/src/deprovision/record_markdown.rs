//! The record of de-provisioning runs as Markdown (`deprovision report -o markdown`): the
//! document an auditor asks for. Every value from the journal, a cluster or an audit log is
//! escaped as inline Markdown text or a code span.

use std::fmt::Write;
use stockade_deprovision_model::record::{Record, RunRecord};
use stockade_model::escape::{markdown_code as code, markdown_text as md};

/// Renders the record.
pub fn record(r: &Record) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# De-provisioning record\n");
    let _ = writeln!(
        s,
        "Generated {} from journal {}; {}.\n",
        md(&r.generated_at),
        code(&r.journal),
        if r.audit_logs.is_empty() {
            "no audit log given, so actions are not matched to audit events".to_string()
        } else {
            format!(
                "audit logs {}",
                r.audit_logs
                    .iter()
                    .map(|l| code(l))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    for p in &r.audit_problems {
        let _ = writeln!(s, "- audit log: {}", md(p));
    }
    if r.runs.is_empty() {
        let _ = writeln!(s, "No run was selected.");
    }
    for run in &r.runs {
        one(&mut s, run, !r.audit_logs.is_empty());
    }
    s
}

fn one(s: &mut String, rr: &RunRecord, audited: bool) {
    let run = &rr.run;
    let _ = writeln!(
        s,
        "\n## Run {} — {} of {}\n",
        run.id,
        md(&run.kind),
        code(&run.target)
    );
    let _ = writeln!(s, "| | |\n| --- | --- |");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(s, "| {k} | {v} |");
    };
    row("status", md(&run.status).into_owned());
    if let Some(m) = &run.message {
        row("stopped because", md(m).into_owned());
    }
    if let Some(u) = run.undo_of {
        row("undoes run", u.to_string());
    }
    row(
        "ran by",
        format!(
            "{} (local user {})",
            code(&run.kube_user),
            code(&run.local_user)
        ),
    );
    row(
        "cluster",
        format!("{} at {}", code(&run.cluster), code(&run.server)),
    );
    row(
        "started / finished",
        format!(
            "{} / {}",
            md(&run.started_at),
            md(run.finished_at.as_deref().unwrap_or("not finished"))
        ),
    );
    row(
        "plan",
        format!(
            "made {} from {}",
            md(&rr.plan_created_at),
            md(&rr.plan_source)
        ),
    );
    let _ = writeln!(s, "\n### Actions\n");
    let _ = writeln!(
        s,
        "| # | action | object | result | before | after |{}\n| --- | --- | --- | --- | --- | --- |{}",
        if audited { " audit event |" } else { "" },
        if audited { " --- |" } else { "" }
    );
    for a in &rr.actions {
        let result = if a.message.is_empty() {
            md(&a.result).into_owned()
        } else {
            format!("{}: {}", md(&a.result), md(&a.message))
        };
        let audit = if !audited {
            String::new()
        } else {
            match &a.audit {
                Some(e) => format!(
                    " {}{}{} by {} at {} → {} ({}) |",
                    md(&e.verb),
                    if e.subresource.is_empty() { "" } else { " " },
                    md(&e.subresource),
                    code(&e.user),
                    md(&e.time),
                    e.code,
                    code(&e.location)
                ),
                None if a.result == "done" => " **no audit event found** |".into(),
                None => " — |".into(),
            }
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |{audit}",
            a.seq,
            md(&a.op),
            md(&a.object.display()),
            result,
            md(&a.before),
            md(&a.after)
        );
    }
    if audited {
        let _ = writeln!(s, "\n### Changes by others to these objects\n");
        if rr.others.is_empty() {
            let _ = writeln!(s, "None in the audit logs from the plan's creation on.");
        }
        for (o, e) in &rr.others {
            let _ = writeln!(
                s,
                "- {} {} by {} at {} → {} ({})",
                md(&o.display()),
                md(&e.verb),
                code(&e.user),
                md(&e.time),
                e.code,
                code(&e.location)
            );
        }
    }
    let _ = writeln!(s, "\n### Verified\n");
    if rr.verifications.is_empty() {
        let _ = writeln!(
            s,
            "No verification of this target was recorded after the run."
        );
    }
    for v in &rr.verifications {
        let _ = writeln!(
            s,
            "- {} by {}: **{}**",
            md(&v.at),
            code(&v.by),
            if v.passed { "passed" } else { "access remains" }
        );
        for k in ["checked", "remaining", "notes"] {
            for item in v
                .result
                .get(k)
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(t) = item.as_str() {
                    let _ = writeln!(s, "  - {k}: {}", md(t));
                }
            }
        }
    }
    let _ = writeln!(s, "\n### Not revoked or not restorable\n");
    if rr.not_revoked.is_empty() {
        let _ = writeln!(s, "Nothing.");
    }
    for n in &rr.not_revoked {
        let _ = writeln!(s, "- {}", md(n));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let r = super::super::sample::record();
        let text = super::record(&r);
        assert!(
            !text.contains('\u{1b}') && !text.contains("<script"),
            "{text}"
        );
        insta::assert_snapshot!(text);
    }
}
