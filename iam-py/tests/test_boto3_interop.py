"""``iamkit.Account.from_boto3(session)`` against moto's in-process AWS mock: entities made
through boto3 load with their attachments, and decisions come out as AWS's would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

import iamkit

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto", reason="moto[iam,sts,organizations] is a test dependency")

ACCOUNT = "123456789012"  # moto's default account


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


TRUST = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})


def _mock(monkeypatch: pytest.MonkeyPatch, *, managed: bool) -> Iterator[Any]:
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # moto's copy of the AWS managed policies (so ReadOnlyAccess can be attached) costs about 10 s
    # of CPU per test (loading, and reading them back through get_account_authorization_details):
    # only the tests that attach one ask for it.
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true" if managed else "false")
    with moto.mock_aws():
        yield boto3.Session(region_name="us-east-1")


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto without the AWS managed policies; ``build(..., managed=False)``."""
    yield from _mock(monkeypatch, managed=False)


@pytest.fixture(scope="module")
def managed_account() -> Iterator[Any]:
    """The account built with bob holding ReadOnlyAccess (moto with the AWS managed policies),
    loaded once through ``from_boto3`` for the tests that only read it."""
    with pytest.MonkeyPatch.context() as mp:
        for session in _mock(mp, managed=True):
            build(session, managed=True)
            account = iamkit.Account.from_boto3(session)
    # moto is stopped before the tests run: the loaded account is offline.
    yield account


