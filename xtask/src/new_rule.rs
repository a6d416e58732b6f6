//! `cargo xtask new-rule FAMILY NAME [--severity S] [--policy]`: scaffolds a rule.
//!
//! Writes the rule file (doc headings, metadata with the next free id, an empty check), its
//! pass and fail fixtures, the `mod` line and the registry line. The generated fail fixture
//! fails the rule's fixture test until the check is written, and the meta-tests say what
//! metadata is still missing (controls, summary), so a half-made rule cannot land unnoticed.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Where a family's rules live.
struct Layout {
    /// Family name as in `Family::name` (fixture directory, registry markers).
    family: &'static str,
    /// `Family::` variant.
    variant: &'static str,
    prefix: &'static str,
    /// Crate directory under `crates/`.
    krate: &'static str,
    /// Module directory under the crate's `src/`.
    module: &'static str,
}

const LAYOUTS: &[Layout] = &[
    Layout {
        family: "workload",
        variant: "Workload",
        prefix: "WL",
        krate: "rules",
        module: "workload",
    },
    Layout {
        family: "pss",
        variant: "PodSecurity",
        prefix: "PSS",
        krate: "rules",
        module: "pss",
    },
    Layout {
        family: "rbac",
        variant: "Rbac",
        prefix: "RB",
        krate: "rules",
        module: "rbac",
    },
    Layout {
        family: "network",
        variant: "Network",
        prefix: "NP",
        krate: "rules",
        module: "netpol",
    },
    Layout {
        family: "hygiene",
        variant: "Hygiene",
        prefix: "HY",
        krate: "rules",
        module: "hygiene",
    },
    Layout {
        family: "audit",
        variant: "Audit",
        prefix: "AU",
        krate: "audit",
        module: "rules",
    },
];

/// What was written, for the message to the user.
pub struct Created {
    pub id: String,
    pub files: Vec<PathBuf>,
}

/// Scaffolds rule `name` of `family` under the workspace at `root`.
pub fn create(
    root: &Path,
    family: &str,
    name: &str,
    severity: &str,
    policy: bool,
) -> Result<Created> {
    let Some(l) = LAYOUTS
        .iter()
        .find(|l| l.family == family || l.prefix.eq_ignore_ascii_case(family))
    else {
        let known: Vec<&str> = LAYOUTS.iter().map(|l| l.family).collect();
        bail!("unknown family `{family}` (known: {})", known.join(", "));
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || name.starts_with('-')
        || name.ends_with('-')
    {
        bail!("the rule name must be kebab-case, e.g. `hostpath-writable`");
    }
    if !["info", "low", "medium", "high", "critical"].contains(&severity) {
        bail!("--severity must be info, low, medium, high or critical");
    }
    if policy && l.family != "audit" {
        bail!("--policy is for audit rules that judge an audit Policy");
    }
    let snake = name.replace('-', "_");
    let upper = snake.to_ascii_uppercase();
    let src = root.join("crates").join(l.krate).join("src").join(l.module);
    let file = src.join(format!("{snake}.rs"));
    if file.exists() {
        bail!("{} already exists", file.display());
    }
    let id = next_id(&src, l.prefix, policy)?;
    let version = workspace_version(root)?;
    let fixtures = root
        .join("crates")
        .join(l.krate)
        .join("fixtures")
        .join(l.family)
        .join(name);
    let mut files = vec![file.clone()];
    std::fs::write(
        &file,
        rule_text(l, &id, name, &upper, severity, &version, policy),
    )?;
    let ext = if l.family == "audit" && !policy {
        "jsonl"
    } else {
        "yaml"
    };
    for (which, why) in [
        (
            "pass",
            "what the rule must accept (replace with a real case)",
        ),
        ("fail", "what the rule must flag (replace with a real case)"),
    ] {
        let d = fixtures.join(which);
        std::fs::create_dir_all(&d)?;
        let f = d.join(format!("example.{ext}"));
        std::fs::write(&f, fixture_text(l, why, policy))?;
        files.push(f);
    }
    let mod_rs = src.join("mod.rs");
    insert_mod(&mod_rs, &snake)?;
    files.push(mod_rs);
    let registry = root.join("crates").join(l.krate).join("src/registry.rs");
    insert_registry(&registry, l, &snake, &upper)?;
    files.push(registry);
    Ok(Created { id, files })
}

/// The next id of a family: one more than the highest in its directory (audit policy rules
/// count from 101).
fn next_id(src: &Path, prefix: &str, policy: bool) -> Result<String> {
    let mut max = if policy { 100 } else { 0 };
    for e in std::fs::read_dir(src).with_context(|| format!("reading {}", src.display()))? {
        let text = std::fs::read_to_string(e?.path()).unwrap_or_default();
        for line in text.lines() {
            let Some(rest) = line.trim().strip_prefix(&format!("id: \"{prefix}")) else {
                continue;
            };
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse::<u32>()
                && (n > 100) == policy
            {
                max = max.max(n);
            }
        }
    }
    Ok(format!("{prefix}{:03}", max + 1))
}

fn workspace_version(root: &Path) -> Result<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let mut in_package = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_package = line.trim() == "[workspace.package]";
        } else if in_package && let Some(v) = line.strip_prefix("version = ") {
            return Ok(v.trim().trim_matches('"').to_string());
        }
    }
    bail!("no [workspace.package] version in Cargo.toml")
}

