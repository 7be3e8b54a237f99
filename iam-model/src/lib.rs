//! # iam-model
//!
//! Plain data types of AWS Identity and Access Management, shared by the iamkit crates:
//!
//! - the policy AST ([`Policy`], [`Statement`], [`Condition`], [`Principal`]) where every
//!   element carries the [`Span`] of the text it came from;
//! - [`Arn`], the one piece of text this crate parses itself (plus policy-variable templates);
//! - [`PolicyType`], the kinds of policy AWS evaluates.
//!
//! It does not read policy JSON (that is `iam-parser`) nor decide requests (`iam-eval`).
//!
//! ```
//! use iam_model::{Arn, PolicyType};
//! let arn: Arn = "arn:aws:s3:::my-bucket/key".parse().unwrap();
//! assert_eq!(arn.service(), "s3");
//! assert_eq!("trust".parse::<PolicyType>().unwrap(), PolicyType::Trust);
//! ```

pub mod arn;
pub mod catalog;
pub mod entities;
pub mod policy;
mod span;

pub use arn::{Arn, ArnError};
pub use catalog::glob_ci;
pub use policy::{
    BaseOperator, Condition, ConditionEntry, ConditionOperator, ConditionValue, Effect,
    OperatorFamily, OperatorName, Policy, PolicyType, Principal, PrincipalClause, PrincipalKey,
    SetQualifier, Statement, Template, TemplatePart, ValueKind, ValueList, VariableError, Version,
    parse_template,
};
pub use span::{Position, Span, Spanned};
