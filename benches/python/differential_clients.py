"""One scripted IAM/STS story through iamkit's boto3-shaped clients and through boto3 against
moto (``moto.mock_aws``, in process), with every difference listed.

    python benches/python/differential_clients.py [--json] [--all]

The story (:func:`story`) is a fixed list of more than 300 calls — users, groups, roles,
customer managed policies and versions, AWS managed policies, instance profiles, tags, access
keys, login profiles, OIDC providers, the account alias and password policy, STS — with error
paths (missing entities, duplicates, deletion conflicts, bad values, the root user assuming a
role). Each call runs against both backends; a later call can name a value an earlier response
gave (``$key:alice`` = alice's access key id on that backend).

Responses are normalised before comparing (:func:`normalise`): ``ResponseMetadata`` goes,
generated ids, secrets, tokens and dates become placeholders, and policy documents (which
botocore decodes into dicts) compare as JSON. Each difference is one line: the step, the
operation, the path in the response and both values (or both error codes). Error messages are
compared too, separately (``message`` differences).

Every difference is classified in :data:`CLASSIFIED` — by operation and difference path —
against AWS's API reference, and ``docs/differential-moto-clients.md`` explains each class.
``iam-py/tests/test_differential_moto.py`` runs the story and fails on any difference that is
not classified, so a new deviation of either side shows up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "123456789012"  # moto's default account
ARN = f"arn:aws:iam::{ACCOUNT}"

# Members whose values are generated (ids, secrets) or clock-dependent (dates).
VOLATILE = {
    "UserId": "<id>",
    "GroupId": "<id>",
    "RoleId": "<id>",
    "PolicyId": "<id>",
    "InstanceProfileId": "<id>",
    "AccessKeyId": "<key>",
    "SecretAccessKey": "<secret>",
    "SessionToken": "<token>",
    "AssumedRoleId": "<id>",
    "FederatedUserId": "<id>",
    "CreateDate": "<date>",
    "UpdateDate": "<date>",
    "Expiration": "<date>",
    "UploadDate": "<date>",
    "EnableDate": "<date>",
    "LastUsedDate": "<date>",
    "Marker": "<marker>",
}


def trust(principal: dict[str, Any], actions: str | list[str] = "sts:AssumeRole") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": actions}],
    }


def policy(actions: str | list[str], resource: str = "*", effect: str = "Allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": actions, "Resource": resource}],
    }


@dataclass
class Step:
    """One call: ``service``, boto3's snake_case ``op`` and its parameters, made by ``who``
    (``None`` = the account's root user; a user name = that user's access key)."""

    service: str
    op: str
    params: dict[str, Any] = field(default_factory=dict)
    who: str | None = None


def story() -> list[Step]:
    """The scripted story: more than 300 calls, with error paths."""
    s: list[Step] = []

    def iam(op: str, who: str | None = None, **params: Any) -> None:
        s.append(Step("iam", op, params, who))

    def sts(op: str, who: str | None = None, **params: Any) -> None:
        s.append(Step("sts", op, params, who))

    # ---- the account
    sts("get_caller_identity")
    iam("create_account_alias", AccountAlias="diff-story")
    iam("list_account_aliases")
    iam("create_account_alias", AccountAlias="Bad_Alias")
    iam("get_account_password_policy")
    iam("update_account_password_policy", MinimumPasswordLength=12, RequireSymbols=True)
    iam("get_account_password_policy")
    iam("get_account_summary")

    # ---- users, with tags, inline and managed policies
    users = ["alice", "bob", "carol", "dave", "erin", "frank"]
    for i, u in enumerate(users):
        path = "/" if i % 2 == 0 else "/eng/"
        iam("create_user", UserName=u, Path=path, Tags=[{"Key": "team", "Value": f"t{i % 3}"}])
        iam("get_user", UserName=u)
        iam("create_user", UserName=u)  # EntityAlreadyExists
        iam("list_user_tags", UserName=u)
        iam("tag_user", UserName=u, Tags=[{"Key": "cost", "Value": str(100 + i)}])
        iam("list_user_tags", UserName=u)
        iam("untag_user", UserName=u, TagKeys=["cost"])
        iam("put_user_policy", UserName=u, PolicyName="inline", PolicyDocument=json.dumps(policy("s3:List*")))
        iam("get_user_policy", UserName=u, PolicyName="inline")
        iam("get_user_policy", UserName=u, PolicyName="nosuch")
        iam("list_user_policies", UserName=u)
        iam("attach_user_policy", UserName=u, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        iam("list_attached_user_policies", UserName=u)
        iam("create_access_key", UserName=u)
        iam("list_access_keys", UserName=u)
    iam("list_users")
    iam("list_users", PathPrefix="/eng/")
    iam("list_users", MaxItems=2)
    iam("get_user", UserName="nosuch")
    iam("create_user", UserName="bad name!")
    iam("delete_user", UserName="nosuch")
    iam("update_user", UserName="frank", NewPath="/ops/")
    iam("get_user", UserName="frank")
    iam("update_user", UserName="frank", NewUserName="francis")
    iam("get_user", UserName="francis")
    iam("get_user", UserName="frank")

    # ---- login profiles
    iam("create_login_profile", UserName="alice", Password="Correct-Horse-9!", PasswordResetRequired=True)
    iam("get_login_profile", UserName="alice")
    iam("create_login_profile", UserName="alice", Password="Correct-Horse-9!")
    iam("get_login_profile", UserName="bob")
    iam("update_login_profile", UserName="alice", PasswordResetRequired=False)
    iam("delete_login_profile", UserName="alice")
    iam("delete_login_profile", UserName="alice")

    # ---- access keys
    iam("update_access_key", UserName="alice", AccessKeyId="$key:alice", Status="Inactive")
    iam("list_access_keys", UserName="alice")
    iam("update_access_key", UserName="alice", AccessKeyId="$key:alice", Status="Active")
    iam("create_access_key", UserName="alice")
    iam("create_access_key", UserName="alice")  # LimitExceeded: two keys per user
    iam("update_access_key", UserName="alice", AccessKeyId="AKIAAAAAAAAAAAAAAAAA", Status="Active")
    iam("delete_access_key", UserName="bob", AccessKeyId="AKIAAAAAAAAAAAAAAAAA")

    # ---- groups
    for g in ["admins", "devs", "auditors"]:
        iam("create_group", GroupName=g)
        iam("get_group", GroupName=g)
        iam("create_group", GroupName=g)
        iam(
            "put_group_policy",
            GroupName=g,
            PolicyName="gp",
            PolicyDocument=json.dumps(policy("ec2:Describe*")),
        )
        iam("get_group_policy", GroupName=g, PolicyName="gp")
        iam("list_group_policies", GroupName=g)
        iam("attach_group_policy", GroupName=g, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        iam("list_attached_group_policies", GroupName=g)
    for u, g in [("alice", "admins"), ("bob", "devs"), ("carol", "devs"), ("dave", "auditors")]:
        iam("add_user_to_group", GroupName=g, UserName=u)
    iam("add_user_to_group", GroupName="devs", UserName="nosuch")
    iam("add_user_to_group", GroupName="nosuch", UserName="alice")
    iam("get_group", GroupName="devs")
    iam("list_groups")
    iam("list_groups_for_user", UserName="bob")
    iam("remove_user_from_group", GroupName="devs", UserName="carol")
    iam("list_groups_for_user", UserName="carol")
    iam("delete_group", GroupName="admins")  # DeleteConflict: a member, a policy
    iam("get_group", GroupName="nosuch")

    # ---- customer managed policies and versions
    for n in ["ReadLogs", "WriteLogs", "Deploy"]:
        doc = json.dumps(policy(f"logs:{'Get' if n == 'ReadLogs' else 'Put'}*"))
        iam("create_policy", PolicyName=n, PolicyDocument=doc, Description=f"{n} policy")
        iam("get_policy", PolicyArn=f"{ARN}:policy/{n}")
        iam("create_policy", PolicyName=n, PolicyDocument=doc)
        iam("get_policy_version", PolicyArn=f"{ARN}:policy/{n}", VersionId="v1")
        iam("list_policy_versions", PolicyArn=f"{ARN}:policy/{n}")
    deploy = f"{ARN}:policy/Deploy"
    for v in range(2, 6):
        iam(
            "create_policy_version",
            PolicyArn=deploy,
            PolicyDocument=json.dumps(policy(f"s3:GetObject{v}")),
            SetAsDefault=v % 2 == 0,
        )
    iam("create_policy_version", PolicyArn=deploy, PolicyDocument=json.dumps(policy("s3:X")))  # 5 max
    iam("list_policy_versions", PolicyArn=deploy)
    iam("get_policy", PolicyArn=deploy)
    iam("set_default_policy_version", PolicyArn=deploy, VersionId="v3")
    iam("get_policy_version", PolicyArn=deploy, VersionId="v3")
    iam("delete_policy_version", PolicyArn=deploy, VersionId="v3")  # the default one
    iam("delete_policy_version", PolicyArn=deploy, VersionId="v2")
    iam("delete_policy_version", PolicyArn=deploy, VersionId="v9")
    iam("get_policy_version", PolicyArn=deploy, VersionId="v2")
    iam("create_policy", PolicyName="Broken", PolicyDocument='{"Version":"2012-10-17","Statement":[}')
    iam("create_policy", PolicyName="NoVersion", PolicyDocument=json.dumps({"Statement": []}))
    iam("attach_user_policy", UserName="alice", PolicyArn=f"{ARN}:policy/ReadLogs")
    iam("attach_user_policy", UserName="alice", PolicyArn=f"{ARN}:policy/NoSuch")
    iam("list_attached_user_policies", UserName="alice")
    iam("list_entities_for_policy", PolicyArn=f"{ARN}:policy/ReadLogs")
    iam("list_entities_for_policy", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam("delete_policy", PolicyArn=f"{ARN}:policy/ReadLogs")  # attached: DeleteConflict
    iam("tag_policy", PolicyArn=f"{ARN}:policy/WriteLogs", Tags=[{"Key": "k", "Value": "v"}])
    iam("list_policy_tags", PolicyArn=f"{ARN}:policy/WriteLogs")
    iam("untag_policy", PolicyArn=f"{ARN}:policy/WriteLogs", TagKeys=["k"])
    iam("list_policy_tags", PolicyArn=f"{ARN}:policy/WriteLogs")
    iam("list_policies", Scope="Local")
    iam("list_policies", Scope="Local", OnlyAttached=True)
    iam("get_policy", PolicyArn=f"{ARN}:policy/NoSuch")

    # ---- AWS managed policies
    for name in ["ReadOnlyAccess", "AdministratorAccess", "IAMReadOnlyAccess", "AmazonS3FullAccess"]:
        arn = f"arn:aws:iam::aws:policy/{name}"
        iam("get_policy", PolicyArn=arn)
        iam("get_policy_version", PolicyArn=arn, VersionId="v1")
    iam("get_policy", PolicyArn="arn:aws:iam::aws:policy/NoSuchManagedPolicy")
    iam("delete_policy", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")

    # ---- roles, instance profiles
    root_trust = json.dumps(trust({"AWS": f"{ARN}:root"}, ["sts:AssumeRole", "sts:TagSession"]))
    ec2_trust = json.dumps(trust({"Service": "ec2.amazonaws.com"}))
    for n, doc, path in [("Admin", root_trust, "/"), ("App", ec2_trust, "/app/"), ("Ci", root_trust, "/")]:
        iam("create_role", RoleName=n, AssumeRolePolicyDocument=doc, Path=path, Description=f"{n} role")
        iam("get_role", RoleName=n)
        iam("create_role", RoleName=n, AssumeRolePolicyDocument=doc)
        iam("put_role_policy", RoleName=n, PolicyName="rp", PolicyDocument=json.dumps(policy("*")))
        iam("get_role_policy", RoleName=n, PolicyName="rp")
        iam("list_role_policies", RoleName=n)
        iam("attach_role_policy", RoleName=n, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        iam("list_attached_role_policies", RoleName=n)
        iam("tag_role", RoleName=n, Tags=[{"Key": "env", "Value": "prod"}])
        iam("list_role_tags", RoleName=n)
    iam("create_role", RoleName="BadTrust", AssumeRolePolicyDocument=json.dumps(policy("s3:*")))
    iam("create_role", RoleName="Long", AssumeRolePolicyDocument=root_trust, MaxSessionDuration=50000)
    iam("update_role", RoleName="Admin", MaxSessionDuration=7200)
    iam("update_role", RoleName="Admin", Description="the admins")
    iam("get_role", RoleName="Admin")
    iam("update_assume_role_policy", RoleName="Ci", PolicyDocument=root_trust)
    iam("update_assume_role_policy", RoleName="Ci", PolicyDocument="{}")
    iam("untag_role", RoleName="Ci", TagKeys=["env"])
    iam("list_role_tags", RoleName="Ci")
    iam("list_roles")
    iam("list_roles", PathPrefix="/app/")
    iam("get_role", RoleName="NoSuch")
    iam("delete_role", RoleName="App")  # policies attached: DeleteConflict
    iam("create_instance_profile", InstanceProfileName="web", Path="/app/")
    iam("create_instance_profile", InstanceProfileName="web")
    iam("add_role_to_instance_profile", InstanceProfileName="web", RoleName="App")
    iam("add_role_to_instance_profile", InstanceProfileName="web", RoleName="Ci")  # one role max
    iam("get_instance_profile", InstanceProfileName="web")
    iam("list_instance_profiles")
    iam("list_instance_profiles_for_role", RoleName="App")
    iam("tag_instance_profile", InstanceProfileName="web", Tags=[{"Key": "a", "Value": "b"}])
    iam("list_instance_profile_tags", InstanceProfileName="web")
    iam("get_instance_profile", InstanceProfileName="nosuch")
    iam("remove_role_from_instance_profile", InstanceProfileName="web", RoleName="App")
    iam("delete_instance_profile", InstanceProfileName="web")
    iam("delete_instance_profile", InstanceProfileName="web")
    iam("create_service_linked_role", AWSServiceName="elasticbeanstalk.amazonaws.com")
    iam("create_service_linked_role", AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="web")

    # ---- permissions boundaries
    iam("put_user_permissions_boundary", UserName="bob", PermissionsBoundary=f"{ARN}:policy/WriteLogs")
    iam("get_user", UserName="bob")
    iam("delete_user_permissions_boundary", UserName="bob")
    iam("put_role_permissions_boundary", RoleName="Ci", PermissionsBoundary=f"{ARN}:policy/WriteLogs")
    iam("get_role", RoleName="Ci")
    iam("delete_role_permissions_boundary", RoleName="Ci")

    # ---- OIDC provider
    oidc = {"Url": "https://token.actions.githubusercontent.com", "ClientIDList": ["sts.amazonaws.com"]}
    thumb = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
    iam("create_open_id_connect_provider", **oidc, ThumbprintList=thumb)
    iam("create_open_id_connect_provider", **oidc, ThumbprintList=thumb)
    oidc_arn = f"{ARN}:oidc-provider/token.actions.githubusercontent.com"
    iam("get_open_id_connect_provider", OpenIDConnectProviderArn=oidc_arn)
    iam("list_open_id_connect_providers")
    iam("delete_open_id_connect_provider", OpenIDConnectProviderArn=oidc_arn)
    iam("get_open_id_connect_provider", OpenIDConnectProviderArn=oidc_arn)

    # ---- STS
    admin = f"{ARN}:role/Admin"
    sts_actions = ["sts:AssumeRole", "sts:TagSession", "sts:GetFederationToken", "sts:GetAccessKeyInfo"]
    iam("put_user_policy", UserName="alice", PolicyName="sts", PolicyDocument=json.dumps(policy(sts_actions)))
    sts("get_caller_identity", who="alice")
    sts("assume_role", RoleArn=admin, RoleSessionName="root-session")  # root: refused by AWS
    sts("assume_role", who="alice", RoleArn=admin, RoleSessionName="alice")
    sts("assume_role", who="alice", RoleArn=admin, RoleSessionName="a")  # too short
    sts("assume_role", who="alice", RoleArn=admin, RoleSessionName="alice", DurationSeconds=600)
    sts("assume_role", who="alice", RoleArn=admin, RoleSessionName="alice", DurationSeconds=7200)
    sts("assume_role", who="alice", RoleArn=admin, RoleSessionName="alice", DurationSeconds=10800)
    sts(
        "assume_role",
        who="alice",
        RoleArn=admin,
        RoleSessionName="tagged",
        Tags=[{"Key": "project", "Value": "x"}],
        TransitiveTagKeys=["project"],
    )
    sts("assume_role", who="alice", RoleArn=f"{ARN}:role/NoSuch", RoleSessionName="alice")
    sts("assume_role", who="alice", RoleArn=admin, RoleSessionName="pol", Policy=json.dumps(policy("s3:*")))
    sts("get_federation_token", who="alice", Name="fed-alice")
    sts("get_federation_token", who="alice", Name="f")
    sts("get_access_key_info", AccessKeyId="$key:alice")

    # ---- tear down, with the conflicts AWS reports first
    iam("delete_user", UserName="carol")  # DeleteConflict: keys, policies
    for u in ["carol", "erin"]:
        iam("delete_user_policy", UserName=u, PolicyName="inline")
        iam("detach_user_policy", UserName=u, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        iam("delete_access_key", UserName=u, AccessKeyId=f"$key:{u}")
        iam("delete_user", UserName=u)
        iam("get_user", UserName=u)
    iam("delete_user_policy", UserName="erin", PolicyName="inline")
    iam("detach_user_policy", UserName="erin", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    for g in ["auditors"]:
        iam("remove_user_from_group", GroupName=g, UserName="dave")
        iam("delete_group_policy", GroupName=g, PolicyName="gp")
        iam("detach_group_policy", GroupName=g, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        iam("delete_group", GroupName=g)
        iam("get_group", GroupName=g)
    iam("delete_role_policy", RoleName="Ci", PolicyName="rp")
    iam("detach_role_policy", RoleName="Ci", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam("delete_role", RoleName="Ci")
    iam("get_role", RoleName="Ci")
    iam("delete_policy", PolicyArn=f"{ARN}:policy/WriteLogs")
    iam("delete_policy", PolicyArn=f"{ARN}:policy/WriteLogs")
    iam("delete_account_password_policy")
    iam("delete_account_password_policy")
    iam("delete_account_alias", AccountAlias="diff-story")
    iam("list_account_aliases")
    iam("list_users")
    iam("list_roles")
    iam("list_groups")
    iam("get_account_summary")
    return s


# ------------------------------------------------------------------------------ normalising


def _document(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def normalise(value: Any, key: str = "") -> Any:
    """Volatile members become placeholders; documents compare as JSON values."""
    if key in VOLATILE:
        return VOLATILE[key]
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [normalise(v, key) for v in value]
    if key in ("PolicyDocument", "AssumeRolePolicyDocument", "Document"):
        return _document(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return "<date>"
    return value


def diff(a: Any, b: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """``(path, iamkit value, moto value)`` for every place two normalised values differ;
    ``<absent>`` for a member one side lacks."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            p = f"{path}.{k}" if path else k
            if k not in b:
                yield p, a[k], "<absent>"
            elif k not in a:
                yield p, "<absent>", b[k]
            else:
                yield from diff(a[k], b[k], p)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from diff(x, y, f"{path}[{i}]")
    elif a != b:
        yield path, a, b


