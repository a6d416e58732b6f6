//! Stockade's rules. One file per rule, reading top to bottom: user docs (a doc comment with
//! fixed headings), metadata, `check`, private helpers; its pass/fail fixtures live in
//! `fixtures/<family>/<rule-name>/{pass,fail}/` and run from the test the macro generates.
//!
//! This crate owns what a rule is ([`Rule`]), how it reports ([`Checker`]), the catalogue of
//! framework controls ([`controls`]) and the one registry ([`registry::RULES`]). It must not
//! choose which rules run or apply suppressions: that is the engine's job.

pub mod controls;
pub mod docs;
pub mod hygiene;
pub mod netpol;
pub mod pss;
pub mod rbac;
pub mod registry;
pub mod rule;
#[cfg(test)]
pub(crate) mod testing;
pub mod views;
pub mod workload;

pub use registry::{RULES, find};
pub use rule::{Checker, Family, Hit, Options, Rule, RuleOption};
pub use views::Views;

/// Declares a rule: its doc comment becomes its user documentation, the fields its metadata,
/// and a test is generated that runs its fixtures.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $name:ident = Rule { $($field:ident : $value:expr),* $(,)? };
    ) => {
        $(#[doc = $doc])*
        pub static $name: $crate::Rule = $crate::Rule {
            docs: concat!($($doc, "\n"),*),
            source_file: file!(),
            $($field: $value,)*
            ..$crate::rule::BASE
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
