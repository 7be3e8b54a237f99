//! IAM's and STS's operations as requests and responses: one implementation of each operation,
//! shared by every door into the account (the boto3-shaped Python clients today, the HTTP
//! endpoint of `iam-server`).
//!
//! A request is the operation's input members as JSON (botocore's model names, PascalCase:
//! `{"UserName": "alice"}`); the response is the output shape in the same form, with dates as
//! ISO-8601 text. [`call`] authorizes the call for its authenticated [`Caller`] (as the
//! account's [`Enforcement`](crate::Enforcement) says), runs it and paginates the result
//! (`Marker`/`MaxItems`, as the model's paginators). The operations that only read the account
//! ([`READ_OPERATIONS`]) also run through [`call_read`] on a shared borrow — several at once
//! (the server serves them under a read lock); [`call`] runs them with the same code.
//!
//! ```
//! use iam_account::{Account, operations};
//! use serde_json::json;
//!
//! let mut acct = Account::new("111122223333").unwrap();
//! let root = acct.root_caller();
//! let out = operations::call(&mut acct, "iam", "CreateUser", &json!({"UserName": "alice"}), &root)
//!     .unwrap();
//! assert_eq!(out["User"]["Arn"], "arn:aws:iam::111122223333:user/alice");
//! let err = operations::call(&mut acct, "iam", "GetUser", &json!({"UserName": "bob"}), &root)
//!     .unwrap_err();
//! assert_eq!(err.error().code.as_str(), "NoSuchEntity");
//! ```

use crate::model::ServiceModel;
use crate::paginate::paginate_response;
use crate::{
    Account, AssumeRoleRequest, CallError, Caller, CallerKind, CheckDecision, CreateRoleOptions,
    CreatedServiceSpecificCredential, FederationTokenRequest, RequestContext, acts_on_calling_user,
};
use iam_model::entities::{
    AccessKeyStatus, ErrorCode, Group, IamError, InstanceProfile, ManagedPolicy, PasswordPolicy,
    PolicyVersion, Role, ServerCertificate, ServiceSpecificCredential, SigningCertificate,
    SshPublicKey, Tags, Timestamp, User, aws_managed_policies, aws_managed_policy,
};
use serde_json::{Map, Value, json};

mod mfa_ops;
mod report_ops;