# ------------------------------------------------------------------------------ the backends

Outcome = tuple[str, Any]  # ("ok", normalised response) or ("error", (code, message))


class Backend:
    """Runs steps against one implementation, remembering access keys by user."""

    def __init__(self, name: str, make: Callable[[str, dict[str, str] | None], Any]) -> None:
        self.name = name
        self._make = make
        self.keys: dict[str, dict[str, str]] = {}
        self._clients: dict[tuple[str, str | None], Any] = {}

    def _client(self, service: str, who: str | None) -> Any:
        k = (service, who)
        if k not in self._clients:
            self._clients[k] = self._make(service, self.keys.get(who) if who else None)
        return self._clients[k]

    def _resolve(self, v: Any) -> Any:
        if isinstance(v, str) and v.startswith("$key:"):
            return self.keys.get(v[5:], {}).get("aws_access_key_id", "AKIAUNKNOWNUNKNOWN00")
        return v

    def run(self, step: Step) -> Outcome:
        from botocore.exceptions import ClientError

        params = {k: self._resolve(v) for k, v in step.params.items()}
        try:
            out = getattr(self._client(step.service, step.who), step.op)(**params)
        except ClientError as e:
            err = e.response.get("Error", {})
            return "error", (str(err.get("Code")), str(err.get("Message")))
        except Exception as e:  # ParamValidationError, or a backend that does not implement it
            return "error", (type(e).__name__, str(e))
        if step.op == "create_access_key":
            k = out["AccessKey"]
            self.keys.setdefault(
                k["UserName"],
                {"aws_access_key_id": k["AccessKeyId"], "aws_secret_access_key": k["SecretAccessKey"]},
            )
        return "ok", normalise(out)


