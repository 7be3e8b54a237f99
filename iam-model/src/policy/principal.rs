//! `Principal` and `NotPrincipal` (spec §1.5).

use crate::span::{Span, Spanned};
use std::fmt;

/// A key of a principal map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKey {
    /// `AWS`: accounts, users, roles, sessions, unique ids.
    Aws,
    /// `Service`: AWS service principals such as `ec2.amazonaws.com`.
    Service,
    /// `Federated`: identity providers (SAML/OIDC provider ARNs, `accounts.google.com`, ...).
    Federated,
    /// `CanonicalUser`: S3 canonical user ids.
    CanonicalUser,
}

impl PrincipalKey {
    /// The key as written in a policy.
    pub const fn as_str(self) -> &'static str {
        match self {
            PrincipalKey::Aws => "AWS",
            PrincipalKey::Service => "Service",
            PrincipalKey::Federated => "Federated",
            PrincipalKey::CanonicalUser => "CanonicalUser",
        }
    }
    /// Parses a principal key, case-sensitively.
    pub fn parse(s: &str) -> Option<PrincipalKey> {
        match s {
            "AWS" => Some(PrincipalKey::Aws),
            "Service" => Some(PrincipalKey::Service),
            "Federated" => Some(PrincipalKey::Federated),
            "CanonicalUser" => Some(PrincipalKey::CanonicalUser),
            _ => None,
        }
    }
}

impl fmt::Display for PrincipalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of a `Principal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: everyone, including anonymous callers.
    Star,
    /// A map such as `{"AWS": [...], "Service": "..."}`; values within and across keys are OR-ed.
    Map(Vec<(Spanned<PrincipalKey>, Vec<Spanned<String>>)>),
}

impl Principal {
    /// Every `(key, value)` pair of the map (none for `Star`).
    ///
    /// ```
    /// use iam_model::{Principal, PrincipalKey, Spanned};
    /// let p = Principal::Map(vec![(Spanned::from(PrincipalKey::Aws), vec![Spanned::from("123456789012".to_string())])]);
    /// assert_eq!(p.entries().collect::<Vec<_>>(), vec![(PrincipalKey::Aws, "123456789012")]);
    /// ```
    pub fn entries(&self) -> impl Iterator<Item = (PrincipalKey, &str)> {
        let slice: &[(Spanned<PrincipalKey>, Vec<Spanned<String>>)] = match self {
            Principal::Star => &[],
            Principal::Map(m) => m,
        };
        slice
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k.value, v.value.as_str())))
    }

    /// True for `"*"` or an `AWS` entry of `"*"` (documented as equivalent for anonymous access).
    pub fn is_wildcard(&self) -> bool {
        match self {
            Principal::Star => true,
            Principal::Map(_) => self
                .entries()
                .any(|(k, v)| k == PrincipalKey::Aws && v == "*"),
        }
    }
}

/// `Principal` or `NotPrincipal` with its value.
#[derive(Debug, Clone)]
pub struct PrincipalClause {
    /// True for `NotPrincipal`.
    pub negated: bool,
    /// The principal value.
    pub value: Principal,
    /// Span of the element value.
    pub span: Span,
}

super::eq_ignoring_span!(PrincipalClause, negated, value);
