//! The outcome of an evaluation ([`Decision`]) and of one policy layer ([`Verdict`]) — spec §5.11.

use std::fmt;

/// The final answer for a request.
///
/// ```
/// use iam_eval::Decision;
/// assert_eq!(serde_json::to_string(&Decision::ExplicitDeny).unwrap(), "\"explicitDeny\"");
/// assert_eq!("implicitDeny".parse::<Decision>().unwrap(), Decision::ImplicitDeny);
/// assert!(Decision::Allowed.is_allowed());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Decision {
    /// An applicable Allow on every required path and no applicable Deny anywhere.
    Allowed,
    /// An applicable `Deny` statement in some evaluated policy.
    ExplicitDeny,
    /// No applicable Deny, but some required gate has no applicable Allow.
    ImplicitDeny,
}

impl Decision {
    /// `allowed`, `explicitDeny` or `implicitDeny`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::ExplicitDeny => "explicitDeny",
            Decision::ImplicitDeny => "implicitDeny",
        }
    }
    /// True for [`Decision::Allowed`].
    pub const fn is_allowed(self) -> bool {
        matches!(self, Decision::Allowed)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown decision name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDecision(pub String);

impl fmt::Display for UnknownDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown decision {:?}; expected allowed, explicitDeny or implicitDeny",
            self.0
        )
    }
}
impl std::error::Error for UnknownDecision {}

impl std::str::FromStr for Decision {
    type Err = UnknownDecision;
    fn from_str(s: &str) -> Result<Decision, UnknownDecision> {
        match s {
            "allowed" => Ok(Decision::Allowed),
            "explicitDeny" => Ok(Decision::ExplicitDeny),
            "implicitDeny" => Ok(Decision::ImplicitDeny),
            _ => Err(UnknownDecision(s.to_string())),
        }
    }
}

/// What one policy layer says about a request (spec §5.1 "per-policy-type verdict").
///
/// ```
/// assert_eq!(iam_eval::Verdict::NoMatch.to_string(), "no match");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// An applicable Deny statement.
    Deny,
    /// An applicable Allow statement and no applicable Deny.
    Allow,
    /// No applicable statement (an implicit deny for that layer).
    NoMatch,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Deny => "deny",
            Verdict::Allow => "allow",
            Verdict::NoMatch => "no match",
        })
    }
}

/// How specifically a resource-based policy's `Principal` names the caller (spec §2.3);
/// ordered from weakest to strongest for the same-account rules of §5.2.
///
/// ```
/// use iam_eval::MatchStrength;
/// assert!(MatchStrength::Direct > MatchStrength::Account);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MatchStrength {
    /// The account (`123456789012` or `arn:aws:iam::123456789012:root`): delegation only.
    Account,
    /// The role ARN of a role session, or the federating user's ARN of a federated user.
    ParentLevel,
    /// `"*"` (or `{"AWS": "*"}`), or a statement with no `Principal` element.
    Wildcard,
    /// The caller itself: user ARN, session ARN, federated-user ARN, service name, IdP, unique id.
    Direct,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_serialize_camel_case() {
        for d in [
            Decision::Allowed,
            Decision::ExplicitDeny,
            Decision::ImplicitDeny,
        ] {
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.as_str()));
            assert_eq!(serde_json::from_str::<Decision>(&json).unwrap(), d);
            assert_eq!(d.as_str().parse::<Decision>().unwrap(), d);
        }
    }

    #[test]
    fn strength_order() {
        assert!(MatchStrength::Direct > MatchStrength::Wildcard);
        assert!(MatchStrength::Wildcard > MatchStrength::ParentLevel);
        assert!(MatchStrength::ParentLevel > MatchStrength::Account);
    }
}
