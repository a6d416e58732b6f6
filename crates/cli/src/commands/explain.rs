//! `stockade explain RULE`: a rule's documentation in the terminal.

pub fn run(rule: &str) -> anyhow::Result<u8> {
    let Some(r) = stockade_engine::registry::find(rule) else {
        anyhow::bail!("no rule `{rule}`; `stockade rules` lists them");
    };
    super::print(format_args!("{}", stockade_framework::docs::page(r)))?;
    Ok(0)
}
