//! What the CIS Kubernetes Benchmark checks on a node, read from the node itself with no
//! shell: the kubelet's effective configuration with where each value came from
//! ([`kubelet`]). The benchmark data, the other components and `stockade bench` build on it.

pub mod kubelet;
