//! `stockade rules`: the rule registry as a table or JSON.

use crate::cli::RulesArgs;
use anyhow::bail;
use comfy_table::{ContentArrangement, Table, presets::UTF8_BORDERS_ONLY};
use stockade_engine::registry;
use stockade_framework::{Family, Meta, maps_to};
use stockade_model::Framework;

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
                    "unknown framework `{name}`: use cis, nsa, mitre or pss (optionally with a control, e.g. cis:5.2.2)"
                );
            };
            Some((fw, control))
        }
        None => None,
    };
    let rules: Vec<&Meta> = registry::all()
        .iter()
        .copied()
        .filter(|r| family.is_none_or(|f| r.family == f))
        .filter(|r| args.severity.is_none_or(|s| r.severity >= s))
        .filter(|r| {
            framework
                .as_ref()
                .is_none_or(|(fw, ctl)| maps_to(r, *fw, ctl.as_deref()))
        })
        .collect();
    // The rules written in the `.stockade.yaml` found from here (`policies:`).
    let custom: Vec<stockade_engine::CustomRule> = if family.is_none() && framework.is_none() {
        custom_rules()
            .into_iter()
            .filter(|c| args.severity.is_none_or(|s| c.severity >= s))
            .collect()
    } else {
        Vec::new()
    };
    if args.output == "json" {
        let mut v: Vec<serde_json::Value> = rules.iter().map(|r| r.to_json()).collect();
        v.extend(custom.iter().map(|c| {
            serde_json::json!({
                "id": c.id, "name": c.name, "family": "custom", "severity": c.severity,
                "enabledByDefault": true, "kinds": c.kinds, "controls": c.controls,
                "summary": c.summary, "remediation": c.remediation, "since": "",
                "options": [], "expression": c.expression,
            })
        }));
        super::print(format_args!(
            "{}\n",
            stockade_model::escape::json_pretty(&v)?
        ))?;
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
            if r.default_enabled { "on" } else { "off" }.to_string(),
            controls.join(", "),
            r.summary.to_string(),
        ]);
    }
    for c in &custom {
        let controls: Vec<String> = c.controls.iter().map(|c| c.to_string()).collect();
        t.add_row(vec![
            c.id.clone(),
            c.name.clone(),
            c.severity.to_string(),
            "on".to_string(),
            controls.join(", "),
            format!("{} (.stockade.yaml)", c.summary),
        ]);
    }
    super::print(format_args!(
        "{t}\n{} rule(s). `stockade explain RULE` shows one rule's documentation.\n",
        rules.len() + custom.len()
    ))?;
    Ok(0)
}

/// The rules of the `.stockade.yaml` found from the current directory up (none when there is
/// no such file; a file that does not load is said on standard error).
pub fn custom_rules() -> Vec<stockade_engine::CustomRule> {
    let Some(path) = stockade_engine::find_config(std::path::Path::new(".")) else {
        return Vec::new();
    };
    match stockade_engine::Settings::load(&path) {
        Ok(s) => s.custom,
        Err(e) => {
            eprintln!(
                "stockade: {}",
                stockade_model::escape::TermLine(e.to_string())
            );
            Vec::new()
        }
    }
}
