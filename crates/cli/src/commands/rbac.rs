//! `stockade rbac`: who-can, access, can and paths over the RBAC engine, for manifests or a
//! live cluster. Exit codes: `can` 0 allowed / 1 denied; `paths` 1 when a chain exists; 2 on
//! usage or input errors (answers for what could be read are still printed).
//!
//! Names in the text output come from manifests or the cluster: each is written through
//! [`TermLine`] (or [`table`], which escapes its cells), and [`print`] writes through a
//! [`TerminalWriter`] as a backstop.

use super::inputs::{self, Loaded};
use crate::cli::{RbacArgs, RbacCommand, RbacCommon, RbacRequestArgs};
use anyhow::{Context, bail};
use serde_json::json;
use std::io::Write;
use stockade_model::escape::{TermLine, TerminalWriter, terminal_line};
use stockade_model::{Diagnostic, DiagnosticLevel};
use stockade_rbac::{Grant, Graph, Model, ModelOptions, Principal, Request, SubjectSpec, Target};

pub fn run(args: RbacArgs) -> anyhow::Result<u8> {
    match args.command {
        RbacCommand::WhoCan(a) => who_can(a),
        RbacCommand::Access(a) => access(a),
        RbacCommand::Can(a) => can(a),
        RbacCommand::Paths(a) => paths(a),
    }
}

fn load(common: &RbacCommon) -> anyhow::Result<Loaded> {
    let loaded = inputs::load(&common.input)?;
    for d in &loaded.diagnostics {
        eprintln!(
            "{}: {}: {}",
            level(d),
            TermLine(d.position()),
            TermLine(&d.message)
        );
    }
    Ok(loaded)
}

fn level(d: &Diagnostic) -> &'static str {
    match d.level {
        DiagnosticLevel::Error => "error",
        DiagnosticLevel::Warning => "warning",
        DiagnosticLevel::Note => "note",
    }
}

fn input_errors(l: &Loaded) -> bool {
    l.diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error)
}

fn options(common: &RbacCommon) -> ModelOptions {
    ModelOptions {
        defaults: !common.no_defaults,
    }
}

/// Subresources the built-in API serves; another word after `/` is probably an object name
/// written as kubectl's `TYPE/NAME`.
const SUBRESOURCES: &[&str] = &[
    "approval",
    "attach",
    "binding",
    "ephemeralcontainers",
    "eviction",
    "exec",
    "finalize",
    "log",
    "portforward",
    "proxy",
    "resize",
    "scale",
    "status",
    "token",
    "*",
];

/// Turns `VERB RESOURCE[.GROUP][/SUB]` (or `RESOURCE/SUB.GROUP`, or a `/url`) plus flags into a
/// request.
fn request(verb: &str, r: &RbacRequestArgs) -> anyhow::Result<Request> {
    let target = r.resource.as_str();
    if target.starts_with('/') {
        if r.namespace.is_some()
            || r.name.is_some()
            || r.api_group.is_some()
            || r.subresource.is_some()
        {
            bail!(
                "`{target}` is a non-resource URL: --namespace, --name, --api-group and --subresource do not apply"
            );
        }
        return Ok(Request::non_resource(verb, target));
    }
    let parsed = stockade_rbac::ResourceArg::parse(target).map_err(anyhow::Error::msg)?;
    let (res, group_in_name) = (parsed.resource, parsed.group);
    let sub = match (parsed.subresource, r.subresource.as_deref()) {
        ("", Some(s)) => s,
        (a, Some(b)) if a != b => {
            bail!("`{target}` names subresource `{a}` but --subresource says `{b}`")
        }
        (a, _) => a,
    };
    if !sub.is_empty() && !SUBRESOURCES.contains(&sub) {
        eprintln!(
            "note: `{}` is not a subresource of the built-in API; in Stockade the part after `/` is a subresource (kubectl auth can-i reads TYPE/NAME): name an object with --name",
            stockade_model::escape::terminal_line(sub)
        );
    }
    // kubectl's short names (`deploy`) and the groups of built-in resources come from the one
    // catalogue (kubectl asks discovery; offline, the catalogue answers).
    let known = stockade_model::kinds::by_plural(res, None);
    let res = known.map_or(res, |k| k.plural);
    let group = match (&r.api_group, group_in_name) {
        (Some(g), _) => g.clone(),
        (None, Some(g)) => g.to_string(),
        (None, None) => match known {
            Some(k) => k.group.to_string(),
            None => {
                if res != "*" {
                    let res = TermLine(res);
                    eprintln!(
                        "note: `{res}` is not a built-in resource Stockade knows; assuming the core API group (set --api-group or write {res}.GROUP)"
                    );
                }
                String::new()
            }
        },
    };
    Ok(Request::resource(
        verb,
        &group,
        res,
        sub,
        r.name.as_deref().unwrap_or(""),
        r.namespace.as_deref().unwrap_or(""),
    ))
}