@dataclass
class Difference:
    """One difference between the backends at one step."""

    index: int
    op: str
    kind: str  # "member", "outcome", "code", "message"
    path: str
    iamkit: Any
    moto: Any

    def line(self) -> str:
        return f"#{self.index} {self.op} [{self.kind}] {self.path}: iamkit={self.iamkit!r} moto={self.moto!r}"


def compare(index: int, step: Step, a: Outcome, b: Outcome) -> list[Difference]:
    out: list[Difference] = []
    # Calls on AWS managed policies are told apart: the bundled data decides them.
    managed = any(str(v).startswith("arn:aws:iam::aws:policy/") for v in step.params.values())
    subject = "aws-managed" if managed else ""
    if a[0] != b[0]:
        out.append(Difference(index, step.op, "outcome", subject, _short(a), _short(b)))
    elif a[0] == "error":
        (ca, ma), (cb, mb) = a[1], b[1]
        if ca != cb:
            out.append(Difference(index, step.op, "code", subject, ca, cb))
        elif ma != mb:
            out.append(Difference(index, step.op, "message", subject, ma, mb))
    else:
        for path, x, y in diff(a[1], b[1]):
            out.append(Difference(index, step.op, "member", _generic(path), x, y))
    return out


def _short(o: Outcome) -> str:
    return f"error {o[1][0]}" if o[0] == "error" else "ok"


