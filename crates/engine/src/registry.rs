//! The one registry: every rule of every family, as metadata. `stockade rules`, `stockade
//! explain`, the settings loader, the generated docs and the meta-tests read only this list;
//! each family's analyzer keeps its own checks (`stockade_rules::RULES` for objects and the
//! inventory, `stockade_audit::AUDIT_RULES` for audit events and policies).

use std::sync::LazyLock;
use stockade_framework::Meta;

static ALL: LazyLock<Vec<&'static Meta>> = LazyLock::new(|| {
    let mut v: Vec<&'static Meta> = stockade_rules::RULES.iter().map(|r| &r.meta).collect();
    v.extend(stockade_audit::AUDIT_RULES.iter().map(|r| &r.meta));
    v
});

/// Every rule, grouped by family (in `Family::ALL` order) and sorted by id within a family.
pub fn all() -> &'static [&'static Meta] {
    &ALL
}

/// Looks a rule of any family up by id or name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static Meta> {
    all()
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name.eq_ignore_ascii_case(id_or_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use stockade_framework::{Family, docs, validate};

    fn workspace_root() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
    }

    #[test]
    fn the_registry_holds_every_rule_once_and_valid() {
        let problems = validate::registry(all());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert_eq!(
            all().len(),
            stockade_rules::RULES.len() + stockade_audit::AUDIT_RULES.len()
        );
    }

    #[test]
    fn every_rule_has_fixtures() {
        let problems = validate::fixtures_missing(all(), workspace_root());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn generated_docs_are_current() {
        let dir = workspace_root().join("docs/rules");
        let update = std::env::var_os("STOCKADE_UPDATE_DOCS").is_some();
        let (audit, objects): (Vec<&Meta>, Vec<&Meta>) =
            all().iter().partition(|r| r.family == Family::Audit);
        let mut expected: Vec<(String, String)> = Vec::new();
        for r in &objects {
            expected.push((format!("{}.md", r.name), docs::page(r)));
        }
        expected.push(("README.md".into(), docs::index(&objects)));
        for r in &audit {
            expected.push((format!("audit/{}.md", r.name), docs::page(r)));
        }
        expected.push(("audit/README.md".into(), docs::audit_index(&audit)));
        let pages = |d: &Path| -> Vec<std::path::PathBuf> {
            std::fs::read_dir(d)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        };
        if update {
            for p in pages(&dir).into_iter().chain(pages(&dir.join("audit"))) {
                let _ = std::fs::remove_file(p);
            }
            std::fs::create_dir_all(dir.join("audit")).unwrap();
            for (name, text) in &expected {
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
        let stale: Vec<&str> = expected
            .iter()
            .filter(|(name, text)| {
                std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str())
            })
            .map(|(name, _)| name.as_str())
            .collect();
        let on_disk = pages(&dir).len() + pages(&dir.join("audit")).len();
        assert!(
            stale.is_empty() && on_disk == expected.len(),
            "docs/rules is stale ({stale:?}, {on_disk} pages on disk for {}); run `STOCKADE_UPDATE_DOCS=1 cargo test -p stockade-engine generated_docs`",
            expected.len()
        );
    }
}
