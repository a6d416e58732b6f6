//! The engine: picks the rules that settings enable, runs them over an inventory, turns their
//! hits into findings (location, snippet, fingerprint, severity overrides), applies exclusions,
//! suppressions and baselines, and sorts everything deterministically.
//!
//! It owns settings (`.stockade.yaml`) and suppressions; it must not parse manifests (sources)
//! nor render output (reporters).

mod baseline;
pub mod export;
pub mod policies;
mod pss;
pub mod registry;
mod run;
mod same_fact;
mod settings;
mod snippet;

pub use baseline::{Baseline, BaselineError};
pub use pss::{PssFindings, pss_findings};
pub use run::{
    IGNORE_ANNOTATION, NotAssessed, RunOutput, Suppressed, not_assessed, run, run_on,
    sort as sort_findings, suppress,
};
pub use settings::{
    BenchSuppression, CONFIG_FILE_NAME, CustomRule, ObjectPattern, Settings, SettingsError,
    default_config_text, find_config,
};
pub use stockade_model::time::today;
