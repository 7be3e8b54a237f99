//! The `aws iam get-account-authorization-details` format (GAAD): plain serde types that mirror
//! the IAM API's `GetAccountAuthorizationDetails` response member for member (botocore's
//! `iam/2010-05-08` model: `UserDetail`, `GroupDetail`, `RoleDetail`, `ManagedPolicyDetail`, ...),
//! and that round-trip exactly.
//!
//! This is the *format* layer: it keeps what the file says (timestamps as text, unknown members,
//! member order, `null`s, the form of each policy document) and interprets nothing. Loading an
//! account from it is the entity model's job.
//!
//! - Every member is optional (the API model marks none required): `Option<T>` for values,
//!   `Vec<T>` for lists (an absent list reads as empty and stays absent when written back).
//! - Unknown members are kept in each shape's `extra`; member order and `null`s in its
//!   [`Layout`], so [`AuthorizationDetails::to_json`] gives back the source's JSON value with
//!   the same member order.
//! - Policy documents are [`PolicyDocument`]s: the CLI's decoded JSON object or the raw API's
//!   URL-encoded string, written back in the form they were read.
//!
//! ```
//! use iam_parser::gaad::{parse_authorization_details, DocumentKind};
//! let text = r#"{"UserDetailList": [{"UserName": "alice", "Path": "/",
//!     "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}]}],
//!   "GroupDetailList": [], "RoleDetailList": [], "Policies": []}"#;
//! let details = parse_authorization_details(text).unwrap();
//! assert_eq!(details.user_detail_list[0].user_name.as_deref(), Some("alice"));
//! let docs: Vec<_> = details.documents().collect();
//! assert_eq!(docs[0].kind, DocumentKind::UserInline);
//! assert_eq!(docs[0].policy_name, Some("p"));
//! assert_eq!(serde_json::from_str::<serde_json::Value>(&details.to_json()).unwrap(),
//!            serde_json::from_str::<serde_json::Value>(text).unwrap());
//! ```

#[macro_use]
mod layout;
mod document;
mod iter;

pub use document::{DocumentForm, PolicyDocument, UrlDecodeError, url_decode, url_encode};
pub use iter::{DocumentKind, EmbeddedDocument, EntityRef};
pub use layout::Layout;

use std::fmt;

aws_shape! {
    /// The whole response: `aws iam get-account-authorization-details` output (the CLI merges
    /// the pages; a single raw page also has `IsTruncated` / `Marker`).
    pub struct AuthorizationDetails {
        /// `UserDetailList`.
        "UserDetailList" => user_detail_list: list UserDetail,
        /// `GroupDetailList`.
        "GroupDetailList" => group_detail_list: list GroupDetail,
        /// `RoleDetailList`.
        "RoleDetailList" => role_detail_list: list RoleDetail,
        /// `Policies`: customer and AWS managed policies with their versions.
        "Policies" => policies: list ManagedPolicyDetail,
        /// `IsTruncated` (raw API pages).
        "IsTruncated" => is_truncated: opt bool,
        /// `Marker` (raw API pages): where the next page starts.
        "Marker" => marker: opt String,
    }
}

aws_shape! {
    /// `UserDetail`: an IAM user with its inline policies, groups and attachments.
    pub struct UserDetail {
        /// `Path`, e.g. `/` or `/division_abc/`.
        "Path" => path: opt String,
        /// `UserName`.
        "UserName" => user_name: opt String,
        /// `UserId` (`AIDA...`).
        "UserId" => user_id: opt String,
        /// `Arn`.
        "Arn" => arn: opt String,
        /// `CreateDate`, ISO 8601 text as written in the file.
        "CreateDate" => create_date: opt String,
        /// `UserPolicyList`: inline policies.
        "UserPolicyList" => user_policy_list: list PolicyDetail,
        /// `GroupList`: names of the groups the user belongs to.
        "GroupList" => group_list: list String,
        /// `AttachedManagedPolicies`.
        "AttachedManagedPolicies" => attached_managed_policies: list AttachedPolicy,
        /// `PermissionsBoundary`.
        "PermissionsBoundary" => permissions_boundary: opt AttachedPermissionsBoundary,
        /// `Tags`.
        "Tags" => tags: list Tag,
    }
}

