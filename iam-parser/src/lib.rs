//! # iam-parser
//!
//! Turns text into `iam-model` types.
pub mod json;
