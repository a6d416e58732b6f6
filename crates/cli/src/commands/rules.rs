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
    if args.output == "json" {
        let v: Vec<serde_json::Value> = rules.iter().map(|r| r.to_json()).collect();
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
    super::print(format_args!(
        "{t}\n{} rule(s). `stockade explain RULE` shows one rule's documentation.\n",
        rules.len()
    ))?;
    Ok(0)
}
