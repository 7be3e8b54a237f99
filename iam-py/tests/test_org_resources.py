"""iamkit.Organization: cross-account edges from resource-based policies carried in the layout's
``Accounts[].ResourcePolicies`` (spec §5.8: across accounts the caller's identity policies and the
resource's policy must both allow, SCPs of the caller's account and RCPs of the resource's apply;
§5.10: the management account is exempt; AWS: reference_policies_evaluation-logic-cross-account,
lambda/latest/dg/permissions-function-cross-account)."""

from __future__ import annotations

import json
import pickle
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

import iamkit

try:  # the clients raise botocore's ClientError when botocore is installed
    from botocore.exceptions import ClientError

    CLIENT_ERRORS: tuple[type[Exception], ...] = (iamkit.IamClientError, ClientError)
except ImportError:  # pragma: no cover
    CLIENT_ERRORS = (iamkit.IamClientError,)

M, A, B = "999999999999", "111111111111", "222222222222"
ROOT = "r-ab12"
BUCKET = "arn:aws:s3:::b-data"
FUNCTION = f"arn:aws:lambda:us-east-1:{B}:function:etl"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def arn(account: str, kind: str, name: str) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def allow(action: str, resource: str = "*") -> str:
    return json.dumps(doc({"Sid": "Id", "Effect": "Allow", "Action": action, "Resource": resource}))


GOOD = doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"})