def _generic(path: str) -> str:
    """``Users[3].Tags`` -> ``Users[].Tags``: one class per member, whatever the index."""
    return re.sub(r"\[\d+\]", "[]", path)


def run_story(steps: list[Step] | None = None) -> tuple[int, list[Difference]]:
    """Runs the story on iamkit and on moto; returns the number of calls and the differences."""
    import os

    import boto3
    from moto import mock_aws

    # moto knows AWS managed policies only when asked to (its IAM documentation).
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

    import iamkit

    steps = steps if steps is not None else story()
    acct = iamkit.Account(ACCOUNT)
    mine = Backend("iamkit", lambda service, creds: acct.client(service, **(creds or {})))
    differences: list[Difference] = []
    with mock_aws():
        theirs = Backend(
            "moto",
            lambda service, creds: boto3.client(
                service,
                region_name="us-east-1",
                aws_access_key_id=(creds or {}).get("aws_access_key_id", "testing"),
                aws_secret_access_key=(creds or {}).get("aws_secret_access_key", "testing"),
            ),
        )
        for i, step in enumerate(steps):
            differences.extend(compare(i, step, mine.run(step), theirs.run(step)))
    return len(steps), differences


# ------------------------------------------------------------------------------ classification

MOTO = "moto deviates"
UNSPEC = "AWS unspecified"
IAMKIT = "iamkit deviates"
CONSEQ = "consequence"
SETUP = "setup"

