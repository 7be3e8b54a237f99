//! # iam-parser
//!
//! Turns text into `iam-model` types, keeping the source span of every element:
//!
//! - [`json`]: a strict RFC 8259 JSON reader on `nom` that sees duplicate keys and exact numbers;
//! - [`parse_policy`] / [`read_policy`]: the policy grammar, JSON → [`iam_model::Policy`];
//! - [`validate`]: every finding at once, in IAM Access Analyzer's style.
//! - [`document_kind`]: what a JSON text is (a policy, an account snapshot, an API response
//!   wrapping a policy, empty), for a clear error when it is not a policy.
//!
//! ```
//! use iam_model::PolicyType;
//! let findings = iam_parser::validate(
//!     r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"}]}"#,
//!     PolicyType::Identity,
//! );
//! assert_eq!(findings[0].code, "UNSUPPORTED_PRINCIPAL");
//! ```

pub mod cli_config;
pub mod cli_files;
mod fast;
mod finding;
pub mod gaad;
pub mod json;
mod kind;
mod policy;
mod recycle;
pub mod save_check;
mod validate;
pub mod values;

pub use finding::{Finding, LineIndex, Severity};
pub use kind::{DocumentKind, WrappedPolicy, document_kind};
pub use policy::{ParseError, ParsedPolicy, parse_policy, read_policy, read_policy_with};
pub use validate::{
    RESTRICTING_KEYS, ValidateOptions, validate, validate_for_account, validate_with,
};