def build(session: Any, *, users: int = 3, managed: bool = False) -> None:
    """The account of these tests; with ``managed`` bob also holds the AWS managed ReadOnlyAccess
    (needs moto with the AWS managed policies: ``managed_account``)."""
    iam = session.client("iam")
    iam.create_account_alias(AccountAlias="moto-corp")
    read = iam.create_policy(
        PolicyName="ReadData",
        PolicyDocument=doc(
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
        ),
    )["Policy"]["Arn"]
    deny = iam.create_policy(
        PolicyName="NoSecrets",
        Path="/guardrails/",
        PolicyDocument=doc(
            {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::secrets/*"}
        ),
    )["Policy"]["Arn"]
    iam.create_policy_version(
        PolicyArn=read,
        PolicyDocument=doc(
            {
                "Sid": "ReadV2",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetObjectTagging"],
                "Resource": "*",
            }
        ),
        SetAsDefault=True,
    )
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(GroupName="readers", PolicyArn=read)
    iam.attach_group_policy(GroupName="readers", PolicyArn=deny)
    iam.put_group_policy(
        GroupName="readers",
        PolicyName="Logs",
        PolicyDocument=doc(
            {"Sid": "Logs", "Effect": "Allow", "Action": "logs:GetLogEvents", "Resource": "*"}
        ),
    )
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "data"}])
    iam.add_user_to_group(GroupName="readers", UserName="alice")
    iam.put_user_policy(
        UserName="alice",
        PolicyName="WriteScratch",
        PolicyDocument=doc(
            {
                "Sid": "Scratch",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::scratch/*",
            }
        ),
    )
    iam.create_user(UserName="bob", Path="/contractors/")
    if managed:
        iam.attach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    for i in range(users - 2):
        iam.create_user(UserName=f"user{i:03d}")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST, Description="the app")
    iam.attach_role_policy(RoleName="app", PolicyArn=read)
    iam.put_role_policy(
        RoleName="app",
        PolicyName="Queue",
        PolicyDocument=doc({"Sid": "Queue", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}),
    )
    iam.create_instance_profile(InstanceProfileName="app-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app")


def test_loads_the_model(managed_account: Any) -> None:
    acct = managed_account
    assert acct.account_id == ACCOUNT
    assert acct.alias == "moto-corp"
    assert acct.counts() == {"users": 3, "groups": 1, "roles": 1, "policies": 2}
    d = acct.to_authorization_details()
    users = {u["UserName"]: u for u in d["UserDetailList"]}
    assert set(users) == {"alice", "bob", "user000"}
    assert users["alice"]["GroupList"] == ["readers"]
    assert [p["PolicyName"] for p in users["alice"]["UserPolicyList"]] == ["WriteScratch"]
    assert users["bob"]["Path"] == "/contractors/"
    assert [p["PolicyName"] for p in users["bob"]["AttachedManagedPolicies"]] == ["ReadOnlyAccess"]
    group = d["GroupDetailList"][0]
    assert sorted(p["PolicyName"] for p in group["AttachedManagedPolicies"]) == ["NoSecrets", "ReadData"]
    role = d["RoleDetailList"][0]
    assert role["RoleName"] == "app"
    assert [p["PolicyName"] for p in role["RolePolicyList"]] == ["Queue"]
    assert [ip["InstanceProfileName"] for ip in role["InstanceProfileList"]] == ["app-profile"]
    policies = {p["Arn"].rsplit("/", 1)[-1]: p for p in d["Policies"]}
    assert policies["ReadData"]["DefaultVersionId"] == "v2"
    assert len(policies["ReadData"]["PolicyVersionList"]) == 2
    assert policies["NoSecrets"]["Path"] == "/guardrails/"
    assert acct.import_warnings == []
    # the loaded account answers boto3-shaped calls too
    assert acct.client("iam").get_user(UserName="alice")["User"]["Tags"] == [{"Key": "team", "Value": "data"}]


def test_decisions(managed_account: Any) -> None:
    acct = managed_account
    alice = f"arn:aws:iam::{ACCOUNT}:user/alice"
    bob = f"arn:aws:iam::{ACCOUNT}:user/contractors/bob"
    app = f"arn:aws:iam::{ACCOUNT}:role/app"

    def decide(principal: str, action: str, resource: str) -> iamkit.EvaluationResult:
        return acct.authorize(principal=principal, action=action, resource=resource)

    r = decide(alice, "s3:GetObjectTagging", "arn:aws:s3:::data/x")  # only in the default v2
    assert r.decision == "allowed"
    assert any(s["sid"] == "ReadV2" and s["decisive"] for s in r.matched_statements)
    assert decide(alice, "s3:GetObject", "arn:aws:s3:::secrets/k").decision == "explicitDeny"
    assert decide(alice, "s3:PutObject", "arn:aws:s3:::scratch/k").decision == "allowed"
    assert decide(alice, "s3:PutObject", "arn:aws:s3:::data/k").decision == "implicitDeny"
    assert decide(alice, "logs:GetLogEvents", "*").decision == "allowed"  # group inline policy
    assert decide(bob, "ec2:DescribeInstances", "*").decision == "allowed"  # AWS managed ReadOnlyAccess
    assert decide(bob, "ec2:RunInstances", "*").decision == "implicitDeny"
    assert decide(app, "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q").decision == "allowed"
    assert decide(app, "s3:GetObject", "arn:aws:s3:::secrets/k").decision == "allowed"  # no group guardrail
    user0 = f"arn:aws:iam::{ACCOUNT}:user/user000"
    assert decide(user0, "s3:GetObject", "arn:aws:s3:::data/x").decision == "implicitDeny"


def test_reads_every_page(aws: Any) -> None:
    """moto answers in one page, so a wrapper splits its answer into pages of 2 entities: the
    account must be the same as from one page, and the paginator must be the one used."""
    build(aws, users=7)
    calls: list[str] = []

    class Paginator:
        def __init__(self, client: Any) -> None:
            self._client = client

        def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
            calls.append("paginate")
            whole = self._client.get_account_authorization_details(**kwargs)
            keys = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
            items = [(k, item) for k in keys for item in whole[k]]
            for i in range(0, len(items), 2):
                page: dict[str, Any] = {k: [] for k in keys}
                for k, item in items[i : i + 2]:
                    page[k].append(item)
                page["IsTruncated"] = i + 2 < len(items)
                yield page

    class Iam:
        def __init__(self) -> None:
            self._client = aws.client("iam")

        def get_paginator(self, name: str) -> Paginator:
            assert name == "get_account_authorization_details"
            return Paginator(self._client)

        def get_account_authorization_details(self, **kw: Any) -> Any:
            raise AssertionError("from_boto3 must use the paginator")

        def __getattr__(self, name: str) -> Any:
            return getattr(self._client, name)

    class Session:
        def client(self, name: str) -> Any:
            return Iam() if name == "iam" else aws.client(name)

    paged = iamkit.Account.from_boto3(Session())
    assert calls == ["paginate"]
    whole = iamkit.Account.from_boto3(aws)
    assert paged.counts() == whole.counts() == {"users": 7, "groups": 1, "roles": 1, "policies": 2}
    assert paged.to_authorization_details() == whole.to_authorization_details()


def test_organization_policies(aws: Any) -> None:
    build(aws)
    org = aws.client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    scp = org.create_policy(
        Name="NoIamUsers",
        Description="no new IAM users",
        Type="SERVICE_CONTROL_POLICY",
        Content=doc({"Sid": "NoUsers", "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}),
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=scp, TargetId=ACCOUNT)

    acct = iamkit.Account.from_boto3(aws)
    levels = acct.organization_policies["scps"]
    assert len(levels) >= 2  # root ... account
    names = [p.name for p in levels[-1]]
    assert "NoIamUsers" in names
    assert all(p.policy_type == "scp" for level in levels for p in level)
    # the SCPs apply through an Engine
    admin = iamkit.Policy.from_json(doc({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    engine = iamkit.Engine(identity_policies=[admin], scps=levels)
    alice = f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert engine.evaluate(action="iam:CreateUser", principal=alice).decision == "explicitDeny"
    assert engine.evaluate(action="s3:GetObject", principal=alice).decision == "allowed"
    # pickled with the account
    import pickle

    again = pickle.loads(pickle.dumps(acct))
    assert [[p.name for p in lv] for lv in again.organization_policies["scps"]] == [
        [p.name for p in lv] for lv in levels
    ]


def test_no_organization_is_fine(aws: Any) -> None:
    build(aws)
    acct = iamkit.Account.from_boto3(aws)  # AWSOrganizationsNotInUseException is tolerated
    assert acct.organization_policies == {"scps": [], "rcps": []}
    assert iamkit.Account.from_boto3(aws, organization=False).organization_policies == {
        "scps": [],
        "rcps": [],
    }


def test_access_denied_on_organizations_is_tolerated(aws: Any) -> None:
    build(aws)

    class Denied(Exception):
        response: ClassVar[dict[str, Any]] = {"Error": {"Code": "AccessDeniedException", "Message": "no"}}

    class Session:
        def client(self, name: str) -> Any:
            if name == "organizations":

                class Org:
                    def describe_organization(self) -> Any:
                        raise Denied()

                return Org()
            return aws.client(name)

    acct = iamkit.Account.from_boto3(Session())
    assert acct.counts()["users"] == 3 and acct.organization_policies["scps"] == []
