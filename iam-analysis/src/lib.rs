//! Access analysis over an [`Account`] or [`Organization`]: what a principal can do
//! ([`what_can`]), who can do something ([`who_can`]), principals × actions tables
//! ([`access_matrix`]), what two policies allow differently ([`diff_policies`]), the
//! well-known privilege-escalation rules of one principal ([`privilege_escalation`]) and the
//! reach graph of a whole account ([`ReachGraph`]: who can become whom, admins, escalation
//! paths with the enabling statements; module [`reach`]).
//!
//! Every answer is computed over the bundled service catalog (22,091 actions) and confirmed
//! with the [`Engine`](iam_eval::Engine), so explicit denies, permissions boundaries, session
//! policies and SCPs/RCPs all count.
//!
//! **Resources.** An action counts as allowed when it is allowed on *at least one* resource:
//! each granting statement's resource patterns (policy variables substituted for the
//! principal, `*` for `NotResource`) are evaluated as the request's resource, provided the
//! pattern can name a resource of the action (it is `*`, or it intersects the ARN template of
//! one of the action's resource types in the catalog: `iam:PassRole` on `arn:aws:s3:::b/*`
//! grants nothing; an action without resource types is granted only by `*`). A Deny whose
//! pattern covers the granting pattern denies it; a Deny on a narrower pattern leaves the
//! action allowed (on the rest). Resource-based policies are not consulted by `what_can`
//! (it looks at the principal's own permissions); `who_can` uses the resource's policy.
//!
//! **Conditions** follow a three-valued rule (see [`conditions`](self#conditions)):
//! conditions on keys the principal decides (`aws:username`, `aws:PrincipalTag/*`, ...) are
//! evaluated; any other key is unknown, and an action is [`Access::Conditional`] when it is
//! allowed for some values of the unknown keys but not for all, [`Access::Allowed`] when it
//! is allowed whatever they are.
//!
//! # Conditions
//!
//! Each policy is compiled twice. *Optimistic*: undecidable entries of `Allow` statements
//! are taken as true and `Deny` statements with an undecidable entry are dropped. *Strict*:
//! `Allow` statements with an undecidable entry are dropped and undecidable entries of
//! `Deny` statements are taken as true. Strict allows → allowed; only optimistic allows →
//! conditional; optimistic denies → denied for every context.
//!
//! ```
//! use iam_account::Account;
//! use iam_analysis::{Access, what_can};
//!
//! let mut a = Account::new("111122223333").unwrap();
//! a.create_user("alice", None).unwrap();
//! a.put_user_policy("alice", "ops", r#"{"Version":"2012-10-17","Statement":[
//!   {"Effect":"Allow","Action":["iam:PassRole","s3:Get*"],"Resource":"*"},
//!   {"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*",
//!    "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
//!   {"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#).unwrap();
//! let w = what_can(&a, "arn:aws:iam::111122223333:user/alice").unwrap();
//! assert_eq!(w.get("iam:PassRole").unwrap().access, Access::Allowed);
//! assert_eq!(w.get("ec2:RunInstances").unwrap().access, Access::Conditional);
//! assert!(w.get("s3:GetObject").is_none());
//! assert!(w.get("s3:GetBucketPolicy").is_some());
//! assert_eq!(w.get("iam:PassRole").unwrap().grants[0].statement.policy, "ops");
//! ```

pub mod checks;
mod conditions;
mod core;
mod diff;
mod index;
mod matrix;
mod policy_from_log;
mod privesc;
pub mod reach;
mod what_can;
mod who_can;

pub use diff::{PolicyDiff, diff_policies, diff_policy_versions, diff_principal};
pub use matrix::{
    AccessMatrix, LevelMatrix, RowClasses, access_matrix, access_matrix_among, row_classes,
};
pub use policy_from_log::{
    DecisionFilter, LogError, LogStatement, LogWarning, LoggedRequest, PolicyFromLog,
    policy_from_log,
};
pub use privesc::{
    EscalationFinding, EscalationRule, RULES, ResourceNeed, privilege_escalation,
    privilege_escalation_all,
};
pub use reach::{
    AdminGrant, AdminStatus, Edge, EdgeKind, Escalation, Evidence, Node, NodeKind, ReachGraph,
    ReachPath, StatementRef,
};
pub use what_can::{ActionAccess, ServiceAccess, WhatCan, what_can};
pub use who_can::{WhoCan, who_can, who_can_among};

