//! Stockade's rule framework, below every analyzer.
//!
//! A rule of any family is a [`Meta`] (identity, severity, default, controls, docs, options and
//! what it runs on, [`Source`]) plus a check that the family's analyzer calls. This crate owns
//! the metadata, the [`Family`] list, the [`controls`] catalogue, the [`docs`] renderer, the
//! fixture harness ([`fixtures`]) and the registry meta-tests ([`validate`]); it knows no
//! object, event or policy type, so every analyzer (workload rules, audit, and the families to
//! come) depends on it and none on another.
//!
//! The one registry of every rule lives where all analyzers meet (`stockade_engine::registry`).

pub mod controls;
pub mod docs;
pub mod fixtures;
mod meta;
pub mod selection;
pub mod validate;

pub use meta::{BASE, Family, Meta, RuleOption, Source, maps_to};
