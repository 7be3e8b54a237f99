"""Differential run (issue #12): one scripted story of IAM and STS calls, run with boto3 against
`iamkit serve` and against moto's server on loopback; volatile fields (ids, dates, keys, request
ids, the account id) are normalised and every difference is reported.

    .venv/bin/python benches/python/differential_serve.py                  # report on stdout
    .venv/bin/python benches/python/differential_serve.py --json diff.json --markdown diff.md
    .venv/bin/python benches/python/differential_serve.py --iamkit client  # the in-process door

`--iamkit serve` (default) starts `python -m iamkit serve`; `--iamkit client` runs the story
against `iamkit.Account().client(...)` instead: the same operations implementation behind the
Python door, useful to compare while the HTTP door is not there. The story runs as the root
user (moto: any key, its request authentication off), then switches moto's authentication on
and runs a few calls as a limited IAM user: allowed, denied, wrong secret, unknown key.
What is *right* is decided per AWS's API reference in docs/differential-moto-serve.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_harness import IamkitServe, MotoServer

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
    ],
}
READ_IAM = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUsers"], "Resource": "*"}],
}
READ_IAM_V2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}],
}
ASSUME = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}
DEV_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}],
}

_ID = re.compile(r"\b(AIDA|AROA|ANPA|AGPA|AIPA|AKIA|ASIA|ANVA|APKA|ASCA)[A-Z0-9]{8,}")
_VOLATILE_KEYS = {"RequestId", "HTTPHeaders", "RetryAttempts", "HostId"}
_SECRET_KEYS = {"SecretAccessKey", "SessionToken", "Password"}
# Unique ids: AWS's start with a type prefix (AIDA, AGPA, ...), moto's are random lower-case;
# compared as "<id>" (the format is noted in docs/differential-moto-serve.md).
_ID_KEYS = {"UserId", "GroupId", "PolicyId", "RoleId", "InstanceProfileId"}


def normalise(v: Any, account: str) -> Any:
    """Volatile values replaced by placeholders so that two servers' answers compare."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k in _VOLATILE_KEYS:
                continue
            if k in _SECRET_KEYS and isinstance(x, str):
                out[k] = "<secret>"
            elif k in _ID_KEYS and isinstance(x, str) and x != account:
                out[k] = "<id>"
            else:
                out[k] = normalise(x, account)
        return out
    if isinstance(v, list):
        return [normalise(x, account) for x in v]
    if isinstance(v, (dt.datetime, dt.date)):
        return "<date>"
    if isinstance(v, str):
        s = v.replace(account, "<account>")
        s = _ID.sub(lambda m: f"<{m.group(1)}>", s)
        if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:?\d\d)?", s):
            return "<date>"
        return s
    return v


