"""iamkit's Python API side by side with moto's and principalmapper's policy checks.

    python benches/python/bench_vs_others.py [--quick]

Plain ``timeit``, medians of several repeats, one thread (the process is pinned to one CPU
when the OS allows it). The request is the same everywhere: user ``alice`` asks for
``s3:GetObject`` on ``arn:aws:s3:::bucket/alice/notes.txt`` against one identity policy.

- ``Engine.evaluate_many``: decisions per second for 1,000,000 requests given as parallel
  lists (target >= 1,000,000/s on one core), and for request dicts;
- ``iamkit.evaluate`` with a pre-parsed ``iamkit.Policy`` (target <= 2 us) and
  ``Engine.evaluate``;
- moto: ``moto.iam.access_control.IAMPolicy(document).is_action_permitted(action, resource)``
  (the object built once; and built per call, as moto does per request);
- principalmapper (if it imports): ``local_check_authorization_full(node, action, resource,
  {})`` with the policy attached to a user node. principalmapper 1.1.5 imports
  ``collections.Mapping``, removed in Python 3.10; the benchmark puts the ``collections.abc``
  names back before importing it.
"""

from __future__ import annotations

import collections
import collections.abc
import json
import os
import statistics
import sys
import timeit
from collections.abc import Callable
from typing import Any

import iamkit

POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Read",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/alice/*"],
        },
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    ],
}
POLICY_TEXT = json.dumps(POLICY)
ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
ACTION = "s3:GetObject"
RESOURCE = "arn:aws:s3:::bucket/alice/notes.txt"


def pin_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


def per_call_us(fn: Callable[[], object], number: int, repeat: int) -> float:
    fn()
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def iamkit_rows(quick: bool) -> list[tuple[str, float, str]]:
    number, repeat = (20_000, 5) if quick else (200_000, 7)
    policy = iamkit.Policy.from_json(POLICY_TEXT, name="read")
    policies = [policy]
    engine = iamkit.Engine(identity_policies=policies)
    assert engine.evaluate(action=ACTION, resource=RESOURCE, principal=ALICE).decision == "allowed"

    rows = []

    def ev() -> None:
        iamkit.evaluate(action=ACTION, resource=RESOURCE, principal=ALICE, identity_policies=policies)

    def eng() -> None:
        engine.evaluate(action=ACTION, resource=RESOURCE, principal=ALICE)

    rows.append(("iamkit.evaluate (pre-parsed Policy)", per_call_us(ev, number, repeat), "target <= 2 us"))
    rows.append(("iamkit.Engine.evaluate", per_call_us(eng, number, repeat), ""))

    n = 100_000 if quick else 1_000_000
    actions = [ACTION, "s3:ListBucket", "s3:DeleteObject", "s3:PutObject"] * (n // 4)
    resources = [RESOURCE, "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/bob/x", RESOURCE] * (n // 4)
    expected = ["allowed", "allowed", "explicitDeny", "implicitDeny"] * (n // 4)
    got = engine.evaluate_many(actions=actions, resources=resources, principals=[ALICE])
    assert got == expected

    def many() -> None:
        engine.evaluate_many(actions=actions, resources=resources, principals=[ALICE])

    t = statistics.median(timeit.repeat(many, number=1, repeat=3 if quick else 5))
    rows.append((f"Engine.evaluate_many, {n:,} parallel lists", t / n * 1e6, f"{n / t:,.0f} decisions/s"))

    requests = [
        {"action": a, "resource": r, "principal": ALICE} for a, r in zip(actions, resources, strict=True)
    ]
    assert engine.evaluate_many(requests) == expected

    def many_dicts() -> None:
        engine.evaluate_many(requests)

    t = statistics.median(timeit.repeat(many_dicts, number=1, repeat=3 if quick else 5))
    rows.append((f"Engine.evaluate_many, {n:,} request dicts", t / n * 1e6, f"{n / t:,.0f} decisions/s"))
    return rows


def moto_rows(quick: bool) -> list[tuple[str, float, str]]:
    try:
        import moto
        from moto.iam.access_control import IAMPolicy, PermissionResult
    except ImportError as e:
        print(f"moto: not available ({e})")
        return []
    number, repeat = (5_000, 5) if quick else (50_000, 7)
    built = IAMPolicy(POLICY_TEXT)
    assert built.is_action_permitted(ACTION, RESOURCE) == PermissionResult.PERMITTED

    def check() -> None:
        built.is_action_permitted(ACTION, RESOURCE)

    def build_and_check() -> None:
        IAMPolicy(POLICY_TEXT).is_action_permitted(ACTION, RESOURCE)

    v = moto.__version__
    return [
        (f"moto {v} IAMPolicy.is_action_permitted", per_call_us(check, number, repeat), "object built once"),
        (f"moto {v} IAMPolicy(doc).is_action_permitted", per_call_us(build_and_check, number, repeat), ""),
    ]


def principalmapper_rows(quick: bool) -> tuple[list[tuple[str, float, str]], str]:
    for name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Callable"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    try:
        import principalmapper
        from principalmapper.common.nodes import Node
        from principalmapper.common.policies import Policy as PmPolicy
        from principalmapper.querying.query_interface import local_check_authorization_full
    except Exception as e:  # not installed, or does not import on this Python
        return [], f"principalmapper: not available ({type(e).__name__}: {e})"
    policy = PmPolicy(f"arn:aws:iam::{ACCOUNT}:policy/read", "read", POLICY)
    node = Node(ALICE, "AIDAEXAMPLEALICE00000", [policy], [], None, None, 0, False, False, None, False, {})
    assert local_check_authorization_full(node, ACTION, RESOURCE, {}) is True
    assert local_check_authorization_full(node, "s3:DeleteObject", RESOURCE, {}) is False
    number, repeat = (2_000, 5) if quick else (20_000, 7)

    def check() -> None:
        local_check_authorization_full(node, ACTION, RESOURCE, {})

    v = getattr(principalmapper, "__version__", "?")
    note = f"principalmapper {v} imported (with the collections.abc shim)"
    return [
        (f"principalmapper {v} local_check_authorization_full", per_call_us(check, number, repeat), "")
    ], note


def main() -> None:
    quick = "--quick" in sys.argv
    pinned = pin_one_core()
    print(
        f"iamkit {iamkit.__version__}, Python {sys.version.split()[0]}, {pinned}, medians of timeit repeats"
    )
    rows = iamkit_rows(quick)
    rows += moto_rows(quick)
    pm_rows, pm_note = principalmapper_rows(quick)
    rows += pm_rows
    print(pm_note)
    single = next(us for label, us, _ in rows if label.startswith("iamkit.evaluate"))
    width = max(len(label) for label, _, _ in rows)
    print(f"\n{'':<{width}}  {'us/decision':>12}  {'vs iamkit.evaluate':>18}  note")
    for label, us, note in rows:
        print(f"{label:<{width}}  {us:>12.3f}  {us / single:>17.1f}x  {note}")


if __name__ == "__main__":
    main()
