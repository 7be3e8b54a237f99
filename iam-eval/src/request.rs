//! The request model: who asks ([`Principal`]), for what ([`Request`]), with which condition
//! keys ([`Context`]) — spec §5.1, §3.8, §3.9.
//!
//! A [`Principal`] is built once (it owns its strings: the "prepare" step). A [`Request`] and
//! its [`Context`] only borrow `&str`s, so building and evaluating a request allocates nothing
//! (up to [`Context::INLINE`] context entries).

use std::fmt;

/// The kind of caller (spec §2.3 table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PrincipalKind {
    /// The root user of an account.
    Root,
    /// An IAM user.
    User,
    /// A role session (`AssumeRole`, or web-identity / SAML when `federated_provider` is set).
    RoleSession,
    /// A federated user session (`GetFederationToken`).
    FederatedUser,
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service,
    /// An unsigned request.
    Anonymous,
}

/// The caller. Owns its strings; build it once and evaluate many requests with it.
///
/// ```
/// use iam_eval::{Principal, PrincipalKind};
/// let p = Principal::parse("arn:aws:sts::111122223333:assumed-role/Admin/alice").unwrap();
/// assert_eq!(p.kind(), PrincipalKind::RoleSession);
/// assert_eq!(p.account(), "111122223333");
/// assert_eq!(p.role_arn(), Some("arn:aws:iam::111122223333:role/Admin"));
/// assert_eq!(Principal::parse("111122223333").unwrap().kind(), PrincipalKind::Root);
/// assert_eq!(Principal::parse("ec2.amazonaws.com").unwrap().kind(), PrincipalKind::Service);
/// assert_eq!(Principal::parse("anonymous").unwrap().kind(), PrincipalKind::Anonymous);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    kind: PrincipalKind,
    /// The caller's own ARN (user ARN, session ARN, federated-user ARN, `…:root`); empty for
    /// anonymous callers and service principals.
    arn: String,
    account: String,
    unique_id: Option<String>,
    /// `aws:userid` (spec §3.9).
    userid: Option<String>,
    /// `aws:username` (IAM users only).
    username: Option<String>,
    /// `aws:PrincipalArn`: the role ARN (with path) for a role session.
    principal_arn: Option<String>,
    role_arn: Option<String>,
    role_unique_id: Option<String>,
    session_name: Option<String>,
    federating_user_arn: Option<String>,
    federated_provider: Option<String>,
    service: Option<String>,
    tags: Vec<(String, String)>,
    org_id: Option<String>,
    org_paths: Vec<String>,
    has_permissions_boundary: bool,
    management_account: bool,
    /// True for [`Principal::unnamed_user`]: no principal was named (spec §5.1 rev 3).
    unnamed: bool,
}

/// Why a string is not a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalParseError {
    /// The text that was given.
    pub text: String,
}

impl fmt::Display for PrincipalParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a principal: expected an IAM user/role/root ARN, an assumed-role or federated-user ARN, a 12-digit account id, a service principal (x.amazonaws.com) or \"anonymous\"",
            self.text
        )
    }
}
impl std::error::Error for PrincipalParseError {}

/// Why a role ARN cannot be the role of a session ([`Principal::with_role_arn`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArnError {
    /// The role ARN that was given.
    pub role_arn: String,
    /// The principal's own ARN (empty when it has none).
    pub principal: String,
}

impl fmt::Display for RoleArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.principal.contains(":assumed-role/") {
            write!(
                f,
                "role_arn {:?} is not the role of the session {}: role_arn must be the ARN of the role of the session (arn:aws:iam::ACCOUNT:role/PATH/NAME with the session's account and role name)",
                self.role_arn, self.principal
            )
        } else {
            write!(
                f,
                "role_arn {:?} names the role of a session, but the principal {:?} is not a role session (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)",
                self.role_arn, self.principal
            )
        }
    }
}
impl std::error::Error for RoleArnError {}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

impl Principal {
    fn blank(kind: PrincipalKind, account: &str) -> Principal {
        Principal {
            kind,
            arn: String::new(),
            account: account.to_string(),
            unique_id: None,
            userid: None,
            username: None,
            principal_arn: None,
            role_arn: None,
            role_unique_id: None,
            session_name: None,
            federating_user_arn: None,
            federated_provider: None,
            service: None,
            tags: Vec::new(),
            org_id: None,
            org_paths: Vec::new(),
            has_permissions_boundary: false,
            management_account: false,
            unnamed: false,
        }
    }

    /// The root user of `account`.
    pub fn root(account: &str) -> Principal {
        Principal::root_in("aws", account)
    }

    fn root_in(partition: &str, account: &str) -> Principal {
        let mut p = Principal::blank(PrincipalKind::Root, account);
        p.arn = format!("arn:{partition}:iam::{account}:root");
        p.principal_arn = Some(p.arn.clone());
        p.userid = Some(account.to_string());
        p
    }

