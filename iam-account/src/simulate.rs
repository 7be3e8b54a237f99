//! `SimulatePrincipalPolicy` and `SimulateCustomPolicy` (spec §8): boto3's parameters in,
//! boto3's response shape out.

use super::authorize::{Layers, Named, Scope, Source};
use super::key;
use iam_eval::{Explanation, Layer, OwnedContext, Principal, Request, Verdict};
use iam_model::PolicyType;
use iam_model::entities::{ErrorCode, IamError};
use serde_json::{Value, json};
use std::sync::Arc;

fn strings(params: &Value, field: &str) -> Result<Vec<String>, IamError> {
    match params.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    IamError::invalid_input(format!("{field} must be a list of strings"))
                })
            })
            .collect(),
        Some(_) => Err(IamError::invalid_input(format!(
            "{field} must be a list of strings"
        ))),
    }
}

fn policy(text: &str, t: PolicyType, what: &str) -> Result<Arc<iam_model::Policy>, IamError> {
    iam_parser::parse_policy(text, t)
        .map(Arc::new)
        .map_err(|e| {
            IamError::new(
                ErrorCode::InvalidInput,
                format!("{what} is not a valid policy: {e}"),
            )
        })
}

fn context(params: &Value) -> Result<OwnedContext, IamError> {
    let mut ctx = OwnedContext::default();
    let Some(Value::Array(entries)) = params.get("ContextEntries") else {
        return Ok(ctx);
    };
    for e in entries {
        let name = e
            .get("ContextKeyName")
            .and_then(Value::as_str)
            .ok_or_else(|| IamError::invalid_input("ContextKeyName is required"))?;
        let values = strings(e, "ContextKeyValues")?;
        let t = e
            .get("ContextKeyType")
            .and_then(Value::as_str)
            .unwrap_or("string");
        match (t.ends_with("List"), values.first()) {
            (false, Some(v)) => ctx.insert_one(name, v),
            _ => ctx.insert(name, values),
        }
    }
    Ok(ctx)
}

/// `CallerArn`, if given: "You can specify only the ARN of an IAM user. You cannot specify the
/// ARN of an assumed role, federated user, or a service principal." (SimulatePrincipalPolicy
/// and SimulateCustomPolicy API references); anything else is AWS's `InvalidInput`.
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html>
pub(crate) fn caller_arn(params: &Value) -> Result<Option<Principal>, IamError> {
    let c = match params.get("CallerArn") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(c)) => c,
        Some(_) => return Err(IamError::invalid_input("CallerArn must be a string")),
    };
    let bad = || {
        IamError::invalid_input(format!(
            "Invalid CallerArn {c}: it must be the ARN of an IAM user (arn:aws:iam::ACCOUNT:user/NAME), not an assumed role, federated user, service principal or account."
        ))
    };
    let parts: Vec<&str> = c.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, res]
            if !partition.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && res.starts_with("user/") =>
        {
            Principal::user(c).map(Some).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// `ResourceOwner`, if given, as an account id. The API reference calls it "An ARN representing
/// the AWS account ID that specifies the owner of any simulated resource that does not identify
/// its owner in the resource ARN", defaulting to CallerArn's account. The documentation is
/// silent about a bare account id; the SDK references describe the value as "An Amazon Web
/// Services account ID", so both `arn:aws:iam::ACCOUNT:root` and a 12-digit id are accepted
/// (reading taken: the lenient one, since both name exactly one account). Anything else is
/// `InvalidInput` rather than a guess.
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html>
pub(crate) fn resource_owner(params: &Value) -> Result<Option<String>, IamError> {
    let o = match params.get("ResourceOwner") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(o)) => o,
        Some(_) => return Err(IamError::invalid_input("ResourceOwner must be a string")),
    };
    let is_account = |a: &str| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit());
    if is_account(o) {
        return Ok(Some(o.clone()));
    }
    let parts: Vec<&str> = o.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, "root"]
            if !partition.is_empty() && is_account(account) =>
        {
            Ok(Some((*account).to_string()))
        }
        _ => Err(IamError::invalid_input(format!(
            "Invalid ResourceOwner {o}: it must name an account (arn:aws:iam::ACCOUNT:root)."
        ))),
    }
}

