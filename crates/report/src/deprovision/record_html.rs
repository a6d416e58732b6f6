//! The record of de-provisioning runs as one self-contained HTML page (`deprovision report -o
//! html`): no script, no external resource. Every value is escaped for element content.

use std::fmt::Write;
use stockade_deprovision_model::record::{Record, RunRecord};
use stockade_model::escape::html_text as h;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}.bad{color:#a00;font-weight:bold}code{font-size:90%}";

/// Renders the record.
pub fn record(r: &Record) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"><title>De-provisioning record</title><style>{STYLE}</style></head><body>\n<h1>De-provisioning record</h1>\n<p>Generated {} from journal <code>{}</code>; {}.</p>\n",
        h(&r.generated_at),
        h(&r.journal),
        if r.audit_logs.is_empty() {
            "no audit log given, so actions are not matched to audit events".to_string()
        } else {
            format!(
                "audit logs {}",
                r.audit_logs
                    .iter()
                    .map(|l| format!("<code>{}</code>", h(l)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    if !r.audit_problems.is_empty() {
        let _ = writeln!(s, "<ul>");
        for p in &r.audit_problems {
            let _ = writeln!(s, "<li>audit log: {}</li>", h(p));
        }
        let _ = writeln!(s, "</ul>");
    }
    if r.runs.is_empty() {
        let _ = writeln!(s, "<p>No run was selected.</p>");
    }
    for run in &r.runs {
        one(&mut s, run, !r.audit_logs.is_empty());
    }
    s.push_str("</body></html>\n");
    s
}

fn one(s: &mut String, rr: &RunRecord, audited: bool) {
    let run = &rr.run;
    let _ = writeln!(
        s,
        "<h2>Run {} — {} of <code>{}</code></h2>\n<table>",
        run.id,
        h(&run.kind),
        h(&run.target)
    );
    let mut row = |k: &str, v: String| {
        let _ = writeln!(s, "<tr><th>{k}</th><td>{v}</td></tr>");
    };
    row("status", h(&run.status).into_owned());
    if let Some(m) = &run.message {
        row("stopped because", h(m).into_owned());
    }
    if let Some(u) = run.undo_of {
        row("undoes run", u.to_string());
    }
    row(
        "ran by",
        format!(
            "<code>{}</code> (local user <code>{}</code>)",
            h(&run.kube_user),
            h(&run.local_user)
        ),
    );
    row(
        "cluster",
        format!(
            "<code>{}</code> at <code>{}</code>",
            h(&run.cluster),
            h(&run.server)
        ),
    );
    row(
        "started / finished",
        format!(
            "{} / {}",
            h(&run.started_at),
            h(run.finished_at.as_deref().unwrap_or("not finished"))
        ),
    );
    row(
        "plan",
        format!(
            "made {} from {}",
            h(&rr.plan_created_at),
            h(&rr.plan_source)
        ),
    );
    let _ = writeln!(
        s,
        "</table>\n<h3>Actions</h3>\n<table><tr><th>#</th><th>action</th><th>object</th><th>result</th><th>before</th><th>after</th>{}</tr>",
        if audited { "<th>audit event</th>" } else { "" }
    );
    for a in &rr.actions {
        let result = if a.message.is_empty() {
            h(&a.result).into_owned()
        } else {
            format!("{}: {}", h(&a.result), h(&a.message))
        };
        let audit = if !audited {
            String::new()
        } else {
            match &a.audit {
                Some(e) => format!(
                    "<td>{}{}{} by <code>{}</code> at {} → {} (<code>{}</code>)</td>",
                    h(&e.verb),
                    if e.subresource.is_empty() { "" } else { " " },
                    h(&e.subresource),
                    h(&e.user),
                    h(&e.time),
                    e.code,
                    h(&e.location)
                ),
                None if a.result == "done" => "<td class=\"bad\">no audit event found</td>".into(),
                None => "<td>—</td>".into(),
            }
        };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{audit}</tr>",
            a.seq,
            h(&a.op),
            h(&a.object.display()),
            result,
            h(&a.before),
            h(&a.after)
        );
    }
    s.push_str("</table>\n");
    if audited {
        let _ = writeln!(s, "<h3>Changes by others to these objects</h3>");
        if rr.others.is_empty() {
            let _ = writeln!(
                s,
                "<p>None in the audit logs from the plan's creation on.</p>"
            );
        } else {
            let _ = writeln!(s, "<ul>");
            for (o, e) in &rr.others {
                let _ = writeln!(
                    s,
                    "<li class=\"bad\">{} {} by <code>{}</code> at {} → {} (<code>{}</code>)</li>",
                    h(&o.display()),
                    h(&e.verb),
                    h(&e.user),
                    h(&e.time),
                    e.code,
                    h(&e.location)
                );
            }
            let _ = writeln!(s, "</ul>");
        }
    }
    let _ = writeln!(s, "<h3>Verified</h3>");
    if rr.verifications.is_empty() {
        let _ = writeln!(
            s,
            "<p>No verification of this target was recorded after the run.</p>"
        );
    }
    for v in &rr.verifications {
        let _ = writeln!(
            s,
            "<p>{} by <code>{}</code>: <strong{}>{}</strong></p><ul>",
            h(&v.at),
            h(&v.by),
            if v.passed { "" } else { " class=\"bad\"" },
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
                    let _ = writeln!(s, "<li>{k}: {}</li>", h(t));
                }
            }
        }
        let _ = writeln!(s, "</ul>");
    }
    let _ = writeln!(s, "<h3>Not revoked or not restorable</h3>");
    if rr.not_revoked.is_empty() {
        let _ = writeln!(s, "<p>Nothing.</p>");
    } else {
        let _ = writeln!(s, "<ul>");
        for n in &rr.not_revoked {
            let _ = writeln!(s, "<li>{}</li>", h(n));
        }
        let _ = writeln!(s, "</ul>");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let r = super::super::sample::record();
        let text = super::record(&r);
        assert!(
            !text.contains("<script") && !text.contains("<img"),
            "{text}"
        );
        insta::assert_snapshot!(text);
    }
}
