//! The request model: who asks ([`Principal`]), for what ([`Request`]), with which condition
//! keys ([`Context`]) — spec §5.1, §3.8, §3.9.
//!
//! A [`Principal`] is built once (it owns its strings: the "prepare" step). A [`Request`] and
//! its [`Context`] only borrow `&str`s, so building and evaluating a request allocates nothing
//! (up to [`Context::INLINE`] context entries).

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

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
/// Building a context is linear in its number of keys: past [`Context::INDEX_AT`] entries it
/// keeps a case-insensitive hash index (keyed with the standard library's randomly seeded
/// hasher, so crafted keys cannot make it quadratic), and lookups stay O(1).
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
    /// Position of every entry by case-insensitive key, once there are more than
    /// [`Context::INDEX_AT`] entries.
    index: Option<HashMap<CaseInsensitive<'a>, usize, FoldState>>,
}

/// A key compared and hashed ASCII-case-insensitively (condition key names are
/// case-insensitive, spec §3.6).
#[derive(Debug, Clone, Copy)]
struct CaseInsensitive<'a>(&'a str);

impl PartialEq for CaseInsensitive<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}
impl Eq for CaseInsensitive<'_> {}

impl Hash for CaseInsensitive<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Eight bytes at a time, each word ASCII-lower-cased in place.
        let bytes = self.0.as_bytes();
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            state.write_u64(ascii_lower8(u64::from_le_bytes(w)));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        if let Some(dst) = w.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        state.write_u64(ascii_lower8(u64::from_le_bytes(w)));
        state.write_usize(bytes.len());
    }
}

/// The eight bytes of `w` with `A`-`Z` turned into `a`-`z` (other bytes unchanged).
fn ascii_lower8(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let seven = w & LOW7;
    // High bit of each byte: seven >= 'A', and seven > 'Z'.
    let ge_a = seven + 0x3f3f_3f3f_3f3f_3f3f;
    let gt_z = seven + 0x2525_2525_2525_2525;
    let upper = ge_a & !gt_z & !w & HIGH;
    w | (upper >> 2)
}

/// The hasher of the context index: a multiply-fold over 64-bit words (fast for short keys),
/// seeded per index from the standard library's random keys so that key sets crafted to
/// collide cannot be prepared in advance.
#[derive(Debug, Clone, Copy)]
struct FoldHasher(u64);

const FOLD_MUL: u64 = 0x9e37_79b9_7f4a_7c15;

fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

impl Hasher for FoldHasher {
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            if let Some(dst) = w.get_mut(..c.len()) {
                dst.copy_from_slice(c);
            }
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u64(&mut self, w: u64) {
        self.0 = fold_mul(self.0 ^ w, FOLD_MUL);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        fold_mul(self.0, FOLD_MUL ^ 0xa076_1d64_78bd_642f)
    }
}

/// A random seed per index (see [`FoldHasher`]).
#[derive(Debug, Clone, Copy)]
struct FoldState(u64);

impl FoldState {
    fn new() -> FoldState {
        use std::hash::BuildHasher;
        FoldState(std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) | 1)
    }
}

impl std::hash::BuildHasher for FoldState {
    type Hasher = FoldHasher;
    fn build_hasher(&self) -> FoldHasher {
        FoldHasher(self.0)
    }
}

impl Default for Context<'_> {
    fn default() -> Self {
        Context::new()
    }
}

impl<'a> Context<'a> {
    /// Entries held without a heap allocation.
    pub const INLINE: usize = 24;
    /// Above this many entries, keys are found through a hash index instead of a scan.
    pub const INDEX_AT: usize = 32;

