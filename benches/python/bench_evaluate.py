"""Benchmarks of the Python API (plain timeit; prints medians).

    python benches/python/bench_evaluate.py [--quick]

- ``iamkit.evaluate`` on one identity policy given as a pre-parsed ``iamkit.Policy``
  (target: <= 2 us per call);
- ``iamkit.Engine.evaluate``;
- ``iamkit.Engine.evaluate_many``: decisions per second (GIL released during the batch).
"""

from __future__ import annotations

import statistics
import sys
import timeit

import iamkit

POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/${aws:username}/*"]},
    {"Sid": "OnlyFromCorp", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}
  ]
}"""
ALICE = "arn:aws:iam::111122223333:user/alice"
OBJ = "arn:aws:s3:::bucket/alice/notes.txt"
CTX = {"aws:SourceIp": "203.0.113.9"}


def median_us(stmt: object, number: int, repeat: int) -> float:
    times = timeit.repeat(stmt, number=number, repeat=repeat)  # type: ignore[arg-type]
    return statistics.median(times) / number * 1e6


def main() -> None:
    quick = "--quick" in sys.argv
    number, repeat = (20_000, 5) if quick else (200_000, 7)
    policy = iamkit.Policy.from_json(POLICY, name="bench")
    policies = [policy]
    assert (
        iamkit.evaluate(
            action="s3:GetObject", resource=OBJ, principal=ALICE, context=CTX, identity_policies=policies
        ).decision
        == "allowed"
    )

    def ev() -> None:
        iamkit.evaluate(action="s3:GetObject", resource=OBJ, principal=ALICE, identity_policies=policies)

    def ev_ctx() -> None:
        iamkit.evaluate(
            action="s3:GetObject", resource=OBJ, principal=ALICE, context=CTX, identity_policies=policies
        )

    engine = iamkit.Engine(identity_policies=policies)

    def eng() -> None:
        engine.evaluate(action="s3:GetObject", resource=OBJ, principal=ALICE, context=CTX)

    print(f"iamkit {iamkit.__version__}, Python {sys.version.split()[0]}")
    for label, fn in (
        ("iamkit.evaluate (pre-parsed Policy, no context)", ev),
        ("iamkit.evaluate (pre-parsed Policy, 1 ctx key)", ev_ctx),
        ("Engine.evaluate (1 ctx key)", eng),
    ):
        print(f"{label:<50}{median_us(fn, number, repeat):7.3f} us/call (median)")

    n = 100_000 if quick else 1_000_000
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "ec2:RunInstances"] * (n // 4)
    resources = [OBJ, "arn:aws:s3:::bucket/bob/x", "arn:aws:s3:::bucket", "*"] * (n // 4)
    contexts = [CTX]

    def many() -> None:
        engine.evaluate_many(actions=actions, resources=resources, principals=[ALICE], contexts=contexts)

    times = timeit.repeat(many, number=1, repeat=3 if quick else 5)
    per_sec = len(actions) / statistics.median(times)
    print(f"Engine.evaluate_many ({len(actions):,} requests):      {per_sec:,.0f} decisions/s (median)")


if __name__ == "__main__":
    main()