const DOCS: &str = "\
    /// ## What it does
    /// Flags … (say exactly which field, in which objects).
    ///
    /// ## Why is this risky?
    /// What an attacker gains, or what breaks.
    ///
    /// ## Example
    /// ```yaml
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// None known.
    ///
    /// ## References
    /// - Kubernetes documentation: …
";

fn rule_text(
    l: &Layout,
    id: &str,
    name: &str,
    upper: &str,
    severity: &str,
    version: &str,
    policy: bool,
) -> String {
    let sev = format!("{}{}", severity[..1].to_ascii_uppercase(), &severity[1..]);
    if l.family == "audit" {
        let (imports, fields, check) = if policy {
            (
                "use crate::declare_audit_rule;\nuse crate::rule::{PolicyCx, Source};\nuse stockade_model::{Control, Severity};\n",
                "        source: Source::AuditPolicy,\n        policy_check: check,\n",
                "fn check(cx: &mut PolicyCx<'_>) {\n    // Report each gap in the policy through `cx`.\n    let _ = cx;\n}\n",
            )
        } else {
            (
                "use crate::declare_audit_rule;\nuse crate::event::Event;\nuse crate::rule::EventCx;\nuse stockade_model::{Control, Severity};\n",
                "        check: check,\n",
                "fn check(cx: &mut EventCx<'_>, e: &Event<'_>) {\n    // Raise an alert through `cx` for each matching event.\n    let _ = (cx, e);\n}\n",
            )
        };
        return format!(
            "{imports}\ndeclare_audit_rule! {{\n{DOCS}    pub static {upper} = AuditRule {{\n        id: \"{id}\",\n        name: \"{name}\",\n        severity: Severity::{sev},\n        controls: &[Control::mitre(\"T…\")],\n        since: \"{version}\",\n        summary: \"…\",\n        remediation: \"…\",\n{fields}    }};\n}}\n\n{check}"
        );
    }
    let kinds = if l.family == "workload" || l.family == "pss" {
        "crate::workload::helpers::KINDS"
    } else {
        "&[\"…\"]"
    };
    format!(
        "use crate::{{Checker, Family, declare_rule}};\nuse stockade_inventory::Object;\nuse stockade_model::{{Control, Severity}};\n\ndeclare_rule! {{\n{DOCS}    pub static {upper} = Rule {{\n        id: \"{id}\",\n        name: \"{name}\",\n        family: Family::{},\n        severity: Severity::{sev},\n        kinds: {kinds},\n        controls: &[Control::cis(\"…\")],\n        since: \"{version}\",\n        summary: \"…\",\n        remediation: \"…\",\n        check: check,\n    }};\n}}\n\nfn check(cx: &mut Checker<'_>, o: &Object) {{\n    // Report each offending field: `cx.report(o, path, message)`.\n    let _ = (cx, o);\n}}\n",
        l.variant
    )
}

fn fixture_text(l: &Layout, why: &str, policy: bool) -> String {
    if l.family == "audit" && !policy {
        return format!("# why: {why}\n");
    }
    if policy {
        return format!(
            "# why: {why}\napiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
        );
    }
    format!(
        "# why: {why}\napiVersion: v1\nkind: Pod\nmetadata: {{name: example, namespace: team}}\nspec:\n  containers:\n  - name: app\n    image: registry.example.com/app:1.0.0\n"
    )
}

/// Adds `pub mod NAME;` to a module list, keeping the `pub mod` lines after the helpers sorted.
fn insert_mod(mod_rs: &Path, snake: &str) -> Result<()> {
    let text =
        std::fs::read_to_string(mod_rs).with_context(|| format!("reading {}", mod_rs.display()))?;
    let line = format!("pub mod {snake};");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let rule_mods: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            l.starts_with("pub mod ")
                && !matches!(l.as_str(), "pub mod helpers;" | "pub mod policy_probe;")
        })
        .map(|(i, _)| i)
        .collect();
    let Some(&last) = rule_mods.last() else {
        bail!("{}: no `pub mod` lines", mod_rs.display())
    };
    let at = rule_mods
        .iter()
        .copied()
        .find(|&i| lines[i].as_str() > line.as_str())
        .unwrap_or(last + 1);
    lines.insert(at, line);
    std::fs::write(mod_rs, lines.join("\n") + "\n")?;
    Ok(())
}

