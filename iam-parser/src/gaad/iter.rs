//! Walking every policy document of an [`AuthorizationDetails`], for loaders and checkers.

use super::{
    AuthorizationDetails, GroupDetail, ManagedPolicyDetail, PolicyDocument, RoleDetail, UserDetail,
};
use iam_model::PolicyType;

/// The entity that holds an [`EmbeddedDocument`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EntityRef<'a> {
    /// A user (`UserDetailList[i]`).
    User(&'a UserDetail),
    /// A group (`GroupDetailList[i]`).
    Group(&'a GroupDetail),
    /// A role (`RoleDetailList[i]`).
    Role(&'a RoleDetail),
    /// A managed policy (`Policies[i]`).
    ManagedPolicy(&'a ManagedPolicyDetail),
}

impl<'a> EntityRef<'a> {
    /// The entity's `Arn`, when the file has it.
    pub fn arn(&self) -> Option<&'a str> {
        match self {
            EntityRef::User(u) => u.arn.as_deref(),
            EntityRef::Group(g) => g.arn.as_deref(),
            EntityRef::Role(r) => r.arn.as_deref(),
            EntityRef::ManagedPolicy(p) => p.arn.as_deref(),
        }
    }

    /// The entity's name (`UserName`, `GroupName`, `RoleName` or `PolicyName`).
    pub fn name(&self) -> Option<&'a str> {
        match self {
            EntityRef::User(u) => u.user_name.as_deref(),
            EntityRef::Group(g) => g.group_name.as_deref(),
            EntityRef::Role(r) => r.role_name.as_deref(),
            EntityRef::ManagedPolicy(p) => p.policy_name.as_deref(),
        }
    }
}

/// What an [`EmbeddedDocument`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// `UserPolicyList[].PolicyDocument`.
    UserInline,
    /// `GroupPolicyList[].PolicyDocument`.
    GroupInline,
    /// `RolePolicyList[].PolicyDocument`.
    RoleInline,
    /// `AssumeRolePolicyDocument`: a role's trust policy.
    Trust,
    /// `PolicyVersionList[].Document` of a managed policy.
    ManagedVersion,
}

impl DocumentKind {
    /// The policy type to parse or validate the document as: [`PolicyType::Trust`] for trust
    /// policies, [`PolicyType::Identity`] otherwise.
    pub fn policy_type(self) -> PolicyType {
        match self {
            DocumentKind::Trust => PolicyType::Trust,
            _ => PolicyType::Identity,
        }
    }
}

/// One policy document found by [`AuthorizationDetails::documents`].
///
/// ```
/// use iam_parser::gaad::{parse_authorization_details, DocumentKind};
/// let d = parse_authorization_details(r#"{"Policies": [{"PolicyName": "P", "DefaultVersionId": "v2",
///     "PolicyVersionList": [{"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Statement": []}}]}]}"#).unwrap();
/// let doc = d.documents().next().unwrap();
/// assert_eq!((doc.kind, doc.policy_name, doc.version_id, doc.is_default_version), (DocumentKind::ManagedVersion, Some("P"), Some("v2"), true));
/// assert_eq!(doc.path, "Policies[0].PolicyVersionList[0].Document");
/// assert_eq!(doc.entity.name(), Some("P"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddedDocument<'a> {
    /// The user, group, role or managed policy holding the document.
    pub entity: EntityRef<'a>,
    /// The inline policy's or managed policy's name; `None` for trust policies.
    pub policy_name: Option<&'a str>,
    /// The managed policy version (`v1`, ...); `None` for other kinds.
    pub version_id: Option<&'a str>,
    /// For a managed policy version: whether it is the default version (`IsDefaultVersion`, or
    /// failing that, equal to `DefaultVersionId`). `true` for other kinds.
    pub is_default_version: bool,
    /// What the document is.
    pub kind: DocumentKind,
    /// The document.
    pub document: &'a PolicyDocument,
    /// JSON path of the document in the file, e.g. `RoleDetailList[3].RolePolicyList[0].PolicyDocument`.
    pub path: String,
}

pub(super) fn documents(d: &AuthorizationDetails) -> impl Iterator<Item = EmbeddedDocument<'_>> {
    let users = d.user_detail_list.iter().enumerate().flat_map(|(i, u)| {
        u.user_policy_list
            .iter()
            .enumerate()
            .filter_map(move |(j, p)| {
                Some(EmbeddedDocument {
                    entity: EntityRef::User(u),
                    policy_name: p.policy_name.as_deref(),
                    version_id: None,
                    is_default_version: true,
                    kind: DocumentKind::UserInline,
                    document: p.policy_document.as_ref()?,
                    path: format!("UserDetailList[{i}].UserPolicyList[{j}].PolicyDocument"),
                })
            })
    });
    let groups = d.group_detail_list.iter().enumerate().flat_map(|(i, g)| {
        g.group_policy_list
            .iter()
            .enumerate()
            .filter_map(move |(j, p)| {
                Some(EmbeddedDocument {
                    entity: EntityRef::Group(g),
                    policy_name: p.policy_name.as_deref(),
                    version_id: None,
                    is_default_version: true,
                    kind: DocumentKind::GroupInline,
                    document: p.policy_document.as_ref()?,
                    path: format!("GroupDetailList[{i}].GroupPolicyList[{j}].PolicyDocument"),
                })
            })
    });
    let roles = d.role_detail_list.iter().enumerate().flat_map(|(i, r)| {
        let trust = r
            .assume_role_policy_document
            .as_ref()
            .map(|doc| EmbeddedDocument {
                entity: EntityRef::Role(r),
                policy_name: None,
                version_id: None,
                is_default_version: true,
                kind: DocumentKind::Trust,
                document: doc,
                path: format!("RoleDetailList[{i}].AssumeRolePolicyDocument"),
            });
        trust.into_iter().chain(
            r.role_policy_list
                .iter()
                .enumerate()
                .filter_map(move |(j, p)| {
                    Some(EmbeddedDocument {
                        entity: EntityRef::Role(r),
                        policy_name: p.policy_name.as_deref(),
                        version_id: None,
                        is_default_version: true,
                        kind: DocumentKind::RoleInline,
                        document: p.policy_document.as_ref()?,
                        path: format!("RoleDetailList[{i}].RolePolicyList[{j}].PolicyDocument"),
                    })
                }),
        )
    });
    let managed = d.policies.iter().enumerate().flat_map(|(i, p)| {
        p.policy_version_list
            .iter()
            .enumerate()
            .filter_map(move |(j, v)| {
                let is_default = v.is_default_version.unwrap_or_else(|| {
                    v.version_id.is_some()
                        && v.version_id.as_deref() == p.default_version_id.as_deref()
                });
                Some(EmbeddedDocument {
                    entity: EntityRef::ManagedPolicy(p),
                    policy_name: p.policy_name.as_deref(),
                    version_id: v.version_id.as_deref(),
                    is_default_version: is_default,
                    kind: DocumentKind::ManagedVersion,
                    document: v.document.as_ref()?,
                    path: format!("Policies[{i}].PolicyVersionList[{j}].Document"),
                })
            })
    });
    users.chain(groups).chain(roles).chain(managed)
}