fn statements(ex: &Explanation, layers: &Layers, resource_policy_name: &str) -> Vec<Value> {
    ex.matched_statements
        .iter()
        .filter(|s| s.decisive)
        .map(|s| {
            let (id, source) = match s.layer {
                Layer::Identity => layers
                    .identity
                    .get(s.policy_index)
                    .map_or(("".to_string(), "none"), |n| {
                        (n.name.clone(), n.source.as_str())
                    }),
                Layer::PermissionsBoundary => layers
                    .boundary
                    .as_ref()
                    .map_or(("".to_string(), "none"), |n| {
                        (n.name.clone(), n.source.as_str())
                    }),
                Layer::Session => ("SessionPolicy".to_string(), "none"),
                Layer::Resource => (resource_policy_name.to_string(), "resource"),
                _ => ("".to_string(), "none"),
            };
            // Spec §8.2: observed columns start one after the statement's `{`; the end is exclusive.
            json!({
                "SourcePolicyId": id,
                "SourcePolicyType": source,
                "StartPosition": {"Line": s.span.start.line, "Column": s.span.start.column + 1},
                "EndPosition": {"Line": s.span.end.line, "Column": s.span.end.column},
            })
        })
        .collect()
}

/// The simulation over `scope`.
pub(crate) fn simulate(scope: Scope<'_>, params: &Value) -> Result<Value, IamError> {
    let source = params
        .get("PolicySourceArn")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            IamError::validation("policySourceArn", "null", "Member must not be null")
        })?;
    let parts: Vec<&str> = source.splitn(6, ':').collect();
    let [_, _, "iam", _, acct_id, res] = parts.as_slice() else {
        return Err(IamError::invalid_input(format!(
            "Invalid ARN {source}: must be a user, group or role."
        )));
    };
    let acct = scope.account(acct_id).ok_or_else(|| {
        IamError::new(
            ErrorCode::NoSuchEntity,
            format!("The account {acct_id} is not in this model."),
        )
    })?;
    let name = res.rsplit('/').next().unwrap_or_default();
    let mut layers = Layers::default();
    let mut principal_arn = source.to_string();
    let mut principal_id = None;
    let mut unnamed = false;
    let source_is_user = res.starts_with("user/");
    if source_is_user {
        let u = acct
            .users
            .get(&key(name))
            .ok_or_else(|| IamError::no_such_entity("user", name))?;
        acct.user_layers(u, &mut layers);
        principal_id = Some(u.id.clone());
    } else if res.starts_with("role/") {
        let r = acct
            .roles
            .get(&key(name))
            .ok_or_else(|| IamError::no_such_entity("role", name))?;
        acct.role_layers(r, &mut layers);
        principal_id = Some(r.id.clone());
    } else if res.starts_with("group/") {
        let g = acct
            .groups
            .get(&key(name))
            .ok_or_else(|| IamError::no_such_entity("group", name))?;
        for p in &g.inline_policies {
            layers.identity.push(Named {
                name: p.name.clone(),
                source: Source::Group,
                policy: p.document.shared(),
            });
        }
        let mut tmp = Layers::default();
        let fake = iam_model::entities::User {
            name: String::new(),
            path: "/".into(),
            id: String::new(),
            arn: String::new(),
            create_date: iam_model::entities::Timestamp(0),
            inline_policies: Vec::new(),
            attached_policies: g.attached_policies.clone(),
            permissions_boundary: None,
            groups: Vec::new(),
            access_keys: Vec::new(),
            login_profile: None,
            mfa_devices: Vec::new(),
            ssh_public_keys: Vec::new(),
            signing_certificates: Vec::new(),
            service_specific_credentials: Vec::new(),
            tags: iam_model::entities::Tags::case_insensitive(),
        };
        acct.user_layers(&fake, &mut tmp);
        layers.identity.extend(tmp.identity);
        // A group is not a caller: without CallerArn the simulation runs as an unnamed IAM
        // user of the group's account holding the group's policies (spec §5.1 rev 3), not as
        // a user that happens to share the group's name.
        unnamed = true;
    } else {
        return Err(IamError::invalid_input(format!(
            "Invalid ARN {source}: must be a user, group or role."
        )));
    }
    for (i, text) in strings(params, "PolicyInputList")?.iter().enumerate() {
        let p = policy(text, PolicyType::Identity, "PolicyInputList")?;
        layers.identity.push(Named {
            name: format!("PolicyInputList.{}", i + 1),
            source: Source::Input,
            policy: p,
        });
    }
    let boundaries = strings(params, "PermissionsBoundaryPolicyInputList")?;
    if boundaries.len() > 1 {
        return Err(IamError::invalid_input(
            "Only one permissions boundary policy is accepted.",
        ));
    }
    if let Some(b) = boundaries.first() {
        let p = policy(
            b,
            PolicyType::PermissionsBoundary,
            "PermissionsBoundaryPolicyInputList",
        )?;
        layers.boundary = Some(Named {
            name: "PermissionsBoundaryPolicyInputList.1".into(),
            source: Source::Input,
            policy: p,
        });
    }
    let caller = caller_arn(params)?;
    if let Some(c) = &caller {
        principal_arn = c.arn().to_string();
        principal_id = None;
        unnamed = false;
    }
    // SimulatePrincipalPolicy API reference, CallerArn: "required if you include a
    // ResourcePolicy and the PolicySourceArn is not the ARN for an IAM user", so that the
    // resource-based policy's Principal element has a value to use.
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
    if caller.is_none()
        && !source_is_user
        && params.get("ResourcePolicy").is_some_and(|v| !v.is_null())
    {
        return Err(IamError::invalid_input(format!(
            "CallerArn is required with ResourcePolicy when PolicySourceArn ({source}) is not an IAM user: the resource-based policy's Principal needs a caller to evaluate."
        )));
    }
    let mut principal = match caller {
        Some(c) => c,
        None if unnamed => Principal::unnamed_user(acct_id),
        None => {
            Principal::parse(&principal_arn).map_err(|e| IamError::invalid_input(e.to_string()))?
        }
    };
    if let Some(id) = &principal_id {
        principal = principal.with_unique_id(id);
    }
    principal = principal.with_permissions_boundary(layers.boundary.is_some());
    let mut in_org = false;
    if let Some(org) = scope.org {
        if org.accounts.contains_key(*acct_id) {
            layers.scps = org.levels(
                acct_id,
                iam_model::entities::OrgPolicyType::ServiceControlPolicy,
            );
            in_org = true;
            principal = principal.in_management_account(*acct_id == org.management_account);
        }
    }
    let resource_policy = match params.get("ResourcePolicy").and_then(Value::as_str) {
        Some(t) => Some(policy(t, PolicyType::Resource, "ResourcePolicy")?),
        None => None,
    };
    let owner = resource_owner(params)?;
    let ctx = context(params)?;
    let c = ctx.as_context();
    let actions = strings(params, "ActionNames")?;
    if actions.is_empty() {
        return Err(IamError::validation(
            "actionNames",
            "null",
            "Member must not be null",
        ));
    }
    let arns = strings(params, "ResourceArns")?;
    let resources: Vec<String> = if arns.is_empty() {
        vec!["*".to_string()]
    } else {
        arns.clone()
    };
    let mut results = Vec::new();
    for action in &actions {
        for resource in &resources {
            let mut l = layers.clone();
            let (registered_owner, registered) =
                scope.resource(principal.account(), action, resource);
            l.resource = match &resource_policy {
                Some(p) => Some((Arc::clone(p), PolicyType::Resource)),
                None => registered,
            };
            // ResourceOwner owns "any simulated resource that does not identify its owner in
            // the resource ARN" (API reference); an ARN's own account wins.
            let arn_names_account = resource.starts_with("arn:")
                && resource.split(':').nth(4).is_some_and(|a| !a.is_empty());
            let resource_account = match &owner {
                Some(o) if !arn_names_account => o.clone(),
                _ => registered_owner,
            };
            let engine = l.engine()?;
            let mut req = Request::new(&principal, action, resource)
                .with_context(&c)
                .with_resource_account(&resource_account);
            if let Some(org) = scope.org {
                req.resource_in_management_account = resource_account == org.management_account;
            }
            let ex = engine.explain(&req);
            let matched = statements(
                &ex,
                &l,
                if resource_policy.is_some() {
                    "ResourcePolicy"
                } else {
                    resource
                },
            );
            let mut r = json!({
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": ex.decision.as_str(),
                "MatchedStatements": matched,
                "MissingContextValues": ex.missing_context_values,
            });
            if let Some(obj) = r.as_object_mut() {
                if l.boundary.is_some() {
                    let allowed = ex.layers.iter().any(|v| {
                        v.layer == Layer::PermissionsBoundary && v.verdict == Verdict::Allow
                    });
                    obj.insert(
                        "PermissionsBoundaryDecisionDetail".into(),
                        json!({"AllowedByPermissionsBoundary": allowed}),
                    );
                }
                if in_org {
                    let allowed = !principal.is_management_account()
                        && ex
                            .layers
                            .iter()
                            .filter(|v| matches!(v.layer, Layer::Scp(_)))
                            .all(|v| v.verdict == Verdict::Allow)
                        || principal.is_management_account();
                    obj.insert(
                        "OrganizationsDecisionDetail".into(),
                        json!({"AllowedByOrganizations": allowed}),
                    );
                }
                if resource != "*" {
                    obj.insert("EvalDecisionDetails".into(), json!({}));
                }
                if !arns.is_empty() {
                    obj.insert(
                        "ResourceSpecificResults".into(),
                        json!([{
                            "EvalResourceName": resource,
                            "EvalResourceDecision": ex.decision.as_str(),
                            "MatchedStatements": obj.get("MatchedStatements").cloned().unwrap_or(json!([])),
                            "MissingContextValues": obj.get("MissingContextValues").cloned().unwrap_or(json!([])),
                        }]),
                    );
                }
            }
            results.push(r);
        }
    }
    Ok(json!({"EvaluationResults": results, "IsTruncated": false}))
}

