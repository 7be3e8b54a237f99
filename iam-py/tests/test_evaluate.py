"""iamkit.evaluate, iamkit.Engine and iamkit.EvaluationResult."""

from __future__ import annotations

import pickle
import threading
import time

import pytest

import iamkit
from conftest import ALICE, POLICY

OBJ = "arn:aws:s3:::bucket/alice/notes.txt"
CORP = {"aws:SourceIp": "203.0.113.9"}


def test_allowed_with_explanation(policy: iamkit.Policy) -> None:
    r = iamkit.evaluate(
        action="s3:GetObject", resource=OBJ, principal=ALICE, context=CORP, identity_policies=[policy]
    )
    assert r.decision == "allowed" and r.allowed and bool(r)
    (m,) = r.matched_statements
    assert m["sid"] == "Read" and m["effect"] == "Allow" and m["decisive"]
    assert m["layer"] == "identity" and m["policy_name"] == "read.json"
    assert m["line"] == policy.statements[0].line and m["column"] == policy.statements[0].column
    assert r.missing_context_values == []
    assert r.variables == {"aws:username": "alice"}
    assert r.layers == [{"layer": "identity", "verdict": "allow"}]
    text = r.explain()
    assert "allowed" in text and "Read" in text
    d = r.to_dict()
    assert d["decision"] == "allowed" and d["matched_statements"][0]["sid"] == "Read"
    assert "allowed" in repr(r) and "s3:GetObject" in repr(r)
    assert (r.action, r.resource, r.principal) == ("s3:GetObject", OBJ, ALICE)


def test_explicit_deny_and_missing_context(policy: iamkit.Policy) -> None:
    r = iamkit.evaluate(action="s3:GetObject", resource=OBJ, principal=ALICE, identity_policies=[policy])
    assert r.decision == "explicitDeny" and not r.allowed
    assert r.missing_context_values == ["aws:SourceIp"]
    decisive = [m for m in r.matched_statements if m["decisive"]]
    assert [m["sid"] for m in decisive] == ["OnlyFromCorp"]


def test_implicit_deny(policy: iamkit.Policy) -> None:
    r = iamkit.evaluate(
        action="s3:PutObject", resource=OBJ, principal=ALICE, context=CORP, identity_policies=[policy]
    )
    assert r.decision == "implicitDeny"
    assert not [m for m in r.matched_statements if m["decisive"]]


def test_policy_argument_kinds(policy: iamkit.Policy) -> None:
    for arg in (POLICY, POLICY.encode(), policy.to_dict(), policy, [POLICY], (policy,)):
        r = iamkit.evaluate(
            action="s3:GetObject", resource=OBJ, principal=ALICE, context=CORP, identity_policies=arg
        )
        assert r.decision == "allowed"
    with pytest.raises(iamkit.PolicyParseError):
        iamkit.evaluate(action="s3:GetObject", identity_policies=["{not json"])
    with pytest.raises(TypeError):
        iamkit.evaluate(action="s3:GetObject", identity_policies=42)  # type: ignore[arg-type]


def test_no_policies() -> None:
    assert iamkit.evaluate(action="s3:GetObject", principal=ALICE).decision == "implicitDeny"
    # no principal = an unnamed IAM user of the resource's account holding exactly the policies
    # given (spec §5.1 rev 3), never the root user: nothing allows, so implicitly denied
    assert iamkit.evaluate(action="s3:GetObject").decision == "implicitDeny"
    assert iamkit.evaluate(action="s3:GetObject", principal="123456789012").decision == "allowed"


def test_context_value_types() -> None:
    pol = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {
                "Bool": {"aws:SecureTransport": "true"},
                "NumericLessThan": {"ec2:VolumeSize": "100"},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]},
            },
        },
    }
    ok = {"aws:SecureTransport": True, "ec2:VolumeSize": 10, "aws:TagKeys": ["a", "b"]}
    r = iamkit.evaluate(action="ec2:RunInstances", principal=ALICE, context=ok, identity_policies=[pol])
    assert r.decision == "allowed", r.explain()
    r = iamkit.evaluate(
        action="ec2:RunInstances",
        principal=ALICE,
        context={**ok, "ec2:VolumeSize": 500.5},
        identity_policies=[pol],
    )
    assert r.decision == "implicitDeny"
    r = iamkit.evaluate(
        action="ec2:RunInstances",
        principal=ALICE,
        context={**ok, "AWS:TAGKEYS": ("a", "c")},
        identity_policies=[pol],
    )
    assert r.decision == "implicitDeny"  # keys are case-insensitive
    with pytest.raises(TypeError, match="context"):
        iamkit.evaluate(action="s3:GetObject", context={"k": object()})


def test_bad_principal() -> None:
    with pytest.raises(ValueError, match="not a principal"):
        iamkit.evaluate(action="s3:GetObject", principal="nobody at all")


