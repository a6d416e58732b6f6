//! Sources turn inputs into span-carrying document trees. They parse; they never judge.
//!
//! * [`node`]: the tree every later stage reads — scalars resolved as Kubernetes' YAML decoder
//!   resolves them, each node with its line and column.
//! * [`yaml`]: a budgeted loader over `saphyr-parser` events: one document at a time, an
//!   explicit heap stack (no recursion), a depth limit and an alias-expansion budget.
//! * [`split`]: cuts a multi-document stream into documents, so one broken document never
//!   hides the next, and finds helm's `# Source:` comments.
//! * [`manifest`]: walks files, directories, globs and stdin and yields Kubernetes objects
//!   (expanding `List` kinds) with their origin, plus diagnostics for everything it could not read.

pub mod json;
pub mod manifest;
pub mod node;
pub mod render;
pub mod split;
pub mod yaml;

pub use compact_str::CompactString;
pub use json::node_from_json;
pub use manifest::{Input, Limits, LoadOutput, ManifestObject, Origin, SourceFile, load_inputs};
pub use node::{Key, Node, Pos, Value};