API = "https://docs.aws.amazon.com/IAM/latest/APIReference"
STS_API = "https://docs.aws.amazon.com/STS/latest/APIReference"
# Which side is right where the two differ, per AWS's documentation: call label → (verdict,
# why, source). "iamkit" / "moto" / "neither" / "unspecified" (the documentation does not fix it).
VERDICTS: dict[str, tuple[str, str, str]] = {
    "sts GetCallerIdentity (root)": (
        "iamkit",
        "the root user's ARN is `arn:aws:iam::ACCOUNT:root` and its user id the account id; moto "
        "answers for an invented `user/moto`",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable",
    ),
    "CreateUser bad name": (
        "iamkit",
        "UserName must match `[\\w+=,.@-]+`: AWS answers ValidationError; moto creates the user",
        f"{API}/API_CreateUser.html",
    ),
    "ListUsers": (
        "iamkit",
        "follows from `CreateUser bad name` (moto kept the invalid user)",
        f"{API}/API_CreateUser.html",
    ),
    "ListUsers MaxItems=1": (
        "iamkit",
        "MaxItems bounds the page and IsTruncated/Marker announce the rest; moto ignores MaxItems",
        f"{API}/API_ListUsers.html",
    ),
    "GetGroup devs": (
        "iamkit",
        "IsTruncated is a response element of GetGroup; list-style answers do not carry the users' "
        "tags (as ListUsers documents)",
        f"{API}/API_GetGroup.html",
    ),
    "ListGroups": (
        "iamkit",
        "IsTruncated is a response element (moto omits it)",
        f"{API}/API_ListGroups.html",
    ),
    "ListGroupPolicies devs": (
        "iamkit",
        "IsTruncated is a response element (moto omits it)",
        f"{API}/API_ListGroupPolicies.html",
    ),
    "ListAccessKeys bob": (
        "iamkit",
        "IsTruncated is a response element (moto omits it)",
        f"{API}/API_ListAccessKeys.html",
    ),
    "ListAccountAliases": (
        "iamkit",
        "IsTruncated is a response element (moto omits it)",
        f"{API}/API_ListAccountAliases.html",
    ),
    "CreateRole deploy": (
        "iamkit",
        "RoleLastUsed is reported by GetRole; moto adds an empty element to CreateRole (harmless)",
        f"{API}/API_CreateRole.html",
    ),
    "CreateRole bad trust": (
        "iamkit",
        "a trust policy that is not JSON is refused with MalformedPolicyDocument; moto stores it",
        f"{API}/API_CreateRole.html",
    ),
    "ListRoles": (
        "iamkit",
        "follows from `CreateRole bad trust`; ListRoles returns Description (it omits only "
        "PermissionsBoundary, RoleLastUsed and Tags)",
        f"{API}/API_ListRoles.html",
    ),
    "CreatePolicy read-iam": (
        "iamkit",
        "PermissionsBoundaryUsageCount is part of the Policy data type",
        f"{API}/API_Policy.html",
    ),
    "GetPolicy read-iam": (
        "iamkit",
        "PermissionsBoundaryUsageCount is part of the Policy data type (moto's empty Tags is harmless)",
        f"{API}/API_Policy.html",
    ),
    "ListPolicies Scope=Local": (
        "iamkit",
        "PermissionsBoundaryUsageCount is part of the Policy data type",
        f"{API}/API_Policy.html",
    ),
    "CreatePolicyVersion v2": (
        "iamkit",
        "the document is returned by GetPolicyVersion and GetAccountAuthorizationDetails, not by "
        "CreatePolicyVersion or ListPolicyVersions",
        f"{API}/API_PolicyVersion.html",
    ),
    "ListPolicyVersions": (
        "iamkit",
        "no Document in ListPolicyVersions (see PolicyVersion); IsTruncated is a response element. "
        "The order of the versions is not documented (iamkit lists the newest first)",
        f"{API}/API_PolicyVersion.html",
    ),
    "DeletePolicy while attached": (
        "iamkit",
        "a managed policy must be detached from every user, group and role first: DeleteConflict",
        f"{API}/API_DeletePolicy.html",
    ),
    "CreateInstanceProfile web": (
        "iamkit",
        "moto adds an empty Tags list (harmless)",
        f"{API}/API_CreateInstanceProfile.html",
    ),
    "GetInstanceProfile web": (
        "iamkit",
        "moto adds empty Tags and RoleLastUsed elements (harmless)",
        f"{API}/API_GetInstanceProfile.html",
    ),
    "ListInstanceProfilesForRole": (
        "iamkit",
        "IsTruncated is a response element; moto adds empty elements",
        f"{API}/API_ListInstanceProfilesForRole.html",
    ),
    "PutUserPermissionsBoundary bob": (
        "iamkit",
        "moto answers HTTP 500 with an HTML page",
        f"{API}/API_PutUserPermissionsBoundary.html",
    ),
    "DeleteUserPermissionsBoundary bob": (
        "iamkit",
        "moto answers HTTP 500 with an HTML page",
        f"{API}/API_DeleteUserPermissionsBoundary.html",
    ),
    "GetAccountSummary": (
        "iamkit",
        "the counts follow from the earlier differences (moto kept the invalid user and role and "
        "deleted an attached policy); AccountAccessKeysPresent is 1 because the root user has the "
        "access key the endpoint created for it",
        f"{API}/API_GetAccountSummary.html",
    ),
    "sts AssumeRole as root": (
        "iamkit",
        "the root user cannot call AssumeRole: AccessDenied 'Roles may not be assumed by root "
        "accounts.'; moto issues a session",
        f"{STS_API}/API_AssumeRole.html",
    ),
    "sts AssumeRole deploy (bob)": (
        "unspecified",
        "PackedPolicySize is a percentage of an undocumented packed-size limit; only its meaning "
        "(share of the limit used by session policies and tags) is documented",
        f"{STS_API}/API_AssumeRole.html",
    ),
    "sts AssumeRole nonexistent role (bob)": (
        "iamkit",
        "there is no trust policy to allow the call: AccessDenied 'is not authorized to perform: "
        "sts:AssumeRole on resource'; moto issues credentials for a role that does not exist",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_roles.html",
    ),
    "DetachUserPolicy alice": (
        "iamkit",
        "follows from `DeletePolicy while attached` (moto deleted the attached policy)",
        f"{API}/API_DetachUserPolicy.html",
    ),
    "DeleteGroup devs (has policies)": (
        "iamkit",
        "a group must have no members and no attached or inline policies before deletion: DeleteConflict",
        f"{API}/API_DeleteGroup.html",
    ),
    "DeleteUser alice": (
        "iamkit",
        "the user's policies are gone by now; moto still counts the policy it deleted while attached",
        f"{API}/API_DeleteUser.html",
    ),
    "DeleteUser alice again": (
        "iamkit",
        "the user is deleted: NoSuchEntity",
        f"{API}/API_DeleteUser.html",
    ),
}