def test_resource_policy_cross_account() -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::shared/*",
        },
    }
    ident = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    kw = {"action": "s3:GetObject", "resource": "arn:aws:s3:::shared/x", "principal": ALICE}
    both = iamkit.evaluate(
        **kw, identity_policies=[ident], resource_policy=bucket, resource_account="444455556666"
    )
    assert both.decision == "allowed"
    only_res = iamkit.evaluate(**kw, resource_policy=bucket, resource_account="444455556666")
    assert only_res.decision == "implicitDeny"


def test_scps_and_boundary() -> None:
    ident = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
    allow_all = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
    deny_iam = {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}}
    s3_only = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    kw = {"principal": ALICE, "identity_policies": [ident]}
    assert iamkit.evaluate(
        action="iam:CreateUser", scps=[[allow_all], [allow_all, deny_iam]], **kw
    ).decision == ("explicitDeny")
    assert iamkit.evaluate(action="s3:GetObject", scps=[[allow_all], [allow_all]], **kw).decision == "allowed"
    assert (
        iamkit.evaluate(action="s3:GetObject", scps=[[allow_all], [deny_iam]], **kw).decision
        == "implicitDeny"
    )
    assert (
        iamkit.evaluate(action="ec2:RunInstances", permissions_boundary=s3_only, **kw).decision
        == "implicitDeny"
    )
    r = iamkit.evaluate(action="s3:GetObject", permissions_boundary=s3_only, **kw)
    assert r.decision == "allowed"
    assert {"layer": "permissions_boundary", "verdict": "allow"} in r.layers


def test_engine_matches_evaluate(policy: iamkit.Policy) -> None:
    engine = iamkit.Engine(identity_policies=[policy])
    for ctx in (CORP, None):
        for action in ("s3:GetObject", "s3:PutObject"):
            a = engine.evaluate(action=action, resource=OBJ, principal=ALICE, context=ctx)
            b = iamkit.evaluate(
                action=action, resource=OBJ, principal=ALICE, context=ctx, identity_policies=[policy]
            )
            assert a.decision == b.decision
            assert a.matched_statements == b.matched_statements
    assert "identity=1" in repr(engine)


def test_evaluate_many(policy: iamkit.Policy) -> None:
    engine = iamkit.Engine(identity_policies=[policy])
    out = engine.evaluate_many(
        actions=["s3:GetObject", "s3:GetObject", "s3:PutObject"],
        resources=[OBJ, "arn:aws:s3:::bucket/bob/x", OBJ],
        principals=[ALICE],
        contexts=[CORP],
    )
    assert out == ["allowed", "implicitDeny", "implicitDeny"]
    out = engine.evaluate_many(
        actions=["s3:GetObject"], resources=[OBJ, OBJ], principals=[ALICE, ALICE], contexts=[CORP, {}]
    )
    assert out == ["allowed", "explicitDeny"]
    assert engine.evaluate_many(actions=[], resources=[]) == []
    with pytest.raises(ValueError, match="same length"):
        engine.evaluate_many(actions=["a:b", "a:c"], resources=["x", "y", "z"])
    with pytest.raises(ValueError, match="not a principal"):
        engine.evaluate_many(actions=["s3:GetObject"], resources=["*"], principals=["???"])


def test_evaluate_many_releases_the_gil(policy: iamkit.Policy) -> None:
    engine = iamkit.Engine(identity_policies=[policy])
    n = 200_000
    actions = ["s3:GetObject"] * n
    resources = [OBJ] * n
    ticks = 0
    done = threading.Event()

    def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.0005)

    t = threading.Thread(target=ticker)
    t.start()
    start = time.perf_counter()
    out = engine.evaluate_many(actions=actions, resources=resources, principals=[ALICE], contexts=[CORP])
    elapsed = time.perf_counter() - start
    done.set()
    t.join()
    assert len(out) == n and out[0] == "allowed"
    if elapsed > 0.05:  # long enough for the other thread to have run several times
        assert ticks >= 3


def test_engine_pickle(policy: iamkit.Policy) -> None:
    engine = iamkit.Engine(
        identity_policies=[policy],
        permissions_boundary='{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}',
        scps=[
            ['{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}']
        ],
    )
    back = pickle.loads(pickle.dumps(engine))
    assert repr(back) == repr(engine)
    for ctx in (CORP, {}):
        a = engine.evaluate(action="s3:GetObject", resource=OBJ, principal=ALICE, context=ctx)
        b = back.evaluate(action="s3:GetObject", resource=OBJ, principal=ALICE, context=ctx)
        assert a.to_dict() == b.to_dict()


def test_principal_defaults_to_unnamed_user_of_resource_account() -> None:
    # spec §5.1 rev 3: not the root user; the explanation names the account assumed
    r = iamkit.evaluate(action="s3:GetObject", resource="arn:aws:sqs:us-east-1:444455556666:q")
    assert r.principal == ""
    assert "unnamed IAM user of account 444455556666" in r.reason
    r = iamkit.evaluate(action="s3:GetObject", resource_account="777788889999")
    assert r.principal == ""
    assert "unnamed IAM user of account 777788889999" in r.reason