aws_shape! {
    /// `GroupDetail`: an IAM group with its inline policies and attachments.
    pub struct GroupDetail {
        /// `Path`.
        "Path" => path: opt String,
        /// `GroupName`.
        "GroupName" => group_name: opt String,
        /// `GroupId` (`AGPA...`).
        "GroupId" => group_id: opt String,
        /// `Arn`.
        "Arn" => arn: opt String,
        /// `CreateDate`, as written in the file.
        "CreateDate" => create_date: opt String,
        /// `GroupPolicyList`: inline policies.
        "GroupPolicyList" => group_policy_list: list PolicyDetail,
        /// `AttachedManagedPolicies`.
        "AttachedManagedPolicies" => attached_managed_policies: list AttachedPolicy,
    }
}

aws_shape! {
    /// `RoleDetail`: an IAM role with its trust policy, instance profiles, inline policies and
    /// attachments.
    ///
    /// botocore's `RoleDetail` has no `Description` / `MaxSessionDuration` (only `Role`, used in
    /// `InstanceProfileList[].Roles`, has them); they are modelled here too because tools add
    /// them, and stay absent unless the source has them.
    pub struct RoleDetail {
        /// `Path`, e.g. `/service-role/`.
        "Path" => path: opt String,
        /// `RoleName`.
        "RoleName" => role_name: opt String,
        /// `RoleId` (`AROA...`).
        "RoleId" => role_id: opt String,
        /// `Arn`.
        "Arn" => arn: opt String,
        /// `CreateDate`, as written in the file.
        "CreateDate" => create_date: opt String,
        /// `AssumeRolePolicyDocument`: the trust policy.
        "AssumeRolePolicyDocument" => assume_role_policy_document: opt PolicyDocument,
        /// `InstanceProfileList`.
        "InstanceProfileList" => instance_profile_list: list InstanceProfile,
        /// `RolePolicyList`: inline policies.
        "RolePolicyList" => role_policy_list: list PolicyDetail,
        /// `AttachedManagedPolicies`.
        "AttachedManagedPolicies" => attached_managed_policies: list AttachedPolicy,
        /// `PermissionsBoundary`.
        "PermissionsBoundary" => permissions_boundary: opt AttachedPermissionsBoundary,
        /// `Tags`.
        "Tags" => tags: list Tag,
        /// `RoleLastUsed` (often `{}`).
        "RoleLastUsed" => role_last_used: opt RoleLastUsed,
        /// `Description` (not in botocore's `RoleDetail`; see the type docs).
        "Description" => description: opt String,
        /// `MaxSessionDuration` in seconds (not in botocore's `RoleDetail`; see the type docs).
        "MaxSessionDuration" => max_session_duration: opt i64,
    }
}

aws_shape! {
    /// `ManagedPolicyDetail`: a managed policy (customer or AWS) with its stored versions.
    pub struct ManagedPolicyDetail {
        /// `PolicyName`.
        "PolicyName" => policy_name: opt String,
        /// `PolicyId` (`ANPA...`).
        "PolicyId" => policy_id: opt String,
        /// `Arn`.
        "Arn" => arn: opt String,
        /// `Path`.
        "Path" => path: opt String,
        /// `DefaultVersionId`, e.g. `v3`.
        "DefaultVersionId" => default_version_id: opt String,
        /// `AttachmentCount`.
        "AttachmentCount" => attachment_count: opt i64,
        /// `PermissionsBoundaryUsageCount`.
        "PermissionsBoundaryUsageCount" => permissions_boundary_usage_count: opt i64,
        /// `IsAttachable`.
        "IsAttachable" => is_attachable: opt bool,
        /// `Description`.
        "Description" => description: opt String,
        /// `CreateDate`, as written in the file.
        "CreateDate" => create_date: opt String,
        /// `UpdateDate`, as written in the file.
        "UpdateDate" => update_date: opt String,
        /// `PolicyVersionList`.
        "PolicyVersionList" => policy_version_list: list PolicyVersion,
    }
}

aws_shape! {
    /// `PolicyDetail`: an inline policy (`UserPolicyList`, `GroupPolicyList`, `RolePolicyList`).
    pub struct PolicyDetail {
        /// `PolicyName`.
        "PolicyName" => policy_name: opt String,
        /// `PolicyDocument`.
        "PolicyDocument" => policy_document: opt PolicyDocument,
    }
}