/// boto3's snake_case name of a model operation name (`CreateUser` → `create_user`,
/// `ListMFADevices` → `list_mfa_devices`), as botocore's `xform_name` spells the operations
/// iamkit implements; other names get the same rule applied letter by letter.
pub fn snake_case(operation: &str) -> String {
    // Every call looks its operation up here: an index built once (lower-case name without
    // underscores → boto3's name) instead of rebuilding each candidate's spelling per call.
    static INDEX: std::sync::OnceLock<std::collections::HashMap<String, &'static str>> =
        std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        IAM_OPERATIONS
            .iter()
            .chain(STS_OPERATIONS)
            .rev() // the first listed wins, as a linear search would find it
            .map(|s| (s.replace('_', ""), *s))
            .collect()
    });
    if let Some(s) = index.get(operation.to_ascii_lowercase().as_str()) {
        return (*s).to_string();
    }
    let chars: Vec<char> = operation.chars().collect();
    let mut out = String::with_capacity(operation.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Runs one operation of `service` (`"iam"` or `"sts"`; `operation` in the model's PascalCase
/// spelling, `CreateUser`) for an authenticated `caller`: authorizes it
/// ([`Account::enforce_call`]), fills in the calling user's name where IAM does (operations
/// that act on the caller without `UserName`), runs it and paginates the response.
/// The parameters are expected to have passed [`ServiceModel::validate`] already.
pub fn call(
    a: &mut Account,
    service: &str,
    operation: &str,
    params: &Value,
    caller: &Caller,
) -> Result<Value, CallError> {
    call_with(
        a,
        service,
        operation,
        params,
        caller,
        &RequestContext::default(),
        false,
    )
    .result
}

/// What [`call_with`] did: the response or error, and every authorization check made.
#[derive(Debug)]
pub struct CallOutcome {
    /// The response (output shape as JSON) or the error to answer with.
    pub result: Result<Value, CallError>,
    /// The authorization checks, in order ([`Account::enforce_call_traced`]).
    pub checks: Vec<CheckDecision>,
}

/// [`call`] for a request that arrived over the network: `request` adds its keys to the
/// request context, and the outcome reports each authorization check (with explanations of
/// allowed ones too when `trace`), for a decision log.
///
/// ```
/// use iam_account::{Account, RequestContext, operations};
/// let mut acct = Account::new("111122223333").unwrap();
/// let root = acct.root_caller();
/// let out = operations::call_with(&mut acct, "iam", "CreateUser",
///     &serde_json::json!({"UserName": "alice", "Tags": [{"Key": "team", "Value": "a"}]}),
///     &root, &RequestContext::default(), true);
/// assert!(out.result.is_ok());
/// let actions: Vec<&str> = out.checks.iter().map(|c| c.action.as_str()).collect();
/// assert_eq!(actions, ["iam:CreateUser", "iam:TagUser"]);
/// ```
pub fn call_with(
    a: &mut Account,
    service: &str,
    operation: &str,
    params: &Value,
    caller: &Caller,
    request: &RequestContext,
    trace: bool,
) -> CallOutcome {
    let Some(model) = ServiceModel::get(service) else {
        return CallOutcome {
            result: Err(CallError::Invalid(IamError::invalid_input(format!(
                "unknown service {service:?}"
            )))),
            checks: Vec::new(),
        };
    };
    // STS operations iamkit does not implement answer InvalidAction before anything else.
    if let Err(e) = crate::sts_operations::refuse_unsupported(service, operation) {
        return CallOutcome {
            result: Err(CallError::Invalid(e)),
            checks: Vec::new(),
        };
    }
    let (allowed, checks) =
        a.enforce_call_traced(caller, service, operation, params, request, trace);
    let result = allowed.and_then(|()| run(a, model, service, operation, params, caller));
    CallOutcome { result, checks }
}

/// The operations that only read the account, by service, in the models' spelling: every
/// IAM operation whose name begins with `Get`, `List` or `Simulate` (IAM's naming: the
/// operations that change something are `Create`/`Delete`/`Put`/`Update`/`Attach`/`Tag`/…, and
/// the two report operations that start a job are `Generate…`), and STS's
/// `GetCallerIdentity`, `GetAccessKeyInfo` and `DecodeAuthorizationMessage`. Every other STS
/// operation issues credentials (`GetSessionToken`, `GetFederationToken`, `AssumeRole…` create
/// sessions despite their names) or is one iamkit refuses; a write lock is always correct, so
/// the table lists only what is known to read.
///
/// Their effect on the account is limited to the records every call leaves behind (key last
/// used, service last accessed, soft-mode denials), kept behind a lock of their own: they
/// run through [`call_read`] on a shared borrow, several at once. The table is tested against
/// the bundled IAM and STS models (every model operation is classified, none is missing).
pub const READ_OPERATIONS: &[(&str, &[&str])] = &[
    (
        "iam",
        &[
            "GetAccessKeyLastUsed",
            "GetAccountAuthorizationDetails",
            "GetAccountPasswordPolicy",
            "GetAccountProperties",
            "GetAccountSummary",
            "GetContextKeysForCustomPolicy",
            "GetContextKeysForPrincipalPolicy",
            "GetCredentialReport",
            "GetDelegationRequest",
            "GetGroup",
            "GetGroupPolicy",
            "GetHumanReadableSummary",
            "GetInstanceProfile",
            "GetLoginProfile",
            "GetMFADevice",
            "GetOpenIDConnectProvider",
            "GetOrganizationsAccessReport",
            "GetOutboundWebIdentityFederationInfo",
            "GetPolicy",
            "GetPolicyVersion",
            "GetRole",
            "GetRolePolicy",
            "GetRoleTemplateVersion",
            "GetSAMLProvider",
            "GetSSHPublicKey",
            "GetServerCertificate",
            "GetServiceLastAccessedDetails",
            "GetServiceLastAccessedDetailsWithEntities",
            "GetServiceLinkedRoleDeletionStatus",
            "GetUser",
            "GetUserPolicy",
            "GetWorkloadIdentityProvider",
            "GetWorkloadIdentityProviderDeletionStatus",
            "GetWorkloadIdentityProviderResourcePolicy",
            "GetWorkloadIdentityTemplate",
            "GetWorkloadIdentityTemplateAttestationPolicy",
            "ListAccessKeys",
            "ListAccountAliases",
            "ListAttachedGroupPolicies",
            "ListAttachedRolePolicies",
            "ListAttachedUserPolicies",
            "ListDelegationRequests",
            "ListEntitiesForPolicy",
            "ListGroupPolicies",
            "ListGroups",
            "ListGroupsForUser",
            "ListInstanceProfileTags",
            "ListInstanceProfiles",
            "ListInstanceProfilesForRole",
            "ListMFADeviceTags",
            "ListMFADevices",
            "ListOpenIDConnectProviderTags",
            "ListOpenIDConnectProviders",
            "ListOrganizationsFeatures",
            "ListPolicies",
            "ListPoliciesGrantingServiceAccess",
            "ListPolicyTags",
            "ListPolicyVersions",
            "ListRolePolicies",
            "ListRoleTags",
            "ListRoles",
            "ListSAMLProviderTags",
            "ListSAMLProviders",
            "ListSSHPublicKeys",
            "ListServerCertificateTags",
            "ListServerCertificates",
            "ListServiceSpecificCredentials",
            "ListSigningCertificates",
            "ListUserPolicies",
            "ListUserTags",
            "ListUsers",
            "ListVirtualMFADevices",
            "ListWorkloadIdentityProviderOutboundSigners",
            "ListWorkloadIdentityProviderTags",
            "ListWorkloadIdentityProviders",
            "ListWorkloadIdentityTemplateTags",
            "ListWorkloadIdentityTemplates",
            "SimulateCustomPolicy",
            "SimulatePrincipalPolicy",
        ],
    ),
    (
        "sts",
        &[
            "DecodeAuthorizationMessage",
            "GetAccessKeyInfo",
            "GetCallerIdentity",
        ],
    ),
];

/// True when `operation` of `service` only reads the account ([`READ_OPERATIONS`]): it may
/// run through [`call_read`], and it changes nothing a journal would have to keep.
///
/// ```
/// use iam_account::operations::is_read_operation;
/// assert!(is_read_operation("iam", "GetUser"));
/// assert!(is_read_operation("sts", "GetCallerIdentity"));
/// assert!(!is_read_operation("sts", "GetSessionToken"));
/// assert!(!is_read_operation("iam", "GenerateCredentialReport"));
/// ```
pub fn is_read_operation(service: &str, operation: &str) -> bool {
    READ_OPERATIONS
        .iter()
        .find(|(s, _)| *s == service)
        .is_some_and(|(_, ops)| ops.binary_search(&operation).is_ok())
}

/// [`call_with`] for an operation that only reads the account ([`is_read_operation`]), on a
/// shared borrow: several run at once (the server serves them under a read lock). The records
/// every call leaves — the access key's last use, the service and action last accessed, a
/// soft-mode denial — are still made (they live behind a lock of their own). The response is
/// the one [`call_with`] gives: both run the same code. An operation that changes the account
/// is refused with `InvalidInput` (run it through [`call_with`]).
///
/// ```
/// use iam_account::{Account, RequestContext, operations};
/// let mut acct = Account::new("111122223333").unwrap();
/// let root = acct.root_caller();
/// operations::call(&mut acct, "iam", "CreateUser", &serde_json::json!({"UserName": "alice"}), &root)
///     .unwrap();
/// let shared: &Account = &acct;
/// let out = operations::call_read(shared, "iam", "GetUser",
///     &serde_json::json!({"UserName": "alice"}), &root, &RequestContext::default(), false);
/// assert_eq!(out.result.unwrap()["User"]["UserName"], "alice");
/// let refused = operations::call_read(shared, "iam", "DeleteUser",
///     &serde_json::json!({"UserName": "alice"}), &root, &RequestContext::default(), false);
/// assert_eq!(refused.result.unwrap_err().error().code.as_str(), "InvalidInput");
/// ```
pub fn call_read(
    a: &Account,
    service: &str,
    operation: &str,
    params: &Value,
    caller: &Caller,
    request: &RequestContext,
    trace: bool,
) -> CallOutcome {
    if !is_read_operation(service, operation) {
        return CallOutcome {
            result: Err(CallError::Invalid(IamError::invalid_input(format!(
                "{service}:{operation} changes the account: it cannot run on a shared borrow \
                 (operations::call_with runs it)"
            )))),
            checks: Vec::new(),
        };
    }
    let Some(model) = ServiceModel::get(service) else {
        return CallOutcome {
            result: Err(CallError::Invalid(IamError::invalid_input(format!(
                "unknown service {service:?}"
            )))),
            checks: Vec::new(),
        };
    };
    let (allowed, checks) =
        a.enforce_call_traced(caller, service, operation, params, request, trace);
    let result = allowed.and_then(|()| run_read(a, model, service, operation, params, caller));
    CallOutcome { result, checks }
}

/// The parameters a call runs with: `UserName` filled in with the calling user's name where
/// IAM acts on the calling user without one.
fn with_calling_user(
    a: &Account,
    service: &str,
    operation: &str,
    params: &Value,
    caller: &Caller,
) -> Value {
    let mut p = params.clone();
    if service == "iam"
        && p.get("UserName").is_none()
        && acts_on_calling_user(operation)
        && let Some(name) = a.calling_user_name(caller)
        && let Some(m) = p.as_object_mut()
    {
        m.insert("UserName".to_string(), Value::String(name));
    }
    p
}

/// Runs an authorized call of an operation that only reads the account.
fn run_read(
    a: &Account,
    model: &ServiceModel,
    service: &str,
    operation: &str,
    params: &Value,
    caller: &Caller,
) -> Result<Value, CallError> {
    let p = with_calling_user(a, service, operation, params, caller);
    let snake = snake_case(operation);
    let mut v = match service {
        "iam"
            if operation == "GetUser"
                && p.get("UserName").is_none()
                && matches!(caller.kind, CallerKind::Root) =>
        {
            root_user(a)
        }
        _ if let Some(r) = mfa_ops::read(a, service, &snake, &p) => r?,
        _ if let Some(r) = report_ops::read(a, service, &snake, &p) => r?,
        "iam" => iam_read(a, &snake, &p)?,
        _ => sts_read(a, &snake, &p, caller)?,
    };
    paginate_response(model, operation, &mut v, &p)?;
    Ok(v)
}

/// Runs an authorized call.
fn run(
    a: &mut Account,
    model: &ServiceModel,
    service: &str,
    operation: &str,
    params: &Value,
    caller: &Caller,
) -> Result<Value, CallError> {
    if is_read_operation(service, operation) {
        return run_read(a, model, service, operation, params, caller);
    }
    // Without UserName these operations act on the calling user.
    let p = with_calling_user(a, service, operation, params, caller);
    let snake = snake_case(operation);
    let mut v = match service {
        _ if let Some(r) = mfa_ops::call(a, service, &snake, &p, caller) => r?,
        _ if let Some(r) = report_ops::call(a, service, &snake, &p, caller) => r?,
        "iam" => iam_call(a, &snake, &p)?,
        _ => sts_call(a, &snake, &p, caller)?,
    };
    paginate_response(model, operation, &mut v, &p)?;
    Ok(v)
}

type R = Result<Value, IamError>;

fn missing(name: &str) -> IamError {
    IamError::new(
        ErrorCode::ValidationError,
        format!("Missing required parameter in input: \"{name}\""),
    )
}

fn req<'a>(p: &'a Value, k: &str) -> Result<&'a str, IamError> {
    p.get(k).and_then(Value::as_str).ok_or_else(|| missing(k))
}

fn opt<'a>(p: &'a Value, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str)
}

fn opt_bool(p: &Value, k: &str) -> Option<bool> {
    p.get(k).and_then(Value::as_bool)
}

fn opt_u32(p: &Value, k: &str) -> Result<Option<u32>, IamError> {
    match p.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| IamError::validation(k, &v.to_string(), "Member must be an integer")),
    }
}

