//! `stockade version`: the version, and what the data built into this binary covers, so that
//! a report can be traced to the rules and data that produced it.

use serde_json::json;

pub fn run(output: &str) -> anyhow::Result<u8> {
    let rules = stockade_engine::registry::all();
    let families: Vec<serde_json::Value> = stockade_framework::Family::ALL
        .iter()
        .map(|f| {
            json!({"family": f.name(), "rules": rules.iter().filter(|r| r.family == *f).count()})
        })
        .collect();
    let benchmarks: Vec<&str> = stockade_bench::data::ids().collect();
    let releases = stockade_updates::eol::releases();
    let cves = stockade_updates::osv::Db::embedded();
    let newest_release = releases.iter().map(|r| r.minor).max().unwrap_or_default();
    let oldest_release = releases.iter().map(|r| r.minor).min().unwrap_or_default();
    let doc = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules.len(),
        "families": families,
        "podSecurityStandards": format!("v1.0 to v1.{} and latest", stockade_pss::NEWEST_MINOR),
        "cisBenchmarks": benchmarks,
        "kubernetesReleases": format!("1.{oldest_release} to 1.{newest_release}"),
        "cveSnapshot": {"records": cves.records.len(), "newest": cves.newest, "source": cves.source},
        "celEnvironment": format!("Kubernetes 1.{}", stockade_policy::ast::NEWEST_MINOR),
    });
    if output == "json" {
        super::print(format_args!(
            "{}\n",
            stockade_model::escape::json_pretty(&doc)?
        ))?;
        return Ok(0);
    }
    let mut t = format!("stockade {}\n", env!("CARGO_PKG_VERSION"));
    t.push_str(&format!("rules                {}", rules.len()));
    let per: Vec<String> = stockade_framework::Family::ALL
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f.prefix(),
                rules.iter().filter(|r| r.family == *f).count()
            )
        })
        .collect();
    t.push_str(&format!(" ({})\n", per.join(", ")));
    t.push_str(&format!(
        "pod security         v1.0 to v1.{} and latest\n",
        stockade_pss::NEWEST_MINOR
    ));
    t.push_str(&format!("cis benchmarks       {}\n", benchmarks.join(", ")));
    t.push_str(&format!(
        "kubernetes releases  1.{oldest_release} to 1.{newest_release} (end of life, skew, removed APIs)\n"
    ));
    t.push_str(&format!(
        "cve snapshot         {} records, newest {} ({})\n",
        cves.records.len(),
        cves.newest,
        stockade_model::escape::TermLine(&cves.source)
    ));
    t.push_str(&format!(
        "cel environment      Kubernetes 1.{}\n",
        stockade_policy::ast::NEWEST_MINOR
    ));
    super::print(format_args!("{t}"))?;
    Ok(0)
}
