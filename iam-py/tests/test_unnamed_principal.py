"""No principal is not root (spec §5.1 rev 3, issue #9), through every door where a principal may
be omitted: ``iamkit.evaluate``, ``Engine.evaluate``, ``Engine.evaluate_many``,
``simulate_custom_policy``, ``Account.simulate_principal_policy``, ``iamkit simulate`` and the
demo's hint. Also ``role_arn=`` for sessions of roles with a path.

AWS's rules for the simulator's caller are those of the API reference:
https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html and
https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import iamkit
from iamkit import _demo

S3_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
NOTE = "no principal given: evaluated as an unnamed IAM user of account"
A = "111122223333"
B = "444455556666"
ALICE = f"arn:aws:iam::{A}:user/alice"


def _error_code(exc: BaseException) -> str:
    response: Any = getattr(exc, "response", None)
    assert isinstance(response, dict), f"{type(exc).__name__} is not ClientError-shaped: {exc}"
    return str(response["Error"]["Code"])


# ---- iamkit.evaluate -------------------------------------------------------------------------


def test_issue_example_is_implicit_deny_with_no_matched_statement() -> None:
    r = iamkit.evaluate(action="ec2:RunInstances", identity_policies=[S3_ONLY])
    assert r.decision == "implicitDeny"
    assert not r.allowed
    assert r.matched_statements == []
    assert f"{NOTE} 123456789012, as the IAM policy simulator does without CallerArn" in r.reason
    assert "root" not in r.reason
    assert NOTE in r.explain()
    assert r.principal == ""
    assert "unnamed IAM user of 123456789012" in repr(r)
    # the identity policies given are the unnamed user's own
    assert iamkit.evaluate(action="s3:GetObject", identity_policies=[S3_ONLY]).decision == "allowed"


def test_root_only_when_named() -> None:
    for root in (A, f"arn:aws:iam::{A}:root"):
        r = iamkit.evaluate(action="ec2:RunInstances", principal=root, identity_policies=[S3_ONLY])
        assert r.decision == "allowed", root
        assert NOTE not in r.reason


def test_unnamed_user_account_follows_the_resource() -> None:
    by_account = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": B, "aws:PrincipalType": "User"}},
            }
        ],
    }
    q_b = f"arn:aws:sqs:us-east-1:{B}:q"
    r = iamkit.evaluate(action="sqs:SendMessage", resource=q_b, identity_policies=[by_account])
    assert r.decision == "allowed"
    assert f"{NOTE} {B}" in r.reason
    r = iamkit.evaluate(
        action="sqs:SendMessage",
        resource="arn:aws:s3:::b/k",
        resource_account=A,
        identity_policies=[by_account],
    )
    assert r.decision == "implicitDeny"
    assert f"{NOTE} {A}" in r.reason


def test_resource_policy_names_it_only_by_star_or_account() -> None:
    def bucket(principal: object, effect: str = "Allow") -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": effect,
                    "Principal": principal,
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::b/*",
                }
            ],
        }

    def decide(resource_policy: dict[str, Any], identity: list[Any] | None = None) -> str:
        return iamkit.evaluate(
            action="s3:GetObject",
            resource="arn:aws:s3:::b/k",
            resource_account=A,
            resource_policy=resource_policy,
            identity_policies=identity or [],
        ).decision

    assert decide(bucket("*")) == "allowed"
    assert decide(bucket({"AWS": A})) == "implicitDeny"  # the account delegates to identity policies
    assert decide(bucket({"AWS": A}), [S3_ONLY]) == "allowed"
    assert decide(bucket({"AWS": ALICE})) == "implicitDeny"
    assert decide(bucket({"AWS": ALICE}, "Deny"), [S3_ONLY]) == "allowed"
    # the old reading (root) would be exempt from a NotPrincipal deny listing the account
    not_principal = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": [f"arn:aws:iam::{A}:root", ALICE]},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
            }
        ],
    }
    assert decide(not_principal, [S3_ONLY]) == "explicitDeny"


def test_missing_derived_keys_are_reported() -> None:
    pol = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:username": "alice"}},
            }
        ],
    }
    r = iamkit.evaluate(action="s3:GetObject", identity_policies=[pol])
    assert r.decision == "implicitDeny"
    assert r.missing_context_values == ["aws:username"]


def test_pickled_result_keeps_the_unnamed_principal() -> None:
    r = iamkit.evaluate(action="ec2:RunInstances", resource_account=B, identity_policies=[S3_ONLY])
    back = pickle.loads(pickle.dumps(r))
    assert back.decision == "implicitDeny"
    assert back.reason == r.reason and f"{NOTE} {B}" in back.reason
    assert back.principal == ""
    assert repr(back) == repr(r)


def test_html_view_names_the_unnamed_user_not_anonymous() -> None:
    html = iamkit.evaluate(action="ec2:RunInstances", identity_policies=[S3_ONLY])._repr_html_()
    assert "an unnamed IAM user (no principal given)" in html
    assert "anonymous" not in html
    named = iamkit.evaluate(action="ec2:RunInstances", principal=ALICE)._repr_html_()
    assert f"<code>{ALICE}</code>" in named


# ---- Engine ----------------------------------------------------------------------------------


def test_engine_evaluate_and_evaluate_many_default_to_the_unnamed_user() -> None:
    engine = iamkit.Engine(identity_policies=[S3_ONLY])
    r = engine.evaluate(action="ec2:RunInstances")
    assert r.decision == "implicitDeny" and NOTE in r.reason
    assert engine.evaluate(action="ec2:RunInstances", principal=A).decision == "allowed"
    assert engine.evaluate_many([{"action": "ec2:RunInstances"}, {"action": "s3:GetObject"}]) == [
        "implicitDeny",
        "allowed",
    ]
    assert engine.evaluate_many(actions=["ec2:RunInstances", "s3:PutObject"]) == ["implicitDeny", "allowed"]
    assert engine.evaluate_many(actions=["ec2:RunInstances"], resources=["*"], principals=[None, A]) == [
        "implicitDeny",
        "allowed",
    ]


def test_evaluate_many_unnamed_user_per_resource_account() -> None:
    pol = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": B}},
            }
        ],
    }
    engine = iamkit.Engine(identity_policies=[pol])
    queues = [f"arn:aws:sqs:us-east-1:{B}:q", f"arn:aws:sqs:us-east-1:{A}:q"]
    expected = [engine.evaluate(action="sqs:SendMessage", resource=q).decision for q in queues]
    assert expected == ["allowed", "implicitDeny"]
    assert engine.evaluate_many(actions=["sqs:SendMessage"], resources=queues) == expected
    assert engine.evaluate_many([{"action": "sqs:SendMessage", "resource": q} for q in queues]) == expected
    # one resource: the shared default principal
    assert engine.evaluate_many(actions=["sqs:SendMessage"] * 2, resources=queues[:1]) == [expected[0]] * 2


# ---- role_arn= ---------------------------------------------------------------------------------

ROLE = f"arn:aws:iam::{A}:role/division/RoleName"
SESSION = f"arn:aws:sts::{A}:assumed-role/RoleName/s1"
BY_ROLE_ARN = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": ROLE}},
        }
    ],
}


def test_role_arn_gives_the_session_its_role_path() -> None:
    without = iamkit.evaluate(action="s3:GetObject", principal=SESSION, identity_policies=[BY_ROLE_ARN])
    assert without.decision == "implicitDeny"  # the session ARN alone has no path
    r = iamkit.evaluate(
        action="s3:GetObject", principal=SESSION, role_arn=ROLE, identity_policies=[BY_ROLE_ARN]
    )
    assert r.decision == "allowed"
    assert r.principal == SESSION
    engine = iamkit.Engine(identity_policies=[BY_ROLE_ARN])
    assert engine.evaluate(action="s3:GetObject", principal=SESSION, role_arn=ROLE).decision == "allowed"
    # a resource policy naming the role ARN (with path) covers the session
    bucket = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject", "Resource": "*"}
        ],
    }
    assert (
        iamkit.evaluate(
            action="s3:GetObject", principal=SESSION, role_arn=ROLE, resource_policy=bucket
        ).decision
        == "allowed"
    )


@pytest.mark.parametrize(
    ("principal", "role_arn", "match"),
    [
        (None, ROLE, "give principal="),
        (SESSION, f"arn:aws:iam::{A}:role/division/Other", "is not the role of the session"),
        (SESSION, f"arn:aws:iam::{B}:role/division/RoleName", "is not the role of the session"),
        (ALICE, ROLE, "is not a role session"),
        (SESSION, "RoleName", "is not the role of the session"),
    ],
)
def test_role_arn_errors(principal: str | None, role_arn: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        iamkit.evaluate(action="s3:GetObject", principal=principal, role_arn=role_arn)
    with pytest.raises(ValueError, match=match):
        iamkit.Engine().evaluate(action="s3:GetObject", principal=principal, role_arn=role_arn)


# ---- simulate_custom_policy ----------------------------------------------------------------


def _simulate(**kwargs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = iamkit.simulate_custom_policy(**kwargs)["EvaluationResults"]
    return out


def test_simulate_custom_policy_without_caller_is_not_root() -> None:
    (r,) = _simulate(PolicyInputList=[json.dumps(S3_ONLY)], ActionNames=["ec2:RunInstances"])
    assert r["EvalDecision"] == "implicitDeny"
    assert r["MatchedStatements"] == []
    (r,) = _simulate(PolicyInputList=[json.dumps(S3_ONLY)], ActionNames=["s3:GetObject"])
    assert r["EvalDecision"] == "allowed"


def test_simulate_custom_policy_with_caller() -> None:
    (r,) = _simulate(PolicyInputList=[json.dumps(S3_ONLY)], ActionNames=["ec2:RunInstances"], CallerArn=ALICE)
    assert r["EvalDecision"] == "implicitDeny"
    bucket = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": ALICE},
                "Action": "s3:PutObject",
                "Resource": "*",
            },
        }
    )
    results = _simulate(
        PolicyInputList=['{"Version": "2012-10-17", "Statement": []}'],
        ActionNames=["s3:PutObject"],
        ResourceArns=["arn:aws:s3:::b/k"],
        ResourcePolicy=bucket,
        CallerArn=ALICE,
    )
    assert [r["EvalDecision"] for r in results] == ["allowed"]
    results = _simulate(
        PolicyInputList=['{"Version": "2012-10-17", "Statement": []}'],
        ActionNames=["s3:PutObject"],
        ResourceArns=["arn:aws:s3:::b/k"],
        ResourcePolicy=bucket,
        CallerArn=f"arn:aws:iam::{A}:user/bob",
    )
    assert [r["EvalDecision"] for r in results] == ["implicitDeny"]


@pytest.mark.parametrize(
    "caller",
    [
        f"arn:aws:iam::{A}:role/app",
        f"arn:aws:sts::{A}:assumed-role/app/s",
        f"arn:aws:sts::{A}:federated-user/f",
        f"arn:aws:iam::{A}:root",
        A,
        "ec2.amazonaws.com",
        "alice",
        f"arn:aws:iam::{A}:user/",
        42,
    ],
)
def test_caller_arn_must_be_an_iam_user(caller: object) -> None:
    with pytest.raises(Exception) as ei:
        iamkit.simulate_custom_policy(
            PolicyInputList=[json.dumps(S3_ONLY)], ActionNames=["s3:GetObject"], CallerArn=caller
        )
    assert _error_code(ei.value) == "InvalidInput"
    assert "CallerArn" in str(ei.value)


@pytest.mark.parametrize("action", ["s3:*", "ec2:Describe*", "s3:GetObjec?", "*", "s3GetObject", 7])
def test_action_names_without_wildcards(action: object) -> None:
    # an unknown input must not come back "allowed" (S3_ONLY's "s3:*" would match "s3:*")
    with pytest.raises(Exception) as ei:
        iamkit.simulate_custom_policy(PolicyInputList=[json.dumps(S3_ONLY)], ActionNames=[action])
    assert _error_code(ei.value) == "InvalidInput"
    assert "ActionNames" in str(ei.value)


def test_resource_policy_requires_caller_arn() -> None:
    bucket = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
        }
    )
    with pytest.raises(Exception) as ei:
        iamkit.simulate_custom_policy(
            PolicyInputList=[json.dumps(S3_ONLY)],
            ActionNames=["s3:GetObject"],
            ResourceArns=["arn:aws:s3:::b/k"],
            ResourcePolicy=bucket,
        )
    assert _error_code(ei.value) == "InvalidInput"
    assert "CallerArn is required" in str(ei.value)
    # the same through an account's boto3-shaped client
    client = iamkit.Account(A).client("iam")
    with pytest.raises(Exception) as ei:
        client.simulate_custom_policy(
            PolicyInputList=[json.dumps(S3_ONLY)], ActionNames=["s3:GetObject"], ResourcePolicy=bucket
        )
    assert _error_code(ei.value) == "InvalidInput"


def test_resource_owner() -> None:
    sqs = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}

    def decide(owner: str, resource: str = "arn:aws:s3:::b/k") -> str:
        (r,) = _simulate(
            PolicyInputList=[json.dumps(S3_ONLY) if resource.startswith("arn:aws:s3") else json.dumps(sqs)],
            ActionNames=["s3:GetObject" if resource.startswith("arn:aws:s3") else "sqs:SendMessage"],
            ResourceArns=[resource],
            CallerArn=ALICE,
            ResourceOwner=owner,
        )
        return str(r["EvalDecision"])

    assert decide(f"arn:aws:iam::{A}:root") == "allowed"
    assert decide(A) == "allowed"
    # another account owns the bucket and no resource policy grants: cross-account denial
    assert decide(f"arn:aws:iam::{B}:root") == "implicitDeny"
    # ResourceOwner is for resources whose ARN names no owner: the queue's own account wins
    assert decide(f"arn:aws:iam::{B}:root", f"arn:aws:sqs:us-east-1:{A}:q") == "allowed"
    for bad in ("foo", f"arn:aws:iam::{B}:user/x", "12345", "arn:aws:s3:::b"):
        with pytest.raises(Exception) as ei:
            decide(bad)
        assert _error_code(ei.value) == "InvalidInput", bad
        assert "ResourceOwner" in str(ei.value)


# ---- Account.simulate_principal_policy -----------------------------------------------------

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


@pytest.fixture()
def account() -> iamkit.Account:
    acct = iamkit.Account(A)
    iam = acct.client("iam")
    iam.create_group(GroupName="readers")
    iam.put_group_policy(GroupName="readers", PolicyName="s3", PolicyDocument=json.dumps(S3_ONLY))
    iam.create_user(UserName="alice")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST))
    return acct


def test_simulate_principal_policy_group_is_an_unnamed_user(account: iamkit.Account) -> None:
    out = account.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{A}:group/readers", ActionNames=["s3:GetObject", "ec2:RunInstances"]
    )
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed", "implicitDeny"]


def test_simulate_principal_policy_caller_rules(account: iamkit.Account) -> None:
    bucket = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
        }
    )
    for source in (f"arn:aws:iam::{A}:group/readers", f"arn:aws:iam::{A}:role/app"):
        with pytest.raises(Exception) as ei:
            account.simulate_principal_policy(
                PolicySourceArn=source, ActionNames=["s3:GetObject"], ResourcePolicy=bucket
            )
        assert _error_code(ei.value) == "InvalidInput", source
    with pytest.raises(Exception) as ei:
        account.simulate_principal_policy(
            PolicySourceArn=ALICE, ActionNames=["s3:GetObject"], CallerArn=f"arn:aws:iam::{A}:role/app"
        )
    assert _error_code(ei.value) == "InvalidInput"
    out = account.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{A}:role/app",
        CallerArn=ALICE,
        ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::b/k"],
        ResourcePolicy=bucket,
    )
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed"]


# ---- command line and demo ------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iamkit", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_simulate_without_principal(tmp_path: Path) -> None:
    pol = tmp_path / "s3.json"
    pol.write_text(json.dumps(S3_ONLY))
    p = run("simulate", str(pol), "--action", "ec2:RunInstances", "--action", "s3:GetObject")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["implicitDeny\tec2:RunInstances\t*", "allowed\ts3:GetObject\t*"]
    assert "no --principal given: evaluated as an unnamed IAM user" in p.stderr
    p = run("simulate", str(pol), "--action", "ec2:RunInstances", "--fail-on-deny")
    assert p.returncode == 1 and p.stdout.startswith("implicitDeny")
    p = run("simulate", str(pol), "--action", "ec2:RunInstances", "--explain", "--resource-account", B)
    assert f"{NOTE} {B}" in p.stdout
    p = run("simulate", str(pol), "--action", "ec2:RunInstances", "--format", "json")
    (out,) = json.loads(p.stdout)
    assert out["decision"] == "implicitDeny" and out["matched_statements"] == [] and NOTE in out["reason"]
    # naming the root user keeps its full access, without the note
    p = run("simulate", str(pol), "--action", "ec2:RunInstances", "--principal", A, "--fail-on-deny")
    assert p.returncode == 0 and p.stdout.startswith("allowed") and p.stderr == ""


def test_cli_simulate_role_arn(tmp_path: Path) -> None:
    pol = tmp_path / "by-role.json"
    pol.write_text(json.dumps(BY_ROLE_ARN))
    base = ["simulate", str(pol), "--action", "s3:GetObject", "--principal", SESSION]
    assert run(*base).stdout.startswith("implicitDeny")
    assert run(*base, "--role-arn", ROLE).stdout.startswith("allowed")
    p = run(*base, "--role-arn", f"arn:aws:iam::{A}:role/Other")
    assert p.returncode == 2 and "role_arn" in p.stderr


def test_demo_next_hint_gives_aws_answer(tmp_path: Path) -> None:
    p = run("demo")
    assert p.returncode == 0
    hint = p.stdout[p.stdout.index("Next:") :]
    assert "iamkit simulate POLICY.json --action s3:GetObject --resource ARN --explain" in hint
    assert "without --principal" in hint
    # The hinted command on one of the demo's policies (a deny-only policy): AWS's simulator
    # answers implicitDeny without CallerArn; the root user would have been allowed.
    pol = tmp_path / "deny-prod-delete.json"
    pol.write_text(json.dumps(_demo.DENY_PROD_DELETE))
    p = run(
        "simulate",
        str(pol),
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::prod-data/x",
        "--explain",
    )
    assert p.returncode == 0
    assert p.stdout.startswith("implicitDeny\ts3:GetObject\tarn:aws:s3:::prod-data/x")
    assert NOTE in p.stdout
