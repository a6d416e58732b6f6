//! The resource types a live scan lists: the scanned entries of the one catalogue of built-in
//! resources (`stockade_model::kinds`). Listing them needs only `get`/`list`; a test checks that
//! `deploy/rbac.yaml` grants exactly that.

use std::sync::LazyLock;
pub use stockade_model::kinds::Resource;

/// Every resource type a scan lists, in listing order.
pub static RESOURCES: LazyLock<Vec<Resource>> =
    LazyLock::new(|| stockade_model::kinds::scanned().copied().collect());

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The shipped read-only ClusterRole grants `get` and `list` on exactly the scanned
    /// resources (offline: read from `deploy/rbac.yaml`).
    #[test]
    fn the_shipped_reader_role_matches_the_catalogue() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/rbac.yaml");
        let text = std::fs::read_to_string(path).unwrap();
        let docs: Vec<serde_json::Value> = text
            .split("\n---")
            .filter_map(|d| serde_saphyr::from_str::<serde_json::Value>(d).ok())
            .collect();
        let role = docs
            .iter()
            .find(|d| d["kind"] == "ClusterRole" && d["metadata"]["name"] == "stockade-reader")
            .expect("deploy/rbac.yaml has the stockade-reader ClusterRole");
        let mut granted = BTreeSet::new();
        for rule in role["rules"].as_array().unwrap() {
            let verbs: BTreeSet<&str> = rule["verbs"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|v| v.as_str())
                .collect();
            assert_eq!(
                verbs,
                BTreeSet::from(["get", "list"]),
                "read-only verbs: {rule}"
            );
            for g in rule["apiGroups"].as_array().unwrap() {
                for r in rule["resources"].as_array().unwrap() {
                    granted.insert((
                        g.as_str().unwrap().to_string(),
                        r.as_str().unwrap().to_string(),
                    ));
                }
            }
        }
        let wanted: BTreeSet<(String, String)> = RESOURCES
            .iter()
            .map(|r| (r.group.to_string(), r.plural.to_string()))
            .collect();
        assert_eq!(
            granted, wanted,
            "deploy/rbac.yaml must grant exactly the scanned resources"
        );
    }

    #[test]
    fn namespaces_in_urls_are_one_segment() {
        let pods = RESOURCES.iter().find(|r| r.kind == "Pod").unwrap();
        assert_eq!(
            pods.list_url(Some("a/b?c")),
            "/api/v1/namespaces/a%2Fb%3Fc/pods"
        );
        assert_eq!(pods.path_name(), "v1/pods");
    }
}
