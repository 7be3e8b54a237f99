"""Decide many requests: ``Engine.evaluate_many`` (GIL released), threads and processes.

python examples/batch_parallel.py
"""

from __future__ import annotations

import pickle
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import iamkit

POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"},
        {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::secrets/*"},
    ],
}
ALICE = "arn:aws:iam::111122223333:user/alice"


def decide(engine: iamkit.Engine, requests: list[dict[str, Any]]) -> list[str]:
    """Runs in a worker process: the engine arrives pickled."""
    return list(engine.evaluate_many(requests))


def main() -> None:
    engine = iamkit.Engine(identity_policies=[POLICY])
    n = 200_000
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "ec2:RunInstances"] * (n // 4)
    resources = ["arn:aws:s3:::data/a", "arn:aws:s3:::data/b", "arn:aws:s3:::secrets/k", "*"] * (n // 4)

    start = time.perf_counter()
    decisions = engine.evaluate_many(actions=actions, resources=resources, principals=[ALICE])
    elapsed = time.perf_counter() - start
    print(f"{len(decisions):,} decisions in {elapsed * 1000:.1f} ms ({len(decisions) / elapsed:,.0f}/s)")

    # The same batch as request dicts, split over threads (the GIL is released) ...
    requests = [
        {"action": a, "resource": r, "principal": ALICE} for a, r in zip(actions, resources, strict=True)
    ]
    chunks = [requests[i : i + 50_000] for i in range(0, len(requests), 50_000)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = [d for part in pool.map(engine.evaluate_many, chunks) for d in part]
    assert threaded == decisions

    # ... and over processes (the Engine pickles as its policies' text).
    with ProcessPoolExecutor(max_workers=2) as procs:
        parts = procs.map(decide, [engine] * len(chunks), chunks)
        in_processes = [d for part in parts for d in part]
    assert in_processes == decisions
    print(f"threads and processes agree; a pickled Engine is {len(pickle.dumps(engine)):,} bytes")


if __name__ == "__main__":
    main()
