//! ValidatingAdmissionPolicy, offline: which policies and bindings apply to an object, and
//! what the API server would answer (allowed, denied with its message and reason, warnings,
//! audit annotations), from the policies, bindings, params and namespaces among the inputs.

pub mod ast;
pub mod celenv;
pub mod eval;
pub mod model;
pub mod suite;

pub use eval::{Action, Outcome, PolicySet, Problem, Request, Verdict, World};
