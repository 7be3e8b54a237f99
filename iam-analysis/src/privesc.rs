//! Well-known IAM privilege-escalation paths, checked against a principal's
//! [`WhatCan`](super::WhatCan).
//!
//! The rules restate the methods catalogued by Rhino Security Labs, "AWS IAM Privilege
//! Escalation – Methods and Mitigation"
//! (<https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/>), with
//! the AWS API reference page of each action the path uses. They were written from those
//! descriptions; each rule says which actions must all be allowed and on what resources.

use super::what_can::{ActionAccess, WhatCan};
use super::{Access, Grant, Target, what_can};
use iam_model::entities::IamError;

const RHINO: &str =
    "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/";
const PASSROLE_DOC: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html";

/// Which resources an action of a rule must be allowed on for the path to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceNeed {
    /// Any resource.
    Any,
    /// A user other than the principal itself (credentials of *another* user).
    OtherUser,
    /// A customer managed policy (AWS managed policies, `arn:aws:iam::aws:policy/...`,
    /// cannot be changed).
    CustomerPolicy,
}

/// One escalation path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EscalationRule {
    /// A short identifier (`CreatePolicyVersion`, `PassRoleEC2`, ...).
    pub id: &'static str,
    /// What the attacker does.
    pub description: &'static str,
    /// Actions that must all be allowed, with the resources they need.
    pub requires: &'static [(&'static str, ResourceNeed)],
    /// Where the path is documented.
    pub references: &'static [&'static str],
}

macro_rules! rule {
    ($id:literal, $desc:literal, [$(($a:literal, $n:ident)),+ $(,)?], [$($r:expr),+ $(,)?]) => {
        EscalationRule {
            id: $id,
            description: $desc,
            requires: &[$(($a, ResourceNeed::$n)),+],
            references: &[$($r),+],
        }
    };
}

