//! Organizations data (spec §5.8, §5.10): organizational units and organization policies
//! (SCPs, RCPs), with the AWS-managed `FullAWSAccess` and `RCPFullAWSAccess` documents.

use super::documents::PolicyDocument;

/// The kind of an organization policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgPolicyType {
    /// `SERVICE_CONTROL_POLICY`.
    ServiceControlPolicy,
    /// `RESOURCE_CONTROL_POLICY`.
    ResourceControlPolicy,
}

impl OrgPolicyType {
    /// The Organizations API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrgPolicyType::ServiceControlPolicy => "SERVICE_CONTROL_POLICY",
            OrgPolicyType::ResourceControlPolicy => "RESOURCE_CONTROL_POLICY",
        }
    }
}

/// An SCP or RCP.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgPolicy {
    /// `p-…` (`p-FullAWSAccess`, `p-RCPFullAWSAccess` for the AWS-managed ones).
    pub id: String,
    /// The name.
    pub name: String,
    /// SCP or RCP.
    pub policy_type: OrgPolicyType,
    /// True for AWS-managed policies (cannot be edited or deleted).
    pub aws_managed: bool,
    /// The document.
    pub document: PolicyDocument,
}

/// An organizational unit (`ou-…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    /// `ou-<root>-<random>`.
    pub id: String,
    /// The name.
    pub name: String,
    /// The parent: the root id or another OU id.
    pub parent_id: String,
}

/// The document of the AWS-managed SCP `FullAWSAccess` (Organizations user guide,
/// "Service control policies (SCPs)": attached to every root, OU and account by default).
pub const FULL_AWS_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// The document of the AWS-managed RCP `RCPFullAWSAccess` (Organizations user guide, "Resource
/// control policies (RCPs)": attached to every root, OU and account when RCPs are enabled).
pub const RCP_FULL_AWS_ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
