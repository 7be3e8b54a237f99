//! # iam-eval
//!
//! Decides AWS requests exactly as AWS's policy evaluation logic does — identity policies,
//! resource-based and trust policies, permissions boundaries, session policies, SCPs and RCPs
//! by level, VPC endpoint policies — and explains why.
//!
//! Policies are compiled once into an [`Engine`]; [`Engine::evaluate`] then decides requests
//! without heap allocation, and [`Engine::explain`] returns an [`Explanation`].
//!
//! ```
//! use iam_eval::{Context, Decision, Engine, Principal, Request};
//! use iam_model::PolicyType;
//!
//! let policy = iam_parser::parse_policy(r#"{
//!   "Version": "2012-10-17",
//!   "Statement": [
//!     {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/${aws:username}/*"},
//!     {"Effect": "Deny", "Action": "*", "Resource": "*",
//!      "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}
//!   ]}"#, PolicyType::Identity).unwrap();
//! let engine = Engine::builder().identity(&policy).build().unwrap();
//!
//! let alice = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
//! let mut ctx = Context::new();
//! ctx.insert("aws:SourceIp", "203.0.113.9");
//! let req = Request::new(&alice, "s3:GetObject", "arn:aws:s3:::bucket/alice/notes.txt").with_context(&ctx);
//! assert_eq!(engine.evaluate(&req), Decision::Allowed);
//!
//! let outside = Request::new(&alice, "s3:GetObject", "arn:aws:s3:::bucket/alice/notes.txt");
//! assert_eq!(engine.evaluate(&outside), Decision::ExplicitDeny); // no aws:SourceIp → NotIpAddress is true
//! ```
#![forbid(unsafe_code)]

pub(crate) mod compile;
pub(crate) mod conditions;
mod decide;
mod decision;
mod engine;
mod explain;
pub(crate) mod glob;
pub(crate) mod matchers;
mod request;
pub(crate) mod variables;

pub use compile::CompileError;
pub use decision::{Decision, MatchStrength, UnknownDecision, Verdict};
pub use engine::{Engine, EngineBuilder, NamedPolicy};
pub use explain::{Explanation, Layer, LayerVerdict, MatchedStatement, ResolvedVariable};
pub use glob::VarRef;
pub use request::{
    Context, OwnedContext, Principal, PrincipalKind, PrincipalParseError, Request, RoleArnError,
    Value,
};

#[cfg(test)]
mod tests;
