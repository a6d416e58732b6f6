//! `stockade probe`: an active, read-only exposure check of the Kubernetes endpoints named on
//! the command line — the useful part of kube-hunter. Only those hosts are contacted; only
//! `GET` requests (and TLS handshakes) are sent, so nothing is written or executed. Each
//! endpoint gets the questions of its kind ([`target::Kind`]): does it answer anonymous
//! requests, over plain HTTP, without a client certificate; which debug endpoints does it
//! expose; what does its serving certificate say ([`tls`]).
//!
//! Response bodies are read only to classify them (bounded, never printed): an anonymous list
//! of Secrets that succeeds is reported by its status and item count, not its content.

pub mod checks;
pub mod run;
pub mod target;
pub mod tls;

pub use checks::{CHECKS, Check};
pub use run::{Hit, Probed, Response, probe};
pub use target::{Kind, Target};
