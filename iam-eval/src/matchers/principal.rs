//! `Principal` / `NotPrincipal` matching with match strength (spec §2.3, §5.9).

use crate::decision::MatchStrength;
use crate::request::{Principal, PrincipalKind};
use iam_model::{PrincipalClause, PrincipalKey};

/// One compiled principal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included.
    Everyone,
    /// An account: `123456789012` or `arn:aws:iam::123456789012:root` (spec §10 item 22).
    Account(Box<str>),
    /// An ARN, compared exactly (partial wildcards never match: spec §10 item 20).
    Arn(Box<str>),
    /// A unique id (`AIDA…`, `AROA…`).
    UniqueId(Box<str>),
    /// `Service`.
    Service(Box<str>),
    /// `Federated`.
    Federated(Box<str>),
    /// `CanonicalUser` (not modelled for callers: never matches).
    CanonicalUser,
}

/// A compiled `Principal` / `NotPrincipal` element.
#[derive(Debug, Clone)]
pub(crate) struct PrincipalMatcher {
    pub(crate) negated: bool,
    pub(crate) entries: Box<[PrincipalEntry]>,
}

fn account_of_root_arn(s: &str) -> Option<&str> {
    let r = s.strip_prefix("arn:")?;
    let (_, rest) = r.split_once(':')?; // partition
    let rest = rest.strip_prefix("iam::")?;
    let acct = rest.strip_suffix(":root")?;
    (!acct.contains(':')).then_some(acct)
}

impl PrincipalMatcher {
    pub(crate) fn compile(clause: &PrincipalClause) -> PrincipalMatcher {
        let entries = if clause.value.is_wildcard()
            && matches!(clause.value, iam_model::Principal::Star)
        {
            vec![PrincipalEntry::Everyone]
        } else {
            clause
                .value
                .entries()
                .map(|(k, v)| match k {
                    PrincipalKey::Aws if v == "*" => PrincipalEntry::Everyone,
                    PrincipalKey::Aws if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) => {
                        PrincipalEntry::Account(v.into())
                    }
                    PrincipalKey::Aws => match account_of_root_arn(v) {
                        Some(a) => PrincipalEntry::Account(a.into()),
                        None if v.starts_with("arn:") => PrincipalEntry::Arn(v.into()),
                        None => PrincipalEntry::UniqueId(v.into()),
                    },
                    PrincipalKey::Service => PrincipalEntry::Service(v.into()),
                    PrincipalKey::Federated => PrincipalEntry::Federated(v.into()),
                    PrincipalKey::CanonicalUser => PrincipalEntry::CanonicalUser,
                })
                .collect()
        };
        PrincipalMatcher {
            negated: clause.negated,
            entries: entries.into_boxed_slice(),
        }
    }

    /// The strongest way a `Principal` element names `p`, if it does (spec §2.3 table).
    pub(crate) fn strength(&self, p: &Principal) -> Option<MatchStrength> {
        self.entries
            .iter()
            .filter_map(|e| entry_strength(e, p))
            .max()
    }

    /// True when `p`'s own identity is listed — the `NotPrincipal` exemption (spec §5.9):
    /// account- and role-level entries exempt nobody else.
    pub(crate) fn exempts(&self, p: &Principal) -> bool {
        self.entries.iter().any(|e| match e {
            PrincipalEntry::Everyone => true,
            PrincipalEntry::Account(a) => p.kind() == PrincipalKind::Root && **a == *p.account(),
            PrincipalEntry::Arn(a) => !p.arn().is_empty() && **a == *p.arn(),
            PrincipalEntry::UniqueId(id) => {
                p.kind() == PrincipalKind::User && p.unique_id() == Some(&**id)
            }
            PrincipalEntry::Service(s) => {
                p.service_name().is_some_and(|n| n.eq_ignore_ascii_case(s))
            }
            PrincipalEntry::Federated(_) | PrincipalEntry::CanonicalUser => false,
        })
    }
}

