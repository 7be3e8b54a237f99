//! STS `GetSessionToken` (issue #11 part 4): temporary credentials of an IAM user or the root
//! user, with the caller's own permissions, carrying MFA context when `SerialNumber` and
//! `TokenCode` were given; and what such credentials may not do.
//!
//! From the STS API reference (GetSessionToken,
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html>):
//! - "The temporary security credentials created by GetSessionToken can be used to make API
//!   calls to any Amazon Web Services service with the following exceptions: You cannot call
//!   any IAM API operations unless MFA authentication information is included in the request.
//!   You cannot call any STS API except AssumeRole or GetCallerIdentity."
//! - `DurationSeconds`: 900 to 129,600, default 43,200; "Sessions for Amazon Web Services
//!   account owners are restricted to a maximum of 3,600 seconds (one hour). If the duration is
//!   longer than one hour, the session for Amazon Web Services account owners defaults to one
//!   hour."
//! - No permission is needed: "You cannot use policies to control authentication operations"
//!   (IAM User Guide, "Permissions for GetSessionToken").
//!
//! IAM calls made with such credentials without MFA fail with `InvalidClientTokenId` ("The
//! security token included in the request is invalid"), which is what IAM answers for them;
//! STS operations other than the two allowed answer `AccessDenied` "Cannot call OPERATION with
//! session credentials" (the form STS uses for GetSessionToken / GetFederationToken called
//! with session credentials).

use super::caller::{Caller, CallerKind};
use super::secrets::{access_key_id_for, secret_text};
use super::sts::{Credentials, Session, SessionKind};
use super::{Account, key};
use iam_model::entities::{ErrorCode, IamError, IdPrefix, Timestamp};

/// Parameters of `GetSessionToken`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionTokenRequest {
    /// `DurationSeconds` (900-129,600; default 43,200; the root user's sessions last at most
    /// one hour).
    pub duration_seconds: Option<u32>,
    /// `SerialNumber`: the caller's MFA device.
    pub serial_number: Option<String>,
    /// `TokenCode`: the device's current 6-digit code.
    pub token_code: Option<String>,
}

fn session_credentials_refused(operation: &str) -> IamError {
    IamError::new(
        ErrorCode::AccessDenied,
        format!("Cannot call {operation} with session credentials"),
    )
}

impl Account {
    /// The IAM user a caller acts as: a user's long-term key, or `GetSessionToken` credentials
    /// of a user (`None` for the root user and role or federated sessions).
    pub fn calling_user_name(&self, caller: &Caller) -> Option<String> {
        match &caller.kind {
            CallerKind::User { name } => Some(name.clone()),
            CallerKind::Session { access_key_id } => {
                match &self.sessions.get(access_key_id)?.kind {
                    SessionKind::SessionToken { user_name } => user_name.clone(),
                    _ => None,
                }
            }
            CallerKind::Root => None,
        }
    }

    /// Refuses calls the caller's credentials cannot make whatever the policies say (checked
    /// before authorization, in every [`Enforcement`](crate::Enforcement) mode):
    /// `GetSessionToken` credentials calling IAM without MFA or STS beyond `AssumeRole` /
    /// `GetCallerIdentity`, and any session calling `GetSessionToken`.
    pub fn check_credential_scope(
        &self,
        caller: &Caller,
        service: &str,
        operation: &str,
    ) -> Result<(), IamError> {
        let CallerKind::Session { access_key_id } = &caller.kind else {
            return Ok(());
        };
        if service == "sts" && operation.eq_ignore_ascii_case("GetSessionToken") {
            return Err(session_credentials_refused("GetSessionToken"));
        }
        let Some(s) = self.sessions.get(access_key_id) else {
            return Ok(());
        };
        if !matches!(s.kind, SessionKind::SessionToken { .. }) {
            return Ok(());
        }
        match service {
            "iam" if s.mfa_authenticated_at.is_none() => Err(IamError::new(
                ErrorCode::InvalidClientTokenId,
                "The security token included in the request is invalid",
            )),
            "sts"
                if !operation.eq_ignore_ascii_case("AssumeRole")
                    && !operation.eq_ignore_ascii_case("GetCallerIdentity") =>
            {
                Err(session_credentials_refused(operation))
            }
            _ => Ok(()),
        }
    }

