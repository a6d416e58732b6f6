//! Loading the objects a command works on: manifests (files, directories, globs, stdin).
//! Every command that reads objects goes through here, so inputs behave the same everywhere.

use crate::cli::InputArgs;
use stockade_inventory::Inventory;
use stockade_model::Diagnostic;
use stockade_sources::{Input, Limits, load_inputs};

/// An inventory and what loading it said.
pub struct Loaded {
    /// The objects.
    pub inv: Inventory,
    /// Problems with the input (errors mean exit code 2).
    pub diagnostics: Vec<Diagnostic>,
    /// Files read.
    pub files_scanned: usize,
    /// Files skipped because of their extension.
    pub files_skipped: usize,
}

/// Loads the inputs named by `args`.
pub fn load(args: &InputArgs) -> anyhow::Result<Loaded> {
    let inputs: Vec<Input> = args.paths.iter().map(|p| Input::parse(p)).collect();
    let limits = Limits {
        max_document_bytes: args.max_document_size.saturating_mul(1 << 20),
        ..Limits::default()
    };
    let mut loaded = load_inputs(&inputs, &limits, &mut std::io::stdin().lock());
    let files_scanned = loaded.files.len();
    let files_skipped = loaded.files_skipped;
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let (inv, type_diags) = Inventory::from_manifests(loaded);
    diagnostics.extend(type_diags);
    Ok(Loaded {
        inv,
        diagnostics,
        files_scanned,
        files_skipped,
    })
}