API = "https://docs.aws.amazon.com/IAM/latest/APIReference"
STS_API = "https://docs.aws.amazon.com/STS/latest/APIReference"
SPEC = "spec (shared/spec/iam-semantics.md)"


@dataclass(frozen=True)
class Class:
    """Why two backends differ: ``kind`` (MOTO, UNSPEC, IAMKIT, CONSEQ, SETUP), the reason,
    and the AWS page that decides it."""

    kind: str
    reason: str
    source: str = ""


_IS_TRUNCATED = Class(
    MOTO,
    "moto leaves out IsTruncated; every IAM list response has it (false on the last page)",
    f"{API}/API_ListUsers.html",
)
_EMPTY_TAGS = Class(
    UNSPEC, "empty Tags: moto answers [], iamkit leaves the member out", f"{API}/API_Tag.html"
)
_LAST_USED = Class(
    UNSPEC,
    "RoleLastUsed: moto answers {} outside GetRole, iamkit leaves it out (AWS documents it for GetRole)",
    f"{API}/API_RoleLastUsed.html",
)
_ORDER = Class(
    UNSPEC, "list order: iamkit sorts by name, moto keeps insertion order", f"{API}/API_ListGroups.html"
)
_ATTACH_ORDER = Class(
    UNSPEC,
    "order of attached policies: iamkit in attachment order, moto by name",
    f"{API}/API_ListAttachedUserPolicies.html",
)
_MESSAGE = Class(
    MOTO,
    "error message text: iamkit uses IAM's texts ('User with name X already exists.', 'The user with "
    "name X cannot be found.', 'This policy contains invalid Json'), moto its own",
    SPEC + " §1.8, §6",
)
_NOT_IMPLEMENTED = Class(MOTO, "moto does not implement the operation (NotImplementedError)", "")
_MANAGED_ATTACH = Class(
    MOTO,
    "moto fails to attach/detach AWS managed policies to roles and to detach them from users "
    "(NoSuchEntity) even with MOTO_IAM_LOAD_MANAGED_POLICIES",
    f"{API}/API_AttachRolePolicy.html",
)