def layout(*, identity: bool = True, policies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A:role/reader (s3:GetObject when ``identity``), A:role/dev (lambda:UpdateFunctionCode);
    B:bucket b-data whose policy grants reader s3:GetObject (statement 1, Sid Foreign), and
    B:function etl running as B:role/exec (an admin), whose policy lets A's account update its code."""
    trust_a = json.dumps(doc({"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"}))
    a = iamkit.Account(A)
    iam = a.client("iam")
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=trust_a)
    if identity:
        iam.put_role_policy(RoleName="reader", PolicyName="grant", PolicyDocument=allow("s3:GetObject"))
    iam.create_role(RoleName="dev", AssumeRolePolicyDocument=trust_a)
    iam.put_role_policy(RoleName="dev", PolicyName="code", PolicyDocument=allow("lambda:UpdateFunctionCode"))
    b = iamkit.Account(B)
    iam = b.client("iam")
    lambda_trust = doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    iam.create_role(RoleName="exec", AssumeRolePolicyDocument=json.dumps(lambda_trust))
    iam.attach_role_policy(RoleName="exec", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    bucket_policy = doc(
        {
            "Sid": "Own",
            "Effect": "Allow",
            "Principal": {"AWS": B},
            "Action": "s3:*",
            "Resource": f"{BUCKET}/*",
        },
        {
            "Sid": "Foreign",
            "Effect": "Allow",
            "Principal": {"AWS": arn(A, "role", "reader")},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/*",
        },
    )
    function_policy = doc(
        {
            "Sid": "Code",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
            "Action": "lambda:UpdateFunctionCode",
            "Resource": FUNCTION,
        }
    )
    return {
        "Organization": {"Id": "o-a1b2c3d4e5", "RootId": ROOT, "ManagementAccountId": M},
        "OrganizationalUnits": [],
        "Accounts": [
            {"Id": M, "ParentId": ROOT, "AuthorizationDetails": iamkit.Account(M).to_authorization_details()},
            {"Id": A, "ParentId": ROOT, "AuthorizationDetails": a.to_authorization_details()},
            {
                "Id": B,
                "ParentId": ROOT,
                "AuthorizationDetails": b.to_authorization_details(),
                "ResourcePolicies": [
                    {"ResourceArn": BUCKET, "Policy": bucket_policy},
                    {"ResourceArn": FUNCTION, "Policy": function_policy, "Role": arn(B, "role", "exec")},
                ],
            },
        ],
        "Policies": policies or [],
    }


def access(org: iamkit.Organization, principal: str) -> list[dict[str, Any]]:
    return [e for e in org.reach_graph().resource_access(principal) if e["to"] == BUCKET]


def test_a_bucket_policy_grant_is_an_edge_only_with_the_callers_identity_allow() -> None:
    org = iamkit.Organization.from_dict(layout())
    reader = arn(A, "role", "reader")
    [edge] = access(org, reader)
    assert edge["kind"] == "resourceAccess" and edge["access"] == "allowed"
    assert [e["action"] for e in edge["evidence"]] == ["s3:GetObject"]
    statements = edge["evidence"][0]["statements"]
    resource = next(s for s in statements if s["layer"] == "resource")
    assert (resource["statement"], resource["sid"], resource["policy_arn"]) == (1, "Foreign", BUCKET)
    assert any(s["layer"] == "identity" and s["policy"] == "grant" for s in statements)
    node = org.reach_graph().node(BUCKET)
    assert node is not None and node["kind"] == "resource" and node["account"] == B
    # The authorize call agrees, both ways.
    assert org.authorize(principal=reader, action="s3:GetObject", resource=f"{BUCKET}/k").allowed
    no_identity = iamkit.Organization.from_dict(layout(identity=False))
    assert access(no_identity, reader) == []
    assert not no_identity.authorize(principal=reader, action="s3:GetObject", resource=f"{BUCKET}/k").allowed


def test_an_rcp_on_the_resource_account_and_an_scp_on_the_callers_cut_the_edge() -> None:
    reader = arn(A, "role", "reader")
    rcp = {
        "Id": "p-ownonly1",
        "Name": "OwnOnly",
        "Type": "RESOURCE_CONTROL_POLICY",
        "Content": doc(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalAccount": B}},
            }
        ),
        "Targets": [B],
    }
    assert access(iamkit.Organization.from_dict(layout(policies=[rcp])), reader) == []
    scp = {
        "Id": "p-noget001",
        "Name": "NoGet",
        "Type": "SERVICE_CONTROL_POLICY",
        "Content": doc({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}),
        "Targets": [A],
    }
    assert access(iamkit.Organization.from_dict(layout(policies=[scp])), reader) == []
    # The same SCP on B (the resource's account) does not apply to A's principal.
    scp["Targets"] = [B]
    assert len(access(iamkit.Organization.from_dict(layout(policies=[scp])), reader)) == 1


def test_a_foreign_function_policy_becomes_its_execution_role() -> None:
    org = iamkit.Organization.from_dict(layout())
    dev, exec_role = arn(A, "role", "dev"), arn(B, "role", "exec")
    [path] = [p for p in org.reach(dev) if p.target == exec_role]
    assert [s["method"] for s in path.steps] == ["CrossAccountUpdateFunctionCode"]
    assert path.steps[0]["kind"] == "serviceAction"
    # exec is an administrator of B: dev escalates to it through B's function.
    assert org.privilege_escalation(dev)[0].target == exec_role


def test_org_wide_who_can_lists_the_foreign_principal_with_the_resource_statement() -> None:
    org = iamkit.Organization.from_dict(layout())
    who = org.who_can("s3:GetObject", f"{BUCKET}/report.csv")
    reader = arn(A, "role", "reader")
    assert reader in who
    [d] = [d for d in who.details if d["principal"] == reader]
    st = next(s for s in d["statements"] if s["layer"] == "resource")
    assert (st["statement"], st["sid"]) == (1, "Foreign")
    no_identity = iamkit.Organization.from_dict(layout(identity=False))
    assert reader not in no_identity.who_can("s3:GetObject", f"{BUCKET}/report.csv")


def test_resource_policies_round_trip_pickle_and_executors() -> None:
    org = iamkit.Organization.from_dict(layout())
    d = org.to_dict()
    [b] = [x for x in d["Accounts"] if x["Id"] == B]
    assert [r["ResourceArn"] for r in b["ResourcePolicies"]] == sorted([BUCKET, FUNCTION])  # ARN order
    assert iamkit.Organization.from_dict(d).to_dict() == d
    assert pickle.loads(pickle.dumps(org)).to_dict() == d
    serial = org.reach_graph().to_dict()
    who = org.who_can("s3:GetObject", f"{BUCKET}/k").details
    with ThreadPoolExecutor(2) as ex:
        assert org.reach_graph(executor=ex).to_dict() == serial
    with ProcessPoolExecutor(2) as ex:
        assert org.reach_graph(executor=ex).to_dict() == serial
        assert org.who_can("s3:GetObject", f"{BUCKET}/k", executor=ex).details == who


@pytest.mark.parametrize(
    ("entry", "path", "words"),
    [
        ({"ResourceArn": BUCKET, "Policy": GOOD, "Bogus": 1}, "ResourcePolicies[0].Bogus", "unknown field"),
        ({"ResourceArn": "b-data", "Policy": GOOD}, "ResourcePolicies[0].ResourceArn", "not an ARN"),
        (
            {"ResourceArn": f"arn:aws:sqs:us-east-1:{A}:q", "Policy": GOOD},
            "ResourcePolicies[0].ResourceArn",
            f"belongs to account {A}",
        ),
        (
            {"ResourceArn": BUCKET, "Policy": doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})},
            "ResourcePolicies[0].Policy",
            "MalformedPolicyDocument",
        ),
        (
            {"ResourceArn": BUCKET, "Policy": GOOD, "Role": arn(B, "role", "missing")},
            "ResourcePolicies[0].Role",
            "NoSuchEntity",
        ),
    ],
)
def test_bad_resource_policies_name_the_json_path(entry: dict[str, Any], path: str, words: str) -> None:
    d = layout()
    d["Accounts"][2]["ResourcePolicies"] = [entry]
    with pytest.raises(iamkit.OrganizationLayoutError) as e:
        iamkit.Organization.from_dict(d)
    assert e.value.path == f"Accounts[2].{path}", e.value
    assert words in e.value.message


def test_account_resource_policies_travel_with_the_account() -> None:
    b = iamkit.Account(B)
    policy = doc(
        {
            "Sid": "Foreign",
            "Effect": "Allow",
            "Principal": {"AWS": A},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/*",
        }
    )
    b.put_resource_policy(BUCKET, policy)
    assert b.resource_policies == [{"ResourceArn": BUCKET, "Policy": json.dumps(policy)}]
    with pytest.raises(CLIENT_ERRORS) as e:
        b.put_resource_policy(BUCKET, "{not json")
    assert e.value.response["Error"]["Code"] == "MalformedPolicyDocument"  # type: ignore[attr-defined]
    with pytest.raises(CLIENT_ERRORS) as e:
        b.put_resource_policy(FUNCTION, policy, role=arn(B, "role", "missing"))
    assert e.value.response["Error"]["Code"] == "NoSuchEntity"  # type: ignore[attr-defined]
    assert [r["ResourceArn"] for r in b.resource_policies] == [BUCKET]  # nothing changed
    # Pickled (as executor= ships it) with its resource policies.
    assert pickle.loads(pickle.dumps(b)).resource_policies == b.resource_policies
    # Copied into an organization with them, and back out of it.
    a = iamkit.Account(A)
    a.client("iam").create_user(UserName="u")
    a.client("iam").put_user_policy(UserName="u", PolicyName="p", PolicyDocument=allow("s3:GetObject"))
    org = iamkit.Organization(iamkit.Account(M))
    org.add_account(a)
    org.add_account(b)
    u = arn(A, "user", "u")
    assert org.authorize(principal=u, action="s3:GetObject", resource=f"{BUCKET}/k").allowed
    assert org.account(B).resource_policies == b.resource_policies
    b.delete_resource_policy(BUCKET)
    assert b.resource_policies == []
    with pytest.raises(CLIENT_ERRORS):
        b.delete_resource_policy(BUCKET)


def test_few_accounts_split_the_reach_graph_by_principals(monkeypatch: pytest.MonkeyPatch) -> None:
    from iamkit import _organization

    d = layout()
    a = iamkit.Account.from_authorization_details(d["Accounts"][1]["AuthorizationDetails"], account_id=A)
    for i in range(6):
        a.client("iam").create_user(UserName=f"u{i}")
        a.client("iam").put_user_policy(
            UserName=f"u{i}",
            PolicyName="p",
            PolicyDocument=allow("s3:GetObject" if i % 2 else "sts:AssumeRole"),
        )
    d["Accounts"][1]["AuthorizationDetails"] = a.to_authorization_details()
    org = iamkit.Organization.from_dict(d)
    serial = org.reach_graph().to_dict()
    calls: list[int] = []
    real = _organization._reach_principals_task

    def spy(args: tuple[Any, list[str]]) -> Any:
        calls.append(len(args[1]))
        return real(args)

    monkeypatch.setattr(_organization, "_reach_principals_task", spy)
    with ThreadPoolExecutor(2) as ex:
        assert org.reach_graph(executor=ex).to_dict() == serial
    assert len(calls) == 4 and sum(calls) == len(org.principals())  # 3 accounts < 2 x 2 workers
    monkeypatch.undo()  # the process pool pickles the task function by name
    with ProcessPoolExecutor(2) as ex:
        assert org.reach_graph(executor=ex).to_dict() == serial
        assert [dict(p) for p in org.reach(arn(A, "role", "dev"), executor=ex)] == [
            dict(p) for p in org.reach(arn(A, "role", "dev"))
        ]
