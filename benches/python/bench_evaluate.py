"""Benchmarks of the Python API (plain timeit; prints medians).

    python benches/python/bench_evaluate.py [--quick] [--cpu] [--context-keys=10000,100000]

(``--cpu``: CPU time of the process instead of wall-clock time, for a loaded machine.)

- ``iamkit.evaluate`` on one identity policy given as a pre-parsed ``iamkit.Policy``
  (target: <= 2 us per call);
- ``iamkit.Engine.evaluate``;
- ``iamkit.Engine.evaluate_many``: decisions per second (GIL released during the batch), with
  one shared context and with a context per request (request dicts and parallel lists);
- converting one large context: ``Engine.evaluate`` with a context of 10,000 and 100,000 keys
  (target: 100,000 keys <= 50 ms).

Every figure is a median of several runs (a run longer than 2 s is not repeated).
"""

from __future__ import annotations

import statistics
import sys
import time
import timeit
from collections.abc import Callable

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


CPU = "--cpu" in sys.argv


def median_us(stmt: object, number: int, repeat: int) -> float:
    timer = time.process_time if CPU else time.perf_counter
    times = timeit.repeat(stmt, number=number, repeat=repeat, timer=timer)  # type: ignore[arg-type]
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

    clock = "CPU" if CPU else "wall-clock"
    print(f"iamkit {iamkit.__version__}, Python {sys.version.split()[0]}, {clock} time")
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

    t, _ = median_s(many, 3 if quick else 5)
    per_sec = len(actions) / t
    print(f"Engine.evaluate_many ({len(actions):,} requests):      {per_sec:,.0f} decisions/s (median)")

    per_request_contexts(engine, actions, resources, quick)
    sizes = [10_000, 100_000]
    for arg in sys.argv:
        if arg.startswith("--context-keys="):
            sizes = [int(k) for k in arg.split("=", 1)[1].split(",")]
    large_contexts(engine, quick, sizes)


def median_s(fn: Callable[[], object], repeat: int) -> tuple[float, int]:
    """Median seconds of ``fn`` over ``repeat`` runs (one run when it takes more than 2 s).

    With ``--cpu``, the process's CPU time (``time.process_time``: user + system, all threads)
    instead of the wall clock: on a machine shared with other work, the wall clock also counts
    the time the process waits for a core."""
    clock = time.process_time if CPU else time.perf_counter
    times = []
    for _ in range(repeat):
        t = clock()
        fn()
        times.append(clock() - t)
        if times[-1] > 2.0:
            break
    return statistics.median(times), len(times)


def per_request_contexts(
    engine: iamkit.Engine, actions: list[str], resources: list[str], quick: bool
) -> None:
    """A context of its own for every request (distinct source addresses, half of them also
    with a second key), as request dicts and as parallel lists."""
    n = len(actions)
    contexts: list[dict[str, object]] = []
    for i in range(n):
        ctx: dict[str, object] = {"aws:SourceIp": f"203.0.{(i >> 8) & 255}.{i & 255}"}
        if i % 2:
            ctx["aws:SecureTransport"] = True
        contexts.append(ctx)
    requests = [
        {"action": a, "resource": r, "principal": ALICE, "context": c}
        for a, r, c in zip(actions, resources, contexts, strict=True)
    ]
    sample = slice(0, 2000)
    assert engine.evaluate_many(requests[sample]) == [engine.evaluate(**r).decision for r in requests[sample]]
    repeat = 3 if quick else 5
    t, runs = median_s(lambda: engine.evaluate_many(requests), repeat)
    print(
        f"Engine.evaluate_many ({n:,} request dicts, a context each): "
        f"{n / t:,.0f} decisions/s (median of {runs})"
    )
    t, runs = median_s(
        lambda: engine.evaluate_many(
            actions=actions, resources=resources, principals=[ALICE], contexts=contexts
        ),
        repeat,
    )
    print(
        f"Engine.evaluate_many ({n:,} parallel lists, a context each): "
        f"{n / t:,.0f} decisions/s (median of {runs})"
    )


def large_contexts(engine: iamkit.Engine, quick: bool, sizes: list[int]) -> None:
    """One request whose context has many keys: the cost is converting the context."""
    for keys in sizes:
        ctx: dict[str, object] = {f"custom:key{i}": f"value-{i}" for i in range(keys)}
        ctx["aws:SourceIp"] = "203.0.113.9"

        def one(ctx: dict[str, object] = ctx) -> None:
            engine.evaluate(action="s3:GetObject", resource=OBJ, principal=ALICE, context=ctx)

        t, runs = median_s(one, 3 if quick else 7)
        print(f"Engine.evaluate, context of {keys:,} keys:{t * 1e3:12.2f} ms (median of {runs})")


if __name__ == "__main__":
    main()
