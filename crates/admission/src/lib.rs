//! Admission decisions for `stockade webhook serve`: an `admission.k8s.io/v1` AdmissionReview
//! decoded ([`review`]), its object judged by the rules `scan` runs and by Pod Security exactly
//! as the PodSecurity admission ([`judge`]), with the context the API server holds
//! ([`context`]) and the enforcement modes of `.stockade.yaml` and namespace labels
//! ([`policy`]). No I/O: the server (crates/cli) owns sockets, TLS and the watch cache.

pub mod context;
pub mod judge;
pub mod policy;
pub mod review;

pub use context::{CONTEXT_KINDS, Context};
pub use judge::{Judge, PodSecurityOutcome, Skip, Verdict, judged_at_admission};
pub use policy::{AdmissionPolicy, Failure, Mode, Thresholds};
pub use review::{DecodeError, MAX_BODY, Request, Response, decode, encode};
