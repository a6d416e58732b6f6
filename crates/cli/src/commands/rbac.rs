//! `stockade rbac`: who-can, access, can and paths over the RBAC engine, for manifests or a
//! live cluster. Exit codes: `can` 0 allowed / 1 denied; `paths` 1 when a chain exists; 2 on
//! usage or input errors (answers for what could be read are still printed).
//!
//! Parse → answer (`stockade_rbac::answer`) → render (`stockade_report::rbac`, which escapes
//! every name from the manifests or the cluster).

use super::inputs::{self, Loaded};
use crate::cli::{RbacArgs, RbacCommand, RbacCommon, RbacRequestArgs, TextFormat};
use anyhow::{Context, bail};
use std::io::Write;
use stockade_model::DiagnosticLevel;
use stockade_rbac::{Model, ModelOptions, Principal, Request, SubjectSpec, Target, answer};
use stockade_report::rbac::{json, text};

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
    super::print_diagnostics(&loaded.diagnostics);
    Ok(loaded)
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
        super::print_diagnostics(&[stockade_model::Diagnostic::general(
            stockade_model::DiagnosticLevel::Note,
            "unknown-subresource",
            format!(
                "`{sub}` is not a subresource of the built-in API; in Stockade the part after `/` is a subresource (kubectl auth can-i reads TYPE/NAME): name an object with --name"
            ),
        )]);
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
                    super::print_diagnostics(&[stockade_model::Diagnostic::general(
                        stockade_model::DiagnosticLevel::Note,
                        "unknown-resource",
                        format!(
                            "`{res}` is not a built-in resource Stockade knows; assuming the core API group (set --api-group or write {res}.GROUP)"
                        ),
                    )]);
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

/// Renders to stdout; a closed pipe is not an error.
fn print(render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    let mut lock = std::io::stdout().lock();
    match render(&mut lock).and_then(|_| lock.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn who_can(a: crate::cli::RbacWhoCanArgs) -> anyhow::Result<u8> {
    let req = request(&a.verb, &a.request)?;
    let loaded = load(&a.common)?;
    let m = Model::build(&loaded.inv, options(&a.common));
    let r = answer::who_can(&m, &req);
    match a.common.output {
        TextFormat::Json => print(|w| json::who_can(&r, w))?,
        TextFormat::Text => print(|w| text::who_can(&r, w))?,
    }
    Ok(if input_errors(&loaded) { 2 } else { 0 })
}

fn can(a: crate::cli::RbacCanArgs) -> anyhow::Result<u8> {
    let spec = subject(&a.subject)?;
    let req = request(&a.verb, &a.request)?;
    let loaded = load(&a.common)?;
    let m = Model::build(&loaded.inv, options(&a.common));
    let r = answer::can(&m, &spec, &a.groups, &req);
    match a.common.output {
        TextFormat::Json => print(|w| json::can(&r, w))?,
        TextFormat::Text => print(|w| text::can(&r, w))?,
    }
    Ok(if input_errors(&loaded) {
        2
    } else if r.allowed {
        0
    } else {
        1
    })
}

fn access(a: crate::cli::RbacAccessArgs) -> anyhow::Result<u8> {
    let spec = subject(&a.subject)?;
    let loaded = load(&a.common)?;
    let m = Model::build(&loaded.inv, options(&a.common));
    let r = answer::access(&m, &spec, &a.groups, a.namespace.as_deref());
    match a.common.output {
        TextFormat::Json => print(|w| json::access(&r, w))?,
        TextFormat::Text => print(|w| text::access(&r, w))?,
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
    let q = answer::PathsQuery {
        target,
        from,
        include_system: a.include_system,
        max_steps: a.max_steps,
    };
    let r = answer::paths(&m, &loaded.inv, &q);
    match a.common.output {
        TextFormat::Json => print(|w| json::paths(&r, w))?,
        TextFormat::Text => print(|w| text::paths(&r, w))?,
    }
    Ok(if input_errors(&loaded) {
        2
    } else if r.chains.is_empty() {
        0
    } else {
        1
    })
}
