//! The RBAC engine: answers access questions exactly as the API server's RBAC authorizer does,
//! offline, over the Roles, ClusterRoles, RoleBindings and ClusterRoleBindings of an inventory
//! (plus, optionally, the bootstrap defaults every API server creates).
//!
//! It owns the RBAC semantics — rule matching ([`policy`]), the aggregation of ClusterRoles
//! ([`model`]), subjects and the implicit groups ([`subject`]), the queries `can`, `who-can` and
//! `access` ([`query`]) and the escalation graph ([`paths`]), and the answers of
//! `stockade rbac` as plain serializable data ([`answer`]). It must not judge grants (that is
//! the RBAC rule family's job in `stockade-rules`) nor print anything (`stockade-report`
//! renders the answers).
//!
//! The semantics follow the Kubernetes sources (`plugin/pkg/auth/authorizer/rbac/rbac.go`,
//! `pkg/apis/rbac/v1/evaluation_helpers.go`, `pkg/registry/rbac/validation/rule.go` and the
//! clusterrole-aggregation controller); a differential test compares every answer with a real
//! kube-apiserver's SubjectAccessReview.

pub mod answer;
pub mod defaults;
pub mod model;
pub mod paths;
pub mod policy;
pub mod query;
pub mod subject;

pub use model::{Binding, BindingKind, Model, ModelOptions, Role, RoleKind, RuleRef, SubjectRef};
pub use paths::{Chain, Graph, Principal, Step, Target};
pub use policy::PolicyRule;
pub use query::{Grant, Request, ResourceArg};
pub use subject::{SubjectSpec, UserInfo};