/// The rules checked by [`privilege_escalation`].
pub static RULES: &[EscalationRule] = &[
    rule!(
        "CreatePolicyVersion",
        "Create a new version of a customer managed policy attached to oneself with broader permissions and make it the default (CreatePolicyVersion with SetAsDefault needs no SetDefaultPolicyVersion permission).",
        [("iam:CreatePolicyVersion", CustomerPolicy)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html"
        ]
    ),
    rule!(
        "SetDefaultPolicyVersion",
        "Make an older, more permissive version of a managed policy attached to oneself the default version.",
        [("iam:SetDefaultPolicyVersion", CustomerPolicy)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_SetDefaultPolicyVersion.html"
        ]
    ),
    rule!(
        "PassRoleEC2",
        "Launch an EC2 instance with an existing instance profile whose role is more privileged, then use the role's credentials from the instance.",
        [("iam:PassRole", Any), ("ec2:RunInstances", Any)],
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html"
        ]
    ),
    rule!(
        "CreateAccessKey",
        "Create an access key for another (more privileged) user.",
        [("iam:CreateAccessKey", OtherUser)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html"
        ]
    ),
    rule!(
        "CreateLoginProfile",
        "Give another user without a console password a login profile with a password one chooses, then sign in as that user.",
        [("iam:CreateLoginProfile", OtherUser)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html"
        ]
    ),
    rule!(
        "UpdateLoginProfile",
        "Change another user's console password, then sign in as that user.",
        [("iam:UpdateLoginProfile", OtherUser)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateLoginProfile.html"
        ]
    ),
    rule!(
        "AttachUserPolicy",
        "Attach a managed policy such as AdministratorAccess to oneself.",
        [("iam:AttachUserPolicy", Any)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachUserPolicy.html"
        ]
    ),
    rule!(
        "AttachGroupPolicy",
        "Attach a managed policy such as AdministratorAccess to a group one belongs to.",
        [("iam:AttachGroupPolicy", Any)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachGroupPolicy.html"
        ]
    ),
    rule!(
        "AttachRolePolicy",
        "Attach a managed policy such as AdministratorAccess to a role one can assume (or is).",
        [("iam:AttachRolePolicy", Any)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html"
        ]
    ),
    rule!(
        "PutUserPolicy",
        "Write an inline policy granting anything into oneself.",
        [("iam:PutUserPolicy", Any)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPolicy.html"
        ]
    ),
    rule!(
        "PutGroupPolicy",
        "Write an inline policy granting anything into a group one belongs to.",
        [("iam:PutGroupPolicy", Any)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutGroupPolicy.html"
        ]
    ),
    rule!(
        "PutRolePolicy",
        "Write an inline policy granting anything into a role one can assume (or is).",
        [("iam:PutRolePolicy", Any)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html"
        ]
    ),
    rule!(
        "AddUserToGroup",
        "Add oneself to a more privileged group.",
        [("iam:AddUserToGroup", Any)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddUserToGroup.html"
        ]
    ),
    rule!(
        "UpdateAssumeRolePolicy",
        "Rewrite a privileged role's trust policy to trust oneself, then assume it.",
        [("iam:UpdateAssumeRolePolicy", Any), ("sts:AssumeRole", Any)],
        [
            RHINO,
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAssumeRolePolicy.html",
            "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"
        ]
    ),
    rule!(
        "PassRoleLambdaInvoke",
        "Create a Lambda function running as a more privileged existing role and invoke it.",
        [
            ("iam:PassRole", Any),
            ("lambda:CreateFunction", Any),
            ("lambda:InvokeFunction", Any)
        ],
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
            "https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html"
        ]
    ),
    rule!(
        "PassRoleLambdaEventSource",
        "Create a Lambda function running as a more privileged existing role and have an event source mapping (such as a DynamoDB stream) trigger it.",
        [
            ("iam:PassRole", Any),
            ("lambda:CreateFunction", Any),
            ("lambda:CreateEventSourceMapping", Any)
        ],
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
            "https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html"
        ]
    ),
    rule!(
        "UpdateFunctionCode",
        "Replace the code of an existing Lambda function whose execution role is more privileged.",
        [("lambda:UpdateFunctionCode", Any)],
        [
            RHINO,
            "https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html"
        ]
    ),
    rule!(
        "PassRoleGlueDevEndpoint",
        "Create a Glue development endpoint with a more privileged existing role and use its credentials over SSH.",
        [("iam:PassRole", Any), ("glue:CreateDevEndpoint", Any)],
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/glue/latest/webapi/API_CreateDevEndpoint.html"
        ]
    ),
    rule!(
        "UpdateGlueDevEndpoint",
        "Add one's SSH public key to an existing Glue development endpoint and use its role's credentials.",
        [("glue:UpdateDevEndpoint", Any)],
        [
            RHINO,
            "https://docs.aws.amazon.com/glue/latest/webapi/API_UpdateDevEndpoint.html"
        ]
    ),
    rule!(
        "PassRoleCloudFormation",
        "Create a CloudFormation stack with a more privileged existing role as its service role; the stack's resources are created with that role's permissions.",
        [("iam:PassRole", Any), ("cloudformation:CreateStack", Any)],
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html"
        ]
    ),
    rule!(
        "PassRoleDataPipeline",
        "Create a Data Pipeline running as a more privileged existing role whose definition runs commands of one's choosing.",
        [
            ("iam:PassRole", Any),
            ("datapipeline:CreatePipeline", Any),
            ("datapipeline:PutPipelineDefinition", Any)
        ],
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/datapipeline/latest/APIReference/API_CreatePipeline.html",
            "https://docs.aws.amazon.com/datapipeline/latest/APIReference/API_PutPipelineDefinition.html"
        ]
    ),
    rule!(
        "PassRoleCodeBuild",
        "Create a CodeBuild project with a more privileged existing service role and start a build running commands of one's choosing.",
        [
            ("iam:PassRole", Any),
            ("codebuild:CreateProject", Any),
            ("codebuild:StartBuild", Any)
        ],
        [
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html",
            "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_StartBuild.html"
        ]
    ),
    rule!(
        "PassRoleSageMakerNotebook",
        "Create a SageMaker notebook instance with a more privileged existing role and open it through a presigned URL.",
        [
            ("iam:PassRole", Any),
            ("sagemaker:CreateNotebookInstance", Any),
            ("sagemaker:CreatePresignedNotebookInstanceUrl", Any)
        ],
        [
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateNotebookInstance.html",
            "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreatePresignedNotebookInstanceUrl.html"
        ]
    ),
];