    /// Checks `SerialNumber` + `TokenCode` for the calling user (`AssumeRole`,
    /// `GetSessionToken`): the device must be assigned to the caller and the code current and
    /// unused. Returns when the caller authenticated with MFA.
    pub fn authenticate_mfa(
        &mut self,
        caller: &Caller,
        serial_number: &str,
        token_code: &str,
    ) -> Result<Timestamp, IamError> {
        let user = self.calling_user_name(caller);
        if user.is_none() && !matches!(caller.kind, CallerKind::Root) {
            // Role and federated sessions have no MFA device of their own.
            return Err(IamError::new(
                ErrorCode::AccessDenied,
                "MultiFactorAuthentication failed, unable to validate MFA code. Please verify \
                 your MFA serial number is valid and associated with this user.",
            ));
        }
        self.verify_mfa_token(user.as_deref(), serial_number, token_code)
    }

    /// `GetSessionToken` for an authenticated `caller` (an IAM user's or the root user's
    /// long-term key): credentials with the caller's permissions, with MFA context when the
    /// request carries a valid `SerialNumber` and `TokenCode`.
    ///
    /// ```
    /// use iam_account::{Account, SessionTokenRequest};
    /// let mut a = Account::new("111122223333").unwrap();
    /// a.create_user("alice", None).unwrap();
    /// let k = a.create_access_key(Some("alice")).unwrap();
    /// let alice = a.authenticate(&k.access_key_id, k.secret_access_key.expose(), None).unwrap();
    /// let c = a.get_session_token(&alice, &SessionTokenRequest::default()).unwrap();
    /// assert!(c.access_key_id.starts_with("ASIA"));
    /// assert_eq!(c.arn, "arn:aws:iam::111122223333:user/alice");
    /// let s = a.authenticate(&c.access_key_id, c.secret_access_key.expose(),
    ///                        Some(c.session_token.expose())).unwrap();
    /// // Without MFA the session cannot call IAM.
    /// let e = a.check_credential_scope(&s, "iam", "ListUsers").unwrap_err();
    /// assert_eq!(e.code.as_str(), "InvalidClientTokenId");
    /// ```
    pub fn get_session_token(
        &mut self,
        caller: &Caller,
        req: &SessionTokenRequest,
    ) -> Result<Credentials, IamError> {
        if caller.is_temporary() {
            return Err(session_credentials_refused("GetSessionToken"));
        }
        let root = matches!(caller.kind, CallerKind::Root);
        let duration = req.duration_seconds.unwrap_or(43_200);
        if duration < 900 {
            return Err(IamError::validation(
                "durationSeconds",
                &duration.to_string(),
                "Member must have value greater than or equal to 900",
            ));
        }
        if duration > 129_600 {
            return Err(IamError::validation(
                "durationSeconds",
                &duration.to_string(),
                "Member must have value less than or equal to 129600",
            ));
        }
        let duration = if root { duration.min(3600) } else { duration };
        let mfa = match (&req.serial_number, &req.token_code) {
            (Some(serial), Some(code)) => Some(self.authenticate_mfa(caller, serial, code)?),
            (None, None) => None,
            (Some(_), None) => {
                return Err(IamError::new(
                    ErrorCode::AccessDenied,
                    "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                ));
            }
            (None, Some(_)) => {
                return Err(IamError::new(
                    ErrorCode::AccessDenied,
                    "MultiFactorAuthentication failed, unable to validate MFA code. Please \
                     verify your MFA serial number is valid and associated with this user.",
                ));
            }
        };
        let user_name = self.calling_user_name(caller);
        let (arn, user_id) = match &user_name {
            Some(u) => {
                let u = self.get_user(u)?;
                (u.arn.clone(), u.id.clone())
            }
            None => (self.root_arn(), self.id.clone()),
        };
        let now = self.clock.now();
        // Key ids carry their account (GetAccessKeyInfo).
        let key_id = access_key_id_for(IdPrefix::TemporaryAccessKey, &self.id)?;
        let secret = secret_text(40)?;
        let token = secret_text(356)?;
        let session = Session {
            access_key_id: key_id.clone(),
            secret_access_key: secret.clone(),
            session_token: token.clone(),
            issued: now,
            mfa_authenticated_at: mfa,
            arn: arn.clone(),
            user_id: user_id.clone(),
            expiration: now + i64::from(duration),
            kind: SessionKind::SessionToken {
                user_name: user_name.map(|u| {
                    self.users
                        .get(&key(&u))
                        .map_or(u.clone(), |x| x.name.clone())
                }),
            },
            policies: Vec::new(),
            tags: Vec::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
        };
        self.sessions.insert(key_id.clone(), session);
        Ok(Credentials {
            access_key_id: key_id,
            secret_access_key: secret,
            session_token: token,
            expiration: now + i64::from(duration),
            arn,
            id: user_id,
            packed_policy_size: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Clock, FixedClock, mfa::totp};
    use iam_eval::Decision;
    use std::sync::Arc;

    const MFA_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Action":"iam:ListUsers","Resource":"*",
        "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;

    #[test]
    fn mfa_sessions_carry_mfa_context_into_authorization() {
        let clock = Arc::new(FixedClock::at("2026-12-01T00:00:10Z").unwrap());
        let mut a = Account::with_clock("111122223333", clock.clone()).unwrap();
        a.create_user("alice", None).unwrap();
        a.put_user_policy("alice", "mfa", MFA_ONLY).unwrap();
        let k = a.create_access_key(Some("alice")).unwrap();
        let alice = a
            .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
            .unwrap();
        let d = a.create_virtual_mfa_device("alice", None, &[]).unwrap();
        let seed = d.base32_seed.expose().to_string();
        let now = clock.now().0;
        a.enable_mfa_device(
            Some("alice"),
            &d.serial_number,
            &totp(&seed, now - 30).unwrap(),
            &totp(&seed, now).unwrap(),
        )
        .unwrap();
        let p = serde_json::json!({});
        // Long-term key: the key is absent, Bool "true" does not match.
        let e = a.enforce_call(&alice, "iam", "ListUsers", &p).unwrap_err();
        assert_eq!(e.error().code, ErrorCode::AccessDenied);
        // A session without MFA cannot call IAM at all.
        let plain = a
            .get_session_token(&alice, &SessionTokenRequest::default())
            .unwrap();
        let plain = a
            .authenticate(
                &plain.access_key_id,
                plain.secret_access_key.expose(),
                Some(plain.session_token.expose()),
            )
            .unwrap();
        assert_eq!(
            a.enforce_call(&plain, "iam", "ListUsers", &p)
                .unwrap_err()
                .error()
                .code,
            ErrorCode::InvalidClientTokenId
        );
        // With MFA (a fresh code: the enabling codes are used up).
        clock.advance(30);
        let c = a
            .get_session_token(
                &alice,
                &SessionTokenRequest {
                    duration_seconds: Some(900),
                    serial_number: Some(d.serial_number.clone()),
                    token_code: Some(totp(&seed, now + 30).unwrap()),
                },
            )
            .unwrap();
        assert_eq!(c.expiration.0 - clock.now().0, 900);
        let s = a
            .authenticate(
                &c.access_key_id,
                c.secret_access_key.expose(),
                Some(c.session_token.expose()),
            )
            .unwrap();
        clock.advance(100);
        let checks = a.call_checks(&s, "iam", "ListUsers", &p).unwrap();
        let ctx = checks[0].context.as_context();
        assert_eq!(
            ctx.get("aws:MultiFactorAuthPresent").unwrap().single(),
            Some("true")
        );
        assert_eq!(
            ctx.get("aws:MultiFactorAuthAge").unwrap().single(),
            Some("100")
        );
        a.enforce_call(&s, "iam", "ListUsers", &p).unwrap();
        // STS beyond AssumeRole / GetCallerIdentity is refused; so is a second GetSessionToken.
        let e = a
            .check_credential_scope(&s, "sts", "GetFederationToken")
            .unwrap_err();
        assert_eq!(
            e.message,
            "Cannot call GetFederationToken with session credentials"
        );
        assert!(
            a.check_credential_scope(&s, "sts", "GetCallerIdentity")
                .is_ok()
        );
        assert!(
            a.get_session_token(&s, &SessionTokenRequest::default())
                .is_err()
        );
        // The session's permissions are the user's: authorize() agrees.
        let ex = a
            .authorize(
                "arn:aws:iam::111122223333:user/alice",
                "iam:ListUsers",
                "*",
                &iam_eval::Context::new(),
            )
            .unwrap();
        assert_eq!(ex.decision, Decision::ImplicitDeny);
    }

    #[test]
    fn duration_limits_and_the_root_cap() {
        let mut a = Account::new("111122223333").unwrap();
        let root = a.root_caller();
        let req = |d: u32| SessionTokenRequest {
            duration_seconds: Some(d),
            ..Default::default()
        };
        let now = a.clock.now().0;
        let c = a.get_session_token(&root, &req(129_600)).unwrap();
        assert_eq!(
            c.expiration.0 - now,
            3600,
            "root sessions last one hour at most"
        );
        assert_eq!(
            a.get_session_token(&root, &req(899)).unwrap_err().code,
            ErrorCode::ValidationError
        );
        a.create_user("u", None).unwrap();
        let k = a.create_access_key(Some("u")).unwrap();
        let u = a
            .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
            .unwrap();
        let c = a
            .get_session_token(&u, &SessionTokenRequest::default())
            .unwrap();
        assert!((43_199..=43_201).contains(&(c.expiration.0 - now)));
        assert_eq!(
            a.get_session_token(&u, &req(129_601)).unwrap_err().code,
            ErrorCode::ValidationError
        );
    }
}
