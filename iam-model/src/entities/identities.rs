//! Users, groups, roles and instance profiles (spec §6.1, §6.3).

use super::credentials::{
    AccessKey, LoginProfile, MfaDevice, ServiceSpecificCredential, SigningCertificate, SshPublicKey,
};
use super::documents::{InlinePolicy, PolicyDocument};
use super::tags::Tags;
use super::time::Timestamp;

/// The root user of an account (`arn:aws:iam::ACCT:root`): no policies, no boundary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RootUser {
    /// Root access keys (≤2).
    pub access_keys: Vec<AccessKey>,
    /// Root MFA devices.
    pub mfa_devices: Vec<MfaDevice>,
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The name (case preserved; unique case-insensitively).
    pub name: String,
    /// The path.
    pub path: String,
    /// `AIDA…`
    pub id: String,
    /// `arn:aws:iam::ACCT:user/<path><name>`
    pub arn: String,
    /// Creation time.
    pub create_date: Timestamp,
    /// Inline policies.
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of attached managed policies.
    pub attached_policies: Vec<String>,
    /// ARN of the permissions boundary.
    pub permissions_boundary: Option<String>,
    /// Names of the groups the user belongs to.
    pub groups: Vec<String>,
    /// Access keys (≤2).
    pub access_keys: Vec<AccessKey>,
    /// Console password.
    pub login_profile: Option<LoginProfile>,
    /// MFA devices (≤8).
    pub mfa_devices: Vec<MfaDevice>,
    /// SSH public keys (≤5).
    pub ssh_public_keys: Vec<SshPublicKey>,
    /// Signing certificates (≤2).
    pub signing_certificates: Vec<SigningCertificate>,
    /// Service-specific credentials (≤2 per service).
    pub service_specific_credentials: Vec<ServiceSpecificCredential>,
    /// Tags (case-insensitive keys).
    pub tags: Tags,
}

/// An IAM group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The name.
    pub name: String,
    /// The path.
    pub path: String,
    /// `AGPA…`
    pub id: String,
    /// `arn:aws:iam::ACCT:group/<path><name>`
    pub arn: String,
    /// Creation time.
    pub create_date: Timestamp,
    /// Inline policies.
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of attached managed policies (≤10).
    pub attached_policies: Vec<String>,
    /// Names of member users.
    pub users: Vec<String>,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// The name.
    pub name: String,
    /// The path (`/aws-service-role/<svc>/` for service-linked roles).
    pub path: String,
    /// `AROA…`
    pub id: String,
    /// `arn:aws:iam::ACCT:role/<path><name>`
    pub arn: String,
    /// Creation time.
    pub create_date: Timestamp,
    /// The trust policy (`AssumeRolePolicyDocument`).
    pub trust_policy: PolicyDocument,
    /// The description (≤1000 characters).
    pub description: Option<String>,
    /// `MaxSessionDuration` in seconds (3600-43200).
    pub max_session_duration: u32,
    /// Inline policies.
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of attached managed policies.
    pub attached_policies: Vec<String>,
    /// ARN of the permissions boundary.
    pub permissions_boundary: Option<String>,
    /// Tags (case-insensitive keys).
    pub tags: Tags,
    /// Names of instance profiles holding the role.
    pub instance_profiles: Vec<String>,
    /// The owning service principal, for a service-linked role.
    pub service_linked: Option<String>,
}

/// Bounds of a role's `MaxSessionDuration` in seconds (spec §5.6).
pub const ROLE_SESSION_DURATION: std::ops::RangeInclusive<u32> = 3600..=43_200;

/// An EC2 instance profile: holds at most one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfile {
    /// The name.
    pub name: String,
    /// The path.
    pub path: String,
    /// `AIPA…`
    pub id: String,
    /// `arn:aws:iam::ACCT:instance-profile/<path><name>`
    pub arn: String,
    /// Creation time.
    pub create_date: Timestamp,
    /// Role names (≤1).
    pub roles: Vec<String>,
    /// Tags (case-sensitive keys).
    pub tags: Tags,
}