# (operation, kind, path) -> class; "*" matches any operation or path.
CLASSIFIED: dict[tuple[str, str, str], Class] = {
    ("*", "member", "IsTruncated"): _IS_TRUNCATED,
    ("*", "member", "Policy.Tags"): _EMPTY_TAGS,
    ("*", "member", "Role.Tags"): _EMPTY_TAGS,
    ("*", "member", "Tags"): _EMPTY_TAGS,
    ("*", "member", "InstanceProfile.Tags"): _EMPTY_TAGS,
    ("*", "member", "InstanceProfiles[].Tags"): _EMPTY_TAGS,
    ("*", "member", "Role.RoleLastUsed"): _LAST_USED,
    ("*", "member", "InstanceProfile.Roles[].RoleLastUsed"): _LAST_USED,
    ("*", "member", "InstanceProfiles[].Roles[].RoleLastUsed"): _LAST_USED,
    ("*", "message", "*"): _MESSAGE,
    ("*", "member", "Policy.PermissionsBoundaryUsageCount"): Class(
        MOTO, "moto leaves out PermissionsBoundaryUsageCount", f"{API}/API_Policy.html"
    ),
    ("create_policy", "member", "Policy.Description"): Class(
        UNSPEC,
        "CreatePolicy's response: iamkit echoes the Description, moto does not (API_Policy documents "
        "it for GetPolicy only)",
        f"{API}/API_Policy.html",
    ),
    ("create_policy_version", "member", "PolicyVersion.Document"): Class(
        MOTO,
        "the document 'is not returned in the response to the CreatePolicyVersion or "
        "ListPolicyVersions operations'",
        f"{API}/API_PolicyVersion.html",
    ),
    ("list_policy_versions", "member", "Versions[].Document"): Class(
        MOTO,
        "the document 'is not returned in the response to the CreatePolicyVersion or "
        "ListPolicyVersions operations'",
        f"{API}/API_PolicyVersion.html",
    ),
    ("list_policy_versions", "member", "Versions[].VersionId"): Class(
        UNSPEC,
        "order of versions: iamkit newest first, moto oldest first",
        f"{API}/API_ListPolicyVersions.html",
    ),
    ("list_policy_versions", "member", "Versions[].IsDefaultVersion"): Class(
        UNSPEC,
        "order of versions (the same versions, listed in the other order)",
        f"{API}/API_ListPolicyVersions.html",
    ),
    ("get_policy", "member", "Policy.PolicyId"): Class(
        IAMKIT,
        "AWS managed policies: the bundled data has the PolicyId of 39 policies only "
        "(policy-ids.json); the others are answered without one",
        f"{API}/API_Policy.html",
    ),
    ("get_policy", "member", "Policy.DefaultVersionId"): Class(
        UNSPEC, "AWS managed policy data snapshots of different dates (AWS keeps adding versions)", ""
    ),
    ("assume_role", "member", "PackedPolicySize"): Class(
        MOTO,
        "moto always answers 6; iamkit answers the packed size only when session policies or tags are "
        "passed (fixed in iamkit: it answered 0 without them)",
        f"{STS_API}/API_AssumeRole.html",
    ),
    ("get_federation_token", "member", "PackedPolicySize"): Class(
        MOTO, "moto always answers 6; no session policy was passed", f"{STS_API}/API_GetFederationToken.html"
    ),
    ("assume_role", "outcome", ""): Class(
        MOTO,
        "moto lets the root user assume a role ('Roles may not be assumed by root accounts.'), assumes "
        "roles that do not exist and ignores the role's MaxSessionDuration",
        f"{STS_API}/API_AssumeRole.html",
    ),
    ("create_user", "outcome", ""): Class(
        MOTO, "moto accepts a user name outside [\\w+=,.@-]+", f"{API}/API_CreateUser.html"
    ),
    ("create_account_alias", "outcome", ""): Class(
        MOTO,
        "moto accepts an alias outside ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$",
        f"{API}/API_CreateAccountAlias.html",
    ),
    ("create_role", "outcome", ""): Class(
        MOTO,
        "moto accepts a trust policy without Principal and MaxSessionDuration above 43200",
        f"{API}/API_CreateRole.html",
    ),
    ("delete_policy", "outcome", ""): Class(
        MOTO, "moto deletes a policy that is still attached (DeleteConflict)", f"{API}/API_DeletePolicy.html"
    ),
    ("delete_policy", "outcome", "aws-managed"): Class(
        MOTO,
        "moto deletes an AWS managed policy; AWS refuses ('You can't change the permissions in "
        "AWS managed policies')",
        SPEC + " §5.12",
    ),
    ("get_policy_version", "message", "aws-managed"): Class(
        IAMKIT,
        "AWS managed policies' non-default versions: the bundled data has the default version only "
        "(77 MB for every version), so iamkit answers NoSuchEntity where AWS answers the version "
        "(moto too, with another message)",
        f"{API}/API_GetPolicyVersion.html",
    ),
    ("update_access_key", "message", ""): Class(UNSPEC, "a final period or not: AWS documents no text", ""),
    ("delete_access_key", "message", ""): Class(UNSPEC, "a final period or not: AWS documents no text", ""),
    ("delete_user", "message", ""): Class(
        UNSPEC, "which of several DeleteConflict reasons is named first", f"{API}/API_DeleteUser.html"
    ),
    ("delete_user_policy", "message", ""): Class(
        UNSPEC, "the user is gone: iamkit names the user, moto the policy", ""
    ),
    ("detach_user_policy", "message", "aws-managed"): Class(
        UNSPEC, "the user is gone: iamkit names the user, moto the policy", ""
    ),
    ("delete_group", "outcome", ""): Class(
        MOTO,
        "moto deletes a group that still has members and policies (DeleteConflict)",
        f"{API}/API_DeleteGroup.html",
    ),
    ("delete_login_profile", "outcome", ""): Class(
        MOTO, "moto loses the login profile after UpdateLoginProfile", f"{API}/API_UpdateLoginProfile.html"
    ),
    ("attach_role_policy", "outcome", "aws-managed"): _MANAGED_ATTACH,
    ("detach_role_policy", "outcome", "aws-managed"): _MANAGED_ATTACH,
    ("detach_user_policy", "outcome", "aws-managed"): _MANAGED_ATTACH,
    ("list_attached_role_policies", "member", "AttachedPolicies"): _MANAGED_ATTACH,
    ("delete_user", "outcome", ""): Class(CONSEQ, "moto could not detach the AWS managed policy first", ""),
    ("get_user", "outcome", ""): Class(CONSEQ, "the user was (iamkit) or was not (moto) deleted before", ""),
    ("put_user_permissions_boundary", "outcome", ""): _NOT_IMPLEMENTED,
    ("delete_user_permissions_boundary", "outcome", ""): _NOT_IMPLEMENTED,
    ("list_instance_profile_tags", "outcome", ""): _NOT_IMPLEMENTED,
    ("get_user", "member", "User.PermissionsBoundary"): Class(
        CONSEQ, "moto cannot set a user's boundary", ""
    ),
    ("get_user", "member", "User.Tags"): Class(
        MOTO, "moto drops a user's tags when UpdateUser renames or moves it", f"{API}/API_UpdateUser.html"
    ),
    ("get_role", "member", "Role.MaxSessionDuration"): Class(
        MOTO, "moto ignores UpdateRole's MaxSessionDuration", f"{API}/API_UpdateRole.html"
    ),
    ("create_login_profile", "member", "LoginProfile.PasswordResetRequired"): Class(
        MOTO, "moto ignores PasswordResetRequired", f"{API}/API_CreateLoginProfile.html"
    ),
    ("get_login_profile", "member", "LoginProfile.PasswordResetRequired"): Class(
        MOTO, "moto ignores PasswordResetRequired", f"{API}/API_CreateLoginProfile.html"
    ),
    ("get_account_password_policy", "member", "PasswordPolicy.MaxPasswordAge"): Class(
        MOTO, "moto answers 0 (outside 1-1095) for a policy without expiry", f"{API}/API_PasswordPolicy.html"
    ),
    ("get_account_summary", "member", "SummaryMap.AccountPasswordPresent"): Class(
        UNSPEC,
        "whether the root user has a password is not modelled by moto",
        f"{API}/API_GetAccountSummary.html",
    ),
    ("get_account_summary", "member", "*"): Class(CONSEQ, "counts after the differences above", ""),
    ("get_caller_identity", "member", "Arn"): Class(
        SETUP, "a client without credentials is the root user in iamkit, moto's fixed test user in moto", ""
    ),
    ("create_service_linked_role", "member", "Role.AssumeRolePolicyDocument.Statement[].Action"): Class(
        UNSPEC, "the same trust policy written with a string or a one-element list", ""
    ),
    (
        "create_service_linked_role",
        "member",
        "Role.AssumeRolePolicyDocument.Statement[].Principal.Service",
    ): Class(UNSPEC, "the same trust policy written with a string or a one-element list", ""),
    ("get_group", "member", "Users[].Tags"): Class(
        UNSPEC,
        "moto lists users' tags in GetGroup; AWS documents tags on GetUser",
        f"{API}/API_GetGroup.html",
    ),
    ("list_groups", "member", "Groups[].GroupName"): _ORDER,
    ("list_groups", "member", "Groups[].Arn"): _ORDER,
    ("list_attached_user_policies", "member", "AttachedPolicies[].PolicyName"): _ATTACH_ORDER,
    ("list_attached_user_policies", "member", "AttachedPolicies[].PolicyArn"): _ATTACH_ORDER,
    ("list_groups", "member", "Groups"): Class(CONSEQ, "moto deleted a group it should have refused to", ""),
    ("list_roles", "member", "Roles"): Class(CONSEQ, "moto created roles it should have refused", ""),
    ("list_policies", "member", "Policies"): Class(
        CONSEQ, "moto deleted an attached policy; it leaves out PermissionsBoundaryUsageCount", ""
    ),
    ("list_users", "member", "Users"): Class(
        MOTO,
        "moto ignores MaxItems on ListUsers, and lists users it should have refused or deleted",
        f"{API}/API_ListUsers.html",
    ),
    ("list_users", "member", "Marker"): Class(
        MOTO, "moto ignores MaxItems on ListUsers", f"{API}/API_ListUsers.html"
    ),
}