/// A path a principal can take, with the statements that enable each step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EscalationFinding {
    /// The principal ARN.
    pub principal: String,
    /// The rule.
    pub rule: &'static EscalationRule,
    /// `Conditional` when some step is allowed only for some request contexts.
    pub access: Access,
    /// Each required action with the grants that make it possible (on suitable resources).
    pub steps: Vec<(&'static str, Vec<Grant>)>,
}

/// The resource part of an ARN (after the fifth `:`), or the whole pattern.
fn resource_part(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}

fn account_part(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or("*")
}

fn suits(need: ResourceNeed, pattern: &str, principal: &str) -> bool {
    match need {
        ResourceNeed::Any => true,
        // A literal pattern naming the principal's own user covers nobody else.
        ResourceNeed::OtherUser => {
            let r = resource_part(pattern);
            r.contains(['*', '?']) || r != resource_part(principal) || !principal.contains(":user/")
        }
        ResourceNeed::CustomerPolicy => account_part(pattern) != "aws",
    }
}

fn step(entry: &ActionAccess, need: ResourceNeed, principal: &str) -> Option<(Access, Vec<Grant>)> {
    let mut best: Option<Access> = None;
    let mut grants = Vec::new();
    for g in entry.grants.iter() {
        let ok: Vec<String> = g
            .resources
            .iter()
            .filter(|r| suits(need, r, principal))
            .cloned()
            .collect();
        if ok.is_empty() {
            continue;
        }
        best = best.max(Some(g.access));
        let mut g = g.clone();
        if ok.len() != g.resources.len() {
            g.resources = ok.into();
        }
        grants.push(g);
    }
    // Actions allowed with no recorded grant (never the case for what_can) count as allowed.
    if entry.grants.is_empty() {
        return Some((entry.access, grants));
    }
    best.map(|b| (b.min(entry.access), grants))
}

/// The escalation paths open to the principal of `what`, one finding per rule whose actions
/// are all allowed on suitable resources.
///
/// ```
/// use iam_account::Account;
/// let mut a = Account::new("111122223333").unwrap();
/// a.create_user("dev", None).unwrap();
/// a.put_user_policy("dev", "p", r#"{"Version":"2012-10-17","Statement":[
///   {"Effect":"Allow","Action":["iam:PassRole","ec2:RunInstances"],"Resource":"*"},
///   {"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::*:user/${aws:username}"}]}"#).unwrap();
/// let w = iam_analysis::what_can(&a, "arn:aws:iam::111122223333:user/dev").unwrap();
/// let ids: Vec<_> = iam_analysis::privilege_escalation(&w).iter().map(|f| f.rule.id).collect();
/// assert_eq!(ids, ["PassRoleEC2"]); // CreateAccessKey only on itself: no escalation
/// ```
pub fn privilege_escalation(what: &WhatCan) -> Vec<EscalationFinding> {
    let mut out = Vec::new();
    'rules: for rule in RULES {
        let mut access = Access::Allowed;
        let mut steps = Vec::new();
        for (action, need) in rule.requires {
            let Some(entry) = what.get(action) else {
                continue 'rules;
            };
            let Some((a, grants)) = step(entry, *need, &what.principal) else {
                continue 'rules;
            };
            access = access.min(a);
            steps.push((*action, grants));
        }
        out.push(EscalationFinding {
            principal: what.principal.clone(),
            rule,
            access,
            steps,
        });
    }
    out
}

/// [`privilege_escalation`] for every user and role of the account or organization.
pub fn privilege_escalation_all<'a>(
    target: impl Into<Target<'a>>,
) -> Result<Vec<EscalationFinding>, IamError> {
    let target = target.into();
    let mut out = Vec::new();
    for p in target.principals() {
        let w = what_can(target, &p)?;
        out.extend(privilege_escalation(&w));
    }
    Ok(out)
}
