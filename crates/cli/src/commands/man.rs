//! `stockade man DIR`: the man pages, generated from the command-line definition
//! (clap_mangen): `stockade.1`, and `stockade-SUB.1` / `stockade-SUB-SUBSUB.1` for each
//! subcommand.

use anyhow::Context;
use std::path::Path;

/// Every page, as (file name, roff text).
pub fn pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
    cmd.build();
    let mut out = Vec::new();
    fn walk(
        cmd: &clap::Command,
        name: &str,
        out: &mut Vec<(String, Vec<u8>)>,
    ) -> anyhow::Result<()> {
        let page = cmd.clone().name(name.to_string());
        let mut buf = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut buf)
            .context("rendering a man page")?;
        out.push((format!("{name}.1"), buf));
        for sub in cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        {
            walk(sub, &format!("{name}-{}", sub.get_name()), out)?;
        }
        Ok(())
    }
    walk(&cmd, "stockade", &mut out)?;
    Ok(out)
}

pub fn run(dir: &Path) -> anyhow::Result<u8> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let pages = pages()?;
    for (name, text) in &pages {
        let p = dir.join(name);
        std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?;
    }
    eprintln!("wrote {} man pages to {}", pages.len(), dir.display());
    Ok(0)
}

#[cfg(test)]
mod tests {
    /// docs/man holds the pages of this definition (`STOCKADE_UPDATE_DOCS=1` rewrites them).
    #[test]
    fn shipped_man_pages_are_current() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/man"));
        let pages = super::pages().unwrap();
        if std::env::var_os("STOCKADE_UPDATE_DOCS").is_some() {
            let _ = std::fs::remove_dir_all(dir);
            std::fs::create_dir_all(dir).unwrap();
            for (name, text) in &pages {
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
        let stale: Vec<&str> = pages
            .iter()
            .filter(|(name, text)| std::fs::read(dir.join(name)).ok().as_ref() != Some(text))
            .map(|(n, _)| n.as_str())
            .collect();
        let on_disk = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
        assert!(
            stale.is_empty() && on_disk == pages.len(),
            "docs/man is stale ({stale:?}); run `STOCKADE_UPDATE_DOCS=1 cargo test -p stockade shipped_man_pages`"
        );
        assert!(pages.len() > 40, "{}", pages.len());
    }
}
