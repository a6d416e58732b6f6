//! What the CIS Kubernetes Benchmark checks on a node, read from the node itself with no
//! shell: the kubelet's effective configuration with where each value came from
//! ([`kubelet`]), the running components and their environment from `/proc` ([`process`]),
//! encryption at rest of Secrets ([`encryption`]), file modes and owners under a node root with links kept inside it ([`files`]),
//! control-plane flags from static pod manifests with their positions
//! ([`static_pod`]), and the comparisons checks make ([`ops`], file modes as bitmasks);
//! [`node`] puts them together: one question of a check (a flag, a kubelet setting, a file's
//! mode or owner) answered with the value and where it was read. The benchmark data and
//! `stockade bench` build on these.

pub mod data;
pub mod defaults;
pub mod encryption;
pub mod eval;
pub mod files;
pub mod k3s;
pub mod kubelet;
pub mod node;
pub mod ops;
pub mod process;
pub mod removed;
pub mod static_pod;