aws_shape! {
    /// `AttachedPolicy`: a managed policy attached to a user, group or role.
    pub struct AttachedPolicy {
        /// `PolicyName`.
        "PolicyName" => policy_name: opt String,
        /// `PolicyArn`.
        "PolicyArn" => policy_arn: opt String,
    }
}

aws_shape! {
    /// `AttachedPermissionsBoundary`.
    pub struct AttachedPermissionsBoundary {
        /// `PermissionsBoundaryType`: always `PermissionsBoundaryPolicy`.
        "PermissionsBoundaryType" => permissions_boundary_type: opt String,
        /// `PermissionsBoundaryArn`.
        "PermissionsBoundaryArn" => permissions_boundary_arn: opt String,
    }
}

aws_shape! {
    /// `Tag`.
    pub struct Tag {
        /// `Key`.
        "Key" => key: opt String,
        /// `Value`.
        "Value" => value: opt String,
    }
}

aws_shape! {
    /// `RoleLastUsed`.
    pub struct RoleLastUsed {
        /// `LastUsedDate`, as written in the file.
        "LastUsedDate" => last_used_date: opt String,
        /// `Region`.
        "Region" => region: opt String,
    }
}

aws_shape! {
    /// `InstanceProfile` (in `RoleDetail.InstanceProfileList`).
    pub struct InstanceProfile {
        /// `Path`.
        "Path" => path: opt String,
        /// `InstanceProfileName`.
        "InstanceProfileName" => instance_profile_name: opt String,
        /// `InstanceProfileId` (`AIPA...`).
        "InstanceProfileId" => instance_profile_id: opt String,
        /// `Arn`.
        "Arn" => arn: opt String,
        /// `CreateDate`, as written in the file.
        "CreateDate" => create_date: opt String,
        /// `Roles`: the role in the profile (at most one).
        "Roles" => roles: list Role,
        /// `Tags`.
        "Tags" => tags: list Tag,
    }
}

aws_shape! {
    /// `Role` (in `InstanceProfile.Roles`).
    pub struct Role {
        /// `Path`.
        "Path" => path: opt String,
        /// `RoleName`.
        "RoleName" => role_name: opt String,
        /// `RoleId`.
        "RoleId" => role_id: opt String,
        /// `Arn`.
        "Arn" => arn: opt String,
        /// `CreateDate`, as written in the file.
        "CreateDate" => create_date: opt String,
        /// `AssumeRolePolicyDocument`.
        "AssumeRolePolicyDocument" => assume_role_policy_document: opt PolicyDocument,
        /// `Description`.
        "Description" => description: opt String,
        /// `MaxSessionDuration` in seconds.
        "MaxSessionDuration" => max_session_duration: opt i64,
        /// `PermissionsBoundary`.
        "PermissionsBoundary" => permissions_boundary: opt AttachedPermissionsBoundary,
        /// `Tags`.
        "Tags" => tags: list Tag,
        /// `RoleLastUsed`.
        "RoleLastUsed" => role_last_used: opt RoleLastUsed,
    }
}

aws_shape! {
    /// `PolicyVersion` (in `ManagedPolicyDetail.PolicyVersionList`).
    pub struct PolicyVersion {
        /// `Document`.
        "Document" => document: opt PolicyDocument,
        /// `VersionId`, e.g. `v1`.
        "VersionId" => version_id: opt String,
        /// `IsDefaultVersion`.
        "IsDefaultVersion" => is_default_version: opt bool,
        /// `CreateDate`, as written in the file.
        "CreateDate" => create_date: opt String,
    }
}

/// Size limits for [`parse_authorization_details_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GaadLimits {
    /// Largest accepted text, in bytes.
    pub max_bytes: usize,
}

impl GaadLimits {
    /// 256 MiB: real accounts produce files of several MB (nesting depth is bounded by the
    /// JSON reader's own recursion limit of 128).
    pub const DEFAULT: GaadLimits = GaadLimits {
        max_bytes: 256 << 20,
    };
}

