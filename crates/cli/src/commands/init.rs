//! `stockade init`: writes a commented default settings file.

use anyhow::{Context, bail};
use std::path::Path;

pub fn run(path: &Path, force: bool) -> anyhow::Result<u8> {
    if path.exists() && !force {
        bail!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        );
    }
    std::fs::write(path, stockade_engine::default_config_text())
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {}", stockade_model::escape::TermLine(path.display()));
    Ok(0)
}