    /// An IAM user from its ARN (`arn:aws:iam::A:user/path/name`).
    ///
    /// ```
    /// let p = iam_eval::Principal::user("arn:aws:iam::111122223333:user/dev/alice").unwrap();
    /// assert_eq!(p.name(), Some("alice"));
    /// ```
    pub fn user(arn: &str) -> Result<Principal, PrincipalParseError> {
        let err = || PrincipalParseError {
            text: arn.to_string(),
        };
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, _, "iam", _, account, res] = parts.as_slice() else {
            return Err(err());
        };
        let name = res
            .strip_prefix("user/")
            .and_then(|r| r.rsplit('/').next())
            .filter(|n| !n.is_empty());
        let Some(name) = name else { return Err(err()) };
        let mut p = Principal::blank(PrincipalKind::User, account);
        p.arn = arn.to_string();
        p.principal_arn = Some(arn.to_string());
        p.username = Some(name.to_string());
        Ok(p)
    }

    /// The caller of a request that names no principal (spec §5.1, rev 3): an unnamed IAM user
    /// of `account` holding exactly the identity policies given — what AWS's policy simulator
    /// evaluates for `SimulateCustomPolicy` without `CallerArn`
    /// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html>).
    /// It is never the root user: root's full access applies only when the root ARN or the
    /// account id is named.
    ///
    /// It has no ARN, name or unique id, so a resource-based policy's `Principal` names it only
    /// through `"*"` or its account; `NotPrincipal` never exempts it. The only keys derived from
    /// it are `aws:PrincipalAccount` and `aws:PrincipalType` (`User`): `aws:username`,
    /// `aws:userid`, `aws:PrincipalArn` and `aws:PrincipalIsAWSService` are absent (spec §5.1
    /// "no derived keys beyond"), so statements that need them report them as missing context
    /// values, as the simulator does.
    ///
    /// ```
    /// use iam_eval::{Principal, PrincipalKind, Request, Value};
    /// let p = Principal::unnamed_user("111122223333");
    /// assert_eq!(p.kind(), PrincipalKind::User);
    /// assert!(p.is_unnamed());
    /// assert_eq!(p.arn(), "");
    /// assert_eq!(p.name(), None);
    /// let r = Request::new(&p, "s3:GetObject", "arn:aws:s3:::bucket/key");
    /// assert_eq!(r.lookup("aws:PrincipalAccount"), Some(Value::One("111122223333")));
    /// assert_eq!(r.lookup("aws:PrincipalType"), Some(Value::One("User")));
    /// assert_eq!(r.lookup("aws:username"), None);
    /// assert_eq!(r.lookup("aws:userid"), None);
    /// assert_eq!(r.lookup("aws:PrincipalArn"), None);
    /// assert_eq!(r.resource_account(), "111122223333");
    /// ```
    pub fn unnamed_user(account: &str) -> Principal {
        let mut p = Principal::blank(PrincipalKind::User, account);
        p.unnamed = true;
        p
    }

    /// A session of role `role_arn` (with its path) named `session_name`. The session ARN is
    /// `arn:aws:sts::A:assumed-role/R/S` — without the role path (spec §2.3, §10 item 18).
    ///
    /// ```
    /// let p = iam_eval::Principal::role_session("arn:aws:iam::111122223333:role/ops/Deploy", "ci").unwrap();
    /// assert_eq!(p.arn(), "arn:aws:sts::111122223333:assumed-role/Deploy/ci");
    /// assert_eq!(p.role_arn(), Some("arn:aws:iam::111122223333:role/ops/Deploy"));
    /// ```
    pub fn role_session(
        role_arn: &str,
        session_name: &str,
    ) -> Result<Principal, PrincipalParseError> {
        let err = || PrincipalParseError {
            text: role_arn.to_string(),
        };
        let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
        let [_, partition, "iam", _, account, res] = parts.as_slice() else {
            return Err(err());
        };
        let name = res
            .strip_prefix("role/")
            .and_then(|r| r.rsplit('/').next())
            .filter(|n| !n.is_empty());
        let Some(name) = name else { return Err(err()) };
        let mut p = Principal::blank(PrincipalKind::RoleSession, account);
        p.arn = format!("arn:{partition}:sts::{account}:assumed-role/{name}/{session_name}");
        p.principal_arn = Some(role_arn.to_string());
        p.role_arn = Some(role_arn.to_string());
        p.session_name = Some(session_name.to_string());
        Ok(p)
    }

    /// A web-identity or SAML role session: a role session whose credentials came from the
    /// identity provider `provider` (`accounts.google.com`, a SAML/OIDC provider ARN, ...).
    pub fn web_identity_session(
        role_arn: &str,
        session_name: &str,
        provider: &str,
    ) -> Result<Principal, PrincipalParseError> {
        let mut p = Principal::role_session(role_arn, session_name)?;
        p.federated_provider = Some(provider.to_string());
        Ok(p)
    }

    /// A federated user (`GetFederationToken`) named `name`, federated by the IAM user
    /// `federating_user_arn` (if known).
    pub fn federated_user(
        account: &str,
        name: &str,
        federating_user_arn: Option<&str>,
    ) -> Principal {
        let mut p = Principal::blank(PrincipalKind::FederatedUser, account);
        p.arn = format!("arn:aws:sts::{account}:federated-user/{name}");
        p.principal_arn = Some(p.arn.clone());
        p.userid = Some(format!("{account}:{name}"));
        p.federating_user_arn = federating_user_arn.map(str::to_string);
        p.session_name = Some(name.to_string());
        p
    }

    /// An AWS service principal such as `ec2.amazonaws.com`.
    pub fn service(name: &str) -> Principal {
        let mut p = Principal::blank(PrincipalKind::Service, "");
        p.service = Some(name.to_string());
        p
    }

    /// An anonymous (unsigned) caller: `aws:PrincipalAccount` and `aws:userid` are
    /// `anonymous`, `aws:PrincipalArn` is absent (spec §10 item 50).
    pub fn anonymous() -> Principal {
        let mut p = Principal::blank(PrincipalKind::Anonymous, "anonymous");
        p.userid = Some("anonymous".to_string());
        p
    }

    /// Parses a principal: an ARN (user, role, `assumed-role` session, `federated-user`,
    /// root), a 12-digit account id (its root user), a service principal, or `anonymous`.
    /// A role ARN stands for a session of that role named after the role.
    pub fn parse(text: &str) -> Result<Principal, PrincipalParseError> {
        let err = || PrincipalParseError {
            text: text.to_string(),
        };
        if text == "anonymous" {
            return Ok(Principal::anonymous());
        }
        if is_account_id(text) {
            return Ok(Principal::root(text));
        }
        if !text.starts_with("arn:") {
            if text.contains('.') && !text.contains(char::is_whitespace) && !text.contains(':') {
                return Ok(Principal::service(text));
            }
            return Err(err());
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [_, partition, service, _, account, res] = parts.as_slice() else {
            return Err(err());
        };
        match (*service, *res) {
            ("iam", "root") => Ok(Principal::root_in(partition, account)),
            ("iam", r) if r.starts_with("user/") => Principal::user(text),
            ("iam", r) if r.starts_with("role/") => {
                let name = r.rsplit('/').next().unwrap_or_default();
                Principal::role_session(text, name)
            }
            ("sts", r) if r.starts_with("assumed-role/") => {
                let rest = r.strip_prefix("assumed-role/").unwrap_or_default();
                let (role, session) = rest.split_once('/').ok_or_else(err)?;
                if role.is_empty() || session.is_empty() {
                    return Err(err());
                }
                Principal::role_session(
                    &format!("arn:{partition}:iam::{account}:role/{role}"),
                    session,
                )
            }
            ("sts", r) if r.starts_with("federated-user/") => {
                let name = r.strip_prefix("federated-user/").unwrap_or_default();
                if name.is_empty() {
                    return Err(err());
                }
                let mut p = Principal::federated_user(account, name, None);
                p.arn = text.to_string();
                p.principal_arn = Some(text.to_string());
                Ok(p)
            }
            _ => Err(err()),
        }
    }

    /// Gives a role session the full ARN of its role, path included (`arn:aws:iam::A:role/path/R`).
    /// A session ARN (`arn:aws:sts::A:assumed-role/R/S`) does not carry the role's path (spec
    /// §2.3, §10 item 18), yet `aws:PrincipalArn` and a `Principal` naming the role ARN need it.
    /// Fails unless `self` is a session of a role with the same account and name.
    ///
    /// ```
    /// let s = iam_eval::Principal::parse("arn:aws:sts::111122223333:assumed-role/Deploy/ci").unwrap();
    /// let s = s.with_role_arn("arn:aws:iam::111122223333:role/ops/Deploy").unwrap();
    /// assert_eq!(s.role_arn(), Some("arn:aws:iam::111122223333:role/ops/Deploy"));
    /// assert_eq!(s.arn(), "arn:aws:sts::111122223333:assumed-role/Deploy/ci");
    /// let other = iam_eval::Principal::parse("arn:aws:sts::111122223333:assumed-role/Deploy/ci").unwrap();
    /// assert!(other.with_role_arn("arn:aws:iam::111122223333:role/ops/Other").is_err());
    /// ```
    pub fn with_role_arn(self, role_arn: &str) -> Result<Principal, RoleArnError> {
        let err = |p: &Principal| RoleArnError {
            role_arn: role_arn.to_string(),
            principal: p.arn.clone(),
        };
        if self.kind != PrincipalKind::RoleSession {
            return Err(err(&self));
        }
        let Some(session) = self.session_name.as_deref() else {
            return Err(err(&self));
        };
        let Ok(p) = Principal::role_session(role_arn, session) else {
            return Err(err(&self));
        };
        if p.arn != self.arn {
            return Err(err(&self));
        }
        let mut out = self;
        out.principal_arn = p.principal_arn;
        out.role_arn = p.role_arn;
        Ok(out)
    }

    /// Sets the unique id (`AIDA…` for users; `AROA…` of the role for role sessions).
    pub fn with_unique_id(mut self, id: &str) -> Principal {
        match self.kind {
            PrincipalKind::User => {
                self.unique_id = Some(id.to_string());
                self.userid = Some(id.to_string());
            }
            PrincipalKind::RoleSession => {
                self.role_unique_id = Some(id.to_string());
                let session = self.session_name.as_deref().unwrap_or_default();
                self.userid = Some(format!("{id}:{session}"));
            }
            _ => self.unique_id = Some(id.to_string()),
        }
        self
    }
    /// Adds a principal tag (`aws:PrincipalTag/<key>`; keys compare case-insensitively and a
    /// later tag replaces an earlier one with the same key, as session tags override role tags).
    pub fn with_tag(mut self, key: &str, value: &str) -> Principal {
        self.tags.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        self.tags.push((key.to_string(), value.to_string()));
        self
    }
    /// Sets the organization id and OU paths (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`).
    pub fn with_org(mut self, org_id: &str, paths: &[&str]) -> Principal {
        self.org_id = Some(org_id.to_string());
        self.org_paths = paths.iter().map(|s| s.to_string()).collect();
        self
    }
    /// Records that a permissions boundary is attached (relevant to `NotPrincipal` + `Deny`, §5.9).
    pub fn with_permissions_boundary(mut self, has: bool) -> Principal {
        self.has_permissions_boundary = has;
        self
    }
    /// Marks the principal's account as the organization's management account (SCPs do not
    /// apply, §5.10).
    pub fn in_management_account(mut self, yes: bool) -> Principal {
        self.management_account = yes;
        self
    }
    /// Sets the IAM user who called `GetFederationToken` (federated users only).
    pub fn with_federating_user(mut self, user_arn: &str) -> Principal {
        self.federating_user_arn = Some(user_arn.to_string());
        self
    }

    /// The kind of caller.
    pub fn kind(&self) -> PrincipalKind {
        self.kind
    }
    /// The caller's own ARN (empty for anonymous callers and service principals).
    pub fn arn(&self) -> &str {
        &self.arn
    }
    /// The caller's account id (`anonymous` for anonymous callers, empty for services).
    pub fn account(&self) -> &str {
        &self.account
    }
    /// The user name (users) or session name (sessions).
    pub fn name(&self) -> Option<&str> {
        self.username.as_deref().or(self.session_name.as_deref())
    }
    /// The role ARN (with path) of a role session.
    pub fn role_arn(&self) -> Option<&str> {
        self.role_arn.as_deref()
    }
    /// The identity provider of a web-identity / SAML session.
    pub fn federated_provider(&self) -> Option<&str> {
        self.federated_provider.as_deref()
    }
    /// The service principal name.
    pub fn service_name(&self) -> Option<&str> {
        self.service.as_deref()
    }
    /// The federating IAM user of a federated-user session.
    pub fn federating_user_arn(&self) -> Option<&str> {
        self.federating_user_arn.as_deref()
    }
    /// The unique id (user `AIDA…`; role `AROA…` for sessions).
    pub fn unique_id(&self) -> Option<&str> {
        self.unique_id.as_deref().or(self.role_unique_id.as_deref())
    }
    /// True when a permissions boundary is attached.
    pub fn has_permissions_boundary(&self) -> bool {
        self.has_permissions_boundary
    }
    /// True for role and federated-user sessions.
    pub fn is_session(&self) -> bool {
        matches!(
            self.kind,
            PrincipalKind::RoleSession | PrincipalKind::FederatedUser
        )
    }
    /// True for a session of a service-linked role (path `/aws-service-role/`, §5.10).
    pub fn is_service_linked_role(&self) -> bool {
        self.role_arn
            .as_deref()
            .is_some_and(|r| r.contains(":role/aws-service-role/"))
    }
    /// True when the account is the organization's management account.
    pub fn is_management_account(&self) -> bool {
        self.management_account
    }
    /// True for the caller of a request that named no principal ([`Principal::unnamed_user`]).
    pub fn is_unnamed(&self) -> bool {
        self.unnamed
    }

    /// The value of a global key AWS derives from the principal (spec §3.8, §3.9).
    pub(crate) fn derived(&self, key: &str) -> Option<Value<'_>> {
        let k = key.as_bytes();
        let eq = |s: &str| k.eq_ignore_ascii_case(s.as_bytes());
        if let Some(tag) = strip_prefix_ci(key, "aws:PrincipalTag/") {
            return self
                .tags
                .iter()
                .rev()
                .find(|(t, _)| t.eq_ignore_ascii_case(tag))
                .map(|(_, v)| Value::One(v));
        }
        if eq("aws:username") {
            some(&self.username)
        } else if eq("aws:userid") {
            some(&self.userid)
        } else if eq("aws:PrincipalArn") {
            some(&self.principal_arn)
        } else if eq("aws:PrincipalAccount") {
            (!self.account.is_empty()).then_some(Value::One(&self.account))
        } else if eq("aws:PrincipalType") {
            let t = match self.kind {
                PrincipalKind::Root => "Account",
                PrincipalKind::User => "User",
                PrincipalKind::RoleSession => "AssumedRole",
                PrincipalKind::FederatedUser => "FederatedUser",
                PrincipalKind::Anonymous => "Anonymous",
                PrincipalKind::Service => return None,
            };
            Some(Value::One(t))
        } else if eq("aws:PrincipalIsAWSService") {
            match self.kind {
                // Spec §5.1 (rev 3): the unnamed user has no derived keys beyond
                // aws:PrincipalAccount and aws:PrincipalType.
                _ if self.unnamed => None,
                PrincipalKind::Anonymous => None,
                PrincipalKind::Service => Some(Value::One("true")),
                _ => Some(Value::One("false")),
            }
        } else if eq("aws:PrincipalServiceName") {
            some(&self.service)
        } else if eq("aws:PrincipalServiceNamesList") {
            self.service
                .as_ref()
                .map(std::slice::from_ref)
                .map(Value::Owned)
        } else if eq("aws:PrincipalOrgID") {
            some(&self.org_id)
        } else if eq("aws:PrincipalOrgPaths") {
            (self.org_id.is_some()).then_some(Value::Owned(&self.org_paths))
        } else if eq("aws:FederatedProvider") {
            some(&self.federated_provider)
        } else {
            None
        }
    }
}

