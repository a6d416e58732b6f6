//! Renderers of the `stockade pss` answer ([`stockade_pss::answer::Assessment`]): one file per
//! format. `-o sarif|junit|markdown` render its findings as a standard report instead.

pub mod json;
pub mod text;
