//! The IAM entity model (spec §6): plain data types and their invariants — identifiers,
//! names and paths, tags, users, groups, roles, instance profiles, managed and inline policies
//! with versions, credentials (secrets only as hashes), the bundled AWS managed policies, and
//! Organizations data. The stateful account with IAM's operations lives in the `iam-account`
//! crate (`iam_account`), which needs the parser's save-time check and the evaluator.
//!
//! ```
//! use iam_model::entities::{validate, IdPrefix, Timestamp};
//! assert!(validate::name("roleName", "Deploy", 64).is_ok());
//! assert!(IdPrefix::Role.make(&[1; 17]).starts_with("AROA"));
//! assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
//! ```

mod aws_managed;
mod credentials;
mod documents;
mod error;
mod identities;
mod ids;
mod organization;
mod providers;
mod tags;
mod time;
pub mod validate;

pub use aws_managed::{
    AwsManagedPolicy, aws_managed_policies, aws_managed_policy, aws_managed_policy_id,
};
pub use credentials::{
    AccessKey, AccessKeyStatus, LoginProfile, MAX_ACCESS_KEYS, MAX_MFA_DEVICES,
    MAX_SERVICE_SPECIFIC_CREDENTIALS, MAX_SIGNING_CERTIFICATES, MAX_SSH_PUBLIC_KEYS, MfaDevice,
    PasswordPolicy, Secret, SecretHash, ServiceSpecificCredential, SigningCertificate,
    SshPublicKey,
};
pub use documents::{
    InlinePolicy, MAX_POLICY_VERSIONS, ManagedPolicy, PolicyDocument, PolicyVersion,
};
pub use error::{ErrorCode, IamError};
pub use identities::{Group, InstanceProfile, ROLE_SESSION_DURATION, Role, RootUser, User};
pub use ids::IdPrefix;
pub use organization::{FULL_AWS_ACCESS, OrgPolicy, OrgPolicyType, OrgUnit, RCP_FULL_AWS_ACCESS};
pub use providers::{OidcProvider, SamlProvider, ServerCertificate};
pub use tags::{MAX_TAGS, Tag, Tags};
pub use time::{Timestamp, TimestampError};
