//! The STS operations beyond `AssumeRole`, `GetFederationToken` and `GetCallerIdentity`
//! (issue #11 part 3), as requests and responses for [`operations::call`](crate::operations::call):
//! `AssumeRoleWithWebIdentity` ([`crate::web_identity`]), `GetAccessKeyInfo`,
//! `DecodeAuthorizationMessage` (with iamkit's explicit encoder,
//! [`Account::encode_authorization_message`]), and a documented `InvalidAction` for the STS
//! operations of the bundled model that iamkit does not implement.

use super::Account;
use super::caller::Caller;
use super::secrets::{account_of_access_key, secret_text};
use super::web_identity::WebIdentityRequest;
use iam_eval::{Context, Decision};
use iam_model::entities::{ErrorCode, IamError};
use serde_json::{Value, json};

/// How many encoded authorization messages an account keeps (oldest dropped first).
const MAX_MESSAGES: usize = 10_000;

/// The STS operations of the bundled model that iamkit answers with `InvalidAction`, and why.
/// (`GetSessionToken` is implemented with the MFA operations.)
pub const UNSUPPORTED_STS_OPERATIONS: &[(&str, &str)] = &[
    (
        "AssumeRoleWithSAML",
        "verifying a SAML assertion's XML signature against the provider's metadata is not \
         implemented; use AssumeRoleWithWebIdentity with an OIDC provider, or AssumeRole",
    ),
    (
        "AssumeRoot",
        "AssumeRoot is called from an organization's management (or delegated administrator) \
         account for a member account's root user, and an iamkit.Account client models one \
         account",
    ),
    (
        "GetDelegatedAccessToken",
        "it trades in a token issued by another AWS service, which does not exist offline",
    ),
    (
        "GetWebIdentityToken",
        "outbound web identity federation signs tokens with AWS's own keys, which iamkit \
         does not have",
    ),
    (
        "GetCertificate",
        "certificates are issued by AWS's signer, which does not exist offline",
    ),
    (
        "GetScopedCredentials",
        "scoped credentials are issued for AWS services' own workloads",
    ),
    (
        "GetTrustBundles",
        "trust bundles are AWS's own certificates",
    ),
    (
        "IssueWorkloadIdentityContext",
        "workload attestation documents come from AWS infrastructure",
    ),
];

fn invalid_action(op: &str, why: &str) -> IamError {
    IamError::new(
        ErrorCode::InvalidAction,
        format!(
            "The action or operation requested is invalid. iamkit does not implement STS {op} \
             offline: {why}."
        ),
    )
}

/// The reason an STS operation (model name) is not implemented, if it is one of
/// [`UNSUPPORTED_STS_OPERATIONS`].
pub fn unsupported_sts_operation(op: &str) -> Option<&'static str> {
    UNSUPPORTED_STS_OPERATIONS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(op))
        .map(|(_, why)| *why)
}

/// Refuses an unsupported STS operation (model name) before anything else happens to it.
pub(crate) fn refuse_unsupported(service: &str, op: &str) -> Result<(), IamError> {
    match (service, unsupported_sts_operation(op)) {
        ("sts", Some(why)) => Err(invalid_action(op, why)),
        _ => Ok(()),
    }
}

fn policy_arns(p: &Value) -> Vec<String> {
    p.get("PolicyArns")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(|x| x.get("arn").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn param<'a>(p: &'a Value, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str)
}

fn required<'a>(p: &'a Value, k: &str) -> Result<&'a str, IamError> {
    param(p, k).ok_or_else(|| {
        IamError::new(
            ErrorCode::ValidationError,
            format!("Missing required parameter in input: \"{k}\""),
        )
    })
}

/// Runs the STS operations of this module (`op` in boto3's snake_case); `None` for others.
pub(crate) fn call(
    a: &mut Account,
    op: &str,
    p: &Value,
    _caller: &Caller,
) -> Option<Result<Value, IamError>> {
    Some(match op {
        "assume_role_with_web_identity" => assume_role_with_web_identity(a, p),
        _ => return None,
    })
}

/// Runs `op` (snake_case) when it is one of this module's operations that only read the
/// account (`GetAccessKeyInfo`, `DecodeAuthorizationMessage`); `None` otherwise.
pub(crate) fn read(a: &Account, op: &str, p: &Value) -> Option<Result<Value, IamError>> {
    Some(match op {
        "get_access_key_info" => get_access_key_info(a, p),
        "decode_authorization_message" => required(p, "EncodedMessage")
            .and_then(|m| a.decode_authorization_message(m))
            .map(|d| json!({"DecodedMessage": d})),
        _ => return None,
    })
}

fn assume_role_with_web_identity(a: &mut Account, p: &Value) -> Result<Value, IamError> {
    let duration = match p.get("DurationSeconds") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    IamError::validation(
                        "durationSeconds",
                        &v.to_string(),
                        "Member must be an integer",
                    )
                })?,
        ),
    };
    let req = WebIdentityRequest {
        role_arn: required(p, "RoleArn")?.to_string(),
        role_session_name: required(p, "RoleSessionName")?.to_string(),
        web_identity_token: required(p, "WebIdentityToken")?.to_string(),
        provider_id: param(p, "ProviderId").map(str::to_string),
        policy: param(p, "Policy").map(str::to_string),
        policy_arns: policy_arns(p),
        duration_seconds: duration,
    };
    let r = a.assume_role_with_web_identity(&req)?;
    let c = &r.credentials;
    let mut out = json!({
        "Credentials": {"AccessKeyId": c.access_key_id,
            "SecretAccessKey": c.secret_access_key.expose(),
            "SessionToken": c.session_token.expose(), "Expiration": c.expiration.to_string()},
        "SubjectFromWebIdentityToken": r.subject,
        "AssumedRoleUser": {"AssumedRoleId": c.id, "Arn": c.arn},
        "Provider": r.provider,
        "Audience": r.audience,
    });
    if crate::operations::passes_session_policies_or_tags(p) {
        out["PackedPolicySize"] = json!(c.packed_policy_size);
    }
    if let Some(si) = &r.source_identity {
        out["SourceIdentity"] = json!(si);
    }
    Ok(out)
}

