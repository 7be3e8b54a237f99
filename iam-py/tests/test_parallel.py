"""Batches and concurrency: ``Engine.evaluate_many`` (request dicts or parallel lists, pandas
frames), pickling of Engine / Policy / Account / EvaluationResult, and process and thread pools
that give exactly the serial decisions."""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

import iamkit
from conftest import ALICE, POLICY

BOB = "arn:aws:iam::111122223333:user/bob"
CTX_IN = {"aws:SourceIp": "203.0.113.9"}
CTX_OUT = {"aws:SourceIp": "198.51.100.1"}
ACTIONS = ["s3:GetObject", "s3:ListBucket", "s3:PutObject", "ec2:RunInstances"]
RESOURCES = [
    "arn:aws:s3:::bucket/alice/a.txt",
    "arn:aws:s3:::bucket/bob/b.txt",
    "arn:aws:s3:::bucket",
    "*",
]


def make_requests(n: int) -> list[dict[str, Any]]:
    return [
        {
            "action": ACTIONS[i % 4],
            "resource": RESOURCES[(i // 4) % 4],
            "principal": (ALICE, BOB)[(i // 16) % 2],
            "context": (CTX_IN, CTX_OUT)[(i // 32) % 2],
        }
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def engine() -> iamkit.Engine:
    return iamkit.Engine(identity_policies=[iamkit.Policy.from_json(POLICY, name="read")])


def serial(engine: iamkit.Engine, requests: list[dict[str, Any]]) -> list[str]:
    return [engine.evaluate(**r).decision for r in requests]


def test_request_dicts_match_single_evaluations(engine: iamkit.Engine) -> None:
    requests = make_requests(256)
    decisions = engine.evaluate_many(requests)
    assert isinstance(decisions, list)
    assert decisions == serial(engine, requests)
    assert set(decisions) == {"allowed", "explicitDeny", "implicitDeny"}


def test_parallel_lists_match_request_dicts(engine: iamkit.Engine) -> None:
    requests = make_requests(128)
    by_lists = engine.evaluate_many(
        actions=[r["action"] for r in requests],
        resources=[r["resource"] for r in requests],
        principals=[r["principal"] for r in requests],
        contexts=[r["context"] for r in requests],
    )
    assert by_lists == engine.evaluate_many(requests)
    # length-1 columns are repeated
    assert engine.evaluate_many(
        actions=["s3:GetObject"] * 3, resources=RESOURCES[:3], principals=[ALICE], contexts=[CTX_IN]
    ) == ["allowed", "implicitDeny", "allowed"]


def test_request_dict_defaults_and_errors(engine: iamkit.Engine) -> None:
    # resource defaults to "*", principal to an unnamed IAM user of the resource's account
    root = engine.evaluate_many([{"action": "ec2:RunInstances"}])
    assert root == [engine.evaluate(action="ec2:RunInstances").decision]
    assert engine.evaluate_many([]) == []
    assert engine.evaluate_many(r for r in make_requests(8)) == serial(engine, make_requests(8))
    with pytest.raises(ValueError, match="no 'action'"):
        engine.evaluate_many([{"resource": "*"}])
    with pytest.raises(TypeError):
        engine.evaluate_many([{"action": 1}])
    with pytest.raises(TypeError, match="not both"):
        engine.evaluate_many(make_requests(2), actions=["s3:GetObject"])
    with pytest.raises(ValueError, match="same length"):
        engine.evaluate_many(actions=["a:b", "c:d"], resources=["*", "*", "*"])


def test_dataframe(engine: iamkit.Engine) -> None:
    pd = pytest.importorskip("pandas")
    requests = make_requests(64)
    df = engine.evaluate_many(requests, as_dataframe=True)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["action", "resource", "principal", "decision"]
    assert list(df["decision"].astype(str)) == serial(engine, requests)
    assert list(df["principal"]) == [r["principal"] for r in requests]
    df2 = engine.evaluate_many(
        actions=["s3:GetObject"], resources=RESOURCES, principals=[ALICE], as_dataframe=True
    )
    assert len(df2) == 4 and set(df2["action"]) == {"s3:GetObject"} and set(df2["principal"]) == {ALICE}


def test_everything_pickles(engine: iamkit.Engine) -> None:
    policy = iamkit.Policy.from_json(POLICY, name="read")
    assert pickle.loads(pickle.dumps(policy)) == policy
    e2 = pickle.loads(pickle.dumps(engine))
    requests = make_requests(64)
    assert e2.evaluate_many(requests) == engine.evaluate_many(requests)

    r = engine.evaluate(**requests[0])
    r2 = pickle.loads(pickle.dumps(r))
    assert isinstance(r2, iamkit.EvaluationResult)
    assert r2.to_dict() == r.to_dict() and r2.explain() == r.explain() and repr(r2) == repr(r)
    assert r2.matched_statements[0]["policy_name"] == "read"
    assert r.policy("identity", 0) == policy and r2.policy("identity", 0) is None

    acct = iamkit.Account("111122223333", alias="corp")
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="read", PolicyDocument=POLICY)
    a2 = pickle.loads(pickle.dumps(acct))
    assert a2.counts() == acct.counts() and a2.alias == "corp"
    ar = acct.authorize(principal=ALICE, action="s3:GetObject", resource=RESOURCES[0], context=CTX_IN)
    ar2 = pickle.loads(pickle.dumps(ar))
    assert ar2.decision == "allowed" and ar2.to_dict() == ar.to_dict()
    ar3 = a2.authorize(principal=ALICE, action="s3:GetObject", resource=RESOURCES[0], context=CTX_IN)
    assert ar3.decision == ar.decision and ar3.reason == ar.reason
    assert [s["sid"] for s in ar3.matched_statements] == [s["sid"] for s in ar.matched_statements]
    # results of every kind of principal round-trip
    for who in (None, "anonymous", "ec2.amazonaws.com", "111122223333"):
        res = engine.evaluate(action="s3:GetObject", resource=RESOURCES[0], principal=who)
        assert pickle.loads(pickle.dumps(res)).to_dict() == res.to_dict()


def _decide_chunk(engine: iamkit.Engine, chunk: list[dict[str, Any]]) -> list[str]:
    return list(engine.evaluate_many(chunk))


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def test_process_pool_matches_serial(engine: iamkit.Engine) -> None:
    requests = make_requests(4000)
    expected = serial(engine, requests)
    chunks = _chunks(requests, 500)
    ctx = multiprocessing.get_context("spawn")  # nothing inherited: the Engine really is pickled
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        got = [d for part in pool.map(_decide_chunk, [engine] * len(chunks), chunks) for d in part]
    assert got == expected


def test_thread_pool_matches_serial(engine: iamkit.Engine) -> None:
    requests = make_requests(20_000)
    expected = engine.evaluate_many(requests)
    assert expected[:500] == serial(engine, requests[:500])
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = [d for part in pool.map(engine.evaluate_many, _chunks(requests, 1000)) for d in part]
    assert got == expected
    with ThreadPoolExecutor(max_workers=4) as pool:
        singles = list(pool.map(lambda r: engine.evaluate(**r).decision, requests[:2000]))
    assert singles == expected[:2000]


def _policy_findings(policy: iamkit.Policy) -> tuple[str | None, list[str]]:
    return policy.name, [f.code for f in policy.findings]


def _account_decision(args: tuple[iamkit.Account, str, str]) -> str:
    acct, principal, action = args
    return acct.authorize(
        principal=principal, action=action, resource="arn:aws:s3:::bucket/alice/a.txt"
    ).decision


def test_multiprocessing_pool_over_policies_and_accounts() -> None:
    policies = [
        iamkit.Policy.from_json(POLICY, name="good"),
        iamkit.Policy.from_json(
            '{"Statement": {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}}', name="bad"
        ),
        iamkit.Policy.from_json(POLICY, policy_type="resource", name="res"),
    ]
    acct = iamkit.Account("111122223333")
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    work = [(acct, ALICE, a) for a in ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:CreateUser")]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        findings = pool.map(_policy_findings, policies)
        decisions = pool.map(_account_decision, work)
    assert findings == [_policy_findings(p) for p in policies]
    assert findings[1][1] and "INVALID_ACTION" in findings[1][1]
    assert decisions == [_account_decision(w) for w in work]
    assert decisions == ["allowed", "implicitDeny", "allowed", "implicitDeny"]
