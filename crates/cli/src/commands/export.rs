//! `stockade export vap`: the exportable rules (`stockade_engine::export`) as
//! ValidatingAdmissionPolicies and bindings, in YAML.

use crate::cli::{ExportArgs, ExportCommand, ExportVapArgs};
use anyhow::Context;
use stockade_engine::export;

pub fn run(args: ExportArgs) -> anyhow::Result<u8> {
    match args.command {
        ExportCommand::Vap(a) => vap(&a),
    }
}

fn vap(a: &ExportVapArgs) -> anyhow::Result<u8> {
    let selected = export::select(&a.rules).map_err(|e| anyhow::anyhow!("--rules: {e}"))?;
    let options = serde_saphyr::ser_options! { prefer_block_scalars: false };
    let mut text = format!(
        "# Stockade {} rules as ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1,\n\
         # Kubernetes 1.30 and later), each with a binding whose action is {}.\n\
         # Each policy denies exactly the workload objects on which its rule reports a finding.\n\
         # Narrow a binding with spec.matchResources (namespaceSelector, objectSelector) to exempt\n\
         # namespaces such as kube-system.\n",
        env!("CARGO_PKG_VERSION"),
        a.action
    );
    for e in selected {
        let Some((p, b)) = export::policy(e, &a.action) else {
            continue;
        };
        for doc in [p, b] {
            text.push_str("---\n");
            text.push_str(
                &serde_saphyr::to_string_with_options(&doc, options.clone())
                    .context("internal error: writing YAML")?,
            );
        }
    }
    match &a.output_file {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => super::print(format_args!("{text}"))?,
    }
    Ok(0)
}
