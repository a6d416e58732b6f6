//! Stockade's rules. One file per rule, reading top to bottom: user docs (a doc comment with
//! fixed headings), metadata, `check`, private helpers; its pass/fail fixtures live in
//! `fixtures/<family>/<rule-name>/{pass,fail}/` and run from the test the macro generates.
//!
//! This crate owns what a rule is ([`Rule`]), how it reports ([`Checker`]), the catalogue of
//! framework controls ([`controls`]) and the one registry ([`registry::RULES`]). It must not
//! choose which rules run or apply suppressions: that is the engine's job.

pub mod hygiene;
pub mod netpol;
pub mod pss;
pub mod rbac;
pub mod registry;
pub mod rule;
pub mod secrets;
#[cfg(test)]
pub(crate) mod testing;
pub mod views;
pub mod workload;

pub use registry::{RULES, find};
pub use rule::{Checker, Hit, Options, Rule};
pub use stockade_framework::{Family, Meta, RuleOption, Source, controls};
pub use views::Views;
pub use workload::secret_in_env_value::looks_like_credential;

/// Declares a rule: its doc comment becomes its user documentation, the fields its metadata
/// (anything left out comes from [`rule::BASE`]: enabled, no options, no inventory check), and
/// a test is generated that runs its fixtures.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $name:ident = Rule { $($field:ident : $value:expr),* $(,)? };
    ) => {
        $(#[doc = $doc])*
        pub static $name: $crate::Rule = {
            let mut rule = $crate::rule::BASE;
            rule.meta.docs = concat!($($doc, "\n"),*);
            rule.meta.source_file = file!();
            $($crate::__rule_field!(rule, $field, $value);)*
            rule
        };

        #[cfg(test)]
        mod fixture_tests {
            #[test]
            fn fixtures() {
                $crate::testing::check_fixtures(&super::$name);
            }
        }
    };
}

/// Sets one field of a rule being declared: the checks on the rule, the rest on its metadata.
#[doc(hidden)]
#[macro_export]
macro_rules! __rule_field {
    ($rule:ident, check, $value:expr) => {
        $rule.check = $value;
    };
    ($rule:ident, inventory_check, $value:expr) => {
        $rule.inventory_check = $value;
        $rule.meta.source = $crate::Source::Inventory;
    };
    ($rule:ident, $field:ident, $value:expr) => {
        $rule.meta.$field = $value;
    };
}