fn some(s: &Option<String>) -> Option<Value<'_>> {
    s.as_deref().map(Value::One)
}

/// `key` without `prefix` (ASCII case-insensitive), if it starts with it.
pub(crate) fn strip_prefix_ci<'k>(key: &'k str, prefix: &str) -> Option<&'k str> {
    let head = key.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        key.get(prefix.len()..)
    } else {
        None
    }
}

/// A context value: one string or several. Booleans and numbers are written as their text
/// (`"true"`, `"42"`), as on the wire.
///
/// ```
/// use iam_eval::Value;
/// let tags = Value::Many(&["team", "env"]);
/// assert_eq!(tags.len(), 2);
/// assert!(tags.is_multi());
/// assert_eq!(tags.iter().collect::<Vec<_>>(), ["team", "env"]);
/// assert_eq!(Value::One("x").single(), Some("x"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A single value.
    One(&'a str),
    /// Several values (multi-valued keys such as `aws:TagKeys`).
    Many(&'a [&'a str]),
    /// Several owned values.
    Owned(&'a [String]),
}

impl<'a> Value<'a> {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Value::One(_) => 1,
            Value::Many(v) => v.len(),
            Value::Owned(v) => v.len(),
        }
    }
    /// True when the value list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// True for the multi-valued forms.
    pub fn is_multi(&self) -> bool {
        !matches!(self, Value::One(_))
    }
    /// The `i`-th value.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match *self {
            Value::One(s) => (i == 0).then_some(s),
            Value::Many(v) => v.get(i).copied(),
            Value::Owned(v) => v.get(i).map(String::as_str),
        }
    }
    /// Iterates the values.
    pub fn iter(self) -> impl Iterator<Item = &'a str> {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
    /// The single value of a single-valued key.
    pub fn single(&self) -> Option<&'a str> {
        match *self {
            Value::One(s) => Some(s),
            _ => None,
        }
    }
}

