//! STS (spec §5.4, §5.6, §6.6): `AssumeRole` (caller permissions and the role's trust policy
//! both checked through the evaluator; external id; session names; duration limits; session
//! policies; session tags with `sts:TagSession`; role chaining with transitive tags), a service
//! principal assuming a role (an EC2 instance profile), `GetFederationToken`,
//! `GetCallerIdentity`, and temporary credentials (`ASIA…`) that resolve back to their session.

use super::authorize::Scope;
use super::policies::{aws_managed_parsed, document};
use super::secrets::{access_key_id_for, secret_text};
use super::{Account, key};
use iam_eval::{OwnedContext, Principal, PrincipalKind};
use iam_model::entities::{
    ErrorCode, IamError, IdPrefix, PolicyDocument, Secret, Timestamp, validate,
};
use iam_parser::save_check::{SaveKind, policy_size};

/// The kind of an STS session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionKind {
    /// A role session (`AssumeRole`).
    Role {
        /// The role's name.
        role_name: String,
        /// `RoleSessionName`.
        session_name: String,
        /// True when a role session assumed this role (role chaining).
        chained: bool,
    },
    /// A federated user session (`GetFederationToken`).
    FederatedUser {
        /// The IAM user who federated (`None` for the root user).
        user_name: Option<String>,
    },
    /// `GetSessionToken` credentials: the calling user's (or root user's) own permissions.
    SessionToken {
        /// The IAM user (`None` for the root user).
        user_name: Option<String>,
    },
}

/// A live STS session. The secret and token are kept (redacted [`Secret`]s) to authenticate
/// calls made with the temporary credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// `ASIA…`
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The session token.
    pub session_token: Secret,
    /// When the credentials were issued (`aws:TokenIssueTime`).
    pub issued: Timestamp,
    /// When the caller that obtained them authenticated with MFA (`aws:MultiFactorAuthAge`);
    /// `None` without MFA.
    pub mfa_authenticated_at: Option<Timestamp>,
    /// The session principal's ARN (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`, …).
    pub arn: String,
    /// `aws:userid` (`AROA…:SESSION`, `ACCT:NAME`).
    pub user_id: String,
    /// When the credentials expire.
    pub expiration: Timestamp,
    /// Role or federated user.
    pub kind: SessionKind,
    /// Session policies (inline first, then managed), by name.
    pub policies: Vec<(String, PolicyDocument)>,
    /// Session tags (including transitive tags from the calling session).
    pub tags: Vec<(String, String)>,
    /// Keys of the tags that pass to chained sessions.
    pub transitive_tag_keys: Vec<String>,
    /// The source identity (`aws:SourceIdentity`): set once, kept by every chained session.
    pub source_identity: Option<String>,
}

/// Temporary credentials (`Credentials` of STS). `Debug` redacts the secret and token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `ASIA…`
    pub access_key_id: String,
    /// The secret access key (40 characters).
    pub secret_access_key: Secret,
    /// The session token.
    pub session_token: Secret,
    /// Expiry.
    pub expiration: Timestamp,
    /// The session principal ARN (`AssumedRoleUser.Arn` / `FederatedUser.Arn`).
    pub arn: String,
    /// `AssumedRoleId` / `FederatedUserId`.
    pub id: String,
    /// `PackedPolicySize` (percent of the packed limit used by session policies and tags).
    pub packed_policy_size: u32,
}