    /// An empty context.
    pub fn new() -> Context<'a> {
        Context {
            inline: [("", Value::One("")); Context::INLINE],
            len: 0,
            spill: Vec::new(),
            index: None,
        }
    }

    /// An empty context with room for `keys` keys: past [`Context::INLINE`] keys it reserves
    /// its heap parts up front (one allocation each instead of repeated growth).
    pub fn with_capacity(keys: usize) -> Context<'a> {
        let mut c = Context::new();
        c.reserve(keys);
        c
    }

    /// Reserves room for `additional` more keys.
    pub fn reserve(&mut self, additional: usize) {
        let total = self.len() + additional;
        if total > Context::INLINE {
            self.spill
                .reserve(total - Context::INLINE - self.spill.len());
        }
        if total > Context::INDEX_AT {
            match &mut self.index {
                Some(ix) => ix.reserve(additional),
                None => {
                    let mut ix = HashMap::with_capacity_and_hasher(total, FoldState::new());
                    for (i, (k, _)) in self.entries().enumerate() {
                        ix.insert(CaseInsensitive(k), i);
                    }
                    self.index = Some(ix);
                }
            }
        }
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.len + self.spill.len()
    }
    /// True when no key was supplied.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every key (keeps the memory, so a context can be refilled without allocating).
    pub fn clear(&mut self) {
        self.len = 0;
        self.spill.clear();
        if let Some(ix) = &mut self.index {
            ix.clear();
        }
    }

    fn entries(&self) -> impl DoubleEndedIterator<Item = &(&'a str, Value<'a>)> {
        self.inline.iter().take(self.len).chain(self.spill.iter())
    }
    fn entry_mut(&mut self, pos: usize) -> Option<&mut (&'a str, Value<'a>)> {
        if pos < self.len {
            self.inline.get_mut(pos)
        } else {
            self.spill.get_mut(pos - self.len)
        }
    }
    fn entry(&self, pos: usize) -> Option<&(&'a str, Value<'a>)> {
        if pos < self.len {
            self.inline.get(pos)
        } else {
            self.spill.get(pos - self.len)
        }
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
        let pos = self.len();
        let existing = match &mut self.index {
            Some(ix) => match ix.entry(CaseInsensitive(key)) {
                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(pos);
                    None
                }
            },
            None => self
                .entries()
                .position(|(k, _)| k.eq_ignore_ascii_case(key)),
        };
        if let Some(slot) = existing.and_then(|pos| self.entry_mut(pos)) {
            *slot = (key, value);
            return self;
        }
        if let Some(slot) = self
            .inline
            .get_mut(self.len)
            .filter(|_| self.spill.is_empty())
        {
            *slot = (key, value);
            self.len += 1;
        } else {
            self.spill.push((key, value));
        }
        if self.index.is_none() && pos + 1 > Context::INDEX_AT {
            let mut ix = HashMap::with_capacity_and_hasher(2 * (pos + 1), FoldState::new());
            for (i, (k, _)) in self.entries().enumerate() {
                ix.insert(CaseInsensitive(k), i);
            }
            self.index = Some(ix);
        }
        self
    }
    /// Looks a key up, case-insensitively.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        match &self.index {
            Some(ix) => ix
                .get(&CaseInsensitive(key))
                .and_then(|&pos| self.entry(pos))
                .map(|(_, v)| *v),
            None => self
                .entries()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| *v),
        }
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
/// Keys and single values live in one text buffer, so adding a key copies its text once and
/// allocates nothing beyond the buffers' amortized growth (multi-valued keys keep their own
/// list). Adding is O(1); a key set again replaces the earlier value when the context is
/// borrowed (case-insensitively, the later one wins), so building is linear in the keys.
///
/// ```
/// let mut o = iam_eval::OwnedContext::default();
/// o.insert("aws:TagKeys", vec!["a".to_string(), "b".to_string()]);
/// o.insert_one("aws:SourceIp", "10.0.0.1");
/// o.insert_one("AWS:SOURCEIP", "10.0.0.2");
/// let c = o.as_context();
/// assert_eq!(c.get("aws:tagkeys").unwrap().len(), 2);
/// assert_eq!(c.get("aws:sourceip").unwrap().single(), Some("10.0.0.2"));
/// assert_eq!(c.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedContext {
    /// Every key and single value, back to back.
    text: String,
    entries: Vec<OwnedEntry>,
    /// The values of multi-valued keys.
    many: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OwnedEntry {
    /// Byte range of the key in `text`.
    key: (usize, usize),
    value: OwnedValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OwnedValue {
    /// Byte range of the value in `text`.
    One(usize, usize),
    /// Index into `many`.
    Many(usize),
}

impl OwnedContext {
    /// An empty context with room for `keys` keys and `bytes` bytes of text.
    pub fn with_capacity(keys: usize, bytes: usize) -> OwnedContext {
        OwnedContext {
            text: String::with_capacity(bytes),
            entries: Vec::with_capacity(keys),
            many: Vec::new(),
        }
    }
    fn push_text(&mut self, s: &str) -> (usize, usize) {
        let start = self.text.len();
        self.text.push_str(s);
        (start, self.text.len())
    }
    /// Sets a multi-valued key.
    pub fn insert(&mut self, key: &str, values: Vec<String>) {
        let key = self.push_text(key);
        self.many.push(values);
        let value = OwnedValue::Many(self.many.len() - 1);
        self.entries.push(OwnedEntry { key, value });
    }
    /// Sets a single-valued key.
    pub fn insert_one(&mut self, key: &str, value: &str) {
        let key = self.push_text(key);
        let (a, b) = self.push_text(value);
        self.entries.push(OwnedEntry {
            key,
            value: OwnedValue::One(a, b),
        });
    }
    /// The number of keys added (a key added twice counts twice).
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// True when no key was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// A borrowing view (built in time linear in the number of keys).
    pub fn as_context(&self) -> Context<'_> {
        let mut c = Context::with_capacity(self.entries.len());
        for e in &self.entries {
            let text = |(a, b): (usize, usize)| self.text.get(a..b).unwrap_or_default();
            let value = match e.value {
                OwnedValue::One(a, b) => Value::One(text((a, b))),
                OwnedValue::Many(i) => Value::Owned(self.many.get(i).map_or(&[], Vec::as_slice)),
            };
            c.set(text(e.key), value);
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
/// or has fewer than six segments. A scan of the first segments only (no full split).
#[inline]
fn arn_account_of(resource: &str) -> &str {
    let empty = resource.get(..0).unwrap_or_default();
    let b = resource.as_bytes();
    // After `arn:`, the account starts after the third colon and ends at the fourth. The
    // commonest partition, `aws:`, is skipped with one word comparison.
    let aws = b.first_chunk::<8>() == Some(b"arn:aws:");
    if aws && let Some(found) = account_in_next_word(resource) {
        return found;
    }
    if !b.starts_with(b"arn:") {
        return empty;
    }
    let (mut colons, skip) = if aws { (1u32, 8) } else { (0u32, 4) };
    let mut start = 0usize;
    for (i, &c) in b.iter().enumerate().skip(skip) {
        if c == b':' {
            colons += 1;
            if colons == 3 {
                start = i + 1;
            } else if colons == 4 {
                return resource.get(start..i).unwrap_or(empty);
            }
        }
    }
    empty
}

/// [`arn_account_of`] for an ARN starting `arn:aws:` whose service, region and account all
/// end within the next eight bytes (S3's `arn:aws:s3:::`, and any short service with an
/// empty region and account): one word load, its colon bytes found at once (SWAR: a colon
/// byte becomes a set high bit). `None` when the word holds fewer than three colons.
#[inline(always)]
fn account_in_next_word(resource: &str) -> Option<&str> {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const COLONS: u64 = 0x3a3a_3a3a_3a3a_3a3a;
    let word = resource.as_bytes().get(8..)?.first_chunk::<8>()?;
    let y = u64::from_le_bytes(*word) ^ COLONS;
    let service_end = !(((y & LOW7) + LOW7) | y | LOW7);
    // Drop the service's colon, then the region's: the account ends at the next one.
    let region_end = service_end & service_end.wrapping_sub(1);
    let account_end = region_end & region_end.wrapping_sub(1);
    if account_end == 0 {
        return None;
    }
    let start = 8 + (region_end.trailing_zeros() / 8) as usize + 1;
    let end = 8 + (account_end.trailing_zeros() / 8) as usize;
    resource.get(start..end)
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
    #[inline(always)]
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

    // Past Context::INLINE and Context::INDEX_AT: lookups stay case-insensitive, a key set
    // again (in another case) replaces its value, and clear() empties an indexed context.
    #[test]
    fn large_contexts_index_keys_case_insensitively() {
        let keys: Vec<String> = (0..10_000).map(|i| format!("custom:Key{i}")).collect();
        let values: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
        let mut c = Context::new();
        for (k, v) in keys.iter().zip(&values) {
            c.insert(k, v);
        }
        assert_eq!(c.len(), 10_000);
        assert_eq!(c.get("CUSTOM:KEY9999"), Some(Value::One("9999")));
        assert_eq!(c.get("custom:key0"), Some(Value::One("0")));
        assert_eq!(c.get("custom:key10000"), None);
        c.insert("CUSTOM:KEY5", "replaced");
        assert_eq!(c.len(), 10_000);
        assert_eq!(c.get("custom:key5"), Some(Value::One("replaced")));
        assert_eq!(
            c.iter().nth(5),
            Some(("CUSTOM:KEY5", Value::One("replaced")))
        );
        c.clear();
        assert!(c.is_empty());
        assert_eq!(c.get("custom:key5"), None);
        c.insert("aws:SourceIp", "10.0.0.1");
        assert_eq!(c.get("AWS:SOURCEIP"), Some(Value::One("10.0.0.1")));

        let mut r = Context::with_capacity(100);
        r.insert("a", "1").insert("A", "2").insert("b", "3");
        assert_eq!(
            (r.len(), r.get("a"), r.get("B")),
            (2, Some(Value::One("2")), Some(Value::One("3")))
        );
        r.reserve(1000);
        assert_eq!(r.get("A"), Some(Value::One("2")));

        let mut o = OwnedContext::with_capacity(2, 64);
        for (k, v) in keys.iter().zip(&values) {
            o.insert_one(k, v);
        }
        o.insert_one("custom:KEY7", "later");
        o.insert("custom:key8", vec!["a".into(), "b".into()]);
        let view = o.as_context();
        assert_eq!(view.len(), 10_000);
        assert_eq!(view.get("custom:key7"), Some(Value::One("later")));
        assert_eq!(view.get("custom:key8").map(|v| v.len()), Some(2));
        assert_eq!(view.get("custom:key9"), Some(Value::One("9")));
    }

    #[test]
    fn ascii_lower8_lowers_only_ascii_capitals() {
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b, b'Z', b'@', b'[', b, 0xc3, b'A', b]);
            let want = u64::from_le_bytes([
                b.to_ascii_lowercase(),
                b'z',
                b'@',
                b'[',
                b.to_ascii_lowercase(),
                0xc3,
                b'a',
                b.to_ascii_lowercase(),
            ]);
            assert_eq!(ascii_lower8(w), want, "{b:#x}");
        }
        let h = |s: &str| FoldState(7).hash_one(CaseInsensitive(s));
        use std::hash::BuildHasher;
        assert_eq!(h("aws:SourceIp"), h("AWS:SOURCEIP"));
        assert_ne!(h("aws:SourceIp"), h("aws:SourceIq"));
        assert_ne!(h("a"), h("a\0"));
    }

    // The account segment is found once, in `Request::new`; a `resource` replaced afterwards
    // (the field is public) is scanned again, never answered from the old ARN.
    #[test]
    fn arn_account_of_agrees_with_split() {
        let reference = |r: &str| -> String {
            let parts: Vec<&str> = r.splitn(6, ':').collect();
            if r.starts_with("arn:") && parts.len() == 6 {
                parts[4].to_string()
            } else {
                String::new()
            }
        };
        for r in [
            "arn:aws:s3:::b/k",
            "arn:aws:sqs:us-east-1:444455556666:q",
            "arn:aws:iam::123456789012:user/a:b:c",
            "arn:aws:sqs:us-east-1:444455556666",
            "arn:aws:iam::123456789012",
            "arn:",
            "arn",
            "*",
            "",
            "ARN:aws:sqs:r:1:q",
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:1",
            "arn:a:b:c:d:",
            "arn:::::",
            "arn:aws:s3:::",
            "arn:aws:s3::",
            "arn:aws:::::",
            "arn:aws:a:b:c:d",
            "arn:aws:a:b:c",
            "arn:aws:ab:c:1:x",
            "arn:aws:abcdefg:",
            "arn:aws:sns:r:1",
        ] {
            assert_eq!(arn_account_of(r), reference(r), "{r:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn arn_account_of_agrees_with_splitn(s in "(arn:)?[a-z0-9:/*]{0,40}") {
            let parts: Vec<&str> = s.splitn(6, ':').collect();
            let expected = if s.starts_with("arn:") && parts.len() == 6 { parts[4] } else { "" };
            proptest::prop_assert_eq!(arn_account_of(&s), expected);
        }

        // The one-word path (`arn:aws:` then service, region and account within eight bytes)
        // and its fallback, on texts dense in colons.
        #[test]
        fn arn_account_of_agrees_with_splitn_after_arn_aws(tail in "[a-z0-9:]{0,20}") {
            let s = format!("arn:aws:{tail}");
            let parts: Vec<&str> = s.splitn(6, ':').collect();
            let expected = if parts.len() == 6 { parts[4] } else { "" };
            proptest::prop_assert_eq!(arn_account_of(&s), expected);
        }
    }

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
