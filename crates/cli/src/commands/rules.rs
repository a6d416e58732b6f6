//! `stockade rules`: the rule registry as a table or JSON.

use crate::cli::RulesArgs;
use anyhow::bail;
use comfy_table::{ContentArrangement, Table, presets::UTF8_BORDERS_ONLY};
use stockade_model::Framework;
use stockade_rules::{Family, RULES, Rule};

pub fn run(args: RulesArgs) -> anyhow::Result<u8> {
    let family = match &args.family {
        Some(f) => Some(Family::parse(f).ok_or_else(|| anyhow::anyhow!("unknown family `{f}`"))?),
        None => None,
    };
    let framework = match &args.framework {
        Some(f) => {
            let (name, control) = match f.split_once(':') {
                Some((n, c)) => (n, Some(c.to_string())),
                None => (f.as_str(), None),
            };
            let Some(fw) = Framework::parse(name) else {
                bail!(
                    "unknown framework `{name}`: use cis, nsa or mitre (optionally with a control, e.g. cis:5.2.2)"
                );
            };
            Some((fw, control))
        }
        None => None,
    };
    let rules: Vec<&Rule> = RULES
        .iter()
        .copied()
        .filter(|r| family.is_none_or(|f| r.family == f))
        .filter(|r| args.severity.is_none_or(|s| r.severity >= s))
        .filter(|r| {
            framework.as_ref().is_none_or(|(fw, ctl)| {
                r.controls.iter().any(|c| {
                    c.framework == *fw
                        && ctl
                            .as_deref()
                            .is_none_or(|id| c.id == id || c.id.starts_with(&format!("{id}.")))
                })
            })
        })
        .collect();
    // Audit rules judge events rather than objects; they live in their own registry.
    let audit: Vec<&stockade_audit::AuditRule> = stockade_audit::AUDIT_RULES
        .iter()
        .copied()
        .filter(|r| family.is_none_or(|f| r.family == f))
        .filter(|r| args.severity.is_none_or(|s| r.severity >= s))
        .filter(|r| {
            framework
                .as_ref()
                .is_none_or(|(fw, ctl)| stockade_audit::registry::maps_to(r, *fw, ctl.as_deref()))
        })
        .collect();
    if args.output == "json" {
        let mut v: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id, "name": r.name, "family": r.family.name(), "severity": r.severity,
                    "enabledByDefault": r.default_enabled, "kinds": r.kinds, "controls": r.controls,
                    "summary": r.summary, "remediation": r.remediation, "since": r.since,
                    "options": r.options.iter().map(|o| serde_json::json!({"name": o.name, "help": o.help, "default": serde_json::from_str::<serde_json::Value>(o.default).unwrap_or_default()})).collect::<Vec<_>>(),
                })
            })
            .collect();
        v.extend(audit.iter().map(|r| stockade_audit::registry::to_json(r)));
        println!("{}", stockade_model::escape::json_pretty(&v)?);
        return Ok(0);
    }
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "id", "name", "severity", "default", "controls", "summary",
        ]);
    for r in &rules {
        let controls: Vec<String> = r.controls.iter().map(|c| c.to_string()).collect();
        t.add_row(vec![
            r.id.to_string(),
            r.name.to_string(),
            r.severity.to_string(),
            if r.default_enabled {
                "on".into()
            } else {
                "off".into()
            },
            controls.join(", "),
            r.summary.to_string(),
        ]);
    }
    for r in &audit {
        t.add_row(stockade_audit::registry::table_row(r));
    }
    println!("{t}");
    println!(
        "{} rule(s). `stockade explain RULE` shows one rule's documentation.",
        rules.len() + audit.len()
    );
    Ok(0)
}