/// Parameters of `AssumeRole`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssumeRoleRequest {
    /// The caller: a user, role-session or root ARN of a modelled account, or a service
    /// principal (`ec2.amazonaws.com`).
    pub caller_arn: String,
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName` (2-64 of `[\w+=,.@-]`).
    pub role_session_name: String,
    /// `DurationSeconds` (900 to the role's `MaxSessionDuration`; 3600 when chaining). Default 3600.
    pub duration_seconds: Option<u32>,
    /// `ExternalId` (`sts:ExternalId`).
    pub external_id: Option<String>,
    /// `Policy`: an inline session policy.
    pub policy: Option<String>,
    /// `PolicyArns`: managed session policies (≤10).
    pub policy_arns: Vec<String>,
    /// `Tags`: session tags (≤50).
    pub tags: Vec<(String, String)>,
    /// `TransitiveTagKeys`.
    pub transitive_tag_keys: Vec<String>,
    /// `SourceIdentity` (2-64 of `[\w+=,.@-]`, not starting with `aws:`); needs
    /// `sts:SetSourceIdentity` in the trust policy and is kept by chained sessions.
    pub source_identity: Option<String>,
    /// Extra request context (e.g. `aws:MultiFactorAuthPresent`, `aws:SourceIp`).
    pub context: Vec<(String, String)>,
}

/// Parameters of `GetFederationToken`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FederationTokenRequest {
    /// The calling IAM user (`None` = the root user).
    pub user_name: Option<String>,
    /// `Name` (2-32 of `[\w+=,.@-]`).
    pub name: String,
    /// `DurationSeconds` (900-129600, default 43200; root ≤3600).
    pub duration_seconds: Option<u32>,
    /// `Policy`.
    pub policy: Option<String>,
    /// `PolicyArns` (≤10).
    pub policy_arns: Vec<String>,
}

/// The packed limit of session policies: inline text plus managed ARNs (spec §1.10).
const PACKED_LIMIT: usize = 2048;

fn too_large(pct: usize) -> IamError {
    IamError::new(
        ErrorCode::PackedPolicyTooLarge,
        format!("Packed policy consumes {pct}% of allotted space, please use smaller policy."),
    )
}

/// Checks and loads session policies (inline + managed ARNs) against `acct`.
pub(crate) fn session_policies(
    acct: &Account,
    policy: Option<&str>,
    arns: &[String],
) -> Result<(Vec<(String, PolicyDocument)>, usize), IamError> {
    if arns.len() > 10 {
        return Err(IamError::validation(
            "policyArns",
            "[...]",
            "Member must have length less than or equal to 10",
        ));
    }
    let mut out = Vec::new();
    let mut size = 0;
    if let Some(text) = policy {
        validate::length("policy", text, 1, 2048 * 8)?;
        let d = document(text, SaveKind::Managed).map_err(|e| {
            if e.code == ErrorCode::LimitExceeded {
                too_large(policy_size(text) * 100 / PACKED_LIMIT)
            } else {
                e
            }
        })?;
        size += policy_size(text);
        out.push(("SessionPolicy".to_string(), d));
    }
    for arn in arns {
        size += arn.len();
        let (name, doc) = match acct.managed_policy_doc(arn) {
            Some((n, p)) => (n, p),
            None => {
                let p = aws_managed_parsed(arn).ok_or_else(|| {
                    IamError::invalid_input(format!(
                        "Policy {arn} does not exist or is not attachable."
                    ))
                })?;
                (arn.clone(), p)
            }
        };
        out.push((name, PolicyDocument::new(String::new(), (*doc).clone())));
    }
    if size > PACKED_LIMIT {
        return Err(too_large(size * 100 / PACKED_LIMIT));
    }
    Ok((out, size))
}

fn check_tags(tags: &[(String, String)]) -> Result<(), IamError> {
    if tags.len() > 50 {
        return Err(IamError::validation(
            "tags",
            "[...]",
            "Member must have length less than or equal to 50",
        ));
    }
    for (i, (k, v)) in tags.iter().enumerate() {
        validate::tag_key(k)?;
        validate::tag_value(v)?;
        if tags
            .iter()
            .take(i)
            .any(|(k2, _)| k2.eq_ignore_ascii_case(k))
        {
            return Err(IamError::invalid_input(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(())
}

/// `SourceIdentity`: 2-64 of `[\w+=,.@-]` (STS API reference, AssumeRole; its other rule,
/// "You cannot use a value that begins with the text aws:", is implied: `:` is not allowed).
pub(crate) fn check_source_identity(v: &str) -> Result<(), IamError> {
    validate::session_name("sourceIdentity", v, 64)
}

fn denied(caller: &str, action: &str, resource: &str) -> IamError {
    IamError::new(
        ErrorCode::AccessDenied,
        format!("User: {caller} is not authorized to perform: {action} on resource: {resource}"),
    )
}

/// Decides and builds an `AssumeRole` session (read-only); the caller stores it.
pub(crate) fn assume_role(
    scope: Scope<'_>,
    req: &AssumeRoleRequest,
) -> Result<(Session, Credentials, String), IamError> {
    validate::length("roleArn", &req.role_arn, 20, 2048)?;
    validate::session_name("roleSessionName", &req.role_session_name, 64)?;
    if let Some(e) = &req.external_id {
        validate::external_id(e)?;
    }
    if let Some(si) = &req.source_identity {
        check_source_identity(si)?;
    }
    let duration = req.duration_seconds.unwrap_or(3600);
    if duration < 900 {
        return Err(IamError::validation(
            "durationSeconds",
            &duration.to_string(),
            "Member must have value greater than or equal to 900",
        ));
    }
    if duration > 43_200 {
        return Err(IamError::validation(
            "durationSeconds",
            &duration.to_string(),
            "Member must have value less than or equal to 43200",
        ));
    }
    check_tags(&req.tags)?;
    let caller =
        Principal::parse(&req.caller_arn).map_err(|e| IamError::invalid_input(e.to_string()))?;
    // The root user cannot assume roles: STS answers `AccessDenied` "Roles may not be assumed by
    // root accounts." (IAM User Guide, "Roles terms and concepts": "you can't use the root user
    // to assume a role"; the message as AWS returns it).
    if caller.kind() == PrincipalKind::Root {
        return Err(IamError::new(
            ErrorCode::AccessDenied,
            "Roles may not be assumed by root accounts.",
        ));
    }

    let role_account_id = req
        .role_arn
        .split(':')
        .nth(4)
        .unwrap_or_default()
        .to_string();
    let role_name = req.role_arn.rsplit('/').next().unwrap_or_default();
    let target = scope.account(&role_account_id);
    let role = target
        .and_then(|a| a.roles.get(&key(role_name)))
        .filter(|r| r.arn == req.role_arn)
        .ok_or_else(|| denied(&req.caller_arn, "sts:AssumeRole", &req.role_arn))?;
    let target = target.ok_or_else(|| denied(&req.caller_arn, "sts:AssumeRole", &req.role_arn))?;

    // Role chaining (spec §5.6): a role session assuming a role is capped at one hour, and its
    // transitive session tags carry over.
    let chained =
        caller.kind() == PrincipalKind::RoleSession && req.caller_arn.contains(":assumed-role/");
    let caller_session = if chained {
        scope.account(caller.account()).and_then(|a| {
            let now = a.clock.now();
            a.sessions
                .values()
                .filter(|s| s.arn == req.caller_arn && s.expiration > now)
                .max_by_key(|s| s.expiration)
        })
    } else {
        None
    };
    if chained && duration > 3600 {
        return Err(IamError::validation(
            "durationSeconds",
            &duration.to_string(),
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    if duration > role.max_session_duration {
        return Err(IamError::validation(
            "durationSeconds",
            &duration.to_string(),
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    let (policies, packed) = session_policies(target, req.policy.as_deref(), &req.policy_arns)?;

    // Session tags: transitive tags of the calling session first; the caller may not override them.
    let mut tags: Vec<(String, String)> = Vec::new();
    let mut transitive: Vec<String> = Vec::new();
    if let Some(s) = caller_session {
        for k in &s.transitive_tag_keys {
            if let Some((k, v)) = s.tags.iter().find(|(t, _)| t.eq_ignore_ascii_case(k)) {
                if req.tags.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)) {
                    return Err(IamError::invalid_input(format!(
                        "One or more of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session: {k}"
                    )));
                }
                tags.push((k.clone(), v.clone()));
                transitive.push(k.clone());
            }
        }
    }
    for k in &req.transitive_tag_keys {
        if !req.tags.iter().any(|(t, _)| t.eq_ignore_ascii_case(k)) {
            return Err(IamError::invalid_input(format!(
                "The transitive tag key {k} is not a session tag key."
            )));
        }
        transitive.push(k.clone());
    }
    tags.extend(req.tags.iter().cloned());
    // The source identity is set once and kept through role chaining; a chained call may
    // repeat it but not change it (IAM User Guide, "Monitor and control actions taken with
    // assumed roles": "The value that is set cannot be changed during the role session").
    // AWS documents no message for a changed value; iamkit refuses it with AccessDenied.
    let inherited = caller_session.and_then(|s| s.source_identity.clone());
    let source_identity = match (&inherited, &req.source_identity) {
        (Some(old), Some(new)) if old != new => {
            return Err(IamError::new(
                ErrorCode::AccessDenied,
                format!(
                    "User: {} is not authorized to perform: sts:SetSourceIdentity on resource: {}: \
                     the source identity {old} of the calling session cannot be changed",
                    req.caller_arn, req.role_arn
                ),
            ));
        }
        (Some(old), _) => Some(old.clone()),
        (None, new) => new.clone(),
    };
    if tags.len() > 50 {
        return Err(IamError::validation(
            "tags",
            "[...]",
            "Member must have length less than or equal to 50",
        ));
    }

    // Authorization (spec §5.6): the trust policy must allow, and the caller's side must allow.
    let mut ctx = OwnedContext::default();
    for (k, v) in &req.context {
        ctx.insert_one(k, v);
    }
    if let Some(e) = &req.external_id {
        ctx.insert_one("sts:ExternalId", e);
    }
    ctx.insert_one("sts:RoleSessionName", &req.role_session_name);
    if !req.tags.is_empty() {
        for (k, v) in &req.tags {
            ctx.insert_one(&format!("aws:RequestTag/{k}"), v);
        }
        ctx.insert(
            "aws:TagKeys",
            req.tags.iter().map(|(k, _)| k.clone()).collect(),
        );
    }
    if !req.transitive_tag_keys.is_empty() {
        ctx.insert("sts:TransitiveTagKeys", req.transitive_tag_keys.clone());
    }
    if let Some(si) = &req.source_identity {
        ctx.insert_one("sts:SourceIdentity", si);
    }
    if let Some(si) = &source_identity {
        ctx.insert_one("aws:SourceIdentity", si);
    }
    let c = ctx.as_context();
    let mut actions = vec!["sts:AssumeRole"];
    // Passing tags needs `sts:TagSession`, setting a source identity `sts:SetSourceIdentity`,
    // on both sides (IAM User Guide, "Passing session tags in AWS STS" and "Monitor and
    // control actions taken with assumed roles"); a chained session that only carries its
    // inherited source identity sets nothing new.
    if !req.tags.is_empty() {
        actions.push("sts:TagSession");
    }
    if req.source_identity.is_some() && inherited.is_none() {
        actions.push("sts:SetSourceIdentity");
    }
    for action in actions {
        let ex = scope.authorize(&req.caller_arn, action, &req.role_arn, &c)?;
        if !ex.decision.is_allowed() {
            return Err(denied(&req.caller_arn, action, &req.role_arn));
        }
    }

    let now = target.clock.now();
    let key_id = access_key_id_for(IdPrefix::TemporaryAccessKey, &target.id)?;
    let secret = secret_text(40)?;
    let token = secret_text(356)?;
    let arn = format!(
        "arn:aws:sts::{}:assumed-role/{}/{}",
        target.id, role.name, req.role_session_name
    );
    let user_id = format!("{}:{}", role.id, req.role_session_name);
    let tag_bytes: usize = tags.iter().map(|(k, v)| k.len() + v.len()).sum();
    // Credentials requested with MFA (the caller's `aws:MultiFactorAuthPresent`) carry
    // `aws:MultiFactorAuthPresent`/`Age` into the session's requests (global condition keys page).
    let mfa = req.context.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("aws:MultiFactorAuthPresent") && v.eq_ignore_ascii_case("true")
    });
    // `aws:MultiFactorAuthAge` of the request: how long ago the caller authenticated with MFA
    // (0 for a `SerialNumber`/`TokenCode` checked by this call); the session keeps that instant.
    let mfa_age = req
        .context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("aws:MultiFactorAuthAge"))
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .unwrap_or(0);
    let session = Session {
        access_key_id: key_id.clone(),
        secret_access_key: secret.clone(),
        session_token: token.clone(),
        issued: now,
        mfa_authenticated_at: mfa.then_some(Timestamp(now.0 - mfa_age)),
        arn: arn.clone(),
        user_id: user_id.clone(),
        expiration: now + i64::from(duration),
        kind: SessionKind::Role {
            role_name: role.name.clone(),
            session_name: req.role_session_name.clone(),
            chained,
        },
        policies,
        tags,
        transitive_tag_keys: transitive,
        source_identity,
    };
    let creds = Credentials {
        access_key_id: key_id,
        secret_access_key: secret,
        session_token: token,
        expiration: session.expiration,
        arn,
        id: user_id,
        packed_policy_size: u32::try_from((packed + tag_bytes) * 100 / PACKED_LIMIT)
            .unwrap_or(u32::MAX),
    };
    Ok((session, creds, target.id.clone()))
}

impl Account {
    /// `AssumeRole` within this account (for another account of an organization use
    /// [`Organization::assume_role`](super::Organization::assume_role)).
    ///
    /// ```
    /// use iam_account::{Account, AssumeRoleRequest};
    /// let mut a = Account::new("111122223333").unwrap();
    /// a.create_user("alice", None).unwrap();
    /// a.create_role("Admin", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    ///   "Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}"#).unwrap();
    /// let creds = a.assume_role(&AssumeRoleRequest {
    ///     caller_arn: "arn:aws:iam::111122223333:user/alice".into(),
    ///     role_arn: "arn:aws:iam::111122223333:role/Admin".into(),
    ///     role_session_name: "alice".into(),
    ///     ..Default::default()
    /// }).unwrap();
    /// assert!(creds.access_key_id.starts_with("ASIA"));
    /// assert_eq!(a.principal_for_access_key(&creds.access_key_id).as_deref(),
    ///            Some("arn:aws:sts::111122223333:assumed-role/Admin/alice"));
    /// ```
    pub fn assume_role(&mut self, req: &AssumeRoleRequest) -> Result<Credentials, IamError> {
        let (session, creds, _) = assume_role(
            Scope {
                single: Some(self),
                org: None,
            },
            req,
        )?;
        self.sessions.insert(session.access_key_id.clone(), session);
        Ok(creds)
    }

    /// The EC2 service assuming the role of an instance profile (the credentials an instance
    /// gets from its metadata service).
    pub fn instance_profile_credentials(
        &mut self,
        profile: &str,
        instance_id: &str,
    ) -> Result<Credentials, IamError> {
        let ip = self.get_instance_profile(profile)?;
        let role = ip.roles.first().ok_or_else(|| {
            IamError::invalid_input(format!("Instance Profile {profile} has no role."))
        })?;
        let role_arn = self.get_role(role)?.arn.clone();
        self.assume_role(&AssumeRoleRequest {
            caller_arn: "ec2.amazonaws.com".to_string(),
            role_arn,
            role_session_name: instance_id.to_string(),
            ..Default::default()
        })
    }

    /// `GetFederationToken` for an IAM user (or the root user): a federated-user session whose
    /// permissions are the user's ∩ the session policies (spec §5.4).
    pub fn get_federation_token(
        &mut self,
        req: &FederationTokenRequest,
    ) -> Result<Credentials, IamError> {
        validate::session_name("name", &req.name, 32)?;
        let max = if req.user_name.is_none() {
            3600
        } else {
            129_600
        };
        let duration = req.duration_seconds.unwrap_or(if req.user_name.is_none() {
            3600
        } else {
            43_200
        });
        if duration < 900 {
            return Err(IamError::validation(
                "durationSeconds",
                &duration.to_string(),
                "Member must have value greater than or equal to 900",
            ));
        }
        if duration > max {
            return Err(IamError::validation(
                "durationSeconds",
                &duration.to_string(),
                &format!("Member must have value less than or equal to {max}"),
            ));
        }
        let caller_arn = match &req.user_name {
            Some(u) => self.get_user(u)?.arn.clone(),
            None => self.root_arn(),
        };
        let (policies, packed) = session_policies(self, req.policy.as_deref(), &req.policy_arns)?;
        let arn = format!("arn:aws:sts::{}:federated-user/{}", self.id, req.name);
        let ex = self.authorize(
            &caller_arn,
            "sts:GetFederationToken",
            &arn,
            &iam_eval::Context::new(),
        )?;
        if !ex.decision.is_allowed() {
            return Err(denied(&caller_arn, "sts:GetFederationToken", &arn));
        }
        let now = self.clock.now();
        let key_id = access_key_id_for(IdPrefix::TemporaryAccessKey, &self.id)?;
        let secret = secret_text(40)?;
        let user_id = format!("{}:{}", self.id, req.name);
        let token = secret_text(356)?;
        let session = Session {
            access_key_id: key_id.clone(),
            secret_access_key: secret.clone(),
            session_token: token.clone(),
            issued: now,
            mfa_authenticated_at: None,
            arn: arn.clone(),
            user_id: user_id.clone(),
            expiration: now + i64::from(duration),
            kind: SessionKind::FederatedUser {
                user_name: req.user_name.as_ref().map(|u| {
                    self.users
                        .get(&key(u))
                        .map_or(u.clone(), |x| x.name.clone())
                }),
            },
            policies,
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
            packed_policy_size: u32::try_from(packed * 100 / PACKED_LIMIT).unwrap_or(u32::MAX),
        })
    }

    /// The principal ARN behind an access key id: a user, the root user, or an unexpired STS
    /// session.
    pub fn principal_for_access_key(&self, key_id: &str) -> Option<String> {
        if let Some(s) = self.sessions.get(key_id) {
            return (s.expiration > self.clock.now()).then(|| s.arn.clone());
        }
        match self.key_owners.get(key_id)? {
            Some(u) => self.users.get(&key(u)).map(|u| u.arn.clone()),
            None => Some(self.root_arn()),
        }
    }

    /// `GetCallerIdentity` for the credentials `key_id`: `{"UserId", "Account", "Arn"}`.
    pub fn get_caller_identity(&self, key_id: &str) -> Result<serde_json::Value, IamError> {
        let invalid = || {
            IamError::new(
                ErrorCode::InvalidClientTokenId,
                "The security token included in the request is invalid.",
            )
        };
        if let Some(s) = self.sessions.get(key_id) {
            if s.expiration <= self.clock.now() {
                return Err(IamError::new(
                    ErrorCode::ExpiredToken,
                    "The security token included in the request is expired",
                ));
            }
            return Ok(serde_json::json!({"UserId": s.user_id, "Account": self.id, "Arn": s.arn}));
        }
        let (user_id, arn) = match self.key_owners.get(key_id).ok_or_else(invalid)? {
            Some(u) => {
                let u = self.users.get(&key(u)).ok_or_else(invalid)?;
                (u.id.clone(), u.arn.clone())
            }
            None => (self.id.clone(), self.root_arn()),
        };
        Ok(serde_json::json!({"UserId": user_id, "Account": self.id, "Arn": arn}))
    }

    /// The live sessions.
    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.values()
    }
}
