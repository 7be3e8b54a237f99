//! Policy documents held by entities: the text as saved plus its parsed form, inline policies,
//! and customer managed policies with their versions (spec §6.5).

use super::tags::Tags;
use super::time::Timestamp;
use crate::Policy;
use std::sync::Arc;

/// A saved policy document: the exact text and its parse (shared, cheap to clone).
///
/// ```
/// use iam_model::entities::PolicyDocument;
/// use iam_model::Policy;
/// let d = PolicyDocument::new("{}".to_string(), Policy::new(None, Vec::new()));
/// assert_eq!(d.text(), "{}");
/// ```
#[derive(Clone, PartialEq)]
pub struct PolicyDocument {
    text: Arc<str>,
    policy: Arc<Policy>,
}

impl std::fmt::Debug for PolicyDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PolicyDocument").field(&&*self.text).finish()
    }
}

impl PolicyDocument {
    /// A document from its text and its parsed form.
    pub fn new(text: String, policy: Policy) -> PolicyDocument {
        PolicyDocument {
            text: text.into(),
            policy: Arc::new(policy),
        }
    }
    /// The text as saved.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The parsed policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
    /// The parsed policy, shared.
    pub fn shared(&self) -> Arc<Policy> {
        Arc::clone(&self.policy)
    }
}

/// An inline policy: embedded in one user, group or role, identified by its name.
#[derive(Debug, Clone, PartialEq)]
pub struct InlinePolicy {
    /// The policy name (unique per entity).
    pub name: String,
    /// The document.
    pub document: PolicyDocument,
}

/// One stored version of a customer managed policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyVersion {
    /// `v1`, `v2`, …
    pub version_id: String,
    /// The document of this version.
    pub document: PolicyDocument,
    /// When the version was created.
    pub create_date: Timestamp,
}

/// The most versions a managed policy stores (spec §6.5, §6.7).
pub const MAX_POLICY_VERSIONS: usize = 5;

/// A customer managed policy (`arn:aws:iam::ACCT:policy/<path><name>`).
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedPolicy {
    /// The name.
    pub name: String,
    /// The path (`/` by default).
    pub path: String,
    /// `ANPA…`
    pub id: String,
    /// The ARN.
    pub arn: String,
    /// The description (set at creation only).
    pub description: Option<String>,
    /// Creation time.
    pub create_date: Timestamp,
    /// Time of the last version change.
    pub update_date: Timestamp,
    /// Stored versions (at most [`MAX_POLICY_VERSIONS`]).
    pub versions: Vec<PolicyVersion>,
    /// The default (operative) version id.
    pub default_version_id: String,
    /// The number the next version gets.
    pub next_version: u32,
    /// Number of users, groups and roles it is attached to.
    pub attachment_count: usize,
    /// Number of users and roles using it as a permissions boundary.
    pub permissions_boundary_usage_count: usize,
    /// Tags (case-sensitive keys).
    pub tags: Tags,
}

impl ManagedPolicy {
    /// The default version.
    pub fn default_version(&self) -> Option<&PolicyVersion> {
        self.versions
            .iter()
            .find(|v| v.version_id == self.default_version_id)
    }
    /// A version by id.
    pub fn version(&self, id: &str) -> Option<&PolicyVersion> {
        self.versions.iter().find(|v| v.version_id == id)
    }
}
