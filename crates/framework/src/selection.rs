//! Which rules run: `enable` and `disable` entries (from `.stockade.yaml` or the command line)
//! resolved the same way for every family, whatever their order.
//!
//! An entry names one rule (id or name), a family (name or prefix) or `all`. A narrower entry
//! wins over a broader one, and at the same breadth `disable` wins over `enable`, so
//! `--enable all --disable WL011` runs everything but WL011 and `--disable all --enable WL001`
//! runs exactly WL001, in either order.

use crate::Family;
use std::collections::BTreeMap;

/// How broad a selection entry is, broadest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Breadth {
    /// `all`.
    All,
    /// A family, by name or prefix (`workload`, `WL`).
    Family,
    /// One rule, by id or name.
    Rule,
}

/// The breadth of an entry (one that names neither `all` nor a family names a rule).
pub fn breadth(entry: &str) -> Breadth {
    if entry.eq_ignore_ascii_case("all") {
        Breadth::All
    } else if Family::parse(entry).is_some() {
        Breadth::Family
    } else {
        Breadth::Rule
    }
}

/// Whether an entry came from an `enable` or a `disable` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Turn on.
    Enable,
    /// Turn off.
    Disable,
}

impl Action {
    /// `enable` or `disable`, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Enable => "enable",
            Action::Disable => "disable",
        }
    }
}

/// Applies `enable` and `disable` entries to `state` (rule id → runs): broadest entries first,
/// and at each breadth enables before disables, so the narrower entry and then `disable` win.
/// `select` returns the ids an entry names (an empty list for an entry that is valid but names
/// no rule of this family) or an error message; the first error is returned with its action.
pub fn apply<S: AsRef<str>>(
    state: &mut BTreeMap<&'static str, bool>,
    enable: &[S],
    disable: &[S],
    mut select: impl FnMut(&str) -> Result<Vec<&'static str>, String>,
) -> Result<(), (Action, String)> {
    // Validate every entry before changing anything.
    let mut entries = Vec::new();
    for (list, action) in [(enable, Action::Enable), (disable, Action::Disable)] {
        for e in list {
            let e = e.as_ref();
            let ids = select(e).map_err(|m| (action, m))?;
            entries.push((breadth(e), action, ids));
        }
    }
    for level in [Breadth::All, Breadth::Family, Breadth::Rule] {
        for action in [Action::Enable, Action::Disable] {
            for (_, _, ids) in entries
                .iter()
                .filter(|(b, a, _)| *b == level && *a == action)
            {
                for id in ids {
                    state.insert(id, action == Action::Enable);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [&str; 3] = ["WL001", "WL011", "RB001"];

    fn select(e: &str) -> Result<Vec<&'static str>, String> {
        match breadth(e) {
            Breadth::All => Ok(IDS.to_vec()),
            Breadth::Family => {
                let p = Family::parse(e).unwrap().prefix();
                Ok(IDS.iter().copied().filter(|i| i.starts_with(p)).collect())
            }
            Breadth::Rule => IDS
                .iter()
                .find(|i| i.eq_ignore_ascii_case(e))
                .map(|i| vec![*i])
                .ok_or_else(|| format!("unknown `{e}`")),
        }
    }

    fn on(enable: &[&str], disable: &[&str]) -> Vec<&'static str> {
        let mut state = BTreeMap::new();
        apply(&mut state, enable, disable, select).unwrap();
        state
            .into_iter()
            .filter(|(_, v)| *v)
            .map(|(k, _)| k)
            .collect()
    }

    #[test]
    fn narrower_wins_then_disable() {
        assert_eq!(on(&["all"], &["WL011"]), ["RB001", "WL001"]);
        assert_eq!(on(&["WL001"], &["all"]), ["WL001"]);
        assert_eq!(on(&["workload"], &["all"]), ["WL001", "WL011"]);
        assert_eq!(on(&["all"], &["workload"]), ["RB001"]);
        assert_eq!(on(&["WL001"], &["WL001"]), Vec::<&str>::new());
        let mut state = BTreeMap::new();
        assert_eq!(
            apply(&mut state, &["nope"], &[], select),
            Err((Action::Enable, "unknown `nope`".into()))
        );
    }
}