fn entry_strength(e: &PrincipalEntry, p: &Principal) -> Option<MatchStrength> {
    use MatchStrength::*;
    let kind = p.kind();
    let signed_iam = matches!(
        kind,
        PrincipalKind::Root
            | PrincipalKind::User
            | PrincipalKind::RoleSession
            | PrincipalKind::FederatedUser
    );
    match e {
        PrincipalEntry::Everyone => Some(Wildcard),
        PrincipalEntry::Account(a) => (signed_iam && **a == *p.account()).then_some(Account),
        PrincipalEntry::Arn(a) => {
            if signed_iam && kind != PrincipalKind::Root && **a == *p.arn() {
                Some(Direct)
            } else if p.role_arn() == Some(&**a) || p.federating_user_arn() == Some(&**a) {
                Some(ParentLevel)
            } else {
                None
            }
        }
        PrincipalEntry::UniqueId(id) => match kind {
            PrincipalKind::User if p.unique_id() == Some(&**id) => Some(Direct),
            PrincipalKind::RoleSession if p.unique_id() == Some(&**id) => Some(ParentLevel),
            _ => None,
        },
        PrincipalEntry::Service(s) => (kind == PrincipalKind::Service
            && p.service_name().is_some_and(|n| n.eq_ignore_ascii_case(s)))
        .then_some(Direct),
        PrincipalEntry::Federated(f) => (p.federated_provider() == Some(&**f)).then_some(Direct),
        PrincipalEntry::CanonicalUser => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iam_model::{Principal as P, Spanned};

    fn aws(values: &[&str], negated: bool) -> PrincipalMatcher {
        let value = P::Map(vec![(
            Spanned::from(PrincipalKey::Aws),
            values
                .iter()
                .map(|v| Spanned::from(v.to_string()))
                .collect(),
        )]);
        PrincipalMatcher::compile(&PrincipalClause {
            negated,
            value,
            span: Default::default(),
        })
    }

    // spec §2.3 table and §10 item 19: a role ARN matches all its sessions (role-level);
    // the session ARN (no path) matches directly; account entries delegate.
    #[test]
    fn role_session_strengths() {
        let s = Principal::role_session("arn:aws:iam::111122223333:role/path/R", "S").unwrap();
        assert_eq!(
            aws(&["arn:aws:iam::111122223333:role/path/R"], false).strength(&s),
            Some(MatchStrength::ParentLevel)
        );
        assert_eq!(
            aws(&["arn:aws:sts::111122223333:assumed-role/R/S"], false).strength(&s),
            Some(MatchStrength::Direct)
        );
        assert_eq!(
            aws(&["111122223333"], false).strength(&s),
            Some(MatchStrength::Account)
        );
        assert_eq!(
            aws(&["arn:aws:iam::111122223333:root"], false).strength(&s),
            Some(MatchStrength::Account)
        );
        assert_eq!(
            aws(&["*"], false).strength(&s),
            Some(MatchStrength::Wildcard)
        );
        // spec §10 item 20: partial wildcards never match.
        assert_eq!(
            aws(&["arn:aws:iam::111122223333:role/*"], false).strength(&s),
            None
        );
        assert_eq!(aws(&["444455556666"], false).strength(&s), None);
    }

    // spec §10 item 50: anonymous matches only "*".
    #[test]
    fn anonymous_only_star() {
        let a = Principal::anonymous();
        assert_eq!(
            aws(&["*"], false).strength(&a),
            Some(MatchStrength::Wildcard)
        );
        assert_eq!(aws(&["anonymous"], false).strength(&a), None);
        assert_eq!(aws(&["111122223333"], false).strength(&a), None);
    }

    // spec §5.9: NotPrincipal exempts only the principal's own ARN; the account ARN exempts
    // the root user only; the role ARN does not exempt its sessions.
    #[test]
    fn not_principal_exemption() {
        let np = aws(
            &[
                "arn:aws:iam::444455556666:user/Bob",
                "arn:aws:iam::444455556666:root",
            ],
            true,
        );
        let bob = Principal::parse("arn:aws:iam::444455556666:user/Bob").unwrap();
        let alice = Principal::parse("arn:aws:iam::444455556666:user/Alice").unwrap();
        let root = Principal::parse("444455556666").unwrap();
        assert!(np.exempts(&bob));
        assert!(!np.exempts(&alice));
        assert!(np.exempts(&root));
        let s = Principal::role_session("arn:aws:iam::444455556666:role/R", "S").unwrap();
        assert!(!aws(&["arn:aws:iam::444455556666:role/R"], true).exempts(&s));
        assert!(aws(&["arn:aws:sts::444455556666:assumed-role/R/S"], true).exempts(&s));
        assert!(!aws(&["arn:aws:iam::444455556666:root"], true).exempts(&Principal::anonymous()));
    }

    // spec §2.3 table: a web-identity / SAML session matches a `Federated` entry naming its
    // identity provider; `Service` entries match only that service principal.
    #[test]
    fn federated_and_service_entries() {
        let entry = |k: PrincipalKey, v: &str| {
            let value = P::Map(vec![(Spanned::from(k), vec![Spanned::from(v.to_string())])]);
            PrincipalMatcher::compile(&PrincipalClause {
                negated: false,
                value,
                span: Default::default(),
            })
        };
        let web = Principal::web_identity_session(
            "arn:aws:iam::111122223333:role/Web",
            "s",
            "accounts.google.com",
        )
        .unwrap();
        assert_eq!(
            entry(PrincipalKey::Federated, "accounts.google.com").strength(&web),
            Some(MatchStrength::Direct)
        );
        assert_eq!(
            entry(PrincipalKey::Federated, "cognito-identity.amazonaws.com").strength(&web),
            None
        );
        let ec2 = Principal::service("ec2.amazonaws.com");
        assert_eq!(
            entry(PrincipalKey::Service, "ec2.amazonaws.com").strength(&ec2),
            Some(MatchStrength::Direct)
        );
        assert_eq!(
            entry(PrincipalKey::Service, "lambda.amazonaws.com").strength(&ec2),
            None
        );
        assert_eq!(
            entry(PrincipalKey::Service, "ec2.amazonaws.com").strength(&web),
            None
        );
        assert_eq!(
            aws(&["111122223333"], false).strength(&ec2),
            None,
            "services are not account principals"
        );
    }

    #[test]
    fn user_unique_id_and_federated() {
        let u = Principal::parse("arn:aws:iam::111122223333:user/u")
            .unwrap()
            .with_unique_id("AIDAX");
        assert_eq!(
            aws(&["AIDAX"], false).strength(&u),
            Some(MatchStrength::Direct)
        );
        let f = Principal::federated_user(
            "111122223333",
            "fed",
            Some("arn:aws:iam::111122223333:user/u"),
        );
        assert_eq!(
            aws(&["arn:aws:iam::111122223333:user/u"], false).strength(&f),
            Some(MatchStrength::ParentLevel)
        );
        assert_eq!(
            aws(&["arn:aws:sts::111122223333:federated-user/fed"], false).strength(&f),
            Some(MatchStrength::Direct)
        );
    }
}