/// `SimulateCustomPolicy` (spec §8): the input policies alone, evaluated for an IAM user
/// `CallerArn` or, without it, an unnamed IAM user of the resource's account (`ResourceOwner`,
/// else the resource ARN's account, else `123456789012`) holding exactly `PolicyInputList` —
/// never the root user (spec §5.1 rev 3; AWS's documentation does not say which account that
/// caller belongs to, so the simulation stays same-account, as AWS's simulator is).
/// `ActionNames` take no wildcards ("This operation does not support using wildcards (*) in an
/// action name", API reference); `CallerArn` is required with `ResourcePolicy`.
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html>
///
/// ```
/// use serde_json::json;
/// let r = iam_account::simulate_custom_policy(&json!({
///     "PolicyInputList": [r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#],
///     "ActionNames": ["s3:GetObject", "s3:PutObject"],
/// })).unwrap();
/// assert_eq!(r["EvaluationResults"][0]["EvalDecision"], "allowed");
/// assert_eq!(r["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"], "PolicyInputList.1");
/// assert_eq!(r["EvaluationResults"][1]["EvalDecision"], "implicitDeny");
/// ```
pub fn simulate_custom_policy(params: &Value) -> Result<Value, IamError> {
    let mut layers = Layers::default();
    for (i, text) in strings(params, "PolicyInputList")?.iter().enumerate() {
        layers.identity.push(Named {
            name: format!("PolicyInputList.{}", i + 1),
            source: Source::Input,
            policy: policy(text, PolicyType::Identity, "PolicyInputList")?,
        });
    }
    let boundaries = strings(params, "PermissionsBoundaryPolicyInputList")?;
    if boundaries.len() > 1 {
        return Err(IamError::invalid_input(
            "PermissionsBoundaryPolicyInputList takes at most one policy",
        ));
    }
    if let Some(b) = boundaries.first() {
        layers.boundary = Some(Named {
            name: "PermissionsBoundaryPolicyInputList.1".into(),
            source: Source::Input,
            policy: policy(
                b,
                PolicyType::PermissionsBoundary,
                "PermissionsBoundaryPolicyInputList",
            )?,
        });
    }
    let actions = strings(params, "ActionNames")?;
    for a in &actions {
        if !a.contains(':') || a.contains('*') || a.contains('?') {
            return Err(IamError::invalid_input(format!(
                "Invalid ActionNames entry '{a}': give one action as service:Action, without wildcards."
            )));
        }
    }
    let caller = caller_arn(params)?;
    let owner = resource_owner(params)?;
    let resource_text = params.get("ResourcePolicy").and_then(Value::as_str);
    if resource_text.is_some() && caller.is_none() {
        // API reference, CallerArn: "CallerArn is required if you include a ResourcePolicy so
        // that the policy's Principal element has a value to use in evaluating the policy."
        return Err(IamError::invalid_input(
            "CallerArn is required when ResourcePolicy is given: the resource-based policy's \
             Principal element needs a caller to evaluate.",
        ));
    }
    if let Some(t) = resource_text {
        layers.resource = Some((
            policy(t, PolicyType::Resource, "ResourcePolicy")?,
            PolicyType::Resource,
        ));
    }
    let engine = layers.engine()?;
    let ctx = context(params)?;
    let c = ctx.as_context();
    let arns = strings(params, "ResourceArns")?;
    let resources = if arns.is_empty() {
        vec!["*".to_string()]
    } else {
        arns
    };
    let has_boundary = layers.boundary.is_some();
    let mut results = Vec::new();
    for action in &actions {
        for resource in &resources {
            let arn_account = resource
                .starts_with("arn:")
                .then(|| resource.split(':').nth(4))
                .flatten()
                .filter(|a| !a.is_empty());
            // ResourceOwner owns "any simulated resource that does not identify its owner in
            // the resource ARN"; an ARN's own account wins.
            let resource_owner = if arn_account.is_some() {
                None
            } else {
                owner.as_deref()
            };
            let principal = match &caller {
                Some(p) => p.clone(),
                None => Principal::unnamed_user(
                    resource_owner.or(arn_account).unwrap_or("123456789012"),
                ),
            }
            .with_permissions_boundary(has_boundary);
            let mut req = Request::new(&principal, action, resource).with_context(&c);
            if let Some(o) = resource_owner {
                req = req.with_resource_account(o);
            }
            let ex = engine.explain(&req);
            let matched: Vec<Value> = ex
                .matched_statements
                .iter()
                .filter(|s| s.decisive)
                .map(|s| {
                    let (id, source) = match s.layer {
                        Layer::Identity => (
                            format!("PolicyInputList.{}", s.policy_index + 1),
                            "user-managed",
                        ),
                        Layer::PermissionsBoundary => (
                            format!("PermissionsBoundaryPolicyInputList.{}", s.policy_index + 1),
                            "user-managed",
                        ),
                        Layer::Resource => ("ResourcePolicy".to_string(), "resource"),
                        other => (other.to_string(), "none"),
                    };
                    json!({
                        "SourcePolicyId": id,
                        "SourcePolicyType": source,
                        "StartPosition": {"Line": s.span.start.line, "Column": s.span.start.column},
                        "EndPosition": {"Line": s.span.end.line, "Column": s.span.end.column},
                    })
                })
                .collect();
            let decision = ex.decision.as_str();
            let mut specific = json!({
                "EvalResourceName": resource,
                "EvalResourceDecision": decision,
                "MatchedStatements": matched,
                "MissingContextValues": ex.missing_context_values,
            });
            let mut result = json!({
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": decision,
                "MatchedStatements": matched,
                "MissingContextValues": ex.missing_context_values,
            });
            if has_boundary {
                let allowed = ex
                    .layers
                    .iter()
                    .any(|v| v.layer == Layer::PermissionsBoundary && v.verdict == Verdict::Allow);
                let detail = json!({"AllowedByPermissionsBoundary": allowed});
                if let (Some(r), Some(sp)) = (result.as_object_mut(), specific.as_object_mut()) {
                    r.insert("PermissionsBoundaryDecisionDetail".into(), detail.clone());
                    sp.insert("PermissionsBoundaryDecisionDetail".into(), detail);
                }
            }
            if let Some(r) = result.as_object_mut() {
                r.insert("ResourceSpecificResults".into(), json!([specific]));
            }
            results.push(result);
        }
    }
    Ok(json!({"EvaluationResults": results, "IsTruncated": false}))
}