/// Condition keys supplied by the caller, looked up case-insensitively (including the tag
/// key of `aws:PrincipalTag/…`, `aws:ResourceTag/…`). Holds [`Context::INLINE`] entries
/// without allocating. Setting a key again replaces its value.
///
/// ```
/// use iam_eval::{Context, Value};
/// let mut c = Context::new();
/// c.insert("aws:SourceIp", "203.0.113.7");
/// c.insert_many("aws:TagKeys", &["team", "env"]);
/// c.insert_bool("aws:MultiFactorAuthPresent", true);
/// assert_eq!(c.get("AWS:SOURCEIP"), Some(Value::One("203.0.113.7")));
/// assert_eq!(c.get("aws:multifactorauthpresent"), Some(Value::One("true")));
/// ```
#[derive(Debug, Clone)]
pub struct Context<'a> {
    inline: [(&'a str, Value<'a>); Context::INLINE],
    len: usize,
    /// Entries beyond [`Context::INLINE`] (a plain `Vec` keeps `Context` covariant).
    spill: Vec<(&'a str, Value<'a>)>,
}

impl Default for Context<'_> {
    fn default() -> Self {
        Context::new()
    }
}

impl<'a> Context<'a> {
    /// Entries held without a heap allocation.
    pub const INLINE: usize = 24;

