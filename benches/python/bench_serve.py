"""Throughput of the local endpoint (issue #12): signed `iam:GetUser` calls per second with
SigV4 verification and enforcement on, over 1 keep-alive connection and over 16 concurrent
ones, `iamkit serve` and moto's server side by side in the same run with the same client code.

    .venv/bin/python benches/python/bench_serve.py                 # 3 repetitions of 5 s each
    .venv/bin/python benches/python/bench_serve.py --seconds 2 --repeat 3 --json out.json

The client is raw HTTP/1.1 (http.client, one keep-alive connection per thread) signing every
request with SigV4 (hashlib/hmac), so neither server is favoured by an SDK's overhead. The 16
connections are spread over `--procs` client processes (threads inside each) so that the
client's interpreter lock is not the ceiling. For each server, the caller is an IAM user whose
inline policy allows only `iam:GetUser`; before measuring, the script checks that the
server verifies signatures (a wrong secret is refused with 403) and enforces policies (ListUsers,
which the policy does not allow, is refused with 403): moto's request authentication is switched on for that
(its `/moto-api/reset-auth`). Every measured call must answer 200; the figure is the median
calls per second over the repetitions.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_harness import (
    Credentials,
    Endpoint,
    IamkitServe,
    MotoServer,
    QueryClient,
    create_user_with_key,
)

USER = "bench"


def _policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:GetUser",
                    # "*": moto authorizes IAM calls against resource "*" only, so a
                    # narrower ARN would deny every call there; the same policy for both.
                    "Resource": "*",
                }
            ],
        }
    )


def prepare(ep: Endpoint) -> Credentials:
    """Creates the bench user with its key and checks that the server verifies signatures and
    enforces policies; returns the user's key."""
    assert ep.root is not None
    admin = QueryClient(ep.url, ep.root)
    admin.call("CreateUser", {"UserName": "other"})
    key = create_user_with_key(admin, USER, _policy())
    admin.close()
    if isinstance(ep, MotoServer):
        ep.enable_auth()
    c = QueryClient(ep.url, key)
    deadline = time.monotonic() + 30
    while True:  # a new key may take a moment to be usable on some servers
        r = c.call("GetUser", {"UserName": USER})
        if r.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if r.status != 200:
        raise RuntimeError(f"{ep.name}: GetUser by {USER} answered {r.status}: {r.body[:300]!r}")
    denied = c.call("ListUsers")
    if denied.status != 403:
        raise RuntimeError(f"{ep.name}: ListUsers (not allowed) answered {denied.status}, not 403")
    bad = QueryClient(ep.url, Credentials(key.access_key_id, key.secret_access_key[:-1] + "x"))
    r = bad.call("GetUser", {"UserName": USER})
    if r.status != 403:
        raise RuntimeError(f"{ep.name}: a wrong secret answered {r.status}, not 403")
    bad.close()
    c.close()
    return key


def _thread_loop(url: str, key: Credentials, start_at: float, stop_at: float, out: list[int]) -> None:
    c = QueryClient(url, key)
    ok = errors = 0
    params = {"UserName": USER}
    c.call("GetUser", params)  # open the connection before the clock starts
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < stop_at:
        r = c.call("GetUser", params)
        if r.status == 200:
            ok += 1
        else:
            errors += 1
    c.close()
    out.extend([ok, errors])


def _proc_worker(args: tuple[str, Credentials, int, float, float]) -> tuple[int, int]:
    url, key, threads, start_at, stop_at = args
    results: list[list[int]] = [[] for _ in range(threads)]
    ts = [
        threading.Thread(target=_thread_loop, args=(url, key, start_at, stop_at, results[i]))
        for i in range(threads)
    ]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(r[0] for r in results), sum(r[1] for r in results)


def measure(url: str, key: Credentials, connections: int, seconds: float, procs: int) -> float:
    """Calls per second over `connections` concurrent keep-alive connections."""
    procs = max(1, min(procs, connections))
    per = [connections // procs + (1 if i < connections % procs else 0) for i in range(procs)]
    start_at = time.time() + 1.0 + 0.2 * procs
    stop_at = start_at + seconds
    jobs = [(url, key, n, start_at, stop_at) for n in per]
    if procs == 1:
        ok, errors = _proc_worker(jobs[0])
    else:
        with mp.get_context("fork").Pool(procs) as pool:
            parts = pool.map(_proc_worker, jobs)
        ok, errors = sum(p[0] for p in parts), sum(p[1] for p in parts)
    if errors:
        raise RuntimeError(f"{errors} calls did not answer 200")
    return ok / seconds


def run(seconds: float, repeat: int, procs: int, connections: list[int]) -> dict[str, Any]:
    results: dict[str, Any] = {"seconds": seconds, "repeat": repeat, "procs": procs, "servers": {}}
    servers: list[Endpoint] = [IamkitServe(), MotoServer()]
    try:
        keys = {}
        for ep in servers:
            ep.start()
            keys[ep.name] = prepare(ep)
        # Interleave the servers in each repetition so that a noisy neighbour hurts both alike.
        samples: dict[str, dict[int, list[float]]] = {ep.name: {n: [] for n in connections} for ep in servers}
        for _ in range(repeat):
            for n in connections:
                for ep in servers:
                    rate = measure(ep.url, keys[ep.name], n, seconds, procs if n > 1 else 1)
                    samples[ep.name][n].append(rate)
                    print(f"  {ep.name:13} {n:2} connection(s): {rate:9.0f} calls/s", file=sys.stderr)
        for ep in servers:
            results["servers"][ep.name] = {
                str(n): {"median": statistics.median(v), "samples": v} for n, v in samples[ep.name].items()
            }
    finally:
        for ep in servers:
            if isinstance(ep, IamkitServe):
                ep.cleanup()
            else:
                ep.stop()
    a, m = results["servers"]["iamkit serve"], results["servers"]["moto"]
    results["ratio"] = {str(n): a[str(n)]["median"] / m[str(n)]["median"] for n in connections}
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=5.0, help="length of one measurement (default 5)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions; the median is reported (default 3)")
    p.add_argument("--procs", type=int, default=2, help="client processes for the concurrent run (default 2)")
    p.add_argument("--connections", default="1,16", help="comma-separated connection counts (default 1,16)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    a = p.parse_args(argv)
    if not 0 < a.seconds <= 60 or not 1 <= a.repeat <= 10:
        p.error("--seconds must be in (0, 60] and --repeat in [1, 10]")
    conns = [int(x) for x in a.connections.split(",")]
    res = run(a.seconds, a.repeat, a.procs, conns)
    print(f"signed iam:GetUser calls/s, median of {a.repeat} x {a.seconds:g} s (SigV4 + enforcement on)")
    print(f"{'connections':>11} | {'iamkit serve':>12} | {'moto':>8} | ratio")
    for n in conns:
        i = res["servers"]["iamkit serve"][str(n)]["median"]
        m = res["servers"]["moto"][str(n)]["median"]
        print(f"{n:>11} | {i:>12.0f} | {m:>8.0f} | {i / m:5.1f}x")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
