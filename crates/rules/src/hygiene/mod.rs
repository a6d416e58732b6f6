//! Hygiene (`HY`): unused and orphaned objects, read from the inventory's reference graph
//! ([`stockade_inventory::references`]), and cluster leftovers such as nodes long gone.
//!
//! Every finding says why the object is believed unused and how sure that is (see
//! [`helpers::Confidence`]). Rules that need the whole cluster (or a whole namespace) among
//! the inputs to be meaningful are off by default in `stockade scan` and always on in
//! `stockade unused`.

pub mod helpers;

// @@hygiene-mods (keep sorted)
pub mod autoscaler_target_missing;
pub mod deprecated_api_version;
pub mod empty_namespace;
pub mod finished_job;
pub mod finished_pod;
pub mod ingress_backend_missing;
pub mod legacy_service_account_token;
pub mod node_not_ready;
pub mod orphaned_replica_set;
pub mod released_persistent_volume;
pub mod service_selects_nothing;
pub mod unmounted_persistent_volume_claim;
pub mod unused_config_map;
pub mod unused_secret;
pub mod unused_service_account;
pub mod version_skew;