/// `GetAccessKeyInfo` (STS API reference): "returns the ID of the Amazon Web Services account
/// to which the keys belong" — for any access key id, whether or not it is active or still
/// exists. The keys of this account answer with its id; any other key id with the account its
/// id carries (AWS key ids encode it; see `secrets::access_key_id_for`).
fn get_access_key_info(a: &Account, p: &Value) -> Result<Value, IamError> {
    let key = required(p, "AccessKeyId")?;
    if key.len() < 16 {
        return Err(IamError::validation(
            "accessKeyId",
            key,
            "Member must have length greater than or equal to 16",
        ));
    }
    let own = a.key_owners.contains_key(key) || a.sessions.contains_key(key);
    let account = if own {
        Some(a.id.clone())
    } else {
        account_of_access_key(key)
    };
    let account = account.ok_or_else(|| {
        IamError::new(
            ErrorCode::InvalidClientTokenId,
            format!("The access key ID {key} is not a valid AWS access key ID."),
        )
    })?;
    Ok(json!({"Account": account}))
}

impl Account {
    /// **iamkit extension**: decides a request (as [`Account::authorize`]) and returns the
    /// *encoded authorization message* of the decision, as AWS services that report denials
    /// with one (EC2's `Encoded authorization failure message`) do; `DecodeAuthorizationMessage`
    /// in this account turns it back into AWS's decoded form: `allowed`, `explicitDeny`,
    /// `matchedStatements`, `failures` and the request `context` (principal, action, resource,
    /// condition keys). IAM and STS never return encoded messages (their `AccessDenied`
    /// carries the plain message), so iamkit's own clients do not either.
    ///
    /// ```
    /// use iam_account::{Account, operations};
    /// use serde_json::json;
    /// let mut a = Account::new("111122223333").unwrap();
    /// a.create_user("bob", None).unwrap();
    /// let msg = a.encode_authorization_message("arn:aws:iam::111122223333:user/bob",
    ///     "ec2:StopInstances", "*", &iam_eval::Context::new()).unwrap();
    /// let root = a.root_caller();
    /// let out = operations::call(&mut a, "sts", "DecodeAuthorizationMessage",
    ///     &json!({"EncodedMessage": msg}), &root).unwrap();
    /// let d: serde_json::Value = serde_json::from_str(out["DecodedMessage"].as_str().unwrap()).unwrap();
    /// assert_eq!(d["allowed"], false);
    /// assert_eq!(d["context"]["action"], "ec2:StopInstances");
    /// ```
    pub fn encode_authorization_message(
        &mut self,
        principal_arn: &str,
        action: &str,
        resource: &str,
        context: &Context<'_>,
    ) -> Result<String, IamError> {
        let ex = self.authorize(principal_arn, action, resource, context)?;
        let principal = iam_eval::Principal::parse(principal_arn)
            .map_err(|e| IamError::invalid_input(e.to_string()))?;
        let (id, name) = match principal.kind() {
            iam_eval::PrincipalKind::User => {
                let n = principal.name().unwrap_or_default();
                (
                    self.get_user(n).map(|u| u.id.clone()).unwrap_or_default(),
                    n.to_string(),
                )
            }
            iam_eval::PrincipalKind::Root => (self.id.clone(), self.id.clone()),
            _ => (
                String::new(),
                principal.name().unwrap_or_default().to_string(),
            ),
        };
        let statements: Vec<Value> = ex
            .matched_statements
            .iter()
            .map(|s| {
                json!({"statementId": s.sid.clone().unwrap_or_default(),
                    "effect": if s.effect == iam_model::Effect::Deny { "DENY" } else { "ALLOW" },
                    "source": s.policy_name.clone().unwrap_or_default()})
            })
            .collect();
        let conditions: Vec<Value> = context
            .iter()
            .map(|(k, v)| {
                json!({"key": k, "values": {"items": v.iter()
                    .map(|x| json!({"value": x})).collect::<Vec<_>>()}})
            })
            .collect();
        let decoded = json!({
            "allowed": ex.decision == Decision::Allowed,
            "explicitDeny": ex.decision == Decision::ExplicitDeny,
            "matchedStatements": {"items": statements},
            "failures": {"items": []},
            "context": {
                "principal": {"id": id, "name": name, "arn": principal_arn},
                "action": action,
                "resource": resource,
                "conditions": {"items": conditions},
            },
        });
        let encoded = secret_text(96)?.expose().replace(['+', '/'], "-");
        if self.encoded_messages.len() >= MAX_MESSAGES {
            self.encoded_messages.clear();
        }
        self.encoded_messages
            .insert(encoded.clone(), decoded.to_string());
        Ok(encoded)
    }

    /// `DecodeAuthorizationMessage`: the decoded form (JSON text) of a message this account
    /// encoded ([`Account::encode_authorization_message`]); anything else is
    /// `InvalidAuthorizationMessageException`.
    pub fn decode_authorization_message(&self, encoded: &str) -> Result<String, IamError> {
        self.encoded_messages.get(encoded).cloned().ok_or_else(|| {
            IamError::new(
                ErrorCode::InvalidAuthorizationMessageException,
                "The encoded authorization message is not valid: it was not produced for \
                 this account",
            )
        })
    }
}