fn subject(s: &str) -> anyhow::Result<SubjectSpec> {
    SubjectSpec::parse(s).map_err(|e| anyhow::anyhow!(e))
}

fn grant_json(m: &Model<'_>, g: &Grant) -> serde_json::Value {
    let b = &m.bindings[g.binding];
    let s = &b.subjects[g.subject];
    let role = &m.roles[g.rule.role];
    json!({
        "subject": {"kind": s.kind, "name": s.name, "namespace": s.namespace},
        "binding": {"kind": b.kind.as_str(), "namespace": b.namespace, "name": b.name, "builtin": b.builtin},
        "role": b.role.map(|r| json!({"kind": m.roles[r].kind.as_str(), "namespace": m.roles[r].namespace, "name": m.roles[r].name})),
        "rule": {"role": role.display(), "index": g.rule.rule, "rule": m.rule(g.rule)},
        "location": location(b.object),
    })
}

fn location(o: &stockade_inventory::Object) -> Option<String> {
    match &o.origin {
        stockade_inventory::ObjectOrigin::File(_) => None,
        stockade_inventory::ObjectOrigin::Cluster { cluster } => Some(format!("cluster:{cluster}")),
    }
}

/// Writes text output to stdout (no control character reaches the terminal raw).
fn print(out: &str) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut lock = TerminalWriter::new(stdout.lock(), false);
    match lock.write_all(out.as_bytes()).and_then(|_| lock.finish()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Writes a JSON document to stdout (control characters and bidi overrides as `\u` escapes).
fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    let text = stockade_model::escape::json_pretty(v)? + "\n";
    let mut lock = std::io::stdout().lock();
    match lock.write_all(text.as_bytes()).and_then(|_| lock.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn table(rows: &[Vec<String>], header: &[&str]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| h.to_uppercase()).collect::<Vec<_>>());
    for r in rows {
        t.add_row(
            r.iter()
                .map(|c| terminal_line(c).into_owned())
                .collect::<Vec<_>>(),
        );
    }
    let mut s = String::new();
    for line in t.to_string().lines() {
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

fn who_can(a: crate::cli::RbacWhoCanArgs) -> anyhow::Result<u8> {
    let req = request(&a.verb, &a.request)?;
    let loaded = load(&a.common)?;
    let m = Model::build(&loaded.inv, options(&a.common));
    let grants = m.who_can(&req);
    if a.common.output == "json" {
        let v = json!({
            "request": req,
            "allowed": grants.iter().map(|g| grant_json(&m, g)).collect::<Vec<_>>(),
            "note": "members of system:masters are allowed everything without RBAC",
        });
        print_json(&v)?;
    } else {
        let mut out = format!("who can {}:\n", TermLine(req.describe()));
        if grants.is_empty() {
            out.push_str("  nobody through RBAC\n");
        } else {
            let rows: Vec<Vec<String>> = grants
                .iter()
                .map(|g| {
                    let b = &m.bindings[g.binding];
                    let s = &b.subjects[g.subject];
                    let role = b.role.map(|r| m.roles[r].display()).unwrap_or_default();
                    vec![
                        s.kind.clone(),
                        match &s.namespace {
                            Some(ns) if s.kind == "ServiceAccount" => format!("{ns}/{}", s.name),
                            _ => s.name.clone(),
                        },
                        format!(
                            "{}{}",
                            b.display(),
                            if b.builtin { " (built-in)" } else { "" }
                        ),
                        role,
                    ]
                })
                .collect();
            out.push_str(&table(&rows, &["kind", "subject", "binding", "role"]));
        }
        out.push_str("(members of system:masters are allowed everything without RBAC)\n");
        print(&out)?;
    }
    Ok(if input_errors(&loaded) { 2 } else { 0 })
}

fn can(a: crate::cli::RbacCanArgs) -> anyhow::Result<u8> {
    let spec = subject(&a.subject)?;
    let req = request(&a.verb, &a.request)?;
    let loaded = load(&a.common)?;
    let m = Model::build(&loaded.inv, options(&a.common));
    let user = spec.user_info(&a.groups);
    let grant = m.authorize(&user, &req);
    let superuser = stockade_rbac::query::is_superuser(&user);
    let allowed = grant.is_some() || superuser;
    if a.common.output == "json" {
        let v = json!({
            "subject": spec, "user": user, "request": req, "allowed": allowed,
            "superuser": superuser,
            "grant": grant.map(|g| grant_json(&m, &g)),
        });
        print_json(&v)?;
    } else if let Some(g) = grant {
        let b = &m.bindings[g.binding];
        let s = &b.subjects[g.subject];
        print(&format!(
            "yes: {} can {}\n  via {} (subject {}) → {} rules[{}]: {}\n",
            TermLine(&spec),
            TermLine(req.describe()),
            TermLine(b.display()),
            TermLine(s.display()),
            TermLine(m.roles[g.rule.role].display()),
            g.rule.rule,
            TermLine(m.rule(g.rule).describe())
        ))?;
    } else if superuser {
        print(&format!(
            "yes: {} can {}\n  as a member of system:masters, which bypasses RBAC\n",
            TermLine(&spec),
            TermLine(req.describe())
        ))?;
    } else {
        print(&format!(
            "no: {} cannot {} (groups: {})\n",
            TermLine(&spec),
            TermLine(req.describe()),
            TermLine(user.groups.join(", "))
        ))?;
    }
    Ok(if input_errors(&loaded) {
        2
    } else if allowed {
        0
    } else {
        1
    })
}

fn access(a: crate::cli::RbacAccessArgs) -> anyhow::Result<u8> {
    let spec = subject(&a.subject)?;
    let loaded = load(&a.common)?;
    let m = Model::build(&loaded.inv, options(&a.common));
    let user = spec.user_info(&a.groups);
    let bindings = m.bindings_of(&user);
    // (scope, rule text, via) rows: cluster-wide first, then namespaces in order.
    let mut rows: Vec<(String, stockade_rbac::PolicyRule, String)> = Vec::new();
    for (bi, _) in &bindings {
        let b = &m.bindings[*bi];
        if let (Some(want), Some(ns)) = (&a.namespace, &b.namespace)
            && want != ns
        {
            continue;
        }
        let scope = b.namespace.clone().unwrap_or_else(|| "*".to_string());
        let via = match b.role {
            Some(r) => format!("{} → {}", b.display(), m.roles[r].display()),
            None => format!(
                "{} → missing {} {}",
                b.display(),
                b.role_ref_kind,
                b.role_ref_name
            ),
        };
        for rr in m.binding_rules(b) {
            rows.push((scope.clone(), m.rule(*rr).clone(), via.clone()));
        }
    }
    rows.sort_by(|x, y| (x.0 != "*", &x.0).cmp(&(y.0 != "*", &y.0)));
    if a.common.output == "json" {
        let v = json!({
            "subject": spec, "user": user,
            "superuser": stockade_rbac::query::is_superuser(&user),
            "rules": rows.iter().map(|(s, r, via)| json!({
                "namespace": if s == "*" { serde_json::Value::Null } else { json!(s) },
                "rule": r, "via": via,
            })).collect::<Vec<_>>(),
        });
        print_json(&v)?;
    } else {
        let mut out = format!(
            "effective permissions of {} (groups: {}); NAMESPACE * means every namespace and cluster-scoped resources\n",
            TermLine(&spec),
            TermLine(user.groups.join(", "))
        );
        if stockade_rbac::query::is_superuser(&user) {
            out.push_str("member of system:masters: allowed everything, whatever RBAC says\n");
        }
        let text: Vec<Vec<String>> = rows
            .iter()
            .map(|(s, r, via)| {
                let res: Vec<String> = r
                    .resources
                    .iter()
                    .flat_map(|res| {
                        r.api_groups.iter().map(move |g| {
                            if g.is_empty() {
                                res.clone()
                            } else {
                                format!("{res}.{g}")
                            }
                        })
                    })
                    .collect();
                vec![
                    s.clone(),
                    res.join(" "),
                    r.non_resource_urls.join(" "),
                    if r.resource_names.is_empty() {
                        String::new()
                    } else {
                        format!("[{}]", r.resource_names.join(" "))
                    },
                    format!("[{}]", r.verbs.join(" ")),
                    via.clone(),
                ]
            })
            .collect();
        if text.is_empty() {
            out.push_str("  no permissions through RBAC\n");
        } else {
            out.push_str(&table(
                &text,
                &[
                    "namespace",
                    "resources",
                    "non-resource urls",
                    "resource names",
                    "verbs",
                    "via",
                ],
            ));
        }
        print(&out)?;
    }
    Ok(if input_errors(&loaded) { 2 } else { 0 })
}

fn paths(a: crate::cli::RbacPathsArgs) -> anyhow::Result<u8> {
    let target = Target::parse(&a.to).with_context(|| {
        format!(
            "unknown --to `{}`: use cluster-admin, secrets or nodes",
            a.to
        )
    })?;
    let from: Option<Principal> = a
        .from
        .as_deref()
        .map(subject)
        .transpose()?
        .map(|s| Principal::of_spec(&s));
    let loaded = load(&a.common)?;
    let m = Model::build(&loaded.inv, options(&a.common));
    let mut g = Graph::new(&m, &loaded.inv);
    let sources = match &from {
        Some(p) => vec![p.clone()],
        None => g
            .sources()
            .into_iter()
            .filter(|p| a.include_system || !is_system(p))
            .collect(),
    };
    let mut chains = Vec::new();
    let mut direct = Vec::new();
    for s in &sources {
        if let Some(ev) = g.has_directly(s, target) {
            direct.push((s.clone(), ev));
            continue;
        }
        if let Some(c) = g.shortest(s, target, a.max_steps) {
            chains.push(c);
        }
    }
    chains.sort_by(|x, y| x.steps.len().cmp(&y.steps.len()).then(x.from.cmp(&y.from)));
    if a.common.output == "json" {
        let v = json!({
            "target": target,
            "subjectsChecked": sources.len(),
            "chains": chains,
            "direct": direct.iter().map(|(p, ev)| json!({"subject": p, "evidence": ev})).collect::<Vec<_>>(),
        });
        print_json(&v)?;
    } else {
        let mut out = String::new();
        for c in &chains {
            out.push_str(&format!(
                "{} → {} in {} step(s):\n",
                TermLine(&c.from),
                target.as_str(),
                c.steps.len()
            ));
            for (i, s) in c.steps.iter().enumerate() {
                match &s.to {
                    Some(to) => out.push_str(&format!(
                        "  {}. {} {} → becomes {}\n",
                        i + 1,
                        TermLine(&s.from),
                        TermLine(&s.how),
                        TermLine(to)
                    )),
                    None => out.push_str(&format!(
                        "  {}. {} {}\n",
                        i + 1,
                        TermLine(&s.from),
                        TermLine(&s.how)
                    )),
                }
            }
        }
        if !direct.is_empty() {
            out.push_str(&format!(
                "already {} directly (no escalation needed):\n",
                target.as_str()
            ));
            for (p, ev) in &direct {
                out.push_str(&format!("  {}: {}\n", TermLine(p), TermLine(ev)));
            }
        }
        out.push_str(&format!(
            "{} subject(s) checked, {} escalation chain(s) to {} within {} step(s)\n",
            sources.len(),
            chains.len(),
            target.as_str(),
            a.max_steps
        ));
        print(&out)?;
    }
    Ok(if input_errors(&loaded) {
        2
    } else if chains.is_empty() {
        0
    } else {
        1
    })
}

fn is_system(p: &Principal) -> bool {
    match p {
        Principal::User { name } | Principal::Group { name } => name.starts_with("system:"),
        Principal::ServiceAccount { namespace, .. } => namespace == "kube-system",
        Principal::RoleHolder { .. } => false,
    }
}