impl Default for GaadLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What kind of problem a [`GaadError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GaadErrorKind {
    /// The text is larger than the limit.
    TooLarge,
    /// The text is not JSON (or ends early).
    Syntax,
    /// The JSON does not have the response's shapes (wrong types, duplicate members, a
    /// malformed URL-encoded document).
    Data,
}

/// A `get-account-authorization-details` text that could not be read, with where.
///
/// ```
/// let err = iam_parser::gaad::parse_authorization_details("{\n  \"UserDetailList\": 3}").unwrap_err();
/// assert_eq!((err.line, err.column), (2, 21));
/// assert_eq!(err.kind, iam_parser::gaad::GaadErrorKind::Data);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaadError {
    /// The kind of problem.
    pub kind: GaadErrorKind,
    /// What is wrong (without the position).
    pub message: String,
    /// 1-based line (0 when there is no position, e.g. [`GaadErrorKind::TooLarge`]).
    pub line: usize,
    /// 1-based column in characters (0 when there is no position).
    pub column: usize,
    /// 0-based byte offset of the position in the text.
    pub offset: usize,
}

impl fmt::Display for GaadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "{}:{}: {}", self.line, self.column, self.message)
        }
    }
}

impl std::error::Error for GaadError {}

impl GaadError {
    fn from_serde(text: &str, e: &serde_json::Error) -> Self {
        let kind = match e.classify() {
            serde_json::error::Category::Data => GaadErrorKind::Data,
            _ => GaadErrorKind::Syntax,
        };
        // serde_json appends " at line L column C" to its Display; keep the bare message.
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        // serde_json's column counts bytes (1-based, 0 = before the first byte of the line).
        let line_start: usize = text
            .split_inclusive('\n')
            .take(e.line().saturating_sub(1))
            .map(str::len)
            .sum();
        let mut offset = (line_start + e.column().saturating_sub(1)).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let column = text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        GaadError {
            kind,
            message,
            line: e.line(),
            column,
            offset,
        }
    }
}

/// Reads `get-account-authorization-details` JSON (the CLI's output, or a raw API page) with
/// [`GaadLimits::DEFAULT`].
///
/// ```
/// let d = iam_parser::gaad::parse_authorization_details(r#"{"RoleDetailList": [{"RoleName": "r",
///   "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}]}"#).unwrap();
/// let doc = d.role_detail_list[0].assume_role_policy_document.as_ref().unwrap();
/// assert_eq!(doc.text(), r#"{"Version":"2012-10-17","Statement":[]}"#);
/// ```
pub fn parse_authorization_details(text: &str) -> Result<AuthorizationDetails, GaadError> {
    parse_authorization_details_with(text, GaadLimits::DEFAULT)
}

/// [`parse_authorization_details`] with explicit limits.
///
/// ```
/// use iam_parser::gaad::{parse_authorization_details_with, GaadErrorKind, GaadLimits};
/// let err = parse_authorization_details_with("{}", GaadLimits { max_bytes: 1 }).unwrap_err();
/// assert_eq!(err.kind, GaadErrorKind::TooLarge);
/// ```
pub fn parse_authorization_details_with(
    text: &str,
    limits: GaadLimits,
) -> Result<AuthorizationDetails, GaadError> {
    if text.len() > limits.max_bytes {
        return Err(GaadError {
            kind: GaadErrorKind::TooLarge,
            message: format!(
                "authorization details are {} bytes, more than the limit of {} bytes",
                text.len(),
                limits.max_bytes
            ),
            line: 0,
            column: 0,
            offset: 0,
        });
    }
    serde_json::from_str(text).map_err(|e| GaadError::from_serde(text, &e))
}

impl AuthorizationDetails {
    /// Compact JSON, members in source order (API order for shapes built in code).
    pub fn to_json(&self) -> String {
        // Serializing these shapes cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Pretty JSON with 4-space indentation, as the AWS CLI prints it.
    ///
    /// ```
    /// let d = iam_parser::gaad::parse_authorization_details(r#"{"Policies": []}"#).unwrap();
    /// assert_eq!(d.to_json_pretty(), "{\n    \"Policies\": []\n}");
    /// ```
    pub fn to_json_pretty(&self) -> String {
        use serde::Serialize as _;
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            serde_json::ser::PrettyFormatter::with_indent(b"    "),
        );
        if self.serialize(&mut ser).is_err() {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// Every policy document in the file, in file order: user, group and role inline policies,
    /// role trust policies, and every stored version of every managed policy. (The copies of
    /// trust policies under `InstanceProfileList[].Roles[]` are not repeated.)
    pub fn documents(&self) -> impl Iterator<Item = EmbeddedDocument<'_>> {
        iter::documents(self)
    }
}
