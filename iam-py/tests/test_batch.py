"""``Engine.evaluate_many`` decides every request exactly as ``Engine.evaluate`` decides it alone.

Randomized (seeded) batches of requests — every shape ``evaluate_many`` accepts: lists and tuples
of dicts, generators (fresh dicts, and one dict reused and mutated between rows), custom
``Mapping`` rows and contexts, parallel lists with per-request or shared (length-1) columns —
against policies with conditions on many keys: ``aws:SourceIp`` (IpAddress / NotIpAddress),
``StringLike``, ``Numeric*``, ``Bool``, multi-valued keys with ``ForAnyValue`` /
``ForAllValues``, ``...IfExists`` and ``Null``; principals vary (users, role sessions, root,
another account, anonymous, a service, and None = the default caller) and so do resources and
resource accounts. ``len(SHAPES) * PER_SHAPE`` = 8 * 12,800 = 102,400 requests in all.

The seed is fixed (``IAMKIT_BATCH_SEED`` overrides it); a failure names the seed, the shape and
the first differing request.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import pytest

import iamkit

SEED = int(os.environ.get("IAMKIT_BATCH_SEED", "20261206"))
PER_SHAPE = 12_800

ACCOUNT = "111122223333"
OTHER = "444455556666"

IDENTITY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadFromCorp",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}},
        },
        {
            "Sid": "WriteWithAcl",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::bucket-*/*",
            "Condition": {"StringLike": {"s3:x-amz-acl": ["private", "bucket-owner-*"]}},
        },
        {
            "Sid": "SmallListings",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "*",
            "Condition": {"NumericLessThanEquals": {"s3:max-keys": "100"}},
        },
        {
            "Sid": "TagWithAllowedKeys",
            "Effect": "Allow",
            "Action": ["ec2:CreateTags", "sqs:TagQueue"],
            "Resource": "*",
            "Condition": {
                "ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]},
                "ForAllValues:StringLike": {"aws:TagKeys": ["team", "env", "cost-*"]},
            },
        },
        {
            "Sid": "SqsFromOwnAccount",
            "Effect": "Allow",
            "Action": "sqs:*",
            "Resource": "*",
            "Condition": {"StringEqualsIfExists": {"aws:ResourceAccount": ACCOUNT}},
        },
        {
            "Sid": "NoIamWithoutMfa",
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": "*",
            "Condition": {"Null": {"aws:MultiFactorAuthPresent": "true"}},
        },
        {
            "Sid": "IamWithMfa",
            "Effect": "Allow",
            "Action": "iam:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        },
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "NotFromBlockedNet",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"IpAddressIfExists": {"aws:SourceIp": "10.66.0.0/16"}},
        },
        {
            "Sid": "BigRequestsDenied",
            "Effect": "Deny",
            "Action": "s3:PutObject",
            "Resource": "*",
            "Condition": {"NumericGreaterThan": {"s3:content-length": "1048576"}},
        },
    ],
}

# A bucket policy: another account's principals and the anonymous caller get reads on one
# bucket, only from a corporate address; everyone is denied deletes without a matching tag.
RESOURCE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "CrossAccountRead",
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{OTHER}:root"]},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket-shared/*",
            "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
        },
        {
            "Sid": "PublicReadOfPublicPrefix",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket-shared/public/*",
        },
        {
            "Sid": "DeleteNeedsTag",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:DeleteObject",
            "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"s3:ExistingObjectTag/keep": "no"}},
        },
    ],
}

PRINCIPALS: list[str | None] = [
    None,
    None,
    f"arn:aws:iam::{ACCOUNT}:user/alice",
    f"arn:aws:iam::{ACCOUNT}:user/dev/bob",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/ci",
    f"arn:aws:iam::{ACCOUNT}:role/Admin",
    ACCOUNT,
    f"arn:aws:iam::{OTHER}:user/carol",
    OTHER,
    "anonymous",
    "ec2.amazonaws.com",
]
ACTIONS = [
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "s3:DeleteObject",
    "ec2:CreateTags",
    "sqs:TagQueue",
    "sqs:SendMessage",
    "iam:CreateUser",
    "ec2:RunInstances",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::bucket-a/key.txt",
    "arn:aws:s3:::bucket-shared/doc.txt",
    "arn:aws:s3:::bucket-shared/public/index.html",
    "arn:aws:s3:::other/x",
    f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue",
    f"arn:aws:sqs:us-east-1:{OTHER}:queue",
    f"arn:aws:iam::{ACCOUNT}:user/x",
    f"arn:aws:ec2:us-east-1:{OTHER}:instance/i-0123",
]
RESOURCE_ACCOUNTS: list[str | None] = [None] * 6 + [ACCOUNT, OTHER, "999999999999"]


def random_ip(rng: random.Random) -> str:
    net = rng.choice(["10.1", "10.66", "203.0.113", "198.51.100", "192.0.2", "172.16"])
    parts = net.split(".")
    while len(parts) < 4:
        parts.append(str(rng.randrange(256)))
    return ".".join(parts)


def random_context(rng: random.Random) -> dict[str, object] | None:
    """A context of 0 to 8 keys with values of every accepted type (None = the key is absent)."""
    if rng.random() < 0.1:
        return None
    makers: list[tuple[str, Callable[[], object]]] = [
        ("aws:SourceIp", lambda: random_ip(rng)),
        ("AWS:SOURCEIP", lambda: random_ip(rng)),  # same key, other case: the later one wins
        ("s3:x-amz-acl", lambda: rng.choice(["private", "public-read", "bucket-owner-full-control"])),
        ("s3:max-keys", lambda: rng.choice([5, 100, 101, "50", 99.5, "1e3"])),
        ("s3:content-length", lambda: rng.choice([10, 2**20, 2**20 + 1, 2**40])),
        ("aws:TagKeys", lambda: rng.choice([["team"], ["env", "cost-center"], ["owner"], [], ("team", "x")])),
        ("aws:MultiFactorAuthPresent", lambda: rng.choice([True, False, "true", None])),
        ("aws:SecureTransport", lambda: rng.choice([True, False, "false"])),
        ("s3:ExistingObjectTag/keep", lambda: rng.choice(["no", "yes"])),
        ("aws:ResourceAccount", lambda: rng.choice([ACCOUNT, OTHER])),
    ]
    return {k: make() for k, make in rng.sample(makers, rng.randrange(0, 9))}


class Row(Mapping[str, Any]):
    """A request as a custom read-only mapping (not a dict)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def random_requests(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """``n`` requests; about a third share one of a few context dicts (by identity)."""
    shared = [random_context(rng) for _ in range(8)]
    out: list[dict[str, Any]] = []
    for _ in range(n):
        r: dict[str, Any] = {"action": rng.choice(ACTIONS)}
        if rng.random() < 0.9:
            r["resource"] = rng.choice(RESOURCES)
        principal = rng.choice(PRINCIPALS)
        if principal is not None or rng.random() < 0.5:
            r["principal"] = principal
        ctx = rng.choice(shared) if rng.random() < 0.35 else random_context(rng)
        if ctx is not None or rng.random() < 0.5:
            r["context"] = Row(ctx) if ctx is not None and rng.random() < 0.1 else ctx
        account = rng.choice(RESOURCE_ACCOUNTS)
        if account is not None:
            r["resource_account"] = account
        out.append(r)
    return out


def single(engine: iamkit.Engine, requests: Iterable[Mapping[str, Any]]) -> list[str]:
    return [engine.evaluate(**dict(r)).decision for r in requests]


def fresh_dicts(requests: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A generator of new row and context dicts: each is freed once the batch has read it, so
    its address is soon reused by the next one (the cause of issue #9)."""
    for r in requests:
        row = dict(r)
        if isinstance(r.get("context"), dict):
            row["context"] = dict(r["context"])
        yield row


def reused_dict(requests: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A generator that yields ONE row dict and ONE context dict, mutated between rows."""
    row: dict[str, Any] = {}
    ctx: dict[str, object] = {}
    for r in requests:
        row.clear()
        row.update(r)
        if isinstance(r.get("context"), Mapping):
            ctx.clear()
            ctx.update(r["context"])
            row["context"] = ctx
        yield row


def as_lists(engine: iamkit.Engine, requests: list[dict[str, Any]]) -> list[str]:
    return engine.evaluate_many(
        actions=[r["action"] for r in requests],
        resources=[r.get("resource", "*") for r in requests],
        principals=[r.get("principal") for r in requests],
        contexts=[r.get("context") for r in requests],
        resource_accounts=[r.get("resource_account") for r in requests],
    )


def as_shared_columns(engine: iamkit.Engine, requests: list[dict[str, Any]]) -> list[str]:
    """Length-1 principal and context columns, repeated for every request (the requests are
    rewritten to carry them, so the single evaluations see the same request)."""
    principal, ctx = requests[0].get("principal"), requests[0].get("context")
    for r in requests:
        r["principal"], r["context"] = principal, ctx
        r.pop("resource_account", None)
    return engine.evaluate_many(
        actions=tuple(r["action"] for r in requests),
        resources=tuple(r.get("resource", "*") for r in requests),
        principals=[principal],
        contexts=[ctx],
    )


SHAPES: dict[str, Callable[[iamkit.Engine, list[dict[str, Any]]], list[str]]] = {
    "list of dicts": lambda e, rs: e.evaluate_many(rs),
    "tuple of dicts": lambda e, rs: e.evaluate_many(tuple(rs)),
    "generator of fresh dicts": lambda e, rs: e.evaluate_many(fresh_dicts(rs)),
    "generator reusing one dict": lambda e, rs: e.evaluate_many(reused_dict(rs)),
    "custom Mapping rows": lambda e, rs: e.evaluate_many([Row(r) for r in rs]),
    "iterator over a list": lambda e, rs: e.evaluate_many(iter(rs)),
    "parallel lists": as_lists,
    "parallel lists, shared principal and context": as_shared_columns,
}


@pytest.fixture(scope="module")
def engine() -> iamkit.Engine:
    return iamkit.Engine(identity_policies=[IDENTITY], resource_policy=RESOURCE)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_batch_equals_one_by_one(engine: iamkit.Engine, shape: str) -> None:
    rng = random.Random(f"{SEED}/{shape}")
    decisions: list[str] = []
    requests: list[dict[str, Any]] = []
    # Several batches per shape, of random sizes (1 included), so that both the per-batch
    # caches and their absence between batches are exercised.
    while len(requests) < PER_SHAPE:
        size = min(rng.choice([1, 2, 7, 64, 500, 3000]), PER_SHAPE - len(requests))
        batch = random_requests(rng, size)
        got = SHAPES[shape](engine, batch)
        assert isinstance(got, list)
        assert len(got) == len(batch)
        decisions.extend(got)
        requests.extend(batch)
    expected = single(engine, requests)
    for i, (got_one, want) in enumerate(zip(decisions, expected, strict=True)):
        assert got_one == want, f"seed {SEED}, {shape}, request {i}: {requests[i]!r}"
    # The requests reach every outcome, often (the policies are not vacuous).
    for outcome in ("allowed", "explicitDeny", "implicitDeny"):
        assert expected.count(outcome) > PER_SHAPE // 50, (outcome, expected.count(outcome))


def test_every_shape_is_covered_and_total_is_large() -> None:
    assert len(SHAPES) * PER_SHAPE >= 100_000


def test_large_context_in_a_batch(engine: iamkit.Engine) -> None:
    """A context of many keys (past the inline capacity and the hash-index threshold), shared
    by several requests and given per request, decides as alone."""
    big: dict[str, object] = {f"custom:key{i}": str(i) for i in range(5000)}
    big["aws:SecureTransport"] = True
    big["aws:SourceIp"] = "10.1.2.3"
    big["AWS:SOURCEIP"] = "10.66.0.1"  # later, other case: replaces (blocked network)
    other = dict(big)
    other.pop("AWS:SOURCEIP")
    requests = [
        {"action": "s3:GetObject", "resource": "arn:aws:s3:::bucket-a/k", "context": c}
        for c in (big, other, big, other, None, big)
    ]
    got = engine.evaluate_many(requests)
    assert got == single(engine, requests)
    # None: no aws:SecureTransport, so TlsOnly (BoolIfExists) denies
    assert got == ["explicitDeny", "allowed", "explicitDeny", "allowed", "explicitDeny", "explicitDeny"]
    assert engine.evaluate_many(actions=["s3:GetObject"] * 3, contexts=[other]) == ["allowed"] * 3


def test_unknown_request_keys_and_bad_rows_are_errors(engine: iamkit.Engine) -> None:
    with pytest.raises(ValueError, match="unknown key 'contxt'"):
        engine.evaluate_many([{"action": "s3:GetObject", "contxt": {"aws:SourceIp": "10.1.1.1"}}])
    with pytest.raises(ValueError, match="unknown key"):
        engine.evaluate_many([Row({"action": "s3:GetObject", "Context": {}})])
    with pytest.raises(TypeError, match="request 1 must be a dict"):
        engine.evaluate_many([{"action": "s3:GetObject"}, 42])
    with pytest.raises(TypeError, match="not a single dict"):
        engine.evaluate_many({"action": "s3:GetObject"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a single str"):
        engine.evaluate_many(actions="s3:GetObject")
    with pytest.raises(TypeError, match=r"principals\[1\] must be a str or None"):
        engine.evaluate_many(actions=["s3:GetObject"], principals=[None, 3])
    with pytest.raises(TypeError, match="not a dict"):
        engine.evaluate_many(actions=["s3:GetObject"], contexts={"aws:SourceIp": "10.1.1.1"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same length"):
        engine.evaluate_many(actions=["s3:GetObject"] * 2, resource_accounts=[None] * 3)
    with pytest.raises(TypeError, match="either"):
        engine.evaluate_many([{"action": "s3:GetObject"}], resource_accounts=[ACCOUNT])