    /// An empty context.
    pub fn new() -> Context<'a> {
        Context {
            inline: [("", Value::One("")); Context::INLINE],
            len: 0,
            spill: Vec::new(),
        }
    }

    fn entries(&self) -> impl DoubleEndedIterator<Item = &(&'a str, Value<'a>)> {
        self.inline.iter().take(self.len).chain(self.spill.iter())
    }
    /// Sets a key to one value.
    pub fn insert(&mut self, key: &'a str, value: &'a str) -> &mut Self {
        self.set(key, Value::One(value))
    }
    /// Sets a key to several values.
    pub fn insert_many(&mut self, key: &'a str, values: &'a [&'a str]) -> &mut Self {
        self.set(key, Value::Many(values))
    }
    /// Sets a key to a boolean (`"true"` / `"false"`).
    pub fn insert_bool(&mut self, key: &'a str, value: bool) -> &mut Self {
        self.set(key, Value::One(if value { "true" } else { "false" }))
    }
    /// Sets a key to any [`Value`].
    pub fn set(&mut self, key: &'a str, value: Value<'a>) -> &mut Self {
        let existing = self
            .inline
            .iter_mut()
            .take(self.len)
            .chain(self.spill.iter_mut())
            .find(|(k, _)| k.eq_ignore_ascii_case(key));
        if let Some(slot) = existing {
            *slot = (key, value);
        } else if let Some(slot) = self.inline.get_mut(self.len) {
            *slot = (key, value);
            self.len += 1;
        } else {
            self.spill.push((key, value));
        }
        self
    }
    /// Looks a key up, case-insensitively.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.entries()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    }
    /// True when the key was supplied.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// The entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, Value<'a>)> + '_ {
        self.entries().copied()
    }
}