def classify(d: Difference) -> Class | None:
    for key in ((d.op, d.kind, d.path), (d.op, d.kind, "*"), ("*", d.kind, d.path), ("*", d.kind, "*")):
        if key in CLASSIFIED:
            return CLASSIFIED[key]
    return None


def markdown(differences: list[Difference]) -> str:
    """The classified differences as a Markdown table: one row per class and place."""
    rows: dict[tuple[str, str, str], tuple[Class, list[int]]] = {}
    for d in differences:
        c = classify(d)
        if c is None:
            continue
        key = (d.op, d.kind, d.path)
        rows.setdefault(key, (c, []))[1].append(d.index)
    out = ["| operation | difference | steps | class | why | AWS source |", "|---|---|---|---|---|---|"]
    for (op, kind, path), (c, steps) in sorted(rows.items(), key=lambda r: (r[1][0].kind, r[0])):
        where = f"{kind} `{path}`" if path else kind
        shown = ", ".join(f"#{i}" for i in steps[:4]) + (" ..." if len(steps) > 4 else "")
        src = f"[page]({c.source})" if c.source.startswith("http") else c.source
        out.append(f"| `{op}` | {where} | {shown} | {c.kind} | {c.reason} | {src} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print the differences as JSON")
    ap.add_argument("--markdown", action="store_true", help="print the classified table (for the docs)")
    ap.add_argument("--all", action="store_true", help="also list classified differences")
    args = ap.parse_args(argv)
    calls, differences = run_story()
    unclassified = [d for d in differences if classify(d) is None]
    if args.json:
        print(
            json.dumps(
                [{**d.__dict__, "class": str(classify(d))} for d in differences], indent=1, default=str
            )
        )
    elif args.markdown:
        print(markdown(differences))
    else:
        print(f"{calls} calls, {len(differences)} differences, {len(unclassified)} unclassified")
        for d in differences if args.all else unclassified:
            c = classify(d)
            print(f"  {d.line()}  -> {c.kind + ': ' + c.reason if c else 'UNCLASSIFIED'}")
    return 1 if unclassified else 0


if __name__ == "__main__":
    sys.exit(main())
