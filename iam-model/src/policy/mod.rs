//! The policy AST: a document of statements, each element with its source span.
//!
//! Element names follow AWS's grammar
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>).
//! The AST is what a policy *says*; whether it is valid for a policy type is the
//! parser's validation, and what it *decides* is the evaluator's business.

/// Implements `PartialEq`/`Eq` comparing the listed fields only (source spans are not part of
/// what a policy says).
macro_rules! eq_ignoring_span {
    ($t:ty, $($field:ident),+) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                $(self.$field == other.$field)&&+
            }
        }
        impl Eq for $t {}
    };
}
pub(crate) use eq_ignoring_span;

mod condition;
mod principal;
mod serialize;
mod variable;

pub use condition::{
    BaseOperator, Condition, ConditionEntry, ConditionOperator, ConditionValue, OperatorFamily,
    OperatorName, SetQualifier, ValueKind,
};
pub use principal::{Principal, PrincipalClause, PrincipalKey};
pub use variable::{Template, TemplatePart, VariableError, parse_template};

use crate::span::{Span, Spanned};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of policy a document is, which decides the elements it may hold (spec §1.7).
///
/// ```
/// use iam_model::PolicyType;
/// assert_eq!("permissions_boundary".parse::<PolicyType>().unwrap(), PolicyType::PermissionsBoundary);
/// assert_eq!(PolicyType::Scp.as_str(), "scp");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyType {
    /// Identity-based policy (inline or managed) attached to a user, group or role.
    Identity,
    /// Resource-based policy (S3 bucket, SQS queue, KMS key, ...).
    Resource,
    /// Role trust policy (`AssumeRolePolicyDocument`).
    Trust,
    /// Organizations service control policy.
    Scp,
    /// Organizations resource control policy.
    Rcp,
    /// A managed policy used as a permissions boundary.
    PermissionsBoundary,
    /// A session policy passed to `AssumeRole*` / `GetFederationToken`.
    Session,
    /// A VPC endpoint policy.
    VpcEndpoint,
}

impl PolicyType {
    /// Every policy type, in a stable order.
    pub const ALL: [PolicyType; 8] = [
        PolicyType::Identity,
        PolicyType::Resource,
        PolicyType::Trust,
        PolicyType::Scp,
        PolicyType::Rcp,
        PolicyType::PermissionsBoundary,
        PolicyType::Session,
        PolicyType::VpcEndpoint,
    ];

    /// The name used by the Python API and CLI.
    pub const fn as_str(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::Resource => "resource",
            PolicyType::Trust => "trust",
            PolicyType::Scp => "scp",
            PolicyType::Rcp => "rcp",
            PolicyType::PermissionsBoundary => "permissions_boundary",
            PolicyType::Session => "session",
            PolicyType::VpcEndpoint => "vpc_endpoint",
        }
    }

    /// True for policies attached to a principal: identity, boundary, session (and SCPs,
    /// which also never name principals).
    pub const fn forbids_principal(self) -> bool {
        matches!(
            self,
            PolicyType::Identity
                | PolicyType::PermissionsBoundary
                | PolicyType::Session
                | PolicyType::Scp
        )
    }

    /// True for policies whose statements must name a principal (resource-based, trust,
    /// RCP and VPC endpoint policies).
    pub const fn requires_principal(self) -> bool {
        matches!(
            self,
            PolicyType::Resource | PolicyType::Trust | PolicyType::Rcp | PolicyType::VpcEndpoint
        )
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown policy type name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPolicyType(pub String);

impl fmt::Display for UnknownPolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown policy type {:?}; expected one of identity, resource, trust, scp, rcp, permissions_boundary, session, vpc_endpoint",
            self.0
        )
    }
}
impl std::error::Error for UnknownPolicyType {}

impl std::str::FromStr for PolicyType {
    type Err = UnknownPolicyType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Ok(match norm.as_str() {
            "identity" | "identity_policy" => PolicyType::Identity,
            "resource" | "resource_policy" => PolicyType::Resource,
            "trust" | "trust_policy" | "assume_role_policy" => PolicyType::Trust,
            "scp" | "service_control_policy" => PolicyType::Scp,
            "rcp" | "resource_control_policy" => PolicyType::Rcp,
            "permissions_boundary" | "boundary" => PolicyType::PermissionsBoundary,
            "session" | "session_policy" => PolicyType::Session,
            "vpc_endpoint" | "vpce" | "vpc_endpoint_policy" => PolicyType::VpcEndpoint,
            _ => return Err(UnknownPolicyType(s.to_string())),
        })
    }
}

/// The policy language version (spec §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Version {
    /// `2008-10-17`: policy variables are literal text.
    #[serde(rename = "2008-10-17")]
    V2008_10_17,
    /// `2012-10-17`: the current language.
    #[serde(rename = "2012-10-17")]
    V2012_10_17,
}

impl Version {
    /// The version string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Version::V2008_10_17 => "2008-10-17",
            Version::V2012_10_17 => "2012-10-17",
        }
    }

    /// Parses one of the two version strings, exactly.
    pub fn parse(s: &str) -> Option<Version> {
        match s {
            "2012-10-17" => Some(Version::V2012_10_17),
            "2008-10-17" => Some(Version::V2008_10_17),
            _ => None,
        }
    }
}

/// `Effect`: `Allow` or `Deny`, case-sensitive (spec §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Denies; an applicable Deny always wins.
    Deny,
}