class Recorder:
    """Runs the story's calls, recording each normalised outcome."""

    def __init__(self, make_client: Callable[..., Any], account: str) -> None:
        self.make_client = make_client
        self.account = account
        self.steps: list[dict[str, Any]] = []
        self.iam = make_client("iam")
        self.sts = make_client("sts")

    def call(self, label: str, client: Any, op: str, **params: Any) -> dict[str, Any] | None:
        try:
            resp = getattr(client, op)(**params)
        except Exception as e:  # botocore ClientError or iamkit's subclass of it
            response = getattr(e, "response", None)
            if not isinstance(response, dict):
                self.steps.append({"call": label, "outcome": f"exception {type(e).__name__}: {e}"})
                return None
            err = response.get("Error", {})
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            self.steps.append(
                {
                    "call": label,
                    "outcome": "error",
                    "status": status,
                    "code": err.get("Code"),
                    "message": normalise(err.get("Message", ""), self.account),
                }
            )
            return None
        body = {k: v for k, v in resp.items() if k != "ResponseMetadata"}
        self.steps.append({"call": label, "outcome": "ok", "response": normalise(body, self.account)})
        return dict(resp)


def story(r: Recorder, enable_auth: Callable[[], None]) -> None:
    """≥ 60 distinct calls, errors included."""
    iam, sts = r.iam, r.sts
    acct = r.account
    trust = json.dumps(TRUST).replace("{ACCOUNT}", acct)
    c = r.call
    c("sts GetCallerIdentity (root)", sts, "get_caller_identity")
    c(
        "CreateUser alice",
        iam,
        "create_user",
        UserName="alice",
        Path="/dev/",
        Tags=[{"Key": "team", "Value": "a"}],
    )
    c("CreateUser alice again", iam, "create_user", UserName="alice")
    c("CreateUser bad name", iam, "create_user", UserName="bad name!")
    c("GetUser alice", iam, "get_user", UserName="alice")
    c("GetUser nobody", iam, "get_user", UserName="nobody")
    c("CreateUser bob", iam, "create_user", UserName="bob")
    c("ListUsers", iam, "list_users")
    c("ListUsers PathPrefix=/dev/", iam, "list_users", PathPrefix="/dev/")
    c("ListUsers MaxItems=1", iam, "list_users", MaxItems=1)
    c("TagUser alice", iam, "tag_user", UserName="alice", Tags=[{"Key": "env", "Value": "test"}])
    c("ListUserTags alice", iam, "list_user_tags", UserName="alice")
    c("UntagUser alice", iam, "untag_user", UserName="alice", TagKeys=["env"])
    c("UpdateUser bob NewPath", iam, "update_user", UserName="bob", NewPath="/ops/")
    c("CreateGroup devs", iam, "create_group", GroupName="devs")
    c("CreateGroup devs again", iam, "create_group", GroupName="devs")
    c("AddUserToGroup alice devs", iam, "add_user_to_group", GroupName="devs", UserName="alice")
    c("AddUserToGroup nobody devs", iam, "add_user_to_group", GroupName="devs", UserName="nobody")
    c("GetGroup devs", iam, "get_group", GroupName="devs")
    c("ListGroupsForUser alice", iam, "list_groups_for_user", UserName="alice")
    c("ListGroups", iam, "list_groups")
    c(
        "CreateRole deploy",
        iam,
        "create_role",
        RoleName="deploy",
        AssumeRolePolicyDocument=trust,
        Description="d",
    )
    c("CreateRole bad trust", iam, "create_role", RoleName="broken", AssumeRolePolicyDocument="{not json")
    c("GetRole deploy", iam, "get_role", RoleName="deploy")
    c("GetRole nobody", iam, "get_role", RoleName="nobody")
    c("ListRoles", iam, "list_roles")
    c(
        "UpdateAssumeRolePolicy deploy",
        iam,
        "update_assume_role_policy",
        RoleName="deploy",
        PolicyDocument=trust,
    )
    c("TagRole deploy", iam, "tag_role", RoleName="deploy", Tags=[{"Key": "k", "Value": "v"}])
    c("ListRoleTags deploy", iam, "list_role_tags", RoleName="deploy")
    pol = c(
        "CreatePolicy read-iam",
        iam,
        "create_policy",
        PolicyName="read-iam",
        PolicyDocument=json.dumps(READ_IAM),
    )
    c(
        "CreatePolicy read-iam again",
        iam,
        "create_policy",
        PolicyName="read-iam",
        PolicyDocument=json.dumps(READ_IAM),
    )
    c(
        "CreatePolicy malformed",
        iam,
        "create_policy",
        PolicyName="bad",
        PolicyDocument='{"Version": "2012-10-17"}',
    )
    arn = pol["Policy"]["Arn"] if pol else f"arn:aws:iam::{acct}:policy/read-iam"
    c("GetPolicy read-iam", iam, "get_policy", PolicyArn=arn)
    c("GetPolicy nonexistent", iam, "get_policy", PolicyArn=f"arn:aws:iam::{acct}:policy/none")
    c(
        "CreatePolicyVersion v2",
        iam,
        "create_policy_version",
        PolicyArn=arn,
        PolicyDocument=json.dumps(READ_IAM_V2),
    )
    c("ListPolicyVersions", iam, "list_policy_versions", PolicyArn=arn)
    c("GetPolicyVersion v2", iam, "get_policy_version", PolicyArn=arn, VersionId="v2")
    c("SetDefaultPolicyVersion v2", iam, "set_default_policy_version", PolicyArn=arn, VersionId="v2")
    c("DeletePolicyVersion v2 (default)", iam, "delete_policy_version", PolicyArn=arn, VersionId="v2")
    c("DeletePolicyVersion v1", iam, "delete_policy_version", PolicyArn=arn, VersionId="v1")
    c("ListPolicies Scope=Local", iam, "list_policies", Scope="Local")
    c("AttachUserPolicy alice", iam, "attach_user_policy", UserName="alice", PolicyArn=arn)
    c("ListAttachedUserPolicies alice", iam, "list_attached_user_policies", UserName="alice")
    c("AttachRolePolicy deploy", iam, "attach_role_policy", RoleName="deploy", PolicyArn=arn)
    c("ListAttachedRolePolicies deploy", iam, "list_attached_role_policies", RoleName="deploy")
    c("AttachGroupPolicy devs", iam, "attach_group_policy", GroupName="devs", PolicyArn=arn)
    c("ListAttachedGroupPolicies devs", iam, "list_attached_group_policies", GroupName="devs")
    c("ListEntitiesForPolicy", iam, "list_entities_for_policy", PolicyArn=arn)
    c("DeletePolicy while attached", iam, "delete_policy", PolicyArn=arn)
    c(
        "AttachUserPolicy nonexistent policy",
        iam,
        "attach_user_policy",
        UserName="alice",
        PolicyArn=f"arn:aws:iam::{acct}:policy/none",
    )
    doc = json.dumps(DEV_POLICY)
    c(
        "PutUserPolicy alice",
        iam,
        "put_user_policy",
        UserName="alice",
        PolicyName="inline",
        PolicyDocument=doc,
    )
    c("GetUserPolicy alice", iam, "get_user_policy", UserName="alice", PolicyName="inline")
    c("GetUserPolicy missing", iam, "get_user_policy", UserName="alice", PolicyName="missing")
    c("ListUserPolicies alice", iam, "list_user_policies", UserName="alice")
    c(
        "PutRolePolicy deploy",
        iam,
        "put_role_policy",
        RoleName="deploy",
        PolicyName="inline",
        PolicyDocument=doc,
    )
    c("GetRolePolicy deploy", iam, "get_role_policy", RoleName="deploy", PolicyName="inline")
    c("ListRolePolicies deploy", iam, "list_role_policies", RoleName="deploy")
    c(
        "PutGroupPolicy devs",
        iam,
        "put_group_policy",
        GroupName="devs",
        PolicyName="inline",
        PolicyDocument=doc,
    )
    c("GetGroupPolicy devs", iam, "get_group_policy", GroupName="devs", PolicyName="inline")
    c("ListGroupPolicies devs", iam, "list_group_policies", GroupName="devs")
    key = c("CreateAccessKey bob", iam, "create_access_key", UserName="bob")
    c("ListAccessKeys bob", iam, "list_access_keys", UserName="bob")
    if key:
        kid = key["AccessKey"]["AccessKeyId"]
        c(
            "UpdateAccessKey bob Inactive",
            iam,
            "update_access_key",
            UserName="bob",
            AccessKeyId=kid,
            Status="Inactive",
        )
        c("GetAccessKeyLastUsed", iam, "get_access_key_last_used", AccessKeyId=kid)
        c(
            "UpdateAccessKey bob Active",
            iam,
            "update_access_key",
            UserName="bob",
            AccessKeyId=kid,
            Status="Active",
        )
    c(
        "CreateLoginProfile alice",
        iam,
        "create_login_profile",
        UserName="alice",
        Password="Corr3ct-Horse-Battery!",
    )
    c("GetLoginProfile alice", iam, "get_login_profile", UserName="alice")
    c("GetLoginProfile bob (none)", iam, "get_login_profile", UserName="bob")
    c("DeleteLoginProfile alice", iam, "delete_login_profile", UserName="alice")
    c("CreateInstanceProfile web", iam, "create_instance_profile", InstanceProfileName="web")
    c(
        "AddRoleToInstanceProfile",
        iam,
        "add_role_to_instance_profile",
        InstanceProfileName="web",
        RoleName="deploy",
    )
    c("GetInstanceProfile web", iam, "get_instance_profile", InstanceProfileName="web")
    c("ListInstanceProfilesForRole", iam, "list_instance_profiles_for_role", RoleName="deploy")
    c(
        "PutUserPermissionsBoundary bob",
        iam,
        "put_user_permissions_boundary",
        UserName="bob",
        PermissionsBoundary=arn,
    )
    c("DeleteUserPermissionsBoundary bob", iam, "delete_user_permissions_boundary", UserName="bob")
    c("CreateAccountAlias", iam, "create_account_alias", AccountAlias="diff-story")
    c("ListAccountAliases", iam, "list_account_aliases")
    c("GetAccountSummary", iam, "get_account_summary")
    c("DeleteUser alice (has policies)", iam, "delete_user", UserName="alice")
    c("DeleteRole deploy (has policies)", iam, "delete_role", RoleName="deploy")
    c(
        "sts AssumeRole as root",
        sts,
        "assume_role",
        RoleArn=f"arn:aws:iam::{acct}:role/deploy",
        RoleSessionName="s0",
    )
    c(
        "PutUserPolicy bob sts:AssumeRole",
        iam,
        "put_user_policy",
        UserName="bob",
        PolicyName="assume",
        PolicyDocument=json.dumps(ASSUME),
    )
    if key:
        bob_sts = r.make_client(
            "sts",
            aws_access_key_id=key["AccessKey"]["AccessKeyId"],
            aws_secret_access_key=key["AccessKey"]["SecretAccessKey"],
        )
        assumed = c(
            "sts AssumeRole deploy (bob)",
            bob_sts,
            "assume_role",
            RoleArn=f"arn:aws:iam::{acct}:role/deploy",
            RoleSessionName="s1",
            Policy=json.dumps(DEV_POLICY),
        )
        c(
            "sts AssumeRole nonexistent role (bob)",
            bob_sts,
            "assume_role",
            RoleArn=f"arn:aws:iam::{acct}:role/none",
            RoleSessionName="s1",
        )
        c("sts GetCallerIdentity (bob)", bob_sts, "get_caller_identity")
        if assumed:
            creds = assumed["Credentials"]
            session_sts = r.make_client(
                "sts",
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
            c("sts GetCallerIdentity (role session)", session_sts, "get_caller_identity")
    c("DetachUserPolicy alice", iam, "detach_user_policy", UserName="alice", PolicyArn=arn)
    c("DetachUserPolicy alice again", iam, "detach_user_policy", UserName="alice", PolicyArn=arn)
    c("RemoveUserFromGroup", iam, "remove_user_from_group", GroupName="devs", UserName="alice")
    c("DeleteGroup devs (has policies)", iam, "delete_group", GroupName="devs")
    c("DeleteUserPolicy alice", iam, "delete_user_policy", UserName="alice", PolicyName="inline")
    c("DeleteUser alice", iam, "delete_user", UserName="alice")
    c("DeleteUser alice again", iam, "delete_user", UserName="alice")
    # Phase 2: a limited user, with request authentication on (moto: switched on now).
    c("CreateUser dev", iam, "create_user", UserName="dev")
    c("PutUserPolicy dev", iam, "put_user_policy", UserName="dev", PolicyName="p", PolicyDocument=doc)
    dev_key = c("CreateAccessKey dev", iam, "create_access_key", UserName="dev")
    if not dev_key:
        return
    kid, secret = dev_key["AccessKey"]["AccessKeyId"], dev_key["AccessKey"]["SecretAccessKey"]
    enable_auth()
    dev_iam = r.make_client("iam", aws_access_key_id=kid, aws_secret_access_key=secret)
    dev_sts = r.make_client("sts", aws_access_key_id=kid, aws_secret_access_key=secret)
    c("dev GetUser (allowed)", dev_iam, "get_user", UserName="dev")
    c("dev ListRoles (denied)", dev_iam, "list_roles")
    c("dev CreateUser (denied)", dev_iam, "create_user", UserName="mallory")
    c("dev sts GetCallerIdentity", dev_sts, "get_caller_identity")
    wrong = r.make_client(
        "iam", aws_access_key_id=kid, aws_secret_access_key=secret[:-1] + ("A" if secret[-1] != "A" else "B")
    )
    c("wrong secret GetUser", wrong, "get_user", UserName="dev")
    unknown = r.make_client("iam", aws_access_key_id="AKIAIOSFODNN7EXAMPLX", aws_secret_access_key=secret)
    c("unknown key GetUser", unknown, "get_user", UserName="dev")


def boto3_factory(url: str, root: tuple[str, str]) -> Callable[..., Any]:
    import boto3
    from botocore.config import Config

    cfg = Config(retries={"max_attempts": 1, "mode": "standard"})

    def make(service: str, **creds: str) -> Any:
        if not creds:
            creds = {"aws_access_key_id": root[0], "aws_secret_access_key": root[1]}
        return boto3.client(service, endpoint_url=url, region_name="us-east-1", config=cfg, **creds)

    return make


def run_iamkit(door: str) -> tuple[list[dict[str, Any]], str]:
    if door == "client":
        import iamkit

        account = iamkit.Account("111122223333")

        def make(service: str, **creds: str) -> Any:
            return account.client(service, **creds)

        rec = Recorder(make, "111122223333")
        story(rec, lambda: None)
        return rec.steps, "iamkit (in-process client)"
    with IamkitServe() as ep:
        assert ep.root is not None
        make = boto3_factory(ep.url, (ep.root.access_key_id, ep.root.secret_access_key))
        account = make("sts").get_caller_identity()["Account"]
        rec = Recorder(make, account)
        story(rec, lambda: None)
        return rec.steps, "iamkit serve"


def run_moto() -> list[dict[str, Any]]:
    with MotoServer() as ep:
        assert ep.root is not None
        make = boto3_factory(ep.url, (ep.root.access_key_id, ep.root.secret_access_key))
        rec = Recorder(make, "123456789012")
        story(rec, ep.enable_auth)
        return rec.steps


def _summary(step: dict[str, Any] | None) -> str:
    if step is None:
        return "(not run)"
    if step["outcome"] == "ok":
        return "ok " + json.dumps(step["response"], sort_keys=True)
    if step["outcome"] == "error":
        return f"{step['status']} {step['code']}: {step['message']}"
    return str(step["outcome"])


def compare(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per call: both outcomes and whether they differ (outcome, status, code and the
    normalised response; error messages are compared too but listed apart)."""
    bm = {s["call"]: s for s in b}
    rows = []
    for s in a:
        t = bm.get(s["call"])
        same_kind = t is not None and s["outcome"] == t["outcome"]
        if same_kind and s["outcome"] == "ok":
            differs = s["response"] != t["response"]  # type: ignore[index]
        elif same_kind and s["outcome"] == "error":
            differs = (s["status"], s["code"]) != (t["status"], t["code"])  # type: ignore[index]
        else:
            differs = True
        message_differs = bool(same_kind and s["outcome"] == "error" and s["message"] != t["message"])  # type: ignore[index]
        rows.append(
            {
                "call": s["call"],
                "differs": differs,
                "message_differs": message_differs,
                "iamkit": s,
                "moto": t,
            }
        )
    return rows


def _cell(step: dict[str, Any] | None) -> str:
    if step is None:
        return "(not run)"
    if step["outcome"] == "ok":
        text = "ok"
    elif step["outcome"] == "error":
        text = f"{step['status']} {step['code']}"
    else:
        text = step["outcome"].split(":")[0]
    return text.replace("|", "\\|")


def _delta(a: Any, b: Any, path: str = "") -> list[str]:
    """Paths where two normalised responses differ (first few)."""
    out: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = f"{path}.{k}" if path else k
            if k not in a:
                out.append(f"`{p}` only moto")
            elif k not in b:
                out.append(f"`{p}` only iamkit")
            else:
                out += _delta(a[k], b[k], p)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"`{path}` has {len(a)} vs {len(b)} items"]
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += _delta(x, y, f"{path}[{i}]")
    elif a != b:
        out.append(f"`{path}` differs")
    return out


def markdown(rows: list[dict[str, Any]], label: str) -> str:
    """The table of docs/differential-moto-serve.md."""
    n_diff = sum(r["differs"] for r in rows)
    lines = [
        "| Call | iamkit | moto | What differs | Right per AWS | Why | Source |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        if not r["differs"]:
            continue
        a, b = r["iamkit"], r["moto"]
        what = ""
        if a and b and a["outcome"] == b["outcome"] == "ok":
            what = ", ".join(_delta(a["response"], b["response"])[:4])
        verdict, why, source = VERDICTS.get(r["call"], ("**not analysed**", "", ""))
        lines.append(
            f"| {r['call']} | {_cell(a)} | {_cell(b)} | {what} | {verdict} | {why} | "
            + (f"[{source.rsplit('/', 1)[-1]}]({source})" if source else "")
            + " |"
        )
    same = [r["call"] for r in rows if not r["differs"]]
    head = (
        "# Differential run: iamkit vs moto's server\n\n"
        "Generated by `benches/python/differential_serve.py --markdown docs/differential-moto-serve.md` "
        "(issue #12): one scripted story of IAM and STS calls made with boto3 against "
        f"{label} and against moto's server (`python -m moto.server`) on 127.0.0.1. Volatile "
        "values are normalised before comparing: unique ids, dates, access keys, secrets and "
        "session tokens, request ids and the account id. The story runs as the root user (moto: "
        "any key, its request authentication off), then switches moto's authentication on and "
        "calls as a limited IAM user (allowed, denied, wrong secret, unknown key).\n\n"
        "*Right per AWS* is decided with AWS's API reference (the linked page); *unspecified* "
        "means the documentation does not fix the value. Error messages are not compared (iamkit "
        "uses AWS's wording, moto its own).\n\n"
        f"{len(rows)} calls; {n_diff} differ after normalisation; {len(same)} agree.\n\n"
    )
    return head + "\n".join(lines) + "\n\nCalls that agree: " + ", ".join(same) + ".\n"


def unexplained(rows: list[dict[str, Any]]) -> list[str]:
    """Differing calls with no verdict in VERDICTS."""
    return [r["call"] for r in rows if r["differs"] and r["call"] not in VERDICTS]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iamkit", choices=("serve", "client"), default="serve")
    p.add_argument("--json", metavar="FILE", help="write every step and the comparison as JSON")
    p.add_argument("--markdown", metavar="FILE", help="write the table of differences as Markdown")
    a = p.parse_args(argv)
    mine, label = run_iamkit(a.iamkit)
    theirs = run_moto()
    rows = compare(mine, theirs)
    n_diff = sum(r["differs"] for r in rows)
    print(f"{len(rows)} calls; {n_diff} differ between {label} and moto (after normalisation)")
    for r in rows:
        if r["differs"]:
            print(f"\n* {r['call']}")
            print(f"    iamkit: {_summary(r['iamkit'])[:400]}")
            print(f"    moto:   {_summary(r['moto'])[:400]}")
    if a.json:
        Path(a.json).write_text(json.dumps({"iamkit": label, "rows": rows}, indent=2, default=str) + "\n")
    if a.markdown:
        Path(a.markdown).write_text(markdown(rows, label))
    missing = unexplained(rows)
    if missing:
        print(f"\nno verdict yet for: {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
