//! Renderers of the `stockade netpol` answers ([`stockade_netpol::answer`]): one file per
//! format, each with one function per answer (reach, matrix, explain).

pub mod json;
pub mod text;
