//! The ways one principal gains another's permissions, as published by Rhino Security Labs
//! ("AWS IAM Privilege Escalation – Methods and Mitigation",
//! <https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/>) and by
//! NCC Group's PMapper (<https://github.com/nccgroup/PMapper/wiki>, its edge checkers for
//! STS, IAM, EC2, Lambda, CloudFormation, CodeBuild, SageMaker, …), restated from those
//! descriptions and the AWS API reference of each action. Nothing here is copied from
//! either project's code.

/// Rhino Security Labs' catalogue of escalation methods.
pub const RHINO: &str =
    "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/";
/// PMapper's description of its graph (nodes, edges, admins).
pub const PMAPPER: &str = "https://github.com/nccgroup/PMapper/wiki/Graph-Data-Structure";
/// "Granting a user permissions to pass a role to an AWS service" (IAM User Guide).
pub const PASSROLE_DOC: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html";
/// The `iam:PassedToService` condition key (IAM User Guide, condition keys).
pub const PASSED_TO_SERVICE_DOC: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService";
/// Role assumption: trust policy and identity policy (IAM User Guide).
pub const ASSUME_DOC: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html";

/// A way to run code as a role through a service: pass the role (`iam:PassRole` with
/// `iam:PassedToService` = [`service`](Self::service)) and call the service's actions — or,
/// when [`pass_role`](Self::pass_role) is false, act on an existing resource that already runs
/// as the role (SSM commands on an EC2 instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PassRoleMethod {
    /// True when the method passes the role (`iam:PassRole`).
    pub pass_role: bool,
    /// A short identifier (`PassRoleLambdaInvoke`).
    pub id: &'static str,
    /// The service principal the role is passed to; the role's trust policy must trust it.
    pub service: &'static str,
    /// The service actions that must all be allowed (on some resource).
    pub actions: &'static [&'static str],
    /// EC2: the role must be in an instance profile (or the principal must be able to make
    /// one: `iam:CreateInstanceProfile` + `iam:AddRoleToInstanceProfile`).
    pub instance_profile: bool,
    /// True when the method also needs a resource the snapshot does not describe (an existing
    /// Lambda function): the edge is then conditional.
    pub needs_existing_resource: bool,
    /// What the attacker does.
    pub description: &'static str,
    /// Where the method is documented.
    pub references: &'static [&'static str],
}

macro_rules! passrole {
    ($id:literal, $svc:literal, [$($a:literal),+], $ip:literal, $ex:literal, $desc:literal, [$($r:expr),+ $(,)?]) => {
        PassRoleMethod {
            pass_role: true,
            id: $id,
            service: $svc,
            actions: &[$($a),+],
            instance_profile: $ip,
            needs_existing_resource: $ex,
            description: $desc,
            references: &[$($r),+],
        }
    };
}

