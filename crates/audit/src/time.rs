//! Time as audit events and `--since/--until` use it: the shared `stockade_model::time`.

pub use stockade_model::time::*;
