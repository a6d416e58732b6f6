//! Shared helpers for the integration tests: build an inventory from YAML text.

#![allow(dead_code)] // each test file uses a different subset

use stockade_inventory::Inventory;
use stockade_model::DiagnosticLevel;
use stockade_sources::{Input, Limits, load_inputs};

/// Loads YAML text (as if from stdin) into an inventory; panics on load errors.
pub fn inventory(yaml: &str) -> Inventory {
    let load = load_inputs(&[Input::Stdin], &Limits::default(), &mut yaml.as_bytes());
    let errors: Vec<_> = load
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .collect();
    assert!(errors.is_empty(), "test YAML does not load: {errors:?}");
    Inventory::from_manifests(load).0
}