/// Adds the registry line at the end of the family's block (ids grow, so the block stays
/// sorted).
fn insert_registry(registry: &Path, l: &Layout, snake: &str, upper: &str) -> Result<()> {
    let text = std::fs::read_to_string(registry)
        .with_context(|| format!("reading {}", registry.display()))?;
    let (marker, entry) = if l.family == "audit" {
        ("];".to_string(), format!("    &{snake}::{upper},"))
    } else {
        (
            format!("    // @@end-{}-rules", l.family),
            format!("    &crate::{}::{snake}::{upper},", l.module),
        )
    };
    let Some(at) = text.find(&format!("\n{marker}")) else {
        bail!(
            "{}: no `{marker}` line to insert before",
            registry.display()
        );
    };
    let mut out = text.clone();
    out.insert_str(at + 1, &format!("{entry}\n"));
    std::fs::write(registry, out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of the parts of the workspace the scaffold edits.
    fn workspace() -> tempfile::TempDir {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let t = tempfile::tempdir().unwrap();
        let mut files: Vec<PathBuf> = [
            "Cargo.toml",
            "crates/rules/src/registry.rs",
            "crates/audit/src/registry.rs",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        for d in ["crates/rules/src/workload", "crates/audit/src/rules"] {
            for e in std::fs::read_dir(repo.join(d)).unwrap() {
                files.push(Path::new(d).join(e.unwrap().file_name()));
            }
        }
        for f in files {
            let to = t.path().join(&f);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(repo.join(&f), to).unwrap();
        }
        t
    }

    #[test]
    fn scaffolds_an_object_rule_with_the_next_id_and_its_registry_line() {
        let t = workspace();
        let c = create(t.path(), "workload", "example-check", "high", false).unwrap();
        let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/rules/src/workload");
        assert_eq!(c.id, next_id(&real, "WL", false).unwrap());
        let rule =
            std::fs::read_to_string(t.path().join("crates/rules/src/workload/example_check.rs"))
                .unwrap();
        assert!(
            rule.contains(&format!("id: \"{}\"", c.id))
                && rule.contains("severity: Severity::High")
        );
        for h in [
            "## What it does",
            "## Why is this risky?",
            "## Example",
            "## Use instead",
            "## Options",
            "## Known limitations",
            "## References",
        ] {
            assert!(rule.contains(h), "{h}");
        }
        let reg = std::fs::read_to_string(t.path().join("crates/rules/src/registry.rs")).unwrap();
        let entry = reg
            .find("&crate::workload::example_check::EXAMPLE_CHECK,")
            .unwrap();
        assert!(entry < reg.find("// @@end-workload-rules").unwrap());
        let mods =
            std::fs::read_to_string(t.path().join("crates/rules/src/workload/mod.rs")).unwrap();
        let (a, b) = (
            mods.find("pub mod duplicate_env_name;").unwrap(),
            mods.find("pub mod example_check;").unwrap(),
        );
        assert!(
            a < b && b < mods.find("pub mod host_ipc;").unwrap(),
            "sorted"
        );
        for which in ["pass", "fail"] {
            let f = t.path().join(format!(
                "crates/rules/fixtures/workload/example-check/{which}/example.yaml"
            ));
            assert!(std::fs::read_to_string(f).unwrap().starts_with("# why:"));
        }
        assert!(
            create(t.path(), "workload", "example-check", "high", false).is_err(),
            "no overwrite"
        );
    }

    #[test]
    fn scaffolds_audit_event_and_policy_rules() {
        let t = workspace();
        let e = create(t.path(), "audit", "example-alert", "medium", false).unwrap();
        let p = create(t.path(), "audit", "example-policy-gap", "low", true).unwrap();
        assert!(
            e.id.as_str() < "AU100" && p.id.as_str() > "AU100",
            "{} {}",
            e.id,
            p.id
        );
        let reg = std::fs::read_to_string(t.path().join("crates/audit/src/registry.rs")).unwrap();
        assert!(
            reg.contains("    &example_alert::EXAMPLE_ALERT,\n")
                && reg.contains("&example_policy_gap::EXAMPLE_POLICY_GAP,")
        );
        assert!(
            t.path()
                .join("crates/audit/fixtures/audit/example-alert/fail/example.jsonl")
                .exists()
        );
        let policy = std::fs::read_to_string(
            t.path()
                .join("crates/audit/src/rules/example_policy_gap.rs"),
        )
        .unwrap();
        assert!(
            policy.contains("source: Source::AuditPolicy")
                && policy.contains("policy_check: check")
        );
    }

    #[test]
    fn rejects_bad_names_and_families() {
        let t = workspace();
        assert!(create(t.path(), "nope", "x", "high", false).is_err());
        assert!(create(t.path(), "workload", "Bad_Name", "high", false).is_err());
        assert!(create(t.path(), "workload", "ok-name", "severe", false).is_err());
        assert!(create(t.path(), "workload", "ok-name", "high", true).is_err());
    }
}
