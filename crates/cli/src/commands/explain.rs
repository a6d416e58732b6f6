//! `stockade explain RULE`: a rule's documentation in the terminal (a built-in rule, or one
//! written in `.stockade.yaml`).

pub fn run(rule: &str) -> anyhow::Result<u8> {
    if let Some(r) = stockade_engine::registry::find(rule) {
        super::print(format_args!("{}", stockade_framework::docs::page(r)))?;
        return Ok(0);
    }
    let custom = super::rules::custom_rules();
    let Some(c) = custom
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(rule) || c.name == rule)
    else {
        anyhow::bail!(
            "no rule `{}`; `stockade rules` lists them",
            stockade_model::escape::TermLine(rule)
        );
    };
    super::print(format_args!(
        "{}",
        stockade_engine::policies::custom_docs(c)
    ))?;
    Ok(0)
}