use iam_account::{Account, LayerClass, Organization, Scope};
use iam_eval::Layer;
use iam_model::Effect;
use iam_model::catalog::UnknownAction;
use iam_model::entities::IamError;
use std::fmt;
use std::sync::Arc;

/// How surely an action is allowed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Access {
    /// Allowed for some request contexts only: a granting statement (or a Deny) has a
    /// condition on a key the analysis cannot know (`aws:SourceIp`, `iam:PassedToService`, ...).
    Conditional,
    /// Allowed whatever the request context.
    Allowed,
}

impl Access {
    /// `allowed` or `conditional`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Access::Allowed => "allowed",
            Access::Conditional => "conditional",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An identity-policy Allow statement of the principal, as written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatementInfo {
    /// The policy's name (inline policy name or managed policy name).
    pub policy: String,
    /// Where the policy comes from: `user`, `group`, `role` (inline), `aws-managed`,
    /// `user-managed`.
    pub source: &'static str,
    /// Index of the statement in its policy.
    pub statement: usize,
    /// The `Sid`.
    pub sid: Option<String>,
    /// True for `NotAction`.
    pub not_action: bool,
    /// The `Action` / `NotAction` entries.
    pub actions: Vec<String>,
    /// True for `NotResource`.
    pub not_resource: bool,
    /// The `Resource` / `NotResource` entries as written.
    pub resources: Vec<String>,
    /// The `Condition` element as JSON, if any.
    pub conditions: Option<String>,
    /// True when a condition entry depends on the request (see the module docs).
    pub conditional: bool,
}

/// One statement granting an action, with the resource patterns it was confirmed on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Grant {
    /// The statement.
    #[serde(serialize_with = "ser_arc")]
    pub statement: Arc<StatementInfo>,
    /// Its resource patterns on which the engine allows the action (policy variables
    /// substituted; `*` for a `NotResource` statement).
    #[serde(serialize_with = "ser_arc")]
    pub resources: Arc<[String]>,
    /// `Conditional` when the statement has an undecidable condition or the decision on its
    /// resources depends on one.
    pub access: Access,
}

pub(crate) fn ser_arc<T: serde::Serialize + ?Sized, S: serde::Serializer>(
    v: &Arc<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    T::serialize(v, s)
}

pub(crate) fn ser_level<S: serde::Serializer>(
    v: &iam_model::catalog::AccessLevel,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

/// A statement the engine reported as deciding a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DecidingStatement {
    /// Its layer.
    pub layer: Layer,
    /// Index of its policy within the layer (or SCP/RCP level).
    pub policy_index: usize,
    /// The policy's name, when known.
    pub policy: Option<String>,
    /// Index of the statement in the original policy.
    pub statement: usize,
    /// The `Sid`.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
}

impl fmt::Display for DecidingStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} policy {}",
            self.effect.as_str(),
            self.layer,
            self.policy.as_deref().unwrap_or("#")
        )?;
        if self.policy.is_none() {
            write!(f, "{}", self.policy_index)?;
        }
        write!(f, " statement #{}", self.statement)?;
        if let Some(s) = &self.sid {
            write!(f, " ({s})")?;
        }
        Ok(())
    }
}

/// Where to look for principals: one account or every account of an organization.
///
/// ```
/// use iam_account::Account;
/// use iam_analysis::Target;
/// let mut a = Account::new("111122223333").unwrap();
/// a.create_user("bob", None).unwrap();
/// assert_eq!(Target::from(&a).principals(), ["arn:aws:iam::111122223333:user/bob"]);
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// One account.
    Account(&'a Account),
    /// Every account of an organization (SCPs and RCPs apply).
    Organization(&'a Organization),
}

impl<'a> From<&'a Account> for Target<'a> {
    fn from(a: &'a Account) -> Self {
        Target::Account(a)
    }
}

impl<'a> From<&'a Organization> for Target<'a> {
    fn from(o: &'a Organization) -> Self {
        Target::Organization(o)
    }
}

