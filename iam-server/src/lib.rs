//! iamkit's local IAM and STS endpoint (`iamkit serve`): one HTTP port speaking AWS's Query
//! protocol for IAM (`https://iam.amazonaws.com/doc/2010-05-08/`) and STS
//! (`https://sts.amazonaws.com/doc/2011-06-15/`), so the real AWS CLI and SDKs work against an
//! offline account:
//!
//! - [`query`] decodes form-encoded requests into the operations' parameters and [`xml`]
//!   writes the responses and AWS's error XML, both driven by botocore's service models
//!   (`iam_account::model::ServiceModel`) rather than hand-written serializers;
//! - [`sigv4`] verifies AWS Signature Version 4 (header and presigned forms) with the keys the
//!   account issued;
//! - every call is authorized and run by `iam_account::operations` — the same implementation the
//!   Python clients use — with the network's request context (`aws:SourceIp`,
//!   `aws:SecureTransport`, `aws:RequestedRegion`, `aws:UserAgent`);
//! - [`log`] appends each authorization decision to a JSON-lines log with its explanation;
//! - [`state`] journals every acknowledged change durably before the response is sent, and
//!   folds the journal into a snapshot of the account.
//!
//! Known limits: operations that change the account run one at a time under its write lock
//! (operations that only read share its read lock); writes wait for their fsync outside the
//! lock. The journal is folded into a snapshot
//! every 10,000 changes and at a clean shutdown ([`state`]), so a restart replays at most that
//! many changes (about 80 µs each in a debug build) on top of the snapshot.
//!
//! ```
//! use iam_server::{Server, ServerOptions};
//! let mut server = Server::start(&ServerOptions::default(), None).unwrap();
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! assert!(server.root_credentials().unwrap().access_key_id.starts_with("AKIA"));
//! server.stop();
//! ```

#![forbid(unsafe_code)]

pub mod log;
pub mod query;
mod server;
pub mod sigv4;
pub mod state;
pub mod xml;

pub use server::{
    DEFAULT_ACCOUNT_ID, Door, MAX_BODY_BYTES, RootCredentials, Server, ServerError, ServerOptions,
    default_state_dir, root_credentials_path,
};
