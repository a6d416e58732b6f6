//! `stockade policy eval` and `stockade policy test`: objects and policy files → the
//! ValidatingAdmissionPolicy evaluator (`stockade_policy`) → the API server's answer per
//! object, or the test files' expected results compared with it.

use super::inputs;
use crate::cli::{InputArgs, PolicyArgs, PolicyCommand, PolicyEvalArgs, PolicyTestArgs};
use serde_json::json;
use std::path::{Path, PathBuf};
use stockade_inventory::{Inventory, Object};
use stockade_model::escape::TermLine;
use stockade_model::{Diagnostic, DiagnosticLevel};
use stockade_policy::eval::identity;
use stockade_policy::{Action, Request, World, suite};

pub fn run(args: PolicyArgs) -> anyhow::Result<u8> {
    match args.command {
        PolicyCommand::Eval(a) => eval(*a),
        PolicyCommand::Test(a) => test(a),
    }
}

fn eval(args: PolicyEvalArgs) -> anyhow::Result<u8> {
    let loaded = inputs::load_scoped(&args.input, args.namespace.as_deref())?;
    let mut diags = loaded.diagnostics.clone();
    let extra = inputs::load_paths(&args.policy, &args.input, &mut diags);
    let old = inputs::load_paths(&args.old, &args.input, &mut diags);
    let inv = &loaded.inv;
    let Some(policies) =
        stockade_engine::policies::load_release(inv, Some(&extra), args.target_version)
    else {
        super::print_diagnostics(&diags);
        anyhow::bail!(
            "no ValidatingAdmissionPolicy among the inputs or --policy files: give the policies with --policy PATH"
        );
    };
    diags.extend(policies.diagnostics());
    diags.extend(policies.rules().1);
    let failed_input = super::print_diagnostics(&diags);
    let operation = args.operation.to_ascii_uppercase();
    let world = World::new(inv.objects().iter().chain(extra.objects()).map(|o| &o.root));
    let is_policy = |o: &Object| {
        o.api_group() == "admissionregistration.k8s.io"
            && matches!(
                o.kind(),
                "ValidatingAdmissionPolicy" | "ValidatingAdmissionPolicyBinding"
            )
    };
    let mut denied = 0usize;
    let mut answers = Vec::new();
    let mut text = String::new();
    // The old version of each object, by kind, namespace and name.
    let mut by_identity: std::collections::HashMap<_, &Object> = std::collections::HashMap::new();
    for b in old.objects() {
        let id = identity(&b.root);
        by_identity
            .entry((id.group, id.kind, id.namespace, id.name))
            .or_insert(b);
    }
    let mut judged: Vec<(&Object, Option<&Object>)> = Vec::new();
    for o in inv.objects().iter().filter(|o| !is_policy(o)) {
        let id = identity(&o.root);
        let before = by_identity
            .get(&(id.group, id.kind, id.namespace, id.name))
            .copied();
        if operation != "CREATE" && before.is_none() {
            diags_line(&format!(
                "{}: no old object in --old for {operation}; judged as CREATE would be wrong, so it is left out",
                TermLine(o.display_name())
            ));
            continue;
        }
        judged.push((o, before));
    }
    // Objects are judged in parallel, reported in input order.
    use rayon::prelude::*;
    let verdicts: Vec<stockade_policy::Verdict> = judged
        .par_iter()
        .map(|(o, before)| {
            policies.set.evaluate(
                &world,
                &Request {
                    operation: &operation,
                    object: (operation != "DELETE").then_some(&o.root),
                    old_object: before.map(|b| &b.root),
                    user: &args.user,
                    groups: &args.group,
                },
            )
        })
        .collect();
    for ((o, _), v) in judged.iter().zip(verdicts) {
        let o = *o;
        if v.applied.is_empty() && !args.all {
            continue;
        }
        let location = inv
            .location(o, &stockade_model::FieldPath::root())
            .map(|l| format!("{}:{}:{}", l.path, l.line, l.column));
        let warnings: Vec<String> = v
            .outcomes
            .iter()
            .filter(|x| x.action == Action::Warn)
            .map(|x| x.api_message())
            .collect();
        let audit: Vec<String> = v
            .outcomes
            .iter()
            .filter(|x| x.action == Action::Audit)
            .map(|x| x.api_message())
            .collect();
        if !v.allowed {
            denied += 1;
        }
        let status = v
            .denial()
            .map(|d| json!({"code": d.code(), "reason": d.reason, "message": v.status_message()}));
        answers.push(json!({
            "object": o.oref(),
            "location": location,
            "operation": operation,
            "allowed": v.allowed,
            "status": status,
            "warnings": warnings,
            "auditValidationFailures": audit,
            "auditAnnotations": v.audit_annotations.iter().map(|(k, val)| json!({"key": k, "value": val})).collect::<Vec<_>>(),
            "applied": v.applied.iter().map(|(p, b)| json!({"policy": p, "binding": b})).collect::<Vec<_>>(),
        }));
        let head = match &location {
            Some(l) => format!("{l}  {} {}", o.kind(), o.display_name()),
            None => format!("{} {}", o.kind(), o.display_name()),
        };
        text.push_str(&format!(
            "{}: {}\n",
            TermLine(head),
            if v.allowed { "admitted" } else { "DENIED" }
        ));
        if let (Some(d), Some(m)) = (v.denial(), v.status_message()) {
            text.push_str(&format!(
                "  Error from server ({}): {}\n",
                TermLine(&d.reason),
                TermLine(m)
            ));
        }
        for w in &warnings {
            text.push_str(&format!("  Warning: {}\n", TermLine(w)));
        }
        for a in &audit {
            text.push_str(&format!("  audit: {}\n", TermLine(a)));
        }
        for (k, val) in &v.audit_annotations {
            text.push_str(&format!(
                "  audit annotation {} = {}\n",
                TermLine(k),
                TermLine(val)
            ));
        }
        if v.applied.is_empty() {
            text.push_str("  no policy applies\n");
        }
    }
    if args.output == "json" {
        let doc = json!({"operation": operation, "results": answers, "denied": denied});
        super::print(format_args!("{}\n", serde_json::to_string_pretty(&doc)?))?;
    } else {
        if answers.is_empty() {
            text.push_str("no policy applies to any object (pass --all to list them)\n");
        } else {
            text.push_str(&format!(
                "{} object(s) judged for {operation}: {} denied\n",
                answers.len(),
                denied
            ));
        }
        super::print(format_args!("{text}"))?;
    }
    Ok(if failed_input {
        2
    } else if denied > 0 {
        1
    } else {
        0
    })
}

