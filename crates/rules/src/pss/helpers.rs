//! Helpers shared by the PSS family: every rule runs one upstream check of `stockade-pss`.

use crate::{Checker, RuleOption};
use stockade_inventory::{Object, WORKLOAD_KINDS};
use stockade_pss::{Check, Level, Pod, Version, evaluate_check};

/// The kinds every PSS rule reads.
pub const KINDS: &[&str] = WORKLOAD_KINDS;

/// The options every PSS rule accepts.
pub const OPTIONS: &[RuleOption] = &[
    RuleOption {
        name: "version",
        help: "Pod Security Standards version to evaluate: `latest` or `v1.N`",
        default: "\"latest\"",
    },
    RuleOption {
        name: "level",
        help: "the strictest level whose checks run: `baseline` runs only baseline checks, `restricted` runs all, `privileged` none",
        default: "\"restricted\"",
    },
];

/// The level and version a rule runs at, from its options. A value that does not parse is
/// reported by the rule as a finding rather than silently replaced.
fn settings(cx: &Checker<'_>) -> Result<(Level, Version), String> {
    let text = |name: &str, default: &str| -> Result<String, String> {
        match cx.option(name) {
            None => Ok(default.to_string()),
            Some(serde_json::Value::String(s)) => Ok(s),
            Some(v) => Err(format!("option `{name}` must be a string, found {v}")),
        }
    };
    let level =
        Level::parse(&text("level", "restricted")?).map_err(|e| format!("option `level` {e}"))?;
    let version =
        Version::parse(&text("version", "latest")?).map_err(|e| format!("option `version` {e}"))?;
    Ok((level, version))
}

/// Runs upstream check `check` on a workload object and reports each offending field with the
/// check's reason and a detail about that field alone.
pub fn run(cx: &mut Checker<'_>, o: &Object, check: &'static Check) {
    if o.controlled_by_workload() {
        return;
    }
    let Some(pod) = Pod::of(o) else { return };
    let (level, version) = match settings(cx) {
        Ok(s) => s,
        Err(e) => {
            cx.report(
                o,
                pod.view.spec_path.clone(),
                format!("cannot evaluate {}: {e}", check.id),
            );
            return;
        }
    };
    if check.level > level {
        return;
    }
    let Some(forbidden) = evaluate_check(&pod, check, version) else {
        return;
    };
    for v in &forbidden.violations {
        cx.report(o, v.path.clone(), forbidden.violation_message(v));
    }
}
