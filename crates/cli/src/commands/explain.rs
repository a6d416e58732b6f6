//! `stockade explain RULE`: a rule's documentation in the terminal.

pub fn run(rule: &str) -> anyhow::Result<u8> {
    let Some(r) = stockade_rules::find(rule) else {
        if let Some(a) = stockade_audit::find(rule) {
            print!("{}", stockade_audit::docs::page(a));
            return Ok(0);
        }
        anyhow::bail!("no rule `{rule}`; `stockade rules` lists them");
    };
    print!("{}", stockade_rules::docs::page(r));
    Ok(0)
}