fn strings(p: &Value, k: &str) -> Vec<String> {
    p.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn tag_pairs(p: &Value, k: &str) -> Vec<(String, String)> {
    p.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|t| {
                    (
                        t.get("Key")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        t.get("Value")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn date(t: Timestamp) -> Value {
    Value::String(t.to_string())
}

fn tags_json(t: &Tags) -> Value {
    Value::Array(
        t.iter()
            .map(|t| json!({"Key": t.key, "Value": t.value}))
            .collect(),
    )
}

/// A stored document as boto3 gives it: decoded JSON (botocore URL-decodes and parses it).
fn doc_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

fn boundary_json(arn: Option<&String>) -> Option<Value> {
    arn.map(|a| json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": a}))
}

fn user_json(u: &User, full: bool) -> Value {
    let mut m = Map::new();
    m.insert("Path".into(), json!(u.path));
    m.insert("UserName".into(), json!(u.name));
    m.insert("UserId".into(), json!(u.id));
    m.insert("Arn".into(), json!(u.arn));
    m.insert("CreateDate".into(), date(u.create_date));
    if full {
        if let Some(b) = boundary_json(u.permissions_boundary.as_ref()) {
            m.insert("PermissionsBoundary".into(), b);
        }
        if !u.tags.is_empty() {
            m.insert("Tags".into(), tags_json(&u.tags));
        }
    }
    Value::Object(m)
}

fn group_json(g: &Group) -> Value {
    json!({"Path": g.path, "GroupName": g.name, "GroupId": g.id, "Arn": g.arn, "CreateDate": date(g.create_date)})
}

fn role_json(r: &Role, full: bool) -> Value {
    let mut m = Map::new();
    m.insert("Path".into(), json!(r.path));
    m.insert("RoleName".into(), json!(r.name));
    m.insert("RoleId".into(), json!(r.id));
    m.insert("Arn".into(), json!(r.arn));
    m.insert("CreateDate".into(), date(r.create_date));
    m.insert(
        "AssumeRolePolicyDocument".into(),
        doc_json(r.trust_policy.text()),
    );
    if let Some(d) = &r.description {
        m.insert("Description".into(), json!(d));
    }
    m.insert("MaxSessionDuration".into(), json!(r.max_session_duration));
    if let Some(b) = boundary_json(r.permissions_boundary.as_ref()) {
        m.insert("PermissionsBoundary".into(), b);
    }
    if !r.tags.is_empty() {
        m.insert("Tags".into(), tags_json(&r.tags));
    }
    if full {
        m.insert("RoleLastUsed".into(), json!({}));
    }
    Value::Object(m)
}

fn profile_json(a: &Account, ip: &InstanceProfile) -> Value {
    let roles: Vec<Value> = ip
        .roles
        .iter()
        .filter_map(|n| a.get_role(n).ok())
        .map(|r| role_json(r, false))
        .collect();
    let mut v = json!({"Path": ip.path, "InstanceProfileName": ip.name, "InstanceProfileId": ip.id,
        "Arn": ip.arn, "CreateDate": date(ip.create_date), "Roles": roles});
    if !ip.tags.is_empty() {
        v["Tags"] = tags_json(&ip.tags);
    }
    v
}

fn policy_json(p: &ManagedPolicy) -> Value {
    let mut v = json!({"PolicyName": p.name, "PolicyId": p.id, "Arn": p.arn, "Path": p.path,
        "DefaultVersionId": p.default_version_id, "AttachmentCount": p.attachment_count,
        "PermissionsBoundaryUsageCount": p.permissions_boundary_usage_count, "IsAttachable": true,
        "CreateDate": date(p.create_date), "UpdateDate": date(p.update_date)});
    if let Some(d) = &p.description {
        v["Description"] = json!(d);
    }
    if !p.tags.is_empty() {
        v["Tags"] = tags_json(&p.tags);
    }
    v
}

fn version_json(v: &PolicyVersion, default: &str, with_doc: bool) -> Value {
    let mut o = json!({"VersionId": v.version_id, "IsDefaultVersion": v.version_id == default,
        "CreateDate": date(v.create_date)});
    if with_doc {
        o["Document"] = doc_json(v.document.text());
    }
    o
}

/// How many users, groups and roles have `arn` attached (AWS managed policies keep no count).
fn attachments(a: &Account, arn: &str) -> usize {
    let users = a.list_users(None).unwrap_or_default();
    let groups = a.list_groups(None).unwrap_or_default();
    let roles = all_roles(a);
    users
        .iter()
        .filter(|u| u.attached_policies.iter().any(|x| x == arn))
        .count()
        + groups
            .iter()
            .filter(|g| g.attached_policies.iter().any(|x| x == arn))
            .count()
        + roles
            .iter()
            .filter(|r| r.attached_policies.iter().any(|x| x == arn))
            .count()
}

/// Every role, also those with paths that do not start with `/` (seen in imported files).
fn all_roles(a: &Account) -> Vec<&Role> {
    let d = a.list_roles(None).unwrap_or_default();
    if d.len() == a.get_account_summary().get("Roles").copied().unwrap_or(0) as usize {
        return d;
    }
    a.to_authorization_details()
        .role_detail_list
        .iter()
        .filter_map(|r| r.role_name.as_deref().and_then(|n| a.get_role(n).ok()))
        .collect()
}

/// An AWS managed policy as `GetPolicy` returns it (the imported copy first).
fn aws_policy_json(a: &Account, arn: &str) -> Option<Value> {
    if let Some(p) = a.imported_aws_managed_policies().find(|p| p.arn == arn) {
        let mut v = policy_json(p);
        v["AttachmentCount"] = json!(attachments(a, arn));
        return Some(v);
    }
    let m = aws_managed_policy(arn)?;
    let mut v = json!({"PolicyName": m.name, "Arn": m.arn, "Path": m.path,
        "DefaultVersionId": m.default_version_id, "AttachmentCount": attachments(a, arn),
        "PermissionsBoundaryUsageCount": 0, "IsAttachable": !m.deprecated,
        "CreateDate": m.create_date, "UpdateDate": m.update_date});
    // The real PolicyId where the bundled data has it (iam_model::entities::aws_managed_policy_id).
    if let Some(id) = iam_model::entities::aws_managed_policy_id(arn) {
        v["PolicyId"] = json!(id);
    }
    Some(v)
}

fn ok() -> R {
    Ok(json!({}))
}

fn list(key: &str, items: Vec<Value>) -> R {
    let mut m = Map::new();
    m.insert(key.into(), Value::Array(items));
    m.insert("IsTruncated".into(), json!(false));
    Ok(Value::Object(m))
}

fn status_of(p: &Value) -> Result<AccessKeyStatus, IamError> {
    req(p, "Status")?.parse()
}

fn ssh_key_json(user: &str, k: &SshPublicKey, full: bool) -> Value {
    let mut v = json!({"UserName": user, "SSHPublicKeyId": k.id, "Status": k.status.as_str(),
        "UploadDate": date(k.upload_date)});
    if full {
        v["SSHPublicKeyBody"] = json!(k.body);
        v["Fingerprint"] = json!(Account::ssh_public_key_fingerprint(&k.body));
    }
    v
}

fn signing_cert_json(user: &str, c: &SigningCertificate) -> Value {
    json!({"UserName": user, "CertificateId": c.id, "CertificateBody": c.body,
        "Status": c.status.as_str(), "UploadDate": date(c.upload_date)})
}

fn service_cred_json(user: &str, c: &ServiceSpecificCredential) -> Value {
    json!({"UserName": user, "Status": c.status.as_str(), "ServiceUserName": c.service_user_name,
        "CreateDate": date(c.create_date), "ServiceSpecificCredentialId": c.id,
        "ServiceName": c.service_name})
}

/// The one response that carries a service-specific credential's password.
fn created_service_cred_json(c: &CreatedServiceSpecificCredential) -> Value {
    json!({"ServiceSpecificCredential": {"UserName": c.user_name, "Status": c.status.as_str(),
        "ServiceUserName": c.service_user_name, "ServicePassword": c.service_password.expose(),
        "CreateDate": date(c.create_date),
        "ServiceSpecificCredentialId": c.service_specific_credential_id,
        "ServiceName": c.service_name}})
}

fn server_cert_metadata(c: &ServerCertificate) -> Value {
    json!({"Path": c.path, "ServerCertificateName": c.name, "ServerCertificateId": c.id,
        "Arn": c.arn, "UploadDate": date(c.upload_date)})
}

fn password_policy_json(p: &PasswordPolicy) -> Value {
    let mut v = json!({"MinimumPasswordLength": p.minimum_password_length,
        "RequireSymbols": p.require_symbols, "RequireNumbers": p.require_numbers,
        "RequireUppercaseCharacters": p.require_uppercase_characters,
        "RequireLowercaseCharacters": p.require_lowercase_characters,
        "AllowUsersToChangePassword": p.allow_users_to_change_password,
        "ExpirePasswords": p.max_password_age.is_some(), "HardExpiry": p.hard_expiry});
    if let Some(n) = p.max_password_age {
        v["MaxPasswordAge"] = json!(n);
    }
    if let Some(n) = p.password_reuse_prevention {
        v["PasswordReusePrevention"] = json!(n);
    }
    v
}

fn credentials_json(c: &crate::Credentials) -> Value {
    json!({"AccessKeyId": c.access_key_id, "SecretAccessKey": c.secret_access_key.expose(),
        "SessionToken": c.session_token.expose(), "Expiration": date(c.expiration)})
}

/// The `(name, arn)` of an attached policy for `ListAttached*Policies`.
fn attached_json(a: &Account, arns: &[String]) -> Vec<Value> {
    arns.iter()
        .map(|arn| {
            let name = a
                .get_policy(arn)
                .map(|p| p.name.clone())
                .ok()
                .or_else(|| aws_managed_policy(arn).map(|p| p.name.clone()))
                .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or_default().to_string());
            json!({"PolicyName": name, "PolicyArn": arn})
        })
        .collect()
}

/// The operations the clients offer, by service (`iamkit.Account.client(...)`).
pub const IAM_OPERATIONS: &[&str] = &[
    "add_role_to_instance_profile",
    "add_user_to_group",
    "attach_group_policy",
    "attach_role_policy",
    "attach_user_policy",
    "change_password",
    "create_access_key",
    "create_account_alias",
    "create_group",
    "create_instance_profile",
    "create_login_profile",
    "create_open_id_connect_provider",
    "create_policy",
    "create_policy_version",
    "create_role",
    "create_saml_provider",
    "create_service_linked_role",
    "create_service_specific_credential",
    "create_user",
    "create_virtual_mfa_device",
    "deactivate_mfa_device",
    "delete_access_key",
    "delete_account_alias",
    "delete_account_password_policy",
    "delete_group",
    "delete_group_policy",
    "delete_instance_profile",
    "delete_login_profile",
    "delete_open_id_connect_provider",
    "delete_policy",
    "delete_policy_version",
    "delete_role",
    "delete_role_permissions_boundary",
    "delete_role_policy",
    "delete_saml_provider",
    "delete_server_certificate",
    "delete_service_linked_role",
    "delete_service_specific_credential",
    "delete_signing_certificate",
    "delete_ssh_public_key",
    "delete_user",
    "delete_user_permissions_boundary",
    "delete_user_policy",
    "delete_virtual_mfa_device",
    "detach_group_policy",
    "detach_role_policy",
    "detach_user_policy",
    "enable_mfa_device",
    "generate_credential_report",
    "generate_service_last_accessed_details",
    "get_access_key_last_used",
    "get_account_authorization_details",
    "get_account_password_policy",
    "get_account_summary",
    "get_context_keys_for_custom_policy",
    "get_context_keys_for_principal_policy",
    "get_credential_report",
    "get_group",
    "get_group_policy",
    "get_instance_profile",
    "get_login_profile",
    "get_mfa_device",
    "get_open_id_connect_provider",
    "get_policy",
    "get_policy_version",
    "get_role",
    "get_role_policy",
    "get_saml_provider",
    "get_server_certificate",
    "get_service_last_accessed_details",
    "get_service_last_accessed_details_with_entities",
    "get_ssh_public_key",
    "get_user",
    "get_user_policy",
    "list_access_keys",
    "list_account_aliases",
    "list_attached_group_policies",
    "list_attached_role_policies",
    "list_attached_user_policies",
    "list_entities_for_policy",
    "list_group_policies",
    "list_groups",
    "list_groups_for_user",
    "list_instance_profile_tags",
    "list_instance_profiles",
    "list_instance_profiles_for_role",
    "list_mfa_device_tags",
    "list_mfa_devices",
    "list_open_id_connect_providers",
    "list_policies",
    "list_policy_tags",
    "list_policy_versions",
    "list_role_policies",
    "list_role_tags",
    "list_roles",
    "list_saml_providers",
    "list_server_certificates",
    "list_service_specific_credentials",
    "list_signing_certificates",
    "list_ssh_public_keys",
    "list_user_policies",
    "list_user_tags",
    "list_users",
    "list_virtual_mfa_devices",
    "put_group_policy",
    "put_role_permissions_boundary",
    "put_role_policy",
    "put_user_permissions_boundary",
    "put_user_policy",
    "remove_role_from_instance_profile",
    "remove_user_from_group",
    "reset_service_specific_credential",
    "resync_mfa_device",
    "set_default_policy_version",
    "tag_instance_profile",
    "tag_mfa_device",
    "tag_policy",
    "tag_role",
    "tag_user",
    "untag_instance_profile",
    "untag_mfa_device",
    "untag_policy",
    "untag_role",
    "untag_user",
    "update_access_key",
    "update_account_password_policy",
    "update_assume_role_policy",
    "update_group",
    "update_login_profile",
    "update_role",
    "update_role_description",
    "update_service_specific_credential",
    "update_signing_certificate",
    "update_ssh_public_key",
    "update_user",
    "upload_server_certificate",
    "upload_signing_certificate",
    "upload_ssh_public_key",
];

/// The STS operations.
pub const STS_OPERATIONS: &[&str] = &[
    "assume_role",
    "assume_role_with_saml",
    "assume_role_with_web_identity",
    "assume_root",
    "decode_authorization_message",
    "get_access_key_info",
    "get_caller_identity",
    "get_certificate",
    "get_delegated_access_token",
    "get_federation_token",
    "get_scoped_credentials",
    "get_session_token",
    "get_trust_bundles",
    "get_web_identity_token",
    "issue_workload_identity_context",
];

fn iam_call(a: &mut Account, op: &str, p: &Value) -> R {
    match op {
        // ------------------------------------------------------------------ users
        "create_user" => {
            let name = req(p, "UserName")?;
            let tags = tag_pairs(p, "Tags");
            if !tags.is_empty() {
                // Validate before creating (all-or-nothing, as IAM).
                Tags::case_insensitive().tag(&tags, "TagsPerUser")?;
            }
            if let Some(b) = opt(p, "PermissionsBoundary")
                && a.get_policy(b).is_err()
                && aws_managed_policy(b).is_none()
            {
                return Err(IamError::new(
                    ErrorCode::NoSuchEntity,
                    format!("Scope ARN: {b} does not exist or is not attachable."),
                ));
            }
            a.create_user(name, opt(p, "Path"))?;
            if !tags.is_empty() {
                a.tag_user(name, &tags)?;
            }
            if let Some(b) = opt(p, "PermissionsBoundary") {
                a.put_user_permissions_boundary(name, b)?;
            }
            Ok(json!({"User": user_json(a.get_user(name)?, true)}))
        }
        "update_user" => {
            a.update_user(
                req(p, "UserName")?,
                opt(p, "NewUserName"),
                opt(p, "NewPath"),
            )?;
            ok()
        }
        "delete_user" => {
            a.delete_user(req(p, "UserName")?)?;
            ok()
        }
        "tag_user" => {
            a.tag_user(req(p, "UserName")?, &tag_pairs(p, "Tags"))?;
            ok()
        }
        "untag_user" => {
            a.untag_user(req(p, "UserName")?, &strings(p, "TagKeys"))?;
            ok()
        }
        // ------------------------------------------------------------------ groups
        "create_group" => {
            let g = a.create_group(req(p, "GroupName")?, opt(p, "Path"))?;
            Ok(json!({"Group": group_json(g)}))
        }
        "add_user_to_group" => {
            a.add_user_to_group(req(p, "GroupName")?, req(p, "UserName")?)?;
            ok()
        }
        "remove_user_from_group" => {
            a.remove_user_from_group(req(p, "GroupName")?, req(p, "UserName")?)?;
            ok()
        }
        "delete_group" => {
            a.delete_group(req(p, "GroupName")?)?;
            ok()
        }
        // ------------------------------------------------------------------ roles
        "create_role" => {
            let name = req(p, "RoleName")?;
            let opts = CreateRoleOptions {
                path: opt(p, "Path").map(str::to_string),
                description: opt(p, "Description").map(str::to_string),
                max_session_duration: opt_u32(p, "MaxSessionDuration")?,
                permissions_boundary: opt(p, "PermissionsBoundary").map(str::to_string),
                tags: tag_pairs(p, "Tags"),
            };
            let r = a.create_role_with(name, req(p, "AssumeRolePolicyDocument")?, &opts)?;
            Ok(json!({"Role": role_json(r, false)}))
        }
        "update_role" => {
            a.update_role(
                req(p, "RoleName")?,
                opt(p, "Description"),
                opt_u32(p, "MaxSessionDuration")?,
            )?;
            ok()
        }
        "update_assume_role_policy" => {
            a.update_assume_role_policy(req(p, "RoleName")?, req(p, "PolicyDocument")?)?;
            ok()
        }
        "delete_role" => {
            a.delete_role(req(p, "RoleName")?)?;
            ok()
        }
        "tag_role" => {
            a.tag_role(req(p, "RoleName")?, &tag_pairs(p, "Tags"))?;
            ok()
        }
        "untag_role" => {
            a.untag_role(req(p, "RoleName")?, &strings(p, "TagKeys"))?;
            ok()
        }
        "create_service_linked_role" => {
            let r = a.create_service_linked_role(
                req(p, "AWSServiceName")?,
                opt(p, "Description"),
                opt(p, "CustomSuffix"),
            )?;
            Ok(json!({"Role": role_json(r, false)}))
        }
        "delete_service_linked_role" => {
            let name = req(p, "RoleName")?;
            let arn = a.get_role(name)?.arn.clone();
            a.delete_service_linked_role(name)?;
            let path = arn.split(":role").nth(1).unwrap_or_default().to_string();
            Ok(json!({"DeletionTaskId": format!("task{path}/{}", a.id())}))
        }
        // ------------------------------------------------------------------ instance profiles
        "create_instance_profile" => {
            let name = req(p, "InstanceProfileName")?;
            a.create_instance_profile(name, opt(p, "Path"))?;
            let tags = tag_pairs(p, "Tags");
            if !tags.is_empty()
                && let Err(e) = a.tag_instance_profile(name, &tags)
            {
                let _ = a.delete_instance_profile(name);
                return Err(e);
            }
            Ok(json!({"InstanceProfile": profile_json(a, a.get_instance_profile(name)?)}))
        }
        "add_role_to_instance_profile" => {
            a.add_role_to_instance_profile(req(p, "InstanceProfileName")?, req(p, "RoleName")?)?;
            ok()
        }
        "remove_role_from_instance_profile" => {
            a.remove_role_from_instance_profile(
                req(p, "InstanceProfileName")?,
                req(p, "RoleName")?,
            )?;
            ok()
        }
        "delete_instance_profile" => {
            a.delete_instance_profile(req(p, "InstanceProfileName")?)?;
            ok()
        }
        "tag_instance_profile" => {
            a.tag_instance_profile(req(p, "InstanceProfileName")?, &tag_pairs(p, "Tags"))?;
            ok()
        }
        "untag_instance_profile" => {
            a.untag_instance_profile(req(p, "InstanceProfileName")?, &strings(p, "TagKeys"))?;
            ok()
        }
        // ------------------------------------------------------------------ inline policies
        "put_user_policy" => {
            a.put_user_policy(
                req(p, "UserName")?,
                req(p, "PolicyName")?,
                req(p, "PolicyDocument")?,
            )?;
            ok()
        }
        "put_group_policy" => {
            a.put_group_policy(
                req(p, "GroupName")?,
                req(p, "PolicyName")?,
                req(p, "PolicyDocument")?,
            )?;
            ok()
        }
        "put_role_policy" => {
            a.put_role_policy(
                req(p, "RoleName")?,
                req(p, "PolicyName")?,
                req(p, "PolicyDocument")?,
            )?;
            ok()
        }
        "delete_user_policy" => {
            a.delete_user_policy(req(p, "UserName")?, req(p, "PolicyName")?)?;
            ok()
        }
        "delete_group_policy" => {
            a.delete_group_policy(req(p, "GroupName")?, req(p, "PolicyName")?)?;
            ok()
        }
        "delete_role_policy" => {
            a.delete_role_policy(req(p, "RoleName")?, req(p, "PolicyName")?)?;
            ok()
        }
        // ------------------------------------------------------------------ attachments
        "attach_user_policy" => {
            a.attach_user_policy(req(p, "UserName")?, req(p, "PolicyArn")?)?;
            ok()
        }
        "attach_group_policy" => {
            a.attach_group_policy(req(p, "GroupName")?, req(p, "PolicyArn")?)?;
            ok()
        }
        "attach_role_policy" => {
            a.attach_role_policy(req(p, "RoleName")?, req(p, "PolicyArn")?)?;
            ok()
        }
        "detach_user_policy" => {
            a.detach_user_policy(req(p, "UserName")?, req(p, "PolicyArn")?)?;
            ok()
        }
        "detach_group_policy" => {
            a.detach_group_policy(req(p, "GroupName")?, req(p, "PolicyArn")?)?;
            ok()
        }
        "detach_role_policy" => {
            a.detach_role_policy(req(p, "RoleName")?, req(p, "PolicyArn")?)?;
            ok()
        }
        "put_user_permissions_boundary" => {
            a.put_user_permissions_boundary(req(p, "UserName")?, req(p, "PermissionsBoundary")?)?;
            ok()
        }
        "put_role_permissions_boundary" => {
            a.put_role_permissions_boundary(req(p, "RoleName")?, req(p, "PermissionsBoundary")?)?;
            ok()
        }
        "delete_user_permissions_boundary" => {
            a.delete_user_permissions_boundary(req(p, "UserName")?)?;
            ok()
        }
        "delete_role_permissions_boundary" => {
            a.delete_role_permissions_boundary(req(p, "RoleName")?)?;
            ok()
        }
        // ------------------------------------------------------------------ managed policies
        "create_policy" => {
            let tags = tag_pairs(p, "Tags");
            if !tags.is_empty() {
                Tags::case_sensitive().tag(&tags, "TagsPerPolicy")?;
            }
            let arn = a
                .create_policy(
                    req(p, "PolicyName")?,
                    req(p, "PolicyDocument")?,
                    opt(p, "Path"),
                    opt(p, "Description"),
                )?
                .arn
                .clone();
            if !tags.is_empty() {
                a.tag_policy(&arn, &tags)?;
            }
            Ok(json!({"Policy": policy_json(a.get_policy(&arn)?)}))
        }
        "create_policy_version" => {
            let arn = req(p, "PolicyArn")?;
            let set = opt_bool(p, "SetAsDefault").unwrap_or(false);
            let v = a
                .create_policy_version(arn, req(p, "PolicyDocument")?, set)?
                .clone();
            let default = a.get_policy(arn)?.default_version_id.clone();
            Ok(json!({"PolicyVersion": version_json(&v, &default, false)}))
        }
        "set_default_policy_version" => {
            a.set_default_policy_version(req(p, "PolicyArn")?, req(p, "VersionId")?)?;
            ok()
        }
        "delete_policy_version" => {
            a.delete_policy_version(req(p, "PolicyArn")?, req(p, "VersionId")?)?;
            ok()
        }
        "delete_policy" => {
            a.delete_policy(req(p, "PolicyArn")?)?;
            ok()
        }
        "tag_policy" => {
            a.tag_policy(req(p, "PolicyArn")?, &tag_pairs(p, "Tags"))?;
            ok()
        }
        "untag_policy" => {
            a.untag_policy(req(p, "PolicyArn")?, &strings(p, "TagKeys"))?;
            ok()
        }
        // ------------------------------------------------------------------ credentials
        "create_access_key" => {
            let k = a.create_access_key(opt(p, "UserName"))?;
            let mut v = json!({"AccessKeyId": k.access_key_id, "Status": k.status.as_str(),
                "SecretAccessKey": k.secret_access_key.expose(), "CreateDate": date(k.create_date)});
            if let Some(u) = &k.user_name {
                v["UserName"] = json!(u);
            }
            Ok(json!({"AccessKey": v}))
        }
        "update_access_key" => {
            let status: AccessKeyStatus = req(p, "Status")?.parse()?;
            a.update_access_key(opt(p, "UserName"), req(p, "AccessKeyId")?, status)?;
            ok()
        }
        "delete_access_key" => {
            a.delete_access_key(opt(p, "UserName"), req(p, "AccessKeyId")?)?;
            ok()
        }
        "update_account_password_policy" => {
            let d = PasswordPolicy::default();
            let policy = PasswordPolicy {
                minimum_password_length: opt_u32(p, "MinimumPasswordLength")?
                    .unwrap_or(d.minimum_password_length),
                require_symbols: opt_bool(p, "RequireSymbols").unwrap_or(d.require_symbols),
                require_numbers: opt_bool(p, "RequireNumbers").unwrap_or(d.require_numbers),
                require_uppercase_characters: opt_bool(p, "RequireUppercaseCharacters")
                    .unwrap_or(d.require_uppercase_characters),
                require_lowercase_characters: opt_bool(p, "RequireLowercaseCharacters")
                    .unwrap_or(d.require_lowercase_characters),
                allow_users_to_change_password: opt_bool(p, "AllowUsersToChangePassword")
                    .unwrap_or(d.allow_users_to_change_password),
                max_password_age: opt_u32(p, "MaxPasswordAge")?,
                password_reuse_prevention: opt_u32(p, "PasswordReusePrevention")?,
                hard_expiry: opt_bool(p, "HardExpiry").unwrap_or(d.hard_expiry),
            };
            a.update_account_password_policy(policy)?;
            ok()
        }
        "delete_account_password_policy" => {
            a.delete_account_password_policy()?;
            ok()
        }
        "create_login_profile" => {
            let u = req(p, "UserName")?;
            let reset = opt_bool(p, "PasswordResetRequired").unwrap_or(false);
            a.create_login_profile(u, req(p, "Password")?, reset)?;
            let lp = a.get_login_profile(u)?;
            Ok(json!({"LoginProfile": {"UserName": a.get_user(u)?.name,
                "CreateDate": date(lp.create_date), "PasswordResetRequired": lp.password_reset_required}}))
        }
        "update_login_profile" => {
            a.update_login_profile(
                req(p, "UserName")?,
                opt(p, "Password"),
                opt_bool(p, "PasswordResetRequired"),
            )?;
            ok()
        }
        "delete_login_profile" => {
            a.delete_login_profile(req(p, "UserName")?)?;
            ok()
        }
        // ------------------------------------------------------------------ SSH keys, certificates
        "upload_ssh_public_key" => {
            let u = req(p, "UserName")?;
            let k = a
                .upload_ssh_public_key(u, req(p, "SSHPublicKeyBody")?)?
                .clone();
            let name = a.get_user(u)?.name.clone();
            Ok(json!({"SSHPublicKey": ssh_key_json(&name, &k, true)}))
        }
        "update_ssh_public_key" => {
            a.update_ssh_public_key(
                req(p, "UserName")?,
                req(p, "SSHPublicKeyId")?,
                status_of(p)?,
            )?;
            ok()
        }
        "delete_ssh_public_key" => {
            a.delete_ssh_public_key(req(p, "UserName")?, req(p, "SSHPublicKeyId")?)?;
            ok()
        }
        "upload_signing_certificate" => {
            let u = req(p, "UserName")?;
            let c = a
                .upload_signing_certificate(u, req(p, "CertificateBody")?)?
                .clone();
            let name = a.get_user(u)?.name.clone();
            Ok(json!({"Certificate": signing_cert_json(&name, &c)}))
        }
        "update_signing_certificate" => {
            a.update_signing_certificate(
                req(p, "UserName")?,
                req(p, "CertificateId")?,
                status_of(p)?,
            )?;
            ok()
        }
        "delete_signing_certificate" => {
            a.delete_signing_certificate(req(p, "UserName")?, req(p, "CertificateId")?)?;
            ok()
        }
        "create_service_specific_credential" => {
            let c =
                a.create_service_specific_credential(req(p, "UserName")?, req(p, "ServiceName")?)?;
            Ok(created_service_cred_json(&c))
        }
        "reset_service_specific_credential" => {
            let c = a.reset_service_specific_credential(
                req(p, "UserName")?,
                req(p, "ServiceSpecificCredentialId")?,
            )?;
            Ok(created_service_cred_json(&c))
        }
        "update_service_specific_credential" => {
            a.update_service_specific_credential(
                req(p, "UserName")?,
                req(p, "ServiceSpecificCredentialId")?,
                status_of(p)?,
            )?;
            ok()
        }
        "delete_service_specific_credential" => {
            a.delete_service_specific_credential(
                req(p, "UserName")?,
                req(p, "ServiceSpecificCredentialId")?,
            )?;
            ok()
        }
        "upload_server_certificate" => {
            let c = a.upload_server_certificate(
                req(p, "ServerCertificateName")?,
                req(p, "CertificateBody")?,
                req(p, "PrivateKey")?,
            )?;
            Ok(json!({"ServerCertificateMetadata": server_cert_metadata(c)}))
        }
        "delete_server_certificate" => {
            a.delete_server_certificate(req(p, "ServerCertificateName")?)?;
            ok()
        }
        // ------------------------------------------------------------------ identity providers
        "create_saml_provider" => {
            let pr = a.create_saml_provider(req(p, "Name")?, req(p, "SAMLMetadataDocument")?)?;
            Ok(json!({"SAMLProviderArn": pr.arn}))
        }
        "delete_saml_provider" => {
            a.delete_saml_provider(req(p, "SAMLProviderArn")?)?;
            ok()
        }
        "create_open_id_connect_provider" => {
            let pr = a.create_open_id_connect_provider(
                req(p, "Url")?,
                &strings(p, "ClientIDList"),
                &strings(p, "ThumbprintList"),
            )?;
            Ok(json!({"OpenIDConnectProviderArn": pr.arn}))
        }
        "delete_open_id_connect_provider" => {
            a.delete_open_id_connect_provider(req(p, "OpenIDConnectProviderArn")?)?;
            ok()
        }
        // ------------------------------------------------------------------ account
        "create_account_alias" => {
            a.create_account_alias(req(p, "AccountAlias")?)?;
            ok()
        }
        "delete_account_alias" => {
            a.delete_account_alias(req(p, "AccountAlias")?)?;
            ok()
        }
        _ => Err(IamError::invalid_input(format!(
            "unknown IAM operation {op}"
        ))),
    }
}

/// The IAM operations that only read the account ([`is_read_operation`]), on a shared borrow.
fn iam_read(a: &Account, op: &str, p: &Value) -> R {
    match op {
        "get_user" => Ok(json!({"User": user_json(a.get_user(req(p, "UserName")?)?, true)})),
        "list_users" => list(
            "Users",
            a.list_users(opt(p, "PathPrefix"))?
                .into_iter()
                .map(|u| user_json(u, false))
                .collect(),
        ),
        "list_user_tags" => {
            let u = a.get_user(req(p, "UserName")?)?;
            Ok(json!({"Tags": tags_json(&u.tags), "IsTruncated": false}))
        }
        "get_group" => {
            let g = a.get_group(req(p, "GroupName")?)?;
            let users: Vec<Value> = g
                .users
                .iter()
                .filter_map(|n| a.get_user(n).ok())
                .map(|u| user_json(u, false))
                .collect();
            Ok(json!({"Group": group_json(g), "Users": users, "IsTruncated": false}))
        }
        "list_groups" => list(
            "Groups",
            a.list_groups(opt(p, "PathPrefix"))?
                .into_iter()
                .map(group_json)
                .collect(),
        ),
        "list_groups_for_user" => list(
            "Groups",
            a.list_groups_for_user(req(p, "UserName")?)?
                .into_iter()
                .map(group_json)
                .collect(),
        ),
        "get_role" => Ok(json!({"Role": role_json(a.get_role(req(p, "RoleName")?)?, true)})),
        "list_roles" => {
            let roles = match opt(p, "PathPrefix") {
                Some(pp) => a.list_roles(Some(pp))?,
                None => all_roles(a),
            };
            // "This operation does not return the following attributes, even though they are an
            // attribute of the returned object: PermissionsBoundary, RoleLastUsed, Tags"
            // (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html).
            list(
                "Roles",
                roles
                    .into_iter()
                    .map(|r| {
                        let mut v = role_json(r, false);
                        if let Some(m) = v.as_object_mut() {
                            m.remove("PermissionsBoundary");
                            m.remove("Tags");
                        }
                        v
                    })
                    .collect(),
            )
        }
        "list_role_tags" => {
            let r = a.get_role(req(p, "RoleName")?)?;
            Ok(json!({"Tags": tags_json(&r.tags), "IsTruncated": false}))
        }
        "get_instance_profile" => {
            let ip = a.get_instance_profile(req(p, "InstanceProfileName")?)?;
            Ok(json!({"InstanceProfile": profile_json(a, ip)}))
        }
        "list_instance_profiles" => list(
            "InstanceProfiles",
            a.list_instance_profiles(opt(p, "PathPrefix"))?
                .into_iter()
                .map(|ip| profile_json(a, ip))
                .collect(),
        ),
        "list_instance_profiles_for_role" => list(
            "InstanceProfiles",
            a.list_instance_profiles_for_role(req(p, "RoleName")?)?
                .into_iter()
                .map(|ip| profile_json(a, ip))
                .collect(),
        ),
        "list_instance_profile_tags" => {
            let ip = a.get_instance_profile(req(p, "InstanceProfileName")?)?;
            Ok(json!({"Tags": tags_json(&ip.tags), "IsTruncated": false}))
        }
        "get_user_policy" => {
            let (u, n) = (req(p, "UserName")?, req(p, "PolicyName")?);
            let ip = a.get_user_policy(u, n)?;
            Ok(
                json!({"UserName": a.get_user(u)?.name, "PolicyName": ip.name,
                "PolicyDocument": doc_json(ip.document.text())}),
            )
        }
        "get_group_policy" => {
            let (g, n) = (req(p, "GroupName")?, req(p, "PolicyName")?);
            let ip = a.get_group_policy(g, n)?;
            Ok(
                json!({"GroupName": a.get_group(g)?.name, "PolicyName": ip.name,
                "PolicyDocument": doc_json(ip.document.text())}),
            )
        }
        "get_role_policy" => {
            let (r, n) = (req(p, "RoleName")?, req(p, "PolicyName")?);
            let ip = a.get_role_policy(r, n)?;
            Ok(
                json!({"RoleName": a.get_role(r)?.name, "PolicyName": ip.name,
                "PolicyDocument": doc_json(ip.document.text())}),
            )
        }
        "list_user_policies" => {
            let u = a.get_user(req(p, "UserName")?)?;
            list(
                "PolicyNames",
                u.inline_policies.iter().map(|x| json!(x.name)).collect(),
            )
        }
        "list_group_policies" => {
            let g = a.get_group(req(p, "GroupName")?)?;
            list(
                "PolicyNames",
                g.inline_policies.iter().map(|x| json!(x.name)).collect(),
            )
        }
        "list_role_policies" => {
            let r = a.get_role(req(p, "RoleName")?)?;
            list(
                "PolicyNames",
                r.inline_policies.iter().map(|x| json!(x.name)).collect(),
            )
        }
        "list_attached_user_policies" => {
            let u = a.get_user(req(p, "UserName")?)?;
            list("AttachedPolicies", attached_json(a, &u.attached_policies))
        }
        "list_attached_group_policies" => {
            let g = a.get_group(req(p, "GroupName")?)?;
            list("AttachedPolicies", attached_json(a, &g.attached_policies))
        }
        "list_attached_role_policies" => {
            let r = a.get_role(req(p, "RoleName")?)?;
            list("AttachedPolicies", attached_json(a, &r.attached_policies))
        }
        "get_policy" => {
            let arn = req(p, "PolicyArn")?;
            match a.get_policy(arn) {
                Ok(m) => Ok(json!({"Policy": policy_json(m)})),
                Err(e) => aws_policy_json(a, arn)
                    .map(|v| json!({"Policy": v}))
                    .ok_or(e),
            }
        }
        "list_policies" => {
            let scope = opt(p, "Scope").unwrap_or("All");
            let only_attached = opt_bool(p, "OnlyAttached").unwrap_or(false);
            let prefix = opt(p, "PathPrefix");
            let mut out = Vec::new();
            if scope == "All" || scope == "AWS" {
                let pp = prefix.unwrap_or("/");
                for m in aws_managed_policies()
                    .iter()
                    .filter(|m| !m.deprecated && m.path.starts_with(pp))
                {
                    if let Some(v) = aws_policy_json(a, &m.arn)
                        && (!only_attached || v["AttachmentCount"].as_u64().unwrap_or(0) > 0)
                    {
                        out.push(v);
                    }
                }
            }
            if scope == "All" || scope == "Local" {
                for m in a.list_policies(prefix)? {
                    if !only_attached || m.attachment_count > 0 {
                        out.push(policy_json(m));
                    }
                }
            }
            // ListPolicies returns neither Description nor Tags ("IAM resource-listing
            // operations return a subset of the available attributes ... PermissionsBoundary,
            // Tags", API_ListPolicies.html; the Description is returned by GetPolicy only).
            for v in &mut out {
                if let Some(m) = v.as_object_mut() {
                    m.remove("Description");
                    m.remove("Tags");
                }
            }
            list("Policies", out)
        }
        "get_policy_version" => {
            let arn = req(p, "PolicyArn")?;
            let vid = req(p, "VersionId")?;
            match a.get_policy(arn) {
                Ok(m) => {
                    let v = a.get_policy_version(arn, vid)?;
                    Ok(json!({"PolicyVersion": version_json(v, &m.default_version_id, true)}))
                }
                Err(e) => {
                    if let Some(m) = a.imported_aws_managed_policies().find(|m| m.arn == arn)
                        && let Some(v) = m.version(vid)
                    {
                        return Ok(
                            json!({"PolicyVersion": version_json(v, &m.default_version_id, true)}),
                        );
                    }
                    // The bundled data holds the default version only (its CreateDate is the
                    // policy's UpdateDate: the newest version is the default). Other versions
                    // of an AWS managed policy are answered as missing, with IAM's message for
                    // a missing version.
                    match aws_managed_policy(arn) {
                        Some(m) if m.default_version_id == vid => Ok(json!({"PolicyVersion": {
                            "Document": doc_json(m.document), "VersionId": vid,
                            "IsDefaultVersion": true, "CreateDate": m.update_date}})),
                        Some(_) => Err(IamError::new(
                            ErrorCode::NoSuchEntity,
                            format!("Policy {arn} version {vid} does not exist."),
                        )),
                        None => Err(e),
                    }
                }
            }
        }
        "list_policy_versions" => {
            let m = a.get_policy(req(p, "PolicyArn")?)?;
            list(
                "Versions",
                m.versions
                    .iter()
                    .rev()
                    .map(|v| version_json(v, &m.default_version_id, false))
                    .collect(),
            )
        }
        "list_policy_tags" => {
            let m = a.get_policy(req(p, "PolicyArn")?)?;
            Ok(json!({"Tags": tags_json(&m.tags), "IsTruncated": false}))
        }
        "list_entities_for_policy" => {
            let arn = req(p, "PolicyArn")?;
            if a.get_policy(arn).is_err() && aws_policy_json(a, arn).is_none() {
                return Err(IamError::new(
                    ErrorCode::NoSuchEntity,
                    format!("Policy {arn} was not found."),
                ));
            }
            // EntityFilter (User | Role | Group; the policy kinds match nothing here),
            // PathPrefix and PolicyUsageFilter (PermissionsPolicy: attached; PermissionsBoundary:
            // set as the boundary; absent: both), API_ListEntitiesForPolicy.html.
            let entity = opt(p, "EntityFilter");
            let want = |kind: &str| entity.is_none() || entity == Some(kind);
            let prefix = opt(p, "PathPrefix").unwrap_or("/");
            let usage = opt(p, "PolicyUsageFilter");
            let uses = |attached: &[String], boundary: Option<&String>| {
                let as_policy = attached.iter().any(|x| x == arn);
                let as_boundary = boundary.is_some_and(|b| b == arn);
                match usage {
                    Some("PermissionsPolicy") => as_policy,
                    Some("PermissionsBoundary") => as_boundary,
                    _ => as_policy || as_boundary,
                }
            };
            let users: Vec<Value> = if want("User") {
                a.list_users(Some(prefix))?
                    .into_iter()
                    .filter(|u| uses(&u.attached_policies, u.permissions_boundary.as_ref()))
                    .map(|u| json!({"UserName": u.name, "UserId": u.id}))
                    .collect()
            } else {
                Vec::new()
            };
            let groups: Vec<Value> = if want("Group") && usage != Some("PermissionsBoundary") {
                a.list_groups(Some(prefix))?
                    .into_iter()
                    .filter(|g| uses(&g.attached_policies, None))
                    .map(|g| json!({"GroupName": g.name, "GroupId": g.id}))
                    .collect()
            } else {
                Vec::new()
            };
            let roles: Vec<Value> = if want("Role") {
                all_roles(a)
                    .into_iter()
                    .filter(|r| r.path.starts_with(prefix))
                    .filter(|r| uses(&r.attached_policies, r.permissions_boundary.as_ref()))
                    .map(|r| json!({"RoleName": r.name, "RoleId": r.id}))
                    .collect()
            } else {
                Vec::new()
            };
            Ok(
                json!({"PolicyGroups": groups, "PolicyUsers": users, "PolicyRoles": roles, "IsTruncated": false}),
            )
        }
        "list_access_keys" => {
            let user = opt(p, "UserName");
            let keys: Vec<Value> = a
                .list_access_keys(user)?
                .into_iter()
                .map(|k| {
                    let mut v = json!({"AccessKeyId": k.id, "Status": k.status.as_str(),
                        "CreateDate": date(k.create_date)});
                    if let Some(u) = user {
                        v["UserName"] = json!(u);
                    }
                    v
                })
                .collect();
            list("AccessKeyMetadata", keys)
        }
        "get_account_password_policy" => {
            Ok(json!({"PasswordPolicy": password_policy_json(a.get_account_password_policy()?)}))
        }
        "get_login_profile" => {
            let u = req(p, "UserName")?;
            let lp = a.get_login_profile(u)?;
            Ok(json!({"LoginProfile": {"UserName": a.get_user(u)?.name,
                "CreateDate": date(lp.create_date), "PasswordResetRequired": lp.password_reset_required}}))
        }
        "get_ssh_public_key" => {
            let u = a.get_user(req(p, "UserName")?)?;
            let k = a.get_ssh_public_key(&u.name, req(p, "SSHPublicKeyId")?)?;
            Ok(json!({"SSHPublicKey": ssh_key_json(&u.name, k, true)}))
        }
        "list_ssh_public_keys" => {
            let u = a.get_user(req(p, "UserName")?)?;
            list(
                "SSHPublicKeys",
                u.ssh_public_keys
                    .iter()
                    .map(|k| ssh_key_json(&u.name, k, false))
                    .collect(),
            )
        }
        "list_signing_certificates" => {
            let u = a.get_user(req(p, "UserName")?)?;
            list(
                "Certificates",
                u.signing_certificates
                    .iter()
                    .map(|c| signing_cert_json(&u.name, c))
                    .collect(),
            )
        }
        "list_service_specific_credentials" => {
            let u = a.get_user(req(p, "UserName")?)?;
            let creds = a
                .list_service_specific_credentials(&u.name, opt(p, "ServiceName"))?
                .into_iter()
                .map(|c| service_cred_json(&u.name, c))
                .collect();
            list("ServiceSpecificCredentials", creds)
        }
        "get_server_certificate" => {
            let c = a.get_server_certificate(req(p, "ServerCertificateName")?)?;
            Ok(json!({"ServerCertificate": {
                "ServerCertificateMetadata": server_cert_metadata(c),
                "CertificateBody": c.body}}))
        }
        "list_server_certificates" => list(
            "ServerCertificateMetadataList",
            a.list_server_certificates()
                .into_iter()
                .map(server_cert_metadata)
                .collect(),
        ),
        "get_saml_provider" => {
            let pr = a.get_saml_provider(req(p, "SAMLProviderArn")?)?;
            Ok(json!({"SAMLMetadataDocument": pr.metadata_document,
                "CreateDate": date(pr.create_date)}))
        }
        "list_saml_providers" => Ok(json!({"SAMLProviderList": a
            .list_saml_providers()
            .into_iter()
            .map(|pr| json!({"Arn": pr.arn, "CreateDate": date(pr.create_date)}))
            .collect::<Vec<_>>()})),
        "get_open_id_connect_provider" => {
            let pr = a.get_open_id_connect_provider(req(p, "OpenIDConnectProviderArn")?)?;
            Ok(json!({"Url": pr.url, "ClientIDList": pr.client_ids,
                "ThumbprintList": pr.thumbprints, "CreateDate": date(pr.create_date)}))
        }
        "list_open_id_connect_providers" => Ok(json!({"OpenIDConnectProviderList": a
            .list_open_id_connect_providers()
            .into_iter()
            .map(|pr| json!({"Arn": pr.arn}))
            .collect::<Vec<_>>()})),
        "list_account_aliases" => list(
            "AccountAliases",
            a.alias().map(|x| json!(x)).into_iter().collect(),
        ),
        "get_account_summary" => Ok(json!({"SummaryMap": a.get_account_summary()})),
        "simulate_principal_policy" => a.simulate_principal_policy(p),
        "get_account_authorization_details" => Ok(authorization_details(a, p)),
        "simulate_custom_policy" => crate::simulate_custom_policy(p),

        _ => Err(IamError::invalid_input(format!(
            "unknown IAM operation {op}"
        ))),
    }
}

/// `GetUser` without `UserName` for the root user: "If you do not specify a user name, IAM
/// determines the user name implicitly based on the Amazon Web Services access key ID used to
/// sign the request" (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetUser.html);
/// the root "user" has its account id as `UserId`, the root ARN and no `UserName` or `Path`.
/// (A user caller gets its own name filled in by `acts_on_calling_user`.)
/// `GetAccountAuthorizationDetails`: the account's snapshot with the policy documents decoded,
/// limited to the entity types of `Filter` (`User`, `Role`, `Group`, `LocalManagedPolicy`,
/// `AWSManagedPolicy`; all when absent). The response's `RoleDetail` has no `Description`
/// (botocore's model; `GetRole` has it). Paginated by [`call`] like the other lists.
fn authorization_details(a: &Account, p: &Value) -> Value {
    let all = [
        "User",
        "Role",
        "Group",
        "LocalManagedPolicy",
        "AWSManagedPolicy",
    ];
    let wanted: Vec<String> = match p.get("Filter").and_then(Value::as_array) {
        Some(f) if !f.is_empty() => f
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => all.iter().map(|s| (*s).to_string()).collect(),
    };
    let has = |k: &str| wanted.iter().any(|w| w == k);
    let full: Value =
        serde_json::from_str(&a.to_authorization_details().to_json()).unwrap_or(Value::Null);
    let list = |k: &str| {
        full.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let roles: Vec<Value> = if has("Role") {
        list("RoleDetailList")
            .into_iter()
            .map(|mut r| {
                if let Some(m) = r.as_object_mut() {
                    m.remove("Description");
                }
                r
            })
            .collect()
    } else {
        Vec::new()
    };
    let policies: Vec<Value> = list("Policies")
        .into_iter()
        .filter(|pol| {
            let aws = pol
                .get("Arn")
                .and_then(Value::as_str)
                .is_some_and(|arn| arn.starts_with("arn:aws:iam::aws:"));
            has(if aws {
                "AWSManagedPolicy"
            } else {
                "LocalManagedPolicy"
            })
        })
        .collect();
    let mut out = json!({
        "UserDetailList": if has("User") { list("UserDetailList") } else { Vec::new() },
        "GroupDetailList": if has("Group") { list("GroupDetailList") } else { Vec::new() },
        "RoleDetailList": roles,
        "Policies": policies,
    });
    decode_documents(&mut out, "");
    out
}

/// Policy documents as boto3 gives them (decoded JSON), wherever a snapshot holds them.
fn decode_documents(v: &mut Value, key: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                decode_documents(x, k);
            }
        }
        Value::Array(xs) => {
            for x in xs {
                decode_documents(x, key);
            }
        }
        Value::String(s)
            if matches!(
                key,
                "PolicyDocument" | "AssumeRolePolicyDocument" | "Document"
            ) =>
        {
            let decoded = if s.starts_with('%') {
                percent_decode(s)
            } else {
                Some(s.clone())
            };
            if let Some(parsed) = decoded.and_then(|t| serde_json::from_str::<Value>(&t).ok()) {
                *v = parsed;
            }
        }
        _ => {}
    }
}

/// RFC 3986 percent-decoding; `None` for malformed escapes or text that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn root_user(a: &Account) -> Value {
    json!({"User": {"UserId": a.id(), "Arn": a.root_arn(), "CreateDate": date(a.create_date())}})
}

/// The MFA facts of an `AssumeRole` request for the trust policy and the new session
/// (`aws:MultiFactorAuthPresent`, `aws:MultiFactorAuthAge`): a `SerialNumber` + `TokenCode`
/// checked now ("The value provided by the MFA device, if the trust policy of the role being
/// assumed requires MFA", STS API reference, AssumeRole), or the calling session's own MFA.
fn assume_role_mfa_context(
    a: &mut Account,
    p: &Value,
    caller: &Caller,
) -> Result<Vec<(String, String)>, IamError> {
    let now = a.clock.now();
    let at = match (opt(p, "SerialNumber"), opt(p, "TokenCode")) {
        (Some(serial), Some(code)) => Some(a.authenticate_mfa(caller, serial, code)?),
        (None, None) => caller.mfa_authenticated_at,
        _ => {
            return Err(IamError::new(
                ErrorCode::AccessDenied,
                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
            ));
        }
    };
    Ok(match at {
        Some(t) => vec![
            ("aws:MultiFactorAuthPresent".into(), "true".into()),
            (
                "aws:MultiFactorAuthAge".into(),
                (now.0 - t.0).max(0).to_string(),
            ),
        ],
        None => Vec::new(),
    })
}

/// `PackedPolicySize` is "the packed size of the session policies and session tags combined
/// passed in the request" (STS API reference, AssumeRole / GetFederationToken response): STS
/// answers it when the request passes some, and leaves it out otherwise (the API reference's
/// and the AWS CLI reference's examples without them have none).
pub(crate) fn passes_session_policies_or_tags(p: &Value) -> bool {
    ["Policy", "PolicyArns", "Tags"]
        .iter()
        .any(|k| p.get(*k).is_some_and(|v| !v.is_null()))
}

/// The STS operations that only read the account ([`is_read_operation`]).
fn sts_read(a: &Account, op: &str, p: &Value, caller: &Caller) -> R {
    match op {
        "get_caller_identity" => match &caller.access_key_id {
            None => Ok(json!({"UserId": a.id(), "Account": a.id(), "Arn": a.root_arn()})),
            Some(k) => a.get_caller_identity(k),
        },
        _ => crate::sts_operations::read(a, op, p).unwrap_or_else(|| {
            Err(IamError::invalid_input(format!(
                "unknown STS operation {op}"
            )))
        }),
    }
}

fn sts_call(a: &mut Account, op: &str, p: &Value, caller: &Caller) -> R {
    match op {
        "assume_role" => {
            let caller_arn = caller.arn.clone();
            let context = assume_role_mfa_context(a, p, caller)?;
            let policy_arns = p
                .get("PolicyArns")
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(|x| x.get("arn").and_then(Value::as_str).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let r = AssumeRoleRequest {
                caller_arn,
                role_arn: req(p, "RoleArn")?.to_string(),
                role_session_name: req(p, "RoleSessionName")?.to_string(),
                duration_seconds: opt_u32(p, "DurationSeconds")?,
                external_id: opt(p, "ExternalId").map(str::to_string),
                policy: opt(p, "Policy").map(str::to_string),
                policy_arns,
                tags: tag_pairs(p, "Tags"),
                transitive_tag_keys: strings(p, "TransitiveTagKeys"),
                source_identity: opt(p, "SourceIdentity").map(str::to_string),
                context,
            };
            let c = a.assume_role(&r)?;
            let mut out = json!({"Credentials": credentials_json(&c),
                "AssumedRoleUser": {"AssumedRoleId": c.id, "Arn": c.arn}});
            if passes_session_policies_or_tags(p) {
                out["PackedPolicySize"] = json!(c.packed_policy_size);
            }
            if let Some(si) = a
                .sessions
                .get(&c.access_key_id)
                .and_then(|s| s.source_identity.as_ref())
            {
                out["SourceIdentity"] = json!(si);
            }
            Ok(out)
        }
        "get_federation_token" => {
            let caller_arn = caller.arn.clone();
            let user_name = if caller_arn == a.root_arn() {
                None
            } else {
                let u = a
                    .list_users(None)?
                    .into_iter()
                    .find(|u| u.arn == caller_arn)
                    .ok_or_else(|| {
                        IamError::new(
                            ErrorCode::AccessDenied,
                            "Cannot call GetFederationToken with session credentials",
                        )
                    })?;
                Some(u.name.clone())
            };
            let policy_arns = p
                .get("PolicyArns")
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(|x| x.get("arn").and_then(Value::as_str).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let r = FederationTokenRequest {
                user_name,
                name: req(p, "Name")?.to_string(),
                duration_seconds: opt_u32(p, "DurationSeconds")?,
                policy: opt(p, "Policy").map(str::to_string),
                policy_arns,
            };
            let c = a.get_federation_token(&r)?;
            let mut out = json!({"Credentials": credentials_json(&c),
                "FederatedUser": {"FederatedUserId": c.id, "Arn": c.arn}});
            if passes_session_policies_or_tags(p) {
                out["PackedPolicySize"] = json!(c.packed_policy_size);
            }
            Ok(out)
        }
        _ => crate::sts_operations::call(a, op, p, caller).unwrap_or_else(|| {
            Err(IamError::invalid_input(format!(
                "unknown STS operation {op}"
            )))
        }),
    }
}