/// A context that owns its strings (for callers that read JSON, Python, ...). Borrow it as a
/// [`Context`] with [`OwnedContext::as_context`].
///
/// ```
/// let mut o = iam_eval::OwnedContext::default();
/// o.insert("aws:TagKeys", vec!["a".to_string(), "b".to_string()]);
/// assert_eq!(o.as_context().get("aws:tagkeys").unwrap().len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedContext {
    entries: Vec<(String, Vec<String>, bool)>,
}

impl OwnedContext {
    /// Sets a multi-valued key.
    pub fn insert(&mut self, key: &str, values: Vec<String>) {
        self.entries
            .retain(|(k, _, _)| !k.eq_ignore_ascii_case(key));
        self.entries.push((key.to_string(), values, true));
    }
    /// Sets a single-valued key.
    pub fn insert_one(&mut self, key: &str, value: &str) {
        self.entries
            .retain(|(k, _, _)| !k.eq_ignore_ascii_case(key));
        self.entries
            .push((key.to_string(), vec![value.to_string()], false));
    }
    /// A borrowing view.
    pub fn as_context(&self) -> Context<'_> {
        let mut c = Context::new();
        for (k, v, multi) in &self.entries {
            match (multi, v.first()) {
                (false, Some(one)) => c.set(k, Value::One(one)),
                _ => c.set(k, Value::Owned(v)),
            };
        }
        c
    }
}

/// One authorization request: a principal, an action, one resource, a context.
///
/// ```
/// use iam_eval::{Context, Principal, Request};
/// let alice = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
/// let ctx = Context::new();
/// let req = Request::new(&alice, "s3:GetObject", "arn:aws:s3:::bucket/key").with_context(&ctx);
/// assert_eq!(req.resource_account(), "111122223333"); // S3 ARNs have no account: the principal's
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The caller.
    pub principal: &'a Principal,
    /// `service:Action`.
    pub action: &'a str,
    /// The resource ARN, or `*` for actions without resources.
    pub resource: &'a str,
    /// The account owning the resource, when the ARN does not say (S3) or to override it.
    pub resource_owner: Option<&'a str>,
    /// True when the resource belongs to the organization's management account (RCPs do not apply).
    pub resource_in_management_account: bool,
    /// Condition keys.
    pub context: Option<&'a Context<'a>>,
    /// Set by the engine when it evaluates with a permissions-boundary layer: the caller then
    /// has a boundary attached, whatever its `Principal` says (spec §5.9).
    pub(crate) boundary_layer: bool,
    /// The account segment of `resource` (empty when it has none or is not an ARN), found once
    /// when the request is built: every decision compares it with the caller's account. It is a
    /// sub-slice of `resource`, so [`Request::resource_account`] can tell when `resource` was
    /// replaced afterwards and then scans the new ARN instead.
    pub(crate) arn_account: &'a str,
}

