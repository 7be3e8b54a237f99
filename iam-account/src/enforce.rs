//! Authorization of every API call (issue #11 part 2, spec §13): an IAM or STS operation
//! called by an authenticated [`Caller`] becomes one or more authorization requests — the
//! operation's action, the resource ARN built from the call's parameters with the resource
//! types of the Service Authorization Reference (the bundled catalog), the dependent actions
//! (tag-on-create) and the request context AWS builds for it — decided by the same authorizer
//! as [`Account::authorize`] (identity policies, boundary, session policies, resource and trust
//! policies, and the organization's SCPs/RCPs when called through [`Organization`]).
//!
//! A denial is an `AccessDenied` [`IamError`] with AWS's message (troubleshooting
//! access-denied page, spec §13) plus iamkit's [`Explanation`]. [`Enforcement`] says what an
//! account does with a denial: refuse the call (`On`, the default), let it through and record
//! it (`Soft`), or skip authorization (`Off`).
//!
//! Sources: <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html> (tag-on-create).

use super::authorize::Scope;
use super::caller::{Caller, CallerKind};
use super::organization::Organization;
use super::{Account, key};
use iam_eval::{Decision, Explanation, Layer, OwnedContext, Request, Verdict};
use iam_model::Effect;
use iam_model::catalog::Catalog;
use iam_model::entities::{ErrorCode, IamError, Tags};
use serde_json::Value;
use std::fmt;

/// What an account does with a call its caller is not allowed to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Enforcement {
    /// Refuse it with `AccessDenied` (the default: a client without credentials is the root
    /// user, which only SCPs and service rules limit, so existing code keeps working).
    #[default]
    On,
    /// Let it run and record the would-be denial ([`Account::denials`]).
    Soft,
    /// Do not authorize calls (authentication still applies).
    Off,
}

impl Enforcement {
    /// `on`, `soft` or `off`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Enforcement::On => "on",
            Enforcement::Soft => "soft",
            Enforcement::Off => "off",
        }
    }
}

impl std::str::FromStr for Enforcement {
    type Err = IamError;
    /// ```
    /// use iam_account::Enforcement;
    /// assert_eq!("soft".parse::<Enforcement>().unwrap(), Enforcement::Soft);
    /// assert!("maybe".parse::<Enforcement>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, IamError> {
        match s {
            "on" => Ok(Enforcement::On),
            "soft" => Ok(Enforcement::Soft),
            "off" => Ok(Enforcement::Off),
            _ => Err(IamError::invalid_input(format!(
                "enforce must be \"on\", \"soft\" or \"off\", not {s:?}"
            ))),
        }
    }
}

/// One authorization request a call needs: action, resource and request context.
#[derive(Debug, Clone)]
pub struct CallCheck {
    /// `iam:CreateUser`, `iam:TagUser`, …
    pub action: String,
    /// The resource ARN, or `*` for actions without a resource type.
    pub resource: String,
    /// The request context (the principal-derived keys come from the principal itself).
    pub context: OwnedContext,
}

/// A refused (or, with [`Enforcement::Soft`], recorded) call.
#[derive(Debug, Clone)]
pub struct Denial {
    /// `AccessDenied` with AWS's message.
    pub error: IamError,
    /// The operation (`AttachUserPolicy`).
    pub operation: String,
    /// The caller's principal ARN.
    pub principal: String,
    /// The action that was denied.
    pub action: String,
    /// The resource it was denied on.
    pub resource: String,
    /// The evaluator's explanation of the decision.
    pub explanation: Explanation,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error.message)
    }
}

/// Why a call was not allowed to run.
#[derive(Debug, Clone)]
pub enum CallError {
    /// The call could not be understood (unknown operation, missing parameter).
    Invalid(IamError),
    /// The caller is not allowed.
    Denied(Box<Denial>),
}

impl CallError {
    /// The error to answer with (AWS's code and message).
    pub fn error(&self) -> &IamError {
        match self {
            CallError::Invalid(e) => e,
            CallError::Denied(d) => &d.error,
        }
    }
}

impl From<IamError> for CallError {
    fn from(e: IamError) -> CallError {
        CallError::Invalid(e)
    }
}

/// How many soft-mode denials an account keeps (oldest dropped first).
const MAX_DENIALS: usize = 10_000;