impl<'a> Target<'a> {
    pub(crate) fn scope(&self) -> Scope<'a> {
        match *self {
            Target::Account(a) => Scope {
                single: Some(a),
                org: None,
            },
            Target::Organization(o) => Scope {
                single: None,
                org: Some(o),
            },
        }
    }

    fn accounts(&self) -> Vec<&'a Account> {
        match *self {
            Target::Account(a) => vec![a],
            Target::Organization(o) => o.accounts().collect(),
        }
    }

    /// The ARNs of every user and role (users first, each in name order; accounts in id order).
    pub fn principals(&self) -> Vec<String> {
        let mut out = Vec::new();
        for a in self.accounts() {
            // Imported snapshots may name entities with ARNs of another account (or none):
            // those cannot be resolved in this account and are left out.
            let ours = |arn: &&String| arn.split(':').nth(4) == Some(a.id());
            out.extend(a.users_iter().map(|u| &u.arn).filter(ours).cloned());
            out.extend(a.roles_iter().map(|r| &r.arn).filter(ours).cloned());
        }
        out
    }

    /// [`Target::principals`] (the same ARNs in the same order), each with its
    /// [`LayerClass`] taken from the user or role itself (no look-up by ARN).
    pub(crate) fn principal_classes(&self) -> Vec<(&'a str, Option<LayerClass<'a>>)> {
        let accounts = self.accounts();
        let n = accounts
            .iter()
            .map(|a| a.users_iter().size_hint().0 + a.roles_iter().size_hint().0);
        let mut out = Vec::with_capacity(n.sum());
        for a in accounts {
            let ours = |arn: &str| arn.split(':').nth(4) == Some(a.id());
            out.extend(
                a.users_iter()
                    .filter(|u| ours(&u.arn))
                    .map(|u| (u.arn.as_str(), LayerClass::of_user(a, u))),
            );
            out.extend(
                a.roles_iter()
                    .filter(|r| ours(&r.arn))
                    .map(|r| (r.arn.as_str(), LayerClass::of_role(a, r))),
            );
        }
        out
    }
}

/// Every catalog action a pattern matches (`s3:Get*`), AWS's spelling, sorted. A pattern (or
/// name) that matches nothing is an error naming the closest real actions, never an empty
/// list: an empty answer would read as "this pattern grants nothing".
///
/// ```
/// let a = iam_analysis::expand_actions("iam:PassRol?").unwrap();
/// assert_eq!(a, ["iam:PassRole"]);
/// let e = iam_analysis::expand_actions("s3:GetObjekt").unwrap_err();
/// assert_eq!(e.suggestions, ["s3:GetObject"]);
/// ```
pub fn expand_actions(pattern: &str) -> Result<Vec<String>, UnknownAction> {
    let cat = iam_model::catalog::Catalog::get();
    cat.check_action(pattern)?;
    Ok(cat.expand(pattern))
}

/// Why an analysis could not answer.
///
/// ```
/// use iam_account::Account;
/// use iam_analysis::AnalysisError;
/// let a = Account::new("111122223333").unwrap();
/// let e = iam_analysis::who_can(&a, "iam:PasRole", "*", &iam_eval::Context::new()).unwrap_err();
/// assert!(matches!(&e, AnalysisError::UnknownAction(u) if u.suggestions == ["iam:PassRole"]));
/// assert_eq!(e.to_string(), "unknown action 'iam:PasRole' — did you mean iam:PassRole?");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalysisError {
    /// An action or action pattern that matches nothing in the bundled catalog: the analyses
    /// range over the catalog, so answering would give an empty, misleading result.
    UnknownAction(UnknownAction),
    /// The account could not answer: an unknown principal, a policy version that does not
    /// exist, ... (AWS's code and message).
    Iam(IamError),
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisError::UnknownAction(u) => u.fmt(f),
            AnalysisError::Iam(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for AnalysisError {}

impl From<IamError> for AnalysisError {
    fn from(e: IamError) -> Self {
        AnalysisError::Iam(e)
    }
}

impl From<UnknownAction> for AnalysisError {
    fn from(e: UnknownAction) -> Self {
        AnalysisError::UnknownAction(e)
    }
}

/// `Ok` when every entry names or matches a catalog action (see
/// [`Catalog::check_action`](iam_model::catalog::Catalog::check_action)); else the first that
/// does not.
pub(crate) fn check_actions<'a>(
    actions: impl IntoIterator<Item = &'a str>,
) -> Result<(), UnknownAction> {
    let cat = iam_model::catalog::Catalog::get();
    actions.into_iter().try_for_each(|a| cat.check_action(a))
}

/// The Rust examples of the repository's README, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
