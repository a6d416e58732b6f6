//! `stockade secrets`: objects (manifests or `--cluster`) → the RBAC model and the reference
//! graph → the exposure of each Secret (`stockade_secrets::exposure`) → table, JSON or
//! Markdown.

use super::inputs;
use crate::cli::{SecretsArgs, SecretsFormat};
use std::io::Write;
use stockade_model::DiagnosticLevel;
use stockade_rbac::{Model, ModelOptions};

pub fn run(args: SecretsArgs) -> anyhow::Result<u8> {
    let loaded = inputs::load(&args.input)?;
    super::print_diagnostics(&loaded.diagnostics);
    let unread = loaded.unread_of(&[
        "Secret",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
    ]);
    if !unread.is_empty() {
        eprintln!(
            "stockade: could not read {}: the answer is incomplete",
            stockade_model::escape::TermLine(unread.join(", "))
        );
    }
    let m = Model::build(
        &loaded.inv,
        ModelOptions {
            defaults: !args.no_defaults,
        },
    );
    let secrets = stockade_secrets::exposure::exposure(&loaded.inv, &m, args.namespace.as_deref());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let r = match args.output {
        SecretsFormat::Table => stockade_report::secrets::text::render(&secrets, &mut out),
        SecretsFormat::Json => stockade_report::secrets::json::render(&secrets, &mut out),
        SecretsFormat::Markdown => stockade_report::secrets::markdown::render(&secrets, &mut out),
    };
    if let Err(e) = r.and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    let errors = loaded
        .diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error);
    Ok(if errors || !unread.is_empty() {
        2
    } else if args.fail_on_broad && secrets.iter().any(|s| !s.broad.is_empty()) {
        1
    } else {
        0
    })
}