/// The account segment of an ARN (the fifth `:`-separated segment, `arn:partition:service:region:account:...`)
/// as a sub-slice of `resource`; an empty sub-slice when `resource` does not start with `arn:`
/// or has fewer than six segments. A byte scan of the first segments only (no full split).
#[inline]
fn arn_account_of(resource: &str) -> &str {
    let empty = resource.get(..0).unwrap_or_default();
    let b = resource.as_bytes();
    if !b.starts_with(b"arn:") {
        return empty;
    }
    // Skip the partition, service and region segments: three colons after `arn:`.
    let mut i = 4;
    let mut colons = 0;
    while let Some(&c) = b.get(i) {
        i += 1;
        if c == b':' {
            colons += 1;
            if colons == 3 {
                break;
            }
        }
    }
    if colons < 3 {
        return empty;
    }
    let start = i;
    while let Some(&c) = b.get(i) {
        if c == b':' {
            return resource.get(start..i).unwrap_or(empty);
        }
        i += 1;
    }
    empty
}

impl<'a> Request<'a> {
    /// A request with an empty context.
    pub fn new(principal: &'a Principal, action: &'a str, resource: &'a str) -> Request<'a> {
        Request {
            principal,
            action,
            resource,
            resource_owner: None,
            resource_in_management_account: false,
            context: None,
            boundary_layer: false,
            arn_account: arn_account_of(resource),
        }
    }
    /// Sets the context.
    pub fn with_context(mut self, context: &'a Context<'a>) -> Request<'a> {
        self.context = Some(context);
        self
    }
    /// Sets the resource's owning account.
    pub fn with_resource_account(mut self, account: &'a str) -> Request<'a> {
        self.resource_owner = Some(account);
        self
    }
    /// The account owning the resource: the explicit owner, else the ARN's account segment,
    /// else the principal's account.
    ///
    /// The ARN's account is found when the request is built ([`Request::new`]), not per
    /// decision; if the public `resource` field was replaced since, it is found again.
    #[inline]
    pub fn resource_account(&self) -> &'a str {
        if let Some(a) = self.resource_owner {
            return a;
        }
        let acct = if self.arn_account_is_current() {
            self.arn_account
        } else {
            arn_account_of(self.resource)
        };
        if acct.is_empty() {
            self.principal.account.as_str()
        } else {
            acct
        }
    }
    /// Whether the cached account segment still lies inside `resource` (an address-range
    /// check: a `resource` replaced by another string no longer contains it).
    #[inline]
    fn arn_account_is_current(&self) -> bool {
        let r = self.resource.as_bytes().as_ptr_range();
        let a = self.arn_account.as_bytes().as_ptr_range();
        r.start as usize <= a.start as usize && a.end as usize <= r.end as usize
    }
    /// The same request for another resource (its account segment found again).
    pub(crate) fn for_resource(&self, resource: &'a str) -> Request<'a> {
        Request {
            resource,
            arn_account: arn_account_of(resource),
            ..*self
        }
    }
    /// Looks up a condition key: the caller's context first, then the keys AWS derives from
    /// the principal and the resource (spec §3.8).
    pub fn lookup(&self, key: &str) -> Option<Value<'a>> {
        if let Some(v) = self.context.and_then(|c| c.get(key)) {
            return Some(v);
        }
        if key.eq_ignore_ascii_case("aws:ResourceAccount") {
            return Some(Value::One(self.resource_account()));
        }
        self.principal.derived(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec §3.9 table: aws:username / aws:userid / aws:PrincipalType per principal kind.
    #[test]
    fn derived_keys_per_principal_table() {
        let u = Principal::parse("arn:aws:iam::111122223333:user/dev/alice")
            .unwrap()
            .with_unique_id("AIDAEXAMPLE");
        let r = Request::new(&u, "s3:GetObject", "*");
        assert_eq!(r.lookup("aws:username"), Some(Value::One("alice")));
        assert_eq!(r.lookup("aws:userid"), Some(Value::One("AIDAEXAMPLE")));
        assert_eq!(r.lookup("aws:PrincipalType"), Some(Value::One("User")));
        assert_eq!(
            r.lookup("aws:PrincipalAccount"),
            Some(Value::One("111122223333"))
        );

        let root = Principal::parse("111122223333").unwrap();
        let r = Request::new(&root, "s3:GetObject", "*");
        assert_eq!(r.lookup("aws:username"), None);
        assert_eq!(r.lookup("aws:userid"), Some(Value::One("111122223333")));
        assert_eq!(r.lookup("aws:PrincipalType"), Some(Value::One("Account")));
        assert_eq!(
            r.lookup("aws:PrincipalArn"),
            Some(Value::One("arn:aws:iam::111122223333:root"))
        );

        let s = Principal::role_session("arn:aws:iam::111122223333:role/p/R", "S")
            .unwrap()
            .with_unique_id("AROAX");
        let r = Request::new(&s, "s3:GetObject", "*");
        assert_eq!(r.lookup("aws:username"), None);
        assert_eq!(r.lookup("aws:userid"), Some(Value::One("AROAX:S")));
        assert_eq!(
            r.lookup("aws:PrincipalType"),
            Some(Value::One("AssumedRole"))
        );
        // spec §10 item 18: aws:PrincipalArn of a session is the role ARN with its path.
        assert_eq!(
            r.lookup("aws:PrincipalArn"),
            Some(Value::One("arn:aws:iam::111122223333:role/p/R"))
        );

        let f = Principal::parse("arn:aws:sts::111122223333:federated-user/bob").unwrap();
        let r = Request::new(&f, "s3:GetObject", "*");
        assert_eq!(r.lookup("aws:userid"), Some(Value::One("111122223333:bob")));
        assert_eq!(
            r.lookup("aws:PrincipalType"),
            Some(Value::One("FederatedUser"))
        );

        // spec §10 item 50: anonymous → PrincipalAccount/userid "anonymous", no PrincipalArn.
        let a = Principal::anonymous();
        let r = Request::new(&a, "s3:GetObject", "*");
        assert_eq!(r.lookup("aws:userid"), Some(Value::One("anonymous")));
        assert_eq!(
            r.lookup("aws:PrincipalAccount"),
            Some(Value::One("anonymous"))
        );
        assert_eq!(r.lookup("aws:PrincipalArn"), None);
        assert_eq!(r.lookup("aws:PrincipalType"), Some(Value::One("Anonymous")));
    }

    // spec §3.6: key names and the tag-key part are case-insensitive; caller values win.
    #[test]
    fn tags_case_insensitive_and_caller_overrides() {
        let u = Principal::parse("arn:aws:iam::111122223333:user/alice")
            .unwrap()
            .with_tag("Team", "red");
        let mut c = Context::new();
        let r = Request::new(&u, "s3:GetObject", "*");
        assert_eq!(r.lookup("AWS:principaltag/TEAM"), Some(Value::One("red")));
        c.insert("aws:username", "override");
        let r = r.with_context(&c);
        assert_eq!(r.lookup("aws:username"), Some(Value::One("override")));
    }

    #[test]
    fn resource_account_defaults() {
        let u = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
        assert_eq!(
            Request::new(
                &u,
                "sqs:SendMessage",
                "arn:aws:sqs:us-east-1:444455556666:q"
            )
            .resource_account(),
            "444455556666"
        );
        assert_eq!(
            Request::new(&u, "s3:GetObject", "arn:aws:s3:::b/k").resource_account(),
            "111122223333"
        );
        assert_eq!(
            Request::new(&u, "s3:GetObject", "arn:aws:s3:::b/k")
                .with_resource_account("999999999999")
                .resource_account(),
            "999999999999"
        );
    }

    // The account segment is found once, in `Request::new`; a `resource` replaced afterwards
    // (the field is public) is scanned again, never answered from the old ARN.
    #[test]
    fn resource_account_follows_a_replaced_resource() {
        let u = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
        let mut r = Request::new(
            &u,
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:444455556666:q",
        );
        assert_eq!(r.resource_account(), "444455556666");
        r.resource = "arn:aws:sqs:us-east-1:777788889999:q";
        assert_eq!(r.resource_account(), "777788889999");
        r.resource = "arn:aws:s3:::bucket/key";
        assert_eq!(r.resource_account(), "111122223333");
        assert_eq!(
            r.for_resource("arn:aws:kms:us-east-1:222233334444:key/k")
                .resource_account(),
            "222233334444"
        );
    }

    #[test]
    fn arn_account_segment() {
        for (text, account) in [
            ("arn:aws:sqs:us-east-1:444455556666:q", "444455556666"),
            ("arn:aws:iam::111122223333:role/a:b", "111122223333"),
            ("arn:aws:s3:::bucket/key", ""),
            ("arn:aws:sqs:us-east-1:444455556666", ""), // five segments: not an ARN
            ("ARN:aws:sqs:us-east-1:444455556666:q", ""), // the prefix is case-sensitive
            ("*", ""),
            ("", ""),
            ("arn:", ""),
        ] {
            assert_eq!(arn_account_of(text), account, "{text}");
        }
    }

    #[test]
    fn parse_errors() {
        for bad in [
            "",
            "arn:aws:iam::1:group/x",
            "arn:aws:sts::1:assumed-role/R",
            "hello world",
            "12345",
        ] {
            assert!(Principal::parse(bad).is_err(), "{bad}");
        }
    }
}