/// Every PassRole method the reach graph checks.
pub static PASSROLE_METHODS: &[PassRoleMethod] = &[
    passrole!(
        "PassRoleEC2",
        "ec2.amazonaws.com",
        ["ec2:RunInstances"],
        true,
        false,
        "launch an EC2 instance with an instance profile holding the role and take the role's credentials from the instance metadata",
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html"
        ]
    ),
    passrole!(
        "PassRoleLambdaInvoke",
        "lambda.amazonaws.com",
        ["lambda:CreateFunction", "lambda:InvokeFunction"],
        false,
        false,
        "create a Lambda function whose execution role is the role, then invoke it",
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"
        ]
    ),
    passrole!(
        "PassRoleLambdaEventSource",
        "lambda.amazonaws.com",
        ["lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
        false,
        false,
        "create a Lambda function whose execution role is the role and have an event source mapping trigger it",
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html"
        ]
    ),
    passrole!(
        "PassRoleLambdaUpdateConfiguration",
        "lambda.amazonaws.com",
        [
            "lambda:UpdateFunctionConfiguration",
            "lambda:UpdateFunctionCode"
        ],
        false,
        true,
        "make an existing Lambda function run as the role and replace its code (needs an existing function, which an IAM snapshot does not list)",
        [
            PMAPPER,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html"
        ]
    ),
    passrole!(
        "PassRoleAutoScaling",
        "ec2.amazonaws.com",
        [
            "autoscaling:CreateLaunchConfiguration",
            "autoscaling:CreateAutoScalingGroup"
        ],
        true,
        false,
        "create a launch configuration with an instance profile holding the role and an Auto Scaling group that launches it",
        [
            PMAPPER,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateLaunchConfiguration.html"
        ]
    ),
    PassRoleMethod {
        pass_role: false,
        id: "SSMSendCommand",
        service: "ec2.amazonaws.com",
        actions: &["ssm:SendCommand"],
        instance_profile: true,
        needs_existing_resource: true,
        description: "run a command through SSM on an EC2 instance whose instance profile holds the role (needs a running managed instance, which an IAM snapshot does not list)",
        references: &[
            PMAPPER,
            "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html",
        ],
    },
    PassRoleMethod {
        pass_role: false,
        id: "SSMStartSession",
        service: "ec2.amazonaws.com",
        actions: &["ssm:StartSession"],
        instance_profile: true,
        needs_existing_resource: true,
        description: "open an SSM session on an EC2 instance whose instance profile holds the role (needs a running managed instance, which an IAM snapshot does not list)",
        references: &[
            PMAPPER,
            "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StartSession.html",
        ],
    },
    PassRoleMethod {
        pass_role: false,
        id: "UpdateFunctionCode",
        service: "lambda.amazonaws.com",
        actions: &["lambda:UpdateFunctionCode"],
        instance_profile: false,
        needs_existing_resource: true,
        description: "replace the code of an existing Lambda function whose execution role is the role (needs such a function, which an IAM snapshot does not list)",
        references: &[
            RHINO,
            "https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html",
        ],
    },
    PassRoleMethod {
        pass_role: false,
        id: "UpdateGlueDevEndpoint",
        service: "glue.amazonaws.com",
        actions: &["glue:UpdateDevEndpoint"],
        instance_profile: false,
        needs_existing_resource: true,
        description: "add one's SSH key to an existing Glue development endpoint running as the role (needs such an endpoint, which an IAM snapshot does not list)",
        references: &[
            RHINO,
            "https://docs.aws.amazon.com/glue/latest/webapi/API_UpdateDevEndpoint.html",
        ],
    },
    passrole!(
        "PassRoleECS",
        "ecs-tasks.amazonaws.com",
        ["ecs:RegisterTaskDefinition", "ecs:RunTask"],
        false,
        false,
        "register an ECS task definition whose task role is the role and run it",
        [
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html"
        ]
    ),
    passrole!(
        "PassRoleGlueDevEndpoint",
        "glue.amazonaws.com",
        ["glue:CreateDevEndpoint"],
        false,
        false,
        "create a Glue development endpoint with the role and use its credentials over SSH",
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/glue/latest/webapi/API_CreateDevEndpoint.html"
        ]
    ),
    passrole!(
        "PassRoleGlueJob",
        "glue.amazonaws.com",
        ["glue:CreateJob", "glue:StartJobRun"],
        false,
        false,
        "create a Glue job running as the role with a script of one's choosing and start it",
        [
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/glue/latest/webapi/API_CreateJob.html"
        ]
    ),
    passrole!(
        "PassRoleCloudFormation",
        "cloudformation.amazonaws.com",
        ["cloudformation:CreateStack"],
        false,
        false,
        "create a CloudFormation stack with the role as its service role: the stack's resources are created with the role's permissions",
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html"
        ]
    ),
    passrole!(
        "PassRoleSageMakerNotebook",
        "sagemaker.amazonaws.com",
        [
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl"
        ],
        false,
        false,
        "create a SageMaker notebook instance with the role and open it through a presigned URL",
        [
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateNotebookInstance.html"
        ]
    ),
    passrole!(
        "PassRoleSageMakerTrainingJob",
        "sagemaker.amazonaws.com",
        ["sagemaker:CreateTrainingJob"],
        false,
        false,
        "create a SageMaker training job running a container of one's choosing as the role",
        [
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html"
        ]
    ),
    passrole!(
        "PassRoleSageMakerProcessingJob",
        "sagemaker.amazonaws.com",
        ["sagemaker:CreateProcessingJob"],
        false,
        false,
        "create a SageMaker processing job running a container of one's choosing as the role",
        [
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateProcessingJob.html"
        ]
    ),
    passrole!(
        "PassRoleCodeBuild",
        "codebuild.amazonaws.com",
        ["codebuild:CreateProject", "codebuild:StartBuild"],
        false,
        false,
        "create a CodeBuild project with the role as its service role and start a build running commands of one's choosing",
        [
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html"
        ]
    ),
    passrole!(
        "PassRoleDataPipeline",
        "datapipeline.amazonaws.com",
        [
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition"
        ],
        false,
        false,
        "create a Data Pipeline running as the role whose definition runs commands of one's choosing",
        [
            RHINO,
            PASSROLE_DOC,
            "https://docs.aws.amazon.com/datapipeline/latest/APIReference/API_PutPipelineDefinition.html"
        ]
    ),
];

/// The `(method, description, reference)` of the edges that are not PassRole methods.
pub(crate) const ASSUME_ROLE: (&str, &str) = (
    "AssumeRole",
    "assume the role (sts:AssumeRole): its trust policy allows the caller and, unless the trust policy names the caller's own ARN in the same account, the caller's identity policies allow sts:AssumeRole on the role",
);
pub(crate) const UPDATE_TRUST: (&str, &str) = (
    "UpdateAssumeRolePolicy",
    "rewrite the role's trust policy to trust oneself, then assume the role",
);
pub(crate) const CREATE_ACCESS_KEY: (&str, &str) = (
    "CreateAccessKey",
    "create an access key for the user and act with its permissions",
);
pub(crate) const CREATE_LOGIN_PROFILE: (&str, &str) = (
    "CreateLoginProfile",
    "give the user (who has no console password) a password of one's choosing and sign in as the user",
);
pub(crate) const UPDATE_LOGIN_PROFILE: (&str, &str) = (
    "UpdateLoginProfile",
    "change the user's console password and sign in as the user",
);
pub(crate) const SERVICE_TRUST: (&str, &str) = (
    "ServiceTrust",
    "the role's trust policy lets the service assume it",
);

/// The API reference page of an IAM action (`iam:CreateAccessKey`).
pub(crate) fn api_page(action: &str) -> String {
    let (svc, name) = action.split_once(':').unwrap_or(("iam", action));
    match svc {
        "sts" => format!("https://docs.aws.amazon.com/STS/latest/APIReference/API_{name}.html"),
        _ => format!("https://docs.aws.amazon.com/IAM/latest/APIReference/API_{name}.html"),
    }
}