impl super::Account {
    /// `SimulatePrincipalPolicy` with boto3's parameters (`PolicySourceArn`, `PolicyInputList`,
    /// `PermissionsBoundaryPolicyInputList`, `ActionNames`, `ResourceArns`, `ResourcePolicy`,
    /// `ResourceOwner`, `CallerArn`, `ContextEntries`), returning boto3's response shape.
    ///
    /// ```
    /// use serde_json::json;
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// a.create_user("dev", None).unwrap();
    /// a.put_user_policy("dev", "ec2", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}"#).unwrap();
    /// let r = a.simulate_principal_policy(&json!({
    ///     "PolicySourceArn": "arn:aws:iam::123456789012:user/dev",
    ///     "ActionNames": ["ec2:DescribeInstances", "ec2:RunInstances"],
    /// })).unwrap();
    /// let res = r["EvaluationResults"].as_array().unwrap();
    /// assert_eq!(res[0]["EvalDecision"], "allowed");
    /// assert_eq!(res[0]["MatchedStatements"][0]["SourcePolicyId"], "ec2");
    /// assert_eq!(res[0]["MatchedStatements"][0]["SourcePolicyType"], "user");
    /// assert_eq!(res[1]["EvalDecision"], "implicitDeny");
    /// ```
    pub fn simulate_principal_policy(&self, params: &Value) -> Result<Value, IamError> {
        simulate(
            Scope {
                single: Some(self),
                org: None,
            },
            params,
        )
    }
}
