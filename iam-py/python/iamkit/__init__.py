"""iamkit: an offline AWS IAM engine.

Parse and validate IAM policy documents with positions, run IAM's save-time checks with AWS's
own messages, and decide requests exactly as AWS's policy evaluation logic does.

>>> import iamkit
>>> p = iamkit.Policy.from_json('{"Version": "2012-10-17", "Statement": '
...     '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}')
>>> p.statements[0].effect
'Allow'
"""

from iamkit._accessanalyzer import AccessAnalyzerClient, client
from iamkit._account import Account, AccountClient, IamClientError
from iamkit._analysis import AccessMatrix, action_info, check_action, diff_policies, expand_actions
from iamkit._display import FindingList
from iamkit._errors import (
    MalformedPolicyDocument,
    OrganizationLayoutError,
    PolicyCompileError,
    PolicyParseError,
    UnknownActionError,
    UnknownActionWarning,
    WrongDocumentError,
)
from iamkit._native import (
    POLICY_TYPES,
    SAVE_KINDS,
    Engine,
    EvaluationResult,
    Finding,
    Policy,
    Statement,
    __version__,
    check_iam_policy,
    evaluate,
    read_cli_profiles,
    validate,
    write_cli_profile,
)
from iamkit._organization import Organization
from iamkit._policy_from_log import DecisionLogError, policy_from_log
from iamkit._reach import Escalation, ReachGraph, ReachPath
from iamkit._server import RootCredentials, Server
from iamkit._simulate import simulate_custom_policy

__all__ = [
    "POLICY_TYPES",
    "SAVE_KINDS",
    "AccessAnalyzerClient",
    "AccessMatrix",
    "Account",
    "AccountClient",
    "DecisionLogError",
    "Engine",
    "Escalation",
    "EvaluationResult",
    "Finding",
    "FindingList",
    "IamClientError",
    "MalformedPolicyDocument",
    "Organization",
    "OrganizationLayoutError",
    "Policy",
    "PolicyCompileError",
    "PolicyParseError",
    "ReachGraph",
    "ReachPath",
    "RootCredentials",
    "Server",
    "Statement",
    "UnknownActionError",
    "UnknownActionWarning",
    "WrongDocumentError",
    "__version__",
    "action_info",
    "check_action",
    "check_iam_policy",
    "client",
    "diff_policies",
    "evaluate",
    "expand_actions",
    "policy_from_log",
    "read_cli_profiles",
    "simulate_custom_policy",
    "validate",
    "write_cli_profile",
]