fn diags_line(m: &str) {
    super::print_diagnostics(&[Diagnostic {
        level: DiagnosticLevel::Warning,
        code: "policy".into(),
        message: m.to_string(),
        path: None,
        line: 0,
        column: 0,
    }]);
}

/// Test files among `paths`: files as given, and below directories those whose name ends in
/// `stockade-test.yaml` (or `.yml`), sorted.
fn test_files(paths: &[String]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
        if depth > 32 {
            return;
        }
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                walk(&p, out, depth + 1);
            } else if name.ends_with("stockade-test.yaml") || name.ends_with("stockade-test.yml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    let default = [".".to_string()];
    for p in if paths.is_empty() {
        &default[..]
    } else {
        paths
    } {
        let path = Path::new(p);
        if path.is_dir() {
            walk(path, &mut out, 0);
        } else {
            out.push(path.to_path_buf());
        }
    }
    out
}

fn test(args: PolicyTestArgs) -> anyhow::Result<u8> {
    let files = test_files(&args.paths);
    if files.is_empty() {
        anyhow::bail!(
            "no test file found: name them *stockade-test.yaml (see docs/policy.md) or pass them"
        );
    }
    let limits = InputArgs::files();
    let mut broken = false;
    let mut failed = 0usize;
    let mut passed = 0usize;
    let mut docs = Vec::new();
    let mut text = String::new();
    for file in &files {
        let shown = file.display().to_string();
        let parsed = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_saphyr::from_str::<suite::TestFile>(&t).map_err(|e| e.to_string()));
        let t = match parsed {
            Ok(t) if t.kind == "PolicyTest" && t.api_version == "stockade.dev/v1" => t,
            Ok(t) => {
                broken = true;
                text.push_str(&format!(
                    "{}: ERROR not a stockade.dev/v1 PolicyTest (apiVersion {}, kind {})\n",
                    TermLine(&shown),
                    TermLine(&t.api_version),
                    TermLine(&t.kind)
                ));
                continue;
            }
            Err(e) => {
                broken = true;
                text.push_str(&format!(
                    "{}: ERROR {}\n",
                    TermLine(&shown),
                    TermLine(e.replace('\n', " "))
                ));
                continue;
            }
        };
        let dir = file.parent().unwrap_or(Path::new("."));
        let rel = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|p| dir.join(p).display().to_string())
                .collect()
        };
        let mut diags = Vec::new();
        let pol_inv = inputs::load_paths(&rel(&t.policies), &limits, &mut diags);
        let res_inv = inputs::load_paths(&rel(&t.resources), &limits, &mut diags);
        let old_inv = inputs::load_paths(&rel(&t.old_resources), &limits, &mut diags);
        let empty = Inventory::default();
        let Some(policies) =
            stockade_engine::policies::load_release(&pol_inv, Some(&empty), args.target_version)
        else {
            broken = true;
            super::print_diagnostics(&diags);
            text.push_str(&format!(
                "{}: ERROR its policies hold no ValidatingAdmissionPolicy\n",
                TermLine(&shown)
            ));
            continue;
        };
        diags.extend(policies.diagnostics());
        if super::print_diagnostics(&diags) {
            broken = true;
        }
        let resources: Vec<_> = res_inv
            .objects()
            .iter()
            .chain(pol_inv.objects())
            .map(|o| &o.root)
            .collect();
        let old: Vec<_> = old_inv.objects().iter().map(|o| &o.root).collect();
        let (results, errors) = suite::run(&t, &policies.set, &resources, &old);
        let title = if t.metadata.name.is_empty() {
            shown.clone()
        } else {
            format!("{shown} ({})", t.metadata.name)
        };
        text.push_str(&format!("{}\n", TermLine(&title)));
        for e in &errors {
            broken = true;
            text.push_str(&format!(
                "  ERROR results[{}]: {}\n",
                e.result,
                TermLine(&e.message)
            ));
        }
        for r in &results {
            let who = match &r.binding {
                Some(b) => format!("{} ({b})", r.policy),
                None => r.policy.clone(),
            };
            if r.ok {
                passed += 1;
                text.push_str(&format!(
                    "  PASS  {}  {} {}: {}\n",
                    TermLine(&who),
                    r.operation,
                    TermLine(&r.resource),
                    TermLine(&r.actual)
                ));
            } else {
                failed += 1;
                text.push_str(&format!(
                    "  FAIL  {}  {} {}\n        expected: {}\n        actual:   {}\n",
                    TermLine(&who),
                    r.operation,
                    TermLine(&r.resource),
                    TermLine(&r.expected),
                    TermLine(&r.actual)
                ));
                for m in &r.messages {
                    text.push_str(&format!("        message:  {}\n", TermLine(m)));
                }
            }
        }
        docs.push(
            json!({"file": shown, "name": t.metadata.name, "results": results, "errors": errors}),
        );
    }
    if args.output == "json" {
        let doc = json!({"tests": docs, "passed": passed, "failed": failed, "errors": broken});
        super::print(format_args!("{}\n", serde_json::to_string_pretty(&doc)?))?;
    } else {
        text.push_str(&format!(
            "\n{} result(s) in {} file(s): {passed} passed, {failed} failed{}\n",
            passed + failed,
            files.len(),
            if broken {
                "; some test files have errors"
            } else {
                ""
            }
        ));
        super::print(format_args!("{text}"))?;
    }
    Ok(if broken {
        2
    } else if failed > 0 {
        1
    } else {
        0
    })
}
