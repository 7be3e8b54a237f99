//! Who is calling (issue #11 part 1, spec §6.6, §13): a client's credentials authenticated
//! against the account — a user's long-term access key (`AKIA…`), temporary credentials from
//! STS (`ASIA…` + session token, checked against the account clock), or no credentials at all
//! (the account's root user). The same checks serve the in-process clients and the HTTP
//! endpoint (which verifies SigV4 signatures with [`Account::signing_secret`]).
//!
//! Errors are AWS's (STS "Common Errors" page; spec §13): an unknown or inactive key id →
//! `InvalidClientTokenId`, a wrong secret → `SignatureDoesNotMatch`, expired temporary
//! credentials → `ExpiredToken`; all answer HTTP 403.

use super::Account;
use super::sts::SessionKind;
use iam_model::entities::{AccessKeyStatus, ErrorCode, IamError, Secret, Timestamp};

/// What kind of principal a [`Caller`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerKind {
    /// The account's root user (a client without credentials, or a root access key).
    Root,
    /// An IAM user, by name.
    User {
        /// The user's name.
        name: String,
    },
    /// An STS session (role session or federated user), by its temporary key id.
    Session {
        /// The `ASIA…` key id of the session.
        access_key_id: String,
    },
}

/// An authenticated caller: the principal its requests are authorized as, and the facts about
/// its credentials that the request context carries (spec §13). Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The principal ARN (`…:user/PATH/NAME`, `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`,
    /// `arn:aws:sts::ACCT:federated-user/NAME`, `…:root`).
    pub arn: String,
    /// The account the caller belongs to.
    pub account: String,
    /// Root, user or session.
    pub kind: CallerKind,
    /// The access key id used (`None` for a client without credentials).
    pub access_key_id: Option<String>,
    /// When the temporary credentials were issued (`aws:TokenIssueTime`); `None` for
    /// long-term credentials.
    pub token_issue_time: Option<Timestamp>,
    /// When the caller authenticated with MFA (`aws:MultiFactorAuthAge`); `None` without MFA.
    pub mfa_authenticated_at: Option<Timestamp>,
    /// The Region the request was made in, when the door into the account knows it (the HTTP
    /// endpoint: the SigV4 credential scope). Recorded as the access key's last-used Region
    /// and the service-last-accessed Region; `None` records "N/A" (IAM API reference,
    /// AccessKeyLastUsed: the Region is "N/A" when there is no data).
    pub region: Option<String>,
}

impl Caller {
    /// True for temporary (STS) credentials.
    pub fn is_temporary(&self) -> bool {
        matches!(self.kind, CallerKind::Session { .. })
    }
}

fn invalid_token() -> IamError {
    IamError::new(
        ErrorCode::InvalidClientTokenId,
        "The security token included in the request is invalid.",
    )
}

fn bad_signature() -> IamError {
    IamError::new(
        ErrorCode::SignatureDoesNotMatch,
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. Consult the service documentation \
         for details.",
    )
}

impl Account {
    /// The caller of a client made without credentials: the account's root user.
    pub fn root_caller(&self) -> Caller {
        Caller {
            arn: self.root_arn(),
            account: self.id.clone(),
            kind: CallerKind::Root,
            access_key_id: None,
            token_issue_time: None,
            mfa_authenticated_at: None,
            region: None,
        }
    }

    /// The principal behind an access key id, with the secret its requests are signed with,
    /// for an endpoint that verifies SigV4 signatures (the signing key derives from the
    /// secret, spec §13). Fails as [`Account::authenticate`] does for unknown, inactive or
    /// expired keys (a session key also needs its `session_token`).
    pub fn signing_secret(
        &self,
        access_key_id: &str,
        session_token: Option<&str>,
    ) -> Result<(Caller, &Secret), IamError> {
        if let Some(s) = self.sessions.get(access_key_id) {
            // Temporary credentials are only valid with their session token (STS API
            // reference, "Requesting temporary security credentials").
            if !session_token.is_some_and(|t| s.session_token.matches(t)) {
                return Err(invalid_token());
            }
            if s.expiration <= self.clock.now() {
                return Err(IamError::new(
                    ErrorCode::ExpiredToken,
                    "The security token included in the request is expired",
                ));
            }
            let account = match &s.kind {
                SessionKind::Role { .. }
                | SessionKind::FederatedUser { .. }
                | SessionKind::SessionToken { .. } => self.id.clone(),
            };
            let caller = Caller {
                arn: s.arn.clone(),
                account,
                kind: CallerKind::Session {
                    access_key_id: access_key_id.to_string(),
                },
                access_key_id: Some(access_key_id.to_string()),
                token_issue_time: Some(s.issued),
                mfa_authenticated_at: s.mfa_authenticated_at,
                region: None,
            };
            return Ok((caller, &s.secret_access_key));
        }
        // A session token with a long-term key is not a valid credential set.
        if session_token.is_some() {
            return Err(invalid_token());
        }
        let owner = self
            .key_owners
            .get(access_key_id)
            .ok_or_else(invalid_token)?;
        let (keys, arn, kind) = match owner {
            Some(name) => {
                let u = self
                    .users
                    .get(&super::key(name))
                    .ok_or_else(invalid_token)?;
                (
                    &u.access_keys,
                    u.arn.clone(),
                    CallerKind::User {
                        name: u.name.clone(),
                    },
                )
            }
            None => (&self.root.access_keys, self.root_arn(), CallerKind::Root),
        };
        let key = keys
            .iter()
            .find(|k| k.id == access_key_id && k.status == AccessKeyStatus::Active)
            .ok_or_else(invalid_token)?;
        let caller = Caller {
            arn,
            account: self.id.clone(),
            kind,
            access_key_id: Some(access_key_id.to_string()),
            token_issue_time: None,
            mfa_authenticated_at: None,
            region: None,
        };
        Ok((caller, &key.secret_access_key))
    }

    /// Authenticates a client's credentials: the key id must be an active long-term key of a
    /// user or the root user, or unexpired temporary credentials presented with their session
    /// token; the secret must match (compared in constant time).
    ///
    /// ```
    /// use iam_account::Account;
    /// use iam_model::entities::ErrorCode;
    /// let mut a = Account::new("111122223333").unwrap();
    /// a.create_user("alice", None).unwrap();
    /// let k = a.create_access_key(Some("alice")).unwrap();
    /// let c = a.authenticate(&k.access_key_id, k.secret_access_key.expose(), None).unwrap();
    /// assert_eq!(c.arn, "arn:aws:iam::111122223333:user/alice");
    /// let e = a.authenticate(&k.access_key_id, "wrong", None).unwrap_err();
    /// assert_eq!(e.code, ErrorCode::SignatureDoesNotMatch);
    /// let e = a.authenticate("AKIAAAAAAAAAAAAAAAAA", "x", None).unwrap_err();
    /// assert_eq!(e.code, ErrorCode::InvalidClientTokenId);
    /// ```
    pub fn authenticate(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
        session_token: Option<&str>,
    ) -> Result<Caller, IamError> {
        let (caller, secret) = self.signing_secret(access_key_id, session_token)?;
        if !secret.matches(secret_access_key) {
            return Err(bad_signature());
        }
        Ok(caller)
    }
}