/// Operations that authorize nothing: `GetCallerIdentity` needs no permission (STS API
/// reference, GetCallerIdentity: "No permissions are required to perform this operation").
/// `AssumeRole` is authorized by the operation itself — the caller's identity side and the
/// role's trust policy together (spec §5.6) — so it is not checked twice here.
/// `GetSessionToken` needs none either: "No permissions are required for a user to get a
/// session token. [...] You cannot use policies to control authentication operations" (IAM
/// User Guide, "Permissions for GetSessionToken").
/// `AssumeRoleWithWebIdentity` (and `AssumeRoleWithSAML`) are unauthenticated calls decided by
/// the role's trust policy alone (spec §5.6), inside the operation.
fn self_authorized(service: &str, op: &str) -> bool {
    service == "sts"
        && (op.eq_ignore_ascii_case("GetCallerIdentity")
            || op.eq_ignore_ascii_case("AssumeRole")
            || op.eq_ignore_ascii_case("GetSessionToken")
            || op.eq_ignore_ascii_case("AssumeRoleWithWebIdentity")
            || op.eq_ignore_ascii_case("AssumeRoleWithSAML"))
}

fn param<'a>(p: &'a Value, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str)
}

fn tag_pairs(p: &Value) -> Vec<(String, String)> {
    p.get("Tags")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(|t| {
                    Some((
                        t.get("Key")?.as_str()?.to_string(),
                        t.get("Value")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// True for the IAM operations whose `UserName` is optional: without it they act on the
/// calling user (IAM API reference of each, e.g. CreateAccessKey: "If you do not specify a user
/// name, IAM determines the user name implicitly based on the Amazon Web Services access key ID
/// signing the request"). Case-insensitive.
///
/// ```
/// assert!(iam_account::acts_on_calling_user("ListMfaDevices"));
/// assert!(!iam_account::acts_on_calling_user("DeleteUser"));
/// ```
pub fn acts_on_calling_user(op: &str) -> bool {
    implicit_user(op)
}

fn implicit_user(op: &str) -> bool {
    let op = op.to_ascii_lowercase();
    matches!(
        op.as_str(),
        "createaccesskey"
            | "deleteaccesskey"
            | "updateaccesskey"
            | "listaccesskeys"
            | "getuser"
            | "listmfadevices"
            | "deactivatemfadevice"
            | "enablemfadevice"
            | "listsigningcertificates"
            | "uploadsigningcertificate"
            | "updatesigningcertificate"
            | "deletesigningcertificate"
            | "listsshpublickeys"
            | "listservicespecificcredentials"
            | "changepassword"
    )
}

/// The tagging action a create call with `Tags` also needs (IAM User Guide, "Permissions
/// required to tag IAM resources": e.g. creating a user with tags needs `iam:CreateUser` and
/// `iam:TagUser`).
fn tag_on_create(op: &str) -> Option<&'static str> {
    Some(match op {
        "CreateUser" => "iam:TagUser",
        "CreateRole" => "iam:TagRole",
        "CreatePolicy" => "iam:TagPolicy",
        "CreateInstanceProfile" => "iam:TagInstanceProfile",
        "CreateOpenIDConnectProvider" => "iam:TagOpenIDConnectProvider",
        "CreateSAMLProvider" => "iam:TagSAMLProvider",
        "UploadServerCertificate" => "iam:TagServerCertificate",
        "CreateVirtualMFADevice" => "iam:TagMFADevice",
        _ => return None,
    })
}

/// The AWS spelling of `article + policy type` for the denial message.
fn policy_type_name(layer: Layer) -> (&'static str, &'static str) {
    match layer {
        Layer::Identity => ("an", "identity-based policy"),
        Layer::PermissionsBoundary => ("a", "permissions boundary"),
        Layer::Session => ("a", "session policy"),
        Layer::Resource => ("a", "resource-based policy"),
        Layer::Scp(_) => ("a", "service control policy"),
        Layer::Rcp(_) => ("a", "resource control policy"),
        Layer::VpcEndpoint => ("a", "VPC endpoint policy"),
    }
}

/// AWS's denial message (troubleshooting access-denied page; spec §13): explicit deny names
/// the policy type holding the decisive Deny; an implicit deny names the first gate without an
/// Allow, in the order the evaluation logic checks them (SCPs, RCPs, identity/resource,
/// boundary, session).
pub(crate) fn denial_message(
    principal: &str,
    action: &str,
    resource: &str,
    ex: &Explanation,
) -> String {
    let head =
        format!("User: {principal} is not authorized to perform: {action} on resource: {resource}");
    if ex.decision == Decision::ExplicitDeny {
        let layer = ex
            .matched_statements
            .iter()
            .find(|s| s.decisive && s.effect == Effect::Deny)
            .or_else(|| {
                ex.matched_statements
                    .iter()
                    .find(|s| s.effect == Effect::Deny)
            })
            .map_or(Layer::Identity, |s| s.layer);
        let (article, name) = policy_type_name(layer);
        return format!("{head} with an explicit deny in {article} {name}");
    }
    let no_allow = |pred: &dyn Fn(Layer) -> bool| {
        ex.layers
            .iter()
            .find(|l| pred(l.layer) && l.verdict != Verdict::Allow)
            .map(|l| l.layer)
    };
    let layer = no_allow(&|l| matches!(l, Layer::Scp(_)))
        .or_else(|| no_allow(&|l| matches!(l, Layer::Rcp(_))))
        .or_else(|| {
            // Identity or resource: an Allow in either passes this gate (same account).
            let granted = ex.layers.iter().any(|l| {
                matches!(l.layer, Layer::Identity | Layer::Resource) && l.verdict == Verdict::Allow
            });
            (!granted).then_some(Layer::Identity)
        })
        .or_else(|| no_allow(&|l| l == Layer::PermissionsBoundary))
        .or_else(|| no_allow(&|l| l == Layer::Session))
        .unwrap_or(Layer::Identity);
    let (_, name) = policy_type_name(layer);
    format!("{head} because no {name} allows the {action} action")
}

impl Account {
    /// The account's [`Enforcement`].
    pub fn enforcement(&self) -> Enforcement {
        self.enforcement
    }

    /// Sets what the account does with calls their callers may not make.
    pub fn set_enforcement(&mut self, e: Enforcement) {
        self.enforcement = e;
    }

    /// The denials recorded under [`Enforcement::Soft`], oldest first (a copy: calls running
    /// at the same time may add more).
    pub fn denials(&self) -> Vec<Denial> {
        self.denials_lock().clone()
    }

    /// Removes and returns the recorded denials.
    pub fn take_denials(&mut self) -> Vec<Denial> {
        std::mem::take(&mut *self.denials_lock())
    }

    fn denials_lock(&self) -> std::sync::MutexGuard<'_, Vec<Denial>> {
        self.denials
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a denial let through by [`Enforcement::Soft`], dropping the oldest beyond
    /// [`MAX_DENIALS`].
    fn record_denial(&self, d: Denial) {
        let mut denials = self.denials_lock();
        if denials.len() >= MAX_DENIALS {
            denials.remove(0);
        }
        denials.push(d);
    }

    fn user_arn(&self, name: &str, path: Option<&str>) -> String {
        self.users.get(&key(name)).map_or_else(
            || self.arn("user", path.unwrap_or("/"), name),
            |u| u.arn.clone(),
        )
    }

    /// The user (ARN and tags) a call names through a credential: `GetAccessKeyLastUsed` (the
    /// key's owner; the root user for a root key) and `GetMFADevice` (the user the device is
    /// assigned to).
    fn credential_owner(&self, op: &str, p: &Value) -> Option<(String, Option<&Tags>)> {
        let owner = match op {
            "GetAccessKeyLastUsed" => match self.key_owners.get(param(p, "AccessKeyId")?)? {
                Some(u) => u.clone(),
                None => return Some((self.root_arn(), None)),
            },
            "GetMFADevice" => self
                .virtual_mfa_devices
                .get(param(p, "SerialNumber")?)?
                .user
                .clone()?,
            _ => return None,
        };
        let u = self.users.get(&key(&owner))?;
        Some((u.arn.clone(), Some(&u.tags)))
    }

    /// The error of a call naming a credential that does not exist (so no user to authorize
    /// on): an MFA device that is not assigned (`NoSuchEntity`), an unknown access key id
    /// (`AccessDenied`: GetAccessKeyLastUsed models no error of its own; AWS does not say
    /// which common error it answers — UNSPECIFIED — and a key the caller cannot see is denied).
    fn missing_credential(&self, op: &str, p: &Value) -> Option<IamError> {
        match op {
            "GetMFADevice" => Some(IamError::new(
                ErrorCode::NoSuchEntity,
                format!(
                    "MFA Device with serial number {} does not exist.",
                    param(p, "SerialNumber")?
                ),
            )),
            "GetAccessKeyLastUsed" => Some(IamError::new(
                ErrorCode::AccessDenied,
                format!(
                    "The access key {} does not exist in this account or is not visible to the caller.",
                    param(p, "AccessKeyId")?
                ),
            )),
            _ => None,
        }
    }

    /// The resource ARN of `resource_type` named by the call's parameters, and the tags of
    /// that resource when it exists (`aws:ResourceTag/*`, `iam:ResourceTag/*`).
    fn call_resource<'a>(
        &'a self,
        caller: &Caller,
        op: &str,
        resource_type: &str,
        p: &Value,
    ) -> Option<(String, Option<&'a Tags>)> {
        let path = param(p, "Path");
        let id = &self.id;
        Some(match resource_type {
            "user" => match param(p, "UserName") {
                Some(n) => {
                    let u = self.users.get(&key(n));
                    (self.user_arn(n, path), u.map(|u| &u.tags))
                }
                // Operations that name a user through one of its credentials.
                None if let Some(owner) = self.credential_owner(op, p) => owner,
                // Without UserName IAM acts on the calling user (e.g. CreateAccessKey: "If you
                // do not specify a user name, IAM determines the user name implicitly based on
                // the Amazon Web Services access key ID signing the request").
                None if !implicit_user(op) => return None,
                None => match self.calling_user_name(caller) {
                    Some(name) => {
                        let u = self.users.get(&key(&name));
                        (caller.arn.clone(), u.map(|u| &u.tags))
                    }
                    None => (caller.arn.clone(), None),
                },
            },
            "role" => {
                if let Some(svc) = param(p, "AWSServiceName") {
                    let short = svc.strip_suffix(".amazonaws.com").unwrap_or(svc);
                    let name = super::identities::service_linked_role_name(
                        short,
                        param(p, "CustomSuffix"),
                    );
                    let prefix = format!("/aws-service-role/{svc}/");
                    (self.arn("role", &prefix, &name), None)
                } else {
                    let n = param(p, "RoleName")?;
                    match self.roles.get(&key(n)) {
                        Some(r) => (r.arn.clone(), Some(&r.tags)),
                        None => (self.arn("role", path.unwrap_or("/"), n), None),
                    }
                }
            }
            "group" => {
                let n = param(p, "GroupName")?;
                match self.groups.get(&key(n)) {
                    Some(g) => (g.arn.clone(), None),
                    None => (self.arn("group", path.unwrap_or("/"), n), None),
                }
            }
            "policy" => match param(p, "PolicyArn") {
                Some(a) => (a.to_string(), self.policies.get(a).map(|pol| &pol.tags)),
                None => {
                    let n = param(p, "PolicyName")?;
                    (self.arn("policy", path.unwrap_or("/"), n), None)
                }
            },
            "instance-profile" => {
                let n = param(p, "InstanceProfileName")?;
                match self.instance_profiles.get(&key(n)) {
                    Some(ip) => (ip.arn.clone(), Some(&ip.tags)),
                    None => (self.arn("instance-profile", path.unwrap_or("/"), n), None),
                }
            }
            "server-certificate" => {
                let n = param(p, "ServerCertificateName")?;
                match self.server_certificates.get(&key(n)) {
                    Some(c) => (c.arn.clone(), None),
                    None => (self.arn("server-certificate", path.unwrap_or("/"), n), None),
                }
            }
            "oidc-provider" => match param(p, "OpenIDConnectProviderArn") {
                Some(a) => (a.to_string(), None),
                None => {
                    let url = param(p, "Url")?;
                    let host = url.trim_start_matches("https://").trim_end_matches('/');
                    (format!("arn:aws:iam::{id}:oidc-provider/{host}"), None)
                }
            },
            "saml-provider" => match param(p, "SAMLProviderArn") {
                Some(a) => (a.to_string(), None),
                None => (
                    format!("arn:aws:iam::{id}:saml-provider/{}", param(p, "Name")?),
                    None,
                ),
            },
            "mfa" => match param(p, "SerialNumber") {
                Some(serial) if serial.starts_with("arn:") => (
                    serial.to_string(),
                    self.virtual_mfa_devices.get(serial).map(|d| &d.tags),
                ),
                Some(_) => return None,
                // CreateVirtualMFADevice names the device it makes.
                None => (
                    self.arn(
                        "mfa",
                        path.unwrap_or("/"),
                        param(p, "VirtualMFADeviceName")?,
                    ),
                    None,
                ),
            },
            "federated-user" => (
                format!("arn:aws:sts::{id}:federated-user/{}", param(p, "Name")?),
                None,
            ),
            _ => return None,
        })
    }

    /// The authorization requests an operation needs: its action on the resource its
    /// parameters name (the first resource type of the action the parameters identify; `*`
    /// for actions without one), plus dependent actions, each with the request context AWS
    /// builds (spec §13). `operation` is AWS's name (`CreateUser`; case-insensitive).
    ///
    /// ```
    /// use iam_account::Account;
    /// let mut a = Account::new("111122223333").unwrap();
    /// a.create_user("alice", Some("/dev/")).unwrap();
    /// let root = a.root_caller();
    /// let p = serde_json::json!({"UserName": "alice",
    ///     "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"});
    /// let checks = a.call_checks(&root, "iam", "AttachUserPolicy", &p).unwrap();
    /// assert_eq!(checks[0].action, "iam:AttachUserPolicy");
    /// assert_eq!(checks[0].resource, "arn:aws:iam::111122223333:user/dev/alice");
    /// assert_eq!(checks[0].context.as_context().get("iam:PolicyARN").unwrap().single(),
    ///            Some("arn:aws:iam::aws:policy/ReadOnlyAccess"));
    /// ```
    pub fn call_checks(
        &self,
        caller: &Caller,
        service: &str,
        operation: &str,
        params: &Value,
    ) -> Result<Vec<CallCheck>, IamError> {
        if self_authorized(service, operation) {
            return Ok(Vec::new());
        }
        // "Allow users to change their own password" in the account password policy lets every
        // IAM user call ChangePassword without a policy (IAM User Guide, "Permitting IAM users to
        // change their own passwords").
        if service == "iam"
            && operation.eq_ignore_ascii_case("ChangePassword")
            && self.users_may_change_password()
            && self.calling_user_name(caller).is_some()
        {
            return Ok(Vec::new());
        }
        let (svc, action) = Catalog::get()
            .service_action(service, operation)
            .ok_or_else(|| {
                IamError::invalid_input(format!("unknown {service} operation {operation}"))
            })?;
        let action_name = format!("{}:{}", svc.prefix, action.name);
        let mut resource = None;
        // SimulatePrincipalPolicy acts on the principal it simulates (IAM API reference).
        if let Some(arn) = param(params, "PolicySourceArn") {
            resource = Some((arn.to_string(), None));
        }
        // GenerateServiceLastAccessedDetails acts on the entity (user, group, role or policy)
        // its `Arn` names.
        if action.name == "GenerateServiceLastAccessedDetails"
            && let Some(arn) = param(params, "Arn")
        {
            resource = Some((arn.to_string(), None));
        }
        if resource.is_none() {
            resource = action
                .resource_types
                .iter()
                .find_map(|rt| self.call_resource(caller, action.name, rt.name, params));
        }
        if resource.is_none()
            && let Some(e) = self.missing_credential(action.name, params)
        {
            return Err(e);
        }
        if resource.is_none() && action.resource_types.iter().any(|r| r.required) {
            // A required resource the parameters do not name: the call itself fails on the
            // missing parameter; never authorize it on `*`.
            let names: Vec<&str> = action.resource_types.iter().map(|r| r.name).collect();
            return Err(IamError::new(
                ErrorCode::ValidationError,
                format!(
                    "{operation}: the parameters do not name its {} resource",
                    names.join(" / ")
                ),
            ));
        }
        let (resource, resource_tags) = resource.unwrap_or_else(|| ("*".to_string(), None));

        let mut ctx = OwnedContext::default();
        let now = self.clock.now();
        // Global keys present in every authenticated request (global condition keys page).
        ctx.insert_one("aws:CurrentTime", &now.to_string());
        ctx.insert_one("aws:EpochTime", &now.0.to_string());
        // The SDK calls IAM over TLS; IAM is a global service signed for us-east-1 (spec §13).
        ctx.insert_one("aws:SecureTransport", "true");
        ctx.insert_one("aws:RequestedRegion", "us-east-1");
        if caller.is_temporary() {
            // Present for temporary credentials, false without MFA; absent for long-term keys
            // (spec §13, global keys page "aws:MultiFactorAuthPresent").
            match caller.mfa_authenticated_at {
                Some(t) => {
                    ctx.insert_one("aws:MultiFactorAuthPresent", "true");
                    ctx.insert_one("aws:MultiFactorAuthAge", &(now.0 - t.0).max(0).to_string());
                }
                None => ctx.insert_one("aws:MultiFactorAuthPresent", "false"),
            }
            if let Some(t) = caller.token_issue_time {
                ctx.insert_one("aws:TokenIssueTime", &t.to_string());
            }
            // The session's source identity is in every request it makes (global condition
            // keys page, aws:SourceIdentity).
            if let CallerKind::Session { access_key_id } = &caller.kind
                && let Some(si) = self
                    .sessions
                    .get(access_key_id)
                    .and_then(|s| s.source_identity.as_deref())
            {
                ctx.insert_one("aws:SourceIdentity", si);
            }
        }
        if let Some(tags) = resource_tags {
            for t in tags.iter() {
                ctx.insert_one(&format!("aws:ResourceTag/{}", t.key), &t.value);
                ctx.insert_one(&format!("iam:ResourceTag/{}", t.key), &t.value);
            }
        }
        let request_tags = tag_pairs(params);
        let tagging = !request_tags.is_empty();
        for (k, v) in &request_tags {
            ctx.insert_one(&format!("aws:RequestTag/{k}"), v);
        }
        let mut tag_keys: Vec<String> = request_tags.iter().map(|(k, _)| k.clone()).collect();
        if let Some(keys) = params.get("TagKeys").and_then(Value::as_array) {
            tag_keys.extend(keys.iter().filter_map(Value::as_str).map(str::to_string));
        }
        if !tag_keys.is_empty() {
            ctx.insert("aws:TagKeys", tag_keys);
        }
        // IAM's own keys, for the actions the reference lists them for.
        let supports = |k: &str| {
            action
                .condition_keys
                .iter()
                .any(|c| c.eq_ignore_ascii_case(k))
                || action
                    .resource_types
                    .iter()
                    .any(|r| r.condition_keys.iter().any(|c| c.eq_ignore_ascii_case(k)))
        };
        if supports("iam:PolicyARN")
            && let Some(a) = param(params, "PolicyArn")
        {
            ctx.insert_one("iam:PolicyARN", a);
        }
        if supports("iam:PermissionsBoundary") {
            let current = || match (param(params, "UserName"), param(params, "RoleName")) {
                (Some(u), _) => self
                    .users
                    .get(&key(u))
                    .and_then(|u| u.permissions_boundary.clone()),
                (None, Some(r)) => self
                    .roles
                    .get(&key(r))
                    .and_then(|r| r.permissions_boundary.clone()),
                _ => None,
            };
            if let Some(b) = param(params, "PermissionsBoundary")
                .map(str::to_string)
                .or_else(current)
            {
                ctx.insert_one("iam:PermissionsBoundary", &b);
            }
        }
        if supports("iam:AWSServiceName")
            && let Some(s) = param(params, "AWSServiceName")
        {
            ctx.insert_one("iam:AWSServiceName", s);
        }
        let mut checks = vec![CallCheck {
            action: action_name,
            resource: resource.clone(),
            context: ctx.clone(),
        }];
        if tagging && let Some(tag_action) = tag_on_create(action.name) {
            checks.push(CallCheck {
                action: tag_action.to_string(),
                resource,
                context: ctx,
            });
        }
        Ok(checks)
    }

    /// Authorizes a call by `caller` (spec §13) regardless of [`Enforcement`]: every
    /// [`CallCheck`] must be allowed. For an account of an organization (SCPs, RCPs) use
    /// [`Organization::authorize_call`].
    pub fn authorize_call(
        &self,
        caller: &Caller,
        service: &str,
        operation: &str,
        params: &Value,
    ) -> Result<(), CallError> {
        Scope {
            single: Some(self),
            org: None,
        }
        .authorize_call(self, caller, service, operation, params)
    }

    /// Authorizes a call as the account's [`Enforcement`] says: `On` refuses a denied call,
    /// `Soft` records the denial and lets it run, `Off` does not authorize.
    ///
    /// ```
    /// use iam_account::Account;
    /// use iam_model::entities::ErrorCode;
    /// let mut a = Account::new("111122223333").unwrap();
    /// a.create_user("alice", None).unwrap();
    /// let k = a.create_access_key(Some("alice")).unwrap();
    /// let alice = a.authenticate(&k.access_key_id, k.secret_access_key.expose(), None).unwrap();
    /// let e = a.enforce_call(&alice, "iam", "ListUsers", &serde_json::json!({})).unwrap_err();
    /// assert_eq!(e.error().code, ErrorCode::AccessDenied);
    /// assert_eq!(e.error().message, "User: arn:aws:iam::111122223333:user/alice is not \
    ///     authorized to perform: iam:ListUsers on resource: * because no identity-based \
    ///     policy allows the iam:ListUsers action");
    /// ```
    pub fn enforce_call(
        &self,
        caller: &Caller,
        service: &str,
        operation: &str,
        params: &Value,
    ) -> Result<(), CallError> {
        self.before_authorization(caller, service, operation, None)?;
        match self.enforcement {
            Enforcement::Off => Ok(()),
            Enforcement::On => self.authorize_call(caller, service, operation, params),
            Enforcement::Soft => match self.authorize_call(caller, service, operation, params) {
                Err(CallError::Denied(d)) => {
                    self.record_denial(*d);
                    Ok(())
                }
                other => other,
            },
        }
    }

    /// What every call goes through before its authorization, in every [`Enforcement`] mode:
    /// what the credentials themselves cannot do ([`Account::check_credential_scope`]:
    /// GetSessionToken sessions), then the last-used records ([`Account::record_call`]; they
    /// count every attempt, allowed or not — IAM API reference,
    /// GenerateServiceLastAccessedDetails). `region`: the request's Region when the caller
    /// does not carry one.
    fn before_authorization(
        &self,
        caller: &Caller,
        service: &str,
        operation: &str,
        region: Option<&str>,
    ) -> Result<(), CallError> {
        self.check_credential_scope(caller, service, operation)?;
        if caller.region.is_none()
            && let Some(r) = region
        {
            let mut c = caller.clone();
            c.region = Some(r.to_string());
            self.record_call(&c, service, operation);
        } else {
            self.record_call(caller, service, operation);
        }
        Ok(())
    }

    /// [`Account::enforce_call`] for a request that arrived over the network, reporting every
    /// authorization check it made: `request` adds what only a network request has to each
    /// check's context (`aws:SourceIp`, `aws:SecureTransport`, `aws:RequestedRegion`,
    /// `aws:UserAgent`, global condition keys page). With `trace`, each allowed check also
    /// carries the evaluator's explanation (denials always do), and under
    /// [`Enforcement::Off`] the checks are still evaluated (reported as not enforced) so that a
    /// decision log sees what would have been decided.
    pub fn enforce_call_traced(
        &self,
        caller: &Caller,
        service: &str,
        operation: &str,
        params: &Value,
        request: &RequestContext,
        trace: bool,
    ) -> (Result<(), CallError>, Vec<CheckDecision>) {
        if let Err(e) = self.before_authorization(
            caller,
            service,
            operation,
            request.requested_region.as_deref(),
        ) {
            return (Err(e), Vec::new());
        }
        let mode = self.enforcement;
        if mode == Enforcement::Off && !trace {
            return (Ok(()), Vec::new());
        }
        let scope = Scope {
            single: Some(self),
            org: None,
        };
        let (result, mut checks) = scope.authorize_call_traced(
            self,
            caller,
            service,
            operation,
            params,
            request,
            trace,
            mode == Enforcement::On,
        );
        match (mode, result) {
            (Enforcement::On, r) => (r, checks),
            (_, Err(CallError::Denied(d))) => {
                for c in &mut checks {
                    if !c.decision.is_allowed() {
                        c.enforced = false;
                    }
                }
                if mode == Enforcement::Soft {
                    self.record_denial(*d);
                }
                (Ok(()), checks)
            }
            (Enforcement::Off, Err(CallError::Invalid(_))) => (Ok(()), checks),
            (_, r) => (r, checks),
        }
    }
}

/// What a request that arrived over the network adds to the request context of each of its
/// authorization checks (IAM User Guide, "AWS global condition context keys"): the caller's
/// IP address, whether it used TLS, the region it signed for and its user agent. A key left
/// `None` keeps the in-process default (TLS, `us-east-1`, no source IP or user agent).
///
/// ```
/// use iam_account::{Account, RequestContext};
/// let mut a = Account::new("111122223333").unwrap();
/// let root = a.root_caller();
/// let rc = RequestContext { source_ip: Some("127.0.0.1".into()), secure_transport: Some(false),
///     ..RequestContext::default() };
/// let (ok, checks) = a.enforce_call_traced(&root, "iam", "ListUsers", &serde_json::json!({}), &rc, true);
/// assert!(ok.is_ok());
/// assert_eq!(checks[0].action, "iam:ListUsers");
/// assert!(checks[0].decision.is_allowed());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// `aws:SourceIp`: the peer address of the connection.
    pub source_ip: Option<String>,
    /// `aws:SecureTransport`: false for plain HTTP.
    pub secure_transport: Option<bool>,
    /// `aws:RequestedRegion`: the region of the SigV4 credential scope.
    pub requested_region: Option<String>,
    /// `aws:UserAgent`: the `User-Agent` header.
    pub user_agent: Option<String>,
}

impl RequestContext {
    /// Adds the keys this request sets; later keys win over the defaults added before.
    fn apply(&self, ctx: &mut OwnedContext) {
        if let Some(ip) = &self.source_ip {
            ctx.insert_one("aws:SourceIp", ip);
        }
        if let Some(tls) = self.secure_transport {
            ctx.insert_one("aws:SecureTransport", if tls { "true" } else { "false" });
        }
        if let Some(r) = &self.requested_region {
            ctx.insert_one("aws:RequestedRegion", r);
        }
        if let Some(ua) = &self.user_agent {
            ctx.insert_one("aws:UserAgent", ua);
        }
    }
}

/// One authorization check of a call and how it was decided (for a decision log).
#[derive(Debug, Clone)]
pub struct CheckDecision {
    /// `iam:CreateUser`, `iam:TagUser`, …
    pub action: String,
    /// The resource ARN (`*` for actions without a resource type).
    pub resource: String,
    /// The evaluator's decision.
    pub decision: Decision,
    /// False when a denied check was let through ([`Enforcement::Soft`] / `Off`).
    pub enforced: bool,
    /// Why (for denials always; for allowed checks when traced).
    pub explanation: Option<Explanation>,
}

impl Organization {
    /// [`Account::authorize_call`] for a caller of member account `account_id`, with the
    /// organization's SCPs and RCPs.
    pub fn authorize_call(
        &self,
        account_id: &str,
        caller: &Caller,
        service: &str,
        operation: &str,
        params: &Value,
    ) -> Result<(), CallError> {
        let acct = self.account(account_id)?;
        Scope {
            single: None,
            org: Some(self),
        }
        .authorize_call(acct, caller, service, operation, params)
    }
}

impl Scope<'_> {
    fn authorize_call(
        &self,
        acct: &Account,
        caller: &Caller,
        service: &str,
        operation: &str,
        params: &Value,
    ) -> Result<(), CallError> {
        self.authorize_call_traced(
            acct,
            caller,
            service,
            operation,
            params,
            &RequestContext::default(),
            false,
            true,
        )
        .0
    }

    /// Evaluates the call's checks in order; the first denial is the call's error. With
    /// `stop_at_denial` the checks after it are not evaluated (AWS stops there too).
    #[allow(clippy::too_many_arguments)]
    fn authorize_call_traced(
        &self,
        acct: &Account,
        caller: &Caller,
        service: &str,
        operation: &str,
        params: &Value,
        request: &RequestContext,
        trace: bool,
        stop_at_denial: bool,
    ) -> (Result<(), CallError>, Vec<CheckDecision>) {
        let mut checks = match acct.call_checks(caller, service, operation, params) {
            Ok(c) => c,
            Err(e) => return (Err(e.into()), Vec::new()),
        };
        let mut decisions = Vec::with_capacity(checks.len());
        let mut first_denial: Option<CallError> = None;
        for c in &mut checks {
            request.apply(&mut c.context);
            let decided = (|| -> Result<(Decision, Option<Explanation>), IamError> {
                let mut p = self.prepare(&caller.arn, &c.action, &c.resource)?;
                // The session policies of exactly these credentials (several sessions may
                // share an ARN), spec §5.4.
                if let CallerKind::Session { access_key_id } = &caller.kind
                    && let Some(s) = acct.sessions.get(access_key_id)
                {
                    p.layers.session = s
                        .policies
                        .iter()
                        .map(|(n, d)| super::authorize::Named {
                            name: n.clone(),
                            source: super::authorize::Source::Input,
                            policy: d.shared(),
                        })
                        .collect();
                }
                let engine = p.layers.cached_engine()?;
                let ctx = c.context.as_context();
                // AWS managed policies (`arn:aws:iam::aws:policy/…`) are readable and
                // attachable in every account: a call on one is authorized as on a resource of
                // the caller's own account (an identity-based Allow suffices; spec §5.12, IAM
                // User Guide "AWS managed policies").
                let resource_account = if c.resource.starts_with("arn:aws:iam::aws:") {
                    caller.account.as_str()
                } else {
                    p.resource_account.as_str()
                };
                let mut req = Request::new(&p.principal, &c.action, &c.resource)
                    .with_context(&ctx)
                    .with_resource_account(resource_account);
                req.resource_in_management_account = p.resource_in_management;
                let decision = engine.evaluate(&req);
                let explanation = (trace || !decision.is_allowed()).then(|| engine.explain(&req));
                Ok((decision, explanation))
            })();
            let (decision, explanation) = match decided {
                Ok(d) => d,
                Err(e) => return (Err(e.into()), decisions),
            };
            // A denied check always carries its explanation (computed above).
            if let (false, Some(ex), None) = (decision.is_allowed(), &explanation, &first_denial) {
                let ex = ex.clone();
                let message = denial_message(&caller.arn, &c.action, &c.resource, &ex);
                first_denial = Some(CallError::Denied(Box::new(Denial {
                    error: IamError::new(ErrorCode::AccessDenied, message),
                    operation: operation.to_string(),
                    principal: caller.arn.clone(),
                    action: c.action.clone(),
                    resource: c.resource.clone(),
                    explanation: ex,
                })));
            }
            decisions.push(CheckDecision {
                action: c.action.clone(),
                resource: c.resource.clone(),
                decision,
                enforced: true,
                explanation,
            });
            if !decision.is_allowed() && stop_at_denial {
                break;
            }
        }
        (first_denial.map_or(Ok(()), Err), decisions)
    }
}