impl Effect {
    /// `"Allow"` or `"Deny"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
    /// Parses exactly `Allow` or `Deny`.
    pub fn parse(s: &str) -> Option<Effect> {
        match s {
            "Allow" => Some(Effect::Allow),
            "Deny" => Some(Effect::Deny),
            _ => None,
        }
    }
}

/// A list of strings given either as a scalar or an array, with its `Not-` form.
///
/// Used for `Action`/`NotAction` and `Resource`/`NotResource`.
#[derive(Debug, Clone, Default)]
pub struct ValueList {
    /// True for `NotAction` / `NotResource`.
    pub negated: bool,
    /// The entries, exactly as written (never trimmed: spec §2.1).
    pub values: Vec<Spanned<String>>,
    /// Span of the whole element value.
    pub span: Span,
}

impl ValueList {
    /// A list from plain strings (no spans).
    ///
    /// ```
    /// use iam_model::ValueList;
    /// let l = ValueList::of(false, ["s3:GetObject"]);
    /// assert_eq!(l.values[0].as_str(), "s3:GetObject");
    /// ```
    pub fn of<I, S>(negated: bool, values: I) -> ValueList
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ValueList {
            negated,
            values: values
                .into_iter()
                .map(|s| Spanned::from(s.into()))
                .collect(),
            span: Span::default(),
        }
    }

    /// Iterates the entries as `&str`.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|v| v.value.as_str())
    }
}

/// One statement of a policy.
#[derive(Debug, Clone)]
pub struct Statement {
    /// `Sid`, if present.
    pub sid: Option<Spanned<String>>,
    /// `Effect`.
    pub effect: Spanned<Effect>,
    /// `Principal` / `NotPrincipal`, if present.
    pub principal: Option<PrincipalClause>,
    /// `Action` / `NotAction` (an empty list when the element is missing).
    pub action: ValueList,
    /// `Resource` / `NotResource`, if present.
    pub resource: Option<ValueList>,
    /// `Condition` blocks, one per operator, in document order.
    pub conditions: Vec<Condition>,
    /// Span of the statement object.
    pub span: Span,
}

impl Statement {
    /// A statement with the given effect and nothing else.
    ///
    /// ```
    /// use iam_model::{Effect, Statement, ValueList};
    /// let mut s = Statement::new(Effect::Allow);
    /// s.action = ValueList::of(false, ["s3:*"]);
    /// s.resource = Some(ValueList::of(false, ["*"]));
    /// assert_eq!(s.effect.value, Effect::Allow);
    /// ```
    pub fn new(effect: Effect) -> Statement {
        Statement {
            sid: None,
            effect: Spanned::from(effect),
            principal: None,
            action: ValueList::default(),
            resource: None,
            conditions: Vec::new(),
            span: Span::default(),
        }
    }

    /// The Sid as `&str`, if present.
    pub fn sid_str(&self) -> Option<&str> {
        self.sid.as_ref().map(|s| s.value.as_str())
    }
}

/// A policy document.
///
/// Equality ignores source spans: a policy printed and parsed again is equal to itself.
///
/// ```
/// use iam_model::{Effect, Policy, Statement, ValueList, Version};
/// let mut s = Statement::new(Effect::Allow);
/// s.action = ValueList::of(false, ["s3:GetObject"]);
/// s.resource = Some(ValueList::of(false, ["arn:aws:s3:::bucket/*"]));
/// let p = Policy::new(Some(Version::V2012_10_17), vec![s]);
/// assert_eq!(
///     p.to_json(),
///     r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}"#
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    /// `Version`, if present.
    pub version: Option<Spanned<Version>>,
    /// `Id`, if present.
    pub id: Option<Spanned<String>>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
    /// True when `Statement` was written as a single object rather than an array.
    pub single_statement: bool,
    /// Span of the whole document.
    pub span: Span,
}

eq_ignoring_span!(ValueList, negated, values);
eq_ignoring_span!(
    Statement, sid, effect, principal, action, resource, conditions
);

impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && self.id == other.id && self.statements == other.statements
    }
}
impl Eq for Policy {}

impl Policy {
    /// A policy from a version and statements.
    pub fn new(version: Option<Version>, statements: Vec<Statement>) -> Policy {
        Policy {
            version: version.map(Spanned::from),
            id: None,
            statements,
            single_statement: false,
            span: Span::default(),
        }
    }

    /// The effective language version: `2008-10-17` when absent (spec §1.2).
    pub fn effective_version(&self) -> Version {
        self.version
            .as_ref()
            .map_or(Version::V2008_10_17, |v| v.value)
    }

    /// True when policy variables are substituted (Version `2012-10-17`, spec §1.3).
    pub fn variables_enabled(&self) -> bool {
        self.effective_version() == Version::V2012_10_17
    }

    /// Canonical compact JSON of the policy (element order: Version, Id, Statement; in a
    /// statement: Sid, Effect, Principal, Action, Resource, Condition).
    pub fn to_json(&self) -> String {
        // PANIC SAFETY: serializing plain strings and maps into a Vec cannot fail.
        #[allow(clippy::expect_used)]
        serde_json::to_string(self).expect("policy serialization cannot fail")
    }

    /// Canonical JSON, indented by two spaces.
    pub fn to_json_pretty(&self) -> String {
        // PANIC SAFETY: as above.
        #[allow(clippy::expect_used)]
        serde_json::to_string_pretty(self).expect("policy serialization cannot fail")
    }
}
